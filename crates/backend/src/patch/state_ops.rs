//! The handlers of node patch state: snapshots, verdicts and reports from
//! nodes, and the reads of what they reported.

use std::collections::BTreeMap;
use std::sync::Arc;

use sysman_api::compliance::{ComplianceExecutionSummary, PATCH};
use sysman_api::messages::patch as msg;
use sysman_api::patch::{
    DescribeInstancePatchStates, DescribeInstancePatchStatesForPatchGroup,
    DescribeInstancePatchStatesResult, DescribeInstancePatches, DescribeInstancePatchesResult,
    DescribePatchGroupState, DescribePatchGroupStateResult, EvaluatePatches, EvaluatePatchesResult,
    GetDeployablePatchSnapshotForInstance, GetDeployablePatchSnapshotForInstanceResult,
    InstancePatchState, Patch, PatchVerdict, PutPatchReport, limits,
};
use sysman_api::{ApiError, Empty, Operation};

use super::catalogue_ops::wire_patch;
use super::facts::PatchFacts;
use super::ops::{check_patch_group, compile};
use super::rules::Evaluator;
use super::states::{self, Entry, NodeState, PatchInfo, State, StoredSnapshot};
use super::{operating_system_of, patch_group_of};
use crate::gate::{Ctx, Handler};
use crate::patch::catalogue::{CatalogPatch, Catalogue};
use crate::{Event, Inner, validate};

fn no_such_node(b: &Inner, id: &str) -> ApiError {
    msg::no_such_node(id, &b.settings.account_id)
}

