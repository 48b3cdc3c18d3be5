//! `AWS-RunPatchBaseline` through a real server and an in-process agent
//! on a fake Ubuntu 22.04 machine: dpkg-query, apt and apt-get are shell
//! scripts printing what real ones print, so these tests run the same on
//! any machine and never touch its packages.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use common::{Agent, Server, eventually};
use sysman_agent::{Host, REFUSED_WITHOUT_FLAG, REFUSED_WITHOUT_ROOT, RunConfig};
use sysman_api::commands::{GetCommandInvocationResult, InvocationStatus};
use sysman_api::fleet::{AddTagsToResource, DescribeInstanceInformation};
use sysman_api::patch::{
    CreatePatchBaseline, DescribeInstancePatchStates, DescribeInstancePatches, InstancePatchState,
    PatchComplianceData, PatchFilter, PatchFilterGroup, PatchRule, PatchRuleGroup,
    RegisterPatchBaselineForPatchGroup,
};
use sysman_api::{Tag, Timestamp};

const PATCH_GROUP: &str = "agent-patching";

/// When the fake dpkg installed every package.
const INSTALLED_AT: Timestamp = Timestamp(1_709_251_200_000); // 2024-03-01

const DPKG: &str = "\
adduser\t3.118ubuntu5\tall\tinstall ok installed
bash\t5.1-6ubuntu1.1\tamd64\tinstall ok installed
libc6\t2.35-0ubuntu3.7\tamd64\tinstall ok installed
libc6\t2.35-0ubuntu3.7\ti386\tinstall ok installed
libssl3\t3.0.2-0ubuntu1.14\tamd64\tinstall ok installed
openssh-server\t1:8.9p1-3ubuntu0.7\tamd64\tinstall ok installed
vim\t2:8.2.3995-1ubuntu2.15\tamd64\tinstall ok installed
tzdata\t2023c-0ubuntu0.22.04.2\tall\tinstall ok installed
oldpkg\t1.0-1\tamd64\tdeinstall ok config-files
";

const APT_INSTALLED: &str = "Listing...
adduser/jammy,now 3.118ubuntu5 all [installed]
bash/jammy-updates,jammy-security,now 5.1-6ubuntu1.1 amd64 [installed]
libc6/now 2.35-0ubuntu3.7 amd64 [installed,upgradable to: 2.35-0ubuntu3.8]
libc6/now 2.35-0ubuntu3.7 i386 [installed,upgradable to: 2.35-0ubuntu3.8]
libssl3/now 3.0.2-0ubuntu1.14 amd64 [installed,upgradable to: 3.0.2-0ubuntu1.15]
openssh-server/now 1:8.9p1-3ubuntu0.7 amd64 [installed,upgradable to: 1:8.9p1-3ubuntu0.10]
vim/now 2:8.2.3995-1ubuntu2.15 amd64 [installed,upgradable to: 2:8.2.3995-1ubuntu2.16]
tzdata/now 2023c-0ubuntu0.22.04.2 all [installed,upgradable to: 2024a-0ubuntu0.22.04]
";

/// Three security updates (libssl3, openssh-server, vim) and three others.
const APT_UPGRADABLE: &str = "Listing...
libc6/jammy-updates 2.35-0ubuntu3.8 amd64 [upgradable from: 2.35-0ubuntu3.7]
libc6/jammy-updates 2.35-0ubuntu3.8 i386 [upgradable from: 2.35-0ubuntu3.7]
libssl3/jammy-updates,jammy-security 3.0.2-0ubuntu1.15 amd64 [upgradable from: 3.0.2-0ubuntu1.14]
openssh-server/jammy-updates,jammy-security 1:8.9p1-3ubuntu0.10 amd64 [upgradable from: 1:8.9p1-3ubuntu0.7]
vim/jammy-updates,jammy-security 2:8.2.3995-1ubuntu2.16 amd64 [upgradable from: 2:8.2.3995-1ubuntu2.15]
tzdata/jammy-updates 2024a-0ubuntu0.22.04 all [upgradable from: 2023c-0ubuntu0.22.04.2]
";

