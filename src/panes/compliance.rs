//! Compliance: how many nodes are compliant with each compliance type
//! (`Patch`, `Association`, `Custom:…`) and how badly the others are not,
//! then every non-compliant node, worst first. A node opens into its
//! compliance items.

pub mod keys;
pub mod node;
mod update;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table};
use sysman_api::Timestamp;
use sysman_api::compliance::{
    ComplianceSeverity, ComplianceStatus, ComplianceSummaryItem, ResourceComplianceSummaryItem,
    SeveritySummary,
};

use super::age;
use crate::filter;
use crate::table::{Column, TableView};
use crate::theme::Theme;
use node::NodeItems;

pub const COLUMNS: [Column; 11] = [
    Column::new("NODE", 20, 0),
    Column::new("NAME", 14, 1),
    Column::new("TYPE", 16, 0),
    Column::new("SEVERITY", 13, 0),
    Column::new("NOT MET", 7, 1),
    Column::new("CRIT", 4, 2),
    Column::new("HIGH", 4, 2),
    Column::new("MED", 4, 3),
    Column::new("LOW", 4, 3),
    Column::new("OK", 5, 4),
    Column::new("CHECKED", 8, 5),
];

/// Everything the pane shows, as one load brings it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComplianceData {
    pub summaries: Vec<ComplianceSummaryItem>,
    /// Non-compliant resources (and compliant ones, when asked), worst
    /// first.
    pub resources: Vec<ResourceComplianceSummaryItem>,
}

pub fn severity_style(theme: &Theme, severity: ComplianceSeverity) -> Style {
    match severity {
        ComplianceSeverity::Critical => theme.error,
        ComplianceSeverity::High => theme.warn,
        ComplianceSeverity::Medium => theme.accent,
        ComplianceSeverity::Low => Style::default(),
        _ => theme.muted,
    }
}

/// Counts in [`ComplianceSeverity::ALL`] order.
pub fn severity_counts(s: &SeveritySummary) -> [i64; 6] {
    [
        s.critical_count,
        s.high_count,
        s.medium_count,
        s.low_count,
        s.informational_count,
        s.unspecified_count,
    ]
}

/// One non-compliant node's compliance of one type.
#[derive(Debug, Clone)]
pub struct ResourceRow {
    pub item: ResourceComplianceSummaryItem,
    /// The node's name, from the fleet the console holds.
    pub name: String,
    text: filter::RowText,
}

impl ResourceRow {
    /// What names the row across reloads: the node and the type.
    fn key(&self) -> String {
        format!(
            "{}\u{1f}{}",
            self.item.resource_id, self.item.compliance_type
        )
    }
}

impl ResourceRow {
    pub fn new(item: ResourceComplianceSummaryItem, name: String) -> Self {
        let mut row = Self {
            item,
            name,
            text: filter::RowText::default(),
        };
        // What the row shows but when it was checked, which ages by
        // itself (the last column, the only one that reads the time).
        let cells = row.cells(Timestamp::default());
        row.text = filter::RowText::new(cells[..cells.len() - 1].iter().map(String::as_str));
        row
    }

    pub fn cells(&self, now: Timestamp) -> [String; 11] {
        let i = &self.item;
        let bad = severity_counts(&i.non_compliant_summary.severity_summary);
        let n = |v: i64| {
            if v == 0 {
                "·".to_owned()
            } else {
                v.to_string()
            }
        };
        [
            i.resource_id.clone(),
            self.name.clone(),
            i.compliance_type.clone(),
            match i.status {
                ComplianceStatus::Compliant => "COMPLIANT".to_owned(),
                ComplianceStatus::NonCompliant => i.overall_severity.as_str().to_owned(),
            },
            i.non_compliant_summary.non_compliant_count.to_string(),
            n(bad[0]),
            n(bad[1]),
            n(bad[2]),
            n(bad[3]),
            i.compliant_summary.compliant_count.to_string(),
            format!(
                "{} ago",
                age(now.millis_since(i.execution_summary.execution_time))
            ),
        ]
    }
}

