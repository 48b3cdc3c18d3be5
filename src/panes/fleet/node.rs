//! One node's details: what the list knows of it, and what the other
//! capabilities know — its patch state and missing patches, its compliance
//! by type, its recent commands. Those are loaded when the view opens and
//! again when they move.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use sysman_api::commands::{CommandInvocation, ListCommandInvocations};
use sysman_api::compliance::{
    ComplianceStatus, ComplianceStringFilter, ListResourceComplianceSummaries,
    ResourceComplianceSummaryItem,
};
use sysman_api::patch::{
    DescribeInstancePatchStates, DescribeInstancePatches, InstancePatchState, PatchComplianceData,
    PatchOrchestratorFilter,
};
use sysman_api::{ApiError, Timestamp};

use super::{FleetPane, FleetRow, status_style};
use crate::panes::age;
use crate::panes::compliance::severity_style as compliance_severity_style;
use crate::panes::patch::matrix::{severity_rank, severity_style};
use crate::panes::run_command::Shown;
use crate::runtime::Connection;
use crate::runtime::job::Job;
use crate::theme::Theme;

/// How many recent commands and missing patches the view lists.
pub const RECENT: usize = 8;

/// What the other capabilities know of one node.
#[derive(Debug, Clone, Default)]
pub struct NodeReport {
    /// `None` until the node has reported a patch scan or install.
    pub patch: Option<InstancePatchState>,
    /// Its missing patches, worst first, at most [`RECENT`].
    pub missing: Vec<PatchComplianceData>,
    /// One summary per compliance type.
    pub compliance: Vec<ResourceComplianceSummaryItem>,
    /// Its newest commands first, at most [`RECENT`].
    pub commands: Vec<CommandInvocation>,
}

/// The report of the node in view.
#[derive(Debug, Clone)]
pub enum Report {
    Loading,
    Loaded(Box<NodeReport>),
    Failed(String),
}

/// The node in view, and its report.
#[derive(Debug, Clone)]
pub struct NodeDetails {
    pub instance_id: String,
    pub report: Report,
}

/// The calls behind a node's report, made one after another.
pub struct ReportOf(pub String);

impl Job for ReportOf {
    type Output = Result<NodeReport, ApiError>;

    fn name(&self) -> &'static str {
        "NodeReport"
    }

    async fn run(self, c: &Connection) -> Self::Output {
        let instance_id = self.0;
        let states = c
            .call(DescribeInstancePatchStates {
                instance_ids: vec![instance_id.clone()],
                ..DescribeInstancePatchStates::default()
            })
            .await?;
        let patch = states.instance_patch_states.into_iter().next();
        let missing = match &patch {
            Some(p) if p.missing_count > 0 => {
                let missing_only = PatchOrchestratorFilter {
                    key: Some("State".to_owned()),
                    values: Some(vec!["Missing".to_owned()]),
                };
                let mut patches = c
                    .call(DescribeInstancePatches {
                        instance_id: instance_id.clone(),
                        filters: Some(vec![missing_only]),
                        next_token: None,
                        max_results: Some(50),
                    })
                    .await?
                    .patches;
                patches.sort_by_key(|p| severity_rank(&p.severity));
                patches.truncate(RECENT);
                patches
            }
            _ => Vec::new(),
        };
        let this_node = ComplianceStringFilter::new("ResourceId", &[&instance_id], None);
        let compliance = c
            .call(ListResourceComplianceSummaries {
                filters: Some(vec![this_node]),
                next_token: None,
                max_results: Some(50),
            })
            .await?
            .resource_compliance_summary_items;
        let mut commands = c
            .call(ListCommandInvocations {
                instance_id: Some(instance_id),
                max_results: Some(RECENT as i64),
                ..ListCommandInvocations::default()
            })
            .await?
            .command_invocations;
        commands.sort_by_key(|c| std::cmp::Reverse(c.requested_date_time));
        Ok(NodeReport {
            patch,
            missing,
            compliance,
            commands,
        })
    }
}

