//! What the Fleet pane does: the full load of every node (with the node
//! events seen meanwhile replayed on top), the node view, marks, running a
//! command on nodes and deregistering.

use super::keys;
use ratatui::Frame;
use ratatui::layout::Rect;
use sysman_api::events::Event;
use sysman_api::fleet::{DeregisterManagedInstance, ListNodes, NodeSummary};
use sysman_api::{ApiError, Timestamp};

use super::node::{NodeDetails, NodeReport, Report, ReportOf};
use super::run_choice::{Picked, RunChooser};
use super::{FleetPane, FleetView};
use crate::app::Ask;
use crate::app::Dialog;
use crate::describe::Described;
use crate::keys::{Command, Scope};
use crate::panes::run_command::send::SendForm;
use crate::panes::{Handled, Pane, Room};
use crate::request::Cx;
use crate::runtime::job::{EveryPage, Paged};
use crate::table::TableView;
use crate::theme::Theme;
use ratatui::crossterm::event::KeyEvent;

/// The slots of the full load of every node, and of the report of the
/// node in view.
const NODES: &str = "nodes";
const REPORT: &str = "report";

impl FleetPane {
    /// Every node, page by page.
    fn load(&mut self, cx: &mut Cx) {
        self.replay.clear();
        let every_node = EveryPage(ListNodes {
            max_results: Some(5000),
            next_token: None,
        });
        cx.load(NODES, every_node, Self::loaded);
    }

    fn loaded(&mut self, result: Result<Vec<NodeSummary>, ApiError>, cx: &mut Cx) {
        match result {
            Ok(nodes) => {
                self.replace_all(nodes);
                for node in std::mem::take(&mut self.replay) {
                    self.upsert(node);
                }
            }
            Err(e) => cx.set_status(format!("could not load nodes: {e}"), true),
        }
    }

    fn open(&mut self, cx: &mut Cx) {
        if let Some(id) = self.selected_id() {
            self.view = FleetView::Node {
                instance_id: id.clone(),
                scroll: 0,
            };
            self.details = Some(NodeDetails {
                instance_id: id,
                report: Report::Loading,
            });
            self.load_report(cx, false);
        }
    }

    /// The patch state, compliance and recent commands of the node in
    /// view; `again` when they moved (coalesced while one load runs).
    fn load_report(&mut self, cx: &mut Cx, again: bool) {
        let Some(details) = &self.details else { return };
        let job = ReportOf(details.instance_id.clone());
        let then = move |pane: &mut Self, result: Result<NodeReport, ApiError>, _: &mut Cx| {
            let Some(details) = &mut pane.details else {
                return;
            };
            details.report = match result {
                Ok(report) => Report::Loaded(Box::new(report)),
                // A failed reload keeps what was shown.
                Err(_) if again && matches!(details.report, Report::Loaded(_)) => return,
                Err(e) => Report::Failed(e.to_string()),
            };
        };
        if again {
            cx.reload(REPORT, job, then);
        } else {
            cx.load(REPORT, job, then);
        }
    }

    /// Whether `event` moves the report of the node in view.
    fn moves_report(&self, event: &Event) -> bool {
        let Some(details) = &self.details else {
            return false;
        };
        let id = &details.instance_id;
        match event {
            Event::PatchStateChanged { instance_id }
            | Event::InvocationChanged { instance_id, .. } => instance_id == id,
            Event::ComplianceChanged { resource_id, .. } => resource_id == id,
            _ => false,
        }
    }

    fn confirm_deregister(&mut self, cx: &mut Cx) {
        let target = match &self.view {
            FleetView::Node { instance_id, .. } => Some(instance_id.clone()),
            FleetView::Table => self.selected_id(),
        };
        let Some(instance_id) = target else { return };
        let name = self
            .row(&instance_id)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let prompt = format!(
            "Deregister {instance_id} ({name})? Its agent must register again with a new \
             activation to come back."
        );
        let deregister = DeregisterManagedInstance {
            instance_id: instance_id.clone(),
        };
        let prepared = cx.prepare(deregister, move |_: &mut Self, result, cx| match result {
            Ok(_) => cx.set_status(format!("deregistered {instance_id}"), false),
            Err(e) => cx.set_status(e.to_string(), true),
        });
        cx.confirm(prompt, prepared);
    }

    /// `R`: the Run Command form aimed at the selected nodes, or this one.
    /// `R`: the send form for the node in view, or for the one set of
    /// nodes there is to run on; a chooser when there are several (the
    /// selection, the filtered rows, the cursor's node) or when any of
    /// them has lost its connection.
    fn run_on_nodes(&mut self, cx: &mut Cx) {
        if let FleetView::Node { instance_id, .. } = &self.view {
            return send_form(instance_id.clone(), cx);
        }
        let choices = self.run_choices();
        match choices.as_slice() {
            [] => {}
            [only] if only.lost == 0 && !only.targets.is_empty() => {
                send_form(only.targets.clone(), cx)
            }
            _ => cx.open(RunChooser {
                choices,
                selected: 0,
            }),
        }
    }

