//! Parameter Store: every parameter, its versions, and its value — a
//! SecureString stays masked until revealed, and each reveal is a
//! decrypting read the audit trail records.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use sysman_api::Timestamp;
use sysman_api::parameters::{
    Parameter, ParameterHistory, ParameterInlinePolicy, ParameterMetadata, ParameterType,
};

use self::tree::PathTree;
use super::age;
use crate::filter;
use crate::table::TableView;
use crate::theme::Theme;

pub mod form;
pub mod keys;
pub mod label;
pub mod tree;
mod update;

pub const COLUMNS: [&str; 6] = ["NAME", "TYPE", "TIER", "VERSION", "MODIFIED", "BY"];
/// Minimum width and priority of each column (lower stays longer).
const FIT: [(u16, u8); 6] = [(20, 0), (12, 1), (8, 4), (7, 2), (10, 3), (10, 5)];

/// What an open parameter shows, filled in as the backend answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detail {
    pub name: String,
    /// The current version, as GetParameter returns it without decryption.
    pub parameter: Option<Parameter>,
    pub history: Vec<ParameterHistory>,
    /// The decrypted value, once the user asked for it.
    pub revealed: Option<String>,
    pub error: Option<String>,
    /// Position in the history list, newest first.
    pub selected: usize,
    /// The version compared with the current one, when a diff is shown.
    pub diff: Option<i64>,
}

impl Detail {
    /// The history entry under the cursor (the list shows newest first).
    pub fn selected_version(&self) -> Option<&ParameterHistory> {
        self.history.iter().rev().nth(self.selected)
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.history.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }
}

/// Line-by-line differences from `old` to `new`, marked `-`, `+` or ` `.
pub fn diff_lines(old: &str, new: &str) -> Vec<(char, String)> {
    // Both end with a newline, so a last line compares equal to itself.
    let (old, new) = (format!("{old}\n"), format!("{new}\n"));
    similar::TextDiff::from_lines(&old, &new)
        .iter_all_changes()
        .map(|change| {
            let mark = match change.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            };
            (mark, change.value().trim_end_matches('\n').to_owned())
        })
        .collect()
}

/// When a policy falls due, read from its text as DescribeParameters
/// gives it: Expiration has a time, NoChangeNotification counts from the
/// last change. ExpirationNotification counts back from the expiry.
pub fn policy_due(
    policy: &ParameterInlinePolicy,
    all: &[ParameterInlinePolicy],
    modified: Timestamp,
) -> Option<Timestamp> {
    let json: serde_json::Value = serde_json::from_str(&policy.policy_text).ok()?;
    let attributes = json.get("Attributes")?;
    let span = |field: &str| -> Option<i64> {
        let n: i64 = attributes.get(field)?.as_str()?.parse().ok()?;
        let unit = match attributes.get("Unit")?.as_str()? {
            "Days" => 86_400_000,
            "Hours" => 3_600_000,
            _ => return None,
        };
        Some(n * unit)
    };
    match policy.policy_type.as_str() {
        "Expiration" => Timestamp::parse_iso8601(attributes.get("Timestamp")?.as_str()?),
        "NoChangeNotification" => Some(modified.plus_millis(span("After")?)),
        "ExpirationNotification" => {
            let expiry = all.iter().find(|p| p.policy_type == "Expiration")?;
            let at = policy_due(expiry, all, modified)?;
            Some(at.plus_millis(-span("Before")?))
        }
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParametersView {
    Table,
    Detail(Box<Detail>),
}

pub struct ParametersPane {
    pub list: Vec<ParameterMetadata>,
    texts: Vec<filter::RowText>,
    pub table: TableView,
    pub view: ParametersView,
    pub loaded: bool,
    matcher: filter::Matcher,
    /// Folders by path; the list shows what is under the selected one.
    pub tree: PathTree,
    /// Keys move in the tree rather than the list.
    pub tree_focus: bool,
    /// The console changes nothing: the empty list offers no `n`.
    pub readonly: bool,
}

impl Default for ParametersPane {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            texts: Vec::new(),
            table: TableView::new(&COLUMNS),
            view: ParametersView::Table,
            loaded: false,
            matcher: filter::matcher(),
            tree: PathTree::default(),
            tree_focus: false,
            readonly: false,
        }
    }
}

