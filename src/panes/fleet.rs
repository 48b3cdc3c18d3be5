//! Fleet Manager: every managed node, live.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Table, Wrap};
use sysman_api::Timestamp;
use sysman_api::fleet::{NodeSummary, PingStatus};

use super::age;
use crate::filter;
use crate::table::{Column, TableView};
use crate::theme::Theme;

pub mod keys;
pub mod node;
pub mod run_choice;
mod update;

/// The node list's columns; the wide ones show on wide terminals, or with
/// `ctrl-w`.
pub const COLUMNS: [Column; 12] = [
    Column::new("ID", 20, 0),
    Column::new("NAME", 15, 1),
    Column::new("STATUS", 14, 0),
    Column::new("PLATFORM", 17, 2),
    Column::new("AGENT", 12, 3),
    Column::new("IP", 13, 5),
    Column::new("PING", 5, 2),
    Column::new("ENV", 7, 4),
    Column::new("ROLE", 7, 6),
    Column::new("PATCH GROUP", 13, 7).wide(),
    Column::new("COMPUTER NAME", 16, 8).wide(),
    Column::new("REGISTERED", 10, 9).wide(),
];

/// What a row shows, computed once per node change.
#[derive(Debug, Clone)]
pub struct FleetRow {
    pub node: NodeSummary,
    pub name: String,
    pub platform: String,
    pub env: String,
    pub role: String,
    text: filter::RowText,
}

impl FleetRow {
    pub fn new(node: NodeSummary) -> Self {
        let info = &node.info;
        let name = info
            .name
            .clone()
            .or_else(|| info.computer_name.clone())
            .unwrap_or_default();
        let platform = match (&info.platform_name, &info.platform_version) {
            // "Microsoft Windows Server 2022 Datacenter": the year says it all.
            (Some(n), _) if n.starts_with("Microsoft Windows Server ") => {
                let year = n.trim_start_matches("Microsoft Windows Server ");
                format!(
                    "Win Server {}",
                    year.split_whitespace().next().unwrap_or_default()
                )
            }
            (Some(n), Some(v)) => format!("{} {v}", short_platform(n)),
            (Some(n), None) => short_platform(n).to_owned(),
            _ => String::new(),
        };
        let tag = |key: &str| {
            node.tags
                .iter()
                .find(|t| t.key == key)
                .map(|t| t.value.clone())
                .unwrap_or_default()
        };
        let (env, role) = (tag("Environment"), tag("Role"));
        // What the row shows but its ping's age, which changes by itself;
        // the tags for `Key=value` terms.
        let text = filter::RowText::with_tags(
            [
                info.instance_id.as_str(),
                &name,
                info.ping_status.as_str(),
                &platform,
                info.agent_version.as_deref().unwrap_or_default(),
                info.ip_address.as_deref().unwrap_or_default(),
                &env,
                &role,
            ],
            node.tags.iter().map(|t| (t.key.as_str(), t.value.as_str())),
        );
        Self {
            node,
            name,
            platform,
            env,
            role,
            text,
        }
    }

    pub fn status(&self) -> PingStatus {
        self.node.info.ping_status
    }

    pub fn outdated(&self) -> bool {
        self.node.info.is_latest_version == Some(false)
    }

    /// The cells of the row, in column order.
    pub fn cells(&self, now: Timestamp) -> [String; 12] {
        let info = &self.node.info;
        let agent = info.agent_version.clone().unwrap_or_default();
        [
            info.instance_id.clone(),
            self.name.clone(),
            info.ping_status.as_str().to_owned(),
            self.platform.clone(),
            if self.outdated() {
                format!("{agent} ↓")
            } else {
                agent
            },
            info.ip_address.clone().unwrap_or_default(),
            info.last_ping_date_time
                .map(|t| age(now.millis_since(t)))
                .unwrap_or_default(),
            self.env.clone(),
            self.role.clone(),
            self.tag("PatchGroup").to_owned(),
            info.computer_name.clone().unwrap_or_default(),
            info.registration_date
                .map(|t| format!("{} ago", age(now.millis_since(t))))
                .unwrap_or_default(),
        ]
    }

    fn tag(&self, key: &str) -> &str {
        self.node
            .tags
            .iter()
            .find(|t| t.key == key)
            .map_or("", |t| t.value.as_str())
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        let (a, b) = (&self.node.info, &other.node.info);
        let by = match column {
            1 => self.name.cmp(&other.name),
            2 => a.ping_status.cmp(&b.ping_status),
            3 => self.platform.cmp(&other.platform),
            4 => version_key(&a.agent_version).cmp(&version_key(&b.agent_version)),
            5 => ip_key(&a.ip_address).cmp(&ip_key(&b.ip_address)),
            // Youngest ping first: ascending by age.
            6 => b.last_ping_date_time.cmp(&a.last_ping_date_time),
            7 => self.env.cmp(&other.env),
            8 => self.role.cmp(&other.role),
            9 => self.tag("PatchGroup").cmp(other.tag("PatchGroup")),
            10 => a.computer_name.cmp(&b.computer_name),
            // Newest first, as PING.
            11 => b.registration_date.cmp(&a.registration_date),
            _ => Ordering::Equal,
        };
        by.then_with(|| a.instance_id.cmp(&b.instance_id))
    }
}