    /// `esc`: leaves the node's view, or else unselects the selected nodes
    /// (once the filter is cleared).
    fn back(&mut self, cx: &mut Cx) -> Handled {
        if let FleetView::Node { .. } = self.view {
            self.view = FleetView::Table;
            self.details = None;
            cx.forget(REPORT);
        } else if self.table.filter.is_empty() && !self.marked.is_empty() {
            let n = self.marked.len();
            self.marked.clear();
            cx.set_status(format!("unselected {n} nodes"), false);
        } else {
            return Handled::No;
        }
        Handled::Yes
    }
}

fn send_form(targets: String, cx: &mut Cx) {
    cx.ask(Ask::SendForm(Box::new(SendForm::new(targets))));
}

impl Paged for ListNodes {
    type Item = NodeSummary;

    fn at(&self, next_token: Option<String>) -> Self {
        ListNodes {
            next_token,
            ..self.clone()
        }
    }

    fn split(page: Self::Output) -> (Vec<NodeSummary>, Option<String>) {
        (page.nodes, page.next_token)
    }
}

impl Pane for FleetPane {
    fn scopes(&self) -> Vec<Scope> {
        match self.view {
            FleetView::Table => vec![keys::FLEET, Scope::TABLE],
            FleetView::Node { .. } => vec![keys::NODE],
        }
    }

    fn table(&self) -> &TableView {
        &self.table
    }

    fn table_mut(&mut self) -> &mut TableView {
        &mut self.table
    }

    fn in_table(&self) -> bool {
        self.view == FleetView::Table
    }

    fn start(&mut self, cx: &mut Cx) {
        self.load(cx);
    }

    fn handle(&mut self, command: Command, cx: &mut Cx) -> Handled {
        if let FleetView::Node { instance_id, .. } = &self.view {
            let (width, _) = cx.room.size;
            let inner = Rect::new(
                0,
                0,
                width.saturating_sub(2),
                cx.room.body.saturating_sub(2),
            );
            let max = self.node_scroll_max(instance_id, inner, cx.now);
            let page = inner.height.saturating_sub(1).max(1);
            if let FleetView::Node { scroll, .. } = &mut self.view {
                let to = match command {
                    Command::UP => Some(scroll.saturating_sub(1)),
                    Command::DOWN => Some(scroll.saturating_add(1)),
                    Command::PAGE_UP => Some(scroll.saturating_sub(page)),
                    Command::PAGE_DOWN => Some(scroll.saturating_add(page)),
                    Command::TOP => Some(0),
                    Command::BOTTOM => Some(max),
                    _ => None,
                };
                if let Some(to) = to {
                    *scroll = to.min(max);
                    return Handled::Yes;
                }
            }
        }
        match (command, &mut self.view) {
            (Command::BACK, _) => return self.back(cx),
            (Command::OPEN, _) => self.open(cx),
            (keys::DEREGISTER_NODE, _) => self.confirm_deregister(cx),
            (keys::TOGGLE_SELECT, _) => self.toggle_mark(),
            (keys::RUN_ON_NODES, _) => self.run_on_nodes(cx),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn on_dialog_key(&mut self, dialog: Dialog, event: KeyEvent, cx: &mut Cx) {
        match dialog.take::<RunChooser>() {
            Ok(chooser) => match chooser.on_key(event) {
                Picked::Stay(chooser) => cx.open(chooser),
                Picked::Run(targets) => send_form(targets, cx),
                Picked::Cancel => {}
            },
            Err(dialog) => cx.reopen(dialog),
        }
    }

    fn render_dialog(&self, dialog: &Dialog, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let Some(chooser) = dialog.get::<RunChooser>() {
            chooser.render(frame, area, theme);
        }
    }

    fn follows(&self, event: &Event) -> bool {
        matches!(event, Event::NodeChanged(_) | Event::NodeRemoved { .. })
            || self.moves_report(event)
    }

    fn on_event(&mut self, event: &Event, cx: &mut Cx) {
        self.take_event(event.clone(), cx);
    }

    fn take_event(&mut self, event: Event, cx: &mut Cx) {
        match event {
            Event::NodeChanged(node) => {
                if cx.loading(NODES) {
                    self.replay.push((*node).clone());
                }
                self.upsert(*node);
            }
            Event::NodeRemoved { instance_id } => self.remove(&instance_id),
            event if self.moves_report(&event) => self.load_report(cx, true),
            _ => {}
        }
    }

    fn on_lagged(&mut self, cx: &mut Cx) {
        self.load(cx);
    }

    fn settle(&mut self, room: &Room) {
        self.table.set_page(room.page);
        FleetPane::settle(self);
    }

    fn describe(&self) -> Option<Described> {
        let row = match &self.view {
            FleetView::Node { instance_id, .. } => self.row(instance_id)?,
            FleetView::Table => self.selected()?,
        };
        Described::of(&row.node.info.instance_id, &row.node)
    }

    fn crumbs(&self, crumbs: &mut Vec<String>) {
        if let FleetView::Node { instance_id, .. } = &self.view {
            crumbs.push(instance_id.clone());
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        match &self.view {
            FleetView::Table => self.render_table(frame, area, theme, now),
            FleetView::Node {
                instance_id,
                scroll,
            } => self.render_node(frame, area, theme, now, instance_id, *scroll),
        }
    }
}
