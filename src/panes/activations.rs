//! Hybrid activations: the codes agents register with, and how far each
//! is used up.

pub mod code;
pub mod form;
pub mod keys;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use sysman_api::events::Event;
use sysman_api::fleet::{
    Activation, CreateActivationResult, DeleteActivation, DescribeActivations,
};
use sysman_api::{ApiError, Timestamp};

use super::{Handled, Pane, Room, age};
use crate::app::{Ask, Dialog};
use crate::describe::Described;
use crate::filter;
use crate::input::Edit;
use crate::keys::{Command, Scope};
use crate::request::Cx;
use crate::runtime::job::{EveryPage, Paged};
use crate::table::{Column, TableView};
use crate::theme::Theme;
use code::CodeDialog;
use form::{ActivationForm, Field};

/// The slot of the list's load.
const LIST: &str = "activations";

/// Narrow terminals keep the id, what it is for, its use and expiry.
pub const COLUMNS: [Column; 6] = [
    Column::new("ACTIVATION ID", 36, 0),
    Column::new("DESCRIPTION", 12, 1),
    Column::new("IAM ROLE", 20, 3),
    Column::new("USED", 7, 1),
    Column::new("EXPIRES", 14, 2),
    Column::new("TAGS", 12, 2),
];

pub struct ActivationsPane {
    pub list: Vec<Activation>,
    texts: Vec<filter::RowText>,
    pub table: TableView,
    pub loaded: bool,
    /// The activation opened with `enter`, and the nodes registered with it.
    pub detail: Option<ActivationDetail>,
    /// An activation to put the cursor on once the list has it: one just
    /// created.
    pub select: Option<String>,
    /// The server the console drives, for the command line that registers
    /// a machine; `None` for an embedded backend.
    pub endpoint: Option<String>,
    /// The console changes nothing: the empty list offers no `n`.
    pub readonly: bool,
}

/// One activation opened: every field, every tag, and its nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationDetail {
    pub activation_id: String,
    /// Instance id and name of each node registered with it.
    pub nodes: Vec<(String, String)>,
    pub scroll: u16,
}

impl Default for ActivationsPane {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            texts: Vec::new(),
            table: TableView::new(&COLUMNS.map(|c| c.title)),
            loaded: false,
            detail: None,
            select: None,
            endpoint: None,
            readonly: false,
        }
    }
}

/// The cells of one activation's row.
pub fn cells(a: &Activation, now: Timestamp) -> [String; 6] {
    let expires = if a.expired {
        format!("expired {} ago", age(now.millis_since(a.expiration_date)))
    } else {
        format!("in {}", age(a.expiration_date.millis_since(now)))
    };
    let tags: Vec<String> = a
        .tags
        .iter()
        .map(|t| format!("{}={}", t.key, t.value))
        .collect();
    [
        a.activation_id.clone(),
        a.description.clone().unwrap_or_default(),
        a.iam_role.clone(),
        format!("{}/{}", a.registrations_count, a.registration_limit),
        expires,
        tags.join(" "),
    ]
}

impl ActivationsPane {
    pub fn replace_all(&mut self, list: Vec<Activation>, now: Timestamp) {
        let held = self.selected().map(|a| a.activation_id.clone());
        self.table.hold(held);
        self.texts = list
            .iter()
            .map(|a| {
                // What the row shows but when it expires, which changes
                // by itself.
                let cells = cells(a, now);
                filter::RowText::with_tags(
                    [0, 1, 2, 3, 5].map(|c| cells[c].as_str()),
                    a.tags.iter().map(|t| (t.key.as_str(), t.value.as_str())),
                )
            })
            .collect();
        self.list = list;
        self.loaded = true;
        self.table.dirty = true;
    }

    pub fn selected(&self) -> Option<&Activation> {
        self.table.selected_row().and_then(|i| self.list.get(i))
    }

    /// Every activation, page by page.
    fn load(&mut self, cx: &mut Cx) {
        cx.load(LIST, every_activation(), Self::loaded);
    }

    fn loaded(&mut self, result: Result<Vec<Activation>, ApiError>, cx: &mut Cx) {
        match result {
            Ok(list) => self.replace_all(list, cx.now),
            Err(e) => cx.set_status(format!("could not load activations: {e}"), true),
        }
    }