fn check_snapshot_id(id: &str) -> Result<(), ApiError> {
    if uuid::Uuid::try_parse(id).is_ok() && id.len() == 36 {
        Ok(())
    } else {
        Err(ApiError::constraint(
            "snapshotId",
            id,
            "Member must satisfy regular expression pattern: \
             ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        ))
    }
}

/// What Patch Manager needs to know of a node.
struct NodeFacts {
    operating_system: &'static str,
    product: String,
    patch_group: String,
}

fn node_facts(b: &Inner, instance_id: &str) -> Result<NodeFacts, ApiError> {
    let fleet = b.fleet.read();
    let node = fleet
        .view()
        .node(instance_id)
        .ok_or_else(|| no_such_node(b, instance_id))?;
    let name = node.platform_name.clone().unwrap_or_default();
    let version = node.platform_version.clone().unwrap_or_default();
    let operating_system =
        operating_system_of(&name, &version).ok_or_else(|| msg::unsupported_os(&name, &version))?;
    Ok(NodeFacts {
        operating_system,
        product: product_of(operating_system, &name, &version),
        patch_group: patch_group_of(&node.tags).unwrap_or_default().to_owned(),
    })
}

/// The product a node's patches are for, as AWS names products.
fn product_of(os: &str, name: &str, version: &str) -> String {
    let major = version.split('.').next().unwrap_or_default();
    match os {
        "WINDOWS" => {
            let year = ["2016", "2019", "2022", "2025"]
                .into_iter()
                .find(|y| name.contains(y))
                .unwrap_or("2022");
            format!("WindowsServer{year}")
        }
        "AMAZON_LINUX_2023" => "AmazonLinux2023".to_owned(),
        "UBUNTU" => format!("Ubuntu{version}"),
        "REDHAT_ENTERPRISE_LINUX" => format!("RedhatEnterpriseLinux{version}"),
        "DEBIAN" => format!("Debian{major}"),
        "MACOS" => format!("MacOS{major}"),
        _ => format!("{name}{version}").replace(' ', ""),
    }
}

impl Handler for GetDeployablePatchSnapshotForInstance {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        validate::instance_id(&self.instance_id, "instanceId")?;
        check_snapshot_id(&self.snapshot_id)?;
        let facts = node_facts(b, &self.instance_id)?;
        let (baseline_id, os, rules) = match &self.baseline_override {
            Some(o) => {
                let os = o
                    .operating_system
                    .clone()
                    .unwrap_or_else(|| facts.operating_system.to_owned());
                let rules = o.rules();
                ("BaselineOverride".to_owned(), os, rules)
            }
            None => {
                let state = b.patch.state.read();
                let group = (!facts.patch_group.is_empty()).then_some(facts.patch_group.as_str());
                let baseline = state
                    .baseline_for(facts.operating_system, group)
                    .ok_or_else(|| {
                        ApiError::internal(format!(
                            "{} has no default baseline",
                            facts.operating_system
                        ))
                    })?;
                (
                    baseline.stored.id.clone(),
                    facts.operating_system.to_owned(),
                    baseline.stored.rules.clone(),
                )
            }
        };
        let evaluator = compile(&os, &rules)?;
        let stored = StoredSnapshot {
            snapshot_id: self.snapshot_id.clone(),
            instance_id: self.instance_id.clone(),
            baseline_id,
            operating_system: os,
            patch_group: facts.patch_group,
            product: facts.product.clone(),
            rules,
            created: ctx.now,
        };
        let commit = {
            let mut states = b.patch.states.write();
            // Asking again for a snapshot it has changes nothing.
            if states
                .snapshots
                .get(&self.snapshot_id)
                .is_some_and(|s| s.stored.instance_id == self.instance_id)
            {
                None
            } else if states.snapshots.contains_key(&self.snapshot_id) {
                return Err(msg::snapshot_of_another_node(&self.snapshot_id));
            } else {
                let mut changes = vec![crate::store::Change::Put {
                    kind: states::SNAPSHOT_KIND,
                    id: self.snapshot_id.clone(),
                    body: serde_json::to_string(&stored).unwrap_or_default(),
                }];
                if let Some(old) = states.keep_snapshot(stored, Arc::new(evaluator)) {
                    changes.push(crate::store::Change::Delete {
                        kind: states::SNAPSHOT_KIND,
                        id: old,
                    });
                }
                Some(ctx.commit(&b.store, changes))
            }
        };
        if let Some(commit) = commit {
            commit.await?;
        }
        Ok(GetDeployablePatchSnapshotForInstanceResult {
            snapshot_download_url: format!("sysman:patch-snapshot/{}", self.snapshot_id),
            instance_id: self.instance_id,
            snapshot_id: self.snapshot_id,
            product: facts.product,
        })
    }
}

/// The snapshot `snapshot_id` of `instance_id`, and its evaluator.
fn snapshot_of(
    b: &Inner,
    instance_id: &str,
    snapshot_id: &str,
) -> Result<(StoredSnapshot, Arc<Evaluator>), ApiError> {
    let states = b.patch.states.read();
    states
        .snapshots
        .get(snapshot_id)
        .filter(|s| s.stored.instance_id == instance_id)
        .map(|s| (s.stored.clone(), s.evaluator.clone()))
        .ok_or_else(|| msg::no_such_snapshot(snapshot_id))
}

/// A reported patch's facts: the catalogue's when it knows the id and the
/// node gave no more, else what the node said.
fn resolve<'a>(catalogue: Option<&'a Catalogue>, patch: &'a Patch) -> Facts<'a> {
    match catalogue {
        Some(c) if patch.title.is_none() => {
            c.get(&patch.id).map_or(Facts::Given(patch), Facts::Known)
        }
        _ => Facts::Given(patch),
    }
}

/// A patch as the catalogue or the node describes it.
#[derive(Clone, Copy)]
enum Facts<'a> {
    Known(&'a CatalogPatch),
    Given(&'a Patch),
}

impl Facts<'_> {
    fn get(&self) -> &dyn PatchFacts {
        match self {
            Facts::Known(p) => *p,
            Facts::Given(p) => *p,
        }
    }

    fn id(&self) -> &str {
        self.get().id()
    }

    fn info(&self, operating_system: &str) -> PatchInfo {
        match self {
            Facts::Known(p) => PatchInfo::of(*p, &wire_patch(p), p.operating_system),
            Facts::Given(p) => PatchInfo::of(*p, p, operating_system),
        }
    }
}

fn check_patches(patches: usize) -> Result<(), ApiError> {
    validate::count(patches, "patches", 0, 10_000)
}

impl Handler for EvaluatePatches {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_snapshot_id(&self.snapshot_id)?;
        check_patches(self.patches.len())?;
        let (snapshot, evaluator) = snapshot_of(b, &self.instance_id, &self.snapshot_id)?;
        let catalogue = b.patch.catalogue();
        let verdicts = self
            .patches
            .iter()
            .map(|p| {
                let facts = resolve(catalogue.as_deref(), p);
                let verdict = evaluator.verdict(facts.get(), ctx.now);
                PatchVerdict {
                    id: p.id.clone(),
                    deployment_status: verdict
                        .as_ref()
                        .map_or("NOT_IN_BASELINE", |v| v.deployment.as_str())
                        .to_owned(),
                    compliance_level: verdict
                        .map_or("UNSPECIFIED", |v| v.compliance_level)
                        .to_owned(),
                }
            })
            .collect();
        Ok(EvaluatePatchesResult {
            baseline_id: snapshot.baseline_id,
            verdicts,
        })
    }
}

