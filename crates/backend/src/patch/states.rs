//! Each node's patch state: the snapshots of baselines nodes patch by, the
//! reports of their scans and installs judged against those snapshots,
//! and the `Patch` compliance those states amount to.
//!
//! Patches are interned: a node's state is a list of (patch, state, time)
//! triples of 16 bytes, so 100,000 nodes with 50 patches each stay small.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sysman_api::Timestamp;
use sysman_api::compliance::{
    ComplianceExecutionSummary, ComplianceSeverity, ComplianceStatus, ComplianceUploadType,
};
use sysman_api::patch::{InstancePatchState, Patch, PatchComplianceData};

use super::facts::PatchFacts;
use super::rules::{Deployment, Evaluator, Verdict};
use crate::compliance;
use crate::store::{Change, Snapshot};

pub(crate) const STATE_KIND: &str = "patch_state";
pub(crate) const SNAPSHOT_KIND: &str = "patch_snapshot";
pub(crate) const INFO_KIND: &str = "patch_info";

/// What a node patch state shows of a patch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PatchInfo {
    pub id: String,
    pub title: String,
    /// The KB id AWS shows: the KB number on Windows, the package id
    /// elsewhere.
    pub kb_id: String,
    pub classification: String,
    pub severity: String,
    pub cve_ids: String,
    pub security: bool,
    /// The operating system whose nodes reported it.
    #[serde(default)]
    pub operating_system: String,
}

impl PatchInfo {
    pub fn of(patch: &dyn PatchFacts, wire: &Patch, operating_system: &str) -> PatchInfo {
        PatchInfo {
            id: wire.id.clone(),
            title: wire.title.clone().unwrap_or_else(|| wire.id.clone()),
            kb_id: wire.kb_number.clone().unwrap_or_else(|| wire.id.clone()),
            classification: wire.classification.clone().unwrap_or_default(),
            severity: wire
                .msrc_severity
                .clone()
                .or_else(|| wire.severity.clone())
                .unwrap_or_default(),
            cve_ids: wire.cve_ids.join(","),
            security: patch.is_security(),
            operating_system: operating_system.to_owned(),
        }
    }
}

/// `PatchComplianceDataState`, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) enum State {
    Installed,
    InstalledOther,
    InstalledPendingReboot,
    InstalledRejected,
    Missing,
    NotApplicable,
    Failed,
    AvailableSecurityUpdate,
    /// Missing but not approved: AWS reports no such state, so the AWS
    /// operations never show it; sysman keeps it so an operator can see
    /// which nodes lack a patch before approving it.
    NotApproved,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Installed,
        State::InstalledOther,
        State::InstalledPendingReboot,
        State::InstalledRejected,
        State::Missing,
        State::NotApplicable,
        State::Failed,
        State::AvailableSecurityUpdate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::NotApproved => "NOT_APPROVED",
            other => sysman_api::patch::PATCH_STATES[other as usize],
        }
    }

    /// Whether AWS's operations show the state.
    pub fn is_reported(self) -> bool {
        self != State::NotApproved
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// One patch on one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub patch: u32,
    pub state: State,
    /// The patch's compliance level, as an index into `COMPLIANCE_LEVELS`.
    pub level: u8,
    pub installed: Timestamp,
}

/// A node's last operation: its counts, and its patches.
#[derive(Debug, Clone)]
pub(crate) struct NodeState {
    pub summary: InstancePatchState,
    pub entries: Vec<Entry>,
    /// The command the operation ran under (the snapshot's id when it ran
    /// under none): the execution its `Patch` compliance names.
    pub execution_id: String,
    /// Whether its baseline blocked rejected patches, which makes
    /// InstalledRejected non-compliant.
    pub block_rejected: bool,
}

impl NodeState {
    /// The node's `Patch` compliance: the state as compliance items.
    pub fn compliance(&self, infos: &[PatchInfo]) -> compliance::Batch {
        compliance_batch(
            self.entries
                .iter()
                .map(|e| (&infos[e.patch as usize], e.state, e.level, e.installed)),
            self.block_rejected,
            ComplianceExecutionSummary {
                execution_time: self.summary.operation_end_time,
                execution_id: Some(self.execution_id.clone()),
                execution_type: Some("Command".to_owned()),
            },
        )
    }
}

