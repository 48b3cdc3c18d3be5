//! What the Compliance pane does: the summaries and the non-compliant
//! nodes, loaded the first time the pane is shown; a node's items; and
//! reloads (coalesced, at the next flush) when compliance changes.

use super::keys;
use ratatui::Frame;
use ratatui::layout::Rect;
use sysman_api::compliance::{
    ComplianceItem, ComplianceStatus, ComplianceStringFilter, ComplianceSummaryItem,
    ListComplianceItems, ListComplianceSummaries, ListResourceComplianceSummaries,
    ResourceComplianceSummaryItem, limits,
};
use sysman_api::events::Event;
use sysman_api::{ApiError, Timestamp};

use super::node::{HEADER_LINES, NodeItems};
use super::{ComplianceData, CompliancePane, summary_height};
use crate::describe::Described;
use crate::keys::{Command, Scope};
use crate::panes::{Handled, Pane, Room};
use crate::request::{Cx, Loads};
use crate::runtime::Connection;
use crate::runtime::job::{EveryPage, Job, Paged};
use crate::table::TableView;
use crate::theme::Theme;

/// The slots of the pane's load, and of the open node's items.
const LIST: &str = "compliance";
const ITEMS: &str = "items";

impl Paged for ListComplianceSummaries {
    type Item = ComplianceSummaryItem;

    fn at(&self, next_token: Option<String>) -> Self {
        ListComplianceSummaries {
            next_token,
            ..self.clone()
        }
    }

    fn split(page: Self::Output) -> (Vec<ComplianceSummaryItem>, Option<String>) {
        (page.compliance_summary_items, page.next_token)
    }
}

impl Paged for ListResourceComplianceSummaries {
    type Item = ResourceComplianceSummaryItem;

    fn at(&self, next_token: Option<String>) -> Self {
        ListResourceComplianceSummaries {
            next_token,
            ..self.clone()
        }
    }

    fn split(page: Self::Output) -> (Vec<ResourceComplianceSummaryItem>, Option<String>) {
        (page.resource_compliance_summary_items, page.next_token)
    }
}

impl Paged for ListComplianceItems {
    type Item = ComplianceItem;

    fn at(&self, next_token: Option<String>) -> Self {
        ListComplianceItems {
            next_token,
            ..self.clone()
        }
    }

    fn split(page: Self::Output) -> (Vec<ComplianceItem>, Option<String>) {
        (page.compliance_items, page.next_token)
    }
}

/// The summary of every compliance type, and every non-compliant resource
/// (or every resource, `compliant_too`), worst first.
struct Overview {
    compliant_too: bool,
}

impl Job for Overview {
    type Output = Result<ComplianceData, ApiError>;

    fn name(&self) -> &'static str {
        "ComplianceOverview"
    }

    async fn run(self, connection: &Connection) -> Self::Output {
        let summaries = EveryPage(ListComplianceSummaries {
            filters: None,
            next_token: None,
            max_results: Some(limits::LIST_MAX_RESULTS),
        });
        let summaries = summaries.run(connection).await?;
        let non_compliant =
            ComplianceStringFilter::new("Status", &[ComplianceStatus::NonCompliant.as_str()], None);
        let resources = EveryPage(ListResourceComplianceSummaries {
            filters: (!self.compliant_too).then(|| vec![non_compliant]),
            next_token: None,
            max_results: Some(limits::LIST_MAX_RESULTS),
        });
        Ok(ComplianceData {
            summaries,
            resources: resources.run(connection).await?,
        })
    }
}

/// Every compliance item of one node, of every type.
fn items_of(resource_id: &str) -> EveryPage<ListComplianceItems> {
    EveryPage(ListComplianceItems {
        resource_ids: Some(vec![resource_id.to_owned()]),
        max_results: Some(limits::LIST_MAX_RESULTS),
        ..ListComplianceItems::default()
    })
}

impl CompliancePane {
    fn load(&mut self, cx: &mut Cx) {
        self.stale = false;
        let overview = Overview {
            compliant_too: self.compliant_too,
        };
        cx.load(LIST, overview, |pane: &mut Self, result, cx| match result {
            Ok(data) => pane.replace_all(data, |id| cx.node_name(id)),
            Err(e) => cx.set_status(format!("could not read compliance: {e}"), true),
        });
    }