/// A reported patch's place in the interned table, or its facts to intern.
enum Slot {
    Known(u32),
    New(Box<PatchInfo>),
}

impl Handler for PutPatchReport {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_snapshot_id(&self.snapshot_id)?;
        check_patches(self.patches.len())?;
        if !matches!(self.operation.as_str(), "Scan" | "Install") {
            return Err(ApiError::constraint(
                "operation",
                &self.operation,
                "Member must satisfy enum value set: [Scan, Install]",
            ));
        }
        if let Some(option) = &self.reboot_option
            && !matches!(option.as_str(), "RebootIfNeeded" | "NoReboot")
        {
            return Err(ApiError::constraint(
                "rebootOption",
                option,
                "Member must satisfy enum value set: [RebootIfNeeded, NoReboot]",
            ));
        }
        if self.operation_end_time < self.operation_start_time {
            return Err(ApiError::validation(
                "OperationEndTime is before OperationStartTime",
            ));
        }
        let (snapshot, evaluator) = snapshot_of(b, &self.instance_id, &self.snapshot_id)?;
        let report_security = snapshot
            .rules
            .available_security_updates_compliance_status
            .as_deref()
            == Some("NON_COMPLIANT");
        // Judge first, outside any lock.
        let catalogue = b.patch.catalogue();
        let mut judged: Vec<(Facts<'_>, State, u8, sysman_api::Timestamp)> = Vec::new();
        for reported in &self.patches {
            let found = State::parse(&reported.state)
                .filter(|s| {
                    matches!(
                        s,
                        State::Installed
                            | State::InstalledPendingReboot
                            | State::Missing
                            | State::Failed
                            | State::NotApplicable
                    )
                })
                .ok_or_else(|| {
                    ApiError::constraint(
                        "patches.member.state",
                        &reported.state,
                        "Member must satisfy enum value set: [INSTALLED, \
                         INSTALLED_PENDING_REBOOT, MISSING, FAILED, NOT_APPLICABLE]",
                    )
                })?;
            let facts = resolve(catalogue.as_deref(), &reported.patch);
            let verdict = evaluator.verdict(facts.get(), ctx.now);
            let Some(state) = states::judge(
                found,
                verdict.as_ref(),
                facts.get().is_security(),
                report_security,
            ) else {
                continue;
            };
            let level = states::level_index(
                verdict
                    .as_ref()
                    .map_or("UNSPECIFIED", |v| v.compliance_level),
            );
            let installed = reported.installed_time.unwrap_or(sysman_api::Timestamp(0));
            judged.push((facts, state, level, installed));
        }
        let mut summary = InstancePatchState {
            instance_id: self.instance_id.clone(),
            patch_group: snapshot.patch_group.clone(),
            baseline_id: snapshot.baseline_id.clone(),
            snapshot_id: Some(self.snapshot_id.clone()),
            install_override_list: None,
            owner_information: None,
            installed_count: 0,
            installed_other_count: 0,
            installed_pending_reboot_count: 0,
            installed_rejected_count: 0,
            missing_count: 0,
            failed_count: 0,
            unreported_not_applicable_count: 0,
            not_applicable_count: 0,
            available_security_update_count: 0,
            operation_start_time: self.operation_start_time,
            operation_end_time: self.operation_end_time,
            operation: self.operation.clone(),
            last_no_reboot_install_operation_time: None,
            reboot_option: self.reboot_option.clone(),
            critical_non_compliant_count: 0,
            security_non_compliant_count: 0,
            other_non_compliant_count: 0,
        };
        let commit = {
            // The fleet, then patch states, then compliance: the order
            // DeregisterManagedInstance takes them in too.
            let fleet = b.fleet.read();
            if !fleet.view().contains(&self.instance_id) {
                return Err(no_such_node(b, &self.instance_id));
            }
            let mut states = b.patch.states.write();
            // Each patch's index if it is known, or its facts to intern;
            // nothing is interned until compliance has taken the batch.
            let slots: Vec<Slot> = judged
                .iter()
                .map(|(facts, ..)| match states.by_id.get(facts.id()) {
                    Some(&i) => Slot::Known(i),
                    None => Slot::New(Box::new(facts.info(&snapshot.operating_system))),
                })
                .collect();
            fn info_of<'a>(infos: &'a [PatchInfo], slot: &'a Slot) -> &'a PatchInfo {
                match slot {
                    Slot::Known(i) => &infos[*i as usize],
                    Slot::New(info) => info,
                }
            }
            let execution_id = self
                .command_id
                .clone()
                .unwrap_or_else(|| self.snapshot_id.clone());
            let batch = states::compliance_batch(
                judged
                    .iter()
                    .zip(&slots)
                    .map(|((_, state, level, installed), slot)| {
                        (info_of(&states.infos, slot), *state, *level, *installed)
                    }),
                evaluator.block_rejected,
                ComplianceExecutionSummary {
                    execution_time: self.operation_end_time,
                    execution_id: Some(execution_id.clone()),
                    execution_type: Some("Command".to_owned()),
                },
            );
            // Compliance first: if it refuses the batch, nothing has
            // changed. Its lock is held until the commit is queued.
            let mut compliance = b.compliance.write();
            compliance.derive(&self.instance_id, PATCH, batch)?;
            let mut changes = Vec::new();
            let mut entries = Vec::with_capacity(judged.len());
            for ((_, state, level, installed), slot) in judged.into_iter().zip(slots) {
                let patch = match slot {
                    Slot::Known(i) => i,
                    Slot::New(info) => {
                        let (i, change) = states.intern(*info);
                        changes.extend(change);
                        i
                    }
                };
                entries.push(Entry {
                    patch,
                    state,
                    level,
                    installed,
                });
            }
            states::count(
                &mut summary,
                &entries,
                &states.infos,
                evaluator.block_rejected,
            );
            let previous = states
                .nodes
                .get(&self.instance_id)
                .and_then(|n| n.summary.last_no_reboot_install_operation_time);
            summary.last_no_reboot_install_operation_time = if self.operation == "Install"
                && self.reboot_option.as_deref() == Some("NoReboot")
            {
                Some(self.operation_end_time)
            } else {
                previous
            };
            states.nodes.insert(
                self.instance_id.clone(),
                NodeState {
                    summary,
                    entries,
                    execution_id,
                    block_rejected: evaluator.block_rejected,
                },
            );
            changes.push(states.state_change(&self.instance_id));
            let commit = ctx.commit(&b.store, changes);
            drop((compliance, fleet));
            commit
        };
        commit.await?;
        ctx.publish(Event::ComplianceChanged {
            resource_id: self.instance_id.clone(),
            compliance_type: PATCH.to_owned(),
        });
        ctx.publish(Event::PatchStateChanged {
            instance_id: self.instance_id,
        });
        Ok(Empty {})
    }
}