/// The `Patch` compliance of a node's patches, each given as its facts,
/// state, compliance level and install time: an item per KB id (the first
/// patch of a KB that names several stands for it) with the details AWS
/// reports, for every state AWS reports.
pub(crate) fn compliance_batch<'a>(
    patches: impl IntoIterator<Item = (&'a PatchInfo, State, u8, Timestamp)>,
    block_rejected: bool,
    execution: ComplianceExecutionSummary,
) -> compliance::Batch {
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    // A node installs many patches at once: format each time once.
    let mut times: HashMap<Timestamp, String> = HashMap::new();
    for (info, state, level, installed) in patches {
        if !state.is_reported() || !seen.insert(info.kb_id.as_str()) {
            continue;
        }
        let mut details = BTreeMap::from([
            ("PatchState".to_owned(), state.as_str().to_owned()),
            ("Classification".to_owned(), info.classification.clone()),
            ("PatchSeverity".to_owned(), info.severity.clone()),
        ]);
        // Only what is installed has an install time.
        if installed.millis() > 0 {
            let time = times
                .entry(installed)
                .or_insert_with(|| installed.iso8601());
            details.insert("InstalledTime".to_owned(), time.clone());
        }
        items.push(compliance::Entry {
            id: info.kb_id.clone(),
            title: info.title.clone(),
            severity: severity_of(level),
            status: if is_non_compliant(state, block_rejected) {
                ComplianceStatus::NonCompliant
            } else {
                ComplianceStatus::Compliant
            },
            details,
        });
    }
    compliance::Batch {
        execution,
        items,
        upload: ComplianceUploadType::Complete,
        content_hash: None,
    }
}

/// The index of a compliance level in `COMPLIANCE_LEVELS` (UNSPECIFIED for
/// none it knows).
pub(crate) fn level_index(level: &str) -> u8 {
    sysman_api::patch::COMPLIANCE_LEVELS
        .iter()
        .position(|l| *l == level)
        .unwrap_or(5) as u8
}

fn severity_of(level: u8) -> ComplianceSeverity {
    ComplianceSeverity::ALL
        .get(usize::from(level))
        .copied()
        .unwrap_or(ComplianceSeverity::Unspecified)
}

/// A baseline fixed for one node's operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredSnapshot {
    pub snapshot_id: String,
    pub instance_id: String,
    pub baseline_id: String,
    pub operating_system: String,
    pub patch_group: String,
    pub product: String,
    pub rules: sysman_api::patch::BaselineRules,
    pub created: Timestamp,
}

pub(crate) struct LiveSnapshot {
    pub stored: StoredSnapshot,
    pub evaluator: Arc<Evaluator>,
}

/// What the store keeps of a node's state: the summary, and the entries
/// by patch id.
#[derive(Serialize, Deserialize)]
struct StoredState {
    summary: InstancePatchState,
    entries: Vec<(String, State, u8, Timestamp)>,
    /// Absent from states stored before compliance was derived from them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    execution_id: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    block_rejected: bool,
}

#[derive(Default)]
pub(crate) struct States {
    pub infos: Vec<PatchInfo>,
    pub by_id: HashMap<String, u32>,
    pub nodes: BTreeMap<String, NodeState>,
    /// By snapshot id; a node keeps its newest one only.
    pub snapshots: HashMap<String, LiveSnapshot>,
    pub snapshot_of: HashMap<String, String>,
}

impl States {
    pub fn load(
        snapshot: &Snapshot,
        compile: impl Fn(&str, &sysman_api::patch::BaselineRules) -> Result<Evaluator, String>,
    ) -> Result<States, String> {
        let mut states = States::default();
        for (id, body) in snapshot.get(INFO_KIND).into_iter().flatten() {
            let info: PatchInfo = serde_json::from_str(body)
                .map_err(|e| format!("stored patch {id} cannot be read: {e}"))?;
            states.intern_info(info);
        }
        for (id, body) in snapshot.get(SNAPSHOT_KIND).into_iter().flatten() {
            let stored: StoredSnapshot = serde_json::from_str(body)
                .map_err(|e| format!("stored patch snapshot {id} cannot be read: {e}"))?;
            let evaluator = compile(&stored.operating_system, &stored.rules)?;
            states.keep_snapshot(stored, Arc::new(evaluator));
        }
        for (id, body) in snapshot.get(STATE_KIND).into_iter().flatten() {
            let stored: StoredState = serde_json::from_str(body)
                .map_err(|e| format!("stored patch state of {id} cannot be read: {e}"))?;
            let entries = stored
                .entries
                .into_iter()
                .filter_map(|(patch, state, level, installed)| {
                    Some(Entry {
                        patch: *states.by_id.get(&patch)?,
                        state,
                        level,
                        installed,
                    })
                })
                .collect();
            let execution_id = stored
                .execution_id
                .or_else(|| stored.summary.snapshot_id.clone())
                .unwrap_or_default();
            states.nodes.insert(
                id.clone(),
                NodeState {
                    summary: stored.summary,
                    entries,
                    execution_id,
                    block_rejected: stored.block_rejected,
                },
            );
        }
        Ok(states)
    }

