//! Keyboard approval: choosing patches by severity or classification, and
//! the preview that says exactly what an approval or a rejection changes
//! before UpdatePatchBaseline is called.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Padding, Paragraph, Wrap};
use sysman_api::patch::{UpdatePatchBaseline, limits};

use super::matrix::{Matrix, PatchRow, severity_rank};
use crate::theme::Theme;
use crate::ui::{centered, popup_block, wrap_words};

/// Patches named in a headline before "and N more".
const NAMED: usize = 6;

/// What the selection chooser adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Severity(String),
    Classification(String),
    /// Every patch shown.
    All,
    /// The shown patches no rule or list approves yet: with a filter
    /// (`/Critical`), the ones an approval would change.
    NotApproved,
    /// Nothing: the selection is cleared.
    Clear,
}

impl Choice {
    pub fn matches(&self, row: &PatchRow) -> bool {
        match self {
            Choice::Severity(s) => row.severity() == s,
            Choice::Classification(c) => row.classification() == c,
            Choice::All => true,
            Choice::NotApproved => !row.deployment.approved(),
            Choice::Clear => false,
        }
    }

    /// How the status line names what was selected: `Critical`.
    pub fn name(&self) -> &str {
        match self {
            Choice::Severity(s) | Choice::Classification(s) => s,
            Choice::NotApproved => "not yet approved",
            Choice::All | Choice::Clear => "shown",
        }
    }
}

/// The chooser `v` opens: severities worst first, then classifications,
/// each with how many shown patches it would select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectBy {
    pub entries: Vec<(Choice, usize)>,
    pub selected: usize,
}

impl SelectBy {
    pub fn new<'r>(shown: impl Iterator<Item = &'r PatchRow>) -> Self {
        let mut severities: BTreeMap<(u8, String), usize> = BTreeMap::new();
        let mut classes: BTreeMap<String, usize> = BTreeMap::new();
        let (mut all, mut not_approved) = (0, 0);
        for row in shown {
            all += 1;
            not_approved += usize::from(!row.deployment.approved());
            let severity = row.severity().to_owned();
            *severities
                .entry((severity_rank(&severity), severity))
                .or_default() += 1;
            *classes.entry(row.classification().to_owned()).or_default() += 1;
        }
        let mut entries: Vec<(Choice, usize)> = severities
            .into_iter()
            .map(|((_, s), n)| (Choice::Severity(s), n))
            .collect();
        entries.extend(
            classes
                .into_iter()
                .filter(|(c, _)| !c.is_empty())
                .map(|(c, n)| (Choice::Classification(c), n)),
        );
        entries.push((Choice::All, all));
        entries.push((Choice::NotApproved, not_approved));
        entries.push((Choice::Clear, 0));
        Self {
            entries,
            selected: 0,
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.entries.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn chosen(&self) -> Option<&Choice> {
        self.entries.get(self.selected).map(|(c, _)| c)
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let mut lines = Vec::new();
        let mut last_kind = "";
        for (i, (choice, n)) in self.entries.iter().enumerate() {
            let (kind, text) = match choice {
                Choice::Severity(s) => ("Severity", format!("{s:<18}{n:>5}")),
                Choice::Classification(c) => ("Class", format!("{c:<18}{n:>5}")),
                Choice::All => ("", format!("{:<18}{n:>5}", "every shown patch")),
                Choice::NotApproved => ("", format!("{:<18}{n:>5}", "not yet approved")),
                Choice::Clear => ("", "clear the selection".to_owned()),
            };
            let lead = if kind != last_kind { kind } else { "" };
            last_kind = kind;
            let style = if i == self.selected {
                theme.selection
            } else {
                Style::default()
            };
            lines.push(Line::from(vec![
                Span::styled(format!(" {lead:<9}"), theme.muted),
                Span::styled(format!(" {text} "), style),
            ]));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            " ↑↓ choose · enter select them · esc close",
            theme.muted,
        ));
        let height = lines.len() as u16 + 2;
        let rect = centered(area, 48, height);
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(lines).block(popup_block(theme, "Select patches by")),
            rect,
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject,
}

impl Verdict {
    fn verb(self) -> &'static str {
        match self {
            Verdict::Approve => "Approve",
            Verdict::Reject => "Reject",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Verdict::Approve => "approved",
            Verdict::Reject => "rejected",
        }
    }
}

