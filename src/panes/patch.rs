//! Patch Manager: the patch baselines (AWS's predefined ones and the
//! account's own) and the patch groups the fleet's `PatchGroup` tags make,
//! with how their nodes stand since their last scan or install. A baseline
//! opens into its approval matrix.

pub mod approval;
mod calls;
pub mod create;
pub mod detail;
pub mod keys;
pub mod matrix;
mod update;

use std::collections::{BTreeMap, BTreeSet};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use sysman_api::Timestamp;
use sysman_api::patch::{
    DescribePatchGroupStateResult, PatchBaselineIdentity, PatchGroupPatchBaselineMapping,
};

use crate::filter;
use crate::table::{Column, TableView};
use crate::theme::Theme;
use matrix::Matrix;

pub const BASELINE_COLUMNS: [Column; 6] = [
    Column::new("NAME", 26, 0),
    Column::new("OPERATING SYSTEM", 23, 1),
    Column::new("OWNER", 5, 0),
    Column::new("DEFAULT", 7, 2),
    Column::new("PATCH GROUPS", 16, 3),
    Column::new("ID", 20, 4),
];
/// The owner column: the baselines' natural order, own ones first.
const OWNER: usize = 2;

pub const GROUP_COLUMNS: [Column; 8] = [
    Column::new("PATCH GROUP", 16, 0),
    Column::new("NODES", 5, 0),
    Column::new("REPORTED", 8, 1),
    Column::new("MISSING", 7, 0),
    Column::new("FAILED", 6, 2),
    Column::new("REBOOT", 6, 3),
    Column::new("CRITICAL", 8, 2),
    Column::new("BASELINES", 14, 4),
];

/// The tag whose value names a node's patch group.
pub const PATCH_GROUP_TAG: &str = "PatchGroup";
/// The row of the nodes with no patch group.
pub const NO_GROUP: &str = "(no patch group)";
/// What the baselines cell says of nodes that patch by their OS's default.
pub const OS_DEFAULTS: &str = "OS defaults";

/// A predefined baseline's id is an ARN (`arn:aws:ssm:…:aws:patchbaseline/…`),
/// an own one's a plain `pb-…`, as in AWS.
pub fn owned_by_aws(baseline_id: &str) -> bool {
    baseline_id.starts_with("arn:")
}

#[derive(Debug, Clone)]
pub struct BaselineRow {
    pub identity: PatchBaselineIdentity,
    pub aws: bool,
    /// The patch groups it is registered for.
    pub groups: Vec<String>,
    text: filter::RowText,
}

impl BaselineRow {
    pub fn cells(&self) -> [String; 6] {
        let i = &self.identity;
        [
            i.baseline_name.clone(),
            i.operating_system.clone(),
            if self.aws { "AWS" } else { "Self" }.to_owned(),
            if i.default_baseline { "✓" } else { "" }.to_owned(),
            self.groups.join(", "),
            i.baseline_id
                .rsplit('/')
                .next()
                .unwrap_or(&i.baseline_id)
                .to_owned(),
        ]
    }
}

#[derive(Debug, Clone)]
pub struct GroupRow {
    pub name: String,
    /// The nodes with no `PatchGroup` tag, not a group: each patches by
    /// its operating system's default baseline.
    pub ungrouped: bool,
    /// Nodes tagged with it, in the fleet the console holds.
    pub nodes: usize,
    /// How its nodes stand, once one reported.
    pub state: Option<DescribePatchGroupStateResult>,
    /// The baselines registered for it, by name.
    pub baselines: Vec<String>,
    /// Which baseline patches which of its operating systems.
    pub registered: Vec<(String, String)>,
    /// Operating systems of its nodes that no baseline is registered for
    /// here, with how many nodes run each: AWS patches them by that OS's
    /// default baseline.
    pub by_default: Vec<(String, usize)>,
    text: filter::RowText,
}