    fn confirm_delete(&mut self, cx: &mut Cx) {
        let Some(activation) = self.selected() else {
            return;
        };
        let activation_id = activation.activation_id.clone();
        let prompt = format!(
            "Delete activation {activation_id}? Nodes registered with it stay registered; \
             no new node can use it."
        );
        let delete = DeleteActivation {
            activation_id: activation_id.clone(),
        };
        let prepared = cx.prepare(delete, move |_: &mut Self, result, cx| match result {
            Ok(_) => cx.set_status(format!("deleted activation {activation_id}"), false),
            Err(e) => cx.set_status(e.to_string(), true),
        });
        cx.confirm(prompt, prepared);
    }

    /// A key in the new-activation form: tab and shift-tab move between
    /// fields, `enter` moves on (creates on the last), `ctrl-s` creates
    /// from any, the rest edits the focused field.
    fn on_form_key(&mut self, mut form: ActivationForm, event: KeyEvent, cx: &mut Cx) {
        if form.pending.is_some() {
            // Waiting for the server: keys wait too.
            return cx.open(form);
        }
        form.now = cx.now;
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match event.code {
            KeyCode::Esc => {
                cx.set_status("nothing created", false);
                return;
            }
            KeyCode::Tab | KeyCode::Down => form.next_field(true),
            KeyCode::BackTab | KeyCode::Up => form.next_field(false),
            KeyCode::Enter if !form.on_last_field() => form.next_field(true),
            KeyCode::Enter => return self.create(form, cx),
            KeyCode::Char('s') if ctrl => return self.create(form, cx),
            _ => {
                if let Some(edit) = Edit::from_key(&event) {
                    form.apply(edit);
                }
            }
        }
        cx.open(form);
    }

    /// Sends CreateActivation, or moves to the first field to fix.
    fn create(&mut self, mut form: ActivationForm, cx: &mut Cx) {
        form.tried = true;
        if let Some((field, _)) = form.problems().into_iter().next() {
            form.focus = field;
            return cx.open(form);
        }
        let request = cx.next_id();
        form.pending = Some(request);
        form.error = None;
        let create = cx.prepare_as(
            request,
            form.request(),
            move |pane: &mut Self, result, cx| pane.created(request, result, cx),
        );
        cx.open(form);
        cx.send(create);
    }

    /// The activation created: its code, once, and the cursor on it in
    /// the list; or the server's error under the field it names.
    fn created(
        &mut self,
        request: u64,
        result: Result<CreateActivationResult, ApiError>,
        cx: &mut Cx,
    ) {
        let Some(form) = cx.dialog_mut::<ActivationForm>() else {
            return;
        };
        if form.pending != Some(request) {
            return;
        }
        form.pending = None;
        match result {
            Ok(created) => {
                self.select = Some(created.activation_id.clone());
                self.detail = None;
                self.table.set_filter("");
                cx.ask(Ask::EndFilterInput);
                cx.open(CodeDialog {
                    activation_id: created.activation_id,
                    activation_code: created.activation_code,
                    endpoint: self.endpoint.clone(),
                });
                self.load(cx);
            }
            Err(e) => {
                let field = Field::named_by(&e.message);
                if let Some(field) = field {
                    form.focus = field;
                }
                form.error = Some((field, e.to_string()));
            }
        }
    }

