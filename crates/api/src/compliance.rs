//! Compliance: items of patch, association and custom compliance per
//! resource, and summaries of them.
//!
//! Shapes follow the service model (`PutComplianceItemsRequest`,
//! `ComplianceItem`, `ComplianceSummaryItem`, ...). As in `documents`, enum
//! members of requests are plain strings, so an unknown value gets a
//! `ValidationException` in AWS's wording rather than a decoding failure;
//! what sysman answers carries the enums.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Empty, Operation, Timestamp};

/// Limits of the service model and of AWS's documentation.
pub mod limits {
    /// `ComplianceResourceId`: 1–100 characters.
    pub const RESOURCE_ID_MAX: usize = 100;
    /// `ComplianceResourceType`: 1–50 characters.
    pub const RESOURCE_TYPE_MAX: usize = 50;
    /// `ComplianceTypeName`: 1–100 characters.
    pub const TYPE_NAME_MAX: usize = 100;
    /// `ComplianceExecutionId`: at most 100.
    pub const EXECUTION_ID_MAX: usize = 100;
    /// `ComplianceExecutionType`: at most 50.
    pub const EXECUTION_TYPE_MAX: usize = 50;
    /// `ComplianceItemEntryList`: 0–10,000 items a call. A resource holds
    /// at most as many items of one type (PARTIAL uploads add up), else
    /// `TotalSizeLimitExceededException`.
    pub const ITEMS_MAX: usize = 10_000;
    /// `ComplianceItemTitle`: at most 500.
    pub const TITLE_MAX: usize = 500;
    /// `AttributeName` (a key of `Details`): 1–64.
    pub const DETAIL_KEY_MAX: usize = 64;
    /// `AttributeValue` (a value of `Details`): 0–4,096.
    pub const DETAIL_VALUE_MAX: usize = 4096;
    /// `ComplianceItemContentHash`: at most 256.
    pub const CONTENT_HASH_MAX: usize = 256;
    /// Distinct custom compliance types one resource may carry (AWS: 10).
    pub const CUSTOM_TYPES_PER_RESOURCE: usize = 10;
    /// Bytes one item may take (its Id, Title and Details keys and values);
    /// more is `ItemSizeLimitExceededException`. AWS does not publish its
    /// figure; this is sysman's.
    pub const ITEM_BYTES_MAX: usize = 64 * 1024;
    /// Bytes the items of one compliance type on one resource may take
    /// together, after the upload is applied; more is
    /// `TotalSizeLimitExceededException`. sysman's figure, as above.
    pub const TOTAL_BYTES_MAX: usize = 4 * 1024 * 1024;
    /// `MaxResults` of the three list operations: 1–50.
    pub const LIST_MAX_RESULTS: i64 = 50;
    /// Resource ids one ListComplianceItems call may name.
    pub const RESOURCE_IDS_MAX: usize = 100;
    /// `ComplianceStringFilterValueList`: 1–20 values.
    pub const FILTER_VALUES_MAX: usize = 20;
    /// `ComplianceStringFilterKey`: 1–200 characters.
    pub const FILTER_KEY_MAX: usize = 200;
}

/// The one resource type compliance is kept for.
pub const MANAGED_INSTANCE: &str = "ManagedInstance";
/// The compliance type Patch Manager's scans write.
pub const PATCH: &str = "Patch";
/// The compliance type State Manager's associations write.
pub const ASSOCIATION: &str = "Association";
/// The prefix of the compliance types callers put themselves.
pub const CUSTOM_PREFIX: &str = "Custom:";

/// `ComplianceSeverity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceSeverity {
    Critical,
    High,
    Medium,
    Low,
    Informational,
    Unspecified,
}

impl ComplianceSeverity {
    /// Worst first: the order `Ord` gives too.
    pub const ALL: [ComplianceSeverity; 6] = [
        ComplianceSeverity::Critical,
        ComplianceSeverity::High,
        ComplianceSeverity::Medium,
        ComplianceSeverity::Low,
        ComplianceSeverity::Informational,
        ComplianceSeverity::Unspecified,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ComplianceSeverity::Critical => "CRITICAL",
            ComplianceSeverity::High => "HIGH",
            ComplianceSeverity::Medium => "MEDIUM",
            ComplianceSeverity::Low => "LOW",
            ComplianceSeverity::Informational => "INFORMATIONAL",
            ComplianceSeverity::Unspecified => "UNSPECIFIED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// 0 for CRITICAL up to 5 for UNSPECIFIED: the position in [`Self::ALL`].
    pub const fn rank(self) -> usize {
        self as usize
    }
}

/// `ComplianceStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceStatus {
    Compliant,
    NonCompliant,
}

impl ComplianceStatus {
    pub const ALL: [ComplianceStatus; 2] =
        [ComplianceStatus::Compliant, ComplianceStatus::NonCompliant];

