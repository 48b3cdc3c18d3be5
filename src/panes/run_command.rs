//! Run Command: the history of commands, one command's invocations live,
//! and a node's whole output.
//!
//! The history pages on the server (`]` / `[`). A command's detail holds
//! every invocation and follows them through change events: an event
//! changes its row in place at once, and marks it for a fuller reload
//! (details, response code, timings) that the app coalesces, so 100,000
//! events never become 100,000 backend calls.

pub mod keys;
pub mod output;
pub mod send;
mod update;

use std::collections::{BTreeSet, HashMap};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use sysman_api::Timestamp;
use sysman_api::commands::{
    Command, CommandInvocation, CommandStatus, InvocationStatus, Undelivered,
};
use sysman_api::documents::DocumentIdentifier;

use super::age;
use crate::filter;
use crate::table::TableView;
use crate::theme::Theme;
use output::OutputView;

/// History columns: title, minimum width, priority (lower stays longer).
pub const COLUMNS: [(&str, u16, u8); 7] = [
    ("ID", 8, 0),
    ("DOCUMENT", 20, 0),
    ("STATUS", 11, 0),
    ("TARGETS", 16, 3),
    ("DONE", 11, 1),
    ("REQUESTED", 9, 2),
    ("COMMENT", 12, 4),
];
/// The requested-time column, the history's natural order.
const REQUESTED: usize = 5;

/// Invocation columns of a command's detail.
pub const INVOCATION_COLUMNS: [(&str, u16, u8); 6] = [
    ("INSTANCE", 20, 0),
    ("NAME", 14, 1),
    ("STATUS", 11, 0),
    ("DETAILS", 14, 3),
    ("CODE", 4, 2),
    ("DURATION", 8, 2),
];

/// Commands of at most this many targets reload whole when they change;
/// bigger ones reload only the changed rows on screen.
pub const FULL_RELOAD_MAX: i64 = 250;

/// The eight states an operator tells apart: the invocation statuses with
/// AWS's two status *details* that matter, Undeliverable (a Failed that
/// never reached its node) and Terminated (a Cancelled that MaxErrors
/// stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shown {
    Pending,
    InProgress,
    Success,
    Failed,
    TimedOut,
    Cancelled,
    Undeliverable,
    Terminated,
}

impl Shown {
    pub const ALL: [Shown; 8] = [
        Shown::Pending,
        Shown::InProgress,
        Shown::Success,
        Shown::Failed,
        Shown::TimedOut,
        Shown::Cancelled,
        Shown::Undeliverable,
        Shown::Terminated,
    ];

    pub fn of(status: InvocationStatus, details: &str) -> Shown {
        match status {
            InvocationStatus::Pending | InvocationStatus::Delayed => Shown::Pending,
            InvocationStatus::InProgress | InvocationStatus::Cancelling => Shown::InProgress,
            InvocationStatus::Success => Shown::Success,
            InvocationStatus::Failed if details == "Undeliverable" => Shown::Undeliverable,
            InvocationStatus::Failed => Shown::Failed,
            InvocationStatus::TimedOut => Shown::TimedOut,
            InvocationStatus::Cancelled if details == "Terminated" => Shown::Terminated,
            InvocationStatus::Cancelled => Shown::Cancelled,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Shown::Pending => "Pending",
            Shown::InProgress => "InProgress",
            Shown::Success => "Success",
            Shown::Failed => "Failed",
            Shown::TimedOut => "TimedOut",
            Shown::Cancelled => "Cancelled",
            Shown::Undeliverable => "Undeliverable",
            Shown::Terminated => "Terminated",
        }
    }

    pub fn style(self, theme: &Theme) -> Style {
        match self {
            Shown::Pending => theme.inactive,
            Shown::InProgress => theme.accent,
            Shown::Success => theme.online,
            Shown::Failed | Shown::Undeliverable => theme.error,
            Shown::TimedOut => theme.connection_lost,
            Shown::Cancelled | Shown::Terminated => theme.warn,
        }
    }
}

pub fn command_status_style(theme: &Theme, status: CommandStatus) -> Style {
    match status {
        CommandStatus::Pending => theme.inactive,
        CommandStatus::InProgress => theme.accent,
        CommandStatus::Success => theme.online,
        CommandStatus::Failed => theme.error,
        CommandStatus::TimedOut => theme.connection_lost,
        CommandStatus::Cancelled | CommandStatus::Cancelling => theme.warn,
    }
}