    fn on_code_key(&mut self, dialog: CodeDialog, event: KeyEvent, cx: &mut Cx) {
        match event.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => cx.set_status(
                format!(
                    "created activation {}; its code is not kept",
                    dialog.activation_id
                ),
                false,
            ),
            _ => cx.open(dialog),
        }
    }

    /// `enter`: the activation under the cursor, whole.
    fn open(&mut self, cx: &mut Cx) {
        let Some(a) = self.selected() else { return };
        let nodes = cx
            .fleet_rows()
            .iter()
            .filter(|r| r.node.info.activation_id.as_deref() == Some(a.activation_id.as_str()))
            .map(|r| (r.node.info.instance_id.clone(), r.name.clone()))
            .collect();
        self.detail = Some(ActivationDetail {
            activation_id: a.activation_id.clone(),
            nodes,
            scroll: 0,
        });
    }

    fn render_detail(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        now: Timestamp,
        detail: &ActivationDetail,
    ) {
        let block = crate::ui::pane_block(theme, format!(" Activation {} ", detail.activation_id));
        let Some(a) = self
            .list
            .iter()
            .find(|a| a.activation_id == detail.activation_id)
        else {
            let text = "This activation was deleted.";
            crate::ui::placeholder(frame, area, block, text, theme);
            return;
        };
        let when = |t: Timestamp| {
            let ago = now.millis_since(t);
            if ago >= 0 {
                format!("{} ({} ago)", t.iso8601(), age(ago))
            } else {
                format!("{} (in {})", t.iso8601(), age(-ago))
            }
        };
        let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
        let fields = [
            ("Activation ID", a.activation_id.clone()),
            ("Description", text(&a.description)),
            ("Default name", text(&a.default_instance_name)),
            ("IAM role", a.iam_role.clone()),
            (
                "Registrations",
                format!("{} of {}", a.registrations_count, a.registration_limit),
            ),
            ("Created", when(a.created_date)),
            (
                if a.expired { "Expired" } else { "Expires" },
                when(a.expiration_date),
            ),
        ];
        let mut lines: Vec<Line> = fields
            .into_iter()
            .map(|(label, value)| {
                Line::from(vec![
                    Span::styled(format!("{label:<15}"), theme.muted),
                    Span::styled(
                        value,
                        if a.expired {
                            theme.muted
                        } else {
                            Style::default()
                        },
                    ),
                ])
            })
            .collect();
        lines.push(Line::default());
        lines.push(Line::styled(
            format!("Tags ({})", a.tags.len()),
            theme.header,
        ));
        let key_width = a.tags.iter().map(|t| t.key.len()).max().unwrap_or(0);
        lines.extend(a.tags.iter().map(|t| {
            Line::from(vec![
                Span::styled(format!("{:<key_width$}  ", t.key), theme.muted),
                Span::raw(t.value.clone()),
            ])
        }));
        lines.push(Line::default());
        lines.push(Line::styled(
            format!("Nodes registered with it ({})", detail.nodes.len()),
            theme.header,
        ));
        if detail.nodes.is_empty() {
            lines.push(Line::styled("none yet", theme.muted));
        }
        lines.extend(detail.nodes.iter().map(|(id, name)| {
            Line::from(vec![
                Span::styled(format!("{id}  "), theme.muted),
                Span::raw(name.clone()),
            ])
        }));
        lines.push(Line::default());
        lines.push(Line::styled(
            "Its code was shown once, when it was created; AWS keeps no copy to show again.",
            theme.muted,
        ));
        let paragraph = Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((detail.scroll, 0))
            .block(block);
        frame.render_widget(paragraph, area);
    }

    fn sort_and_filter(&mut self) {
        if !self.table.dirty {
            return;
        }
        self.table.dirty = false;
        let list = &self.list;
        let wanted = self
            .select
            .as_ref()
            .and_then(|id| list.iter().position(|a| a.activation_id == *id));
        if wanted.is_some() {
            self.select = None;
        }
        let kept = self
            .table
            .kept_row(|id| list.iter().position(|a| a.activation_id == id));
        let keep = wanted.or(kept);
        let column = self.table.sort_column;
        let key = |a: &Activation| -> (String, i64) {
            match column {
                1 => (a.description.clone().unwrap_or_default(), 0),
                2 => (a.iam_role.clone(), 0),
                3 => (String::new(), a.registrations_count),
                4 => (String::new(), a.expiration_date.millis()),
                5 => (
                    a.tags.first().map(|t| t.value.clone()).unwrap_or_default(),
                    0,
                ),
                _ => (a.activation_id.clone(), 0),
            }
        };
        let order = self.table.filter.arrange(
            &mut filter::matcher(),
            0..list.len(),
            |i| &self.texts[i],
            |x, y| {
                let (a, b) = (&list[x], &list[y]);
                self.table.directed(
                    key(a)
                        .cmp(&key(b))
                        .then_with(|| a.activation_id.cmp(&b.activation_id)),
                )
            },
        );
        self.table.set_order(order, keep);
    }
}

fn every_activation() -> EveryPage<DescribeActivations> {
    EveryPage(DescribeActivations {
        max_results: Some(50),
        next_token: None,
        filters: None,
    })
}