/// The user part of an IAM ARN: `arn:aws:iam::0:user/ops` -> `ops`.
fn short_user(arn: &str) -> &str {
    arn.rsplit_once('/').map_or(arn, |(_, user)| user)
}

pub fn cells(p: &ParameterMetadata, now: Timestamp) -> [String; 6] {
    [
        p.name.clone(),
        p.r#type.as_str().to_owned(),
        p.tier.as_str().to_owned(),
        p.version.to_string(),
        format!("{} ago", age(now.millis_since(p.last_modified_date))),
        short_user(&p.last_modified_user).to_owned(),
    ]
}

impl ParametersPane {
    pub fn replace_all(&mut self, list: Vec<ParameterMetadata>) {
        let held = self.selected().map(|p| p.name.clone());
        self.table.hold(held);
        // What the row shows but its age, which changes by itself: not
        // the description, nor the modifying user's whole ARN.
        self.texts = list
            .iter()
            .map(|p| {
                filter::RowText::new([
                    p.name.as_str(),
                    p.r#type.as_str(),
                    p.tier.as_str(),
                    &p.version.to_string(),
                    short_user(&p.last_modified_user),
                ])
            })
            .collect();
        self.tree.rebuild(list.iter().map(|p| p.name.as_str()));
        self.list = list;
        self.loaded = true;
        self.table.dirty = true;
    }

    pub fn selected(&self) -> Option<&ParameterMetadata> {
        self.table.selected_row().and_then(|i| self.list.get(i))
    }

    pub fn open_name(&self) -> Option<&str> {
        match &self.view {
            ParametersView::Detail(d) => Some(&d.name),
            ParametersView::Table => None,
        }
    }

    fn sort_and_filter(&mut self) {
        if !self.table.dirty {
            return;
        }
        self.table.dirty = false;
        let list = &self.list;
        let keep = self
            .table
            .kept_row(|name| list.iter().position(|p| p.name == name));
        let column = self.table.sort_column;
        let in_folder = (0..list.len()).filter(|&i| self.tree.contains(&list[i].name));
        let order = self.table.filter.arrange(
            &mut self.matcher,
            in_folder,
            |i| &self.texts[i],
            |x, y| {
                let (a, b) = (&self.list[x], &self.list[y]);
                let by = match column {
                    1 => a.r#type.as_str().cmp(b.r#type.as_str()),
                    2 => a.tier.as_str().cmp(b.tier.as_str()),
                    3 => a.version.cmp(&b.version),
                    // Most recently modified first.
                    4 => b.last_modified_date.cmp(&a.last_modified_date),
                    5 => a.last_modified_user.cmp(&b.last_modified_user),
                    _ => std::cmp::Ordering::Equal,
                };
                self.table.directed(by.then_with(|| a.name.cmp(&b.name)))
            },
        );
        self.table.set_order(order, keep);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        match &self.view {
            ParametersView::Table => self.render_table(frame, area, theme, now),
            ParametersView::Detail(detail) => {
                let policies = self
                    .list
                    .iter()
                    .find(|p| p.name == detail.name)
                    .map(|p| p.policies.as_slice())
                    .unwrap_or_default();
                render_detail(frame, area, theme, now, detail, policies)
            }
        }
    }

    fn render_table(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        if !self.loaded || self.list.is_empty() {
            return self.render_list(frame, area, theme, now);
        }
        let tree_width = if area.width >= 100 { 26 } else { 20 };
        let [left, right] =
            Layout::horizontal([Constraint::Length(tree_width), Constraint::Min(0)]).areas(area);
        self.render_tree(frame, left, theme);
        self.render_list(frame, right, theme, now);
    }

