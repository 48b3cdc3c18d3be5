//! Hybrid activations: the codes agents register with, and how far each
//! is used up.

pub mod keys;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Row, Table};
use sysman_api::events::Event;
use sysman_api::fleet::{Activation, DeleteActivation, DescribeActivations};
use sysman_api::{ApiError, Timestamp};

use super::{Handled, Pane, Room, age};
use crate::filter;
use crate::keys::{Command, Scope};
use crate::request::Cx;
use crate::runtime::job::{EveryPage, Paged};
use crate::table::TableView;
use crate::theme::Theme;

/// The slot of the list's load.
const LIST: &str = "activations";

pub const COLUMNS: [&str; 6] = [
    "ACTIVATION ID",
    "DESCRIPTION",
    "IAM ROLE",
    "USED",
    "EXPIRES",
    "TAGS",
];

pub struct ActivationsPane {
    pub list: Vec<Activation>,
    texts: Vec<filter::RowText>,
    pub table: TableView,
    pub loaded: bool,
}

impl Default for ActivationsPane {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            texts: Vec::new(),
            table: TableView::new(COLUMNS.len()),
            loaded: false,
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

    fn sort_and_filter(&mut self) {
        if !self.table.dirty {
            return;
        }
        self.table.dirty = false;
        let list = &self.list;
        let keep = self
            .table
            .kept_row(|id| list.iter().position(|a| a.activation_id == id));
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
        vec![keys::ACTIVATIONS, Scope::TABLE]
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
        match command {
            keys::DELETE_ACTIVATION => self.confirm_delete(cx),
            _ => return Handled::No,
        }
        Handled::Yes
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
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(
                format!(" Activations [{}] ", self.list.len()),
                theme.title,
            ))
            .style(theme.text);
        if !self.loaded || self.list.is_empty() {
            let text = if self.loaded {
                "No activations yet. Agents register with an activation's id and code; \
                 creating activations from the console is not built yet."
            } else {
                "Loading activations…"
            };
            crate::ui::placeholder(frame, area, block, text, theme);
            return;
        }
        let header = Row::new(
            COLUMNS
                .iter()
                .enumerate()
                .map(|(c, name)| self.table.heading(c, name)),
        )
        .style(theme.header);
        let rows = self.table.visible().iter().enumerate().map(|(i, &r)| {
            let a = &self.list[r];
            let selected = self.table.offset + i == self.table.selected;
            let mut row = Row::new(cells(a, now).map(Line::from));
            if selected {
                row = row.style(theme.selection);
            } else if a.expired {
                row = row.style(theme.muted);
            } else {
                row = row.style(Style::default());
            }
            row
        });
        let widths = [
            Constraint::Length(36),
            Constraint::Length(16),
            Constraint::Length(20),
            Constraint::Length(9),
            Constraint::Length(14),
            Constraint::Min(10),
        ];
        frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    }
}
