//! Patch Manager: patch baselines, patch groups, the patches a baseline
//! approves, and each node's patch state.
//!
//! Shapes follow the service model (`CreatePatchBaselineRequest`,
//! `PatchRule`, `InstancePatchState`, ...). As elsewhere, enum members of
//! requests are plain strings, so an unknown value gets a
//! `ValidationException` in AWS's wording rather than a decoding failure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Operation, Tag, Timestamp};
pub use states::*;

/// Limits of the service model and of AWS's documentation.
pub mod limits {
    /// `BaselineName`: `^[a-zA-Z0-9_\-.]{3,128}$`.
    pub const NAME_MIN: usize = 3;
    pub const NAME_MAX: usize = 128;
    /// `BaselineDescription`: 1–1024.
    pub const DESCRIPTION_MAX: usize = 1024;
    /// `PatchIdList`: at most 50 approved or rejected patches.
    pub const PATCH_IDS_MAX: usize = 50;
    /// `PatchId`: 1–100.
    pub const PATCH_ID_MAX: usize = 100;
    /// `PatchRuleList`: at most 10 rules.
    pub const RULES_MAX: usize = 10;
    /// `PatchFilterList`: at most 4 filters in a group.
    pub const FILTERS_MAX: usize = 4;
    /// `PatchFilterValueList`: 1–20 values.
    pub const FILTER_VALUES_MAX: usize = 20;
    /// `ApproveAfterDays`: 0–360.
    pub const APPROVE_AFTER_DAYS_MAX: i64 = 360;
    /// `PatchSourceList`: at most 20.
    pub const SOURCES_MAX: usize = 20;
    /// `PatchGroup`: 1–256.
    pub const PATCH_GROUP_MAX: usize = 256;
    /// `PatchOrchestratorFilterList`: at most 5.
    pub const ORCHESTRATOR_FILTERS_MAX: usize = 5;
    /// `PatchBaselineMaxResults`: 1–100.
    pub const BASELINE_MAX_RESULTS: i64 = 100;
    /// `PatchComplianceMaxResults`: 10–100.
    pub const COMPLIANCE_MIN_RESULTS: i64 = 10;
    pub const COMPLIANCE_MAX_RESULTS: i64 = 100;
    /// Baselines an account may create (AWS: 50 per Region).
    pub const BASELINES_MAX: usize = 50;
    /// Patch groups registered for one baseline (AWS: 25).
    pub const PATCH_GROUPS_PER_BASELINE: usize = 25;
}

/// `OperatingSystem`, in the model's order.
pub const OPERATING_SYSTEMS: [&str; 15] = [
    "WINDOWS",
    "AMAZON_LINUX",
    "AMAZON_LINUX_2",
    "AMAZON_LINUX_2022",
    "UBUNTU",
    "REDHAT_ENTERPRISE_LINUX",
    "SUSE",
    "CENTOS",
    "ORACLE_LINUX",
    "DEBIAN",
    "MACOS",
    "RASPBIAN",
    "ROCKY_LINUX",
    "ALMA_LINUX",
    "AMAZON_LINUX_2023",
];

/// The operating system a node reports, as Patch Manager names it.
pub fn operating_system_of(platform_name: &str, platform_version: &str) -> Option<&'static str> {
    let name = platform_name.to_ascii_lowercase();
    Some(if name.contains("windows") {
        "WINDOWS"
    } else if name.contains("amazon linux") {
        match platform_version.split('.').next().unwrap_or_default() {
            "2023" => "AMAZON_LINUX_2023",
            "2022" => "AMAZON_LINUX_2022",
            "2" => "AMAZON_LINUX_2",
            _ => "AMAZON_LINUX",
        }
    } else if name.contains("ubuntu") {
        "UBUNTU"
    } else if name.contains("red hat") {
        "REDHAT_ENTERPRISE_LINUX"
    } else if name.contains("debian") {
        "DEBIAN"
    } else if name.contains("suse") {
        "SUSE"
    } else if name.contains("centos") {
        "CENTOS"
    } else if name.contains("oracle") {
        "ORACLE_LINUX"
    } else if name.contains("rocky") {
        "ROCKY_LINUX"
    } else if name.contains("alma") {
        "ALMA_LINUX"
    } else if name.contains("raspbian") || name.contains("raspberry") {
        "RASPBIAN"
    } else if name.contains("mac") {
        "MACOS"
    } else {
        return None;
    })
}