    fn render_tree(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let border = if self.tree_focus {
            theme.accent
        } else {
            theme.border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(border)
            .title(Span::styled(" Paths ", theme.title))
            .style(theme.text);
        let lines: Vec<Line> = self
            .tree
            .rows()
            .into_iter()
            .map(|row| {
                let marker = match (row.has_children, row.expanded) {
                    (false, _) => "  ",
                    (true, true) => "▾ ",
                    (true, false) => "▸ ",
                };
                let label = if row.depth == 0 {
                    "/ (all)".to_owned()
                } else {
                    format!("{}/", row.path.rsplit('/').next().unwrap_or(row.path))
                };
                let text = format!(
                    "{}{marker}{label}",
                    "  ".repeat(row.depth.saturating_sub(1))
                );
                let selected = row.path == self.tree.selected;
                let style = match (selected, self.tree_focus) {
                    (true, true) => theme.selection,
                    (true, false) => theme.accent,
                    _ => Style::default(),
                };
                Line::styled(text, style)
            })
            .collect();
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }

    fn render_list(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        let scope = if self.tree.selected == tree::ROOT {
            String::new()
        } else {
            format!("in {} ", self.tree.selected)
        };
        let title = if self.table.filter.is_empty() && scope.is_empty() {
            format!(" Parameters [{}] ", self.list.len())
        } else {
            format!(
                " Parameters {scope}[{} of {}] ",
                self.table.order.len(),
                self.list.len()
            )
        };
        let block = crate::ui::pane_block(theme, title);
        if !self.loaded || self.list.is_empty() {
            let text = if !self.loaded {
                "Loading parameters…"
            } else if self.readonly {
                "No parameters yet."
            } else {
                "No parameters yet. Press n to create one."
            };
            crate::ui::placeholder(frame, area, block, text, theme);
            return;
        }
        let columns = crate::table::fit_columns(&FIT, area.width.saturating_sub(2));
        let header = Row::new(columns.iter().map(|&c| self.table.heading(c, COLUMNS[c])))
            .style(theme.header);
        let rows = self.table.visible().iter().enumerate().map(|(i, &r)| {
            let p = &self.list[r];
            let selected = self.table.offset + i == self.table.selected;
            let secure = p.r#type == ParameterType::SecureString;
            let cells = cells(p, now);
            Row::new(columns.iter().map(|&c| {
                let style = if c == 1 && secure && !selected {
                    theme.accent
                } else {
                    Style::default()
                };
                Line::styled(cells[c].clone(), style)
            }))
            .style(if selected {
                theme.selection
            } else {
                Style::default()
            })
        });
        // The name takes the spare width; the rest keep theirs.
        let widths = columns.iter().map(|&c| {
            if c == 0 {
                Constraint::Min(FIT[c].0)
            } else {
                Constraint::Length(FIT[c].0)
            }
        });
        frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    }
}

/// How a value shows: SecureStrings masked until revealed.
pub fn shown_value(detail: &Detail) -> String {
    match (&detail.parameter, &detail.revealed) {
        (_, Some(plain)) => plain.clone(),
        (Some(p), None) if p.r#type == ParameterType::SecureString => {
            "•••••••• (SecureString: press v to reveal; the reveal is audited)".to_owned()
        }
        (Some(p), None) => p.value.clone(),
        (None, None) => "…".to_owned(),
    }
}