/// What apt-get leaves: libssl3 and vim upgraded, openssh-server's
/// upgrade broken (dpkg failed to configure it), a reboot asked for.
const DPKG_AFTER: &str = "\
adduser\t3.118ubuntu5\tall\tinstall ok installed
bash\t5.1-6ubuntu1.1\tamd64\tinstall ok installed
libc6\t2.35-0ubuntu3.7\tamd64\tinstall ok installed
libc6\t2.35-0ubuntu3.7\ti386\tinstall ok installed
libssl3\t3.0.2-0ubuntu1.15\tamd64\tinstall ok installed
openssh-server\t1:8.9p1-3ubuntu0.7\tamd64\tinstall ok installed
vim\t2:8.2.3995-1ubuntu2.16\tamd64\tinstall ok installed
tzdata\t2023c-0ubuntu0.22.04.2\tall\tinstall ok installed
";

const APT_INSTALLED_AFTER: &str = "Listing...
adduser/jammy,now 3.118ubuntu5 all [installed]
bash/jammy-updates,jammy-security,now 5.1-6ubuntu1.1 amd64 [installed]
libc6/now 2.35-0ubuntu3.7 amd64 [installed,upgradable to: 2.35-0ubuntu3.8]
libc6/now 2.35-0ubuntu3.7 i386 [installed,upgradable to: 2.35-0ubuntu3.8]
libssl3/jammy-updates,jammy-security,now 3.0.2-0ubuntu1.15 amd64 [installed]
openssh-server/now 1:8.9p1-3ubuntu0.7 amd64 [installed,upgradable to: 1:8.9p1-3ubuntu0.10]
vim/jammy-updates,jammy-security,now 2:8.2.3995-1ubuntu2.16 amd64 [installed]
tzdata/now 2023c-0ubuntu0.22.04.2 all [installed,upgradable to: 2024a-0ubuntu0.22.04]
";

const APT_UPGRADABLE_AFTER: &str = "Listing...
libc6/jammy-updates 2.35-0ubuntu3.8 amd64 [upgradable from: 2.35-0ubuntu3.7]
libc6/jammy-updates 2.35-0ubuntu3.8 i386 [upgradable from: 2.35-0ubuntu3.7]
openssh-server/jammy-updates,jammy-security 1:8.9p1-3ubuntu0.10 amd64 [upgradable from: 1:8.9p1-3ubuntu0.7]
tzdata/jammy-updates 2024a-0ubuntu0.22.04 all [upgradable from: 2023c-0ubuntu0.22.04.2]
";

/// A fake Ubuntu 22.04 machine in a directory.
struct Machine {
    dir: PathBuf,
}

impl Machine {
    fn new(dir: &Path) -> Machine {
        let dir = dir.join("machine");
        std::fs::create_dir_all(dir.join("info")).unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
        write(
            "os-release",
            "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\n",
        );
        write("dpkg.txt", DPKG);
        write("apt-installed.txt", APT_INSTALLED);
        write("apt-upgradable.txt", APT_UPGRADABLE);
        write("dpkg-after.txt", DPKG_AFTER);
        write("apt-installed-after.txt", APT_INSTALLED_AFTER);
        write("apt-upgradable-after.txt", APT_UPGRADABLE_AFTER);
        for list in [
            "adduser.list",
            "bash.list",
            "libc6:amd64.list",
            "libc6:i386.list",
            "libssl3:amd64.list",
            "openssh-server.list",
            "vim.list",
            "tzdata.list",
        ] {
            let path = dir.join("info").join(list);
            let file = std::fs::File::create(&path).unwrap();
            let at = UNIX_EPOCH + Duration::from_millis(INSTALLED_AT.millis() as u64);
            file.set_modified(at).unwrap();
        }
        let d = dir.display();
        write("dpkg-query", &format!("cat '{d}/dpkg.txt'\n"));
        write(
            "apt",
            &format!(
                "echo 'WARNING: apt does not have a stable CLI interface. Use with caution in \
                 scripts.' >&2\n\
                 echo >&2\n\
                 case \"$*\" in\n\
                 *--upgradable*) cat '{d}/apt-upgradable.txt' ;;\n\
                 *--installed*) cat '{d}/apt-installed.txt' ;;\n\
                 *) echo \"E: unexpected: $*\" >&2; exit 100 ;;\n\
                 esac\n"
            ),
        );
        // Records its arguments, then leaves the machine as dpkg would.
        write(
            "apt-get",
            &format!(
                "printf '%s\\n' \"$@\" > '{d}/apt-get.args'\n\
                 echo \"DEBIAN_FRONTEND=$DEBIAN_FRONTEND LC_ALL=$LC_ALL\" > '{d}/apt-get.env'\n\
                 echo 'Reading package lists...'\n\
                 echo 'Setting up libssl3:amd64 (3.0.2-0ubuntu1.15) ...'\n\
                 echo 'Setting up vim (2:8.2.3995-1ubuntu2.16) ...'\n\
                 echo 'dpkg: error processing package openssh-server (--configure):' >&2\n\
                 cp '{d}/dpkg-after.txt' '{d}/dpkg.txt'\n\
                 cp '{d}/apt-installed-after.txt' '{d}/apt-installed.txt'\n\
                 cp '{d}/apt-upgradable-after.txt' '{d}/apt-upgradable.txt'\n\
                 echo '*** System restart required ***' > '{d}/reboot-required'\n\
                 echo 'linux-image-5.15.0-101-generic' > '{d}/reboot-required.pkgs'\n\
                 echo 'E: Sub-process /usr/bin/dpkg returned an error code (1)' >&2\n\
                 exit 100\n"
            ),
        );
        Machine { dir }
    }

