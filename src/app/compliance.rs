//! The app's side of the Compliance pane: loading the summaries and the
//! non-compliant nodes when first shown, opening a node's items, and
//! reloading (coalesced) when compliance changes.

use super::{App, BackendMsg, Effect};
use crate::panes::compliance::node::{HEADER_LINES, NodeItems};
use crate::panes::compliance::summary_height;

impl App {
    fn load_compliance(&mut self) -> Effect {
        let request = self.request_id();
        self.compliance.request = Some(request);
        self.compliance.stale = false;
        Effect::LoadCompliance { request }
    }

    /// The pane came into view: load it the first time.
    pub(super) fn enter_compliance(&mut self) -> Vec<Effect> {
        if self.compliance.loaded || self.compliance.request.is_some() {
            return Vec::new();
        }
        vec![self.load_compliance()]
    }

    pub(super) fn settle_compliance(&mut self) {
        let body = crate::ui::body_height(self.size, self.filter_line_visible());
        let list = body.saturating_sub(summary_height(self.compliance.summaries.len()) + 3);
        self.compliance.table.set_page(usize::from(list));
        if let Some(n) = &mut self.compliance.node {
            // Borders, the header lines, the table's rule and headings.
            n.table
                .set_page(usize::from(body.saturating_sub(HEADER_LINES + 4)));
        }
        self.compliance.settle();
    }

    /// Enter on a non-compliant node: its items, of every type.
    pub(super) fn open_compliance(&mut self) -> Vec<Effect> {
        if self.compliance.node.is_some() {
            return Vec::new();
        }
        let Some(row) = self.compliance.selected() else {
            return Vec::new();
        };
        let node = NodeItems::new(row.item.resource_id.clone(), row.name.clone());
        self.compliance.node = Some(Box::new(node));
        self.load_items()
    }

    fn load_items(&mut self) -> Vec<Effect> {
        let request = self.request_id();
        let Some(n) = &mut self.compliance.node else {
            return Vec::new();
        };
        n.request = Some(request);
        n.stale = false;
        vec![Effect::LoadComplianceItems {
            request,
            resource_id: n.resource_id.clone(),
        }]
    }

    /// A resource's compliance changed: mark the list, and the open node
    /// if it is that one.
    pub(super) fn on_compliance_event(&mut self, resource_id: &str) {
        self.compliance.stale = true;
        if let Some(n) = &mut self.compliance.node
            && n.resource_id == resource_id
        {
            n.stale = true;
        }
    }

    pub(super) fn compliance_needs_flush(&self) -> bool {
        let c = &self.compliance;
        let list = c.loaded && c.stale && c.request.is_none();
        let node = c
            .node
            .as_ref()
            .is_some_and(|n| n.stale && n.request.is_none());
        list || node
    }

    pub(super) fn flush_compliance(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        let c = &self.compliance;
        if c.loaded && c.stale && c.request.is_none() {
            effects.push(self.load_compliance());
        }
        if self
            .compliance
            .node
            .as_ref()
            .is_some_and(|n| n.stale && n.request.is_none())
        {
            effects.extend(self.load_items());
        }
        effects
    }

    pub(super) fn reload_compliance_after_lag(&mut self) -> Vec<Effect> {
        if !self.compliance.loaded && self.compliance.request.is_none() {
            return Vec::new();
        }
        let mut effects = vec![self.load_compliance()];
        effects.extend(self.load_items());
        effects
    }

    pub(super) fn on_compliance_msg(&mut self, msg: BackendMsg) -> Vec<Effect> {
        match msg {
            BackendMsg::ComplianceLoaded { request, result } => {
                if self.compliance.request != Some(request) {
                    return Vec::new();
                }
                self.compliance.request = None;
                match result {
                    Ok(data) => {
                        let fleet = &self.fleet;
                        self.compliance.replace_all(*data, |id| {
                            fleet.row(id).map(|r| r.name.clone()).unwrap_or_default()
                        });
                    }
                    Err(e) => self.set_status(format!("could not read compliance: {e}"), true),
                }
            }
            BackendMsg::ComplianceItemsLoaded { request, result } => {
                let Some(n) = &mut self.compliance.node else {
                    return Vec::new();
                };
                if n.request != Some(request) {
                    return Vec::new();
                }
                n.request = None;
                match result {
                    Ok(items) => n.replace_all(items),
                    Err(e) if !n.loaded => n.error = Some(e),
                    Err(e) => self.set_status(format!("could not reload: {e}"), true),
                }
            }
            _ => {}
        }
        Vec::new()
    }
}
