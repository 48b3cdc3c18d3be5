//! What Patch Manager does: the baselines and patch groups, loaded the
//! first time the pane is shown; a baseline's matrix; approval through a
//! preview; new baselines; scans and installs through the Run Command form;
//! and patch events turned into as few reloads as can be.
//!
//! As elsewhere, events only mark what they change; the flush turns the
//! marks into at most one request of each kind, so a scan of 100,000 nodes
//! costs a few reloads a second, not one per node.

use super::detail::PatchDetail;
use super::keys;
use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use sysman_api::events::Event;
use sysman_api::patch::{DeletePatchBaseline, RegisterDefaultPatchBaseline, operating_system_of};
use sysman_api::{ApiError, Timestamp};

use super::approval::{Approval, Choice, SelectBy, Verdict, preview};
use super::create::{BaselineForm, CreateError, Field, Source};
use super::matrix::{Matrix, split_body};
use super::{Focus, GroupRow, PATCH_GROUP_TAG, PatchPane, split};
use crate::app::{Ask, Dialog};
use crate::describe::Described;
use crate::input::Edit;
use crate::keys::{Command, Scope};
use crate::panes::run_command::send::SendForm;
use crate::panes::{Handled, Pane, Room};
use crate::request::{Cx, Loads};
use crate::runtime::job::Work;
use crate::table::TableView;
use crate::theme::Theme;

/// The longest comment SendCommand takes.
const COMMENT_MAX: usize = sysman_api::commands::limits::COMMENT_MAX;

/// The slots of the lists' load, the groups' states, the open matrix and
/// its counts alone.
const LISTS: &str = "baselines";
const STATES: &str = "states";
const MATRIX: &str = "matrix";
const COUNTS: &str = "counts";

impl PatchPane {
    fn load_baselines(&mut self, cx: &mut Cx) {
        self.stale = false;
        let job = Work::new("PatchBaselines", |c| async move { c.baselines().await });
        cx.load(LISTS, job, |pane: &mut Self, result, cx| match result {
            Ok((identities, mappings)) => pane.set_lists(identities, mappings),
            Err(e) => cx.set_status(format!("could not list baselines: {e}"), true),
        });
    }

    /// Counts the fleet's nodes by patch group, and asks how each group's
    /// nodes stand.
    fn load_group_states(&mut self, cx: &mut Cx) {
        let mut nodes: BTreeMap<String, usize> = BTreeMap::new();
        let mut oses: BTreeMap<Option<String>, BTreeMap<String, usize>> = BTreeMap::new();
        let mut ungrouped = 0;
        for row in cx.fleet_rows() {
            let group = row.node.tags.iter().find(|t| t.key == PATCH_GROUP_TAG);
            match group {
                Some(tag) => *nodes.entry(tag.value.clone()).or_default() += 1,
                None => ungrouped += 1,
            }
            let info = &row.node.info;
            let os = operating_system_of(
                info.platform_name.as_deref().unwrap_or_default(),
                info.platform_version.as_deref().unwrap_or_default(),
            );
            if let Some(os) = os {
                let of_group = oses.entry(group.map(|t| t.value.clone())).or_default();
                *of_group.entry(os.to_owned()).or_default() += 1;
            }
        }
        self.group_nodes = nodes;
        self.group_os = oses;
        self.ungrouped = ungrouped;
        self.states_stale = false;
        let groups = self.group_names();
        let job = Work::new("PatchGroupStates", |c| async move {
            c.group_states(groups).await
        });
        cx.load(STATES, job, |pane: &mut Self, result, cx| match result {
            Ok(states) => pane.set_states(states),
            Err(e) => cx.set_status(format!("could not read patch groups: {e}"), true),
        });
    }

    fn load_matrix(&mut self, cx: &mut Cx) {
        let Some(m) = &mut self.matrix else { return };
        m.stale = false;
        m.counts_stale = false;
        let baseline_id = m.baseline_id.clone();
        let job = Work::new(
            "PatchMatrix",
            |c| async move { c.matrix(&baseline_id).await },
        );
        cx.load(MATRIX, job, |pane: &mut Self, result, cx| {
            let Some(m) = &mut pane.matrix else { return };
            match result {
                Ok(data) => m.load(data),
                Err(e) if !m.loaded() => m.error = Some(e.to_string()),
                Err(e) => cx.set_status(format!("could not reload: {e}"), true),
            }
        });
    }

