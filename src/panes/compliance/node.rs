//! One node's compliance items, of every type: what is not met first,
//! worst first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use sysman_api::Timestamp;
use sysman_api::compliance::{ComplianceItem, ComplianceStatus};

use super::severity_style;
use crate::filter;
use crate::table::{Column, TableView};
use crate::theme::Theme;

pub const COLUMNS: [Column; 7] = [
    Column::new("TYPE", 16, 1),
    Column::new("ID", 28, 0).cut_in_the_middle(),
    Column::new("TITLE", 20, 2),
    Column::new("STATUS", 13, 0),
    Column::new("SEVERITY", 13, 1),
    Column::new("STATE", 16, 3),
    Column::new("CLASS", 12, 4),
];

/// Lines above the table.
pub const HEADER_LINES: u16 = 2;

#[derive(Debug, Clone)]
pub struct ItemRow {
    pub item: ComplianceItem,
    text: filter::RowText,
}

impl ItemRow {
    /// What names the item across reloads: its type and id (or title).
    fn key(&self) -> String {
        let item = &self.item;
        let id = item
            .id
            .as_deref()
            .or(item.title.as_deref())
            .unwrap_or_default();
        format!("{}\u{1f}{id}", item.compliance_type)
    }
}

impl ItemRow {
    pub fn new(item: ComplianceItem) -> Self {
        let mut row = Self {
            item,
            text: filter::RowText::default(),
        };
        row.text = filter::RowText::new(row.cells().iter().map(String::as_str));
        row
    }

    fn detail(&self, key: &str) -> String {
        self.item.details.get(key).cloned().unwrap_or_default()
    }

    pub fn cells(&self) -> [String; 7] {
        let i = &self.item;
        [
            i.compliance_type.clone(),
            i.id.clone().unwrap_or_default(),
            i.title.clone().unwrap_or_default(),
            i.status.as_str().to_owned(),
            i.severity.as_str().to_owned(),
            self.detail("PatchState"),
            self.detail("Classification"),
        ]
    }
}

/// A node opened from the non-compliant list.
pub struct NodeItems {
    pub resource_id: String,
    pub name: String,
    pub rows: Vec<ItemRow>,
    pub table: TableView,
    pub loaded: bool,
    pub error: Option<String>,
    /// Its compliance changed since the items were loaded.
    pub stale: bool,
    matcher: filter::Matcher,
}

impl NodeItems {
    pub fn new(resource_id: String, name: String) -> Self {
        let mut table = TableView::new(&COLUMNS.map(|c| c.title));
        table.sort_column = 3;
        Self {
            resource_id,
            name,
            rows: Vec::new(),
            table,
            loaded: false,
            error: None,
            stale: false,
            matcher: filter::matcher(),
        }
    }

    pub fn replace_all(&mut self, items: Vec<ComplianceItem>) {
        let held = self
            .table
            .selected_row()
            .and_then(|i| self.rows.get(i))
            .map(|r| r.key());
        self.table.hold(held);
        self.rows = items.into_iter().map(ItemRow::new).collect();
        self.loaded = true;
        self.error = None;
        self.table.dirty = true;
    }

    pub fn settle(&mut self) {
        if !self.table.dirty {
            return;
        }
        self.table.dirty = false;
        let rows = &self.rows;
        let keep = self
            .table
            .kept_row(|key| rows.iter().position(|r| r.key() == key));
        let rows = &self.rows;
        let column = self.table.sort_column;
        let order = self.table.filter.arrange(
            &mut self.matcher,
            0..rows.len(),
            |i| &rows[i].text,
            |x, y| {
                let (a, b) = (&rows[x].item, &rows[y].item);
                let cells = |r: usize| rows[r].cells();
                let by = match column {
                    0 => a.compliance_type.cmp(&b.compliance_type),
                    1 => a.id.cmp(&b.id),
                    2 => a.title.cmp(&b.title),
                    4 => a.severity.cmp(&b.severity),
                    5 | 6 => cells(x)[column].cmp(&cells(y)[column]),
                    // What is not met first, then worst first.
                    _ => b
                        .status
                        .cmp(&a.status)
                        .then_with(|| a.severity.cmp(&b.severity)),
                };
                self.table
                    .directed(by)
                    .then_with(|| (&a.compliance_type, &a.id).cmp(&(&b.compliance_type, &b.id)))
            },
        );
        self.table.set_order(order, keep);
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        let count = if self.table.filter.is_empty() {
            format!("[{}]", self.rows.len())
        } else {
            format!("[{} of {}]", self.table.order.len(), self.rows.len())
        };
        let block = crate::ui::pane_block(
            theme,
            format!(
                " Compliance of {} ({}) {count} ",
                self.resource_id, self.name
            ),
        );
        if !self.loaded {
            let text = self
                .error
                .clone()
                .unwrap_or_else(|| "Loading compliance items…".to_owned());
            crate::ui::placeholder(frame, area, block, &text, theme);
            return;
        }
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [top, bottom] =
            Layout::vertical([Constraint::Length(HEADER_LINES), Constraint::Min(0)]).areas(inner);
        frame.render_widget(Paragraph::new(self.header(theme, now)), top);
        let table_block = Block::default()
            .borders(Borders::TOP)
            .border_style(theme.border);
        crate::table::draw(
            frame,
            bottom,
            table_block,
            &self.table,
            &COLUMNS,
            theme,
            true,
            |r, c| {
                let item = &self.rows[r].item;
                let style = match c {
                    3 if item.status == ComplianceStatus::NonCompliant => theme.error,
                    3 => theme.online,
                    4 => severity_style(theme, item.severity),
                    0 | 6 => theme.muted,
                    _ => Style::default(),
                };
                (self.rows[r].cells()[c].clone(), style)
            },
        );
    }

    /// Per type: how many items are met, and when it was last checked.
    fn header(&self, theme: &Theme, now: Timestamp) -> Vec<Line<'static>> {
        let mut types: Vec<(String, usize, usize, Timestamp)> = Vec::new();
        for row in &self.rows {
            let i = &row.item;
            let at = i.execution_summary.execution_time;
            let entry = match types.iter_mut().find(|t| t.0 == i.compliance_type) {
                Some(e) => e,
                None => {
                    types.push((i.compliance_type.clone(), 0, 0, at));
                    types.last_mut().expect("just pushed")
                }
            };
            match i.status {
                ComplianceStatus::Compliant => entry.1 += 1,
                ComplianceStatus::NonCompliant => entry.2 += 1,
            }
            entry.3 = entry.3.max(at);
        }
        types.sort();
        let mut spans = vec![Span::styled(" Types  ", theme.muted)];
        for (name, ok, bad, at) in types {
            spans.push(Span::raw(format!("{name} ")));
            if bad > 0 {
                spans.push(Span::styled(format!("{bad} not met"), theme.error));
            } else {
                spans.push(Span::styled("compliant", theme.online));
            }
            spans.push(Span::styled(
                format!(
                    " of {} · {} ago  ",
                    ok + bad,
                    super::age(now.millis_since(at))
                ),
                theme.muted,
            ));
        }
        vec![
            Line::from(spans),
            Line::styled(
                " Items that are not met come first, worst first; / filters, s sorts.",
                theme.muted,
            ),
        ]
    }
}