/// What applying an approval or rejection would change, and the request
/// that changes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    pub verdict: Verdict,
    /// The sentence that says it: what, on which baseline, to which nodes.
    pub headline: String,
    /// What else changes, one line each.
    pub details: Vec<String>,
    /// Why it cannot be applied, if it cannot.
    pub problem: Option<String>,
    pub update: UpdatePatchBaseline,
    /// The status line once applied: `approved 2 patches on prod-linux`.
    pub done: String,
    /// The patch ids chosen, when only the backend can say how many nodes
    /// lack any of them (several patches, some node lacking one).
    pub count_lacking: Option<Vec<String>>,
    /// That count in flight.
    pub counting: Option<u64>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `openssl…, curl… and 3 more`.
fn named(rows: &[&PatchRow]) -> String {
    let mut names: Vec<String> = rows
        .iter()
        .take(NAMED)
        .map(|r| r.label().to_owned())
        .collect();
    if rows.len() > NAMED {
        names.push(format!("and {} more", rows.len() - NAMED));
        names.join(", ")
    } else {
        super::matrix::and_list(&names)
    }
}

/// The nodes that lack any of `rows`, as near as per-patch counts tell:
/// at least the most any one lacks, at most their sum (and the nodes).
fn lacking(rows: &[&PatchRow], instances: i64) -> (i64, i64) {
    let most = rows.iter().map(|r| r.missing()).max().unwrap_or(0);
    let sum: i64 = rows.iter().map(|r| r.missing()).sum();
    (most, sum.min(instances).max(most))
}

fn nodes(n: i64) -> String {
    plural(n as usize, "node", "nodes")
}

/// The preview of approving (or rejecting) what the matrix has chosen,
/// with `lacking`, the nodes lacking any of them, once the backend said.
/// `Err` says why there is nothing to preview.
pub fn preview(
    matrix: &Matrix,
    verdict: Verdict,
    lacking: Option<i64>,
) -> Result<Approval, String> {
    let Some(data) = &matrix.data else {
        return Err("the baseline is still loading".to_owned());
    };
    let rows = matrix.chosen();
    if rows.is_empty() {
        return Err("no patch to choose: select some with space or v".to_owned());
    }
    let baseline = &data.baseline;
    let approved: Vec<String> = baseline.approved_patches.clone().unwrap_or_default();
    let rejected: Vec<String> = baseline.rejected_patches.clone().unwrap_or_default();
    let ids: Vec<String> = rows.iter().map(|r| r.patch.id.clone()).collect();
    let (list, other, list_name, other_name) = match verdict {
        Verdict::Approve => (&approved, &rejected, "ApprovedPatches", "RejectedPatches"),
        Verdict::Reject => (&rejected, &approved, "RejectedPatches", "ApprovedPatches"),
    };
    let listed = ids.iter().filter(|id| list.contains(id)).count();
    let mut new_list = list.clone();
    new_list.extend(ids.iter().filter(|id| !list.contains(id)).cloned());
    let leaving: Vec<&String> = other.iter().filter(|id| ids.contains(id)).collect();
    let new_other: Vec<String> = other
        .iter()
        .filter(|id| !ids.contains(id))
        .cloned()
        .collect();

    let n = rows.len();
    let them = if n == 1 { "it" } else { "them" };
    let lack = if n == 1 { "lacks" } else { "lack" };
    let where_nodes = data.scope.where_nodes();
    let no_node = data.scope.no_node();
    let instances = data.counts.instances;
    let (low, high) = match lacking {
        Some(n) => (n, n),
        None => self::lacking(&rows, instances),
    };
    let how_many = if low == high {
        nodes(low)
    } else {
        format!("at least {low} and up to {high} nodes")
    };
    let count_lacking = (lacking.is_none() && low != high).then(|| ids.clone());
    let consequence = match verdict {
        _ if instances == 0 => {
            format!("{no_node} has reported yet: scan to see which nodes lack {them}")
        }
        Verdict::Approve if high == 0 => format!("{no_node} lacks {them}"),
        Verdict::Approve => format!(
            "{how_many} {where_nodes} {lack} {them} and will install {them} at the next Install"
        ),
        Verdict::Reject if high == 0 => {
            format!("{no_node} lacks {them}, and none will install {them}")
        }
        Verdict::Reject => {
            format!("{no_node} will install {them}; {how_many} {where_nodes} {lack} {them} today")
        }
    };
    let headline = format!(
        "{} {} on baseline {}: {} — {consequence}.",
        verdict.verb(),
        plural(n, "patch", "patches"),
        matrix.name,
        named(&rows)
    );

    let mut details = Vec::new();
    if verdict == Verdict::Reject {
        let installed: i64 = rows.iter().map(|r| r.installed()).max().unwrap_or(0);
        if installed > 0 {
            details.push(format!(
                "At least {} {where_nodes} have {them} installed and will report {them} \
                 INSTALLED_REJECTED.",
                nodes(installed)
            ));
        }
    }
    if !leaving.is_empty() {
        details.push(format!(
            "{} of them {} in {other_name} now and {} it.",
            leaving.len(),
            if leaving.len() == 1 { "is" } else { "are" },
            if leaving.len() == 1 {
                "leaves"
            } else {
                "leave"
            }
        ));
    }
    if verdict == Verdict::Approve {
        let by_rule = rows
            .iter()
            .filter(|r| r.deployment == super::matrix::Deployment::Approved)
            .count();
        if by_rule > 0 {
            details.push(format!(
                "{} approved by a rule already; the list keeps {} approved whatever the rules say.",
                plural(by_rule, "is", "are"),
                if by_rule == 1 { "it" } else { "them" }
            ));
        }
    }
    if listed > 0 {
        details.push(format!(
            "{} in {list_name} already.",
            plural(listed, "is", "are")
        ));
    }
    details.push(format!(
        "{list_name}: {} → {} (at most {}).",
        list.len(),
        new_list.len(),
        limits::PATCH_IDS_MAX
    ));

    let problem = if new_list.len() > limits::PATCH_IDS_MAX {
        Some(format!(
            "{list_name} would hold {} patches; a baseline takes at most {}. Choose fewer{}.",
            new_list.len(),
            limits::PATCH_IDS_MAX,
            if verdict == Verdict::Approve {
                ", or approve them with a rule"
            } else {
                ""
            }
        ))
    } else if listed == n && leaving.is_empty() {
        Some(format!("Nothing changes: {} already.", verdict.done()))
    } else {
        None
    };

    let mut update = UpdatePatchBaseline {
        baseline_id: matrix.baseline_id.clone(),
        ..UpdatePatchBaseline::default()
    };
    let other_changed = (!leaving.is_empty()).then_some(new_other);
    match verdict {
        Verdict::Approve => {
            update.approved_patches = Some(new_list);
            update.rejected_patches = other_changed;
        }
        Verdict::Reject => {
            update.rejected_patches = Some(new_list);
            update.approved_patches = other_changed;
        }
    }
    Ok(Approval {
        verdict,
        headline,
        details,
        problem,
        update,
        done: format!(
            "{} {} on {}",
            verdict.done(),
            plural(n, "patch", "patches"),
            matrix.name
        ),
        count_lacking,
        counting: None,
    })
}

