//! One baseline against the fleet: every patch of its operating system
//! that the nodes it covers know, with how many of them lack it, what the
//! baseline makes of it, and when a rule will approve it. Patches are
//! selected here and approved or rejected from here.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use sysman_api::Timestamp;
use sysman_api::patch::{
    DescribePatchCountsResult, EffectivePatch, Patch, PatchBaselineDescription, PatchCount,
    PatchStatus,
};

use crate::filter;
use crate::table::{Column, TableView};
use crate::theme::Theme;
use crate::ui::fit;

pub const COLUMNS: [Column; 8] = [
    Column::new("PATCH", 26, 0).cut_in_the_middle(),
    Column::new("TITLE", 16, 5),
    Column::new("CLASS", 15, 3),
    Column::new("SEVERITY", 9, 1),
    Column::new("RELEASED", 10, 4),
    Column::new("MISSING", 7, 0),
    Column::new("STATUS", 10, 1),
    Column::new("APPROVAL", 8, 2),
];
/// The missing column: the matrix's natural order, most missing first.
const MISSING: usize = 5;
/// Lines above the table: owner, rules, nodes.
pub const HEADER_LINES: u16 = 3;

/// Rows of patches that fit in a body of `height`: less the pane's
/// borders, the header lines, the table's top rule and its headings.
pub fn split_body(height: u16) -> u16 {
    height.saturating_sub(HEADER_LINES + 4)
}

/// Which nodes a baseline's counts are over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountScope {
    /// The nodes of the patch groups it is registered for.
    Groups(Vec<String>),
    /// A default baseline: every node that reported, except those of the
    /// groups another baseline of its operating system is registered for
    /// (`groups` are those it is registered for itself, if any).
    Default {
        groups: Vec<String>,
        except: Vec<String>,
    },
    /// Neither a default nor registered for a group, so no node patches by
    /// it: the counts are over every node that reported.
    Unused,
}

impl CountScope {
    /// The patch groups to target for a scan or install, if it has any.
    pub fn groups(&self) -> &[String] {
        match self {
            CountScope::Groups(groups) | CountScope::Default { groups, .. } => groups,
            CountScope::Unused => &[],
        }
    }

    /// Where its nodes are, to follow "N nodes": `in prod-linux`.
    pub fn where_nodes(&self) -> String {
        match self {
            CountScope::Groups(groups) => format!("in {}", and_list(groups)),
            CountScope::Default { .. } => "that patch by it".to_owned(),
            CountScope::Unused => "in the fleet".to_owned(),
        }
    }

