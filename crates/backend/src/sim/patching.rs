//! What a simulated node does with `aws:runPatchBaseline`: what a real
//! agent does, through the same operations. It takes a snapshot of its
//! baseline, has the server judge what it could install, installs the
//! approved patches (an install fails now and then on nodes the fleet
//! spec makes failing), reports what it has, and reboots or leaves the
//! patches pending a reboot.

use std::collections::HashMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use sysman_api::commands::{SendReply, StepReport};
use sysman_api::patch::{
    EvaluatePatches, GetDeployablePatchSnapshotForInstance, NodePatch, Patch, PutPatchReport,
};
use sysman_api::{ApiError, Timestamp};

use super::patches::NodePackages;
use crate::documents::schema::RUN_PATCH_BASELINE;
use crate::patch::catalogue::{CatalogPatch, Catalogue};
use crate::{Backend, Caller};

/// A patch operation a node took from its mail, to finish at its time.
#[derive(Debug, Clone)]
pub(crate) struct PatchJob {
    pub command_id: String,
    pub message_id: String,
    pub step_name: String,
    pub install: bool,
    pub reboot_if_needed: bool,
    /// Empty: the node makes one.
    pub snapshot_id: String,
    pub started: Timestamp,
    /// Why the step cannot run at all, if it cannot.
    pub refused: Option<String>,
}

/// What a simulated node keeps of its patching between operations.
#[derive(Debug, Default)]
pub(crate) struct PatchMemory {
    pub packages: Option<NodePackages>,
    /// Installed by the simulator, and when.
    pub installed_at: HashMap<String, Timestamp>,
    /// Installed without the reboot they need.
    pub pending_reboot: Vec<String>,
}