pub fn command_status_label(status: CommandStatus) -> &'static str {
    match status {
        CommandStatus::Pending => "Pending",
        CommandStatus::InProgress => "InProgress",
        CommandStatus::Success => "Success",
        CommandStatus::Cancelled => "Cancelled",
        CommandStatus::Failed => "Failed",
        CommandStatus::TimedOut => "TimedOut",
        CommandStatus::Cancelling => "Cancelling",
    }
}

/// The first eight characters of a command id, as the history shows it.
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// A command's targets as one would type them in the send form:
/// `tag:Role=web,api` or node ids separated by spaces.
pub fn targets_text(command: &Command) -> String {
    if !command.instance_ids.is_empty() {
        return command.instance_ids.join(" ");
    }
    command
        .targets
        .iter()
        .map(|t| match t.key.as_str() {
            "InstanceIds" => t.values.join(" "),
            key => format!("{key}={}", t.values.join(",")),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `12/20 ✗1 ⏱2`: completed of targets, errors, delivery timeouts.
pub fn done_text(c: &Command) -> String {
    let mut text = format!("{}/{}", c.completed_count, c.target_count);
    if c.error_count > 0 {
        text.push_str(&format!(" ✗{}", c.error_count));
    }
    if c.delivery_timed_out_count > 0 {
        text.push_str(&format!(" ⏱{}", c.delivery_timed_out_count));
    }
    text
}

/// How long something took: `850ms`, `4.2s`, `3m07s`, `2h05m`.
pub fn duration(millis: i64) -> String {
    let ms = millis.max(0);
    match ms {
        0..1000 => format!("{ms}ms"),
        1000..60_000 => format!("{}.{}s", ms / 1000, (ms % 1000) / 100),
        60_000..3_600_000 => format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000),
        _ => format!("{}h{:02}m", ms / 3_600_000, (ms % 3_600_000) / 60_000),
    }
}

pub fn cells(c: &Command, now: Timestamp) -> [String; 7] {
    [
        short_id(&c.command_id).to_owned(),
        c.document_name.clone(),
        command_status_label(c.status).to_owned(),
        targets_text(c),
        done_text(c),
        format!("{} ago", age(now.millis_since(c.requested_date_time))),
        c.comment.clone().unwrap_or_default(),
    ]
}

/// A node's response code, start and end over the steps it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timing {
    /// The first non-zero exit code of a finished step, else 0 once one
    /// finished; `None` before any did.
    pub code: Option<i64>,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
}

pub fn timing(inv: &CommandInvocation) -> Timing {
    let plugins = &inv.command_plugins;
    let finished: Vec<i64> = plugins
        .iter()
        .filter(|p| p.status.is_terminal() && p.response_code >= 0)
        .map(|p| p.response_code)
        .collect();
    let code = finished
        .iter()
        .copied()
        .find(|c| *c != 0)
        .or(finished.first().copied());
    let started = plugins
        .iter()
        .filter_map(|p| p.response_start_date_time)
        .min();
    let ended = plugins
        .iter()
        .filter_map(|p| p.response_finish_date_time)
        .max();
    Timing {
        code,
        started,
        finished: if inv.status.is_terminal() {
            ended
        } else {
            None
        },
    }
}

/// The duration cell: how long it ran, or has been running (`12s…`).
pub fn duration_text(inv: &CommandInvocation, now: Timestamp) -> String {
    let t = timing(inv);
    match (t.started, t.finished) {
        (Some(s), Some(f)) => duration(f.millis_since(s)),
        (Some(s), None) if !inv.status.is_terminal() => {
            format!("{}…", duration(now.millis_since(s)))
        }
        _ => String::new(),
    }
}

/// How many nodes a running command may wait on for the status line to
/// name them.
const WAITING_NAMED: usize = 3;

/// Why an invocation was not delivered, as the server wrote it in its
/// output: the node's platform has no step to run, or the node left.
fn undelivered_because(inv: &CommandInvocation) -> &'static str {
    let reason = inv
        .command_plugins
        .iter()
        .find_map(|p| Undelivered::read(&p.output));
    match reason {
        Some(Undelivered::UnsupportedPlatform) => "unsupported platform",
        Some(Undelivered::Deregistered) => "node deregistered",
        None => "",
    }
}