    fn host(&self) -> Host {
        let script = |name: &str| {
            vec![
                "/bin/sh".to_owned(),
                self.dir.join(name).display().to_string(),
            ]
        };
        Host {
            os_release: vec![self.dir.join("os-release")],
            dpkg_query: script("dpkg-query"),
            apt: script("apt"),
            apt_get: script("apt-get"),
            dpkg_info: self.dir.join("info"),
            reboot_required: self.dir.join("reboot-required"),
            root: true,
        }
    }

    /// What apt-get was asked, one argument a line; `None` if it never ran.
    fn apt_get_args(&self) -> Option<Vec<String>> {
        std::fs::read_to_string(self.dir.join("apt-get.args"))
            .ok()
            .map(|t| t.lines().map(str::to_owned).collect())
    }
}

/// A server whose `PATCH_GROUP` baseline approves every Ubuntu security
/// patch at once, and a node registered in `dir` in that group.
async fn setup(dir: &Path) -> (Server, PathBuf, String, String) {
    let server = Server::start().await;
    let baseline_id = server
        .admin
        .call(&CreatePatchBaseline {
            operating_system: Some("UBUNTU".into()),
            name: "agent-security-now".into(),
            approval_rules: Some(PatchRuleGroup {
                patch_rules: vec![PatchRule {
                    patch_filter_group: PatchFilterGroup {
                        patch_filters: vec![PatchFilter {
                            key: "CLASSIFICATION".into(),
                            values: vec!["Security".into()],
                        }],
                    },
                    compliance_level: Some("CRITICAL".into()),
                    approve_after_days: Some(0),
                    approve_until_date: None,
                    enable_non_security: Some(false),
                }],
            }),
            ..CreatePatchBaseline::default()
        })
        .await
        .unwrap()
        .baseline_id;
    server
        .admin
        .call(&RegisterPatchBaselineForPatchGroup {
            baseline_id: baseline_id.clone(),
            patch_group: PATCH_GROUP.into(),
        })
        .await
        .unwrap();
    let (state_dir, registration) = server.register(dir).await;
    let id = registration.instance_id;
    server
        .admin
        .call(&AddTagsToResource {
            resource_type: "ManagedInstance".into(),
            resource_id: id.clone(),
            tags: vec![Tag::new("PatchGroup", PATCH_GROUP)],
        })
        .await
        .unwrap();
    (server, state_dir, id, baseline_id)
}

fn config(state_dir: &Path, machine: &Machine, allow_patch_install: bool) -> RunConfig {
    RunConfig {
        allow_patch_install,
        host: machine.host(),
        ..Agent::config(state_dir)
    }
}

/// Waits until the node reports the platform `name`.
async fn runs(server: &Server, instance_id: &str, name: &str) {
    eventually(&format!("the node to report {name}"), || async {
        let described = server
            .admin
            .call(&DescribeInstanceInformation::default())
            .await
            .unwrap();
        described
            .instance_information_list
            .into_iter()
            .find(|n| n.instance_id == instance_id)
            .filter(|n| n.platform_name.as_deref() == Some(name))
    })
    .await;
}