impl FleetPane {
    pub fn render_node(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        now: Timestamp,
        instance_id: &str,
        scroll: u16,
    ) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .style(theme.text);
        let Some(row) = self.row(instance_id) else {
            let gone = Paragraph::new(format!("{instance_id} is no longer registered."))
                .style(theme.muted)
                .block(block);
            frame.render_widget(gone, area);
            return;
        };
        let block = block.title(Span::styled(
            format!(" {} — {} ", instance_id, row.name),
            theme.title,
        ));
        let inner = block.inner(area);
        let (mut left, right) = self.node_lines(row, now, theme);
        let max = scroll_max(&left, &right, inner);
        // Where the patches, compliance and commands are below the fold,
        // say so: nothing else on a narrow screen hints at them.
        let block = if scroll < max {
            block.title_bottom(
                Line::styled(" j/↓ more: patches, compliance, commands ", theme.muted)
                    .right_aligned(),
            )
        } else {
            block
        };
        frame.render_widget(block, area);
        let scroll = scroll.min(max);
        // Side by side where both fit; one column, fields first, where not.
        if side_by_side(inner.width) {
            let [l, r] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .spacing(2)
                    .areas(inner);
            frame.render_widget(Paragraph::new(left).scroll((scroll, 0)), l);
            frame.render_widget(Paragraph::new(right).scroll((scroll, 0)), r);
        } else {
            left.push(Line::default());
            left.extend(right);
            frame.render_widget(Paragraph::new(left).scroll((scroll, 0)), inner);
        }
    }

    fn report_of(&self, instance_id: &str) -> Option<&Report> {
        self.details
            .as_ref()
            .filter(|d| d.instance_id == instance_id)
            .map(|d| &d.report)
    }

    /// The node's fields and tags, and its report.
    fn node_lines(
        &self,
        row: &FleetRow,
        now: Timestamp,
        theme: &Theme,
    ) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
        let mut left = field_lines(row, now, theme);
        left.push(Line::default());
        left.extend(tag_lines(row, theme));
        let right = report_lines(self.report_of(&row.node.info.instance_id), now, theme);
        (left, right)
    }

    /// How far the node's view scrolls in `inner`: until its last line
    /// shows. The lines are made as `render` makes them, unstyled.
    pub fn node_scroll_max(&self, instance_id: &str, inner: Rect, now: Timestamp) -> u16 {
        let Some(row) = self.row(instance_id) else {
            return 0;
        };
        let (left, right) = self.node_lines(row, now, &Theme::default());
        scroll_max(&left, &right, inner)
    }
}

/// How far lines laid out as the node view lays them scroll in `inner`.
fn scroll_max(left: &[Line], right: &[Line], inner: Rect) -> u16 {
    let lines = if side_by_side(inner.width) {
        left.len().max(right.len())
    } else {
        left.len() + 1 + right.len()
    };
    u16::try_from(lines.saturating_sub(usize::from(inner.height))).unwrap_or(u16::MAX)
}

fn side_by_side(width: u16) -> bool {
    width >= 100
}

fn field_lines(row: &FleetRow, now: Timestamp, theme: &Theme) -> Vec<Line<'static>> {
    let fields = node_fields(row, now);
    let label_width = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    fields
        .into_iter()
        .map(|(label, value)| {
            let style = match label {
                "Ping status" => status_style(theme, row.status()),
                "Agent version" if row.outdated() => theme.warn,
                _ => Style::default(),
            };
            Line::from(vec![
                Span::styled(format!("{label:<label_width$}  "), theme.muted),
                Span::styled(value, style),
            ])
        })
        .collect()
}

fn tag_lines(row: &FleetRow, theme: &Theme) -> Vec<Line<'static>> {
    let tags = &row.node.tags;
    let mut lines = vec![Line::styled(format!("Tags ({})", tags.len()), theme.header)];
    if tags.is_empty() {
        lines.push(Line::styled("none", theme.muted));
    }
    let key_width = tags.iter().map(|t| t.key.len()).max().unwrap_or(0);
    lines.extend(tags.iter().map(|t| {
        Line::from(vec![
            Span::styled(format!("{:<key_width$}  ", t.key), theme.muted),
            Span::raw(t.value.clone()),
        ])
    }));
    lines
}

/// Patch state, compliance and recent commands, each under its heading.
fn report_lines(report: Option<&Report>, now: Timestamp, theme: &Theme) -> Vec<Line<'static>> {
    let report = match report {
        Some(Report::Loaded(report)) => report,
        Some(Report::Failed(e)) => {
            return vec![Line::styled(
                format!("could not read patch state, compliance and commands: {e}"),
                theme.error,
            )];
        }
        Some(Report::Loading) | None => {
            return vec![Line::styled(
                "Loading patch state, compliance and commands…",
                theme.muted,
            )];
        }
    };
    let mut lines = patch_lines(report, now, theme);
    lines.push(Line::default());
    lines.extend(compliance_lines(report, theme));
    lines.push(Line::default());
    lines.extend(command_lines(report, now, theme));
    lines
}