fn compliance_max_results(value: Option<i64>) -> Result<usize, ApiError> {
    validate::max_results(
        value,
        limits::COMPLIANCE_MIN_RESULTS,
        limits::COMPLIANCE_MAX_RESULTS,
        50,
    )
}

impl Handler for DescribeInstancePatchStates {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        validate::count(self.instance_ids.len(), "instanceIds", 0, 50)?;
        for (i, id) in self.instance_ids.iter().enumerate() {
            validate::instance_id(id, &format!("instanceIds.{}.member", i + 1))?;
        }
        let limit = compliance_max_results(self.max_results)?;
        let skip = match self.next_token.as_deref() {
            Some(t) => b
                .pager
                .resume(Self::NAME, &self.instance_ids, t)?
                .parse::<usize>()
                .unwrap_or(0),
            None => 0,
        };
        let states = b.patch.states.read();
        let found: Vec<InstancePatchState> = self
            .instance_ids
            .iter()
            .filter_map(|id| states.nodes.get(id).map(|n| n.summary.clone()))
            .collect();
        let end = (skip + limit).min(found.len());
        Ok(DescribeInstancePatchStatesResult {
            instance_patch_states: found.get(skip..end).unwrap_or_default().to_vec(),
            next_token: (end < found.len()).then(|| {
                b.pager
                    .issue(Self::NAME, &self.instance_ids, &end.to_string())
            }),
        })
    }
}