/// The patch job a message's steps ask for, if its step is
/// `aws:runPatchBaseline`.
pub(crate) fn job_of(
    command_id: &str,
    message_id: &str,
    steps: &[sysman_api::commands::AgentStep],
    started: Timestamp,
) -> Option<PatchJob> {
    let step = steps.iter().find(|s| s.action == RUN_PATCH_BASELINE)?;
    let input = |key: &str| {
        step.inputs
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let refused = if steps.len() > 1 {
        Some(format!(
            "{RUN_PATCH_BASELINE} runs only as a document's one step; this document has {}",
            steps.len()
        ))
    } else if !input("InstallOverrideList").is_empty() || !input("BaselineOverride").is_empty() {
        Some("InstallOverrideList and BaselineOverride are not supported by sysman yet".to_owned())
    } else {
        None
    };
    Some(PatchJob {
        command_id: command_id.to_owned(),
        message_id: message_id.to_owned(),
        step_name: step.name.clone(),
        install: input("Operation") == "Install",
        reboot_if_needed: input("RebootOption") != "NoReboot",
        snapshot_id: input("SnapshotId"),
        started,
        refused,
    })
}

/// A snapshot id of the node's own making: a UUID from the command and
/// the node, so a repeated message makes the same one.
fn snapshot_id_for(command_id: &str, instance_id: &str) -> String {
    let digest = Sha256::digest(format!("{command_id}/{instance_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

fn by_id(id: &str) -> Patch {
    Patch {
        id: id.to_owned(),
        ..Patch::default()
    }
}

/// What the operation did, for the reply and the node.
pub(crate) struct Outcome {
    pub reply: SendReply,
    /// Reboot now: the node falls silent for a while.
    pub reboot: bool,
}

/// Runs `job` on the node at `now` and returns its reply.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run(
    backend: &Backend,
    instance_id: &str,
    catalogue: &Catalogue,
    memory: &mut PatchMemory,
    job: &PatchJob,
    install_fails: bool,
    rng: &mut ChaCha8Rng,
    now: Timestamp,
) -> Result<Outcome, ApiError> {
    let step = |status: &str, code: i64, stdout: String, stderr: String| StepReport {
        name: job.step_name.clone(),
        status: status.to_owned(),
        response_code: code,
        started: Some(job.started),
        finished: Some(now),
        stdout,
        stderr,
    };
    let reply = |report: StepReport| SendReply {
        instance_id: instance_id.to_owned(),
        message_id: job.message_id.clone(),
        sequence: 1,
        steps: vec![report],
    };
    if let Some(why) = &job.refused {
        return Ok(Outcome {
            reply: reply(step("Failed", 1, String::new(), why.clone())),
            reboot: false,
        });
    }
    let caller = Caller::node(instance_id);
    let snapshot_id = if job.snapshot_id.is_empty() {
        snapshot_id_for(&job.command_id, instance_id)
    } else {
        job.snapshot_id.clone()
    };
    let snapshot = backend
        .call(
            &caller,
            GetDeployablePatchSnapshotForInstance {
                instance_id: instance_id.to_owned(),
                snapshot_id: snapshot_id.clone(),
                ..Default::default()
            },
        )
        .await;
    let snapshot = match snapshot {
        Ok(s) => s,
        Err(e) if e.code == "UnsupportedOperatingSystem" => {
            return Ok(Outcome {
                reply: reply(step("Failed", 1, String::new(), e.message)),
                reboot: false,
            });
        }
        Err(e) => return Err(e),
    };
    let Some(packages) = memory.packages.as_mut() else {
        return Err(ApiError::internal(
            "a simulated node patched without packages",
        ));
    };
    let mut failed: Vec<&CatalogPatch> = Vec::new();
    let mut installed_now: Vec<&CatalogPatch> = Vec::new();
    if job.install {
        let available = packages.available(catalogue, now);
        let verdicts = backend
            .call(
                &caller,
                EvaluatePatches {
                    instance_id: instance_id.to_owned(),
                    snapshot_id: snapshot_id.clone(),
                    patches: available.iter().map(|p| by_id(&p.id)).collect(),
                },
            )
            .await?
            .verdicts;
        let approved: Vec<&CatalogPatch> = available
            .iter()
            .zip(&verdicts)
            .filter(|(_, v)| {
                matches!(
                    v.deployment_status.as_str(),
                    "APPROVED" | "EXPLICIT_APPROVED"
                )
            })
            .map(|(p, _)| *p)
            .collect();
        for patch in approved {
            // On a failing node about one install in four fails (a full
            // disk, a broken dependency); its package stays as it was.
            if install_fails && rng.random_bool(0.25) {
                failed.push(patch);
            } else if packages.install(patch) {
                installed_now.push(patch);
            }
        }
    }
    let reboot = job.install
        && job.reboot_if_needed
        && (!installed_now.is_empty() || !memory.pending_reboot.is_empty());
    for patch in &installed_now {
        memory.installed_at.insert(patch.id.clone(), now);
    }
    if reboot {
        memory.pending_reboot.clear();
    } else {
        memory
            .pending_reboot
            .extend(installed_now.iter().map(|p| p.id.clone()));
    }
    let mut report = Vec::new();
    for patch in packages.installed(catalogue) {
        let pending = memory.pending_reboot.contains(&patch.id);
        report.push(NodePatch {
            patch: by_id(&patch.id),
            state: if pending {
                "INSTALLED_PENDING_REBOOT"
            } else {
                "INSTALLED"
            }
            .to_owned(),
            installed_time: Some(
                memory
                    .installed_at
                    .get(&patch.id)
                    .copied()
                    .unwrap_or(patch.released.plus_secs(86_400).min(now)),
            ),
        });
    }
    let failed_ids: Vec<&str> = failed.iter().map(|p| p.id.as_str()).collect();
    for patch in packages.available(catalogue, now) {
        let state = if failed_ids.contains(&patch.id.as_str()) {
            "FAILED"
        } else {
            "MISSING"
        };
        report.push(NodePatch {
            patch: by_id(&patch.id),
            state: state.to_owned(),
            installed_time: None,
        });
    }
    // One not-applicable patch per package the node lacks: the newest.
    let mut newest: HashMap<u32, &CatalogPatch> = HashMap::new();
    for patch in packages.not_applicable(catalogue, now) {
        newest.insert(patch.package, patch);
    }
    let mut lacking: Vec<&CatalogPatch> = newest.into_values().collect();
    lacking.sort_by(|a, b| a.id.cmp(&b.id));
    for patch in lacking {
        report.push(NodePatch {
            patch: by_id(&patch.id),
            state: "NOT_APPLICABLE".to_owned(),
            installed_time: None,
        });
    }
    let missing = report.iter().filter(|p| p.state == "MISSING").count();
    backend
        .call(
            &caller,
            PutPatchReport {
                instance_id: instance_id.to_owned(),
                snapshot_id: snapshot_id.clone(),
                operation: if job.install { "Install" } else { "Scan" }.to_owned(),
                operation_start_time: job.started,
                operation_end_time: now,
                reboot_option: Some(
                    if job.reboot_if_needed {
                        "RebootIfNeeded"
                    } else {
                        "NoReboot"
                    }
                    .to_owned(),
                ),
                command_id: Some(job.command_id.clone()),
                patches: report,
            },
        )
        .await?;
    let mut stdout = format!(
        "Patch group baseline snapshot {snapshot_id} for {}\n",
        snapshot.product
    );
    if job.install {
        stdout.push_str(&format!(
            "Installed {} patches, {} failed\n",
            installed_now.len(),
            failed.len()
        ));
        for patch in &installed_now {
            stdout.push_str(&format!("  installed {}\n", patch.title));
        }
        stdout.push_str(if reboot {
            "Rebooting to finish the installation\n"
        } else if memory.pending_reboot.is_empty() {
            "No reboot needed\n"
        } else {
            "Reboot pending (RebootOption NoReboot)\n"
        });
    } else {
        stdout.push_str(&format!(
            "Scan found {missing} patches missing or pending approval\n"
        ));
    }
    let (status, code, stderr) = if failed.is_empty() {
        ("Success", 0, String::new())
    } else {
        let names: Vec<&str> = failed.iter().map(|p| p.title.as_str()).collect();
        (
            "Failed",
            1,
            format!("Failed to install: {}\n", names.join(", ")),
        )
    };
    Ok(Outcome {
        reply: reply(step(status, code, stdout, stderr)),
        reboot,
    })
}

/// The reply of a patch operation cancelled while it ran.
pub(crate) fn cancelled(job: &PatchJob, instance_id: &str, now: Timestamp) -> SendReply {
    SendReply {
        instance_id: instance_id.to_owned(),
        message_id: job.message_id.clone(),
        sequence: 1,
        steps: vec![StepReport {
            name: job.step_name.clone(),
            status: "Cancelled".to_owned(),
            response_code: -1,
            started: Some(job.started),
            finished: Some(now),
            stdout: String::new(),
            stderr: String::new(),
        }],
    }
}
