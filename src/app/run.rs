//! The app's side of Run Command: opening commands and output, the send
//! form's keys, and turning change events into as few reloads as can be.
//!
//! Events never call the backend themselves. An invocation's event changes
//! its row at once and marks it; the command's events mark the history and
//! the open command. [`App::flush`] (about ten times a second, only while
//! something is marked) turns the marks into at most one request of each
//! kind, so a command over 100,000 nodes costs a handful of calls a second,
//! not one per event.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sysman_api::commands::CommandStatus;
use sysman_backend::Event;

use super::{App, BackendMsg, Confirmed, Effect, Layer};
use crate::keys::Command;
use crate::panes::PaneId;
use crate::panes::commands::output::OutputView;
use crate::panes::commands::send::{self, SendForm, Stage};
use crate::panes::commands::{CommandDetail, FULL_RELOAD_MAX, RunView, short_id};
use crate::panes::fleet::FleetView;

impl App {
    pub(super) fn load_commands(&mut self) -> Effect {
        let request = self.request_id();
        self.commands_request = Some(request);
        self.commands_stale = false;
        Effect::LoadCommands {
            request,
            token: self.commands.page_token(),
        }
    }

    pub(super) fn settle_commands(&mut self, page: usize) {
        self.commands.table.set_page(page);
        if let Some(detail) = &mut self.commands.detail {
            detail.table.set_page(page.saturating_sub(6));
        }
        let width = usize::from(self.size.0.saturating_sub(2));
        if let Some(output) = &mut self.commands.output {
            output.layout(width, page.saturating_sub(1));
        }
        self.commands.settle();
    }

    pub(super) fn commands_output_focused(&self) -> bool {
        self.pane == PaneId::Commands && self.commands.output.is_some()
    }

    pub(super) fn scroll_output(&mut self, command: Command) -> Vec<Effect> {
        if let Some(output) = &mut self.commands.output {
            let page = output.page as isize;
            match command {
                Command::Up => output.scroll_by(-1),
                Command::Down => output.scroll_by(1),
                Command::PageUp => output.scroll_by(-page),
                Command::PageDown => output.scroll_by(page),
                Command::Top => output.top(),
                _ => output.bottom(),
            }
        }
        self.output_fetch()
    }

    /// The next page of output worth reading, if one is.
    fn output_fetch(&mut self) -> Vec<Effect> {
        let Some(output) = &mut self.commands.output else {
            return Vec::new();
        };
        let Some((stream, offset)) = output.next_fetch() else {
            return Vec::new();
        };
        let request = self.requests.next_id();
        output.request = Some(request);
        vec![Effect::LoadOutput {
            request,
            command_id: output.command_id.clone(),
            instance_id: output.instance_id.clone(),
            stream,
            offset,
        }]
    }

    pub(super) fn turn_page(&mut self, command: Command) -> Vec<Effect> {
        if self.pane != PaneId::Commands || self.commands.view() != RunView::History {
            return Vec::new();
        }
        match command {
            Command::NextPage => match self.commands.next_token.clone() {
                Some(token) => self.commands.pages.push(Some(token)),
                None => {
                    self.set_status("this is the last page", false);
                    return Vec::new();
                }
            },
            _ if self.commands.pages.len() > 1 => {
                self.commands.pages.pop();
            }
            _ => {
                self.set_status("this is the first page", false);
                return Vec::new();
            }
        }
        self.commands.table.selected = 0;
        vec![self.load_commands()]
    }

    /// Enter: a command from the history, a node's output from a command.
    pub(super) fn open_command(&mut self) -> Vec<Effect> {
        match self.commands.view() {
            RunView::History => match self.commands.selected().cloned() {
                Some(command) => self.open_detail(command.command_id.clone(), Some(command)),
                None => Vec::new(),
            },
            RunView::Detail => {
                let Some(detail) = &self.commands.detail else {
                    return Vec::new();
                };
                let Some(row) = detail.selected() else {
                    return Vec::new();
                };
                let view = OutputView::new(detail.command_id.clone(), row.inv.instance_id.clone());
                self.commands.output = Some(Box::new(view));
                self.output_fetch()
            }
            RunView::Output => Vec::new(),
        }
    }