/// One node's invocation of the open command.
#[derive(Debug, Clone)]
pub struct InvRow {
    pub inv: CommandInvocation,
    pub shown: Shown,
    text: filter::RowText,
}

impl InvRow {
    pub fn new(inv: CommandInvocation) -> Self {
        let shown = Shown::of(inv.status, &inv.status_details);
        let mut row = Self {
            inv,
            shown,
            text: filter::RowText::default(),
        };
        // What the row shows but how long it has run, which changes by
        // itself (the last column, the only one that reads the time).
        let cells = row.cells(Timestamp::default());
        row.text = filter::RowText::new(cells[..5].iter().map(String::as_str));
        row
    }

    pub fn cells(&self, now: Timestamp) -> [String; 6] {
        let inv = &self.inv;
        [
            inv.instance_id.clone(),
            inv.instance_name.clone().unwrap_or_default(),
            inv.status.as_str().to_owned(),
            inv.status_details.clone(),
            timing(inv).code.map(|c| c.to_string()).unwrap_or_default(),
            duration_text(inv, now),
        ]
    }
}

/// A command opened: its record, every invocation, live.
pub struct CommandDetail {
    pub command_id: String,
    pub command: Option<Command>,
    pub rows: Vec<InvRow>,
    index: HashMap<String, usize>,
    pub table: TableView,
    pub loaded: bool,
    /// Invocations by [`Shown`], in its order.
    pub counts: [usize; 8],
    pub error: Option<String>,
    /// Rows an event changed since they were last loaded whole.
    pub stale: BTreeSet<String>,
    /// The command record changed since it was last loaded.
    pub command_stale: bool,
    /// An event moved a row in a way the sort or the filter may care about.
    pub resort: bool,
    /// Requests in flight: the command record, invocations.
    pub command_request: Option<u64>,
    pub rows_request: Option<u64>,
    /// Events that arrived while every row was being reloaded, applied
    /// again on top of the reload so it cannot roll a row back.
    pub replay: Vec<(String, InvocationStatus, String)>,
    matcher: filter::Matcher,
}

