//! Scans and installs with AWS-RunPatchBaseline on a simulated fleet, end
//! to end through Run Command and the node channel, as an operator sees
//! them: each node's patch state, its patches, its group's state, and its
//! `Patch` compliance turning compliant after an install.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use sysman_api::Target;
use sysman_api::commands::{CommandStatus, ListCommands, SendCommand};
use sysman_api::compliance::{
    ComplianceStringFilter, ListComplianceItems, ListResourceComplianceSummaries,
};
use sysman_api::patch::{
    CreatePatchBaseline, DescribeInstancePatchStates, DescribeInstancePatchStatesForPatchGroup,
    DescribeInstancePatches, DescribePatchGroupState, InstancePatchState, InstancePatchStateFilter,
    PatchFilter, PatchFilterGroup, PatchOrchestratorFilter, PatchRule, PatchRuleGroup,
    RegisterPatchBaselineForPatchGroup,
};
use sysman_api::{ApiError, Timestamp};
use sysman_backend::sim::{FleetSpec, SimPlatform, Simulator, TagScheme};
use sysman_backend::{Backend, Caller, Clock, Handler, ManualClock, Options};

const START: Timestamp = Timestamp::from_secs(1_795_435_200); // 2026-11-23T12:00:00Z

struct Fx {
    clock: ManualClock,
    backend: Backend,
    sim: Simulator,
    admin: Caller,
}

impl Fx {
    /// `nodes` Amazon Linux 2023 nodes in the standard tag scheme.
    async fn new(nodes: usize, patch_failure_rate: f64) -> Fx {
        Self::open(None, nodes, patch_failure_rate).await
    }

    /// The same, with the store in `dir` (or in memory).
    async fn open(dir: Option<&std::path::Path>, nodes: usize, patch_failure_rate: f64) -> Fx {
        let clock = ManualClock::new(START);
        let options = Options {
            clock: Arc::new(clock.clone()),
            id_seed: Some(11),
            ..Options::default()
        };
        let backend = match dir {
            Some(dir) => Backend::open(dir, options),
            None => Backend::open_in_memory(options),
        }
        .unwrap();
        let mut spec = FleetSpec::new(nodes, 5);
        spec.platform_mix = vec![(SimPlatform::AmazonLinux2023, 1)];
        spec.tag_scheme = TagScheme::Standard;
        spec.flakiness = 0.0;
        spec.patch_failure_rate = patch_failure_rate;
        let sim = Simulator::start(backend.clone(), &spec).await.unwrap();
        Fx {
            clock,
            backend,
            sim,
            admin: Caller::admin("test"),
        }
    }

    async fn ok<O: Handler>(&self, op: O) -> O::Output {
        match self.backend.call(&self.admin, op).await {
            Ok(out) => out,
            Err(e) => panic!("{} failed: {e}", O::NAME),
        }
    }

    async fn call<O: Handler>(&self, op: O) -> Result<O::Output, ApiError> {
        self.backend.call(&self.admin, op).await
    }

    /// Runs AWS-RunPatchBaseline on the nodes of `group` and waits for the
    /// command to end; returns its final status.
    async fn patch(&mut self, group: &str, operation: &str, reboot: &str) -> CommandStatus {
        let mut parameters = BTreeMap::new();
        parameters.insert("Operation".to_owned(), vec![operation.to_owned()]);
        parameters.insert("RebootOption".to_owned(), vec![reboot.to_owned()]);
        let sent = self
            .ok(SendCommand {
                targets: Some(vec![Target {
                    key: "tag:PatchGroup".into(),
                    values: vec![group.to_owned()],
                }]),
                document_name: "AWS-RunPatchBaseline".into(),
                parameters: Some(parameters),
                max_concurrency: Some("100%".into()),
                ..SendCommand::default()
            })
            .await
            .command;
        // Run Command ramps up (1, 2, 4, ... nodes at a time) and an
        // install takes minutes: an hour in ten-second steps is plenty.
        for _ in 0..360 {
            self.clock.advance(Duration::from_secs(10));
            self.sim.step_until(self.clock.now()).await.unwrap();
            let command = self
                .ok(ListCommands {
                    command_id: Some(sent.command_id.clone()),
                    ..ListCommands::default()
                })
                .await
                .commands
                .remove(0);
            if !matches!(
                command.status,
                CommandStatus::Pending | CommandStatus::InProgress
            ) {
                return command.status;
            }
        }
        let command = self
            .ok(ListCommands {
                command_id: Some(sent.command_id.clone()),
                ..ListCommands::default()
            })
            .await
            .commands
            .remove(0);
        let invocations = self
            .ok(sysman_api::commands::ListCommandInvocations {
                command_id: Some(sent.command_id.clone()),
                details: Some(true),
                ..Default::default()
            })
            .await;
        panic!("the patch command did not end in an hour: {command:?} {invocations:#?}");
    }