    fn load_counts(&mut self, cx: &mut Cx) {
        let Some(m) = &mut self.matrix else { return };
        let Some(data) = &m.data else { return };
        m.counts_stale = false;
        let scope = data.scope.clone();
        let os = data.baseline.operating_system.clone();
        let job = Work::new(
            "PatchCounts",
            |c| async move { c.counts(&scope, &os).await },
        );
        cx.load(COUNTS, job, |pane: &mut Self, result, cx| {
            let Some(m) = &mut pane.matrix else { return };
            match result {
                Ok(counts) => m.set_counts(counts),
                Err(e) => cx.set_status(format!("could not count patches: {e}"), true),
            }
        });
    }

    /// Enter: a baseline opens its matrix; a patch group shows its nodes
    /// in Fleet Manager.
    fn open(&mut self, cx: &mut Cx) {
        if let Some(m) = &self.matrix {
            // A patch's details, over its matrix.
            if let Some(row) = m.selected() {
                cx.open(PatchDetail {
                    row: row.clone(),
                    now: cx.now,
                });
            }
            return;
        }
        match self.focus {
            Focus::Baselines => {
                let Some(b) = self.selected_baseline() else {
                    return;
                };
                let matrix = Matrix::new(
                    b.identity.baseline_id.clone(),
                    b.identity.baseline_name.clone(),
                    b.aws,
                );
                self.matrix = Some(Box::new(matrix));
                // Counts asked for another matrix are not this one's.
                cx.forget(COUNTS);
                self.load_matrix(cx);
            }
            Focus::Groups => {
                let Some(g) = self.selected_group() else {
                    return;
                };
                if g.ungrouped {
                    let text = format!(
                        "no {PATCH_GROUP_TAG} tag: these nodes patch by their OS's default baseline"
                    );
                    cx.set_status(text, false);
                    return;
                }
                let filter = format!("{PATCH_GROUP_TAG}={}", g.name);
                cx.ask(Ask::ShowFleet { filter });
            }
        }
    }

    fn switch_list(&mut self) {
        self.focus = match self.focus {
            Focus::Baselines => Focus::Groups,
            Focus::Groups => Focus::Baselines,
        };
    }

    /// `s` or `i`: the Run Command form for AWS-RunPatchBaseline, aimed at
    /// the patch group in focus, or the groups of the baseline in focus.
    fn patch_now(&mut self, operation: &str, cx: &mut Cx) {
        let groups: Vec<String> = match (&self.matrix, self.focus) {
            (Some(m), _) => m
                .data
                .as_ref()
                .map(|d| d.scope.groups().to_vec())
                .unwrap_or_default(),
            (None, Focus::Groups) => self
                .selected_group()
                .filter(|g| !g.ungrouped)
                .map(|g| vec![g.name.clone()])
                .unwrap_or_default(),
            (None, Focus::Baselines) => self
                .selected_baseline()
                .map(|b| b.groups.clone())
                .unwrap_or_default(),
        };
        let targets = if groups.is_empty() {
            cx.set_status(
                "no patch group here: say which nodes in the form, or choose a group in \
                 Patch groups (tab)",
                false,
            );
            String::new()
        } else {
            format!("tag:{PATCH_GROUP_TAG}={}", groups.join(","))
        };
        let comment = crate::ui::fit(
            &format!("Patch Manager: {operation} {}", groups.join(", ")),
            COMMENT_MAX,
        );
        let form = SendForm::patch(operation, targets, comment.trim_end().to_owned());
        cx.ask(Ask::SendForm(Box::new(form)));
    }

    /// Esc in the matrix: clear the selection first, then close it.
    fn back_in_matrix(&mut self, cx: &mut Cx) {
        let Some(m) = &mut self.matrix else { return };
        if m.marked.is_empty() {
            self.matrix = None;
        } else {
            let n = m.marked.len();
            m.marked.clear();
            cx.set_status(format!("unselected {n} patches"), false);
        }
    }