    pub const fn as_str(self) -> &'static str {
        match self {
            ComplianceStatus::Compliant => "COMPLIANT",
            ComplianceStatus::NonCompliant => "NON_COMPLIANT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// `ComplianceUploadType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceUploadType {
    /// The items replace every item of the type on the resource.
    Complete,
    /// The items replace the items with the same Ids; the others stay.
    Partial,
}

impl ComplianceUploadType {
    pub const ALL: [ComplianceUploadType; 2] = [
        ComplianceUploadType::Complete,
        ComplianceUploadType::Partial,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ComplianceUploadType::Complete => "COMPLETE",
            ComplianceUploadType::Partial => "PARTIAL",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// `ComplianceQueryOperatorType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComplianceQueryOperatorType {
    Equal,
    NotEqual,
    BeginWith,
    LessThan,
    GreaterThan,
}

impl ComplianceQueryOperatorType {
    pub const ALL: [ComplianceQueryOperatorType; 5] = [
        ComplianceQueryOperatorType::Equal,
        ComplianceQueryOperatorType::NotEqual,
        ComplianceQueryOperatorType::BeginWith,
        ComplianceQueryOperatorType::LessThan,
        ComplianceQueryOperatorType::GreaterThan,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ComplianceQueryOperatorType::Equal => "EQUAL",
            ComplianceQueryOperatorType::NotEqual => "NOT_EQUAL",
            ComplianceQueryOperatorType::BeginWith => "BEGIN_WITH",
            ComplianceQueryOperatorType::LessThan => "LESS_THAN",
            ComplianceQueryOperatorType::GreaterThan => "GREATER_THAN",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// `ComplianceExecutionSummary`: when (and by what) compliance was
/// determined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ComplianceExecutionSummary {
    pub execution_time: Timestamp,
    /// E.g. the id of the command that scanned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    /// E.g. `Command`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_type: Option<String>,
}

impl ComplianceExecutionSummary {
    pub fn at(execution_time: Timestamp) -> Self {
        Self {
            execution_time,
            execution_id: None,
            execution_type: None,
        }
    }
}

/// `ComplianceItemEntry`: one item as a caller puts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ComplianceItemEntry {
    /// E.g. the KB article of a Windows patch. Required for PARTIAL uploads,
    /// which update items by Id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL or UNSPECIFIED.
    pub severity: String,
    /// COMPLIANT or NON_COMPLIANT.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<BTreeMap<String, String>>,
}

/// Records compliance items of one type on one managed node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutComplianceItems {
    pub resource_id: String,
    /// `ManagedInstance`, the only type there is.
    pub resource_type: String,
    /// `Custom:<name>`; `Patch` and `Association` are written by sysman.
    pub compliance_type: String,
    pub execution_summary: ComplianceExecutionSummary,
    pub items: Vec<ComplianceItemEntry>,
    /// When it equals the hash of the last upload of this type to this
    /// resource, the call changes nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_content_hash: Option<String>,
    /// `COMPLETE` (the default) or `PARTIAL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_type: Option<String>,
}

impl Operation for PutComplianceItems {
    const NAME: &'static str = "PutComplianceItems";
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        crate::fleet::node_resource(&self.resource_id)
    }

    /// Uploads carry up to 10,000 items; the audit trail keeps what was
    /// uploaded where and how many, not every item (1 MB a call at most).
    fn audit_view(&self) -> String {
        serde_json::json!({
            "ResourceId": self.resource_id,
            "ResourceType": self.resource_type,
            "ComplianceType": self.compliance_type,
            "ExecutionSummary": self.execution_summary,
            "UploadType": self.upload_type,
            "ItemContentHash": self.item_content_hash,
            "Items": self.items.len(),
        })
        .to_string()
    }
}

/// `ComplianceStringFilter`. `Type` is `EQUAL` unless given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ComplianceStringFilter {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
}

impl ComplianceStringFilter {
    pub fn new(key: &str, values: &[&str], r#type: Option<ComplianceQueryOperatorType>) -> Self {
        Self {
            key: key.to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            r#type: r#type.map(|t| t.as_str().to_owned()),
        }
    }
}

/// `ComplianceItem`: one item as the lists report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ComplianceItem {
    pub compliance_type: String,
    pub resource_type: String,
    pub resource_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub status: ComplianceStatus,
    pub severity: ComplianceSeverity,
    pub execution_summary: ComplianceExecutionSummary,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

/// The items of one or more managed nodes, in the order of resource id,
/// compliance type and item Id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListComplianceItems {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<ComplianceStringFilter>>,
    /// 1–100 managed node ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListComplianceItemsResult {
    #[serde(default)]
    pub compliance_items: Vec<ComplianceItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListComplianceItems {
    const NAME: &'static str = "ListComplianceItems";
    const READ_ONLY: bool = true;
    type Output = ListComplianceItemsResult;
}

/// `SeveritySummary`: counts by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SeveritySummary {
    pub critical_count: i64,
    pub high_count: i64,
    pub medium_count: i64,
    pub low_count: i64,
    pub informational_count: i64,
    pub unspecified_count: i64,
}