    async fn states(&self) -> Vec<InstancePatchState> {
        let ids: Vec<String> = self.sim.instance_ids().map(str::to_owned).collect();
        let mut out = Vec::new();
        for chunk in ids.chunks(50) {
            out.extend(
                self.ok(DescribeInstancePatchStates {
                    instance_ids: chunk.to_vec(),
                    max_results: Some(100),
                    next_token: None,
                })
                .await
                .instance_patch_states,
            );
        }
        out
    }
}

/// A baseline approving every security patch at once, registered for
/// `group`.
async fn approve_all_security(fx: &Fx, group: &str) -> String {
    let id = fx
        .ok(CreatePatchBaseline {
            name: "all-security".into(),
            operating_system: Some("AMAZON_LINUX_2023".into()),
            approval_rules: Some(PatchRuleGroup {
                patch_rules: vec![PatchRule {
                    patch_filter_group: PatchFilterGroup {
                        patch_filters: vec![PatchFilter {
                            key: "CLASSIFICATION".into(),
                            values: vec!["Security".into()],
                        }],
                    },
                    compliance_level: Some("HIGH".into()),
                    approve_after_days: Some(0),
                    approve_until_date: None,
                    enable_non_security: None,
                }],
            }),
            ..Default::default()
        })
        .await
        .baseline_id;
    fx.ok(RegisterPatchBaselineForPatchGroup {
        baseline_id: id.clone(),
        patch_group: group.to_owned(),
    })
    .await;
    id
}

#[tokio::test]
async fn a_scan_records_each_nodes_patch_state_by_its_groups_baseline() {
    let mut fx = Fx::new(30, 0.0).await;
    let baseline = approve_all_security(&fx, "prod-linux").await;
    assert_eq!(
        fx.patch("prod-linux", "Scan", "RebootIfNeeded").await,
        CommandStatus::Success
    );
    // Linux nodes run AWS's PatchLinux step, and name it so.
    let invocations = fx
        .ok(sysman_api::commands::ListCommandInvocations {
            details: Some(true),
            ..Default::default()
        })
        .await
        .command_invocations;
    assert!(!invocations.is_empty());
    for inv in &invocations {
        let plugins: Vec<&str> = inv
            .command_plugins
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(plugins, ["PatchLinux"], "{}", inv.instance_id);
    }
    let states = fx.states().await;
    let prod: Vec<&InstancePatchState> = states
        .iter()
        .filter(|s| s.patch_group == "prod-linux")
        .collect();
    assert!(!prod.is_empty());
    // Only the prod group was scanned.
    assert_eq!(prod.len(), states.len());
    for s in &prod {
        assert_eq!(s.baseline_id, baseline);
        assert_eq!(s.operation, "Scan");
        assert!(s.operation_end_time > s.operation_start_time);
        assert!(s.snapshot_id.is_some());
    }
    let missing: i64 = prod.iter().map(|s| s.missing_count).sum();
    assert!(missing > 0, "a fresh fleet misses security patches");
    assert!(prod.iter().any(|s| s.installed_count > 0));
    // Missing security patches are non-compliant security patches.
    for s in &prod {
        assert_eq!(s.security_non_compliant_count, s.missing_count);
    }

    // The node's patches list says the same as its counts.
    let worst = prod.iter().max_by_key(|s| s.missing_count).unwrap();
    let patches = fx
        .ok(DescribeInstancePatches {
            instance_id: worst.instance_id.clone(),
            filters: Some(vec![PatchOrchestratorFilter {
                key: Some("State".into()),
                values: Some(vec!["MISSING".into()]),
            }]),
            max_results: Some(100),
            next_token: None,
        })
        .await
        .patches;
    assert_eq!(patches.len() as i64, worst.missing_count);
    assert!(patches.iter().all(|p| p.classification == "Security"));
    // AWS documents the filter's values as `Missing`, `InstalledOther`…:
    // that spelling selects the same patches.
    for spelling in ["Missing", "missing"] {
        let same = fx
            .ok(DescribeInstancePatches {
                instance_id: worst.instance_id.clone(),
                filters: Some(vec![PatchOrchestratorFilter {
                    key: Some("State".into()),
                    values: Some(vec![spelling.into()]),
                }]),
                max_results: Some(100),
                next_token: None,
            })
            .await
            .patches;
        assert_eq!(same, patches, "{spelling}");
    }

    // The group's state counts nodes.
    let group = fx
        .ok(DescribePatchGroupState {
            patch_group: "prod-linux".into(),
        })
        .await;
    assert_eq!(group.instances, prod.len() as i64);
    assert_eq!(
        group.instances_with_missing_patches,
        prod.iter().filter(|s| s.missing_count > 0).count() as i64
    );

    // And a filter on the counts finds the nodes that miss patches.
    let behind = fx
        .ok(DescribeInstancePatchStatesForPatchGroup {
            patch_group: "prod-linux".into(),
            filters: Some(vec![InstancePatchStateFilter {
                key: "MissingCount".into(),
                values: vec!["0".into()],
                r#type: "GreaterThan".into(),
            }]),
            max_results: Some(100),
            next_token: None,
        })
        .await
        .instance_patch_states;
    assert_eq!(behind.len() as i64, group.instances_with_missing_patches);

    // Across the group, each patch's count of nodes that lack it: the
    // approved ones add up to the nodes' missing counts, and the ones the
    // baseline does not approve show too, so they can be approved.
    let counts = fx
        .ok(sysman_api::patch::DescribePatchCounts {
            patch_group: Some("prod-linux".into()),
            ..Default::default()
        })
        .await;
    assert_eq!(counts.instances, prod.len() as i64);
    let approved_missing: i64 = counts
        .patches
        .iter()
        .map(|p| p.missing - p.not_approved - p.failed)
        .sum();
    assert_eq!(approved_missing, missing);
    assert!(counts.patches.iter().any(|p| p.not_approved > 0));
    assert!(
        counts
            .patches
            .windows(2)
            .all(|w| w[0].missing >= w[1].missing)
    );

    // Every scanned node has Patch compliance, non-compliant where it
    // misses patches.
    let summaries = fx
        .ok(ListResourceComplianceSummaries {
            filters: Some(vec![ComplianceStringFilter {
                key: "ComplianceType".into(),
                values: vec!["Patch".into()],
                r#type: Some("EQUAL".into()),
            }]),
            next_token: None,
            max_results: Some(50),
        })
        .await
        .resource_compliance_summary_items;
    assert_eq!(summaries.len(), prod.len());
    for summary in &summaries {
        let state = prod
            .iter()
            .find(|s| s.instance_id == summary.resource_id)
            .unwrap();
        let expected = if state.missing_count > 0 {
            "NON_COMPLIANT"
        } else {
            "COMPLIANT"
        };
        assert_eq!(summary.status.as_str(), expected);
    }
}