async fn patch(
    server: &Server,
    instance_id: &str,
    operation: &str,
    reboot: &str,
) -> GetCommandInvocationResult {
    let command_id = server
        .send_document(
            instance_id,
            "AWS-RunPatchBaseline",
            &[("Operation", &[operation]), ("RebootOption", &[reboot])],
        )
        .await;
    server
        .wait_for(&command_id, instance_id, InvocationStatus::Success)
        .await
}

async fn patch_state(server: &Server, instance_id: &str) -> InstancePatchState {
    let states = server
        .admin
        .call(&DescribeInstancePatchStates {
            instance_ids: vec![instance_id.to_owned()],
            ..DescribeInstancePatchStates::default()
        })
        .await
        .unwrap()
        .instance_patch_states;
    assert_eq!(states.len(), 1, "{states:?}");
    states.into_iter().next().unwrap()
}

/// The node's patches as `(title, state)`, sorted.
async fn patches(server: &Server, instance_id: &str) -> Vec<PatchComplianceData> {
    let mut patches = server
        .admin
        .call(&DescribeInstancePatches {
            instance_id: instance_id.to_owned(),
            ..DescribeInstancePatches::default()
        })
        .await
        .unwrap()
        .patches;
    patches.sort_by(|a, b| a.title.cmp(&b.title));
    patches
}

fn titles_in<'a>(patches: &'a [PatchComplianceData], state: &str) -> Vec<&'a str> {
    patches
        .iter()
        .filter(|p| p.state == state)
        .map(|p| p.title.as_str())
        .collect()
}

