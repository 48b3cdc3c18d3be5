//! What the Parameters pane does: its keys, its dialogs (the parameter
//! form and the label prompt), the backend calls behind them and the
//! change events it follows.

use super::keys;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use sysman_api::events::Event;
use sysman_api::parameters::{
    DeleteParameter, DescribeParameters, GetParameter, GetParameterHistory, LabelParameterVersion,
    Parameter, ParameterHistory, ParameterMetadata, ParameterType,
};
use sysman_api::{ApiError, Timestamp};

use super::form::{Field, ParamForm};
use super::label::LabelInput;
use super::{Detail, ParametersPane, ParametersView};
use crate::app::Dialog;
use crate::describe::Described;
use crate::input::Edit;
use crate::keys::{Command, Scope};
use crate::panes::{Handled, Pane, Room};
use crate::request::Cx;
use crate::runtime::Connection;
use crate::runtime::job::{EveryPage, Job, Paged};
use crate::table::TableView;
use crate::theme::Theme;

/// The slot of the list's load.
const LIST: &str = "parameters";

fn every_parameter() -> EveryPage<DescribeParameters> {
    EveryPage(DescribeParameters {
        max_results: Some(50),
        ..Default::default()
    })
}

impl Paged for DescribeParameters {
    type Item = ParameterMetadata;

    fn at(&self, next_token: Option<String>) -> Self {
        DescribeParameters {
            next_token,
            ..self.clone()
        }
    }

    fn split(page: Self::Output) -> (Vec<ParameterMetadata>, Option<String>) {
        (page.parameters, page.next_token)
    }
}

impl Paged for GetParameterHistory {
    type Item = ParameterHistory;

    fn at(&self, next_token: Option<String>) -> Self {
        GetParameterHistory {
            next_token,
            ..self.clone()
        }
    }

    fn split(page: Self::Output) -> (Vec<ParameterHistory>, Option<String>) {
        (page.parameters, page.next_token)
    }
}

/// A parameter's current version (not decrypted) and its whole history,
/// for the detail view.
struct WithHistory {
    name: String,
}

impl Job for WithHistory {
    type Output = Result<(Parameter, Vec<ParameterHistory>), ApiError>;

    fn name(&self) -> &'static str {
        "ParameterWithHistory"
    }

    async fn run(self, connection: &Connection) -> Self::Output {
        let current = GetParameter {
            name: self.name.clone(),
            with_decryption: Some(false),
        };
        let parameter = connection.call(current).await?.parameter;
        let history = EveryPage(GetParameterHistory {
            name: self.name,
            max_results: Some(50),
            ..Default::default()
        });
        Ok((parameter, history.run(connection).await?))
    }
}

impl ParametersPane {
    fn load(&mut self, cx: &mut Cx) {
        cx.load(LIST, every_parameter(), Self::loaded);
    }

    fn reload(&mut self, cx: &mut Cx) {
        cx.reload(LIST, every_parameter(), Self::loaded);
    }

    fn loaded(&mut self, result: Result<Vec<ParameterMetadata>, ApiError>, cx: &mut Cx) {
        match result {
            Ok(list) => self.replace_all(list),
            Err(e) => cx.set_status(format!("could not load parameters: {e}"), true),
        }
    }

    /// Loads the open parameter's detail; the answer counts only if the
    /// same parameter is still open.
    fn load_detail(&mut self, name: String, cx: &mut Cx) {
        let job = WithHistory { name: name.clone() };
        cx.call(job, move |pane: &mut Self, result, _| {
            if let ParametersView::Detail(detail) = &mut pane.view
                && detail.name == name
            {
                match result {
                    Ok((parameter, history)) => {
                        detail.parameter = Some(parameter);
                        detail.history = history;
                        detail.error = None;
                    }
                    Err(e) => detail.error = Some(e.to_string()),
                }
            }
        });
    }

    fn open(&mut self, cx: &mut Cx) {
        if self.tree_focus {
            self.tree.toggle();
        } else if let Some(p) = self.selected() {
            let name = p.name.clone();
            self.view = ParametersView::Detail(Box::new(Detail {
                name: name.clone(),
                ..Detail::default()
            }));
            self.load_detail(name, cx);
        }
    }

    /// A decrypting read of the open parameter's value.
    fn reveal(&mut self, cx: &mut Cx) {
        let Some(name) = self.open_name().map(str::to_owned) else {
            return;
        };
        let get = GetParameter {
            name: name.clone(),
            with_decryption: Some(true),
        };
        cx.call(get, move |pane: &mut Self, result, cx| {
            if let ParametersView::Detail(detail) = &mut pane.view
                && detail.name == name
            {
                match result {
                    Ok(out) => detail.revealed = Some(out.parameter.value),
                    Err(e) => cx.set_status(format!("could not reveal {name}: {e}"), true),
                }
            }
        });
    }