    /// None of its nodes: `no node in prod-linux`.
    pub fn no_node(&self) -> String {
        match self {
            CountScope::Default { .. } => "no node that patches by it".to_owned(),
            _ => format!("no node {}", self.where_nodes()),
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Everything the matrix shows, as one load brings it.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixData {
    pub baseline: PatchBaselineDescription,
    /// It is the default baseline of its operating system.
    pub default: bool,
    pub scope: CountScope,
    pub effective: Vec<EffectivePatch>,
    /// Every released patch of its operating system.
    pub available: Vec<Patch>,
    pub counts: DescribePatchCountsResult,
}

/// What a baseline makes of a patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Deployment {
    ExplicitApproved,
    Approved,
    Pending,
    NotInBaseline,
    ExplicitRejected,
}

impl Deployment {
    pub fn of(status: Option<&PatchStatus>) -> Self {
        match status.map(|s| s.deployment_status.as_str()) {
            Some("APPROVED") => Deployment::Approved,
            Some("PENDING_APPROVAL") => Deployment::Pending,
            Some("EXPLICIT_APPROVED") => Deployment::ExplicitApproved,
            Some("EXPLICIT_REJECTED") => Deployment::ExplicitRejected,
            _ => Deployment::NotInBaseline,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Deployment::Approved => "Approved",
            Deployment::Pending => "Pending",
            Deployment::ExplicitApproved => "Listed ✓",
            Deployment::ExplicitRejected => "Rejected ✗",
            Deployment::NotInBaseline => "No rule",
        }
    }

    pub fn style(self, theme: &Theme) -> Style {
        match self {
            Deployment::Approved | Deployment::ExplicitApproved => theme.online,
            Deployment::Pending => theme.warn,
            Deployment::ExplicitRejected => theme.error,
            Deployment::NotInBaseline => theme.muted,
        }
    }

    pub fn approved(self) -> bool {
        matches!(self, Deployment::Approved | Deployment::ExplicitApproved)
    }
}

/// Worst first: Critical 0, Important or High 1, Medium or Moderate 2,
/// Low 3, anything else 4.
pub fn severity_rank(severity: &str) -> u8 {
    match severity.to_ascii_lowercase().as_str() {
        "critical" => 0,
        "important" | "high" => 1,
        "medium" | "moderate" => 2,
        "low" => 3,
        _ => 4,
    }
}

pub fn severity_style(theme: &Theme, severity: &str) -> Style {
    match severity_rank(severity) {
        0 => theme.error,
        1 => theme.warn,
        2 => theme.accent,
        3 => Style::default(),
        _ => theme.muted,
    }
}

/// When a rule approves the patch: `approved`, `in 3d`, `in 5h`, or `—`
/// when none will.
pub fn approval_text(status: Option<&PatchStatus>, now: Timestamp) -> String {
    let deployment = Deployment::of(status);
    if deployment.approved() {
        return "approved".to_owned();
    }
    match (deployment, status.and_then(|s| s.approval_date)) {
        (Deployment::Pending, Some(at)) => {
            let left = at.millis_since(now);
            match left {
                ..=0 => "approved".to_owned(),
                // Always up: "in 1d" until the day it approves.
                1..86_400_000 => format!("in {}h", (left + 3_599_999) / 3_600_000),
                _ => format!("in {}d", (left + 86_399_999) / 86_400_000),
            }
        }
        _ => "—".to_owned(),
    }
}

/// One patch of the matrix.
#[derive(Debug, Clone)]
pub struct PatchRow {
    pub patch: Patch,
    pub status: Option<PatchStatus>,
    /// How the nodes in scope have it; `None` when none reported it.
    pub count: Option<PatchCount>,
    pub deployment: Deployment,
    text: filter::RowText,
}

impl PatchRow {
    pub fn new(patch: Patch, status: Option<PatchStatus>, count: Option<PatchCount>) -> Self {
        let deployment = Deployment::of(status.as_ref());
        let mut row = Self {
            patch,
            status,
            count,
            deployment,
            text: filter::RowText::default(),
        };
        // What the row shows but what depends on the scope or the time
        // (missing, approval), which the row cannot know here.
        row.text = filter::RowText::new([
            row.label(),
            row.patch.title.as_deref().unwrap_or_default(),
            row.classification(),
            row.severity(),
            &row.released(),
            row.deployment.label(),
        ]);
        row
    }

    /// The KB article of a Windows update, else the patch id.
    pub fn label(&self) -> &str {
        self.patch.kb_number.as_deref().unwrap_or(&self.patch.id)
    }

    pub fn severity(&self) -> &str {
        self.patch.severity.as_deref().unwrap_or("Unspecified")
    }

    pub fn classification(&self) -> &str {
        self.patch.classification.as_deref().unwrap_or_default()
    }

    /// Nodes in scope that lack it.
    pub fn missing(&self) -> i64 {
        self.count.as_ref().map_or(0, |c| c.missing)
    }

    /// Nodes in scope that have it installed.
    pub fn installed(&self) -> i64 {
        self.count.as_ref().map_or(0, |c| {
            c.installed + c.installed_pending_reboot + c.installed_other
        })
    }

    /// The release day, `2026-11-23`.
    pub fn released(&self) -> String {
        self.patch
            .release_date
            .map(|d| d.iso8601().chars().take(10).collect())
            .unwrap_or_default()
    }

    pub fn cells(&self, marked: bool, reported: bool, now: Timestamp) -> [String; 8] {
        [
            format!("{} {}", if marked { "✓" } else { " " }, self.label()),
            self.patch.title.clone().unwrap_or_default(),
            self.classification().to_owned(),
            self.severity().to_owned(),
            self.released(),
            if reported {
                self.missing().to_string()
            } else {
                "—".to_owned()
            },
            self.deployment.label().to_owned(),
            approval_text(self.status.as_ref(), now),
        ]
    }
}

/// The rows of a matrix: every patch of the operating system that a node
/// in scope reported, and every patch the baseline concerns, most missing
/// first.
pub fn rows(data: &MatrixData) -> Vec<PatchRow> {
    let counts: BTreeMap<&str, &PatchCount> = data
        .counts
        .patches
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for e in &data.effective {
        seen.insert(e.patch.id.as_str());
        let count = counts.get(e.patch.id.as_str()).map(|c| (*c).clone());
        out.push(PatchRow::new(
            e.patch.clone(),
            Some(e.patch_status.clone()),
            count,
        ));
    }
    for p in &data.available {
        if seen.contains(p.id.as_str()) {
            continue;
        }
        if let Some(count) = counts.get(p.id.as_str()) {
            out.push(PatchRow::new(p.clone(), None, Some((*count).clone())));
        }
    }
    out.sort_by(|a, b| {
        b.missing()
            .cmp(&a.missing())
            .then_with(|| a.patch.id.cmp(&b.patch.id))
    });
    out
}

/// Subtracts the counts of `less` from `from`, patch by patch: the nodes
/// of a default baseline are every node less those of other groups.
pub fn subtract_counts(from: &mut DescribePatchCountsResult, less: &DescribePatchCountsResult) {
    let index: BTreeMap<&str, &PatchCount> =
        less.patches.iter().map(|c| (c.id.as_str(), c)).collect();
    for c in &mut from.patches {
        if let Some(l) = index.get(c.id.as_str()) {
            c.missing -= l.missing;
            c.not_approved -= l.not_approved;
            c.failed -= l.failed;
            c.installed -= l.installed;
            c.installed_pending_reboot -= l.installed_pending_reboot;
            c.installed_other -= l.installed_other;
            c.installed_rejected -= l.installed_rejected;
        }
    }
    from.patches.retain(|c| {
        c.missing
            + c.installed
            + c.installed_pending_reboot
            + c.installed_other
            + c.installed_rejected
            > 0
    });
    from.instances -= less.instances;
}

/// Adds the counts of `more` to `to`: a baseline of several groups.
pub fn add_counts(to: &mut DescribePatchCountsResult, more: DescribePatchCountsResult) {
    let mut index: BTreeMap<String, usize> = to
        .patches
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    for c in more.patches {
        match index.get(&c.id) {
            Some(&i) => {
                let t = &mut to.patches[i];
                t.missing += c.missing;
                t.not_approved += c.not_approved;
                t.failed += c.failed;
                t.installed += c.installed;
                t.installed_pending_reboot += c.installed_pending_reboot;
                t.installed_other += c.installed_other;
                t.installed_rejected += c.installed_rejected;
            }
            None => {
                index.insert(c.id.clone(), to.patches.len());
                to.patches.push(c);
            }
        }
    }
    to.instances += more.instances;
}

/// A baseline opened: its patches, live.
pub struct Matrix {
    pub baseline_id: String,
    pub name: String,
    /// A predefined baseline, owned by AWS: it cannot be changed.
    pub aws: bool,
    pub data: Option<MatrixData>,
    pub rows: Vec<PatchRow>,
    pub table: TableView,
    /// Ids of the patches selected.
    pub marked: BTreeSet<String>,
    pub error: Option<String>,
    /// The whole matrix changed: reload it at the next flush.
    pub stale: bool,
    /// Only the counts changed (nodes reported): reload them.
    pub counts_stale: bool,
    /// An approval or rejection in flight, and what to say when it lands.
    pub update: Option<(u64, String)>,
    matcher: filter::Matcher,
}

impl Matrix {
    pub fn new(baseline_id: String, name: String, aws: bool) -> Self {
        Self {
            baseline_id,
            name,
            aws,
            data: None,
            rows: Vec::new(),
            table: {
                let mut table = TableView::new(&COLUMNS.map(|c| c.title));
                table.sort_column = MISSING;
                table
            },
            marked: BTreeSet::new(),
            error: None,
            stale: false,
            counts_stale: false,
            update: None,
            matcher: filter::matcher(),
        }
    }

    pub fn loaded(&self) -> bool {
        self.data.is_some()
    }

    pub fn load(&mut self, data: MatrixData) {
        let held = self.selected().map(|r| r.patch.id.clone());
        self.table.hold(held);
        self.name = data.baseline.name.clone();
        self.rows = rows(&data);
        self.data = Some(data);
        self.error = None;
        self.table.dirty = true;
    }

    pub fn set_counts(&mut self, counts: DescribePatchCountsResult) {
        // New counts can bring patches no node had reported: the rows are
        // rebuilt, so the cursor goes by the patch, not its index.
        let held = self.selected().map(|r| r.patch.id.clone());
        self.table.hold(held);
        if let Some(data) = &mut self.data {
            data.counts = counts;
            self.rows = rows(data);
            self.table.dirty = true;
        }
    }

    /// Whether any node in scope has reported a scan or install.
    pub fn reported(&self) -> bool {
        self.data.as_ref().is_some_and(|d| d.counts.instances > 0)
    }

    pub fn selected(&self) -> Option<&PatchRow> {
        self.table.selected_row().and_then(|i| self.rows.get(i))
    }

    pub fn toggle(&mut self) {
        let Some(id) = self.selected().map(|r| r.patch.id.clone()) else {
            return;
        };
        if !self.marked.remove(&id) {
            self.marked.insert(id);
        }
        self.table.move_by(1);
    }

    /// The rows shown now, in order.
    pub fn shown(&self) -> impl Iterator<Item = &PatchRow> {
        self.table.order.iter().map(|&i| &self.rows[i])
    }

    /// The rows an approval or rejection takes: the selected ones, in
    /// table order, or else the one under the cursor.
    pub fn chosen(&self) -> Vec<&PatchRow> {
        if self.marked.is_empty() {
            return self.selected().into_iter().collect();
        }
        let mut rows: Vec<&PatchRow> = self
            .table
            .order
            .iter()
            .map(|&i| &self.rows[i])
            .filter(|r| self.marked.contains(&r.patch.id))
            .collect();
        // Selected rows the filter hides still count.
        let shown: HashSet<&str> = rows.iter().map(|r| r.patch.id.as_str()).collect();
        rows.extend(
            self.rows.iter().filter(|r| {
                self.marked.contains(&r.patch.id) && !shown.contains(r.patch.id.as_str())
            }),
        );
        rows
    }

    pub fn settle(&mut self, now: Timestamp) {
        if !self.table.dirty {
            return;
        }
        self.table.dirty = false;
        let rows = &self.rows;
        let keep = self
            .table
            .kept_row(|id| rows.iter().position(|r| r.patch.id == id));
        let rows = &self.rows;
        let column = self.table.sort_column;
        let until = |r: &PatchRow| match r.deployment {
            d if d.approved() => i64::MIN,
            Deployment::Pending => r
                .status
                .as_ref()
                .and_then(|s| s.approval_date)
                .map_or(i64::MAX - 1, |at| at.millis_since(now)),
            _ => i64::MAX,
        };
        // Each column's natural order puts what needs attention first.
        let order = self.table.filter.arrange(
            &mut self.matcher,
            0..rows.len(),
            |i| &rows[i].text,
            |x, y| {
                let (a, b) = (&rows[x], &rows[y]);
                let by = match column {
                    0 => a.label().cmp(b.label()),
                    1 => a.patch.title.cmp(&b.patch.title),
                    2 => a.classification().cmp(b.classification()),
                    3 => severity_rank(a.severity()).cmp(&severity_rank(b.severity())),
                    4 => b.patch.release_date.cmp(&a.patch.release_date),
                    6 => a.deployment.cmp(&b.deployment),
                    7 => until(a).cmp(&until(b)),
                    _ => b.missing().cmp(&a.missing()),
                };
                self.table
                    .directed(by.then_with(|| b.missing().cmp(&a.missing())))
                    .then_with(|| a.patch.id.cmp(&b.patch.id))
            },
        );
        self.table.set_order(order, keep);
    }

    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        now: Timestamp,
        readonly: bool,
    ) {
        let os = self
            .data
            .as_ref()
            .map(|d| format!(" · {}", d.baseline.operating_system))
            .unwrap_or_default();
        let count = if self.table.filter.is_empty() {
            format!("[{}]", self.rows.len())
        } else {
            format!("[{} of {}]", self.table.order.len(), self.rows.len())
        };
        let marked = if self.marked.is_empty() {
            String::new()
        } else {
            format!(" · {} selected", self.marked.len())
        };
        let block = crate::ui::pane_block(
            theme,
            format!(" Baseline {}{os} {count}{marked} ", self.name),
        );
        let Some(data) = &self.data else {
            let text = match &self.error {
                Some(e) => e.clone(),
                None => format!("Loading the patches of {}…", self.name),
            };
            crate::ui::placeholder(frame, area, block, &text, theme);
            return;
        };
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [top, bottom] =
            Layout::vertical([Constraint::Length(HEADER_LINES), Constraint::Min(0)]).areas(inner);
        frame.render_widget(
            Paragraph::new(header(self, data, theme, usize::from(top.width))),
            top,
        );
        let table_block = Block::default()
            .borders(Borders::TOP)
            .border_style(theme.border);
        if self.rows.is_empty() {
            let text = if self.reported() {
                "No node in scope reports a patch of this operating system.".to_owned()
            } else if readonly {
                format!(
                    "{} has reported patches yet, and the baseline approves none.",
                    capitalised(&data.scope.no_node())
                )
            } else {
                format!(
                    "{} has reported patches yet, and the baseline approves none: press s \
                     to scan.",
                    capitalised(&data.scope.no_node())
                )
            };
            crate::ui::placeholder(frame, bottom, table_block, &text, theme);
            return;
        }
        let reported = self.reported();
        crate::table::draw(
            frame,
            bottom,
            table_block,
            &self.table,
            &COLUMNS,
            theme,
            true,
            |r, c| {
                let row = &self.rows[r];
                let marked = self.marked.contains(&row.patch.id);
                let cells = row.cells(marked, reported, now);
                let style = match c {
                    0 if marked => theme.accent,
                    3 => severity_style(theme, row.severity()),
                    5 if row.missing() > 0 => theme.warn,
                    5 => theme.muted,
                    6 => row.deployment.style(theme),
                    7 if cells[7] == "—" => theme.muted,
                    _ => Style::default(),
                };
                (cells[c].clone(), style)
            },
        );
    }
}

/// The rules of a baseline in a line: `Security · Critical → 7d (HIGH)`.
pub fn rules_text(baseline: &PatchBaselineDescription) -> String {
    let rules = baseline
        .approval_rules
        .as_ref()
        .map(|g| g.patch_rules.as_slice())
        .unwrap_or_default();
    if rules.is_empty() {
        return "none: only the patches it lists are approved".to_owned();
    }
    rules
        .iter()
        .map(|rule| {
            let filters: Vec<String> = rule
                .patch_filter_group
                .patch_filters
                .iter()
                .map(|f| f.values.join(","))
                .collect();
            let when = match (&rule.approve_after_days, &rule.approve_until_date) {
                (Some(d), _) => format!("after {d}d"),
                (None, Some(until)) => format!("until {until}"),
                (None, None) => "at once".to_owned(),
            };
            let level = rule
                .compliance_level
                .as_deref()
                .filter(|l| *l != "UNSPECIFIED")
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            format!("{} → {when}{level}", filters.join(" · "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn header(matrix: &Matrix, data: &MatrixData, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let label = |text: &str| Span::styled(format!(" {text:<7}"), theme.muted);
    let b = &data.baseline;
    let mut owner = vec![label("Owner")];
    if matrix.aws {
        owner.push(Span::styled("AWS", theme.warn));
        owner.push(Span::styled(
            " (predefined: its approvals cannot be changed)",
            theme.muted,
        ));
    } else {
        owner.push(Span::raw("Self"));
    }
    let role = match &data.scope {
        CountScope::Groups(groups) => format!("patch groups {}", groups.join(", ")),
        CountScope::Default { groups, except } => {
            let mut text = format!("default for {}", b.operating_system);
            if !groups.is_empty() {
                text.push_str(&format!(", and patch groups {}", groups.join(", ")));
            }
            if !except.is_empty() {
                text.push_str(&format!(" (not {}: another baseline)", except.join(", ")));
            }
            text
        }
        CountScope::Unused => "not a default and no patch group: no node patches by it".to_owned(),
    };
    owner.push(Span::styled("   Covers ", theme.muted));
    owner.push(Span::raw(role));
    let rules = vec![
        label("Rules"),
        Span::raw(fit(&rules_text(b), width.saturating_sub(9))),
    ];
    let approved = b.approved_patches.as_ref().map_or(0, Vec::len);
    let rejected = b.rejected_patches.as_ref().map_or(0, Vec::len);
    let nodes = if data.counts.instances > 0 {
        format!(
            "{} reporting {}",
            data.counts.instances,
            data.scope.where_nodes()
        )
    } else {
        format!("{} has reported yet", data.scope.no_node())
    };
    let lists = vec![
        label("Nodes"),
        Span::raw(nodes),
        Span::styled("   Lists ", theme.muted),
        Span::raw(format!("{approved} approved · {rejected} rejected")),
    ];
    vec![Line::from(owner), Line::from(rules), Line::from(lists)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(deployment: &str, approval: Option<i64>) -> PatchStatus {
        PatchStatus {
            deployment_status: deployment.into(),
            compliance_level: None,
            approval_date: approval.map(Timestamp),
        }
    }

    fn count(id: &str, missing: i64) -> PatchCount {
        PatchCount {
            id: id.into(),
            missing,
            ..PatchCount::default()
        }
    }

    #[test]
    fn approval_says_when_a_rule_approves() {
        let now = Timestamp(10 * 86_400_000);
        let day = 86_400_000;
        assert_eq!(
            approval_text(Some(&status("APPROVED", Some(0))), now),
            "approved"
        );
        assert_eq!(
            approval_text(
                Some(&status("PENDING_APPROVAL", Some(now.0 + 3 * day))),
                now
            ),
            "in 3d"
        );
        assert_eq!(
            approval_text(
                Some(&status("PENDING_APPROVAL", Some(now.0 + day + 1))),
                now
            ),
            "in 2d"
        );
        assert_eq!(
            approval_text(
                Some(&status("PENDING_APPROVAL", Some(now.0 + 3_600_001))),
                now
            ),
            "in 2h"
        );
        assert_eq!(
            approval_text(Some(&status("PENDING_APPROVAL", None)), now),
            "—"
        );
        assert_eq!(
            approval_text(Some(&status("EXPLICIT_REJECTED", None)), now),
            "—"
        );
        assert_eq!(approval_text(None, now), "—");
    }

    #[test]
    fn rows_join_the_baseline_with_what_the_nodes_report() {
        let patch = |id: &str| Patch {
            id: id.into(),
            ..Patch::default()
        };
        let data = MatrixData {
            baseline: serde_json::from_value(serde_json::json!({
                "BaselineId": "pb-1", "Name": "b", "OperatingSystem": "AMAZON_LINUX_2023",
                "CreatedDate": 0, "ModifiedDate": 0
            }))
            .unwrap(),
            default: false,
            scope: CountScope::Groups(vec!["g".into()]),
            effective: vec![EffectivePatch {
                patch: patch("approved-unknown"),
                patch_status: status("APPROVED", Some(0)),
            }],
            available: vec![
                patch("reported"),
                patch("approved-unknown"),
                patch("unreported"),
            ],
            counts: DescribePatchCountsResult {
                patches: vec![count("reported", 4), count("other-os", 9)],
                instances: 5,
                ..DescribePatchCountsResult::default()
            },
        };
        let rows = rows(&data);
        let ids: Vec<&str> = rows.iter().map(|r| r.patch.id.as_str()).collect();
        assert_eq!(ids, ["reported", "approved-unknown"]);
        assert_eq!(rows[0].deployment, Deployment::NotInBaseline);
        assert_eq!(rows[0].missing(), 4);
        assert_eq!(rows[1].deployment, Deployment::Approved);
    }

    #[test]
    fn counts_add_and_subtract_by_patch() {
        let mut all = DescribePatchCountsResult {
            patches: vec![count("a", 5), count("b", 2)],
            instances: 10,
            ..DescribePatchCountsResult::default()
        };
        let group = DescribePatchCountsResult {
            patches: vec![count("a", 3), count("b", 2)],
            instances: 4,
            ..DescribePatchCountsResult::default()
        };
        subtract_counts(&mut all, &group);
        assert_eq!(all.instances, 6);
        assert_eq!(all.patches, vec![count("a", 2)]);
        add_counts(&mut all, group);
        assert_eq!(all.instances, 10);
        assert_eq!(all.patches[0].missing, 5);
        assert_eq!(all.patches[1].id, "b");
        assert_eq!(
            and_list(&["x".into(), "y".into(), "z".into()]),
            "x, y and z"
        );
    }
}
