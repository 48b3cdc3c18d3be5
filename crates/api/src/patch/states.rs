//! Each node's patch state: what its last scan or install found, and the
//! operations a node uses to patch itself by its baseline.
//!
//! A node (simulated or `sysman-agent`) runs `AWS-RunPatchBaseline`: it asks
//! for a snapshot of its baseline (`GetDeployablePatchSnapshotForInstance`),
//! has the server judge the patches it could install against that snapshot
//! (`Sysman.EvaluatePatches`), installs the approved ones if asked to, and
//! reports what it has (`Sysman.PutPatchReport`). The server, not the node,
//! applies the baseline, so a real agent and a simulated node are judged by
//! the same code.

use serde::{Deserialize, Serialize};

use super::{
    BaselineRules, Patch, PatchFilterGroup, PatchOrchestratorFilter, PatchRuleGroup, PatchSource,
};
use crate::{Operation, Prefix, Timestamp};

/// `PatchComplianceDataState`.
pub const PATCH_STATES: [&str; 8] = [
    "INSTALLED",
    "INSTALLED_OTHER",
    "INSTALLED_PENDING_REBOOT",
    "INSTALLED_REJECTED",
    "MISSING",
    "NOT_APPLICABLE",
    "FAILED",
    "AVAILABLE_SECURITY_UPDATE",
];

/// `InstancePatchState`: a node's patch counts from its last operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstancePatchState {
    pub instance_id: String,
    /// The node's patch group, empty when it has none (AWS's shape
    /// requires the member).
    pub patch_group: String,
    pub baseline_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_override_list: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_information: Option<String>,
    pub installed_count: i64,
    pub installed_other_count: i64,
    pub installed_pending_reboot_count: i64,
    pub installed_rejected_count: i64,
    pub missing_count: i64,
    pub failed_count: i64,
    pub unreported_not_applicable_count: i64,
    pub not_applicable_count: i64,
    pub available_security_update_count: i64,
    pub operation_start_time: Timestamp,
    pub operation_end_time: Timestamp,
    /// `Scan` or `Install`.
    pub operation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_no_reboot_install_operation_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reboot_option: Option<String>,
    pub critical_non_compliant_count: i64,
    pub security_non_compliant_count: i64,
    pub other_non_compliant_count: i64,
}