/// An `InstancePatchStateFilter`: a count compared with a number.
struct CountFilter {
    key: String,
    value: i64,
    op: String,
}

const COUNT_KEYS: [&str; 12] = [
    "InstalledCount",
    "InstalledOtherCount",
    "InstalledPendingRebootCount",
    "InstalledRejectedCount",
    "MissingCount",
    "FailedCount",
    "NotApplicableCount",
    "UnreportedNotApplicableCount",
    "AvailableSecurityUpdateCount",
    "CriticalNonCompliantCount",
    "SecurityNonCompliantCount",
    "OtherNonCompliantCount",
];

fn count_of(s: &InstancePatchState, key: &str) -> i64 {
    match key {
        "InstalledCount" => s.installed_count,
        "InstalledOtherCount" => s.installed_other_count,
        "InstalledPendingRebootCount" => s.installed_pending_reboot_count,
        "InstalledRejectedCount" => s.installed_rejected_count,
        "MissingCount" => s.missing_count,
        "FailedCount" => s.failed_count,
        "NotApplicableCount" => s.not_applicable_count,
        "UnreportedNotApplicableCount" => s.unreported_not_applicable_count,
        "AvailableSecurityUpdateCount" => s.available_security_update_count,
        "CriticalNonCompliantCount" => s.critical_non_compliant_count,
        "SecurityNonCompliantCount" => s.security_non_compliant_count,
        _ => s.other_non_compliant_count,
    }
}

impl CountFilter {
    fn holds(&self, s: &InstancePatchState) -> bool {
        let n = count_of(s, &self.key);
        match self.op.as_str() {
            "Equal" => n == self.value,
            "NotEqual" => n != self.value,
            "LessThan" => n < self.value,
            _ => n > self.value,
        }
    }
}

impl Handler for DescribeInstancePatchStatesForPatchGroup {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_patch_group(&self.patch_group)?;
        let limit = compliance_max_results(self.max_results)?;
        let raw = self.filters.clone().unwrap_or_default();
        validate::count(raw.len(), "filters", 0, 4)?;
        let mut filters = Vec::with_capacity(raw.len());
        for f in &raw {
            if !COUNT_KEYS.contains(&f.key.as_str()) {
                return Err(msg::invalid_filter_key(&f.key, &COUNT_KEYS.join(", ")));
            }
            if !matches!(
                f.r#type.as_str(),
                "Equal" | "NotEqual" | "LessThan" | "GreaterThan"
            ) {
                return Err(ApiError::constraint(
                    "filters.member.type",
                    &f.r#type,
                    "Member must satisfy enum value set: [Equal, NotEqual, LessThan, GreaterThan]",
                ));
            }
            let value = match f.values.as_slice() {
                [v] => v.parse::<i64>().ok(),
                _ => None,
            }
            .ok_or_else(|| msg::count_filter_value(&f.key))?;
            filters.push(CountFilter {
                key: f.key.clone(),
                value,
                op: f.r#type.clone(),
            });
        }
        let digest = (&self.patch_group, &raw);
        let start = b
            .pager
            .start(Self::NAME, &digest, self.next_token.as_deref())?;
        let states = b.patch.states.read();
        let mut last = None;
        let (page, more) = crate::paging::collect(
            states.nodes.range::<str, _>(start.range()),
            limit,
            |(id, node)| {
                last = Some(id.clone());
                (node.summary.patch_group == self.patch_group
                    && filters.iter().all(|f| f.holds(&node.summary)))
                .then(|| node.summary.clone())
            },
        );
        Ok(DescribeInstancePatchStatesResult {
            instance_patch_states: page,
            next_token: if more {
                last.map(|k| b.pager.issue(Self::NAME, &digest, &k))
            } else {
                None
            },
        })
    }
}

