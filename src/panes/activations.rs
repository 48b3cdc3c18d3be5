//! Hybrid activations: the codes agents register with, and how far each
//! is used up.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Row, Table};
use sysman_api::Timestamp;
use sysman_api::fleet::Activation;

use super::age;
use crate::filter;
use crate::table::TableView;
use crate::theme::Theme;

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
    haystacks: Vec<nucleo_matcher::Utf32String>,
    pub table: TableView,
    pub loaded: bool,
}

impl Default for ActivationsPane {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            haystacks: Vec::new(),
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
        self.haystacks = list
            .iter()
            .map(|a| filter::haystack(&cells(a, now).each_ref().map(String::as_str)))
            .collect();
        self.list = list;
        self.loaded = true;
        self.table.dirty = true;
    }

    pub fn selected(&self) -> Option<&Activation> {
        self.table.selected_row().and_then(|i| self.list.get(i))
    }

    pub fn settle(&mut self) {
        if !self.table.dirty {
            return;
        }
        self.table.dirty = false;
        let keep = self.table.selected_row();
        let mut matcher = filter::matcher();
        let query = &self.table.filter;
        let mut order: Vec<usize> = (0..self.list.len())
            .filter(|&i| {
                let tags = self.list[i]
                    .tags
                    .iter()
                    .map(|t| (t.key.as_str(), t.value.as_str()));
                query.matches(&mut matcher, &self.haystacks[i], tags)
            })
            .collect();
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
        order.sort_by(|&x, &y| {
            let (a, b) = (&self.list[x], &self.list[y]);
            self.table.directed(
                key(a)
                    .cmp(&key(b))
                    .then_with(|| a.activation_id.cmp(&b.activation_id)),
            )
        });
        self.table.set_order(order, keep);
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
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