/// `PatchComplianceData`: one patch on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchComplianceData {
    pub title: String,
    #[serde(rename = "KBId")]
    pub kb_id: String,
    pub classification: String,
    pub severity: String,
    pub state: String,
    pub installed_time: Timestamp,
    #[serde(rename = "CVEIds", skip_serializing_if = "Option::is_none")]
    pub cve_ids: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstancePatchStates {
    pub instance_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstancePatchStatesResult {
    pub instance_patch_states: Vec<InstancePatchState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribeInstancePatchStates {
    const NAME: &'static str = "DescribeInstancePatchStates";
    const READ_ONLY: bool = true;
    type Output = DescribeInstancePatchStatesResult;
}

/// `InstancePatchStateFilter`: a count compared with a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstancePatchStateFilter {
    pub key: String,
    pub values: Vec<String>,
    /// Equal, NotEqual, LessThan or GreaterThan.
    pub r#type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstancePatchStatesForPatchGroup {
    pub patch_group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<InstancePatchStateFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
}

impl Operation for DescribeInstancePatchStatesForPatchGroup {
    const NAME: &'static str = "DescribeInstancePatchStatesForPatchGroup";
    const READ_ONLY: bool = true;
    type Output = DescribeInstancePatchStatesResult;
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstancePatches {
    pub instance_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<PatchOrchestratorFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstancePatchesResult {
    pub patches: Vec<PatchComplianceData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribeInstancePatches {
    const NAME: &'static str = "DescribeInstancePatches";
    const READ_ONLY: bool = true;
    type Output = DescribeInstancePatchesResult;
    fn resource(&self) -> String {
        crate::fleet::node_resource(&self.instance_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePatchGroupState {
    pub patch_group: String,
}

/// `DescribePatchGroupStateResult`: how many of a group's nodes have
/// patches in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePatchGroupStateResult {
    pub instances: i64,
    pub instances_with_installed_patches: i64,
    pub instances_with_installed_other_patches: i64,
    pub instances_with_installed_pending_reboot_patches: i64,
    pub instances_with_installed_rejected_patches: i64,
    pub instances_with_missing_patches: i64,
    pub instances_with_failed_patches: i64,
    pub instances_with_not_applicable_patches: i64,
    pub instances_with_unreported_not_applicable_patches: i64,
    pub instances_with_critical_non_compliant_patches: i64,
    pub instances_with_security_non_compliant_patches: i64,
    pub instances_with_other_non_compliant_patches: i64,
    pub instances_with_available_security_updates: i64,
}

impl Operation for DescribePatchGroupState {
    const NAME: &'static str = "DescribePatchGroupState";
    const READ_ONLY: bool = true;
    type Output = DescribePatchGroupStateResult;
}

with_rules! {
    /// `BaselineOverride`: a baseline given with the request instead of the
    /// node's own.
    #[derive(Default)]
    pub struct BaselineOverride {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub operating_system: Option<String>,
    }
}

/// Fixes the baseline a node patches by for one operation: the node's own
/// (by its patch group, or the default) as it stands now, or the override.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetDeployablePatchSnapshotForInstance {
    pub instance_id: String,
    pub snapshot_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_override: Option<BaselineOverride>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_s3_dual_stack_endpoint: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetDeployablePatchSnapshotForInstanceResult {
    pub instance_id: String,
    pub snapshot_id: String,
    /// Where AWS would put an S3 URL: sysman keeps the snapshot itself and
    /// names it here (`sysman:patch-snapshot/<id>`); a node judges patches
    /// by it with `Sysman.EvaluatePatches`.
    pub snapshot_download_url: String,
    pub product: String,
}

impl Operation for GetDeployablePatchSnapshotForInstance {
    const NAME: &'static str = "GetDeployablePatchSnapshotForInstance";
    const READ_ONLY: bool = false;
    const NODE_CALLABLE: bool = true;
    type Output = GetDeployablePatchSnapshotForInstanceResult;
    fn resource(&self) -> String {
        crate::fleet::node_resource(&self.instance_id)
    }
}

/// Judges patches a node could install by the baseline of one of its
/// snapshots: which to install, which are rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EvaluatePatches {
    pub instance_id: String,
    pub snapshot_id: String,
    /// The patches; a patch the server's catalogue knows may carry its id
    /// alone.
    pub patches: Vec<Patch>,
}

/// One patch's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchVerdict {
    pub id: String,
    /// APPROVED, PENDING_APPROVAL, EXPLICIT_APPROVED, EXPLICIT_REJECTED, or
    /// NOT_IN_BASELINE for a patch the baseline does not concern.
    pub deployment_status: String,
    pub compliance_level: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EvaluatePatchesResult {
    pub baseline_id: String,
    pub verdicts: Vec<PatchVerdict>,
}

impl Operation for EvaluatePatches {
    const NAME: &'static str = "EvaluatePatches";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = true;
    const NODE_CALLABLE: bool = true;
    type Output = EvaluatePatchesResult;
    fn resource(&self) -> String {
        crate::fleet::node_resource(&self.instance_id)
    }
    fn audit_view(&self) -> String {
        summary_view(&self.instance_id, &self.snapshot_id, self.patches.len())
    }
}

/// A patch on a node, as the node found it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NodePatch {
    pub patch: Patch,
    /// INSTALLED (the node has it), INSTALLED_PENDING_REBOOT, MISSING (it
    /// could install it), FAILED (an install of it failed) or
    /// NOT_APPLICABLE (it is not for this node). The server turns these
    /// into the baseline's states.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_time: Option<Timestamp>,
}

/// What a node's scan or install found, judged by the server against the
/// snapshot's baseline and kept as the node's patch state and its `Patch`
/// compliance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutPatchReport {
    pub instance_id: String,
    pub snapshot_id: String,
    /// `Scan` or `Install`.
    pub operation: String,
    pub operation_start_time: Timestamp,
    pub operation_end_time: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reboot_option: Option<String>,
    /// The command that ran the operation, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_id: Option<String>,
    pub patches: Vec<NodePatch>,
}

impl Operation for PutPatchReport {
    const NAME: &'static str = "PutPatchReport";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    const NODE_CALLABLE: bool = true;
    type Output = crate::Empty;
    fn resource(&self) -> String {
        crate::fleet::node_resource(&self.instance_id)
    }
    fn audit_view(&self) -> String {
        summary_view(&self.instance_id, &self.snapshot_id, self.patches.len())
    }
}

/// Reports carry hundreds of patches; the audit trail keeps their count.
fn summary_view(instance_id: &str, snapshot_id: &str, patches: usize) -> String {
    serde_json::json!({
        "InstanceId": instance_id,
        "SnapshotId": snapshot_id,
        "Patches": patches,
    })
    .to_string()
}

/// How many nodes have each patch in each state, by their last scan or
/// install: what Patch Manager's console shows against a baseline. Counts
/// every node that reported, or those of one patch group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePatchCounts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_group: Option<String>,
    /// Only nodes and patches of this operating system
    /// (`AMAZON_LINUX_2023`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operating_system: Option<String>,
    /// Patches to count the nodes lacking any of (`InstancesLackingAny`),
    /// such as those about to be approved together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_ids: Option<Vec<String>>,
}

/// One patch across the fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PatchCount {
    pub id: String,
    #[serde(rename = "KBId")]
    pub kb_id: String,
    pub title: String,
    pub classification: String,
    pub severity: String,
    /// The operating system whose nodes reported it.
    pub operating_system: String,
    /// Nodes that lack the patch, whether or not it is approved yet.
    pub missing: i64,
    /// Of those, nodes whose baseline does not approve it (yet).
    pub not_approved: i64,
    pub failed: i64,
    pub installed: i64,
    pub installed_pending_reboot: i64,
    pub installed_other: i64,
    pub installed_rejected: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePatchCountsResult {
    /// Patches some node lacks first (most such nodes first), then the rest
    /// by id.
    pub patches: Vec<PatchCount>,
    /// Nodes counted.
    pub instances: i64,
    /// Of those, nodes lacking at least one of `PatchIds`.
    pub instances_lacking_any: i64,
}

impl Operation for DescribePatchCounts {
    const NAME: &'static str = "DescribePatchCounts";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = true;
    type Output = DescribePatchCountsResult;
}