impl GroupRow {
    pub fn cells(&self) -> [String; 8] {
        let n = |f: fn(&DescribePatchGroupStateResult) -> i64| {
            self.state
                .as_ref()
                .filter(|s| s.instances > 0)
                .map_or("—".to_owned(), |s| f(s).to_string())
        };
        [
            self.name.clone(),
            self.nodes.to_string(),
            n(|s| s.instances),
            n(|s| s.instances_with_missing_patches),
            n(|s| s.instances_with_failed_patches),
            n(|s| s.instances_with_installed_pending_reboot_patches),
            n(|s| s.instances_with_critical_non_compliant_patches),
            self.baselines_cell(),
        ]
    }

    /// The baselines registered, and whether some nodes patch by their
    /// OS's default beside them.
    fn baselines_cell(&self) -> String {
        match (self.baselines.is_empty(), self.by_default.is_empty()) {
            (true, _) => OS_DEFAULTS.to_owned(),
            (false, true) => self.baselines.join(", "),
            (false, false) => format!("{} + {OS_DEFAULTS}", self.baselines.join(", ")),
        }
    }

    /// Nodes wholly patched by the defaults: muted, as nothing of the
    /// account's own applies.
    fn all_defaults(&self) -> bool {
        self.baselines.is_empty()
    }