fn snapshot_line(stdout: &str) -> &str {
    let line = stdout.lines().next().unwrap_or_default();
    let id = line
        .strip_prefix("Patch group baseline snapshot ")
        .and_then(|rest| rest.strip_suffix(" for Ubuntu22.04"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(id.len(), 36, "{line}");
    line
}

#[tokio::test]
async fn a_scan_reports_the_machines_packages_judged_by_the_nodes_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let machine = Machine::new(dir.path());
    let (server, state_dir, id, baseline_id) = setup(dir.path()).await;
    let agent = Agent::start_with(config(&state_dir, &machine, false));
    runs(&server, &id, "Ubuntu").await;

    let inv = patch(&server, &id, "Scan", "RebootIfNeeded").await;
    assert_eq!(inv.status, InvocationStatus::Success, "{inv:?}");
    assert_eq!(inv.response_code, 0);
    snapshot_line(&inv.standard_output_content);
    assert!(
        inv.standard_output_content
            .ends_with("\nScan found 6 patches missing or pending approval\n"),
        "{}",
        inv.standard_output_content
    );
    assert_eq!(inv.standard_error_content, "");
    assert_eq!(machine.apt_get_args(), None);

    let state = patch_state(&server, &id).await;
    assert_eq!(state.operation, "Scan");
    assert_eq!(state.baseline_id, baseline_id);
    assert_eq!(state.patch_group, PATCH_GROUP);
    assert_eq!(state.reboot_option.as_deref(), Some("RebootIfNeeded"));
    // Approved security upgrades are missing; the other upgrades are not
    // the baseline's business.
    assert_eq!(state.missing_count, 3);
    // bash came from jammy-security: installed and approved. The rest
    // (from jammy, or versions apt no longer offers) are installed other.
    assert_eq!(state.installed_count, 1);
    assert_eq!(state.installed_other_count, 7);
    assert_eq!(state.failed_count, 0);
    assert_eq!(state.installed_pending_reboot_count, 0);
    assert_eq!(state.security_non_compliant_count, 3);
    assert_eq!(state.critical_non_compliant_count, 3);

    let found = patches(&server, &id).await;
    assert_eq!(
        titles_in(&found, "MISSING"),
        [
            "libssl3 3.0.2-0ubuntu1.15",
            "openssh-server 1:8.9p1-3ubuntu0.10",
            "vim 2:8.2.3995-1ubuntu2.16",
        ]
    );
    assert_eq!(titles_in(&found, "INSTALLED"), ["bash 5.1-6ubuntu1.1"]);
    assert_eq!(
        titles_in(&found, "INSTALLED_OTHER"),
        [
            "adduser 3.118ubuntu5",
            "libc6 2.35-0ubuntu3.7",
            "libc6 2.35-0ubuntu3.7",
            "libssl3 3.0.2-0ubuntu1.14",
            "openssh-server 1:8.9p1-3ubuntu0.7",
            "tzdata 2023c-0ubuntu0.22.04.2",
            "vim 2:8.2.3995-1ubuntu2.15",
        ]
    );
    let vim = found
        .iter()
        .find(|p| p.title == "vim 2:8.2.3995-1ubuntu2.16")
        .unwrap();
    assert_eq!(vim.kb_id, "vim.amd64:2:8.2.3995-1ubuntu2.16");
    assert_eq!(vim.classification, "Security");
    assert_eq!(vim.severity, "None");
    let bash = found
        .iter()
        .find(|p| p.title == "bash 5.1-6ubuntu1.1")
        .unwrap();
    assert_eq!(bash.kb_id, "bash.amd64:0:5.1-6ubuntu1.1");
    assert_eq!(bash.installed_time, INSTALLED_AT);
    // The multiarch pair stays two patches.
    let libc: Vec<&str> = found
        .iter()
        .filter(|p| p.title.starts_with("libc6 "))
        .map(|p| p.kb_id.as_str())
        .collect();
    assert_eq!(
        libc,
        [
            "libc6.amd64:0:2.35-0ubuntu3.7",
            "libc6.i386:0:2.35-0ubuntu3.7"
        ]
    );
    // The patches offered are dated when first seen, for the next scans.
    let dates = std::fs::read_to_string(state_dir.join(sysman_agent::DATES_FILE)).unwrap();
    assert!(
        dates.contains("\"vim.amd64:2:8.2.3995-1ubuntu2.16\""),
        "{dates}"
    );
    agent.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn an_install_is_refused_without_the_flag_or_root_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let machine = Machine::new(dir.path());
    let (server, state_dir, id, _) = setup(dir.path()).await;

    let agent = Agent::start_with(config(&state_dir, &machine, false));
    runs(&server, &id, "Ubuntu").await;
    let inv = patch(&server, &id, "Install", "NoReboot").await;
    assert_eq!(inv.status, InvocationStatus::Failed, "{inv:?}");
    assert_eq!(inv.response_code, 1);
    assert_eq!(
        inv.standard_error_content,
        format!("{REFUSED_WITHOUT_FLAG}\n")
    );
    assert!(
        inv.standard_error_content
            .contains("start sysman-agent with --allow-patch-install to let it"),
        "{}",
        inv.standard_error_content
    );
    let out = &inv.standard_output_content;
    snapshot_line(out);
    assert!(
        out.contains(
            "Scan found 6 patches missing or pending approval\n\
             Would install 3 approved patches\n\
             \x20 libssl3 3.0.2-0ubuntu1.15\n\
             \x20 openssh-server 1:8.9p1-3ubuntu0.10\n\
             \x20 vim 2:8.2.3995-1ubuntu2.16\n"
        ),
        "{out}"
    );
    assert_eq!(machine.apt_get_args(), None, "apt-get ran");
    // The scan is reported, as a scan.
    let state = patch_state(&server, &id).await;
    assert_eq!(state.operation, "Scan");
    assert_eq!((state.missing_count, state.installed_count), (3, 1));
    assert_eq!(state.last_no_reboot_install_operation_time, None);
    agent.stop().await;

    // Allowed, but not root: refused too.
    let mut not_root = config(&state_dir, &machine, true);
    not_root.host.root = false;
    let agent = Agent::start_with(not_root);
    let inv = patch(&server, &id, "Install", "RebootIfNeeded").await;
    assert_eq!(inv.status, InvocationStatus::Failed, "{inv:?}");
    assert_eq!(
        inv.standard_error_content,
        format!("{REFUSED_WITHOUT_ROOT}\n")
    );
    assert_eq!(machine.apt_get_args(), None, "apt-get ran");
    assert_eq!(patch_state(&server, &id).await.operation, "Scan");
    agent.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn an_allowed_install_upgrades_exactly_the_approved_packages() {
    let dir = tempfile::tempdir().unwrap();
    let machine = Machine::new(dir.path());
    let (server, state_dir, id, _) = setup(dir.path()).await;
    let agent = Agent::start_with(config(&state_dir, &machine, true));
    runs(&server, &id, "Ubuntu").await;

    let inv = patch(&server, &id, "Install", "RebootIfNeeded").await;
    let args = machine.apt_get_args().expect("apt-get did not run");
    assert_eq!(&args[..3], ["install", "-y", "-q"], "{args:?}");
    assert!(args.contains(&"--only-upgrade".to_owned()), "{args:?}");
    let specs: Vec<&str> = args
        .iter()
        .filter(|a| a.contains('='))
        .filter(|a| !a.starts_with("Dpkg::") && !a.starts_with("DPkg::"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        specs,
        [
            "libssl3:amd64=3.0.2-0ubuntu1.15",
            "openssh-server:amd64=1:8.9p1-3ubuntu0.10",
            "vim:amd64=2:8.2.3995-1ubuntu2.16",
        ]
    );
    let env = std::fs::read_to_string(machine.dir.join("apt-get.env")).unwrap();
    assert_eq!(env, "DEBIAN_FRONTEND=noninteractive LC_ALL=C\n");

    // openssh-server's upgrade broke: the step fails and says which.
    assert_eq!(inv.status, InvocationStatus::Failed, "{inv:?}");
    assert_eq!(inv.response_code, 1);
    let out = &inv.standard_output_content;
    let expected = format!(
        "{}\nInstalled 2 patches, 1 failed\n\
         \x20 installed libssl3 3.0.2-0ubuntu1.15\n\
         \x20 installed vim 2:8.2.3995-1ubuntu2.16\n\
         Reboot pending: sysman-agent does not reboot machines yet; reboot this machine to \
         finish the installation\n",
        snapshot_line(out)
    );
    assert!(out.starts_with(&expected), "{out}");
    assert!(out.contains("\napt-get output:\n"), "{out}");
    assert!(
        out.contains("E: Sub-process /usr/bin/dpkg returned an error code (1)"),
        "{out}"
    );
    let err = &inv.standard_error_content;
    assert!(err.contains("apt-get ended with exit status: 100"), "{err}");
    assert!(
        err.contains("Failed to install: openssh-server 1:8.9p1-3ubuntu0.10"),
        "{err}"
    );

    let state = patch_state(&server, &id).await;
    assert_eq!(state.operation, "Install");
    assert_eq!(state.reboot_option.as_deref(), Some("RebootIfNeeded"));
    assert_eq!(state.installed_pending_reboot_count, 2);
    assert_eq!(state.failed_count, 1);
    assert_eq!(state.missing_count, 0);
    assert_eq!(state.installed_count, 1);
    let found = patches(&server, &id).await;
    assert_eq!(
        titles_in(&found, "INSTALLED_PENDING_REBOOT"),
        ["libssl3 3.0.2-0ubuntu1.15", "vim 2:8.2.3995-1ubuntu2.16"]
    );
    assert_eq!(
        titles_in(&found, "FAILED"),
        ["openssh-server 1:8.9p1-3ubuntu0.10"]
    );
    agent.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn a_machine_without_dpkg_is_told_it_cannot_be_patched() {
    let dir = tempfile::tempdir().unwrap();
    let machine = Machine::new(dir.path());
    std::fs::write(
        machine.dir.join("os-release"),
        "NAME=\"Fedora Linux\"\nVERSION_ID=41\nID=fedora\n",
    )
    .unwrap();
    let (server, state_dir, id, _) = setup(dir.path()).await;
    let mut cfg = config(&state_dir, &machine, true);
    cfg.host.dpkg_query = vec![dir.path().join("nowhere/dpkg-query").display().to_string()];
    let agent = Agent::start_with(cfg);
    runs(&server, &id, "Fedora Linux").await;

    let inv = patch(&server, &id, "Scan", "NoReboot").await;
    assert_eq!(inv.status, InvocationStatus::Failed, "{inv:?}");
    assert_eq!(
        inv.standard_error_content,
        "sysman-agent patches Debian and Ubuntu machines only; this machine runs Fedora Linux \
         41 and has no dpkg-query"
    );
    assert_eq!(inv.standard_output_content, "");
    agent.stop().await;
    server.stop().await;
}