    fn open_select_by(&mut self, cx: &mut Cx) {
        if let Some(m) = &self.matrix {
            cx.open(SelectBy::new(m.shown()));
        }
    }

    fn on_select_by_key(&mut self, mut chooser: SelectBy, event: KeyEvent, cx: &mut Cx) {
        match event.code {
            KeyCode::Esc | KeyCode::Char('q') => return,
            KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => chooser.move_by(-1),
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => chooser.move_by(1),
            KeyCode::Enter => {
                if let Some(choice) = chooser.chosen().cloned() {
                    self.select_patches(&choice, cx);
                }
                return;
            }
            _ => {}
        }
        cx.open(chooser);
    }

    /// Adds the shown patches `choice` matches to the selection.
    fn select_patches(&mut self, choice: &Choice, cx: &mut Cx) {
        let Some(m) = &mut self.matrix else { return };
        if *choice == Choice::Clear {
            let n = m.marked.len();
            m.marked.clear();
            cx.set_status(format!("unselected {n} patches"), false);
            return;
        }
        let ids: Vec<String> = m
            .shown()
            .filter(|r| choice.matches(r))
            .map(|r| r.patch.id.clone())
            .collect();
        let n = ids.len();
        m.marked.extend(ids);
        let all = m.marked.len();
        cx.set_status(
            format!(
                "selected {n} {} patches ({all} selected): a approves, x rejects",
                choice.name()
            ),
            false,
        );
    }

    /// `a` or `x`: the preview of what approving or rejecting the chosen
    /// patches changes.
    fn preview_approval(&mut self, verdict: Verdict, cx: &mut Cx) {
        let Some(m) = &self.matrix else { return };
        if m.aws {
            let os = m
                .data
                .as_ref()
                .map_or("its operating system", |d| &d.baseline.operating_system);
            let text = format!(
                "{} is owned by AWS and cannot be changed: approve in a baseline of your own \
                 for {os}",
                m.name
            );
            cx.set_status(text, true);
            return;
        }
        if m.update.is_some() {
            cx.set_status("the last change is still being applied", false);
            return;
        }
        let scope = m
            .data
            .as_ref()
            .map(|d| (d.scope.clone(), d.baseline.operating_system.clone()));
        match preview(m, verdict, None) {
            Ok(mut approval) => {
                // Several patches: the backend counts the nodes lacking any.
                let mut count = None;
                if let (Some(patch_ids), Some((scope, os))) =
                    (approval.count_lacking.clone(), scope)
                {
                    let request = cx.next_id();
                    approval.counting = Some(request);
                    let job = Work::new("CountLacking", |c| async move {
                        c.lacking_any(&scope, &os, patch_ids).await
                    });
                    count = Some(cx.prepare_as(
                        request,
                        job,
                        move |pane: &mut Self, result, cx| pane.counted(request, result, cx),
                    ));
                }
                cx.open(approval);
                if let Some(count) = count {
                    cx.send(count);
                }
            }
            Err(e) => cx.set_status(e, false),
        }
    }

    /// The nodes lacking any of the chosen patches, counted: the preview
    /// shows the exact number, if it is still the one that asked.
    fn counted(&mut self, request: u64, result: Result<i64, ApiError>, cx: &mut Cx) {
        let Some(approval) = cx.dialog_mut::<Approval>() else {
            return;
        };
        if approval.counting != Some(request) {
            return;
        }
        let verdict = approval.verdict;
        match result {
            Ok(n) => {
                if let Some(m) = &self.matrix
                    && let Ok(exact) = preview(m, verdict, Some(n))
                {
                    cx.open(exact);
                }
            }
            Err(e) => {
                approval.counting = None;
                cx.set_status(format!("could not count the nodes: {e}"), true);
            }
        }
    }