impl CommandDetail {
    /// Why the finished command did not succeed everywhere, when it did
    /// not: the nodes that did not succeed, by how, with the reason an
    /// undelivered one gives (`15 Undeliverable, unsupported platform`).
    pub fn why_not_everywhere(&self) -> Option<String> {
        let command = self.command.as_ref()?;
        if !command.status.is_terminal() || command.status == CommandStatus::Success {
            return None;
        }
        let mut counts: Vec<(Shown, &'static str, usize)> = Vec::new();
        for row in &self.rows {
            if row.shown == Shown::Success {
                continue;
            }
            let reason = match row.shown {
                Shown::Undeliverable => undelivered_because(&row.inv),
                _ => "",
            };
            match counts
                .iter_mut()
                .find(|(s, r, _)| *s == row.shown && *r == reason)
            {
                Some((_, _, n)) => *n += 1,
                None => counts.push((row.shown, reason, 1)),
            }
        }
        counts.sort_by_key(|(_, _, n)| std::cmp::Reverse(*n));
        let parts: Vec<String> = counts
            .iter()
            .map(|(shown, reason, n)| match reason {
                &"" => format!("{n} {}", shown.label()),
                reason => format!("{n} {}, {reason}", shown.label()),
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    /// The last few nodes a running command waits on, by name and state,
    /// when the rest are done: why a command sits at 97%
    /// (`waiting on web-prod-001 (Pending)`). A node that has not taken
    /// its invocation yet is one that has not been heard from since.
    pub fn waiting_on(&self) -> Option<String> {
        let command = self.command.as_ref()?;
        if command.status.is_terminal() {
            return None;
        }
        let waiting: Vec<&InvRow> = self
            .rows
            .iter()
            .filter(|r| !r.inv.status.is_terminal())
            .collect();
        if waiting.is_empty() || waiting.len() > WAITING_NAMED {
            return None;
        }
        let named: Vec<String> = waiting
            .iter()
            .map(|r| {
                let name = r.inv.instance_name.as_deref().unwrap_or(&r.inv.instance_id);
                format!("{name} ({})", r.shown.label())
            })
            .collect();
        Some(format!("waiting on {}", named.join(", ")))
    }

    pub fn new(command_id: String, command: Option<Command>) -> Self {
        let mut table = TableView::new(&INVOCATION_COLUMNS.map(|c| c.0));
        // Dispatch order is by instance id; keep it until asked otherwise.
        table.sort_column = 0;
        Self {
            command_id,
            command,
            rows: Vec::new(),
            index: HashMap::new(),
            table,
            loaded: false,
            counts: [0; 8],
            error: None,
            stale: BTreeSet::new(),
            command_stale: false,
            resort: false,
            command_request: None,
            rows_request: None,
            replay: Vec::new(),
            matcher: filter::matcher(),
        }
    }

    pub fn replace_all(&mut self, list: Vec<CommandInvocation>) {
        let held = self.selected().map(|r| r.inv.instance_id.clone());
        self.table.hold(held);
        self.rows = list.into_iter().map(InvRow::new).collect();
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.inv.instance_id.clone(), i))
            .collect();
        self.recount();
        self.stale.clear();
        self.loaded = true;
        self.table.dirty = true;
    }

    /// Replaces the rows given, as a partial reload brings them.
    pub fn refresh(&mut self, list: Vec<CommandInvocation>) {
        for inv in list {
            self.stale.remove(&inv.instance_id);
            match self.index.get(&inv.instance_id) {
                Some(&i) => self.rows[i] = InvRow::new(inv),
                None => {
                    self.index.insert(inv.instance_id.clone(), self.rows.len());
                    self.rows.push(InvRow::new(inv));
                }
            }
        }
        self.recount();
        self.table.dirty = true;
    }

    fn recount(&mut self) {
        let mut counts = [0; 8];
        for row in &self.rows {
            counts[row.shown as usize] += 1;
        }
        self.counts = counts;
    }

    /// An event: the row changes at once, from the event alone.
    pub fn apply_event(&mut self, instance_id: &str, status: InvocationStatus, details: &str) {
        let Some(&i) = self.index.get(instance_id) else {
            // A row not loaded yet: the next reload brings it.
            self.stale.insert(instance_id.to_owned());
            return;
        };
        let now = &self.rows[i].inv;
        if now.status != status || now.status_details != details {
            let mut inv = now.clone();
            inv.status_details = details.to_owned();
            inv.status = status;
            let row = InvRow::new(inv);
            self.counts[self.rows[i].shown as usize] -= 1;
            self.counts[row.shown as usize] += 1;
            self.rows[i] = row;
            self.resort = true;
        }
        self.stale.insert(instance_id.to_owned());
    }

    pub fn row(&self, instance_id: &str) -> Option<&InvRow> {
        self.index.get(instance_id).map(|&i| &self.rows[i])
    }

    pub fn selected(&self) -> Option<&InvRow> {
        self.table.selected_row().and_then(|i| self.rows.get(i))
    }

    /// Stale rows on screen now, for a partial reload.
    pub fn stale_visible(&self) -> Vec<String> {
        self.table
            .visible()
            .iter()
            .map(|&i| &self.rows[i].inv.instance_id)
            .filter(|id| self.stale.contains(*id))
            .cloned()
            .collect()
    }

    /// Invocations not yet finished, for the cancel prompt.
    pub fn unfinished(&self) -> usize {
        self.counts[Shown::Pending as usize] + self.counts[Shown::InProgress as usize]
    }

    pub fn settle(&mut self) {
        if !self.table.dirty {
            return;
        }
        self.table.dirty = false;
        let rows = &self.rows;
        let keep = self
            .table
            .kept_row(|id| rows.iter().position(|r| r.inv.instance_id == id));
        let column = self.table.sort_column;
        let order = self.table.filter.arrange(
            &mut self.matcher,
            0..rows.len(),
            |i| &rows[i].text,
            |x, y| {
                let (a, b) = (&rows[x], &rows[y]);
                let by = match column {
                    1 => a.inv.instance_name.cmp(&b.inv.instance_name),
                    2 => a.shown.cmp(&b.shown),
                    3 => a.inv.status_details.cmp(&b.inv.status_details),
                    4 => timing(&a.inv).code.cmp(&timing(&b.inv).code),
                    5 => {
                        let d = |r: &InvRow| {
                            let t = timing(&r.inv);
                            t.started.zip(t.finished).map(|(s, f)| f.millis_since(s))
                        };
                        d(a).cmp(&d(b))
                    }
                    _ => std::cmp::Ordering::Equal,
                };
                self.table
                    .directed(by.then_with(|| a.inv.instance_id.cmp(&b.inv.instance_id)))
            },
        );
        self.table.set_order(order, keep);
    }
}

/// What the Run Command pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunView {
    History,
    Detail,
    Output,
}

pub struct RunCommandPane {
    /// The commands of the page shown, newest first as the server gives them.
    pub list: Vec<Command>,
    texts: Vec<filter::RowText>,
    pub table: TableView,
    pub loaded: bool,
    /// The token that starts each page before the current one, and this
    /// one's: `pages.last()` is the current page's token.
    pub pages: Vec<Option<String>>,
    /// The token of the page after this one, if there is one.
    pub next_token: Option<String>,
    pub detail: Option<Box<CommandDetail>>,
    pub output: Option<Box<OutputView>>,
    /// Command documents, for the send form's picker.
    pub documents: Vec<DocumentIdentifier>,
    pub documents_loaded: bool,
    /// A command changed since the history page was loaded.
    history_stale: bool,
    matcher: filter::Matcher,
    /// The console changes nothing: the empty history offers no `n`.
    pub readonly: bool,
}

impl Default for RunCommandPane {
    fn default() -> Self {
        let mut table = TableView::new(&COLUMNS.map(|c| c.0));
        table.sort_column = REQUESTED;
        table.ascending = false;
        Self {
            list: Vec::new(),
            texts: Vec::new(),
            table,
            loaded: false,
            pages: vec![None],
            next_token: None,
            detail: None,
            output: None,
            documents: Vec::new(),
            documents_loaded: false,
            history_stale: false,
            matcher: filter::matcher(),
            readonly: false,
        }
    }
}

impl RunCommandPane {
    pub fn view(&self) -> RunView {
        match (&self.detail, &self.output) {
            (_, Some(_)) => RunView::Output,
            (Some(_), None) => RunView::Detail,
            (None, None) => RunView::History,
        }
    }