impl Handler for DescribeInstancePatches {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        validate::instance_id(&self.instance_id, "instanceId")?;
        let limit = compliance_max_results(self.max_results)?;
        let raw = self.filters.clone().unwrap_or_default();
        validate::count(raw.len(), "filters", 0, 4)?;
        let mut filters = Vec::with_capacity(raw.len());
        for f in &raw {
            let key = f.key.clone().unwrap_or_default();
            if !matches!(
                key.as_str(),
                "Classification" | "KBId" | "Severity" | "State"
            ) {
                return Err(msg::invalid_filter_key(
                    &key,
                    "Classification, KBId, Severity, State",
                ));
            }
            filters.push((key, f.values.clone().unwrap_or_default()));
        }
        let skip = match self.next_token.as_deref() {
            Some(t) => b
                .pager
                .resume(Self::NAME, &(&self.instance_id, &raw), t)?
                .parse::<usize>()
                .unwrap_or(0),
            None => 0,
        };
        if !b.fleet.read().view().contains(&self.instance_id) {
            return Err(no_such_node(b, &self.instance_id));
        }
        let states = b.patch.states.read();
        let Some(node) = states.nodes.get(&self.instance_id) else {
            return Ok(DescribeInstancePatchesResult {
                patches: Vec::new(),
                next_token: None,
            });
        };
        let matching: Vec<&Entry> = node
            .entries
            .iter()
            .filter(|e| e.state.is_reported())
            .filter(|e| {
                let info = &states.infos[e.patch as usize];
                filters.iter().all(|(key, values)| {
                    let have = match key.as_str() {
                        "Classification" => info.classification.as_str(),
                        "KBId" => info.kb_id.as_str(),
                        "Severity" => info.severity.as_str(),
                        // AWS documents the state values of this filter as
                        // `Installed`, `Missing`, `InstalledPendingReboot`
                        // and answers with `INSTALLED`, `MISSING`, ...:
                        // both spellings select.
                        _ => {
                            let state = e.state.as_str();
                            return values.iter().any(|v| same_state(v, state));
                        }
                    };
                    values.iter().any(|v| v == have)
                })
            })
            .collect();
        let end = (skip + limit).min(matching.len());
        let patches = matching
            .get(skip..end)
            .unwrap_or_default()
            .iter()
            .map(|e| states.wire_entry(e))
            .collect();
        Ok(DescribeInstancePatchesResult {
            patches,
            next_token: (end < matching.len()).then(|| {
                b.pager
                    .issue(Self::NAME, &(&self.instance_id, &raw), &end.to_string())
            }),
        })
    }
}

/// Whether a `State` filter value (`Missing`, `InstalledPendingReboot` or
/// `MISSING`) names the state `INSTALLED_PENDING_REBOOT`.
fn same_state(value: &str, state: &str) -> bool {
    let mut letters = state.chars().filter(|c| *c != '_');
    value
        .chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_uppercase())
        .all(|c| letters.next() == Some(c))
        && letters.next().is_none()
}