    /// Under the groups, for the group under the cursor: which baseline
    /// patches which of its nodes, the OS defaults named as such.
    pub fn patched_by(&self) -> String {
        let counts = |list: &[(String, usize)]| {
            list.iter()
                .map(|(os, n)| format!("{os} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if self.ungrouped {
            return format!(
                "{} nodes have no {PATCH_GROUP_TAG} tag: each patches by its OS's default \
                 baseline (DEFAULT ✓ above): {}",
                self.nodes,
                counts(&self.by_default)
            );
        }
        let mut parts: Vec<String> = self
            .registered
            .iter()
            .map(|(os, baseline)| format!("{os} by {baseline}"))
            .collect();
        if !self.by_default.is_empty() {
            let none = if self.registered.is_empty() {
                "no baseline is registered for it"
            } else {
                "none registered for these"
            };
            parts.push(format!(
                "by their OS's default ({none}): {}",
                counts(&self.by_default)
            ));
        }
        if parts.is_empty() {
            parts.push("no nodes; no baseline registered".to_owned());
        }
        format!("{}: {}", self.name, parts.join("; "))
    }
}

/// Which list the keys move in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Baselines,
    Groups,
}

pub struct PatchPane {
    pub baselines: Vec<BaselineRow>,
    pub baseline_table: TableView,
    pub groups: Vec<GroupRow>,
    pub group_table: TableView,
    pub focus: Focus,
    /// Which baseline each patch group has, per operating system.
    pub mappings: Vec<PatchGroupPatchBaselineMapping>,
    /// Nodes per patch group, from the fleet's tags.
    pub group_nodes: BTreeMap<String, usize>,
    /// Nodes per operating system, by patch group (`None`: no group),
    /// from the fleet's tags and platforms.
    pub group_os: BTreeMap<Option<String>, BTreeMap<String, usize>>,
    /// Nodes with no patch group.
    pub ungrouped: usize,
    pub states: BTreeMap<String, DescribePatchGroupStateResult>,
    pub loaded: bool,
    pub matrix: Option<Box<Matrix>>,
    /// The baselines and mappings changed: reload at the next flush.
    pub stale: bool,
    /// The groups' states changed: reload at the next flush.
    pub states_stale: bool,
    /// A baseline to select once the list has it: one just created.
    pub select: Option<String>,
    matcher: filter::Matcher,
    /// The console changes nothing: an empty matrix offers no scan.
    pub readonly: bool,
}

impl Default for PatchPane {
    fn default() -> Self {
        let mut baseline_table = TableView::new(&BASELINE_COLUMNS.map(|c| c.title));
        baseline_table.sort_column = OWNER;
        Self {
            baselines: Vec::new(),
            baseline_table,
            groups: Vec::new(),
            group_table: TableView::new(&GROUP_COLUMNS.map(|c| c.title)),
            focus: Focus::Baselines,
            mappings: Vec::new(),
            group_nodes: BTreeMap::new(),
            group_os: BTreeMap::new(),
            ungrouped: 0,
            states: BTreeMap::new(),
            loaded: false,
            matrix: None,
            stale: false,
            states_stale: false,
            select: None,
            matcher: filter::matcher(),
            readonly: false,
        }
    }
}

/// The heights of the baselines and the groups in a body of `height`.
pub fn split(height: u16) -> (u16, u16) {
    let top = (height * 11 / 20).max(3);
    (top, height.saturating_sub(top))
}

impl PatchPane {
    pub fn set_lists(
        &mut self,
        identities: Vec<PatchBaselineIdentity>,
        mappings: Vec<PatchGroupPatchBaselineMapping>,
    ) {
        let held = self
            .selected_baseline()
            .map(|b| b.identity.baseline_id.clone());
        self.baseline_table.hold(held);
        self.baselines = identities
            .into_iter()
            .map(|identity| {
                let groups: Vec<String> = mappings
                    .iter()
                    .filter(|m| m.baseline_identity.baseline_id == identity.baseline_id)
                    .map(|m| m.patch_group.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let aws = owned_by_aws(&identity.baseline_id);
                let mut row = BaselineRow {
                    identity,
                    aws,
                    groups,
                    text: filter::RowText::default(),
                };
                row.text = filter::RowText::new(row.cells().iter().map(String::as_str));
                row
            })
            .collect();
        self.mappings = mappings;
        self.loaded = true;
        self.rebuild_groups();
        self.baseline_table.dirty = true;
    }

    pub fn set_states(&mut self, states: Vec<(String, DescribePatchGroupStateResult)>) {
        self.states = states.into_iter().collect();
        self.rebuild_groups();
    }

    /// The patch groups there are: those nodes are tagged with and those
    /// baselines are registered for.
    pub fn group_names(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = self.group_nodes.keys().cloned().collect();
        names.extend(self.mappings.iter().map(|m| m.patch_group.clone()));
        names.into_iter().collect()
    }

    fn rebuild_groups(&mut self) {
        let held = self.selected_group().map(|g| g.name.clone());
        self.group_table.hold(held);
        let mut groups: Vec<GroupRow> = self
            .group_names()
            .into_iter()
            .map(|name| {
                let registered: Vec<(String, String)> = self
                    .mappings
                    .iter()
                    .filter(|m| m.patch_group == name)
                    .map(|m| {
                        let b = &m.baseline_identity;
                        (b.operating_system.clone(), b.baseline_name.clone())
                    })
                    .collect();
                let by_default = self
                    .oses(Some(&name))
                    .filter(|(os, _)| registered.iter().all(|(r, _)| r != os))
                    .collect();
                let nodes = self.group_nodes.get(&name).copied().unwrap_or(0);
                self.group_row(name, false, nodes, registered, by_default)
            })
            .collect();
        if self.ungrouped > 0 {
            let by_default = self.oses(None).collect();
            let row = self.group_row(
                NO_GROUP.to_owned(),
                true,
                self.ungrouped,
                Vec::new(),
                by_default,
            );
            groups.push(row);
        }
        self.groups = groups;
        self.group_table.dirty = true;
    }

    /// The operating systems of a group's nodes (`None`: no group), with
    /// how many nodes run each.
    fn oses(&self, group: Option<&String>) -> impl Iterator<Item = (String, usize)> + '_ {
        self.group_os
            .get(&group.cloned())
            .into_iter()
            .flatten()
            .map(|(os, n)| (os.clone(), *n))
    }

    fn group_row(
        &self,
        name: String,
        ungrouped: bool,
        nodes: usize,
        registered: Vec<(String, String)>,
        by_default: Vec<(String, usize)>,
    ) -> GroupRow {
        let baselines: Vec<String> = registered.iter().map(|(_, b)| b.clone()).collect();
        let mut row = GroupRow {
            state: (!ungrouped)
                .then(|| self.states.get(&name).cloned())
                .flatten(),
            ungrouped,
            nodes,
            baselines,
            registered,
            by_default,
            name,
            text: filter::RowText::default(),
        };
        row.text = filter::RowText::new(row.cells().iter().map(String::as_str));
        row
    }