    fn on_approval_key(&mut self, approval: Approval, event: KeyEvent, cx: &mut Cx) {
        match event.code {
            KeyCode::Char('y') | KeyCode::Char('Y') if approval.problem.is_none() => {
                let request = cx.next_id();
                let Some(m) = &mut self.matrix else { return };
                let Approval { update, done, .. } = approval;
                m.update = Some((request, done));
                cx.set_status("applying…", false);
                let apply = cx.prepare_as(request, update, move |pane: &mut Self, result, cx| {
                    pane.updated(request, result, cx)
                });
                cx.send(apply);
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                cx.set_status("nothing changed", false);
            }
            _ => cx.open(approval),
        }
    }

    /// An approval or rejection applied, or why not.
    fn updated(
        &mut self,
        request: u64,
        result: Result<sysman_api::patch::PatchBaselineDescription, ApiError>,
        cx: &mut Cx,
    ) {
        let Some(m) = &mut self.matrix else { return };
        let Some(done) = m
            .update
            .take_if(|(r, _)| *r == request)
            .map(|(_, done)| done)
        else {
            return;
        };
        match result {
            Ok(updated) => {
                if let Some(data) = &mut m.data {
                    data.baseline.approved_patches = updated.approved_patches;
                    data.baseline.rejected_patches = updated.rejected_patches;
                    data.baseline.modified_date = updated.modified_date;
                }
                m.marked.clear();
                m.stale = true;
                cx.set_status(done, false);
            }
            Err(e) => cx.set_status(e.to_string(), true),
        }
    }

    /// `n` in the baselines: the new-baseline form, copying the baseline
    /// under the cursor and registering for the group under it, if the
    /// groups are in focus.
    fn new_baseline(&mut self, cx: &mut Cx) {
        if self.matrix.is_some() {
            return;
        }
        let group = match self.focus {
            Focus::Groups => self.selected_group().filter(|g| !g.ungrouped),
            Focus::Baselines => None,
        };
        // From a group: the baseline under the other list's cursor if the
        // group patches that OS; else a copy of the default baseline of
        // the OS most of its nodes patch by for want of their own (not
        // AlmaLinux's for a group of Amazon Linux nodes).
        let selected = self.selected_baseline();
        let source = match group {
            Some(g) if !selected.is_some_and(|b| patches_os(g, &b.identity.operating_system)) => g
                .by_default
                .iter()
                .max_by_key(|(_, n)| *n)
                .and_then(|(os, _)| {
                    self.baselines
                        .iter()
                        .find(|b| b.identity.default_baseline && b.identity.operating_system == *os)
                })
                .or(selected),
            _ => selected,
        };
        let source = source.map(|b| Source {
            baseline_id: b.identity.baseline_id.clone(),
            name: b.identity.baseline_name.clone(),
            operating_system: b.identity.operating_system.clone(),
        });
        let group = group.map(|g| g.name.clone());
        let form = BaselineForm::new(source, group, self.mappings.clone());
        cx.open(form);
    }

    fn on_baseline_form_key(&mut self, mut form: BaselineForm, event: KeyEvent, cx: &mut Cx) {
        if form.previewing {
            match event.code {
                KeyCode::Char('y') if form.pending.is_none() => {
                    return self.save_baseline(form, cx);
                }
                KeyCode::Esc | KeyCode::Char('n') => form.previewing = false,
                _ => {}
            }
            return cx.open(form);
        }
        match event.code {
            KeyCode::Esc => {
                let text = match &form.created {
                    Some(_) => format!("created {}, not registered for a patch group", form.name),
                    None => "nothing created".to_owned(),
                };
                cx.set_status(text, false);
                return;
            }
            KeyCode::Tab | KeyCode::Down => form.next_field(true),
            KeyCode::BackTab | KeyCode::Up => form.next_field(false),
            KeyCode::Left if form.choosing() => form.cycle(false),
            KeyCode::Right if form.choosing() => form.cycle(true),
            KeyCode::Enter => {
                form.tried = true;
                if let Some((field, problem)) = form.problems().into_iter().next() {
                    form.focus = field;
                    form.error = Some((Some(field), problem));
                } else if form.pending.is_none() {
                    // What saving does is shown before it is done.
                    form.error = None;
                    form.previewing = true;
                }
            }
            _ => {
                if let Some(edit) = Edit::from_key(&event) {
                    form.apply(edit);
                }
            }
        }
        cx.open(form);
    }