impl Handler for DescribePatchGroupState {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_patch_group(&self.patch_group)?;
        let states = b.patch.states.read();
        let mut out = DescribePatchGroupStateResult::default();
        for node in states.nodes.values() {
            let s = &node.summary;
            if s.patch_group != self.patch_group {
                continue;
            }
            let has = |n: i64| i64::from(n > 0);
            out.instances += 1;
            out.instances_with_installed_patches += has(s.installed_count);
            out.instances_with_installed_other_patches += has(s.installed_other_count);
            out.instances_with_installed_pending_reboot_patches +=
                has(s.installed_pending_reboot_count);
            out.instances_with_installed_rejected_patches += has(s.installed_rejected_count);
            out.instances_with_missing_patches += has(s.missing_count);
            out.instances_with_failed_patches += has(s.failed_count);
            out.instances_with_not_applicable_patches += has(s.not_applicable_count);
            out.instances_with_unreported_not_applicable_patches +=
                has(s.unreported_not_applicable_count);
            out.instances_with_critical_non_compliant_patches +=
                has(s.critical_non_compliant_count);
            out.instances_with_security_non_compliant_patches +=
                has(s.security_non_compliant_count);
            out.instances_with_other_non_compliant_patches += has(s.other_non_compliant_count);
            out.instances_with_available_security_updates += has(s.available_security_update_count);
        }
        Ok(out)
    }
}

impl Handler for sysman_api::patch::DescribePatchCounts {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        use sysman_api::patch::{DescribePatchCountsResult, PatchCount};
        if let Some(group) = &self.patch_group {
            check_patch_group(group)?;
        }
        if let Some(os) = &self.operating_system {
            super::ops::check_operating_system(os)?;
        }
        let wanted = self.patch_ids.clone().unwrap_or_default();
        validate::count(wanted.len(), "patchIds", 0, limits::PATCH_IDS_MAX * 2)?;
        let states = b.patch.states.read();
        let wanted: std::collections::HashSet<u32> = wanted
            .iter()
            .filter_map(|id| states.by_id.get(id).copied())
            .collect();
        let mut counts: BTreeMap<u32, PatchCount> = BTreeMap::new();
        let mut instances = 0;
        let mut lacking_any = 0;
        for node in states.nodes.values() {
            if self
                .patch_group
                .as_ref()
                .is_some_and(|g| *g != node.summary.patch_group)
            {
                continue;
            }
            // A node's patches are all of its own OS: the first says which.
            if let Some(os) = &self.operating_system
                && node
                    .entries
                    .first()
                    .is_none_or(|e| states.infos[e.patch as usize].operating_system != *os)
            {
                continue;
            }
            instances += 1;
            let lacks = |e: &Entry| {
                matches!(
                    e.state,
                    State::Missing
                        | State::AvailableSecurityUpdate
                        | State::NotApproved
                        | State::Failed
                )
            };
            if node
                .entries
                .iter()
                .any(|e| wanted.contains(&e.patch) && lacks(e))
            {
                lacking_any += 1;
            }
            for e in &node.entries {
                if self
                    .operating_system
                    .as_ref()
                    .is_some_and(|os| *os != states.infos[e.patch as usize].operating_system)
                {
                    continue;
                }
                let c = counts.entry(e.patch).or_insert_with(|| {
                    let info = &states.infos[e.patch as usize];
                    PatchCount {
                        id: info.id.clone(),
                        kb_id: info.kb_id.clone(),
                        title: info.title.clone(),
                        classification: info.classification.clone(),
                        severity: info.severity.clone(),
                        operating_system: info.operating_system.clone(),
                        ..PatchCount::default()
                    }
                });
                match e.state {
                    State::Missing | State::AvailableSecurityUpdate => c.missing += 1,
                    State::NotApproved => {
                        c.missing += 1;
                        c.not_approved += 1;
                    }
                    State::Failed => {
                        c.missing += 1;
                        c.failed += 1;
                    }
                    State::Installed => c.installed += 1,
                    State::InstalledPendingReboot => c.installed_pending_reboot += 1,
                    State::InstalledOther => c.installed_other += 1,
                    State::InstalledRejected => c.installed_rejected += 1,
                    State::NotApplicable => {}
                }
            }
        }
        let mut patches: Vec<PatchCount> = counts.into_values().collect();
        patches.sort_by(|a, b| b.missing.cmp(&a.missing).then_with(|| a.id.cmp(&b.id)));
        Ok(DescribePatchCountsResult {
            patches,
            instances,
            instances_lacking_any: lacking_any,
        })
    }
}