    fn load_items(&mut self, cx: &mut Cx) {
        let Some(n) = &mut self.node else { return };
        n.stale = false;
        cx.load(
            ITEMS,
            items_of(&n.resource_id),
            |pane: &mut Self, result, cx| {
                let Some(n) = &mut pane.node else { return };
                match result {
                    Ok(items) => n.replace_all(items),
                    Err(e) if !n.loaded => n.error = Some(e.to_string()),
                    Err(e) => cx.set_status(format!("could not reload: {e}"), true),
                }
            },
        );
    }

    /// `a`: the compliant nodes too, or again only the others.
    fn toggle_compliant(&mut self, cx: &mut Cx) {
        self.compliant_too = !self.compliant_too;
        self.load(cx);
    }

    /// Enter on a node: its items, of every type.
    fn open(&mut self, cx: &mut Cx) {
        if self.node.is_some() {
            return;
        }
        let Some(row) = self.selected() else { return };
        let node = NodeItems::new(row.item.resource_id.clone(), row.name.clone());
        self.node = Some(Box::new(node));
        self.load_items(cx);
    }
}

impl Pane for CompliancePane {
    fn scopes(&self) -> Vec<Scope> {
        match self.node {
            Some(_) => vec![Scope::TABLE],
            None => vec![keys::COMPLIANCE, Scope::TABLE],
        }
    }

    fn table(&self) -> &TableView {
        match &self.node {
            Some(n) => &n.table,
            None => &self.table,
        }
    }

    fn table_mut(&mut self) -> &mut TableView {
        match &mut self.node {
            Some(n) => &mut n.table,
            None => &mut self.table,
        }
    }

    /// Loaded the first time the pane is shown.
    fn enter(&mut self, cx: &mut Cx) {
        if !self.loaded && !cx.loading(LIST) {
            self.load(cx);
        }
    }

    fn handle(&mut self, command: Command, cx: &mut Cx) -> Handled {
        match command {
            Command::BACK if self.table().filter.is_empty() && self.node.is_some() => {
                self.node = None;
            }
            Command::OPEN => self.open(cx),
            keys::SHOW_COMPLIANT if self.node.is_none() => self.toggle_compliant(cx),
            _ => return Handled::No,
        }
        Handled::Yes
    }

    /// A resource's compliance changed: mark the list, and the open node
    /// if it is that one.
    fn follows(&self, event: &Event) -> bool {
        matches!(event, Event::ComplianceChanged { .. })
    }

    fn on_event(&mut self, event: &Event, _cx: &mut Cx) {
        if let Event::ComplianceChanged { resource_id, .. } = event {
            self.stale = true;
            if let Some(n) = &mut self.node
                && n.resource_id == *resource_id
            {
                n.stale = true;
            }
        }
    }

    fn on_lagged(&mut self, cx: &mut Cx) {
        if !self.loaded && !cx.loading(LIST) {
            return;
        }
        self.load(cx);
        self.load_items(cx);
    }

    fn needs_flush(&self, loads: &Loads) -> bool {
        let list = self.loaded && self.stale && !loads.loading(LIST);
        let node = self
            .node
            .as_ref()
            .is_some_and(|n| n.stale && !loads.loading(ITEMS));
        list || node
    }

    fn flush(&mut self, cx: &mut Cx) {
        if self.loaded && self.stale && !cx.loading(LIST) {
            self.load(cx);
        }
        if self
            .node
            .as_ref()
            .is_some_and(|n| n.stale && !cx.loading(ITEMS))
        {
            self.load_items(cx);
        }
    }

    fn settle(&mut self, room: &Room) {
        let list = room
            .body
            .saturating_sub(summary_height(self.summaries.len()) + 3);
        self.table.set_page(usize::from(list));
        if let Some(n) = &mut self.node {
            // Borders, the header lines, the table's rule and headings.
            n.table
                .set_page(usize::from(room.body.saturating_sub(HEADER_LINES + 4)));
        }
        self.sort_and_filter();
    }

    fn describe(&self) -> Option<Described> {
        match &self.node {
            Some(n) => {
                let row = n.table.selected_row().and_then(|i| n.rows.get(i))?;
                let item = &row.item;
                let title = item
                    .id
                    .clone()
                    .unwrap_or_else(|| item.compliance_type.clone());
                Described::of(title, item)
            }
            None => {
                let row = self.selected()?;
                let title = format!("{} {}", row.item.resource_id, row.item.compliance_type);
                Described::of(title, &row.item)
            }
        }
    }

    fn crumbs(&self, crumbs: &mut Vec<String>) {
        if let Some(n) = &self.node {
            crumbs.push(n.resource_id.clone());
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: Timestamp) {
        self.draw(frame, area, theme, now);
    }
}