    /// Creates the baseline (and registers it, if the form names a group),
    /// as the preview said.
    fn save_baseline(&mut self, mut form: BaselineForm, cx: &mut Cx) {
        let request = cx.next_id();
        form.pending = Some(request);
        let create = cx.prepare_as(
            request,
            form.request(),
            move |pane: &mut Self, result, cx| pane.created(request, result, cx),
        );
        cx.open(form);
        cx.send(create);
    }

    /// A baseline created (and registered), or why not, for the form that
    /// asked.
    fn created(&mut self, request: u64, result: Result<String, CreateError>, cx: &mut Cx) {
        let Some(form) = cx.dialog_mut::<BaselineForm>() else {
            return;
        };
        if form.pending != Some(request) {
            return;
        }
        form.pending = None;
        match result {
            Ok(baseline_id) => {
                let text = match form.request().patch_group {
                    Some(g) => format!("created baseline {} for {g}: enter opens it", form.name),
                    None => format!("created baseline {}: enter opens it", form.name),
                };
                cx.close();
                cx.set_status(text, false);
                self.select = Some(baseline_id);
                self.focus = Focus::Baselines;
                self.baseline_table.set_filter("");
                cx.ask(Ask::EndFilterInput);
                self.load_baselines(cx);
            }
            Err(e) => {
                form.previewing = false;
                if e.created.is_some() {
                    form.created = e.created;
                    form.focus = Field::Group;
                } else if let Some(field) = e.field {
                    form.focus = field;
                }
                form.error = Some((e.field, e.text));
            }
        }
    }

    /// `D`: make the baseline under the cursor its OS's default, after a
    /// confirmation.
    fn confirm_default(&mut self, cx: &mut Cx) {
        if self.matrix.is_some() || self.focus != Focus::Baselines {
            return;
        }
        let Some(b) = self.selected_baseline() else {
            return;
        };
        let i = &b.identity;
        if i.default_baseline {
            let text = format!(
                "{} is the default for {} already",
                i.baseline_name, i.operating_system
            );
            cx.set_status(text, false);
            return;
        }
        let current = self
            .baselines
            .iter()
            .find(|o| {
                o.identity.default_baseline && o.identity.operating_system == i.operating_system
            })
            .map_or("none".to_owned(), |o| o.identity.baseline_name.clone());
        let prompt = format!(
            "Make {} the default baseline for {}? Every {} node in no patch group of its own \
             patches by it from the next scan or install (now: {current}).",
            i.baseline_name, i.operating_system, i.operating_system
        );
        let (baseline_id, name) = (i.baseline_id.clone(), i.baseline_name.clone());
        let register = RegisterDefaultPatchBaseline { baseline_id };
        let prepared = cx.prepare(register, move |_: &mut Self, result, cx| match result {
            Ok(_) => cx.set_status(
                format!("{name} is the default baseline for its OS now"),
                false,
            ),
            Err(e) => cx.set_status(e.message, true),
        });
        cx.confirm(prompt, prepared);
    }

    /// `ctrl-d`: delete the baseline under the cursor, after a confirmation.
    /// The server refuses a default or registered one, and says why.
    fn confirm_delete(&mut self, cx: &mut Cx) {
        if self.matrix.is_some() || self.focus != Focus::Baselines {
            return;
        }
        let Some(b) = self.selected_baseline() else {
            return;
        };
        let i = &b.identity;
        if b.aws {
            let text = format!("{} is owned by AWS and cannot be deleted", i.baseline_name);
            cx.set_status(text, true);
            return;
        }
        let prompt = format!(
            "Delete baseline {} ({})? Its rules and lists go with it; this can't be undone.",
            i.baseline_name, i.operating_system
        );
        let (baseline_id, name) = (i.baseline_id.clone(), i.baseline_name.clone());
        let delete = DeletePatchBaseline { baseline_id };
        // The server's refusal (a default, or registered for a group) says
        // what to do; it is shown as it is.
        let prepared = cx.prepare(delete, move |_: &mut Self, result, cx| match result {
            Ok(_) => cx.set_status(format!("deleted baseline {name}"), false),
            Err(e) => cx.set_status(e.message, true),
        });
        cx.confirm(prompt, prepared);
    }
}