    /// The index of `info`, and the change that stores it if it is new.
    pub fn intern(&mut self, info: PatchInfo) -> (u32, Option<Change>) {
        if let Some(&i) = self.by_id.get(&info.id) {
            return (i, None);
        }
        let change = Change::Put {
            kind: INFO_KIND,
            id: info.id.clone(),
            body: serde_json::to_string(&info).unwrap_or_default(),
        };
        (self.intern_info(info), Some(change))
    }

    fn intern_info(&mut self, info: PatchInfo) -> u32 {
        let i = self.infos.len() as u32;
        self.by_id.insert(info.id.clone(), i);
        self.infos.push(info);
        i
    }

    /// Keeps `stored` as its node's snapshot, forgetting the node's older
    /// one; returns the id of the one forgotten.
    pub fn keep_snapshot(
        &mut self,
        stored: StoredSnapshot,
        evaluator: Arc<Evaluator>,
    ) -> Option<String> {
        let old = self
            .snapshot_of
            .insert(stored.instance_id.clone(), stored.snapshot_id.clone())
            .filter(|old| *old != stored.snapshot_id);
        if let Some(old) = &old {
            self.snapshots.remove(old);
        }
        self.snapshots.insert(
            stored.snapshot_id.clone(),
            LiveSnapshot { stored, evaluator },
        );
        old
    }

    /// Forgets a deregistered node's state and snapshot.
    pub fn forget_node(&mut self, instance_id: &str) -> Vec<Change> {
        let mut changes = Vec::new();
        if self.nodes.remove(instance_id).is_some() {
            changes.push(self.state_change(instance_id));
        }
        if let Some(snapshot) = self.snapshot_of.remove(instance_id) {
            self.snapshots.remove(&snapshot);
            changes.push(Change::Delete {
                kind: SNAPSHOT_KIND,
                id: snapshot,
            });
        }
        changes
    }

    pub fn state_change(&self, instance_id: &str) -> Change {
        match self.nodes.get(instance_id) {
            Some(node) => Change::Put {
                kind: STATE_KIND,
                id: instance_id.to_owned(),
                body: serde_json::to_string(&StoredState {
                    summary: node.summary.clone(),
                    entries: node
                        .entries
                        .iter()
                        .map(|e| {
                            (
                                self.infos[e.patch as usize].id.clone(),
                                e.state,
                                e.level,
                                e.installed,
                            )
                        })
                        .collect(),
                    execution_id: Some(node.execution_id.clone()),
                    block_rejected: node.block_rejected,
                })
                .unwrap_or_default(),
            },
            None => Change::Delete {
                kind: STATE_KIND,
                id: instance_id.to_owned(),
            },
        }
    }

    pub fn wire_entry(&self, entry: &Entry) -> PatchComplianceData {
        let info = &self.infos[entry.patch as usize];
        PatchComplianceData {
            title: info.title.clone(),
            kb_id: info.kb_id.clone(),
            classification: info.classification.clone(),
            severity: info.severity.clone(),
            state: entry.state.as_str().to_owned(),
            installed_time: entry.installed,
            cve_ids: (!info.cve_ids.is_empty()).then(|| info.cve_ids.clone()),
        }
    }
}

/// The state a node's finding becomes under a baseline's verdict; `None`
/// when AWS would not report the patch at all.
pub(crate) fn judge(
    found: State,
    verdict: Option<&Verdict>,
    security: bool,
    report_available_security: bool,
) -> Option<State> {
    let deployment = verdict.map(|v| v.deployment);
    let approved = deployment.is_some_and(Deployment::is_approved);
    let rejected = deployment == Some(Deployment::ExplicitRejected);
    Some(match found {
        State::Installed | State::InstalledOther if rejected => State::InstalledRejected,
        State::Installed | State::InstalledOther if approved => State::Installed,
        State::Installed | State::InstalledOther => State::InstalledOther,
        State::Missing if approved => State::Missing,
        State::Missing if security && !rejected && report_available_security => {
            State::AvailableSecurityUpdate
        }
        State::Missing if rejected => return None,
        State::Missing => State::NotApproved,
        State::NotApplicable if approved => State::NotApplicable,
        State::NotApplicable => return None,
        other => other,
    })
}