fn render_detail(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    now: Timestamp,
    detail: &Detail,
    policies: &[ParameterInlinePolicy],
) {
    let block = crate::ui::pane_block(theme, format!(" {} ", detail.name));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(error) = &detail.error {
        frame.render_widget(Paragraph::new(error.clone()).style(theme.error), inner);
        return;
    }
    let policy_rows = policies.len() as u16;
    let [top, middle, bottom] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Length(if policy_rows > 0 { policy_rows + 1 } else { 0 }),
        Constraint::Min(0),
    ])
    .areas(inner);
    let mut lines = Vec::new();
    let label = |text: &str| Span::styled(format!("{text:<10}"), theme.muted);
    if let Some(p) = &detail.parameter {
        lines.push(Line::from(vec![
            label("Type"),
            Span::raw(p.r#type.as_str()),
        ]));
        lines.push(Line::from(vec![
            label("Version"),
            Span::raw(p.version.to_string()),
        ]));
        lines.push(Line::from(vec![
            label("Modified"),
            Span::raw(format!(
                "{} ({} ago)",
                p.last_modified_date.iso8601(),
                age(now.millis_since(p.last_modified_date))
            )),
        ]));
        lines.push(Line::from(vec![
            label("Data type"),
            Span::raw(p.data_type.clone()),
        ]));
        lines.push(Line::from(vec![label("ARN"), Span::raw(p.arn.clone())]));
    }
    let masked = detail.revealed.is_none()
        && detail
            .parameter
            .as_ref()
            .is_some_and(|p| p.r#type == ParameterType::SecureString);
    lines.push(Line::raw(""));
    let value_style = if masked { theme.muted } else { theme.accent };
    for (i, text) in shown_value(detail).lines().enumerate() {
        let lead = if i == 0 {
            label("Value")
        } else {
            Span::raw(" ".repeat(10))
        };
        lines.push(Line::from(vec![
            lead,
            Span::styled(text.to_owned(), value_style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    if !policies.is_empty() {
        let modified = detail
            .parameter
            .as_ref()
            .map(|p| p.last_modified_date)
            .unwrap_or(now);
        let mut lines = vec![Line::styled("Policies", theme.header)];
        for policy in policies {
            let due = match policy_due(policy, policies, modified) {
                Some(at) if at > now => {
                    format!("due {} (in {})", at.iso8601(), age(at.millis_since(now)))
                }
                Some(at) => format!("was due {}", at.iso8601()),
                None => "due time unknown".to_owned(),
            };
            lines.push(Line::from(vec![
                Span::raw(format!("  {:<24}", policy.policy_type)),
                Span::styled(format!("{:<9}", policy.policy_status), theme.accent),
                Span::styled(due, theme.muted),
            ]));
        }
        frame.render_widget(Paragraph::new(lines), middle);
    }
    if let Some(version) = detail.diff {
        render_diff(frame, bottom, theme, detail, version);
        return;
    }

    let header =
        Row::new(["VERSION", "MODIFIED", "BY", "LABELS", "DESCRIPTION"]).style(theme.header);
    let rows = detail.history.iter().rev().enumerate().map(|(i, h)| {
        let style = if i == detail.selected {
            theme.selection
        } else {
            Style::default()
        };
        Row::new([
            h.version.to_string(),
            h.last_modified_date.iso8601(),
            short_user(&h.last_modified_user).to_owned(),
            h.labels.join(", "),
            h.description.clone().unwrap_or_default(),
        ])
        .style(style)
    });
    let widths = [
        Constraint::Length(8),
        Constraint::Length(21),
        Constraint::Length(12),
        Constraint::Length(20),
        Constraint::Min(10),
    ];
    let history = Table::new(rows, widths).header(header).block(
        Block::default()
            .borders(Borders::TOP)
            .border_style(theme.border)
            .title(Span::styled(
                format!(" History ({}) ", detail.history.len()),
                theme.title,
            )),
    );
    frame.render_widget(history, bottom);
}

fn render_diff(frame: &mut Frame, area: Rect, theme: &Theme, detail: &Detail, version: i64) {
    let current = detail.history.last();
    let old = detail.history.iter().find(|h| h.version == version);
    let title = format!(
        " Version {version} → {} (current) ",
        current.map_or(0, |c| c.version)
    );
    let mut lines = Vec::new();
    match (old, current) {
        (Some(old), Some(new)) => {
            for (mark, text) in diff_lines(&old.value, &new.value) {
                let style = match mark {
                    '-' => theme.error,
                    '+' => theme.online,
                    _ => theme.muted,
                };
                lines.push(Line::styled(format!("{mark} {text}"), style));
            }
            if old.description != new.description {
                lines.push(Line::raw(""));
                lines.push(Line::styled(
                    format!("description: {:?} → {:?}", old.description, new.description),
                    theme.muted,
                ));
            }
        }
        _ => lines.push(Line::styled("That version is no longer kept.", theme.muted)),
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("esc closes the comparison", theme.muted));
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(title, theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_mark_changed_lines_only() {
        let diff = diff_lines("a\nb", "a\nc\nd");
        let marks: Vec<_> = diff.iter().map(|(m, t)| format!("{m}{t}")).collect();
        assert_eq!(marks, [" a", "-b", "+c", "+d"]);
        assert_eq!(diff_lines("same", "same"), [(' ', "same".to_owned())]);
    }
}