impl Pane for PatchPane {
    fn scopes(&self) -> Vec<Scope> {
        match self.matrix {
            Some(_) => vec![keys::BASELINE, Scope::TABLE],
            None => vec![keys::PATCH, Scope::TABLE],
        }
    }

    fn table(&self) -> &TableView {
        match (&self.matrix, self.focus) {
            (Some(m), _) => &m.table,
            (None, Focus::Baselines) => &self.baseline_table,
            (None, Focus::Groups) => &self.group_table,
        }
    }

    fn table_mut(&mut self) -> &mut TableView {
        match (&mut self.matrix, self.focus) {
            (Some(m), _) => &mut m.table,
            (None, Focus::Baselines) => &mut self.baseline_table,
            (None, Focus::Groups) => &mut self.group_table,
        }
    }

    /// Loaded the first time the pane is shown.
    fn enter(&mut self, cx: &mut Cx) {
        if !self.loaded && !cx.loading(LISTS) {
            self.load_baselines(cx);
            self.load_group_states(cx);
        }
    }

    fn handle(&mut self, command: Command, cx: &mut Cx) -> Handled {
        match command {
            Command::BACK if self.table().filter.is_empty() && self.matrix.is_some() => {
                self.back_in_matrix(cx)
            }
            Command::OPEN => self.open(cx),
            keys::SWITCH_LIST => self.switch_list(),
            keys::TOGGLE_PATCH => {
                if let Some(m) = &mut self.matrix {
                    m.toggle();
                }
            }
            keys::SELECT_PATCHES_BY => self.open_select_by(cx),
            keys::APPROVE_PATCHES => self.preview_approval(Verdict::Approve, cx),
            keys::REJECT_PATCHES => self.preview_approval(Verdict::Reject, cx),
            keys::SCAN_PATCHES => self.patch_now("Scan", cx),
            keys::INSTALL_PATCHES => self.patch_now("Install", cx),
            keys::NEW_BASELINE => self.new_baseline(cx),
            keys::SET_DEFAULT_BASELINE => self.confirm_default(cx),
            keys::DELETE_BASELINE => self.confirm_delete(cx),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_dialog_key(&mut self, dialog: Dialog, event: KeyEvent, cx: &mut Cx) {
        let dialog = match dialog.take::<SelectBy>() {
            Ok(chooser) => return self.on_select_by_key(chooser, event, cx),
            Err(dialog) => dialog,
        };
        let dialog = match dialog.take::<Approval>() {
            Ok(approval) => return self.on_approval_key(approval, event, cx),
            Err(dialog) => dialog,
        };
        let dialog = match dialog.take::<PatchDetail>() {
            Ok(detail) => {
                if !matches!(
                    event.code,
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')
                ) {
                    cx.open(detail);
                }
                return;
            }
            Err(dialog) => dialog,
        };
        match dialog.take::<BaselineForm>() {
            Ok(form) => self.on_baseline_form_key(form, event, cx),
            Err(dialog) => cx.reopen(dialog),
        }
    }

    fn render_dialog(&self, dialog: &Dialog, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let Some(chooser) = dialog.get::<SelectBy>() {
            chooser.render(frame, area, theme);
        } else if let Some(approval) = dialog.get::<Approval>() {
            approval.render(frame, area, theme);
        } else if let Some(form) = dialog.get::<BaselineForm>() {
            form.render(frame, area, theme);
        } else if let Some(detail) = dialog.get::<PatchDetail>() {
            detail.render(frame, area, theme);
        }
    }

    fn follows(&self, event: &Event) -> bool {
        matches!(
            event,
            Event::PatchBaselineChanged { .. }
                | Event::PatchBaselineDeleted { .. }
                | Event::PatchStateChanged { .. }
        )
    }

    /// Marks what a patch event changes, for the next flush.
    fn on_event(&mut self, event: &Event, cx: &mut Cx) {
        match event {
            Event::PatchBaselineChanged { .. } => {
                self.stale = true;
                if let Some(m) = &mut self.matrix {
                    m.stale = true;
                }
            }
            Event::PatchBaselineDeleted { baseline_id } => {
                self.stale = true;
                let open = self.matrix.as_ref().map(|m| m.baseline_id.clone());
                if open.as_deref() == Some(baseline_id) {
                    let name = self.matrix.take().map(|m| m.name).unwrap_or_default();
                    cx.set_status(format!("baseline {name} was deleted"), true);
                } else if let Some(m) = &mut self.matrix {
                    m.stale = true;
                }
            }
            Event::PatchStateChanged { .. } => {
                self.states_stale = true;
                if let Some(m) = &mut self.matrix {
                    m.counts_stale = true;
                }
            }
            _ => {}
        }
    }

    fn on_lagged(&mut self, cx: &mut Cx) {
        if !self.loaded && !cx.loading(LISTS) {
            return;
        }
        self.load_baselines(cx);
        self.load_group_states(cx);
        self.load_matrix(cx);
    }

    fn needs_flush(&self, loads: &Loads) -> bool {
        let lists = self.loaded && self.stale && !loads.loading(LISTS);
        let states = self.loaded && self.states_stale && !loads.loading(STATES);
        let matrix = self.matrix.as_ref().is_some_and(|m| {
            !loads.loading(MATRIX)
                && (m.stale || (m.counts_stale && !loads.loading(COUNTS) && m.loaded()))
        });
        lists || states || matrix
    }

    /// At most one reload of each kind: the lists, the groups' states,
    /// and the open matrix (whole, or only its counts).
    fn flush(&mut self, cx: &mut Cx) {
        if self.loaded && self.stale && !cx.loading(LISTS) {
            self.load_baselines(cx);
        }
        if self.loaded && self.states_stale && !cx.loading(STATES) {
            self.load_group_states(cx);
        }
        let (whole, counts) = match &self.matrix {
            Some(m) if !cx.loading(MATRIX) => {
                (m.stale, m.counts_stale && !cx.loading(COUNTS) && m.loaded())
            }
            _ => (false, false),
        };
        if whole {
            self.load_matrix(cx);
        } else if counts {
            self.load_counts(cx);
        }
    }

    fn settle(&mut self, room: &Room) {
        match &mut self.matrix {
            Some(m) => m.table.set_page(usize::from(split_body(room.body))),
            None => {
                let (top, bottom) = split(room.body);
                self.baseline_table
                    .set_page(usize::from(top.saturating_sub(3)));
                let rows = bottom.saturating_sub(3 + self.explain_rows());
                self.group_table.set_page(usize::from(rows));
            }
        }
        self.sort_and_filter(room.now);
    }

    fn hint(&self, command: Command) -> Option<&'static str> {
        (command == keys::SWITCH_LIST).then_some(match self.focus {
            Focus::Baselines => "groups",
            Focus::Groups => "baselines",
        })
    }

    fn describe(&self) -> Option<Described> {
        if let Some(m) = &self.matrix {
            let row = m.selected()?;
            return Described::of(&row.patch.id, &row.patch);
        }
        match self.focus {
            Focus::Baselines => {
                let b = self.selected_baseline()?;
                Described::of(&b.identity.baseline_name, &b.identity)
            }
            Focus::Groups => {
                let g = self.selected_group()?;
                let by_default: BTreeMap<&str, usize> = g
                    .by_default
                    .iter()
                    .map(|(os, n)| (os.as_str(), *n))
                    .collect();
                let group = serde_json::json!({
                    "PatchGroup": (!g.ungrouped).then_some(&g.name),
                    "Nodes": g.nodes,
                    "Baselines": g.baselines,
                    "PatchedByOsDefault": by_default,
                    "State": g.state,
                });
                Described::of(&g.name, &group)
            }
        }
    }

    fn crumbs(&self, crumbs: &mut Vec<String>) {
        if let Some(m) = &self.matrix {
            crumbs.push(m.name.clone());
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        self.draw(frame, area, theme, now);
    }
}

/// Whether the group's nodes run `os`, by a baseline of its own or by the
/// OS's default.
fn patches_os(group: &GroupRow, os: &str) -> bool {
    group.registered.iter().any(|(o, _)| o == os) || group.by_default.iter().any(|(o, _)| o == os)
}
