//! The backend calls behind the Compliance pane's effects.

use sysman_api::ApiError;
use sysman_api::compliance::{
    ComplianceItem, ComplianceStatus, ComplianceStringFilter, ListComplianceItems,
    ListComplianceSummaries, ListResourceComplianceSummaries, limits,
};

use super::Connection;
use crate::panes::compliance::ComplianceData;

impl Connection {
    /// The summary of every compliance type, and every non-compliant
    /// resource, worst first.
    pub(super) async fn compliance(&self) -> Result<ComplianceData, ApiError> {
        let summaries = self
            .every_page(
                |next_token| ListComplianceSummaries {
                    filters: None,
                    next_token,
                    max_results: Some(limits::LIST_MAX_RESULTS),
                },
                |page| (page.compliance_summary_items, page.next_token),
            )
            .await?;
        let non_compliant =
            ComplianceStringFilter::new("Status", &[ComplianceStatus::NonCompliant.as_str()], None);
        let resources = self
            .every_page(
                |next_token| ListResourceComplianceSummaries {
                    filters: Some(vec![non_compliant.clone()]),
                    next_token,
                    max_results: Some(limits::LIST_MAX_RESULTS),
                },
                |page| (page.resource_compliance_summary_items, page.next_token),
            )
            .await?;
        Ok(ComplianceData {
            summaries,
            resources,
        })
    }

    /// Every compliance item of one node, of every type.
    pub(super) async fn compliance_items(
        &self,
        resource_id: &str,
    ) -> Result<Vec<ComplianceItem>, ApiError> {
        self.every_page(
            |next_token| ListComplianceItems {
                resource_ids: Some(vec![resource_id.to_owned()]),
                next_token,
                max_results: Some(limits::LIST_MAX_RESULTS),
                ..ListComplianceItems::default()
            },
            |page| (page.compliance_items, page.next_token),
        )
        .await
    }
}