#[tokio::test]
async fn an_install_makes_the_group_compliant() {
    let mut fx = Fx::new(24, 0.0).await;
    approve_all_security(&fx, "prod-linux").await;
    fx.patch("prod-linux", "Scan", "RebootIfNeeded").await;
    let before: i64 = fx.states().await.iter().map(|s| s.missing_count).sum();
    assert!(before > 0);
    assert_eq!(
        fx.patch("prod-linux", "Install", "RebootIfNeeded").await,
        CommandStatus::Success
    );
    for s in fx.states().await {
        assert_eq!(s.operation, "Install");
        assert_eq!(s.missing_count, 0, "{s:?}");
        assert_eq!(s.failed_count, 0);
        assert_eq!(s.installed_pending_reboot_count, 0);
    }
    // A later scan agrees: nothing is missing any more.
    fx.clock.advance(Duration::from_secs(600));
    fx.patch("prod-linux", "Scan", "RebootIfNeeded").await;
    assert!(fx.states().await.iter().all(|s| s.missing_count == 0));
}

#[tokio::test]
async fn no_reboot_leaves_patches_pending_and_the_node_non_compliant() {
    let mut fx = Fx::new(12, 0.0).await;
    approve_all_security(&fx, "prod-linux").await;
    fx.patch("prod-linux", "Install", "NoReboot").await;
    let states = fx.states().await;
    assert!(states.iter().any(|s| s.installed_pending_reboot_count > 0));
    for s in &states {
        assert_eq!(s.missing_count, 0);
        assert!(s.last_no_reboot_install_operation_time.is_some());
        if s.installed_pending_reboot_count > 0 {
            assert!(s.security_non_compliant_count >= s.installed_pending_reboot_count);
        }
    }
    // Installing again with a reboot clears the pending state.
    fx.patch("prod-linux", "Install", "RebootIfNeeded").await;
    assert!(
        fx.states()
            .await
            .iter()
            .all(|s| s.installed_pending_reboot_count == 0)
    );
}