    fn open_detail(
        &mut self,
        command_id: String,
        command: Option<sysman_api::commands::Command>,
    ) -> Vec<Effect> {
        let known = command.is_some();
        let mut detail = CommandDetail::new(command_id.clone(), command);
        let rows = self.request_id();
        detail.rows_request = Some(rows);
        let mut effects = vec![Effect::LoadInvocations {
            request: rows,
            command_id: command_id.clone(),
            instance_ids: None,
        }];
        if !known {
            let request = self.request_id();
            detail.command_request = Some(request);
            effects.push(Effect::LoadCommand {
                request,
                command_id,
            });
        }
        self.commands.output = None;
        self.commands.detail = Some(Box::new(detail));
        effects
    }

    /// The form, at the document picker, aimed at the Fleet selection.
    pub(super) fn open_send_form(&mut self) -> Vec<Effect> {
        let targets = self
            .fleet
            .marked
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        self.open_form(SendForm::new(targets))
    }

    pub(super) fn open_form(&mut self, mut form: SendForm) -> Vec<Effect> {
        let mut effects = Vec::new();
        match form.stage {
            Stage::Picking => {
                if !self.commands.documents_loaded && self.documents_request.is_none() {
                    let request = self.request_id();
                    self.documents_request = Some(request);
                    effects.push(Effect::LoadDocuments { request });
                }
                form.picker.refresh(&self.commands.documents);
            }
            _ => {
                let request = self.request_id();
                form.describe = Some(request);
                effects.push(Effect::DescribeDocument {
                    request,
                    name: form.document.clone(),
                });
            }
        }
        self.update_reach(&mut form);
        self.layer = Some(Layer::Send(Box::new(form)));
        effects
    }

    /// `:run NAME`: the form for that document, past the picker.
    pub(super) fn open_send_form_for(&mut self, document: &str) -> Vec<Effect> {
        if self.readonly {
            self.refuse_write(Command::NewCommand.description());
            return Vec::new();
        }
        let targets = self
            .fleet
            .marked
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let mut form = SendForm::new(targets);
        form.document = document.to_owned();
        form.stage = Stage::Loading;
        self.open_form(form)
    }

    pub(super) fn rerun(&mut self) -> Vec<Effect> {
        match self.commands.focused() {
            Some(command) => {
                let form = SendForm::rerun(command);
                self.open_form(form)
            }
            None => Vec::new(),
        }
    }

    /// `R` in Fleet: the form aimed at the selected nodes, or this one.
    pub(super) fn run_on_nodes(&mut self) -> Vec<Effect> {
        let targets: Vec<String> = if !self.fleet.marked.is_empty() {
            self.fleet.marked.iter().cloned().collect()
        } else {
            match (&self.fleet.view, self.fleet.selected_id()) {
                (FleetView::Node { instance_id, .. }, _) => vec![instance_id.clone()],
                (FleetView::Table, Some(id)) => vec![id],
                (FleetView::Table, None) => return Vec::new(),
            }
        };
        self.open_form(SendForm::new(targets.join(" ")))
    }

    fn update_reach(&self, form: &mut SendForm) {
        form.reach = send::parse_targets(&form.targets)
            .ok()
            .map(|t| send::reach(&t, &form.platforms, self.fleet.rows.iter()));
    }

    pub(super) fn confirm_cancel_command(&mut self) {
        let Some(command) = self.commands.focused() else {
            return;
        };
        if command.status.is_terminal() || command.status == CommandStatus::Cancelling {
            let status = crate::panes::commands::command_status_label(command.status);
            self.set_status(
                format!(
                    "{} is {status}: nothing to cancel",
                    short_id(&command.command_id)
                ),
                false,
            );
            return;
        }
        let command_id = command.command_id.clone();
        let document = command.document_name.clone();
        let total = command.target_count;
        let running = match &self.commands.detail {
            Some(d) if d.command_id == command_id && d.loaded => d.unfinished() as i64,
            _ => total - command.completed_count,
        };
        let request = self.request_id();
        self.layer = Some(Layer::Confirm {
            prompt: format!(
                "Cancel command {} ({document})? {running} of {total} invocations are still \
                 pending or running: pending ones stop now, running ones are asked to stop.",
                short_id(&command_id)
            ),
            confirmed: Confirmed::Effect(Effect::CancelCommand {
                request,
                command_id,
            }),
        });
    }

