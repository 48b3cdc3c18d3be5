//! The app's side of Patch Manager: loading the baselines and patch groups
//! when the pane is first shown, opening a baseline's matrix, keyboard
//! approval through a preview, scans and installs through the Run Command
//! form (whose command view then follows them live), and turning patch
//! events into as few reloads as can be.
//!
//! As elsewhere, events only mark what they change; [`App::flush`] turns
//! the marks into at most one request of each kind, so a scan of 100,000
//! nodes costs a few reloads a second, not one per node.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use sysman_backend::Event;

use super::{App, BackendMsg, Confirmed, Effect, Layer};
use crate::panes::PaneId;
use crate::panes::commands::send::SendForm;
use crate::panes::fleet::FleetView;
use crate::panes::patch::approval::{Approval, Choice, SelectBy, Verdict, preview};
use crate::panes::patch::create::{BaselineForm, Field, Source};
use crate::panes::patch::matrix::{Matrix, split_body};
use crate::panes::patch::{Focus, PATCH_GROUP_TAG, split};

/// The longest comment SendCommand takes.
const COMMENT_MAX: usize = sysman_api::commands::limits::COMMENT_MAX;

impl App {
    fn load_baselines(&mut self) -> Effect {
        let request = self.request_id();
        self.patch.request = Some(request);
        self.patch.stale = false;
        Effect::LoadBaselines { request }
    }

    /// Counts the fleet's nodes by patch group, and asks how each group's
    /// nodes stand.
    fn load_group_states(&mut self) -> Effect {
        let mut nodes: BTreeMap<String, usize> = BTreeMap::new();
        for row in &self.fleet.rows {
            if let Some(tag) = row.node.tags.iter().find(|t| t.key == PATCH_GROUP_TAG) {
                *nodes.entry(tag.value.clone()).or_default() += 1;
            }
        }
        self.patch.group_nodes = nodes;
        let request = self.request_id();
        self.patch.states_request = Some(request);
        self.patch.states_stale = false;
        Effect::LoadGroupStates {
            request,
            groups: self.patch.group_names(),
        }
    }

    /// The pane came into view: load it the first time.
    pub(super) fn enter_patch(&mut self) -> Vec<Effect> {
        if self.patch.loaded || self.patch.request.is_some() {
            return Vec::new();
        }
        vec![self.load_baselines(), self.load_group_states()]
    }

    pub(super) fn settle_patch(&mut self) {
        let body = crate::ui::body_height(self.size, self.filter_line_visible());
        match &mut self.patch.matrix {
            Some(m) => m.table.set_page(usize::from(split_body(body))),
            None => {
                let (top, bottom) = split(body);
                self.patch
                    .baseline_table
                    .set_page(usize::from(top.saturating_sub(3)));
                self.patch
                    .group_table
                    .set_page(usize::from(bottom.saturating_sub(3)));
            }
        }
        self.patch.settle(self.now);
    }

    fn load_matrix(&mut self) -> Vec<Effect> {
        let request = self.request_id();
        let Some(m) = &mut self.patch.matrix else {
            return Vec::new();
        };
        m.request = Some(request);
        m.stale = false;
        m.counts_stale = false;
        vec![Effect::LoadMatrix {
            request,
            baseline_id: m.baseline_id.clone(),
        }]
    }

    /// Enter: a baseline opens its matrix; a patch group shows its nodes
    /// in Fleet Manager.
    pub(super) fn open_patch(&mut self) -> Vec<Effect> {
        if self.patch.matrix.is_some() {
            return Vec::new();
        }
        match self.patch.focus {
            Focus::Baselines => {
                let Some(b) = self.patch.selected_baseline() else {
                    return Vec::new();
                };
                let matrix = Matrix::new(
                    b.identity.baseline_id.clone(),
                    b.identity.baseline_name.clone(),
                    b.aws,
                );
                self.patch.matrix = Some(Box::new(matrix));
                self.load_matrix()
            }
            Focus::Groups => {
                let Some(g) = self.patch.selected_group() else {
                    return Vec::new();
                };
                let filter = format!("{PATCH_GROUP_TAG}={}", g.name);
                self.switch_to(PaneId::Fleet);
                self.fleet.view = FleetView::Table;
                self.fleet.table.set_filter(&filter);
                Vec::new()
            }
        }
    }