#[tokio::test]
async fn failed_installs_are_reported_as_failed() {
    let mut fx = Fx::new(20, 1.0).await;
    approve_all_security(&fx, "prod-linux").await;
    let status = fx.patch("prod-linux", "Install", "RebootIfNeeded").await;
    assert_eq!(status, CommandStatus::Failed);
    let states = fx.states().await;
    let failed: i64 = states.iter().map(|s| s.failed_count).sum();
    assert!(failed > 0);
    for s in states.iter().filter(|s| s.failed_count > 0) {
        assert!(s.security_non_compliant_count >= s.failed_count);
    }
}

#[tokio::test]
async fn a_node_without_a_group_patches_by_the_default_baseline() {
    let mut fx = Fx::new(30, 0.0).await;
    approve_all_security(&fx, "prod-linux").await;
    fx.patch("dev-linux", "Scan", "RebootIfNeeded").await;
    let states = fx.states().await;
    assert!(!states.is_empty());
    let default = fx
        .ok(sysman_api::patch::GetDefaultPatchBaseline {
            operating_system: Some("AMAZON_LINUX_2023".into()),
        })
        .await
        .baseline_id;
    for s in states {
        assert_eq!(s.patch_group, "dev-linux");
        assert_eq!(s.baseline_id, default);
    }
    // A group with no nodes scanned has no state.
    let none = fx
        .ok(DescribePatchGroupState {
            patch_group: "staging-linux".into(),
        })
        .await;
    assert_eq!(none.instances, 0);
    // And only nodes may report.
    let err = fx
        .call(sysman_api::patch::PutPatchReport::default())
        .await
        .unwrap_err();
    assert_eq!(err.code, "ValidationException");
}

#[tokio::test]
async fn a_deregistered_node_takes_its_patch_state_and_compliance_with_it() {
    let mut fx = Fx::new(12, 0.0).await;
    approve_all_security(&fx, "prod-linux").await;
    fx.patch("prod-linux", "Scan", "RebootIfNeeded").await;
    let states = fx.states().await;
    let gone = states[0].instance_id.clone();
    fx.ok(sysman_api::fleet::DeregisterManagedInstance {
        instance_id: gone.clone(),
    })
    .await;
    let after = fx.states().await;
    assert_eq!(after.len(), states.len() - 1);
    assert!(after.iter().all(|s| s.instance_id != gone));
    let summaries = fx
        .ok(ListResourceComplianceSummaries::default())
        .await
        .resource_compliance_summary_items;
    assert_eq!(summaries.len(), after.len());
    assert!(summaries.iter().all(|s| s.resource_id != gone));
    let group = fx
        .ok(DescribePatchGroupState {
            patch_group: "prod-linux".into(),
        })
        .await;
    assert_eq!(group.instances, after.len() as i64);
}

#[tokio::test]
async fn patch_states_and_what_nodes_installed_survive_a_restart() {
    /// Every node's Patch compliance, summaries and items, as JSON.
    async fn compliance(fx: &Fx) -> String {
        let summaries = fx
            .ok(ListResourceComplianceSummaries {
                max_results: Some(50),
                ..Default::default()
            })
            .await
            .resource_compliance_summary_items;
        let mut items = Vec::new();
        for s in &summaries {
            let mut next_token = None;
            loop {
                let page = fx
                    .ok(ListComplianceItems {
                        resource_ids: Some(vec![s.resource_id.clone()]),
                        resource_types: Some(vec!["ManagedInstance".into()]),
                        max_results: Some(50),
                        next_token,
                        ..Default::default()
                    })
                    .await;
                items.extend(page.compliance_items);
                next_token = page.next_token;
                if next_token.is_none() {
                    break;
                }
            }
        }
        assert!(!items.is_empty());
        serde_json::to_string(&(summaries, items)).unwrap()
    }

    let dir = tempfile::tempdir().unwrap();
    let (before, compliance_before) = {
        let mut fx = Fx::open(Some(dir.path()), 8, 0.0).await;
        approve_all_security(&fx, "prod-linux").await;
        fx.patch("prod-linux", "Install", "RebootIfNeeded").await;
        let states = fx.states().await;
        let compliance = compliance(&fx).await;
        fx.backend.flush().await;
        (states, compliance)
    };
    assert!(!before.is_empty());
    let mut fx = Fx::open(Some(dir.path()), 8, 0.0).await;
    assert_eq!(fx.states().await, before);
    // Patch compliance is not stored apart: it is derived again from the
    // patch states, the same to the last detail.
    assert_eq!(compliance(&fx).await, compliance_before);
    // The simulator restores what its nodes installed: a new scan finds
    // nothing missing.
    fx.clock.advance(Duration::from_secs(60));
    fx.patch("prod-linux", "Scan", "RebootIfNeeded").await;
    assert!(fx.states().await.iter().all(|s| s.missing_count == 0));
}