fn patch_lines(report: &NodeReport, now: Timestamp, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled("Patches", theme.header)];
    let Some(p) = &report.patch else {
        lines.push(Line::styled(
            "not scanned yet (in :patch, s scans its patch group)",
            theme.muted,
        ));
        return lines;
    };
    let group = if p.patch_group.is_empty() {
        "no patch group".to_owned()
    } else {
        format!("group {}", p.patch_group)
    };
    lines.push(Line::from(vec![
        Span::raw(format!(
            "{} by {} · {group}",
            p.operation,
            short_baseline_id(&p.baseline_id)
        )),
        Span::styled(
            format!(" · {} ago", age(now.millis_since(p.operation_end_time))),
            theme.muted,
        ),
    ]));
    let count = |n: i64, label: &str, style: Style| {
        Span::styled(
            format!("{n} {label}  "),
            if n > 0 { style } else { theme.muted },
        )
    };
    // Installed and missing always; the rest only when there are some.
    let mut counts = vec![
        count(p.installed_count, "installed", Style::default()),
        count(p.missing_count, "missing", theme.warn),
    ];
    for (n, label, style) in [
        (p.critical_non_compliant_count, "critical", theme.error),
        (p.failed_count, "failed", theme.error),
        (
            p.installed_pending_reboot_count,
            "pending reboot",
            theme.warn,
        ),
    ] {
        if n > 0 {
            counts.push(count(n, label, style));
        }
    }
    lines.push(Line::from(counts));
    for patch in &report.missing {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {:<9} ", patch.severity),
                severity_style(theme, &patch.severity),
            ),
            Span::raw(patch.title.clone()),
        ]));
    }
    if p.missing_count as usize > report.missing.len() {
        lines.push(Line::styled(
            format!(
                "  … and {} more (:patch shows them all)",
                p.missing_count as usize - report.missing.len()
            ),
            theme.muted,
        ));
    }
    lines
}

/// `pb-0123…` of an AWS baseline's ARN, which is too long to show.
fn short_baseline_id(id: &str) -> &str {
    id.rsplit_once('/').map_or(id, |(_, short)| short)
}

fn compliance_lines(report: &NodeReport, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled("Compliance", theme.header)];
    if report.compliance.is_empty() {
        lines.push(Line::styled("nothing reported", theme.muted));
    }
    for item in &report.compliance {
        let (status, style) = match item.status {
            ComplianceStatus::Compliant => ("COMPLIANT".to_owned(), theme.online),
            ComplianceStatus::NonCompliant => (
                format!(
                    "NON_COMPLIANT {} ({})",
                    item.non_compliant_summary.non_compliant_count,
                    item.overall_severity.as_str()
                ),
                compliance_severity_style(theme, item.overall_severity),
            ),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<16} ", item.compliance_type), theme.muted),
            Span::styled(status, style),
        ]));
    }
    lines
}

fn command_lines(report: &NodeReport, now: Timestamp, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled("Recent commands", theme.header)];
    if report.commands.is_empty() {
        lines.push(Line::styled("none", theme.muted));
    }
    for c in &report.commands {
        let shown = Shown::of(c.status, &c.status_details);
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>4} ", age(now.millis_since(c.requested_date_time))),
                theme.muted,
            ),
            Span::styled(format!("{:<13} ", shown.label()), shown.style(theme)),
            Span::raw(c.document_name.clone()),
        ]));
    }
    lines
}

/// Every field of a node, labelled, for the detail view.
pub fn node_fields(row: &FleetRow, now: Timestamp) -> Vec<(&'static str, String)> {
    let info = &row.node.info;
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
    let when = |t: Option<Timestamp>| match t {
        Some(t) => format!("{} ({} ago)", t.iso8601(), age(now.millis_since(t))),
        None => "—".to_owned(),
    };
    let agent = match (&info.agent_version, info.is_latest_version) {
        (Some(v), Some(true)) => format!("{v} (latest)"),
        (Some(v), Some(false)) => format!("{v} (outdated)"),
        (Some(v), None) => v.clone(),
        (None, _) => "—".to_owned(),
    };
    // The list's NAME: the Name tag or the computer name, as AWS's console
    // shows it, rather than a dash for a node without a Name tag.
    let name = if row.name.is_empty() {
        "—".to_owned()
    } else {
        row.name.clone()
    };
    vec![
        ("Instance ID", info.instance_id.clone()),
        ("Name", name),
        ("Computer name", text(&info.computer_name)),
        ("Ping status", info.ping_status.as_str().to_owned()),
        ("Last ping", when(info.last_ping_date_time)),
        ("Agent version", agent),
        (
            "Platform type",
            info.platform_type
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("Platform name", text(&info.platform_name)),
        ("Platform version", text(&info.platform_version)),
        ("IP address", text(&info.ip_address)),
        ("Resource type", info.resource_type.clone()),
        ("Activation ID", text(&info.activation_id)),
        ("IAM role", text(&info.iam_role)),
        ("Registered", when(info.registration_date)),
        ("Source ID", text(&info.source_id)),
        ("Source type", text(&info.source_type)),
    ]
}