    pub(super) fn on_send_key(&mut self, mut form: SendForm, event: KeyEvent) -> Vec<Effect> {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let mut effects = Vec::new();
        match form.stage {
            Stage::Picking => match event.code {
                KeyCode::Esc => {
                    self.set_status("nothing sent", false);
                    return Vec::new();
                }
                KeyCode::Enter => {
                    if let Some(doc) = form.picker.chosen(&self.commands.documents) {
                        form.document = doc.name.clone();
                        form.stage = Stage::Loading;
                        let request = self.request_id();
                        form.describe = Some(request);
                        effects.push(Effect::DescribeDocument {
                            request,
                            name: form.document.clone(),
                        });
                    }
                }
                KeyCode::Up => form.picker.move_by(-1),
                KeyCode::Down | KeyCode::Tab => form.picker.move_by(1),
                KeyCode::Backspace => {
                    form.picker.query.pop();
                    form.picker.refresh(&self.commands.documents);
                }
                KeyCode::Char('u') if ctrl => {
                    form.picker.query.clear();
                    form.picker.refresh(&self.commands.documents);
                }
                KeyCode::Char(c) if !ctrl => {
                    form.picker.query.push(c);
                    form.picker.refresh(&self.commands.documents);
                }
                _ => {}
            },
            Stage::Loading => {
                if event.code == KeyCode::Esc {
                    self.set_status("nothing sent", false);
                    return Vec::new();
                }
            }
            Stage::Editing => {
                if form.pending.is_some() {
                    // Waiting for the server: keys wait too.
                    self.layer = Some(Layer::Send(Box::new(form)));
                    return Vec::new();
                }
                let before = form.targets.clone();
                match event.code {
                    KeyCode::Esc => {
                        self.set_status("nothing sent", false);
                        return Vec::new();
                    }
                    KeyCode::Tab | KeyCode::Down => form.next_field(true),
                    KeyCode::BackTab | KeyCode::Up => form.next_field(false),
                    KeyCode::Enter if form.focus_is_list() && !ctrl => form.newline(),
                    KeyCode::Char(' ') | KeyCode::Right
                        if form.choices_of(form.focus).is_some() =>
                    {
                        form.cycle_choice(true)
                    }
                    KeyCode::Left if form.choices_of(form.focus).is_some() => {
                        form.cycle_choice(false)
                    }
                    KeyCode::Char(_) | KeyCode::Backspace
                        if !ctrl && form.choices_of(form.focus).is_some() => {}
                    KeyCode::Enter => self.review(&mut form),
                    KeyCode::Char('s') if ctrl => self.review(&mut form),
                    KeyCode::Char('u') if ctrl => form.clear(),
                    KeyCode::Backspace => form.backspace(),
                    KeyCode::Char(c) if !ctrl => form.type_char(c),
                    _ => {}
                }
                if form.targets != before {
                    self.update_reach(&mut form);
                }
            }
            Stage::Confirm => match event.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => match form.request() {
                    Ok(send) => {
                        let request = self.request_id();
                        form.pending = Some(request);
                        form.stage = Stage::Editing;
                        effects.push(Effect::SendCommand {
                            request,
                            send: Box::new(send),
                        });
                    }
                    Err(e) => {
                        form.stage = Stage::Editing;
                        form.error = Some((Some(send::Field::Targets), e));
                    }
                },
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    form.stage = Stage::Editing;
                }
                _ => {}
            },
        }
        self.layer = Some(Layer::Send(Box::new(form)));
        effects
    }

    /// Enter or ctrl-s: to the confirmation, or to the first problem.
    fn review(&mut self, form: &mut SendForm) {
        match form.problems().into_iter().next() {
            Some((field, problem)) => {
                form.focus = field;
                form.error = Some((None, format!("{}: {problem}", form.label(field))));
            }
            None => {
                self.update_reach(form);
                form.stage = Stage::Confirm;
            }
        }
    }

    pub(super) fn on_command_event(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::DocumentChanged { .. } | Event::DocumentDeleted { .. } => {
                self.commands.documents_loaded = false;
                let picking =
                    matches!(&self.layer, Some(Layer::Send(f)) if f.stage == Stage::Picking);
                if picking && self.documents_request.is_none() {
                    let request = self.request_id();
                    self.documents_request = Some(request);
                    return vec![Effect::LoadDocuments { request }];
                }
            }
            Event::CommandChanged { command_id } => {
                self.commands_stale = true;
                if let Some(d) = &mut self.commands.detail
                    && d.command_id == command_id
                {
                    d.command_stale = true;
                }
            }
            Event::InvocationChanged {
                command_id,
                instance_id,
                status,
                status_details,
            } => {
                if let Some(d) = &mut self.commands.detail
                    && d.command_id == command_id
                {
                    if d.rows_request.is_some() {
                        d.replay
                            .push((instance_id.clone(), status, status_details.clone()));
                    }
                    d.apply_event(&instance_id, status, &status_details);
                }
                if let Some(o) = &mut self.commands.output
                    && o.command_id == command_id
                    && o.instance_id == instance_id
                {
                    o.mark_stale();
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Whether marks are waiting that a [`super::Msg::Flush`] would act on.
    pub fn needs_flush(&self) -> bool {
        let history = self.commands_stale && self.commands_request.is_none();
        let detail = self.commands.detail.as_ref().is_some_and(|d| {
            (d.command_stale && d.command_request.is_none())
                || d.resort
                || (d.rows_request.is_none()
                    && d.loaded
                    && if self.full_reload(d) {
                        !d.stale.is_empty()
                    } else {
                        !d.stale_visible().is_empty()
                    })
        });
        let output = self
            .commands
            .output
            .as_ref()
            .is_some_and(|o| o.stale && o.request.is_none());
        history || detail || output || self.panes_need_flush()
    }

    fn full_reload(&self, d: &CommandDetail) -> bool {
        d.command
            .as_ref()
            .is_none_or(|c| c.target_count <= FULL_RELOAD_MAX)
    }

    /// Acts on the marks events left: at most one request of each kind.
    pub(super) fn flush(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.commands_stale && self.commands_request.is_none() {
            effects.push(self.load_commands());
        }
        let full = self
            .commands
            .detail
            .as_ref()
            .is_some_and(|d| self.full_reload(d));
        let (command_request, rows_request) = (self.request_id(), self.request_id());
        if let Some(d) = &mut self.commands.detail {
            if d.resort {
                d.resort = false;
                d.table.dirty = true;
            }
            if d.command_stale && d.command_request.is_none() {
                d.command_stale = false;
                d.command_request = Some(command_request);
                effects.push(Effect::LoadCommand {
                    request: command_request,
                    command_id: d.command_id.clone(),
                });
            }
            if d.rows_request.is_none() && d.loaded {
                let ids = if full {
                    (!d.stale.is_empty()).then_some(None)
                } else {
                    let visible = d.stale_visible();
                    (!visible.is_empty()).then_some(Some(visible))
                };
                if let Some(instance_ids) = ids {
                    d.rows_request = Some(rows_request);
                    effects.push(Effect::LoadInvocations {
                        request: rows_request,
                        command_id: d.command_id.clone(),
                        instance_ids,
                    });
                }
            }
        }
        effects.extend(self.output_fetch());
        self.with_pane(PaneId::Documents, |pane, cx| pane.flush(cx));
        effects.extend(self.requests.drain());
        self.with_pane(PaneId::Patch, |pane, cx| pane.flush(cx));
        effects.extend(self.requests.drain());
        self.with_pane(PaneId::Compliance, |pane, cx| pane.flush(cx));
        effects.extend(self.requests.drain());
        effects
    }

    /// `R`: the send form on the open or selected document.
    pub(super) fn run_document(&mut self) -> Vec<Effect> {
        let (name, kind) = match &self.documents.detail {
            Some(d) => (
                d.name.clone(),
                d.description.as_ref().map(|desc| desc.document_type),
            ),
            None => match self.documents.selected() {
                Some(doc) => (doc.name.clone(), Some(doc.document_type)),
                None => return Vec::new(),
            },
        };
        if let Some(kind) = kind.filter(|k| *k != sysman_api::documents::DocumentType::Command) {
            self.set_status(
                format!(
                    "{name} is a {} document: only Command documents run on nodes",
                    kind.as_str()
                ),
                true,
            );
            return Vec::new();
        }
        self.open_send_form_for(&name)
    }

    pub(super) fn reload_commands_after_lag(&mut self) -> Vec<Effect> {
        let mut effects = vec![self.load_commands()];
        self.commands.documents_loaded = false;
        if let Some(d) = &self.commands.detail {
            let (id, command) = (d.command_id.clone(), None);
            let output = self.commands.output.take();
            effects.extend(self.open_detail(id, command));
            if let Some(mut o) = output {
                o.mark_stale();
                self.commands.output = Some(o);
                effects.extend(self.output_fetch());
            }
        }
        effects
    }

    pub(super) fn on_commands_msg(&mut self, msg: BackendMsg) -> Vec<Effect> {
        match msg {
            BackendMsg::CommandsLoaded { request, result } => {
                if self.commands_request != Some(request) {
                    return Vec::new();
                }
                self.commands_request = None;
                match result {
                    Ok((list, next)) => self.commands.replace_page(list, next),
                    Err(e) => self.set_status(format!("could not load commands: {e}"), true),
                }
            }
            BackendMsg::CommandLoaded { request, result } => {
                if let Some(d) = &mut self.commands.detail
                    && d.command_request == Some(request)
                {
                    d.command_request = None;
                    match result {
                        Ok(command) => d.command = Some(*command),
                        Err(e) if d.command.is_none() => d.error = Some(e),
                        Err(e) => self.set_status(format!("could not reload: {e}"), true),
                    }
                }
            }
            BackendMsg::InvocationsLoaded {
                request,
                partial,
                result,
            } => {
                if let Some(d) = &mut self.commands.detail
                    && d.rows_request == Some(request)
                {
                    d.rows_request = None;
                    let replay = std::mem::take(&mut d.replay);
                    match result {
                        Ok(list) => {
                            if partial {
                                d.refresh(list);
                            } else {
                                d.replace_all(list);
                            }
                            // What changed after the read is newer than it.
                            for (id, status, details) in replay {
                                d.apply_event(&id, status, &details);
                            }
                        }
                        Err(e) if !d.loaded => d.error = Some(e),
                        Err(e) => self.set_status(format!("could not reload: {e}"), true),
                    }
                }
            }
            BackendMsg::OutputLoaded {
                request,
                stream,
                result,
            } => {
                let Some(o) = &mut self.commands.output else {
                    return Vec::new();
                };
                if o.request != Some(request) {
                    return Vec::new();
                }
                o.request = None;
                match result {
                    Ok(page) => {
                        o.append(stream, &page.content, page.next_offset, page.total_chars);
                        self.settle();
                        return self.output_fetch();
                    }
                    Err(e) => o.error = Some(e),
                }
            }
            BackendMsg::DocumentsLoaded { request, result } => {
                if self.documents_request != Some(request) {
                    return Vec::new();
                }
                self.documents_request = None;
                match result {
                    Ok(mut list) => {
                        list.sort_by(|a, b| a.name.cmp(&b.name));
                        self.commands.documents = list;
                        self.commands.documents_loaded = true;
                        if let Some(Layer::Send(form)) = &mut self.layer {
                            let at = form.picker.selected;
                            form.picker.refresh(&self.commands.documents);
                            form.picker.selected =
                                at.min(form.picker.matches.len().saturating_sub(1));
                        }
                    }
                    Err(e) => self.set_status(format!("could not list documents: {e}"), true),
                }
            }
            BackendMsg::DocumentDescribed { request, result } => {
                let Some(Layer::Send(form)) = &mut self.layer else {
                    return Vec::new();
                };
                if form.describe != Some(request) {
                    return Vec::new();
                }
                form.describe = None;
                match result {
                    Ok(doc) => {
                        form.describe(&doc);
                        let mut form = match self.layer.take() {
                            Some(Layer::Send(form)) => form,
                            _ => return Vec::new(),
                        };
                        self.update_reach(&mut form);
                        self.layer = Some(Layer::Send(form));
                    }
                    Err(e) => {
                        // Back to the picker, searching for what was asked.
                        form.stage = Stage::Picking;
                        form.picker.query = form.document.clone();
                        form.prefill = None;
                        self.set_status(e, true);
                        let form = match self.layer.take() {
                            Some(Layer::Send(form)) => *form,
                            _ => return Vec::new(),
                        };
                        return self.open_form(form);
                    }
                }
            }
            BackendMsg::CommandSent { request, result } => {
                let Some(Layer::Send(form)) = &mut self.layer else {
                    return Vec::new();
                };
                if form.pending != Some(request) {
                    return Vec::new();
                }
                match result {
                    Err(e) => form.server_error(e),
                    Ok(command) => {
                        self.layer = None;
                        self.set_status(
                            format!(
                                "sent {} ({}) to {} nodes",
                                short_id(&command.command_id),
                                command.document_name,
                                command.target_count
                            ),
                            false,
                        );
                        self.switch_to(PaneId::Commands);
                        self.commands_stale = true;
                        return self.open_detail(command.command_id.clone(), Some(*command));
                    }
                }
            }
            _ => {}
        }
        Vec::new()
    }
}
