//! What Run Command does: the history page by page, a command's
//! invocations, a node's output, the send form, and change events turned
//! into as few reloads as can be.
//!
//! Events never call the backend themselves. An invocation's event changes
//! its row at once and marks it; the command's events mark the history and
//! the open command. The flush (about ten times a second, only while
//! something is marked) turns the marks into at most one request of each
//! kind, so a command over 100,000 nodes costs a handful of calls a second,
//! not one per event.

use super::keys;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use sysman_api::commands::{
    CancelCommand, Command as RunCommand, CommandInvocation, CommandStatus, GetCommandOutput,
    ListCommandInvocations, ListCommands,
};
use sysman_api::documents::{DescribeDocument, DocumentKeyValuesFilter, ListDocuments};
use sysman_api::events::Event;
use sysman_api::{ApiError, Timestamp};

use super::output::{OutputView, PAGE_CHARS};
use super::send::{self, SendForm, Stage};
use super::{
    CommandDetail, FULL_RELOAD_MAX, RunCommandPane, RunView, command_status_label, short_id,
};
use crate::app::{Ask, Dialog};
use crate::describe::Described;
use crate::input::Edit;
use crate::keys::{Command, Scope};
use crate::pager::SearchPrompt;
use crate::panes::{Handled, Pane, PaneId, Room};
use crate::request::{Cx, Loads};
use crate::runtime::Connection;
use crate::runtime::job::{EveryPage, Work};
use crate::table::TableView;
use crate::theme::Theme;

/// The slots of the history page's load and of the picker's documents.
const HISTORY: &str = "commands";
const DOCUMENTS: &str = "command-documents";

/// Every Command document, for the send form's picker.
fn command_documents() -> EveryPage<ListDocuments> {
    EveryPage(ListDocuments {
        filters: Some(vec![DocumentKeyValuesFilter {
            key: "DocumentType".into(),
            values: vec!["Command".into()],
        }]),
        max_results: Some(50),
        ..ListDocuments::default()
    })
}

/// One command's record, for its detail view.
async fn one_command(connection: &Connection, command_id: &str) -> Result<RunCommand, ApiError> {
    let page = connection
        .call(ListCommands {
            command_id: Some(command_id.to_owned()),
            ..ListCommands::default()
        })
        .await?;
    page.commands.into_iter().next().ok_or_else(|| {
        ApiError::new(
            "InvalidCommandId",
            format!("No command with id {command_id}"),
        )
    })
}

/// Invocations of a command with their steps: all of them, or those of
/// the nodes named.
async fn invocations(
    connection: &Connection,
    command_id: &str,
    instance_ids: Option<Vec<String>>,
) -> Result<Vec<CommandInvocation>, ApiError> {
    let mut list = Vec::new();
    if let Some(ids) = instance_ids {
        for instance_id in ids {
            let page = connection
                .call(ListCommandInvocations {
                    command_id: Some(command_id.to_owned()),
                    instance_id: Some(instance_id),
                    details: Some(true),
                    ..ListCommandInvocations::default()
                })
                .await?;
            list.extend(page.command_invocations);
        }
        return Ok(list);
    }
    connection
        .every_page(
            |next_token| ListCommandInvocations {
                command_id: Some(command_id.to_owned()),
                max_results: Some(50),
                next_token,
                details: Some(true),
                ..ListCommandInvocations::default()
            },
            |page| (page.command_invocations, page.next_token),
        )
        .await
}

impl RunCommandPane {
    fn load_history(&mut self, cx: &mut Cx) {
        self.history_stale = false;
        let page = ListCommands {
            max_results: Some(50),
            next_token: self.page_token(),
            ..ListCommands::default()
        };
        cx.load(HISTORY, page, |pane: &mut Self, result, cx| match result {
            Ok(page) => pane.replace_page(page.commands, page.next_token),
            Err(e) => cx.set_status(format!("could not load commands: {e}"), true),
        });
    }