/// `PatchFilterKey`.
pub const PATCH_FILTER_KEYS: [&str; 19] = [
    "ARCH",
    "ADVISORY_ID",
    "BUGZILLA_ID",
    "PATCH_SET",
    "PRODUCT",
    "PRODUCT_FAMILY",
    "CLASSIFICATION",
    "CVE_ID",
    "EPOCH",
    "MSRC_SEVERITY",
    "NAME",
    "PATCH_ID",
    "SECTION",
    "PRIORITY",
    "REPOSITORY",
    "RELEASE",
    "SEVERITY",
    "SECURITY",
    "VERSION",
];

/// `PatchComplianceLevel`, worst first.
pub const COMPLIANCE_LEVELS: [&str; 6] = [
    "CRITICAL",
    "HIGH",
    "MEDIUM",
    "LOW",
    "INFORMATIONAL",
    "UNSPECIFIED",
];

/// `PatchAction`.
pub const PATCH_ACTIONS: [&str; 2] = ["ALLOW_AS_DEPENDENCY", "BLOCK"];

/// `PatchProperty`.
pub const PATCH_PROPERTIES: [&str; 6] = [
    "PRODUCT",
    "PRODUCT_FAMILY",
    "CLASSIFICATION",
    "MSRC_SEVERITY",
    "PRIORITY",
    "SEVERITY",
];

/// `PatchFilter`: patches whose `Key` property is one of `Values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchFilter {
    pub key: String,
    pub values: Vec<String>,
}

/// `PatchFilterGroup`: patches every filter matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchFilterGroup {
    pub patch_filters: Vec<PatchFilter>,
}

/// `PatchRule`: patches its filters match are approved some days after
/// their release, or up to a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchRule {
    pub patch_filter_group: PatchFilterGroup,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compliance_level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approve_after_days: Option<i64>,
    /// `YYYY-MM-DD`: patches released on or before it are approved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approve_until_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_non_security: Option<bool>,
}

/// `PatchRuleGroup`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchRuleGroup {
    pub patch_rules: Vec<PatchRule>,
}

/// `PatchSource`: an alternative repository for Linux nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchSource {
    pub name: String,
    pub products: Vec<String>,
    pub configuration: String,
}

/// Declares a request or result struct carrying a baseline's rule members
/// after its own, and `rules()` to read them as one [`BaselineRules`].
/// Written out rather than `#[serde(flatten)]`ed, because flattening would
/// let unknown members through unreported.
macro_rules! with_rules {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            #[serde(skip_serializing_if = "Option::is_none")]
            pub global_filters: Option<PatchFilterGroup>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub approval_rules: Option<PatchRuleGroup>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub approved_patches: Option<Vec<String>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub approved_patches_compliance_level: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub approved_patches_enable_non_security: Option<bool>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub rejected_patches: Option<Vec<String>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub rejected_patches_action: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub sources: Option<Vec<PatchSource>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub available_security_updates_compliance_status: Option<String>,
        }

        impl $name {
            /// The baseline rule members, as one value.
            pub fn rules(&self) -> BaselineRules {
                BaselineRules {
                    global_filters: self.global_filters.clone(),
                    approval_rules: self.approval_rules.clone(),
                    approved_patches: self.approved_patches.clone(),
                    approved_patches_compliance_level: self.approved_patches_compliance_level.clone(),
                    approved_patches_enable_non_security: self.approved_patches_enable_non_security,
                    rejected_patches: self.rejected_patches.clone(),
                    rejected_patches_action: self.rejected_patches_action.clone(),
                    sources: self.sources.clone(),
                    available_security_updates_compliance_status: self
                        .available_security_updates_compliance_status
                        .clone(),
                }
            }

            /// Sets the baseline rule members from one value.
            pub fn set_rules(&mut self, rules: BaselineRules) {
                self.global_filters = rules.global_filters;
                self.approval_rules = rules.approval_rules;
                self.approved_patches = rules.approved_patches;
                self.approved_patches_compliance_level = rules.approved_patches_compliance_level;
                self.approved_patches_enable_non_security = rules.approved_patches_enable_non_security;
                self.rejected_patches = rules.rejected_patches;
                self.rejected_patches_action = rules.rejected_patches_action;
                self.sources = rules.sources;
                self.available_security_updates_compliance_status =
                    rules.available_security_updates_compliance_status;
            }
        }
    };
}

// After the macro, which it uses.
mod states;

with_rules! {
    /// A baseline's rule members: what decides which patches it approves.
    #[derive(Default)]
    pub struct BaselineRules {}
}