    pub fn page_token(&self) -> Option<String> {
        self.pages.last().cloned().flatten()
    }

    pub fn replace_page(&mut self, list: Vec<Command>, next_token: Option<String>) {
        let held = self.selected().map(|c| c.command_id.clone());
        self.table.hold(held);
        // What the row shows but its age, which changes by itself.
        self.texts = list
            .iter()
            .map(|c| {
                let cells = cells(c, Timestamp::default());
                filter::RowText::new(
                    (0..cells.len())
                        .filter(|&c| c != REQUESTED)
                        .map(|c| cells[c].as_str()),
                )
            })
            .collect();
        // The detail's header follows the history where it can.
        if let Some(detail) = &mut self.detail
            && let Some(c) = list.iter().find(|c| c.command_id == detail.command_id)
            && detail.command_request.is_none()
        {
            detail.command = Some(c.clone());
        }
        self.list = list;
        self.next_token = next_token;
        self.loaded = true;
        self.table.dirty = true;
    }

    pub fn selected(&self) -> Option<&Command> {
        self.table.selected_row().and_then(|i| self.list.get(i))
    }

    /// The command in focus: the open one, else the selected row.
    pub fn focused(&self) -> Option<&Command> {
        match &self.detail {
            Some(d) => d.command.as_ref(),
            None => self.selected(),
        }
    }