pub struct CompliancePane {
    pub summaries: Vec<ComplianceSummaryItem>,
    pub rows: Vec<ResourceRow>,
    pub table: TableView,
    pub node: Option<Box<NodeItems>>,
    pub loaded: bool,
    /// Compliance changed since the load: reload at the next flush.
    pub stale: bool,
    /// The list holds the compliant nodes too (`a`), not only the others.
    pub compliant_too: bool,
    matcher: filter::Matcher,
}

impl Default for CompliancePane {
    fn default() -> Self {
        let mut table = TableView::new(&COLUMNS.map(|c| c.title));
        // Worst first, as the server lists them.
        table.sort_column = 3;
        Self {
            summaries: Vec::new(),
            rows: Vec::new(),
            table,
            node: None,
            loaded: false,
            stale: false,
            compliant_too: false,
            matcher: filter::matcher(),
        }
    }
}

/// Lines the summary takes above the table: one per type, its heading and
/// borders, at least one line of text.
pub fn summary_height(types: usize) -> u16 {
    types.max(1) as u16 + 3
}

impl CompliancePane {
    /// Replaces what is shown; `name` finds a node's name.
    pub fn replace_all(&mut self, data: ComplianceData, name: impl Fn(&str) -> String) {
        let held = self.selected().map(|r| r.key());
        self.table.hold(held);
        self.summaries = data.summaries;
        self.rows = data
            .resources
            .into_iter()
            .map(|item| {
                let n = name(&item.resource_id);
                ResourceRow::new(item, n)
            })
            .collect();
        self.loaded = true;
        self.table.dirty = true;
    }

    pub fn selected(&self) -> Option<&ResourceRow> {
        self.table.selected_row().and_then(|i| self.rows.get(i))
    }

    fn sort_and_filter(&mut self) {
        if let Some(n) = &mut self.node {
            n.settle();
        }
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
        let bad = |r: &ResourceRow, s: usize| {
            severity_counts(&r.item.non_compliant_summary.severity_summary)[s]
        };
        let order = self.table.filter.arrange(
            &mut self.matcher,
            0..rows.len(),
            |i| &rows[i].text,
            |x, y| {
                let (a, b) = (&rows[x], &rows[y]);
                let (ai, bi) = (&a.item, &b.item);
                let by = match column {
                    0 => ai.resource_id.cmp(&bi.resource_id),
                    1 => a.name.cmp(&b.name),
                    2 => ai.compliance_type.cmp(&bi.compliance_type),
                    4 => bi
                        .non_compliant_summary
                        .non_compliant_count
                        .cmp(&ai.non_compliant_summary.non_compliant_count),
                    5..=8 => bad(b, column - 5).cmp(&bad(a, column - 5)),
                    9 => ai
                        .compliant_summary
                        .compliant_count
                        .cmp(&bi.compliant_summary.compliant_count),
                    10 => bi
                        .execution_summary
                        .execution_time
                        .cmp(&ai.execution_summary.execution_time),
                    // Worst first: non-compliant, then severity, then how
                    // many items are not met.
                    _ => (ai.status != ComplianceStatus::NonCompliant)
                        .cmp(&(bi.status != ComplianceStatus::NonCompliant))
                        .then(ai.overall_severity.cmp(&bi.overall_severity))
                        .then_with(|| {
                            bi.non_compliant_summary
                                .non_compliant_count
                                .cmp(&ai.non_compliant_summary.non_compliant_count)
                        }),
                };
                self.table.directed(by).then(x.cmp(&y))
            },
        );
        self.table.set_order(order, keep);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        if let Some(n) = &self.node {
            return n.render(frame, area, theme, now);
        }
        let [top, bottom] = Layout::vertical([
            Constraint::Length(summary_height(self.summaries.len())),
            Constraint::Min(0),
        ])
        .areas(area);
        self.render_summary(frame, top, theme);
        let what = if self.compliant_too {
            "Nodes, compliant too"
        } else {
            "Non-compliant nodes"
        };
        let title = if self.table.filter.is_empty() {
            format!(" {what} [{}] ", self.rows.len())
        } else {
            format!(
                " {what} [{} of {}] ",
                self.table.order.len(),
                self.rows.len()
            )
        };
        let block = crate::ui::pane_block(theme, title);
        if !self.loaded || self.rows.is_empty() {
            let text = match (self.loaded, self.summaries.is_empty()) {
                (false, _) => "Loading compliance…",
                (true, true) => {
                    "No node has reported compliance yet. Scan a patch group in :patch (s), \
                     or put compliance items with PutComplianceItems."
                }
                (true, false) => "Every node is compliant: a lists them.",
            };
            crate::ui::placeholder(frame, bottom, block, text, theme);
            return;
        }
        crate::table::draw(
            frame,
            bottom,
            block,
            &self.table,
            &COLUMNS,
            theme,
            true,
            |r, c| {
                let row = &self.rows[r];
                let cells = row.cells(now);
                let compliant = row.item.status == ComplianceStatus::Compliant;
                let style = match c {
                    3 if compliant => theme.online,
                    3 => severity_style(theme, row.item.overall_severity),
                    4 if compliant => theme.muted,
                    4 => theme.error,
                    5 if cells[c] != "·" => theme.error,
                    6 if cells[c] != "·" => theme.warn,
                    5..=8 => theme.muted,
                    0 | 10 => theme.muted,
                    _ => Style::default(),
                };
                (cells[c].clone(), style)
            },
        );
    }

