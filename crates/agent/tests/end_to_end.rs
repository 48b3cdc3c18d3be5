//! The agent against a real server on 127.0.0.1: registering, showing up
//! Online, running commands, timeouts and cancels, a server that goes away
//! and comes back, an agent that dies mid-command, and the binary itself.

mod common;

use std::time::Duration;

use common::{Agent, PATIENCE, Server, eventually, online};
use sysman_agent::Registration;
use sysman_api::commands::{CancelCommand, InvocationStatus};

#[tokio::test]
async fn a_registered_agent_runs_uname_as_the_machine_does() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (state_dir, registration) = server.register(dir.path()).await;
    let id = registration.instance_id.clone();
    let agent = Agent::start(&state_dir);
    online(&server, &id).await;

    let command_id = server.send(&id, &["uname -a"], None).await;
    let inv = server
        .wait_for(&command_id, &id, InvocationStatus::Success)
        .await;
    let local = std::process::Command::new("uname")
        .arg("-a")
        .output()
        .unwrap();
    assert_eq!(inv.status, InvocationStatus::Success, "{inv:?}");
    assert_eq!(inv.response_code, 0);
    assert_eq!(
        inv.standard_output_content,
        String::from_utf8_lossy(&local.stdout)
    );
    assert_eq!(inv.standard_error_content, "");

    // Failures carry their exit code and stderr.
    let command_id = server
        .send(&id, &["echo out", "echo oops >&2", "exit 7"], None)
        .await;
    let inv = server
        .wait_for(&command_id, &id, InvocationStatus::Failed)
        .await;
    assert_eq!(
        (
            inv.status,
            inv.response_code,
            inv.standard_output_content.as_str(),
            inv.standard_error_content.as_str()
        ),
        (InvocationStatus::Failed, 7, "out\n", "oops\n")
    );
    agent.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn timeouts_and_cancels_kill_the_command_and_reach_the_server() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (state_dir, registration) = server.register(dir.path()).await;
    let id = registration.instance_id.clone();
    let agent = Agent::start(&state_dir);
    online(&server, &id).await;

    let command_id = server
        .send(&id, &["echo begun", "sleep 30"], Some("1"))
        .await;
    let inv = server
        .wait_for(&command_id, &id, InvocationStatus::TimedOut)
        .await;
    assert_eq!(inv.status, InvocationStatus::TimedOut, "{inv:?}");
    assert_eq!(inv.response_code, -1);
    assert_eq!(inv.standard_output_content, "begun\n");

    let command_id = server.send(&id, &["echo begun", "sleep 30"], None).await;
    // Running once its first output is in.
    eventually("output of the running command", || async {
        let inv = server.invocation(&command_id, &id).await;
        (inv.standard_output_content == "begun\n").then_some(())
    })
    .await;
    server
        .admin
        .call(&CancelCommand {
            command_id: command_id.clone(),
            instance_ids: None,
        })
        .await
        .unwrap();
    let inv = server
        .wait_for(&command_id, &id, InvocationStatus::Cancelled)
        .await;
    assert_eq!(inv.status, InvocationStatus::Cancelled, "{inv:?}");
    agent.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn replies_wait_out_a_server_that_went_away() {
    let mut server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (state_dir, registration) = server.register(dir.path()).await;
    let id = registration.instance_id.clone();
    let agent = Agent::start(&state_dir);
    online(&server, &id).await;

    let command_id = server
        .send(&id, &["echo early", "sleep 2", "echo late"], None)
        .await;
    eventually("the early output", || async {
        let inv = server.invocation(&command_id, &id).await;
        (inv.standard_output_content == "early\n").then_some(())
    })
    .await;
    // The server goes away while the command runs: it stops accepting at
    // once, though a long poll in flight may hold its task a while.
    let running = server.running.take().unwrap();
    let stopping = tokio::spawn(running.stop());
    // The command ends while nobody listens; its reply waits in the spool.
    eventually("the final reply to be spooled", || async {
        let spooled = std::fs::read_dir(state_dir.join("spool"))
            .map(|d| d.count())
            .unwrap_or(0);
        (spooled > 0).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let waiting = std::fs::read_dir(state_dir.join("spool")).unwrap().count();
    assert!(waiting > 0, "the reply did not wait for the server");
    server.restart_on_same_port().await;
    let inv = server
        .wait_for(&command_id, &id, InvocationStatus::Success)
        .await;
    assert_eq!(inv.status, InvocationStatus::Success, "{inv:?}");
    assert_eq!(inv.standard_output_content, "early\nlate\n");
    eventually("the spool to drain", || async {
        let left = std::fs::read_dir(state_dir.join("spool"))
            .map(|d| d.count())
            .unwrap_or(0);
        (left == 0).then_some(())
    })
    .await;
    agent.stop().await;
    let _ = tokio::time::timeout(PATIENCE, stopping).await;
    server.stop().await;
}

#[tokio::test]
async fn a_command_interrupted_by_an_agent_crash_is_failed_not_run_again() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (state_dir, registration) = server.register(dir.path()).await;
    let id = registration.instance_id.clone();
    let agent = Agent::start(&state_dir);
    online(&server, &id).await;

    let runs = dir.path().join("runs");
    let group = dir.path().join("group");
    let script = format!(
        "echo ran >> {}; echo $$ > {}; sleep 30",
        runs.display(),
        group.display()
    );
    let command_id = server.send(&id, &[&script], None).await;
    eventually("the script to start", || async {
        std::fs::read_to_string(&group)
            .ok()
            .filter(|t| t.ends_with('\n'))
    })
    .await;
    // A crash: the agent's future is dropped where it stands.
    agent.task.abort();
    let _ = agent.task.await;
    let pgid: i32 = std::fs::read_to_string(&group)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pgid),
        nix::sys::signal::Signal::SIGKILL,
    );

    let agent = Agent::start(&state_dir);
    let inv = server
        .wait_for(&command_id, &id, InvocationStatus::Failed)
        .await;
    assert_eq!(inv.status, InvocationStatus::Failed, "{inv:?}");
    assert!(
        inv.standard_error_content
            .contains("the agent restarted while this ran"),
        "{inv:?}"
    );
    // Give a wrongly repeated run the time to show itself.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(std::fs::read_to_string(&runs).unwrap(), "ran\n");
    agent.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn the_binary_registers_runs_and_stops_on_sigterm() {
    let server = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("state");
    let (activation_id, activation_code) = server.activation().await;
    let bin = env!("CARGO_BIN_EXE_sysman-agent");
    let register = || {
        let mut c = tokio::process::Command::new(bin);
        c.args(["register", "--endpoint", &server.endpoint()])
            .args(["--activation-id", &activation_id])
            .arg("--state-dir")
            .arg(&state_dir)
            .env("SYSMAN_ACTIVATION_CODE", &activation_code)
            .kill_on_drop(true);
        c
    };
    let out = tokio::time::timeout(PATIENCE, register().output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Registered as mi-"), "{stdout}");
    let id = Registration::load(&state_dir).unwrap().instance_id;

    // Once is enough.
    let again = tokio::time::timeout(PATIENCE, register().output())
        .await
        .unwrap()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already registered"));

    if nix::unistd::geteuid().is_root() {
        let refused = tokio::process::Command::new(bin)
            .args(["run", "--state-dir"])
            .arg(&state_dir)
            .kill_on_drop(true)
            .output();
        let refused = tokio::time::timeout(PATIENCE, refused)
            .await
            .unwrap()
            .unwrap();
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("refusing to run as root"));
    }

    let mut child = tokio::process::Command::new(bin)
        .args([
            "run",
            "--heartbeat-seconds",
            "1",
            "--allow-root",
            "--state-dir",
        ])
        .arg(&state_dir)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    online(&server, &id).await;
    let command_id = server.send(&id, &["echo from the binary"], None).await;
    let inv = server
        .wait_for(&command_id, &id, InvocationStatus::Success)
        .await;
    assert_eq!(inv.standard_output_content, "from the binary\n");

    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id().unwrap()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(PATIENCE, child.wait())
        .await
        .expect("the agent did not stop on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    server.stop().await;
}