    pub fn selected_baseline(&self) -> Option<&BaselineRow> {
        self.baseline_table
            .selected_row()
            .and_then(|i| self.baselines.get(i))
    }

    pub fn selected_group(&self) -> Option<&GroupRow> {
        self.group_table
            .selected_row()
            .and_then(|i| self.groups.get(i))
    }

    fn sort_and_filter(&mut self, now: Timestamp) {
        if let Some(m) = &mut self.matrix {
            m.settle(now);
        }
        if self.baseline_table.dirty {
            self.baseline_table.dirty = false;
            let wanted = self.select.as_ref().and_then(|id| {
                self.baselines
                    .iter()
                    .position(|b| b.identity.baseline_id == *id)
            });
            if wanted.is_some() {
                self.select = None;
            }
            let baselines = &self.baselines;
            let kept = self
                .baseline_table
                .kept_row(|id| baselines.iter().position(|b| b.identity.baseline_id == id));
            let keep = wanted.or(kept);
            let rows = &self.baselines;
            let column = self.baseline_table.sort_column;
            let order = self.baseline_table.filter.arrange(
                &mut self.matcher,
                0..rows.len(),
                |i| &rows[i].text,
                |x, y| {
                    let (a, b) = (&rows[x], &rows[y]);
                    let (ai, bi) = (&a.identity, &b.identity);
                    let by = match column {
                        1 => ai.operating_system.cmp(&bi.operating_system),
                        2 => a.aws.cmp(&b.aws),
                        3 => bi.default_baseline.cmp(&ai.default_baseline),
                        4 => b.groups.len().cmp(&a.groups.len()),
                        5 => ai.baseline_id.cmp(&bi.baseline_id),
                        _ => std::cmp::Ordering::Equal,
                    };
                    self.baseline_table
                        .directed(by.then_with(|| ai.baseline_name.cmp(&bi.baseline_name)))
                },
            );
            self.baseline_table.set_order(order, keep);
        }
        if self.group_table.dirty {
            self.group_table.dirty = false;
            let groups = &self.groups;
            let keep = self
                .group_table
                .kept_row(|name| groups.iter().position(|g| g.name == name));
            let rows = &self.groups;
            let column = self.group_table.sort_column;
            let stat = |r: &GroupRow, f: fn(&DescribePatchGroupStateResult) -> i64| {
                r.state.as_ref().map_or(-1, f)
            };
            let order = self.group_table.filter.arrange(
                &mut self.matcher,
                0..rows.len(),
                |i| &rows[i].text,
                |x, y| {
                    let (a, b) = (&rows[x], &rows[y]);
                    // Counts sort most first: the group that needs work on top.
                    let by =
                        match column {
                            1 => b.nodes.cmp(&a.nodes),
                            2 => stat(b, |s| s.instances).cmp(&stat(a, |s| s.instances)),
                            3 => stat(b, |s| s.instances_with_missing_patches)
                                .cmp(&stat(a, |s| s.instances_with_missing_patches)),
                            4 => stat(b, |s| s.instances_with_failed_patches)
                                .cmp(&stat(a, |s| s.instances_with_failed_patches)),
                            5 => stat(b, |s| s.instances_with_installed_pending_reboot_patches)
                                .cmp(&stat(a, |s| {
                                    s.instances_with_installed_pending_reboot_patches
                                })),
                            6 => stat(b, |s| s.instances_with_critical_non_compliant_patches).cmp(
                                &stat(a, |s| s.instances_with_critical_non_compliant_patches),
                            ),
                            7 => a.baselines.cmp(&b.baselines),
                            _ => std::cmp::Ordering::Equal,
                        };
                    // The nodes of no group stay above the groups, in sight.
                    b.ungrouped.cmp(&a.ungrouped).then_with(|| {
                        self.group_table
                            .directed(by.then_with(|| a.name.cmp(&b.name)))
                    })
                },
            );
            self.group_table.set_order(order, keep);
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        if let Some(m) = &self.matrix {
            return m.render(frame, area, theme, now, self.readonly);
        }
        let (top, _) = split(area.height);
        let [top, bottom, below] = Layout::vertical([
            Constraint::Length(top),
            Constraint::Min(0),
            Constraint::Length(self.explain_rows()),
        ])
        .areas(area);
        self.render_baselines(frame, top, theme);
        self.render_groups(frame, bottom, theme);
        self.render_patched_by(frame, below, theme);
    }

    /// Rows under the groups that say what patches the group under the
    /// cursor: while the groups have the keys.
    pub fn explain_rows(&self) -> u16 {
        if self.focus == Focus::Groups && self.selected_group().is_some() {
            2
        } else {
            0
        }
    }

    fn render_patched_by(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let Some(group) = self.selected_group() else {
            return;
        };
        let width = usize::from(area.width.saturating_sub(2)).max(10);
        let lines: Vec<Line> = crate::ui::wrap_words(&group.patched_by(), width, 2)
            .into_iter()
            .map(|l| Line::styled(format!(" {l}"), theme.muted))
            .collect();
        frame.render_widget(Paragraph::new(lines), area);
    }

    /// `shown` of `total` rows, the filter's count only when it hides some.
    fn title(name: &str, table: &TableView, shown: usize, total: usize) -> String {
        if table.filter.is_empty() {
            format!(" {name} [{total}] ")
        } else {
            format!(" {name} [{shown} of {total}] ")
        }
    }

    fn block(
        &self,
        theme: &Theme,
        title: String,
        focus: Focus,
    ) -> ratatui::widgets::Block<'static> {
        let block = crate::ui::pane_block(theme, title);
        if self.focus == focus {
            block.border_style(theme.accent)
        } else {
            block
        }
    }