    fn sort_and_filter(&mut self) {
        if let Some(detail) = &mut self.detail {
            detail.settle();
        }
        if !self.table.dirty {
            return;
        }
        self.table.dirty = false;
        let list = &self.list;
        let keep = self
            .table
            .kept_row(|id| list.iter().position(|c| c.command_id == id));
        let column = self.table.sort_column;
        let order = self.table.filter.arrange(
            &mut self.matcher,
            0..list.len(),
            |i| &self.texts[i],
            |x, y| {
                let (a, b) = (&list[x], &list[y]);
                let by = match column {
                    0 => a.command_id.cmp(&b.command_id),
                    1 => a.document_name.cmp(&b.document_name),
                    2 => command_status_label(a.status).cmp(command_status_label(b.status)),
                    3 => targets_text(a).cmp(&targets_text(b)),
                    4 => (a.completed_count * b.target_count.max(1))
                        .cmp(&(b.completed_count * a.target_count.max(1))),
                    6 => a.comment.cmp(&b.comment),
                    _ => a.requested_date_time.cmp(&b.requested_date_time),
                };
                // Ties keep the server's order (newest first).
                self.table.directed(by).then(x.cmp(&y))
            },
        );
        self.table.set_order(order, keep);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        match (&self.detail, &self.output) {
            (Some(detail), Some(output)) => {
                let row = detail.row(&output.instance_id);
                output.render(frame, area, theme, now, row)
            }
            (Some(detail), None) => render_detail(frame, area, theme, now, detail),
            (None, _) => self.render_history(frame, area, theme, now),
        }
    }