fn short_platform(name: &str) -> &str {
    match name {
        "Red Hat Enterprise Linux" => "RHEL",
        "Debian GNU/Linux" => "Debian",
        other => other,
    }
}

fn version_key(v: &Option<String>) -> Vec<u64> {
    v.as_deref()
        .unwrap_or_default()
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

fn ip_key(ip: &Option<String>) -> (u32, String) {
    let text = ip.clone().unwrap_or_default();
    (
        text.parse::<Ipv4Addr>().map(u32::from).unwrap_or(u32::MAX),
        text,
    )
}

/// What the fleet pane is showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FleetView {
    Table,
    Node { instance_id: String, scroll: u16 },
}

pub struct FleetPane {
    pub rows: Vec<FleetRow>,
    index: HashMap<String, usize>,
    pub table: TableView,
    pub view: FleetView,
    pub loaded: bool,
    /// Nodes by ping status: Online, ConnectionLost, Inactive.
    pub counts: [usize; 3],
    /// Nodes selected (space) to run a command on.
    pub marked: BTreeSet<String>,
    matcher: filter::Matcher,
    /// Node events seen while a full load is in flight, applied again on
    /// top of it so the load cannot roll a node back.
    replay: Vec<NodeSummary>,
    /// The patch state, compliance and commands of the node in view.
    pub details: Option<node::NodeDetails>,
}

impl Default for FleetPane {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            index: HashMap::new(),
            table: TableView::new(&COLUMNS.map(|c| c.title)),
            view: FleetView::Table,
            loaded: false,
            counts: [0; 3],
            marked: BTreeSet::new(),
            matcher: filter::matcher(),
            replay: Vec::new(),
            details: None,
        }
    }
}