    fn render_summary(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let block = crate::ui::pane_block(theme, " Compliance by type ".to_owned());
        if self.summaries.is_empty() {
            let text = if self.loaded {
                "Nothing reported yet."
            } else {
                "Loading…"
            };
            crate::ui::placeholder(frame, area, block, text, theme);
            return;
        }
        let bar_width = if area.width >= 110 { 20 } else { 10 };
        // Narrow screens keep the counts, the bar and the worst severities.
        let shown: &[usize] = if area.width < 100 {
            &[0, 1, 2, 3, 4, 5]
        } else {
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        };
        let pick = |cells: Vec<Line<'static>>| -> Vec<Line<'static>> {
            shown.iter().map(|&i| cells[i].clone()).collect()
        };
        let header = Row::new(pick(SUMMARY_HEADINGS.map(Line::from).to_vec())).style(theme.header);
        let rows = self
            .summaries
            .iter()
            .map(|s| Row::new(pick(summary_cells(s, theme, bar_width))));
        let widths = shown.iter().map(|&i| match i {
            0 => Constraint::Min(14),
            3 => Constraint::Length(bar_width as u16 + 5),
            _ => Constraint::Length(SUMMARY_HEADINGS[i].len().max(4) as u16),
        });
        frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    }
}

const SUMMARY_HEADINGS: [&str; 10] = [
    "TYPE",
    "COMPLIANT",
    "NON-COMPLIANT",
    "",
    "CRITICAL",
    "HIGH",
    "MEDIUM",
    "LOW",
    "INFO",
    "UNSPEC",
];

/// A summary row's cells: type, compliant, non-compliant, a bar, and the
/// non-compliant nodes by severity.
fn summary_cells(s: &ComplianceSummaryItem, theme: &Theme, bar_width: usize) -> Vec<Line<'static>> {
    let ok = s.compliant_summary.compliant_count;
    let bad = s.non_compliant_summary.non_compliant_count;
    let (full, empty) = crate::panes::run_command::progress_bar(ok, ok + bad, bar_width);
    let percent = (ok * 100).checked_div(ok + bad).unwrap_or(100);
    let mut cells = vec![
        Line::raw(s.compliance_type.clone()),
        Line::styled(ok.to_string(), theme.online),
        Line::styled(
            bad.to_string(),
            if bad > 0 { theme.error } else { theme.muted },
        ),
        Line::from(vec![
            Span::styled(full, theme.online),
            Span::styled(empty, theme.error),
            Span::raw(format!(" {percent}%")),
        ]),
    ];
    for (i, n) in severity_counts(&s.non_compliant_summary.severity_summary)
        .iter()
        .enumerate()
    {
        let style = if *n == 0 {
            theme.muted
        } else {
            severity_style(theme, ComplianceSeverity::ALL[i])
        };
        cells.push(Line::styled(n.to_string(), style));
    }
    cells
}