/// Whether a patch in `state` leaves its node non-compliant.
pub(crate) fn is_non_compliant(state: State, block_rejected: bool) -> bool {
    match state {
        State::Missing | State::Failed | State::InstalledPendingReboot => true,
        State::InstalledRejected => block_rejected,
        State::AvailableSecurityUpdate => true,
        _ => false,
    }
}

/// Fills the counts of `summary` from `entries`.
pub(crate) fn count(
    summary: &mut InstancePatchState,
    entries: &[Entry],
    infos: &[PatchInfo],
    block_rejected: bool,
) {
    let mut n = [0i64; 9];
    let (mut critical, mut security, mut other) = (0, 0, 0);
    for e in entries {
        n[e.state as usize] += 1;
        if is_non_compliant(e.state, block_rejected) {
            if e.level == 0 {
                critical += 1;
            }
            if infos[e.patch as usize].security {
                security += 1;
            } else {
                other += 1;
            }
        }
    }
    summary.installed_count = n[State::Installed as usize];
    summary.installed_other_count = n[State::InstalledOther as usize];
    summary.installed_pending_reboot_count = n[State::InstalledPendingReboot as usize];
    summary.installed_rejected_count = n[State::InstalledRejected as usize];
    summary.missing_count = n[State::Missing as usize];
    summary.not_applicable_count = n[State::NotApplicable as usize];
    summary.failed_count = n[State::Failed as usize];
    summary.available_security_update_count = n[State::AvailableSecurityUpdate as usize];
    summary.unreported_not_applicable_count = 0;
    summary.critical_non_compliant_count = critical;
    summary.security_non_compliant_count = security;
    summary.other_non_compliant_count = other;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(deployment: Deployment) -> Verdict {
        Verdict {
            deployment,
            compliance_level: "CRITICAL",
            approval_date: None,
        }
    }

    #[test]
    fn what_a_node_found_becomes_the_baselines_state() {
        let approved = verdict(Deployment::Approved);
        let pending = verdict(Deployment::PendingApproval);
        let rejected = verdict(Deployment::ExplicitRejected);
        use State::*;
        assert_eq!(
            judge(Installed, Some(&approved), true, false),
            Some(Installed)
        );
        assert_eq!(
            judge(Installed, Some(&pending), true, false),
            Some(InstalledOther)
        );
        assert_eq!(judge(Installed, None, true, false), Some(InstalledOther));
        assert_eq!(
            judge(Installed, Some(&rejected), true, false),
            Some(InstalledRejected)
        );
        assert_eq!(judge(Missing, Some(&approved), true, false), Some(Missing));
        assert_eq!(
            judge(Missing, Some(&pending), true, false),
            Some(NotApproved)
        );
        assert_eq!(
            judge(Missing, None, true, true),
            Some(AvailableSecurityUpdate)
        );
        assert_eq!(judge(Missing, Some(&rejected), true, true), None);
        assert_eq!(
            judge(NotApplicable, Some(&approved), false, false),
            Some(NotApplicable)
        );
        assert_eq!(judge(NotApplicable, None, false, false), None);
        assert_eq!(judge(Failed, Some(&approved), false, false), Some(Failed));
        assert_eq!(
            judge(InstalledPendingReboot, Some(&approved), false, false),
            Some(InstalledPendingReboot)
        );
    }

    #[test]
    fn missing_failed_and_pending_reboot_are_non_compliant() {
        assert!(is_non_compliant(State::Missing, false));
        assert!(is_non_compliant(State::Failed, false));
        assert!(is_non_compliant(State::InstalledPendingReboot, false));
        assert!(!is_non_compliant(State::Installed, false));
        assert!(!is_non_compliant(State::InstalledOther, false));
        assert!(!is_non_compliant(State::InstalledRejected, false));
        assert!(is_non_compliant(State::InstalledRejected, true));
        assert!(!is_non_compliant(State::NotApplicable, true));
        assert!(!is_non_compliant(State::NotApproved, true));
    }
}