impl Approval {
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let width = area.width.saturating_sub(8).min(84);
        let inner = usize::from(width.saturating_sub(4));
        let mut lines = vec![Line::styled(self.headline.clone(), theme.title)];
        lines.push(Line::raw(""));
        for d in &self.details {
            lines.push(Line::raw(d.clone()));
        }
        lines.push(Line::raw(""));
        match &self.problem {
            Some(problem) => {
                lines.push(Line::styled(problem.clone(), theme.error));
                lines.push(Line::from(vec![
                    Span::styled("esc", theme.key),
                    Span::raw(" back"),
                ]));
            }
            None => {
                let verb = match self.verdict {
                    Verdict::Approve => " approve   ",
                    Verdict::Reject => " reject   ",
                };
                lines.push(Line::from(vec![
                    Span::styled("y", theme.error),
                    Span::raw(verb),
                    Span::styled("n", theme.key),
                    Span::raw(" / "),
                    Span::styled("esc", theme.key),
                    Span::raw(" cancel"),
                ]));
            }
        }
        // The lines as the paragraph wraps them, between the borders.
        let rows: usize = lines
            .iter()
            .map(|l| {
                let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
                wrap_words(&text, inner.max(1), usize::MAX).len().max(1)
            })
            .sum();
        let height = rows as u16 + 2;
        let rect = centered(area, width, height);
        frame.render_widget(Clear, rect);
        let title = match self.verdict {
            Verdict::Approve => "Approve patches",
            Verdict::Reject => "Reject patches",
        };
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(popup_block(theme, title).padding(Padding::horizontal(1))),
            rect,
        );
    }
}