    pub(super) fn switch_patch_list(&mut self) {
        self.patch.focus = match self.patch.focus {
            Focus::Baselines => Focus::Groups,
            Focus::Groups => Focus::Baselines,
        };
    }

    /// `s` or `i`: the Run Command form for AWS-RunPatchBaseline, aimed at
    /// the patch group in focus, or the groups of the baseline in focus.
    pub(super) fn patch_now(&mut self, operation: &str) -> Vec<Effect> {
        let groups: Vec<String> = match (&self.patch.matrix, self.patch.focus) {
            (Some(m), _) => m
                .data
                .as_ref()
                .map(|d| d.scope.groups().to_vec())
                .unwrap_or_default(),
            (None, Focus::Groups) => self
                .patch
                .selected_group()
                .map(|g| vec![g.name.clone()])
                .unwrap_or_default(),
            (None, Focus::Baselines) => self
                .patch
                .selected_baseline()
                .map(|b| b.groups.clone())
                .unwrap_or_default(),
        };
        let targets = if groups.is_empty() {
            self.set_status(
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
        self.open_form(SendForm::patch(
            operation,
            targets,
            comment.trim_end().to_owned(),
        ))
    }

    /// Esc in the matrix: clear the selection first, then close it.
    pub(super) fn back_in_matrix(&mut self) {
        let Some(m) = &mut self.patch.matrix else {
            return;
        };
        if m.marked.is_empty() {
            self.patch.matrix = None;
        } else {
            let n = m.marked.len();
            m.marked.clear();
            self.set_status(format!("unselected {n} patches"), false);
        }
    }

    pub(super) fn toggle_patch(&mut self) {
        if let Some(m) = &mut self.patch.matrix {
            m.toggle();
        }
    }

    pub(super) fn open_select_by(&mut self) {
        if let Some(m) = &self.patch.matrix {
            self.layer = Some(Layer::SelectBy(SelectBy::new(m.shown())));
        }
    }

    pub(super) fn on_select_by_key(&mut self, mut chooser: SelectBy, event: KeyEvent) {
        match event.code {
            KeyCode::Esc | KeyCode::Char('q') => return,
            KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => chooser.move_by(-1),
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => chooser.move_by(1),
            KeyCode::Enter => {
                if let Some(choice) = chooser.chosen().cloned() {
                    self.select_patches(&choice);
                }
                return;
            }
            _ => {}
        }
        self.layer = Some(Layer::SelectBy(chooser));
    }

    /// Adds the shown patches `choice` matches to the selection.
    fn select_patches(&mut self, choice: &Choice) {
        let Some(m) = &mut self.patch.matrix else {
            return;
        };
        if *choice == Choice::Clear {
            let n = m.marked.len();
            m.marked.clear();
            self.set_status(format!("unselected {n} patches"), false);
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
        self.set_status(
            format!(
                "selected {n} {} patches ({all} selected): a approves, x rejects",
                choice.name()
            ),
            false,
        );
    }

    /// `a` or `x`: the preview of what approving or rejecting the chosen
    /// patches changes.
    pub(super) fn preview_approval(&mut self, verdict: Verdict) -> Vec<Effect> {
        let Some(m) = &self.patch.matrix else {
            return Vec::new();
        };
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
            self.set_status(text, true);
            return Vec::new();
        }
        if m.update.is_some() {
            self.set_status("the last change is still being applied", false);
            return Vec::new();
        }
        let scope = m.data.as_ref().map(|d| d.scope.clone());
        match preview(m, verdict, None) {
            Ok(mut approval) => {
                // Several patches: the backend counts the nodes lacking any.
                let mut effects = Vec::new();
                if let (Some(patch_ids), Some(scope)) = (approval.count_lacking.clone(), scope) {
                    let request = self.request_id();
                    approval.counting = Some(request);
                    effects.push(Effect::CountLacking {
                        request,
                        scope,
                        patch_ids,
                    });
                }
                self.layer = Some(Layer::Approval(Box::new(approval)));
                effects
            }
            Err(e) => {
                self.set_status(e, false);
                Vec::new()
            }
        }
    }

    /// `n` in the baselines: the new-baseline form, copying the baseline
    /// under the cursor and registering for the group under it, if the
    /// groups are in focus.
    pub(super) fn new_baseline(&mut self) {
        if self.patch.matrix.is_some() {
            return;
        }
        let source = self.patch.selected_baseline().map(|b| Source {
            baseline_id: b.identity.baseline_id.clone(),
            name: b.identity.baseline_name.clone(),
            operating_system: b.identity.operating_system.clone(),
        });
        let group = match self.patch.focus {
            Focus::Groups => self.patch.selected_group().map(|g| g.name.clone()),
            Focus::Baselines => None,
        };
        let form = BaselineForm::new(source, group, self.patch.mappings.clone());
        self.layer = Some(Layer::BaselineForm(Box::new(form)));
    }

    pub(super) fn on_baseline_form_key(
        &mut self,
        mut form: BaselineForm,
        event: KeyEvent,
    ) -> Vec<Effect> {
        use ratatui::crossterm::event::KeyModifiers;
        match event.code {
            KeyCode::Esc => {
                let text = match &form.created {
                    Some(_) => format!("created {}, not registered for a patch group", form.name),
                    None => "nothing created".to_owned(),
                };
                self.set_status(text, false);
                return Vec::new();
            }
            KeyCode::Tab | KeyCode::Down => form.next_field(true),
            KeyCode::BackTab | KeyCode::Up => form.next_field(false),
            KeyCode::Left => form.cycle(false),
            KeyCode::Right => form.cycle(true),
            KeyCode::Backspace => form.backspace(),
            KeyCode::Char('u') if event.modifiers.contains(KeyModifiers::CONTROL) => form.clear(),
            KeyCode::Enter => {
                if let Some((field, problem)) = form.problems().into_iter().next() {
                    form.focus = field;
                    form.error = Some((Some(field), problem));
                } else if form.pending.is_none() {
                    let request = self.request_id();
                    form.pending = Some(request);
                    let create = Box::new(form.request());
                    self.layer = Some(Layer::BaselineForm(Box::new(form)));
                    return vec![Effect::CreateBaseline { request, create }];
                }
            }
            KeyCode::Char(c) if !event.modifiers.contains(KeyModifiers::CONTROL) => {
                form.type_char(c)
            }
            _ => {}
        }
        self.layer = Some(Layer::BaselineForm(Box::new(form)));
        Vec::new()
    }

    /// `D`: make the baseline under the cursor its OS's default, after a
    /// confirmation.
    pub(super) fn confirm_default_baseline(&mut self) {
        if self.patch.matrix.is_some() || self.patch.focus != Focus::Baselines {
            return;
        }
        let Some(b) = self.patch.selected_baseline() else {
            return;
        };
        let i = &b.identity;
        if i.default_baseline {
            let text = format!(
                "{} is the default for {} already",
                i.baseline_name, i.operating_system
            );
            self.set_status(text, false);
            return;
        }
        let current = self
            .patch
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
        let request = self.request_id();
        self.layer = Some(Layer::Confirm {
            prompt,
            confirmed: Confirmed::Effect(Effect::SetDefaultBaseline {
                request,
                baseline_id,
                name,
            }),
        });
    }

    /// `ctrl-d`: delete the baseline under the cursor, after a confirmation.
    /// The server refuses a default or registered one, and says why.
    pub(super) fn confirm_delete_baseline(&mut self) {
        if self.patch.matrix.is_some() || self.patch.focus != Focus::Baselines {
            return;
        }
        let Some(b) = self.patch.selected_baseline() else {
            return;
        };
        let i = &b.identity;
        if b.aws {
            let text = format!("{} is owned by AWS and cannot be deleted", i.baseline_name);
            self.set_status(text, true);
            return;
        }
        let prompt = format!(
            "Delete baseline {} ({})? Its rules and lists go with it; this can't be undone.",
            i.baseline_name, i.operating_system
        );
        let (baseline_id, name) = (i.baseline_id.clone(), i.baseline_name.clone());
        let request = self.request_id();
        self.layer = Some(Layer::Confirm {
            prompt,
            confirmed: Confirmed::Effect(Effect::DeleteBaseline {
                request,
                baseline_id,
                name,
            }),
        });
    }

    pub(super) fn on_approval_key(
        &mut self,
        approval: Box<Approval>,
        event: KeyEvent,
    ) -> Vec<Effect> {
        match event.code {
            KeyCode::Char('y') | KeyCode::Char('Y') if approval.problem.is_none() => {
                let request = self.request_id();
                let Some(m) = &mut self.patch.matrix else {
                    return Vec::new();
                };
                let Approval { update, done, .. } = *approval;
                m.update = Some((request, done));
                self.set_status("applying…", false);
                vec![Effect::UpdateBaseline {
                    request,
                    update: Box::new(update),
                }]
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                self.set_status("nothing changed", false);
                Vec::new()
            }
            _ => {
                self.layer = Some(Layer::Approval(approval));
                Vec::new()
            }
        }
    }

    /// Marks what a patch event changes, for the next flush.
    pub(super) fn on_patch_event(&mut self, event: &Event) {
        match event {
            Event::PatchBaselineChanged { .. } => {
                self.patch.stale = true;
                if let Some(m) = &mut self.patch.matrix {
                    m.stale = true;
                }
            }
            Event::PatchBaselineDeleted { baseline_id } => {
                self.patch.stale = true;
                let open = self.patch.matrix.as_ref().map(|m| m.baseline_id.clone());
                if open.as_deref() == Some(baseline_id) {
                    let name = self.patch.matrix.take().map(|m| m.name).unwrap_or_default();
                    self.set_status(format!("baseline {name} was deleted"), true);
                } else if let Some(m) = &mut self.patch.matrix {
                    m.stale = true;
                }
            }
            Event::PatchStateChanged { .. } => {
                self.patch.states_stale = true;
                if let Some(m) = &mut self.patch.matrix {
                    m.counts_stale = true;
                }
            }
            _ => {}
        }
    }

    pub(super) fn patch_needs_flush(&self) -> bool {
        let p = &self.patch;
        let lists = p.loaded && p.stale && p.request.is_none();
        let states = p.loaded && p.states_stale && p.states_request.is_none();
        let matrix = p.matrix.as_ref().is_some_and(|m| {
            m.request.is_none()
                && (m.stale || (m.counts_stale && m.counts_request.is_none() && m.loaded()))
        });
        lists || states || matrix
    }

    /// At most one reload of each kind: the lists, the groups' states,
    /// and the open matrix (whole, or only its counts).
    pub(super) fn flush_patch(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.patch.loaded && self.patch.stale && self.patch.request.is_none() {
            effects.push(self.load_baselines());
        }
        if self.patch.loaded && self.patch.states_stale && self.patch.states_request.is_none() {
            effects.push(self.load_group_states());
        }
        let (whole, counts) = match &self.patch.matrix {
            Some(m) if m.request.is_none() => (
                m.stale,
                m.counts_stale && m.counts_request.is_none() && m.loaded(),
            ),
            _ => (false, false),
        };
        if whole {
            effects.extend(self.load_matrix());
        } else if counts {
            let request = self.request_id();
            if let Some(m) = &mut self.patch.matrix
                && let Some(data) = &m.data
            {
                m.counts_stale = false;
                m.counts_request = Some(request);
                effects.push(Effect::LoadMatrixCounts {
                    request,
                    scope: data.scope.clone(),
                });
            }
        }
        effects
    }

    pub(super) fn reload_patch_after_lag(&mut self) -> Vec<Effect> {
        if !self.patch.loaded && self.patch.request.is_none() {
            return Vec::new();
        }
        let mut effects = vec![self.load_baselines(), self.load_group_states()];
        effects.extend(self.load_matrix());
        effects
    }

    pub(super) fn on_patch_msg(&mut self, msg: BackendMsg) -> Vec<Effect> {
        match msg {
            BackendMsg::BaselinesLoaded { request, result } => {
                if self.patch.request != Some(request) {
                    return Vec::new();
                }
                self.patch.request = None;
                match result {
                    Ok(lists) => {
                        let (identities, mappings) = *lists;
                        self.patch.set_lists(identities, mappings);
                    }
                    Err(e) => self.set_status(format!("could not list baselines: {e}"), true),
                }
            }
            BackendMsg::GroupStatesLoaded { request, result } => {
                if self.patch.states_request != Some(request) {
                    return Vec::new();
                }
                self.patch.states_request = None;
                match result {
                    Ok(states) => self.patch.set_states(states),
                    Err(e) => self.set_status(format!("could not read patch groups: {e}"), true),
                }
            }
            BackendMsg::MatrixLoaded { request, result } => {
                let Some(m) = &mut self.patch.matrix else {
                    return Vec::new();
                };
                if m.request != Some(request) {
                    return Vec::new();
                }
                m.request = None;
                match result {
                    Ok(data) => m.load(*data),
                    Err(e) if !m.loaded() => m.error = Some(e),
                    Err(e) => self.set_status(format!("could not reload: {e}"), true),
                }
            }
            BackendMsg::MatrixCountsLoaded { request, result } => {
                let Some(m) = &mut self.patch.matrix else {
                    return Vec::new();
                };
                if m.counts_request != Some(request) {
                    return Vec::new();
                }
                m.counts_request = None;
                match result {
                    Ok(counts) => m.set_counts(*counts),
                    Err(e) => self.set_status(format!("could not count patches: {e}"), true),
                }
            }
            BackendMsg::BaselineCreated { request, result } => {
                let Some(Layer::BaselineForm(form)) = &mut self.layer else {
                    return Vec::new();
                };
                if form.pending != Some(request) {
                    return Vec::new();
                }
                form.pending = None;
                match result {
                    Ok(baseline_id) => {
                        let group = form.request().patch_group;
                        let text = match group {
                            Some(g) => {
                                format!("created baseline {} for {g}: enter opens it", form.name)
                            }
                            None => format!("created baseline {}: enter opens it", form.name),
                        };
                        self.layer = None;
                        self.set_status(text, false);
                        self.patch.select = Some(baseline_id);
                        self.patch.focus = Focus::Baselines;
                        self.patch.baseline_table.set_filter("");
                        if self.filter_input.is_some() {
                            self.filter_input = None;
                        }
                        return vec![self.load_baselines()];
                    }
                    Err(e) => {
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
            BackendMsg::LackingCounted { request, result } => {
                let Some(Layer::Approval(approval)) = &self.layer else {
                    return Vec::new();
                };
                if approval.counting != Some(request) {
                    return Vec::new();
                }
                let verdict = approval.verdict;
                match result {
                    Ok(n) => {
                        if let Some(m) = &self.patch.matrix
                            && let Ok(exact) = preview(m, verdict, Some(n))
                        {
                            self.layer = Some(Layer::Approval(Box::new(exact)));
                        }
                    }
                    Err(e) => {
                        if let Some(Layer::Approval(approval)) = &mut self.layer {
                            approval.counting = None;
                        }
                        self.set_status(format!("could not count the nodes: {e}"), true);
                    }
                }
            }
            BackendMsg::BaselineUpdated { request, result } => {
                let Some(m) = &mut self.patch.matrix else {
                    return Vec::new();
                };
                let Some(done) = m
                    .update
                    .take_if(|(r, _)| *r == request)
                    .map(|(_, done)| done)
                else {
                    return Vec::new();
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
                        self.set_status(done, false);
                    }
                    Err(e) => self.set_status(e, true),
                }
            }
            _ => {}
        }
        Vec::new()
    }
}