impl Paged for DescribeActivations {
    type Item = Activation;

    fn at(&self, next_token: Option<String>) -> Self {
        DescribeActivations {
            next_token,
            ..self.clone()
        }
    }

    fn split(page: Self::Output) -> (Vec<Activation>, Option<String>) {
        (page.activation_list, page.next_token)
    }
}

impl Pane for ActivationsPane {
    fn scopes(&self) -> Vec<Scope> {
        match self.detail {
            Some(_) => vec![keys::ACTIVATION],
            None => vec![keys::ACTIVATIONS, Scope::TABLE],
        }
    }

    fn in_table(&self) -> bool {
        self.detail.is_none()
    }

    fn describe(&self) -> Option<Described> {
        let a = match &self.detail {
            Some(d) => self
                .list
                .iter()
                .find(|a| a.activation_id == d.activation_id)?,
            None => self.selected()?,
        };
        Described::of(&a.activation_id, a)
    }

    fn crumbs(&self, crumbs: &mut Vec<String>) {
        if let Some(d) = &self.detail {
            crumbs.push(d.activation_id.clone());
        }
    }

    fn table(&self) -> &TableView {
        &self.table
    }

    fn table_mut(&mut self) -> &mut TableView {
        &mut self.table
    }

    fn start(&mut self, cx: &mut Cx) {
        self.load(cx);
    }

    fn handle(&mut self, command: Command, cx: &mut Cx) -> Handled {
        if let Some(d) = &mut self.detail {
            match command {
                Command::UP => d.scroll = d.scroll.saturating_sub(1),
                // The paragraph stops drawing past its end; a bound keeps
                // `k` from having to climb back far.
                Command::DOWN => d.scroll = (d.scroll + 1).min(d.nodes.len() as u16 + 20),
                Command::BACK => self.detail = None,
                _ => return Handled::No,
            }
            return Handled::Yes;
        }
        match command {
            Command::OPEN => self.open(cx),
            keys::DELETE_ACTIVATION => self.confirm_delete(cx),
            keys::NEW_ACTIVATION => cx.open(ActivationForm::new(cx.now)),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_dialog_key(&mut self, dialog: Dialog, event: KeyEvent, cx: &mut Cx) {
        match dialog.take::<ActivationForm>() {
            Ok(form) => self.on_form_key(form, event, cx),
            Err(dialog) => match dialog.take::<CodeDialog>() {
                Ok(code) => self.on_code_key(code, event, cx),
                Err(dialog) => cx.reopen(dialog),
            },
        }
    }

    fn render_dialog(&self, dialog: &Dialog, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let Some(form) = dialog.get::<ActivationForm>() {
            form.render(frame, area, theme);
        } else if let Some(code) = dialog.get::<CodeDialog>() {
            code.render(frame, area, theme);
        }
    }

    fn follows(&self, event: &Event) -> bool {
        matches!(event, Event::ActivationsChanged)
    }

    fn on_event(&mut self, event: &Event, cx: &mut Cx) {
        if let Event::ActivationsChanged = event {
            cx.reload(LIST, every_activation(), Self::loaded);
        }
    }

    fn on_lagged(&mut self, cx: &mut Cx) {
        self.load(cx);
    }

    fn settle(&mut self, room: &Room) {
        self.table.set_page(room.page);
        self.sort_and_filter();
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        if let Some(detail) = &self.detail {
            return self.render_detail(frame, area, theme, now, detail);
        }
        let block = crate::ui::pane_block(theme, format!(" Activations [{}] ", self.list.len()));
        if !self.loaded || self.list.is_empty() {
            let text = if !self.loaded {
                "Loading activations…"
            } else if self.readonly {
                "No activations yet. Agents register with an activation's id and code."
            } else {
                "No activations yet. Agents register with an activation's id and code: \
                 press n to create one."
            };
            crate::ui::placeholder(frame, area, block, text, theme);
            return;
        }
        crate::table::draw(
            frame,
            area,
            block,
            &self.table,
            &COLUMNS,
            theme,
            true,
            |r, c| {
                let a = &self.list[r];
                let style = if a.expired {
                    theme.muted
                } else {
                    Style::default()
                };
                (cells(a, now)[c].clone(), style)
            },
        );
    }
}