    fn render_history(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        let page = if self.pages.len() > 1 || self.next_token.is_some() {
            format!(
                " · page {}{}",
                self.pages.len(),
                if self.next_token.is_some() {
                    " (] next)"
                } else {
                    ""
                }
            )
        } else {
            String::new()
        };
        let title = if self.table.filter.is_empty() {
            format!(" Commands [{}]{page} ", self.list.len())
        } else {
            format!(
                " Commands [{} of {}]{page} ",
                self.table.order.len(),
                self.list.len()
            )
        };
        let block = crate::ui::pane_block(theme, title);
        if !self.loaded || self.list.is_empty() {
            let text = if !self.loaded {
                "Loading commands…"
            } else if self.readonly {
                "No commands yet."
            } else {
                "No commands yet. Press n to send one, or select nodes in :fleet (space) and press R."
            };
            crate::ui::placeholder(frame, area, block, text, theme);
            return;
        }
        let columns = crate::table::fit_columns(
            &COLUMNS.map(|(_, min, priority)| (min, priority)),
            area.width.saturating_sub(2),
        );
        let header = Row::new(columns.iter().map(|&c| self.table.heading(c, COLUMNS[c].0)))
            .style(theme.header);
        let rows = self.table.visible().iter().enumerate().map(|(i, &r)| {
            let c = &self.list[r];
            let selected = self.table.offset + i == self.table.selected;
            let cells = cells(c, now);
            Row::new(columns.iter().map(|&col| {
                let style = match col {
                    _ if selected => Style::default(),
                    2 => command_status_style(theme, c.status),
                    4 if c.error_count > 0 => theme.error,
                    0 | 5 => theme.muted,
                    _ => Style::default(),
                };
                Line::styled(cells[col].clone(), style)
            }))
            .style(if selected {
                theme.selection
            } else {
                Style::default()
            })
        });
        let widths = columns.iter().map(|&c| match c {
            1 | 6 => Constraint::Min(COLUMNS[c].1),
            _ => Constraint::Length(COLUMNS[c].1),
        });
        frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
    }
}

/// `████████░░░░` over `width` cells for `done` of `total`.
pub fn progress_bar(done: i64, total: i64, width: usize) -> (String, String) {
    let filled = if total <= 0 {
        width
    } else {
        ((done.clamp(0, total) as usize) * width) / total as usize
    };
    ("█".repeat(filled), "░".repeat(width - filled))
}

fn render_detail(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    now: Timestamp,
    detail: &CommandDetail,
) {
    let document = detail
        .command
        .as_ref()
        .map(|c| c.document_name.as_str())
        .unwrap_or("…");
    let block = crate::ui::pane_block(
        theme,
        format!(" Command {} — {document} ", detail.command_id),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(error) = &detail.error {
        frame.render_widget(
            Paragraph::new(error.clone())
                .style(theme.error)
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let [top, bottom] = Layout::vertical([Constraint::Length(5), Constraint::Min(0)]).areas(inner);
    let label = |text: &str| Span::styled(format!("{text:<12}"), theme.muted);
    let mut lines = Vec::new();
    if let Some(c) = &detail.command {
        let mut status = vec![
            label("Status"),
            Span::styled(
                command_status_label(c.status),
                command_status_style(theme, c.status),
            ),
        ];
        if c.status_details.replace(' ', "") != command_status_label(c.status) {
            status.push(Span::styled(
                format!(" ({})", c.status_details),
                theme.muted,
            ));
        }
        let why = detail.why_not_everywhere().or_else(|| detail.waiting_on());
        if let Some(why) = &why {
            status.push(Span::styled(format!(": {why}"), theme.warn));
        }
        // The reason matters more than the time, which the list shows.
        if why.is_none() || inner.width >= 100 {
            status.push(Span::styled("   Requested ", theme.muted));
            let ago = age(now.millis_since(c.requested_date_time));
            status.push(Span::raw(if inner.width >= 100 {
                format!("{} ({ago} ago)", c.requested_date_time.iso8601())
            } else {
                format!("{ago} ago")
            }));
        }
        lines.push(Line::from(status));

        let bar_width = usize::from(inner.width).saturating_sub(40).clamp(10, 40);
        let (full, empty) = progress_bar(c.completed_count, c.target_count, bar_width);
        let percent = (c.completed_count * 100)
            .checked_div(c.target_count)
            .unwrap_or(100);
        let mut progress = vec![
            label("Progress"),
            Span::styled(full, command_status_style(theme, c.status)),
            Span::styled(empty, theme.muted),
            Span::raw(format!(
                " {}/{} ({percent}%)",
                c.completed_count, c.target_count
            )),
        ];
        if c.error_count > 0 {
            progress.push(Span::styled(
                format!(
                    "  ✗ {} error{}",
                    c.error_count,
                    if c.error_count == 1 { "" } else { "s" }
                ),
                theme.error,
            ));
        }
        if c.delivery_timed_out_count > 0 {
            progress.push(Span::styled(
                format!("  ⏱ {} not delivered", c.delivery_timed_out_count),
                theme.connection_lost,
            ));
        }
        lines.push(Line::from(progress));

        // Every state when there is room; only those with nodes when not.
        let room = usize::from(inner.width).saturating_sub(12);
        let all: usize = Shown::ALL
            .iter()
            .map(|s| s.label().len() + 3 + detail.counts[*s as usize].to_string().len())
            .sum();
        let mut counts = vec![label("Nodes")];
        for shown in Shown::ALL {
            let n = detail.counts[shown as usize];
            if n == 0 && all > room {
                continue;
            }
            let style = if n > 0 {
                shown.style(theme)
            } else {
                theme.muted
            };
            counts.push(Span::styled(format!("{} {n}", shown.label()), style));
            counts.push(Span::raw("  "));
        }
        counts.pop();
        lines.push(Line::from(counts));

        lines.push(Line::from(vec![
            label("Limits"),
            Span::raw(format!(
                "{} at a time · stop after {} errors · delivery timeout {}s",
                c.max_concurrency, c.max_errors, c.timeout_seconds
            )),
        ]));
        let mut targets = vec![label("Targets"), Span::raw(targets_text(c))];
        if let Some(comment) = &c.comment {
            targets.push(Span::styled("   Comment ", theme.muted));
            targets.push(Span::raw(comment.clone()));
        }
        lines.push(Line::from(targets));
    } else {
        lines.push(Line::styled("Loading the command…", theme.muted));
    }
    frame.render_widget(Paragraph::new(lines), top);

    let title = if detail.table.filter.is_empty() {
        format!(" Invocations [{}] ", detail.rows.len())
    } else {
        format!(
            " Invocations [{} of {}] ",
            detail.table.order.len(),
            detail.rows.len()
        )
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(Span::styled(title, theme.title));
    if !detail.loaded {
        frame.render_widget(
            Paragraph::new("Loading invocations…")
                .style(theme.muted)
                .block(block),
            bottom,
        );
        return;
    }
    let columns = crate::table::fit_columns(
        &INVOCATION_COLUMNS.map(|(_, min, priority)| (min, priority)),
        bottom.width,
    );
    let header = Row::new(
        columns
            .iter()
            .map(|&c| detail.table.heading(c, INVOCATION_COLUMNS[c].0)),
    )
    .style(theme.header);
    let rows = detail.table.visible().iter().enumerate().map(|(i, &r)| {
        let row = &detail.rows[r];
        let selected = detail.table.offset + i == detail.table.selected;
        let cells = row.cells(now);
        Row::new(columns.iter().map(|&c| {
            let style = match c {
                _ if selected => Style::default(),
                2 | 3 => row.shown.style(theme),
                4 if timing(&row.inv).code.is_some_and(|code| code != 0) => theme.error,
                _ => Style::default(),
            };
            Line::styled(cells[c].clone(), style)
        }))
        .style(if selected {
            theme.selection
        } else {
            Style::default()
        })
    });
    let widths = columns.iter().map(|&c| match c {
        1 | 3 => Constraint::Min(INVOCATION_COLUMNS[c].1),
        _ => Constraint::Length(INVOCATION_COLUMNS[c].1),
    });
    frame.render_widget(Table::new(rows, widths).header(header).block(block), bottom);
}

#[cfg(test)]
mod tests {
    use super::*;
    use sysman_api::commands::CommandPlugin;

    fn inv(id: &str, status: InvocationStatus, details: &str) -> CommandInvocation {
        CommandInvocation {
            command_id: "c".repeat(36),
            instance_id: id.into(),
            instance_name: Some(format!("name-{id}")),
            comment: None,
            document_name: "AWS-RunShellScript".into(),
            document_version: "1".into(),
            requested_date_time: Timestamp::from_secs(0),
            status,
            status_details: details.into(),
            command_plugins: vec![CommandPlugin {
                name: "aws:runShellScript".into(),
                status,
                status_details: details.into(),
                response_code: if status == InvocationStatus::Failed {
                    2
                } else {
                    0
                },
                response_start_date_time: Some(Timestamp::from_secs(10)),
                response_finish_date_time: status
                    .is_terminal()
                    .then(|| Timestamp::from_secs(10).plus_millis(4_200)),
                output: String::new(),
                output_s3_bucket_name: String::new(),
                output_s3_key_prefix: String::new(),
                output_s3_region: String::new(),
                standard_output_url: String::new(),
                standard_error_url: String::new(),
            }],
        }
    }

    #[test]
    fn statuses_and_details_fold_into_eight_states() {
        assert_eq!(
            Shown::of(InvocationStatus::Failed, "Undeliverable"),
            Shown::Undeliverable
        );
        assert_eq!(
            Shown::of(InvocationStatus::Cancelled, "Terminated"),
            Shown::Terminated
        );
        assert_eq!(
            Shown::of(InvocationStatus::Delayed, "Delayed"),
            Shown::Pending
        );
        assert_eq!(
            Shown::of(InvocationStatus::TimedOut, "Delivery Timed Out"),
            Shown::TimedOut
        );
    }

    #[test]
    fn durations_and_progress_are_brief() {
        assert_eq!(duration(850), "850ms");
        assert_eq!(duration(4_250), "4.2s");
        assert_eq!(duration(187_000), "3m07s");
        assert_eq!(duration(7_500_000), "2h05m");
        assert_eq!(progress_bar(1, 4, 8), ("██".into(), "░░░░░░".into()));
        assert_eq!(progress_bar(0, 0, 3).0, "███");
    }

    #[test]
    fn rows_show_code_and_duration_and_events_move_counts() {
        let mut d = CommandDetail::new("c".repeat(36), None);
        d.replace_all(vec![
            inv("mi-00000000000000001", InvocationStatus::Success, "Success"),
            inv("mi-00000000000000002", InvocationStatus::Failed, "Failed"),
            inv("mi-00000000000000003", InvocationStatus::Pending, "Pending"),
        ]);
        let cells = d.rows[1].cells(Timestamp::from_secs(100));
        assert_eq!(cells[4], "2");
        assert_eq!(cells[5], "4.2s");
        assert_eq!(d.counts[Shown::Failed as usize], 1);
        assert_eq!(d.unfinished(), 1);
        d.apply_event(
            "mi-00000000000000003",
            InvocationStatus::InProgress,
            "InProgress",
        );
        assert_eq!(d.counts[Shown::Pending as usize], 0);
        assert_eq!(d.counts[Shown::InProgress as usize], 1);
        assert!(d.stale.contains("mi-00000000000000003"));
        assert_eq!(d.rows[2].inv.status_details, "InProgress");
        d.apply_event(
            "mi-00000000000000003",
            InvocationStatus::TimedOut,
            "Execution Timed Out",
        );
        assert_eq!(d.rows[2].inv.status_details, "Execution Timed Out");
        assert_eq!(d.counts[Shown::TimedOut as usize], 1);
    }
}
