//! `aws:runPatchBaseline` on a Debian or Ubuntu machine, through the same
//! operations and with the same step output as a simulated node
//! (`sysman-backend`'s `sim/patching.rs`):
//!
//! 1. read what dpkg has installed and what apt would upgrade (read-only:
//!    no `apt-get update`, no lock);
//! 2. fix the baseline with `GetDeployablePatchSnapshotForInstance`;
//! 3. for an Install, have the server judge the upgrades
//!    (`Sysman.EvaluatePatches`) and `apt-get install --only-upgrade` the
//!    approved versions, if the agent was started with
//!    `--allow-patch-install` and runs as root;
//! 4. report what the machine has (`Sysman.PutPatchReport`): the server
//!    applies the baseline.
//!
//! The agent never reboots the machine: patches that need a reboot stay
//! `INSTALLED_PENDING_REBOOT` until someone reboots it.
//!
//! apt does not say when a version was released, and baselines approve
//! patches some days after their release. A patch apt offers is dated when
//! this node first saw it offered (kept in `patch-dates.json` in the state
//! directory), an installed one when dpkg installed it: never earlier than
//! the truth, so a patch is never approved early.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sysman_api::client::Client;
use sysman_api::commands::{AgentStep, StepReport};
use sysman_api::credentials::write_private;
use sysman_api::patch::{
    EvaluatePatches, GetDeployablePatchSnapshotForInstance, NodePatch, Patch, PutPatchReport,
};
use sysman_api::{ApiError, Operation, Timestamp};

use crate::apt::{self, DebVersion, Host, InstallRun, Inventory, Listed, ToolError};
use crate::backoff::Backoff;
use crate::platform::{parse_os_release, read_os_release};
use crate::runner::now;

/// The action.
pub const RUN_PATCH_BASELINE: &str = "aws:runPatchBaseline";
/// What an Install step says when the agent may not install.
pub const REFUSED_WITHOUT_FLAG: &str = "sysman-agent refuses to install patches; start \
     sysman-agent with --allow-patch-install to let it. Nothing was installed; the scan was \
     reported.";
/// What an Install step says when the agent is not root.
pub const REFUSED_WITHOUT_ROOT: &str = "Installing patches needs root, and sysman-agent does \
     not run as root here; run it as root (--allow-root --allow-patch-install) to install \
     patches. Nothing was installed; the scan was reported.";
/// The most patches one report carries: the server takes no more.
const REPORT_MAX: usize = 10_000;
/// When this node first saw each patch apt offers, by patch id.
pub const DATES_FILE: &str = "patch-dates.json";
/// The part of apt-get's output put in the step's output.
const APT_LOG_MAX: usize = 64 * 1024;
/// Tries of a server call that got no answer, within the step.
const CALL_TRIES: u32 = 5;

/// What a patch step needs of the agent.
#[derive(Debug, Clone)]
pub struct Patcher {
    pub client: Client,
    pub instance_id: String,
    pub state_dir: PathBuf,
    pub host: Host,
    /// `--allow-patch-install`.
    pub allow_install: bool,
}

/// The step's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Inputs {
    install: bool,
    reboot_if_needed: bool,
    /// Made here when the command gave none.
    snapshot_id: String,
}