    fn load_documents(&mut self, cx: &mut Cx) {
        cx.load(
            DOCUMENTS,
            command_documents(),
            |pane: &mut Self, result, cx| match result {
                Ok(mut list) => {
                    list.sort_by(|a, b| a.name.cmp(&b.name));
                    pane.documents = list;
                    pane.documents_loaded = true;
                    if let Some(form) = cx.dialog_mut::<SendForm>() {
                        let at = form.picker.selected;
                        form.picker.refresh(&pane.documents);
                        form.picker.selected = at.min(form.picker.matches.len().saturating_sub(1));
                    }
                }
                Err(e) => cx.set_status(format!("could not list documents: {e}"), true),
            },
        );
    }

    /// The open command's record, if it is still the detail that asked.
    fn load_command(&mut self, cx: &mut Cx) {
        let request = cx.next_id();
        let Some(d) = &mut self.detail else { return };
        d.command_request = Some(request);
        let command_id = d.command_id.clone();
        let job = Work::new(
            "Command",
            |c| async move { one_command(&c, &command_id).await },
        );
        let load = cx.prepare_as(request, job, move |pane: &mut Self, result, cx| {
            if let Some(d) = &mut pane.detail
                && d.command_request == Some(request)
            {
                d.command_request = None;
                match result {
                    Ok(command) => d.command = Some(command),
                    Err(e) if d.command.is_none() => d.error = Some(e.to_string()),
                    Err(e) => cx.set_status(format!("could not reload: {e}"), true),
                }
            }
        });
        cx.send(load);
    }