    fn render_baselines(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let title = Self::title(
            "Patch baselines",
            &self.baseline_table,
            self.baseline_table.order.len(),
            self.baselines.len(),
        );
        let block = self.block(theme, title, Focus::Baselines);
        if !self.loaded {
            crate::ui::placeholder(frame, area, block, "Loading patch baselines…", theme);
            return;
        }
        crate::table::draw(
            frame,
            area,
            block,
            &self.baseline_table,
            &BASELINE_COLUMNS,
            theme,
            self.focus == Focus::Baselines,
            |r, c| {
                let row = &self.baselines[r];
                let style = match c {
                    2 if row.aws => theme.muted,
                    2 => theme.accent,
                    3 => theme.online,
                    5 => theme.muted,
                    _ => Style::default(),
                };
                (row.cells()[c].clone(), style)
            },
        );
    }

    fn render_groups(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        // The row of ungrouped nodes is not a group: the count leaves it out.
        let shown = (self.group_table.order.iter())
            .filter(|&&i| !self.groups[i].ungrouped)
            .count();
        let total = self.groups.iter().filter(|g| !g.ungrouped).count();
        let title = Self::title("Patch groups", &self.group_table, shown, total);
        let block = self.block(theme, title, Focus::Groups);
        if !self.loaded || self.groups.is_empty() {
            let text = if self.loaded {
                "No patch groups: tag nodes PatchGroup=NAME to make one."
            } else {
                "Loading patch groups…"
            };
            crate::ui::placeholder(frame, area, block, text, theme);
            return;
        }
        crate::table::draw(
            frame,
            area,
            block,
            &self.group_table,
            &GROUP_COLUMNS,
            theme,
            self.focus == Focus::Groups,
            |r, c| {
                let row = &self.groups[r];
                let cells = row.cells();
                let style = match c {
                    3..=6 if cells[c] == "—" || cells[c] == "0" => theme.muted,
                    3 | 5 => theme.warn,
                    4 | 6 => theme.error,
                    2 if row.state.as_ref().is_none_or(|s| s.instances == 0) => theme.muted,
                    7 if row.all_defaults() => theme.muted,
                    _ => Style::default(),
                };
                (cells[c].clone(), style)
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(id: &str, name: &str) -> PatchBaselineIdentity {
        PatchBaselineIdentity {
            baseline_id: id.into(),
            baseline_name: name.into(),
            operating_system: "AMAZON_LINUX_2023".into(),
            baseline_description: None,
            default_baseline: false,
        }
    }

    #[test]
    fn own_baselines_come_first_and_groups_join_tags_and_registrations() {
        let mut pane = PatchPane {
            group_nodes: BTreeMap::from([("prod-linux".to_owned(), 12)]),
            ..PatchPane::default()
        };
        let own = identity("pb-0123456789abcdef0", "prod-linux");
        pane.set_lists(
            vec![
                identity(
                    "arn:aws:ssm:us-east-1:aws:patchbaseline/pb-1",
                    "AWS-Default",
                ),
                own.clone(),
            ],
            vec![
                PatchGroupPatchBaselineMapping {
                    patch_group: "prod-linux".into(),
                    baseline_identity: own.clone(),
                },
                PatchGroupPatchBaselineMapping {
                    patch_group: "empty".into(),
                    baseline_identity: own,
                },
            ],
        );
        pane.sort_and_filter(Timestamp(0));
        let first = pane.selected_baseline().unwrap();
        assert_eq!(first.identity.baseline_name, "prod-linux");
        assert_eq!(first.cells()[2], "Self");
        assert_eq!(first.cells()[4], "empty, prod-linux");
        let names: Vec<&str> = pane.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["empty", "prod-linux"]);
        assert_eq!(pane.groups[1].cells()[1], "12");
        assert_eq!(pane.groups[1].cells()[2], "—");
        assert!(owned_by_aws("arn:aws:ssm:us-east-1:aws:patchbaseline/pb-1"));
        assert!(!owned_by_aws("pb-0123456789abcdef0"));
    }

    #[test]
    fn nodes_of_no_group_or_of_an_os_without_a_baseline_patch_by_the_defaults() {
        let os = |list: &[(&str, usize)]| {
            list.iter()
                .map(|(o, n)| ((*o).to_owned(), *n))
                .collect::<BTreeMap<_, _>>()
        };
        let mut pane = PatchPane {
            group_nodes: BTreeMap::from([("prod-linux".to_owned(), 3)]),
            group_os: BTreeMap::from([
                (
                    Some("prod-linux".to_owned()),
                    os(&[("AMAZON_LINUX_2023", 2), ("UBUNTU", 1)]),
                ),
                (None, os(&[("WINDOWS", 4)])),
            ]),
            ungrouped: 4,
            ..PatchPane::default()
        };
        let own = identity("pb-0123456789abcdef0", "prod-linux");
        pane.set_lists(
            vec![own.clone()],
            vec![PatchGroupPatchBaselineMapping {
                patch_group: "prod-linux".into(),
                baseline_identity: own,
            }],
        );
        pane.sort_and_filter(Timestamp(0));
        let shown: Vec<[String; 8]> = pane
            .group_table
            .order
            .iter()
            .map(|&i| pane.groups[i].cells())
            .collect();
        assert_eq!(shown[0][0], NO_GROUP, "the ungrouped nodes come first");
        assert_eq!(shown[0][1], "4");
        assert_eq!(shown[0][2], "—", "no group, no group state");
        assert_eq!(shown[0][7], OS_DEFAULTS);
        assert_eq!(shown[1][7], "prod-linux + OS defaults");
        let prod = pane.groups.iter().find(|g| g.name == "prod-linux").unwrap();
        assert_eq!(
            prod.patched_by(),
            "prod-linux: AMAZON_LINUX_2023 by prod-linux; by their OS's default \
             (none registered for these): UBUNTU 1"
        );
    }
}