impl FleetPane {
    pub fn replace_all(&mut self, nodes: Vec<NodeSummary>) {
        self.rows = nodes.into_iter().map(FleetRow::new).collect();
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.node.info.instance_id.clone(), i))
            .collect();
        self.loaded = true;
        self.table.dirty = true;
    }

    pub fn upsert(&mut self, node: NodeSummary) {
        let row = FleetRow::new(node);
        let Some(&i) = self.index.get(&row.node.info.instance_id) else {
            self.index
                .insert(row.node.info.instance_id.clone(), self.rows.len());
            self.rows.push(row);
            self.table.dirty = true;
            return;
        };
        // A heartbeat rarely moves a row: if it keeps its place in the sort
        // and its side of the filter, only the counts change, and 100,000
        // rows need not be sorted again.
        let old = &self.rows[i];
        let (query, matcher) = (&self.table.filter, &mut self.matcher);
        let stays = !self.table.dirty
            && old.compare(&row, self.table.sort_column) == Ordering::Equal
            && query.rank(matcher, &old.text) == query.rank(matcher, &row.text);
        if stays {
            self.counts[old.status() as usize] -= 1;
            self.counts[row.status() as usize] += 1;
        } else {
            self.table.dirty = true;
        }
        self.rows[i] = row;
    }

    pub fn remove(&mut self, instance_id: &str) {
        self.marked.remove(instance_id);
        let Some(i) = self.index.remove(instance_id) else {
            return;
        };
        let selected = self.selected_id();
        self.rows.swap_remove(i);
        if let Some(moved) = self.rows.get(i) {
            self.index.insert(moved.node.info.instance_id.clone(), i);
        }
        // The table holds row indices; rebuild it now so none points past
        // the end, keeping the selection unless it was the removed node.
        self.table.order.clear();
        self.table.dirty = true;
        self.settle_keeping(selected.filter(|s| s != instance_id));
        if matches!(&self.view, FleetView::Node { instance_id: open, .. } if open == instance_id) {
            self.view = FleetView::Table;
        }
    }

    pub fn selected(&self) -> Option<&FleetRow> {
        self.table.selected_row().and_then(|i| self.rows.get(i))
    }

    pub fn selected_id(&self) -> Option<String> {
        self.selected().map(|r| r.node.info.instance_id.clone())
    }

    /// Selects the node under the cursor, or unselects it, and moves on.
    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected_id()
            && !self.marked.remove(&id)
        {
            self.marked.insert(id);
        }
        self.table.move_by(1);
    }

    pub fn row(&self, instance_id: &str) -> Option<&FleetRow> {
        self.index.get(instance_id).map(|&i| &self.rows[i])
    }

    /// Recomputes the filtered, sorted order if anything changed.
    pub fn settle(&mut self) {
        let selected = self.selected_id();
        self.settle_keeping(selected);
    }

    fn settle_keeping(&mut self, selected: Option<String>) {
        if !self.table.dirty {
            return;
        }
        self.table.dirty = false;
        let mut counts = [0; 3];
        for row in &self.rows {
            counts[row.status() as usize] += 1;
        }
        self.counts = counts;
        let (rows, table) = (&self.rows, &self.table);
        let order = table.filter.arrange(
            &mut self.matcher,
            0..rows.len(),
            |i| &rows[i].text,
            |a, b| table.directed(rows[a].compare(&rows[b], table.sort_column)),
        );
        let keep = selected.and_then(|id| self.index.get(&id).copied());
        self.table.set_order(order, keep);
    }

    pub fn render_table(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        let marked = if self.marked.is_empty() {
            String::new()
        } else {
            let shown = self
                .table
                .order
                .iter()
                .filter(|&&i| self.marked.contains(&self.rows[i].node.info.instance_id))
                .count();
            match self.marked.len() - shown {
                0 => format!("· {} selected ", self.marked.len()),
                hidden => format!(
                    "· {} selected ({hidden} hidden by the filter) ",
                    self.marked.len()
                ),
            }
        };
        let title = if self.table.filter.is_empty() {
            format!(" Nodes [{}] {marked}", self.rows.len())
        } else {
            format!(
                " Nodes [{} of {}] {marked}",
                self.table.order.len(),
                self.rows.len()
            )
        };
        let block = crate::ui::pane_block(theme, title);
        if !self.loaded {
            let waiting = Paragraph::new("Loading nodes…")
                .style(theme.muted)
                .block(block);
            frame.render_widget(waiting, area);
            return;
        }
        if self.rows.is_empty() {
            let empty = Paragraph::new(
                "No managed nodes yet. Register agents with an activation \
                 (see :activations), or start sysman with --fleet N for a simulated fleet.",
            )
            .style(theme.muted)
            .wrap(Wrap { trim: true })
            .block(block);
            frame.render_widget(empty, area);
            return;
        }
        let room = area.width.saturating_sub(2);
        let columns = crate::table::fit(&COLUMNS, room, self.table.wide);
        let header: Vec<Line> = columns
            .iter()
            .map(|&c| self.table.heading(c, COLUMNS[c].title))
            .collect();
        let selected = self.table.selected;
        let visible: Vec<(usize, [String; 12])> = self
            .table
            .visible()
            .iter()
            .map(|&r| (r, self.rows[r].cells(now)))
            .collect();
        // Widths from what the rows on screen need, as every table does.
        let content = crate::table::content_widths(
            &header,
            visible
                .iter()
                .map(|(_, cells)| columns.iter().map(move |&c| cells[c].as_str())),
        );
        let widths = crate::table::fit_widths(&COLUMNS, &columns, &content, room);
        let header = Row::new(header).style(theme.header);
        let rows = visible.into_iter().enumerate().map(|(i, (r, cells))| {
            let row = &self.rows[r];
            let is_selected = self.table.offset + i == selected;
            // Selected nodes are marked in the accent colour, as k9s marks
            // them, instead of a column that would push others off.
            let marked = self.marked.contains(&row.node.info.instance_id);
            let line = columns.iter().zip(&widths).map(|(&c, &width)| {
                let style = match c {
                    2 => status_style(theme, row.status()),
                    4 if row.outdated() => theme.warn,
                    _ => Style::default(),
                };
                let style = match (is_selected, marked) {
                    (true, _) => Style::default(),
                    (false, true) if c <= 1 => theme.accent,
                    (false, _) => style,
                };
                Line::styled(crate::ui::fit(&cells[c], usize::from(width)), style)
            });
            Row::new(line.collect::<Vec<_>>()).style(match (is_selected, marked) {
                (true, true) => theme.selection.patch(theme.accent),
                (true, false) => theme.selection,
                (false, _) => Style::default(),
            })
        });
        let constraints: Vec<Constraint> = widths.iter().copied().map(Constraint::Length).collect();
        let table = Table::new(rows, constraints)
            .header(header)
            .block(block)
            .column_spacing(1);
        frame.render_widget(table, area);
    }
}

pub fn status_style(theme: &Theme, status: PingStatus) -> Style {
    match status {
        PingStatus::Online => theme.online,
        PingStatus::ConnectionLost => theme.connection_lost,
        PingStatus::Inactive => theme.inactive,
    }
}

/// The fleet columns that fit in `width`.
pub fn fit_columns(width: u16, wide: bool) -> Vec<usize> {
    crate::table::fit(&COLUMNS, width, wide)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_drop_the_least_important_columns() {
        assert_eq!(fit_columns(200, false), (0..12).collect::<Vec<_>>());
        let narrow = fit_columns(78, false);
        assert!(narrow.contains(&0) && narrow.contains(&1) && narrow.contains(&2));
        assert!(!narrow.contains(&8), "ROLE goes first");
        assert!(!narrow.contains(&9), "and the wide columns before it");
        assert_eq!(fit_columns(10, false), Vec::<usize>::new());
    }

    #[test]
    fn ctrl_w_shows_the_wide_columns_before_the_minor_ones() {
        let wide = fit_columns(120, true);
        assert!(wide.contains(&9) && wide.contains(&10), "{wide:?}");
        assert!(wide.contains(&0) && wide.contains(&2));
    }
}