fn inputs(step: &AgentStep) -> Result<Inputs, String> {
    if let Some(fault) = step.inputs.get("ResolveError").and_then(|v| v.as_str()) {
        return Err(fault.to_owned());
    }
    let input = |key: &str| {
        step.inputs
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    if !input("InstallOverrideList").is_empty() || !input("BaselineOverride").is_empty() {
        return Err(
            "InstallOverrideList and BaselineOverride are not supported by sysman yet; leave \
             them empty"
                .to_owned(),
        );
    }
    let install = match input("Operation").as_str() {
        "Scan" => false,
        "Install" => true,
        other => return Err(format!("Operation must be Scan or Install, not {other:?}")),
    };
    let reboot_if_needed = match input("RebootOption").as_str() {
        "" | "RebootIfNeeded" => true,
        "NoReboot" => false,
        other => {
            return Err(format!(
                "RebootOption must be RebootIfNeeded or NoReboot, not {other:?}"
            ));
        }
    };
    let snapshot_id = match input("SnapshotId") {
        id if id.is_empty() => uuid::Uuid::new_v4().hyphenated().to_string(),
        id => id,
    };
    Ok(Inputs {
        install,
        reboot_if_needed,
        snapshot_id,
    })
}

/// The product a snapshot names, and the family and vendor it implies.
struct Product {
    name: String,
    family: Option<&'static str>,
    vendor: Option<&'static str>,
}

impl Product {
    fn of(name: &str) -> Product {
        let (family, vendor) = if name.starts_with("Ubuntu") {
            (Some("Ubuntu"), Some("Canonical"))
        } else if name.starts_with("Debian") {
            (Some("Debian"), Some("Debian"))
        } else if name.starts_with("Raspbian") {
            (Some("Raspbian"), Some("Raspberry Pi"))
        } else {
            (None, None)
        };
        Product {
            name: name.to_owned(),
            family,
            vendor,
        }
    }
}

/// A package version's patch id, in the style of sysman's catalogue:
/// `name.arch:epoch:upstream-revision`.
pub fn patch_id(name: &str, arch: &str, version: &str) -> String {
    match DebVersion::parse(version) {
        Some(v) => format!("{name}.{arch}:{}:{}", v.epoch, v.full()),
        None => format!("{name}.{arch}:0:{version}"),
    }
}

/// A package version as a patch, with the facts baselines judge by.
/// Debian and Ubuntu publish no severities with their packages, so it
/// is `None`; a version from a `-security` suite is a Security patch, any
/// other a Bugfix.
fn patch_of(
    product: &Product,
    name: &str,
    arch: &str,
    version: &str,
    suites: &[String],
    released: Option<Timestamp>,
) -> Patch {
    let (repository, security) = apt::pocket(suites);
    let parsed = DebVersion::parse(version);
    Patch {
        id: patch_id(name, arch, version),
        release_date: released,
        title: Some(format!("{name} {version}")),
        product: Some(product.name.clone()),
        product_family: product.family.map(str::to_owned),
        vendor: product.vendor.map(str::to_owned),
        classification: Some(if security { "Security" } else { "Bugfix" }.to_owned()),
        severity: Some("None".to_owned()),
        name: Some(name.to_owned()),
        epoch: parsed.as_ref().map(|v| i64::from(v.epoch)),
        version: Some(parsed.as_ref().map_or(version, |v| v.upstream).to_owned()),
        release: parsed
            .as_ref()
            .filter(|v| !v.revision.is_empty())
            .map(|v| v.revision.to_owned()),
        arch: Some(arch.to_owned()),
        repository,
        ..Patch::default()
    }
}

/// When this node first saw each of `ids` offered: kept from earlier
/// scans, `now` for new ones. Ids no longer offered are forgotten.
fn first_seen(state_dir: &Path, ids: &[String], now: Timestamp) -> HashMap<String, Timestamp> {
    let path = state_dir.join(DATES_FILE);
    let known: BTreeMap<String, i64> = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let dates: BTreeMap<String, i64> = ids
        .iter()
        .map(|id| {
            let at = known.get(id).copied().unwrap_or(now.0).min(now.0);
            (id.clone(), at)
        })
        .collect();
    if dates != known {
        let body = serde_json::to_vec(&dates).unwrap_or_default();
        if let Err(e) = write_private(&path, &body) {
            tracing::warn!("cannot keep the dates patches were first seen: {e}");
        }
    }
    dates
        .into_iter()
        .map(|(id, at)| (id, Timestamp(at)))
        .collect()
}

/// A call to the server, tried again while the server cannot be reached.
async fn call<O: Operation + Sync>(client: &Client, op: &O) -> Result<O::Output, ApiError> {
    let mut backoff = Backoff::new(Duration::from_secs(8));
    let mut tries = 1;
    loop {
        match client.call(op).await {
            Err(e) if e.is_transport() && tries < CALL_TRIES => {
                tries += 1;
                let delay = backoff.next_delay();
                tracing::warn!("{} failed, trying again in {delay:.1?}: {e}", O::NAME);
                tokio::time::sleep(delay).await;
            }
            other => return other,
        }
    }
}

fn server_fault(doing: &str, e: &ApiError) -> String {
    if e.code == "UnsupportedOperatingSystem" {
        e.message.clone()
    } else {
        format!("Cannot {doing}: {e}")
    }
}

/// What a package tool's failure means for the step.
fn tool_fault(e: ToolError, host: &Host) -> String {
    match e {
        ToolError::Missing(program) => {
            let found = read_os_release(&host.os_release)
                .map(|text| parse_os_release(&text))
                .and_then(|(name, version)| {
                    name.map(|n| match version {
                        Some(v) => format!("{n} {v}"),
                        None => n,
                    })
                });
            match found {
                Some(os) => format!(
                    "sysman-agent patches Debian and Ubuntu machines only; this machine runs \
                     {os} and has no {program}"
                ),
                None => format!(
                    "sysman-agent patches Debian and Ubuntu machines only; this machine has no \
                     os-release file and no {program}"
                ),
            }
        }
        ToolError::Failed(why) => why,
    }
}

/// How the step ended.
struct Outcome {
    status: &'static str,
    code: i64,
    stdout: String,
    stderr: String,
}

/// Runs the patch step `step` of command `command_id` and returns its
/// report. `work_dir` is the command's own directory (apt-get's log goes
/// there).
pub(crate) async fn run(
    patcher: &Patcher,
    command_id: &str,
    work_dir: &Path,
    step: &AgentStep,
    started: Timestamp,
) -> StepReport {
    let outcome = match operate(patcher, command_id, work_dir, step, started).await {
        Ok(outcome) => outcome,
        Err(reason) => Outcome {
            status: "Failed",
            code: 1,
            stdout: String::new(),
            stderr: reason,
        },
    };
    StepReport {
        name: step.name.clone(),
        status: outcome.status.to_owned(),
        response_code: outcome.code,
        started: Some(started),
        finished: Some(now()),
        stdout: outcome.stdout,
        stderr: outcome.stderr,
    }
}

/// An upgrade chosen for installing, and its patch.
#[derive(Debug, Clone)]
struct Chosen {
    listed: Listed,
    patch: Patch,
}

async fn operate(
    p: &Patcher,
    command_id: &str,
    work_dir: &Path,
    step: &AgentStep,
    started: Timestamp,
) -> Result<Outcome, String> {
    let inputs = inputs(step)?;
    let host = &p.host;
    // The machine first: one that cannot be patched is told so without
    // troubling the server.
    let mut inventory = apt::collect(host).await.map_err(|e| tool_fault(e, host))?;
    let snapshot_id = inputs.snapshot_id.clone();
    let snapshot = call(
        &p.client,
        &GetDeployablePatchSnapshotForInstance {
            instance_id: p.instance_id.clone(),
            snapshot_id: snapshot_id.clone(),
            ..GetDeployablePatchSnapshotForInstance::default()
        },
    )
    .await
    .map_err(|e| server_fault("get a patch snapshot", &e))?;
    let product = Product::of(&snapshot.product);
    let offered: Vec<String> = inventory
        .upgradable
        .iter()
        .map(|l| patch_id(&l.name, &l.arch, &l.version))
        .collect();
    let dates = first_seen(&p.state_dir, &offered, now());
    let upgrade = |l: &Listed| {
        let id = patch_id(&l.name, &l.arch, &l.version);
        let released = dates.get(&id).copied().unwrap_or_else(now);
        patch_of(
            &product,
            &l.name,
            &l.arch,
            &l.version,
            &l.suites,
            Some(released),
        )
    };

    let mut operation = "Scan";
    let mut refusal: Option<&str> = None;
    let mut approved: Vec<Chosen> = Vec::new();
    let mut attempted: Vec<Chosen> = Vec::new();
    let mut apt_run: Option<InstallRun> = None;
    if inputs.install {
        let candidates: Vec<Patch> = inventory.upgradable.iter().map(upgrade).collect();
        let verdicts = call(
            &p.client,
            &EvaluatePatches {
                instance_id: p.instance_id.clone(),
                snapshot_id: snapshot_id.clone(),
                patches: candidates.clone(),
            },
        )
        .await
        .map_err(|e| server_fault("have the patches judged", &e))?
        .verdicts;
        let approved_ids: HashSet<String> = verdicts
            .into_iter()
            .filter(|v| {
                matches!(
                    v.deployment_status.as_str(),
                    "APPROVED" | "EXPLICIT_APPROVED"
                )
            })
            .map(|v| v.id)
            .collect();
        approved = inventory
            .upgradable
            .iter()
            .zip(candidates)
            .filter(|(_, patch)| approved_ids.contains(&patch.id))
            .map(|(listed, patch)| Chosen {
                listed: listed.clone(),
                patch,
            })
            .collect();
        if !p.allow_install {
            refusal = Some(REFUSED_WITHOUT_FLAG);
        } else if !host.root {
            refusal = Some(REFUSED_WITHOUT_ROOT);
        } else {
            operation = "Install";
            if !approved.is_empty() {
                let specs: Vec<String> = approved
                    .iter()
                    .map(|c| apt::install_spec(&c.listed.name, &c.listed.arch, &c.listed.version))
                    .collect();
                tracing::info!(%command_id, patches = specs.len(), "installing patches");
                let run = apt::install(host, &specs, &work_dir.join("apt-get.log"))
                    .await
                    .map_err(|e| tool_fault(e, host))?;
                attempted = std::mem::take(&mut approved);
                inventory = apt::collect(host).await.map_err(|e| {
                    format!(
                        "apt-get ran ({}), but the packages cannot be read again: {}\n{}",
                        run.status,
                        tool_fault(e, host),
                        apt::tail(&run.output, APT_LOG_MAX)
                    )
                })?;
                apt_run = Some(run);
            }
        }
    }

    let is_in = |inv: &Inventory, c: &Chosen| {
        inv.installed_version(&c.listed.name, &c.listed.arch) == Some(c.listed.version.as_str())
    };
    let (installed_now, failed): (Vec<&Chosen>, Vec<&Chosen>) =
        attempted.iter().partition(|c| is_in(&inventory, c));
    let reboot = apt::reboot_required(host);
    let pending: HashSet<&str> = match &reboot {
        Some(pkgs) => pkgs
            .iter()
            .map(String::as_str)
            .chain(installed_now.iter().map(|c| c.listed.name.as_str()))
            .collect(),
        None => HashSet::new(),
    };
    let failed_keys: HashSet<(&str, &str)> = failed
        .iter()
        .map(|c| (c.listed.name.as_str(), c.listed.arch.as_str()))
        .collect();

    // Upgrades first: if the machine has more than a report holds, the
    // installed packages are the ones left out.
    let mut report: Vec<NodePatch> = inventory
        .upgradable
        .iter()
        .map(|l| NodePatch {
            patch: upgrade(l),
            state: if failed_keys.contains(&(l.name.as_str(), l.arch.as_str())) {
                "FAILED"
            } else {
                "MISSING"
            }
            .to_owned(),
            installed_time: None,
        })
        .collect();
    report.extend(inventory.installed.iter().map(|pkg| {
        NodePatch {
            patch: patch_of(
                &product,
                &pkg.name,
                &pkg.arch,
                &pkg.version,
                &pkg.suites,
                pkg.installed_time,
            ),
            state: if pending.contains(pkg.name.as_str()) {
                "INSTALLED_PENDING_REBOOT"
            } else {
                "INSTALLED"
            }
            .to_owned(),
            installed_time: pkg.installed_time,
        }
    }));
    let left_out = report.len().saturating_sub(REPORT_MAX);
    report.truncate(REPORT_MAX);
    let missing = report.iter().filter(|p| p.state == "MISSING").count();
    call(
        &p.client,
        &PutPatchReport {
            instance_id: p.instance_id.clone(),
            snapshot_id: snapshot_id.clone(),
            operation: operation.to_owned(),
            operation_start_time: started,
            operation_end_time: now().max(started),
            reboot_option: Some(
                if inputs.reboot_if_needed {
                    "RebootIfNeeded"
                } else {
                    "NoReboot"
                }
                .to_owned(),
            ),
            command_id: Some(command_id.to_owned()),
            patches: report,
        },
    )
    .await
    .map_err(|e| server_fault("report the patches", &e))?;
    tracing::info!(%command_id, operation, missing, installed = installed_now.len(), failed = failed.len(), "patch operation done");

    let mut stdout = format!(
        "Patch group baseline snapshot {snapshot_id} for {}\n",
        snapshot.product
    );
    let mut stderr = String::new();
    if operation == "Install" {
        stdout.push_str(&format!(
            "Installed {} patches, {} failed\n",
            installed_now.len(),
            failed.len()
        ));
        for c in &installed_now {
            stdout.push_str(&format!(
                "  installed {}\n",
                c.patch.title.as_deref().unwrap_or(&c.patch.id)
            ));
        }
        stdout.push_str(match (&reboot, inputs.reboot_if_needed) {
            (None, _) => "No reboot needed\n",
            (Some(_), false) => "Reboot pending (RebootOption NoReboot)\n",
            (Some(_), true) => {
                "Reboot pending: sysman-agent does not reboot machines yet; reboot this machine \
                 to finish the installation\n"
            }
        });
    } else {
        stdout.push_str(&format!(
            "Scan found {missing} patches missing or pending approval\n"
        ));
    }
    if left_out > 0 {
        stdout.push_str(&format!(
            "{left_out} installed packages were left out of the report: a report holds at most \
             {REPORT_MAX} patches\n"
        ));
    }
    if let Some(why) = refusal {
        stdout.push_str(&format!(
            "Would install {} approved patches\n",
            approved.len()
        ));
        for c in &approved {
            stdout.push_str(&format!(
                "  {}\n",
                c.patch.title.as_deref().unwrap_or(&c.patch.id)
            ));
        }
        stderr.push_str(why);
        stderr.push('\n');
    }
    if let Some(run) = &apt_run {
        stdout.push_str("\napt-get output:\n");
        stdout.push_str(apt::tail(&run.output, APT_LOG_MAX));
        if !run.success {
            stderr.push_str(&format!("apt-get ended with {}\n", run.status));
        }
    }
    if !failed.is_empty() {
        let titles: Vec<&str> = failed
            .iter()
            .map(|c| c.patch.title.as_deref().unwrap_or(&c.patch.id))
            .collect();
        stderr.push_str(&format!("Failed to install: {}\n", titles.join(", ")));
    }
    let ok =
        refusal.is_none() && failed.is_empty() && apt_run.as_ref().is_none_or(|run| run.success);
    Ok(Outcome {
        status: if ok { "Success" } else { "Failed" },
        code: if ok { 0 } else { 1 },
        stdout,
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(inputs: serde_json::Value) -> AgentStep {
        AgentStep {
            name: "PatchBaselineOperation".into(),
            action: RUN_PATCH_BASELINE.into(),
            inputs,
        }
    }

    #[test]
    fn inputs_are_read_as_the_document_fills_them() {
        let got = inputs(&step(serde_json::json!({
            "Operation": "Install", "SnapshotId": "", "InstallOverrideList": "",
            "RebootOption": "NoReboot", "BaselineOverride": ""
        })))
        .unwrap();
        assert!(got.install && !got.reboot_if_needed);
        let made = uuid::Uuid::parse_str(&got.snapshot_id).unwrap();
        assert_eq!(made.get_version_num(), 4);

        let id = "0b3f2c9e-1d2a-4c55-9a9e-7f6c2d1e0a11";
        let got = inputs(&step(
            serde_json::json!({ "Operation": "Scan", "SnapshotId": id }),
        ))
        .unwrap();
        assert_eq!(
            got,
            Inputs {
                install: false,
                reboot_if_needed: true,
                snapshot_id: id.into()
            }
        );
    }

    #[test]
    fn overrides_and_bad_inputs_fail_with_a_reason() {
        let err = inputs(&step(serde_json::json!({
            "Operation": "Install", "InstallOverrideList": "s3://bucket/list.yaml"
        })))
        .unwrap_err();
        assert!(err.contains("not supported"), "{err}");
        let err = inputs(&step(
            serde_json::json!({ "Operation": "Scan", "BaselineOverride": "{}" }),
        ))
        .unwrap_err();
        assert!(err.contains("BaselineOverride"), "{err}");
        let err = inputs(&step(serde_json::json!({ "Operation": "Upgrade" }))).unwrap_err();
        assert!(err.contains("Scan or Install"), "{err}");
        let err = inputs(&step(
            serde_json::json!({ "Operation": "Scan", "RebootOption": "Always" }),
        ))
        .unwrap_err();
        assert!(err.contains("RebootOption"), "{err}");
        let err = inputs(&step(
            serde_json::json!({ "ResolveError": "ParameterNotFound: /x" }),
        ))
        .unwrap_err();
        assert_eq!(err, "ParameterNotFound: /x");
    }

    #[test]
    fn patches_are_named_and_classified_as_the_catalogue_does() {
        assert_eq!(
            patch_id("openssl", "amd64", "3.0.2-0ubuntu1.15"),
            "openssl.amd64:0:3.0.2-0ubuntu1.15"
        );
        assert_eq!(
            patch_id("vim", "amd64", "2:8.2.3995-1ubuntu2.16"),
            "vim.amd64:2:8.2.3995-1ubuntu2.16"
        );
        assert_eq!(
            patch_id("tzdata", "all", "2024a-0ubuntu0.22.04"),
            "tzdata.all:0:2024a-0ubuntu0.22.04"
        );
        assert_eq!(
            patch_id("base-files", "amd64", "12.4+deb12u5"),
            "base-files.amd64:0:12.4+deb12u5"
        );
        let product = Product::of("Ubuntu22.04");
        let suites = vec!["jammy-updates".to_owned(), "jammy-security".to_owned()];
        let p = patch_of(
            &product,
            "libfoo1",
            "amd64",
            "1:2.3-4ubuntu1~22.04+esm1",
            &suites,
            Some(Timestamp(5)),
        );
        assert_eq!(p.id, "libfoo1.amd64:1:2.3-4ubuntu1~22.04+esm1");
        assert_eq!(
            p.title.as_deref(),
            Some("libfoo1 1:2.3-4ubuntu1~22.04+esm1")
        );
        assert_eq!(p.name.as_deref(), Some("libfoo1"));
        assert_eq!(p.epoch, Some(1));
        assert_eq!(p.version.as_deref(), Some("2.3"));
        assert_eq!(p.release.as_deref(), Some("4ubuntu1~22.04+esm1"));
        assert_eq!(p.arch.as_deref(), Some("amd64"));
        assert_eq!(p.repository.as_deref(), Some("jammy-security"));
        assert_eq!(p.classification.as_deref(), Some("Security"));
        assert_eq!(p.severity.as_deref(), Some("None"));
        assert_eq!(p.product.as_deref(), Some("Ubuntu22.04"));
        assert_eq!(p.product_family.as_deref(), Some("Ubuntu"));
        assert_eq!(p.release_date, Some(Timestamp(5)));

        let p = patch_of(
            &Product::of("Debian12"),
            "base-files",
            "amd64",
            "12.4+deb12u5",
            &["stable".to_owned()],
            None,
        );
        assert_eq!(p.release, None);
        assert_eq!(p.version.as_deref(), Some("12.4+deb12u5"));
        assert_eq!(p.classification.as_deref(), Some("Bugfix"));
        assert_eq!(p.repository.as_deref(), Some("stable"));
        assert_eq!(p.vendor.as_deref(), Some("Debian"));
    }

    #[test]
    fn patches_are_dated_when_first_seen_and_forgotten_when_gone() {
        let dir = tempfile::tempdir().unwrap();
        let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let first = first_seen(dir.path(), &ids(&["a", "b"]), Timestamp(1_000));
        assert_eq!(first["a"], Timestamp(1_000));
        let later = first_seen(dir.path(), &ids(&["a", "c"]), Timestamp(9_000));
        assert_eq!(later["a"], Timestamp(1_000));
        assert_eq!(later["c"], Timestamp(9_000));
        assert!(!later.contains_key("b"));
        let again = first_seen(dir.path(), &ids(&["b"]), Timestamp(10_000));
        assert_eq!(again["b"], Timestamp(10_000));
        // A clock set back never dates a patch in the future.
        let back = first_seen(dir.path(), &ids(&["b"]), Timestamp(500));
        assert_eq!(back["b"], Timestamp(500));
    }

    #[test]
    fn a_machine_without_dpkg_is_told_what_was_found() {
        let dir = tempfile::tempdir().unwrap();
        let os = dir.path().join("os-release");
        std::fs::write(&os, "NAME=\"Fedora Linux\"\nVERSION_ID=41\n").unwrap();
        let host = Host {
            os_release: vec![os],
            ..Host::default()
        };
        let msg = tool_fault(ToolError::Missing("dpkg-query".into()), &host);
        assert_eq!(
            msg,
            "sysman-agent patches Debian and Ubuntu machines only; this machine runs Fedora \
             Linux 41 and has no dpkg-query"
        );
        let host = Host {
            os_release: vec![dir.path().join("none")],
            ..Host::default()
        };
        let msg = tool_fault(ToolError::Missing("apt".into()), &host);
        assert!(msg.ends_with("no os-release file and no apt"), "{msg}");
    }
}