    /// The open command's invocations: all of them, or those named.
    fn load_rows(&mut self, instance_ids: Option<Vec<String>>, cx: &mut Cx) {
        let request = cx.next_id();
        let Some(d) = &mut self.detail else { return };
        d.rows_request = Some(request);
        let partial = instance_ids.is_some();
        let command_id = d.command_id.clone();
        let job = Work::new("Invocations", |c| async move {
            invocations(&c, &command_id, instance_ids).await
        });
        let load = cx.prepare_as(request, job, move |pane: &mut Self, result, cx| {
            if let Some(d) = &mut pane.detail
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
                    Err(e) if !d.loaded => d.error = Some(e.to_string()),
                    Err(e) => cx.set_status(format!("could not reload: {e}"), true),
                }
            }
        });
        cx.send(load);
    }

    /// The next page of output worth reading, if one is.
    fn fetch_output(&mut self, cx: &mut Cx) {
        let Some(output) = &mut self.output else {
            return;
        };
        let Some((stream, offset)) = output.next_fetch() else {
            return;
        };
        let request = cx.next_id();
        output.request = Some(request);
        let get = GetCommandOutput {
            command_id: output.command_id.clone(),
            instance_id: output.instance_id.clone(),
            plugin_name: None,
            stream: Some(stream.wire().to_owned()),
            offset: Some(offset),
            max_chars: Some(PAGE_CHARS),
        };
        let fetch = cx.prepare_as(request, get, move |pane: &mut Self, result, cx| {
            let Some(o) = &mut pane.output else { return };
            if o.request != Some(request) {
                return;
            }
            o.request = None;
            match result {
                Ok(page) => {
                    o.append(stream, &page.content, page.next_offset, page.total_chars);
                    let room = cx.room;
                    pane.settle(&room);
                    pane.fetch_output(cx);
                }
                Err(e) => o.error = Some(e.to_string()),
            }
        });
        cx.send(fetch);
    }

    fn scroll_output(&mut self, command: Command, cx: &mut Cx) -> Handled {
        let Some(output) = &mut self.output else {
            return Handled::No;
        };
        let pager = &mut output.pager;
        let page = pager.page as isize;
        match command {
            Command::UP => pager.scroll_by(-1),
            Command::DOWN => pager.scroll_by(1),
            Command::PAGE_UP => pager.scroll_by(-page),
            Command::PAGE_DOWN => pager.scroll_by(page),
            Command::TOP => pager.top(),
            Command::NEXT_MATCH => pager.step_match(true),
            Command::PREV_MATCH => pager.step_match(false),
            Command::TOGGLE_WRAP => pager.toggle_wrap(),
            _ => pager.bottom(),
        }
        self.fetch_output(cx);
        Handled::Yes
    }

    /// A key while the output's search is typed.
    fn on_search_key(&mut self, mut prompt: SearchPrompt, event: KeyEvent, cx: &mut Cx) {
        let Some(output) = &mut self.output else {
            return;
        };
        if prompt.key(event, &mut output.pager) {
            cx.open(prompt);
        }
        self.fetch_output(cx);
    }

    /// `]` / `[` over a node's output: the next (previous) node's output
    /// of the same command, in the order the invocations are listed.
    fn step_node(&mut self, forward: bool, cx: &mut Cx) {
        let (Some(detail), Some(output)) = (&mut self.detail, &self.output) else {
            return;
        };
        let table = &mut detail.table;
        let rows = &detail.rows;
        let at = table
            .order
            .iter()
            .position(|&i| rows[i].inv.instance_id == output.instance_id)
            .unwrap_or(table.selected);
        let next = if forward { at + 1 } else { at.wrapping_sub(1) };
        let Some(&row) = table.order.get(next) else {
            let end = if forward { "last" } else { "first" };
            return cx.set_status(format!("this is the {end} node"), false);
        };
        table.move_by(next as isize - table.selected as isize);
        let view = output.for_node(rows[row].inv.instance_id.clone());
        self.output = Some(Box::new(view));
        self.fetch_output(cx);
    }

    fn turn_page(&mut self, command: Command, cx: &mut Cx) {
        if self.view() != RunView::History {
            return;
        }
        match command {
            Command::NEXT_PAGE => match self.next_token.clone() {
                Some(token) => self.pages.push(Some(token)),
                None => {
                    cx.set_status("this is the last page", false);
                    return;
                }
            },
            _ if self.pages.len() > 1 => {
                self.pages.pop();
            }
            _ => {
                cx.set_status("this is the first page", false);
                return;
            }
        }
        self.table.selected = 0;
        self.load_history(cx);
    }

    /// Enter: a command from the history, a node's output from a command.
    fn open(&mut self, cx: &mut Cx) {
        match self.view() {
            RunView::History => {
                if let Some(command) = self.selected().cloned() {
                    self.open_detail(command.command_id.clone(), Some(command), cx);
                }
            }
            RunView::Detail => {
                let Some(detail) = &self.detail else { return };
                let Some(row) = detail.selected() else { return };
                let view = OutputView::new(detail.command_id.clone(), row.inv.instance_id.clone());
                self.output = Some(Box::new(view));
                self.fetch_output(cx);
            }
            RunView::Output => {}
        }
    }

    fn open_detail(&mut self, command_id: String, command: Option<RunCommand>, cx: &mut Cx) {
        let known = command.is_some();
        self.output = None;
        self.detail = Some(Box::new(CommandDetail::new(command_id, command)));
        self.load_rows(None, cx);
        if !known {
            self.load_command(cx);
        }
    }

    /// The form, at the document picker, aimed at the Fleet selection.
    fn open_new_form(&mut self, cx: &mut Cx) {
        let targets = cx.fleet_marked().join(" ");
        self.open_form(SendForm::new(targets), cx);
    }

    /// Opens the send form: at the picker, or describing its document.
    pub(crate) fn open_form(&mut self, mut form: SendForm, cx: &mut Cx) {
        match form.stage {
            Stage::Picking => {
                if !self.documents_loaded && !cx.loading(DOCUMENTS) {
                    self.load_documents(cx);
                }
                form.picker.refresh(&self.documents);
            }
            _ => self.describe(&mut form, cx),
        }
        update_reach(&mut form, cx);
        cx.open(form);
    }

    /// `:run NAME`: the form for that document, past the picker.
    pub(crate) fn open_form_for(&mut self, document: &str, cx: &mut Cx) {
        if cx.readonly {
            cx.set_status(
                format!(
                    "read-only console (--readonly): cannot {}",
                    keys::NEW_COMMAND.description()
                ),
                true,
            );
            return;
        }
        let mut form = SendForm::new(cx.fleet_marked().join(" "));
        form.document = document.to_owned();
        form.stage = Stage::Loading;
        self.open_form(form, cx);
    }

    /// Asks for the form's document, to fill in its parameters.
    fn describe(&mut self, form: &mut SendForm, cx: &mut Cx) {
        let request = cx.next_id();
        form.describe = Some(request);
        let describe = DescribeDocument {
            name: form.document.clone(),
            ..DescribeDocument::default()
        };
        let load = cx.prepare_as(request, describe, move |pane: &mut Self, result, cx| {
            pane.described(request, result.map(|out| out.document), cx)
        });
        cx.send(load);
    }

    fn described(
        &mut self,
        request: u64,
        result: Result<sysman_api::documents::DocumentDescription, ApiError>,
        cx: &mut Cx,
    ) {
        let Some(form) = cx.dialog_mut::<SendForm>() else {
            return;
        };
        if form.describe != Some(request) {
            return;
        }
        form.describe = None;
        match result {
            Ok(doc) => {
                form.describe(&doc);
                let mut form = std::mem::replace(form, SendForm::new(String::new()));
                update_reach(&mut form, cx);
                cx.open(form);
            }
            Err(e) => {
                // Back to the picker, searching for what was asked.
                form.stage = Stage::Picking;
                form.picker.query.set(form.document.clone());
                form.prefill = None;
                let form = std::mem::replace(form, SendForm::new(String::new()));
                // `:run shell` names a document only in part: the picker
                // searching for it is the answer, not an error.
                if e.code == "InvalidDocument" {
                    let asked = &form.document;
                    cx.set_status(format!("no document is named {asked}: pick one"), false);
                } else {
                    cx.set_status(e.to_string(), true);
                }
                cx.close();
                self.open_form(form, cx);
            }
        }
    }

    fn rerun(&mut self, cx: &mut Cx) {
        if let Some(command) = self.focused() {
            let form = SendForm::rerun(command);
            self.open_form(form, cx);
        }
    }

    fn confirm_cancel(&mut self, cx: &mut Cx) {
        let Some(command) = self.focused() else {
            return;
        };
        if command.status.is_terminal() || command.status == CommandStatus::Cancelling {
            let status = command_status_label(command.status);
            cx.set_status(
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
        let running = match &self.detail {
            Some(d) if d.command_id == command_id && d.loaded => d.unfinished() as i64,
            _ => total - command.completed_count,
        };
        let prompt = format!(
            "Cancel command {} ({document})? {running} of {total} invocations are still \
             pending or running: pending ones stop now, running ones are asked to stop.",
            short_id(&command_id)
        );
        let cancel = CancelCommand {
            command_id: command_id.clone(),
            instance_ids: None,
        };
        let prepared = cx.prepare(cancel, move |_: &mut Self, result, cx| match result {
            Ok(_) => cx.set_status(format!("cancelling {}", short_id(&command_id)), false),
            Err(e) => cx.set_status(e.to_string(), true),
        });
        cx.confirm(prompt, prepared);
    }

    fn on_send_key(&mut self, mut form: SendForm, event: KeyEvent, cx: &mut Cx) {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match form.stage {
            Stage::Picking => match event.code {
                KeyCode::Esc => {
                    cx.set_status("nothing sent", false);
                    return;
                }
                KeyCode::Enter => {
                    if let Some(doc) = form.picker.chosen(&self.documents) {
                        form.document = doc.name.clone();
                        form.stage = Stage::Loading;
                        self.describe(&mut form, cx);
                    }
                }
                KeyCode::Up => form.picker.move_by(-1),
                KeyCode::Down | KeyCode::Tab => form.picker.move_by(1),
                _ => {
                    if form.picker.query.handle(&event) == Some(true) {
                        form.picker.refresh(&self.documents);
                    }
                }
            },
            Stage::Loading => {
                if event.code == KeyCode::Esc {
                    cx.set_status("nothing sent", false);
                    return;
                }
            }
            Stage::Editing => {
                if form.pending.is_some() {
                    // Waiting for the server: keys wait too.
                    cx.open(form);
                    return;
                }
                let before = form.targets.text().to_owned();
                match event.code {
                    KeyCode::Esc => {
                        cx.set_status("nothing sent", false);
                        return;
                    }
                    KeyCode::Tab | KeyCode::Down => form.next_field(true),
                    KeyCode::BackTab | KeyCode::Up => form.next_field(false),
                    KeyCode::Enter if form.focus_is_list() && !ctrl => {
                        form.apply(Edit::Insert('\n'))
                    }
                    KeyCode::Right if form.choices_of(form.focus).is_some() => {
                        form.cycle_choice(true)
                    }
                    KeyCode::Left if form.choices_of(form.focus).is_some() => {
                        form.cycle_choice(false)
                    }
                    KeyCode::Enter => review(&mut form, cx),
                    KeyCode::Char('s') if ctrl => review(&mut form, cx),
                    _ => {
                        if let Some(edit) = Edit::from_key(&event) {
                            form.apply(edit);
                        }
                    }
                }
                if form.targets.text() != before {
                    update_reach(&mut form, cx);
                }
            }
            Stage::Confirm => match event.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => match form.request() {
                    Ok(send) => {
                        let request = cx.next_id();
                        form.pending = Some(request);
                        form.stage = Stage::Editing;
                        let sent =
                            cx.prepare_as(request, send, move |pane: &mut Self, result, cx| {
                                pane.sent(request, result.map(|out| out.command), cx)
                            });
                        cx.open(form);
                        cx.send(sent);
                        return;
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
        cx.open(form);
    }

    /// A command sent from the form: its detail opens, following it live.
    fn sent(&mut self, request: u64, result: Result<RunCommand, ApiError>, cx: &mut Cx) {
        let Some(form) = cx.dialog_mut::<SendForm>() else {
            return;
        };
        if form.pending != Some(request) {
            return;
        }
        match result {
            Err(e) => form.server_error(e.to_string()),
            Ok(command) => {
                cx.close();
                cx.set_status(
                    format!(
                        "sent {} ({}) to {} nodes",
                        short_id(&command.command_id),
                        command.document_name,
                        command.target_count
                    ),
                    false,
                );
                cx.ask(Ask::Show(PaneId::RunCommand));
                self.history_stale = true;
                self.open_detail(command.command_id.clone(), Some(command), cx);
            }
        }
    }

    fn full_reload(d: &CommandDetail) -> bool {
        d.command
            .as_ref()
            .is_none_or(|c| c.target_count <= FULL_RELOAD_MAX)
    }
}

/// Enter or ctrl-s: to the confirmation, or to the first problem.
fn review(form: &mut SendForm, cx: &Cx) {
    form.tried = true;
    match form.problems().into_iter().next() {
        Some((field, problem)) => {
            form.focus = field;
            form.error = Some((None, format!("{}: {problem}", form.label(field))));
        }
        None => {
            update_reach(form, cx);
            form.stage = Stage::Confirm;
        }
    }
}

/// How many of the fleet's nodes the form's targets reach.
fn update_reach(form: &mut SendForm, cx: &Cx) {
    form.reach = send::parse_targets(&form.targets)
        .ok()
        .map(|t| send::reach(&t, &form.platforms, cx.fleet_rows().iter()));
}

impl Pane for RunCommandPane {
    fn scopes(&self) -> Vec<Scope> {
        match self.view() {
            RunView::History => vec![keys::COMMANDS, Scope::TABLE],
            RunView::Detail => vec![keys::COMMAND, Scope::TABLE],
            RunView::Output => vec![keys::OUTPUT],
        }
    }

    fn table(&self) -> &TableView {
        match &self.detail {
            Some(d) => &d.table,
            None => &self.table,
        }
    }

    fn table_mut(&mut self) -> &mut TableView {
        match &mut self.detail {
            Some(d) => &mut d.table,
            None => &mut self.table,
        }
    }

    fn in_table(&self) -> bool {
        self.view() != RunView::Output
    }

    fn start(&mut self, cx: &mut Cx) {
        self.load_history(cx);
    }

    fn handle(&mut self, command: Command, cx: &mut Cx) -> Handled {
        match command {
            Command::UP
            | Command::DOWN
            | Command::PAGE_UP
            | Command::PAGE_DOWN
            | Command::TOP
            | Command::BOTTOM
            | Command::NEXT_MATCH
            | Command::PREV_MATCH
            | Command::TOGGLE_WRAP => return self.scroll_output(command, cx),
            Command::SEARCH if self.output.is_some() => cx.open(SearchPrompt::default()),
            keys::NEXT_NODE => self.step_node(true, cx),
            keys::PREV_NODE => self.step_node(false, cx),
            // A search is cleared first, as a filter is.
            Command::BACK
                if self
                    .output
                    .as_ref()
                    .is_some_and(|o| !o.pager.term().is_empty()) =>
            {
                if let Some(o) = &mut self.output {
                    o.pager.clear_search();
                }
            }
            Command::BACK if self.output.is_some() => self.output = None,
            Command::BACK if self.detail.is_some() && self.table().filter.is_empty() => {
                self.detail = None
            }
            Command::NEXT_PAGE | Command::PREV_PAGE => self.turn_page(command, cx),
            keys::NEW_COMMAND => self.open_new_form(cx),
            keys::RERUN_COMMAND => self.rerun(cx),
            keys::CANCEL_COMMAND => self.confirm_cancel(cx),
            Command::OPEN => self.open(cx),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_dialog_key(&mut self, dialog: Dialog, event: KeyEvent, cx: &mut Cx) {
        let dialog = match dialog.take::<SendForm>() {
            Ok(form) => return self.on_send_key(form, event, cx),
            Err(dialog) => dialog,
        };
        match dialog.take::<SearchPrompt>() {
            Ok(prompt) => self.on_search_key(prompt, event, cx),
            Err(dialog) => cx.reopen(dialog),
        }
    }

    fn render_dialog(&self, dialog: &Dialog, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let (Some(prompt), Some(output)) = (dialog.get::<SearchPrompt>(), &self.output) {
            prompt.render(frame, area, theme, &output.pager);
        }
        if let Some(form) = dialog.get::<SendForm>() {
            super::send::render(
                frame,
                area,
                theme,
                form,
                &self.documents,
                self.documents_loaded,
            );
        }
    }

    fn follows(&self, event: &Event) -> bool {
        matches!(
            event,
            Event::DocumentChanged { .. }
                | Event::DocumentDeleted { .. }
                | Event::CommandChanged { .. }
                | Event::InvocationChanged { .. }
        )
    }

    fn on_event(&mut self, event: &Event, cx: &mut Cx) {
        match event {
            Event::DocumentChanged { .. } | Event::DocumentDeleted { .. } => {
                self.documents_loaded = false;
                let picking = cx
                    .dialog_mut::<SendForm>()
                    .is_some_and(|f| f.stage == Stage::Picking);
                if picking && !cx.loading(DOCUMENTS) {
                    self.load_documents(cx);
                }
            }
            Event::CommandChanged { command_id } => {
                self.history_stale = true;
                if let Some(d) = &mut self.detail
                    && d.command_id == *command_id
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
                if let Some(d) = &mut self.detail
                    && d.command_id == *command_id
                {
                    if d.rows_request.is_some() {
                        d.replay
                            .push((instance_id.clone(), *status, status_details.clone()));
                    }
                    d.apply_event(instance_id, *status, status_details);
                }
                if let Some(o) = &mut self.output
                    && o.command_id == *command_id
                    && o.instance_id == *instance_id
                {
                    o.mark_stale();
                }
            }
            _ => {}
        }
    }

    fn on_lagged(&mut self, cx: &mut Cx) {
        self.load_history(cx);
        self.documents_loaded = false;
        if let Some(d) = &self.detail {
            let id = d.command_id.clone();
            let output = self.output.take();
            self.open_detail(id, None, cx);
            if let Some(mut o) = output {
                o.mark_stale();
                self.output = Some(o);
                self.fetch_output(cx);
            }
        }
    }

    /// Whether marks are waiting that the flush would act on.
    fn needs_flush(&self, loads: &Loads) -> bool {
        let history = self.history_stale && !loads.loading(HISTORY);
        let detail = self.detail.as_ref().is_some_and(|d| {
            (d.command_stale && d.command_request.is_none())
                || d.resort
                || (d.rows_request.is_none()
                    && d.loaded
                    && if Self::full_reload(d) {
                        !d.stale.is_empty()
                    } else {
                        !d.stale_visible().is_empty()
                    })
        });
        let output = self
            .output
            .as_ref()
            .is_some_and(|o| o.stale && o.request.is_none());
        history || detail || output
    }

    /// Acts on the marks events left: at most one request of each kind.
    fn flush(&mut self, cx: &mut Cx) {
        if self.history_stale && !cx.loading(HISTORY) {
            self.load_history(cx);
        }
        if let Some(d) = &mut self.detail {
            if d.resort {
                d.resort = false;
                d.table.dirty = true;
            }
            if d.command_stale && d.command_request.is_none() {
                d.command_stale = false;
                self.load_command(cx);
            }
        }
        if let Some(d) = &self.detail
            && d.rows_request.is_none()
            && d.loaded
        {
            let ids = if Self::full_reload(d) {
                (!d.stale.is_empty()).then_some(None)
            } else {
                let visible = d.stale_visible();
                (!visible.is_empty()).then_some(Some(visible))
            };
            if let Some(instance_ids) = ids {
                self.load_rows(instance_ids, cx);
            }
        }
        self.fetch_output(cx);
    }

    fn settle(&mut self, room: &Room) {
        let page = room.page;
        self.table.set_page(page);
        if let Some(detail) = &mut self.detail {
            detail.table.set_page(page.saturating_sub(6));
        }
        let width = usize::from(room.size.0.saturating_sub(2));
        if let Some(output) = &mut self.output {
            output.layout(width, page.saturating_sub(1));
        }
        self.sort_and_filter();
    }

    fn describe(&self) -> Option<Described> {
        match (&self.detail, &self.output) {
            (Some(d), Some(o)) => {
                let row = d.rows.iter().find(|r| r.inv.instance_id == o.instance_id)?;
                Described::of(&o.instance_id, &row.inv)
            }
            (Some(d), None) => {
                let row = d.selected()?;
                Described::of(&row.inv.instance_id, &row.inv)
            }
            (None, _) => {
                let c = self.selected()?;
                Described::of(&c.command_id, c)
            }
        }
    }

    fn crumbs(&self, crumbs: &mut Vec<String>) {
        if let Some(d) = &self.detail {
            crumbs.push(short_id(&d.command_id).to_owned());
        }
        if let Some(o) = &self.output {
            crumbs.push(o.instance_id.clone());
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        self.draw(frame, area, theme, now);
    }
}