    fn confirm_delete(&mut self, cx: &mut Cx) {
        let name = match (&self.view, self.selected()) {
            (ParametersView::Detail(d), _) => d.name.clone(),
            (ParametersView::Table, Some(p)) => p.name.clone(),
            (ParametersView::Table, None) => return,
        };
        let prompt =
            format!("Delete parameter {name} and every version of it? This can't be undone.");
        let delete = DeleteParameter { name: name.clone() };
        let prepared = cx.prepare(delete, move |_: &mut Self, result, cx| match result {
            Ok(_) => cx.set_status(format!("deleted parameter {name}"), false),
            Err(e) => cx.set_status(e.to_string(), true),
        });
        cx.confirm(prompt, prepared);
    }

    fn edit(&mut self, cx: &mut Cx) {
        if let ParametersView::Detail(d) = &self.view
            && let Some(p) = &d.parameter
        {
            cx.open(ParamForm::edit(&d.name, p.r#type, &p.value));
        }
    }

    fn ask_label(&mut self, cx: &mut Cx) {
        if let ParametersView::Detail(d) = &self.view
            && let Some(h) = d.selected_version()
        {
            cx.open(LabelInput {
                name: d.name.clone(),
                version: h.version,
                input: Default::default(),
            });
        }
    }

    fn diff(&mut self, cx: &mut Cx) {
        if let ParametersView::Detail(d) = &mut self.view {
            let secure = d
                .parameter
                .as_ref()
                .is_some_and(|p| p.r#type == ParameterType::SecureString);
            match d.selected_version().map(|h| h.version) {
                _ if secure => cx.set_status(
                    "comparing SecureString versions is not built yet: it would need \
                     every version decrypted",
                    true,
                ),
                Some(version) => d.diff = Some(version),
                None => {}
            }
        }
    }

    /// `esc`: closes the diff, then the detail view.
    fn back(&mut self) -> Handled {
        let ParametersView::Detail(d) = &mut self.view else {
            return Handled::No;
        };
        if d.diff.is_some() {
            d.diff = None;
        } else {
            self.view = ParametersView::Table;
        }
        Handled::Yes
    }

    fn move_by(&mut self, command: Command) -> Handled {
        let delta = if command == Command::UP { -1 } else { 1 };
        match &mut self.view {
            ParametersView::Table if self.tree_focus => {
                self.tree.move_by(delta);
                self.table.dirty = true;
            }
            ParametersView::Detail(d) => d.move_by(delta),
            ParametersView::Table => return Handled::No,
        }
        Handled::Yes
    }

    fn on_form_key(&mut self, mut form: ParamForm, event: KeyEvent, cx: &mut Cx) {
        match event.code {
            KeyCode::Esc => {
                cx.set_status("nothing saved", false);
                return;
            }
            KeyCode::Tab | KeyCode::Down => form.next_field(true),
            KeyCode::BackTab | KeyCode::Up => form.next_field(false),
            KeyCode::Left | KeyCode::Right if form.focus == Field::Type => form.cycle_type(),
            KeyCode::Enter => {
                form.tried = true;
                if let Some((field, problem)) = form.problems().into_iter().next() {
                    form.error = Some(format!("{}: {problem}", field.label()));
                } else if form.pending.is_none() {
                    let request = cx.next_id();
                    form.pending = Some(request);
                    let name = form.name.to_string();
                    let save =
                        cx.prepare_as(request, form.request(), move |_: &mut Self, result, cx| {
                            saved(
                                request,
                                result.map(|out| format!("saved {name}, version {}", out.version)),
                                cx,
                            )
                        });
                    cx.open(form);
                    cx.send(save);
                    return;
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

    fn on_label_key(&mut self, mut label: LabelInput, event: KeyEvent, cx: &mut Cx) {
        match event.code {
            KeyCode::Esc => return,
            KeyCode::Enter if !label.input.trim().is_empty() => {
                let LabelInput { name, version, .. } = label;
                let label = label.input.trim().to_owned();
                cx.set_status(format!("labelling version {version} of {name}…"), false);
                let op = LabelParameterVersion {
                    name: name.clone(),
                    parameter_version: Some(version),
                    labels: vec![label.clone()],
                };
                cx.call(op, move |_: &mut Self, result, cx| match result {
                    Ok(out) if out.invalid_labels.is_empty() => cx.set_status(
                        format!("labelled version {version} of {name} '{label}'"),
                        false,
                    ),
                    Ok(_) => cx.set_status(
                        format!(
                            "'{label}' is not a valid label: use letters, digits, '.', '-' and \
                             '_', not starting with a digit, aws or ssm"
                        ),
                        true,
                    ),
                    Err(e) => cx.set_status(e.to_string(), true),
                });
                return;
            }
            _ => {
                label.input.handle(&event);
            }
        }
        cx.open(label);
    }
}

/// A save from the form answered: the form closes, or shows why not — if
/// it is still the form that sent it.
fn saved(request: u64, result: Result<String, ApiError>, cx: &mut Cx) {
    let Some(form) = cx.dialog_mut::<ParamForm>() else {
        return report(result, cx);
    };
    if form.pending != Some(request) {
        return report(result, cx);
    }
    match result {
        Ok(text) => {
            cx.close();
            cx.set_status(text, false);
        }
        Err(e) => {
            form.pending = None;
            form.error = Some(e.to_string());
        }
    }
}

/// A change's outcome, in the status line.
fn report(result: Result<String, ApiError>, cx: &mut Cx) {
    match result {
        Ok(text) => cx.set_status(text, false),
        Err(e) => cx.set_status(e.to_string(), true),
    }
}

impl Pane for ParametersPane {
    fn scopes(&self) -> Vec<Scope> {
        match self.view {
            ParametersView::Table => vec![keys::PARAMETERS, Scope::TABLE],
            ParametersView::Detail(_) => vec![keys::PARAMETER],
        }
    }

    fn table(&self) -> &TableView {
        &self.table
    }

    fn table_mut(&mut self) -> &mut TableView {
        &mut self.table
    }

    fn in_table(&self) -> bool {
        self.view == ParametersView::Table
    }

    fn start(&mut self, cx: &mut Cx) {
        self.load(cx);
    }

    fn handle(&mut self, command: Command, cx: &mut Cx) -> Handled {
        match command {
            Command::UP | Command::DOWN | Command::PAGE_UP | Command::PAGE_DOWN => {
                return self.move_by(command);
            }
            Command::BACK => return self.back(),
            Command::OPEN => self.open(cx),
            keys::DELETE_PARAMETER => self.confirm_delete(cx),
            keys::NEW_PARAMETER => cx.open(ParamForm::new()),
            keys::TOGGLE_FOCUS => self.tree_focus = !self.tree_focus,
            keys::EDIT_PARAMETER => self.edit(cx),
            keys::ADD_LABEL => self.ask_label(cx),
            keys::DIFF_VERSION => self.diff(cx),
            keys::REVEAL_VALUE => self.reveal(cx),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_dialog_key(&mut self, dialog: Dialog, event: KeyEvent, cx: &mut Cx) {
        match dialog.take::<ParamForm>() {
            Ok(form) => self.on_form_key(form, event, cx),
            Err(dialog) => match dialog.take::<LabelInput>() {
                Ok(label) => self.on_label_key(label, event, cx),
                Err(dialog) => cx.reopen(dialog),
            },
        }
    }

    fn render_dialog(&self, dialog: &Dialog, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let Some(form) = dialog.get::<ParamForm>() {
            form.render(frame, area, theme);
        } else if let Some(label) = dialog.get::<LabelInput>() {
            label.render(frame, area, theme);
        }
    }

    fn follows(&self, event: &Event) -> bool {
        matches!(
            event,
            Event::ParameterChanged { .. }
                | Event::ParameterPolicy { .. }
                | Event::ParameterDeleted { .. }
        )
    }

    fn on_event(&mut self, event: &Event, cx: &mut Cx) {
        match event {
            Event::ParameterChanged { name } => {
                self.reload(cx);
                if let ParametersView::Detail(detail) = &mut self.view
                    && detail.name == *name
                {
                    // A new version hides the old reveal.
                    detail.revealed = None;
                    self.load_detail(name.clone(), cx);
                }
            }
            Event::ParameterPolicy { message, .. } => {
                cx.set_status(format!("parameter policy: {message}"), false);
            }
            Event::ParameterDeleted { name } => {
                if self.open_name() == Some(name.as_str()) {
                    self.view = ParametersView::Table;
                }
                self.reload(cx);
            }
            _ => {}
        }
    }

    fn on_lagged(&mut self, cx: &mut Cx) {
        self.load(cx);
    }

    fn settle(&mut self, room: &Room) {
        self.table.set_page(room.page);
        self.sort_and_filter();
    }

    /// Never the decrypted value: a version is described as the history
    /// gives it, a SecureString's value encrypted.
    fn describe(&self) -> Option<Described> {
        match &self.view {
            ParametersView::Detail(d) => {
                let version = d.selected_version()?;
                Described::of(format!("{}:{}", d.name, version.version), version)
            }
            ParametersView::Table => {
                let p = self.selected()?;
                Described::of(&p.name, p)
            }
        }
    }

    fn crumbs(&self, crumbs: &mut Vec<String>) {
        if let Some(name) = self.open_name() {
            crumbs.push(name.to_owned());
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        self.draw(frame, area, theme, now);
    }
}