impl SeveritySummary {
    /// From counts in the order of [`ComplianceSeverity::ALL`].
    pub fn from_counts(counts: [i64; 6]) -> Self {
        let [critical, high, medium, low, informational, unspecified] = counts;
        Self {
            critical_count: critical,
            high_count: high,
            medium_count: medium,
            low_count: low,
            informational_count: informational,
            unspecified_count: unspecified,
        }
    }

    pub fn total(&self) -> i64 {
        self.critical_count
            + self.high_count
            + self.medium_count
            + self.low_count
            + self.informational_count
            + self.unspecified_count
    }
}

/// `CompliantSummary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompliantSummary {
    pub compliant_count: i64,
    pub severity_summary: SeveritySummary,
}

/// `NonCompliantSummary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NonCompliantSummary {
    pub non_compliant_count: i64,
    pub severity_summary: SeveritySummary,
}

/// `ComplianceSummaryItem`: how many resources are compliant with one
/// compliance type and how many are not, each by the resource's overall
/// severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ComplianceSummaryItem {
    pub compliance_type: String,
    pub compliant_summary: CompliantSummary,
    pub non_compliant_summary: NonCompliantSummary,
}

/// Resource counts per compliance type, in the order of the type's name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListComplianceSummaries {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<ComplianceStringFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListComplianceSummariesResult {
    #[serde(default)]
    pub compliance_summary_items: Vec<ComplianceSummaryItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListComplianceSummaries {
    const NAME: &'static str = "ListComplianceSummaries";
    const READ_ONLY: bool = true;
    type Output = ListComplianceSummariesResult;
}

/// `ResourceComplianceSummaryItem`: one resource's compliance of one type,
/// with its items counted by status and severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceComplianceSummaryItem {
    pub compliance_type: String,
    pub resource_type: String,
    pub resource_id: String,
    pub status: ComplianceStatus,
    pub overall_severity: ComplianceSeverity,
    pub execution_summary: ComplianceExecutionSummary,
    pub compliant_summary: CompliantSummary,
    pub non_compliant_summary: NonCompliantSummary,
}

/// Per resource and compliance type, worst first: NON_COMPLIANT before
/// COMPLIANT, then by overall severity (CRITICAL first), resource id and
/// compliance type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourceComplianceSummaries {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<ComplianceStringFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourceComplianceSummariesResult {
    #[serde(default)]
    pub resource_compliance_summary_items: Vec<ResourceComplianceSummaryItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListResourceComplianceSummaries {
    const NAME: &'static str = "ListResourceComplianceSummaries";
    const READ_ONLY: bool = true;
    type Output = ListResourceComplianceSummariesResult;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_travel_as_the_model_spells_them() {
        assert_eq!(
            serde_json::to_string(&ComplianceStatus::NonCompliant).unwrap(),
            r#""NON_COMPLIANT""#
        );
        assert_eq!(
            serde_json::to_string(&ComplianceSeverity::Informational).unwrap(),
            r#""INFORMATIONAL""#
        );
        for s in ComplianceSeverity::ALL {
            assert_eq!(ComplianceSeverity::parse(s.as_str()), Some(s));
            assert_eq!(ComplianceSeverity::ALL[s.rank()], s);
        }
        assert!(ComplianceSeverity::Critical < ComplianceSeverity::Unspecified);
        assert_eq!(
            ComplianceQueryOperatorType::parse("BEGIN_WITH"),
            Some(ComplianceQueryOperatorType::BeginWith)
        );
        assert_eq!(ComplianceUploadType::parse("partial"), None);
    }

    #[test]
    fn a_put_reads_as_the_cli_sends_it() {
        let json = r#"{
            "ResourceId": "mi-0123456789abcdef0",
            "ResourceType": "ManagedInstance",
            "ComplianceType": "Custom:AVCheck",
            "ExecutionSummary": {"ExecutionTime": 1550505600},
            "Items": [{"Id": "Version2.0", "Title": "ScanHost", "Severity": "CRITICAL",
                       "Status": "COMPLIANT", "Details": {"Engine": "2.0"}}]
        }"#;
        let put: PutComplianceItems = serde_json::from_str(json).unwrap();
        assert_eq!(put.execution_summary.execution_time.secs(), 1_550_505_600);
        assert_eq!(put.items[0].severity, "CRITICAL");
        assert_eq!(put.resource(), "managed-instance/mi-0123456789abcdef0");
        let summary = ComplianceSummaryItem {
            compliance_type: "Patch".into(),
            compliant_summary: CompliantSummary::default(),
            non_compliant_summary: NonCompliantSummary {
                non_compliant_count: 1,
                severity_summary: SeveritySummary::from_counts([1, 0, 0, 0, 0, 0]),
            },
        };
        let out = serde_json::to_value(&summary).unwrap();
        assert_eq!(out["NonCompliantSummary"]["NonCompliantCount"], 1);
        assert_eq!(
            out["NonCompliantSummary"]["SeveritySummary"]["CriticalCount"],
            1
        );
        assert_eq!(out["CompliantSummary"]["SeveritySummary"]["LowCount"], 0);
    }
}