with_rules! {
    #[derive(Default)]
    pub struct CreatePatchBaseline {
        /// `WINDOWS` when absent, as AWS.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub operating_system: Option<String>,
        pub name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub client_token: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub tags: Option<Vec<Tag>>,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BaselineIdResult {
    pub baseline_id: String,
}

impl Operation for CreatePatchBaseline {
    const NAME: &'static str = "CreatePatchBaseline";
    const READ_ONLY: bool = false;
    type Output = BaselineIdResult;
    fn resource(&self) -> String {
        "patchbaseline/*".to_owned()
    }
}

/// The ARN-less resource string of a baseline, for authorization.
pub fn baseline_resource(baseline_id: &str) -> String {
    // A predefined baseline's id is an ARN; the resource is its last part.
    let id = baseline_id.rsplit('/').next().unwrap_or(baseline_id);
    format!("patchbaseline/{id}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPatchBaseline {
    pub baseline_id: String,
}

with_rules! {
    /// `GetPatchBaselineResult` and `UpdatePatchBaselineResult`.
    pub struct PatchBaselineDescription {
        pub baseline_id: String,
        pub name: String,
        pub operating_system: String,
        /// Only GetPatchBaseline carries the patch groups.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub patch_groups: Option<Vec<String>>,
        pub created_date: Timestamp,
        pub modified_date: Timestamp,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
    }
}

impl Operation for GetPatchBaseline {
    const NAME: &'static str = "GetPatchBaseline";
    const READ_ONLY: bool = true;
    type Output = PatchBaselineDescription;
    fn resource(&self) -> String {
        baseline_resource(&self.baseline_id)
    }
}

with_rules! {
    #[derive(Default)]
    pub struct UpdatePatchBaseline {
        pub baseline_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub description: Option<String>,
        /// Members not given are cleared rather than kept.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub replace: Option<bool>,
    }
}

impl Operation for UpdatePatchBaseline {
    const NAME: &'static str = "UpdatePatchBaseline";
    const READ_ONLY: bool = false;
    type Output = PatchBaselineDescription;
    fn resource(&self) -> String {
        baseline_resource(&self.baseline_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeletePatchBaseline {
    pub baseline_id: String,
}

impl Operation for DeletePatchBaseline {
    const NAME: &'static str = "DeletePatchBaseline";
    const READ_ONLY: bool = false;
    type Output = BaselineIdResult;
    fn resource(&self) -> String {
        baseline_resource(&self.baseline_id)
    }
}

/// `PatchOrchestratorFilter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchOrchestratorFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePatchBaselines {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<PatchOrchestratorFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `PatchBaselineIdentity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchBaselineIdentity {
    pub baseline_id: String,
    pub baseline_name: String,
    pub operating_system: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_description: Option<String>,
    pub default_baseline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePatchBaselinesResult {
    pub baseline_identities: Vec<PatchBaselineIdentity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribePatchBaselines {
    const NAME: &'static str = "DescribePatchBaselines";
    const READ_ONLY: bool = true;
    type Output = DescribePatchBaselinesResult;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterDefaultPatchBaseline {
    pub baseline_id: String,
}

impl Operation for RegisterDefaultPatchBaseline {
    const NAME: &'static str = "RegisterDefaultPatchBaseline";
    const READ_ONLY: bool = false;
    type Output = BaselineIdResult;
    fn resource(&self) -> String {
        baseline_resource(&self.baseline_id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetDefaultPatchBaseline {
    /// `WINDOWS` when absent, as AWS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operating_system: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetDefaultPatchBaselineResult {
    pub baseline_id: String,
    pub operating_system: String,
}

impl Operation for GetDefaultPatchBaseline {
    const NAME: &'static str = "GetDefaultPatchBaseline";
    const READ_ONLY: bool = true;
    type Output = GetDefaultPatchBaselineResult;
}

/// RegisterPatchBaselineForPatchGroup and its inverse take the same members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterPatchBaselineForPatchGroup {
    pub baseline_id: String,
    pub patch_group: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchGroupBaseline {
    pub baseline_id: String,
    pub patch_group: String,
}

impl Operation for RegisterPatchBaselineForPatchGroup {
    const NAME: &'static str = "RegisterPatchBaselineForPatchGroup";
    const READ_ONLY: bool = false;
    type Output = PatchGroupBaseline;
    fn resource(&self) -> String {
        baseline_resource(&self.baseline_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeregisterPatchBaselineForPatchGroup {
    pub baseline_id: String,
    pub patch_group: String,
}

impl Operation for DeregisterPatchBaselineForPatchGroup {
    const NAME: &'static str = "DeregisterPatchBaselineForPatchGroup";
    const READ_ONLY: bool = false;
    type Output = PatchGroupBaseline;
    fn resource(&self) -> String {
        baseline_resource(&self.baseline_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPatchBaselineForPatchGroup {
    pub patch_group: String,
    /// `WINDOWS` when absent, as AWS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operating_system: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPatchBaselineForPatchGroupResult {
    pub baseline_id: String,
    pub patch_group: String,
    pub operating_system: String,
}

impl Operation for GetPatchBaselineForPatchGroup {
    const NAME: &'static str = "GetPatchBaselineForPatchGroup";
    const READ_ONLY: bool = true;
    type Output = GetPatchBaselineForPatchGroupResult;
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePatchGroups {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<PatchOrchestratorFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `PatchGroupPatchBaselineMapping`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchGroupPatchBaselineMapping {
    pub patch_group: String,
    pub baseline_identity: PatchBaselineIdentity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePatchGroupsResult {
    pub mappings: Vec<PatchGroupPatchBaselineMapping>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribePatchGroups {
    const NAME: &'static str = "DescribePatchGroups";
    const READ_ONLY: bool = true;
    type Output = DescribePatchGroupsResult;
}

/// `Patch`: a patch as the catalogue describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Patch {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msrc_severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kb_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msrc_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advisory_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bugzilla_ids: Vec<String>,
    #[serde(rename = "CVEIds", default, skip_serializing_if = "Vec::is_empty")]
    pub cve_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epoch: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAvailablePatches {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<PatchOrchestratorFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAvailablePatchesResult {
    pub patches: Vec<Patch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribeAvailablePatches {
    const NAME: &'static str = "DescribeAvailablePatches";
    const READ_ONLY: bool = true;
    type Output = DescribeAvailablePatchesResult;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeEffectivePatchesForPatchBaseline {
    pub baseline_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `PatchStatus`: what a baseline makes of one patch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchStatus {
    /// APPROVED, PENDING_APPROVAL, EXPLICIT_APPROVED or EXPLICIT_REJECTED.
    pub deployment_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compliance_level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_date: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EffectivePatch {
    pub patch: Patch,
    pub patch_status: PatchStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeEffectivePatchesForPatchBaselineResult {
    pub effective_patches: Vec<EffectivePatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribeEffectivePatchesForPatchBaseline {
    const NAME: &'static str = "DescribeEffectivePatchesForPatchBaseline";
    const READ_ONLY: bool = true;
    type Output = DescribeEffectivePatchesForPatchBaselineResult;
    fn resource(&self) -> String {
        baseline_resource(&self.baseline_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePatchProperties {
    pub operating_system: String,
    pub property: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_set: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePatchPropertiesResult {
    /// `PatchPropertyEntry`: a map such as `{"Name": "WindowsServer2022"}`.
    pub properties: Vec<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribePatchProperties {
    const NAME: &'static str = "DescribePatchProperties";
    const READ_ONLY: bool = true;
    type Output = DescribePatchPropertiesResult;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_baseline_request_reads_the_cli_shape() {
        let json = r#"{
            "Name": "prod-linux",
            "OperatingSystem": "AMAZON_LINUX_2023",
            "ApprovalRules": {"PatchRules": [{
                "PatchFilterGroup": {"PatchFilters": [
                    {"Key": "SEVERITY", "Values": ["Critical", "Important"]}
                ]},
                "ApproveAfterDays": 7,
                "ComplianceLevel": "CRITICAL"
            }]},
            "ApprovedPatches": ["openssl.x86_64:1:3.0.8-1.amzn2023.0.14"],
            "RejectedPatchesAction": "BLOCK"
        }"#;
        let req: CreatePatchBaseline = serde_json::from_str(json).unwrap();
        assert_eq!(req.name, "prod-linux");
        let rule = &req.approval_rules.as_ref().unwrap().patch_rules[0];
        assert_eq!(rule.approve_after_days, Some(7));
        assert_eq!(rule.patch_filter_group.patch_filters[0].key, "SEVERITY");
        assert_eq!(req.rejected_patches_action.as_deref(), Some("BLOCK"));
    }

    #[test]
    fn a_patch_spells_cve_ids_as_the_model_does() {
        let patch = Patch {
            id: "KB5040437".into(),
            cve_ids: vec!["CVE-2024-38080".into()],
            ..Patch::default()
        };
        let json = serde_json::to_string(&patch).unwrap();
        assert!(json.contains(r#""CVEIds":["CVE-2024-38080"]"#), "{json}");
    }
}
