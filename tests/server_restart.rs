//! The honest server restart: the real `sysman serve` binary, killed with
//! SIGKILL while a real agent runs a long command, then started again on
//! the same port and data directory. The invocation completes, and the
//! command ran exactly once.
//!
//! The agent's own tests restart only the HTTP front over one in-memory
//! backend; here nothing survives the kill but what the store synced.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sysman_agent::{RegisterOptions, Registration, RunConfig};
use sysman_api::client::Client;
use sysman_api::commands::{
    CommandStatus, GetCommandInvocation, GetCommandInvocationResult, InvocationStatus,
    ListCommandInvocations, ListCommands, ReceiveMessages, SendCommand, SendReply,
};
use sysman_api::fleet::{CreateActivation, DescribeInstanceInformation, PingStatus};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod harness;

use harness::{PATIENCE, REGION, ServerDirs, ServerProcess, eventually, start_server};

/// The restarted server has this long to see the invocation through.
const COMPLETION: Duration = Duration::from_secs(60);
/// How long the command sleeps: long enough to kill the server in the
/// middle of it.
const SLEEP_SECS: u64 = 4;

/// Where one test keeps everything.
struct Paths {
    server: ServerDirs,
    state_dir: PathBuf,
    /// One line per run of the command.
    ran: PathBuf,
    /// Written as the command's last act.
    ended: PathBuf,
}

impl Paths {
    fn new(dir: &Path) -> Paths {
        Paths {
            server: ServerDirs::new(dir),
            state_dir: dir.join("agent-state"),
            ran: dir.join("ran.log"),
            ended: dir.join("ended"),
        }
    }

    /// The replies waiting in the agent's spool for a server.
    fn spooled(&self) -> Vec<SendReply> {
        let Ok(listing) = std::fs::read_dir(self.state_dir.join("spool")) else {
            return Vec::new();
        };
        listing
            .filter_map(|item| {
                let path = item.ok()?.path();
                // Written to a `.tmp` file, then renamed: a `.json` is whole.
                if path.extension()? != "json" {
                    return None;
                }
                serde_json::from_slice(&std::fs::read(path).ok()?).ok()
            })
            .collect()
    }

    /// Whether the reply that ends the command waits in the spool (and not
    /// only a progress report sent while it ran).
    fn final_reply_spooled(&self) -> bool {
        self.spooled().iter().any(|reply| {
            !reply.steps.is_empty() && reply.steps.iter().all(|s| s.status != "InProgress")
        })
    }
}

/// The real agent, in process. Dropping it aborts the agent's future.
struct Agent {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), String>>,
}

impl Agent {
    fn start(state_dir: &Path) -> Agent {
        let config = RunConfig {
            heartbeat: Duration::from_secs(1),
            // The machine runs tests as root; these commands are harmless.
            allow_root: true,
            retry_max: Duration::from_millis(500),
            ..RunConfig::new(state_dir)
        };
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(sysman_agent::run(config, async move {
            let _ = stopped.await;
        }));
        Agent {
            stop: Some(stop),
            task,
        }
    }

    /// Resolves the agent's shutdown future and waits for it to end.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the agent took too long to stop")
            .expect("the agent task failed");
        assert_eq!(result, Ok(()));
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A server with a registered agent's state dir, and the admin's client.
struct Setup {
    _dir: TempDir,
    paths: Paths,
    server: ServerProcess,
    admin: Client,
    node: Registration,
}

impl Setup {
    async fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        let server = start_server(&paths.server, None, "server").await;
        let admin = paths.server.admin(&server);
        let activation = admin
            .call(&CreateActivation {
                iam_role: "SSMServiceRole".into(),
                registration_limit: Some(1),
                ..CreateActivation::default()
            })
            .await
            .unwrap();
        let node = sysman_agent::register(&RegisterOptions {
            endpoint: server.endpoint(),
            activation_id: activation.activation_id,
            activation_code: activation.activation_code,
            region: REGION.into(),
            state_dir: paths.state_dir.clone(),
            force: false,
            ca_file: None,
        })
        .await
        .unwrap();
        Setup {
            _dir: dir,
            paths,
            server,
            admin,
            node,
        }
    }

    fn id(&self) -> &str {
        &self.node.instance_id
    }

    async fn online(&self) {
        eventually(PATIENCE, "the node to be Online", || async {
            let described = self
                .admin
                .call(&DescribeInstanceInformation::default())
                .await
                .unwrap();
            described
                .instance_information_list
                .into_iter()
                .find(|n| n.instance_id == self.id() && n.ping_status == PingStatus::Online)
        })
        .await;
    }

    /// Sends the long command: one line in `ran.log` per run, a sleep
    /// the server is killed in, `done` on stdout, then the `ended` mark.
    async fn send_long_command(&self) -> String {
        let lines = vec![
            format!("echo run >> {}", self.paths.ran.display()),
            format!("sleep {SLEEP_SECS}"),
            "echo done".to_owned(),
            format!("touch {}", self.paths.ended.display()),
        ];
        self.admin
            .call(&SendCommand {
                instance_ids: Some(vec![self.id().to_owned()]),
                document_name: "AWS-RunShellScript".into(),
                parameters: Some([("commands".to_owned(), lines)].into()),
                ..SendCommand::default()
            })
            .await
            .unwrap()
            .command
            .command_id
    }

    async fn invocation(&self, command_id: &str) -> GetCommandInvocationResult {
        self.admin
            .call(&GetCommandInvocation {
                command_id: command_id.to_owned(),
                instance_id: self.id().to_owned(),
                plugin_name: None,
            })
            .await
            .unwrap()
    }

    /// Waits until the agent has acknowledged the message and the command
    /// runs on this machine.
    async fn wait_running(&self, command_id: &str) {
        let inv = eventually(PATIENCE, "the invocation to be InProgress", || async {
            let inv = self.invocation(command_id).await;
            (inv.status != InvocationStatus::Pending).then_some(inv)
        })
        .await;
        assert_eq!(inv.status, InvocationStatus::InProgress, "{inv:?}");
        eventually(PATIENCE, "the command to start", || async {
            self.paths.ran.exists().then_some(())
        })
        .await;
    }

    /// SIGKILLs the server while the command still runs, then waits for
    /// the command to end here and its final reply to wait in the spool.
    async fn kill_server_mid_command(&mut self) {
        self.server.kill();
        assert!(
            !self.paths.ended.exists(),
            "the command ended before the server was killed"
        );
        eventually(
            Duration::from_secs(SLEEP_SECS) + PATIENCE,
            "the command to end",
            || async { self.paths.ended.exists().then_some(()) },
        )
        .await;
        eventually(PATIENCE, "the final reply to be spooled", || async {
            self.paths.final_reply_spooled().then_some(())
        })
        .await;
    }

    /// The same binary on the same port and data dir.
    async fn restart_server(&mut self) {
        let port = self.server.port;
        self.server = start_server(&self.paths.server, Some(port), "restarted").await;
    }

    /// Waits for the invocation to end, and checks it ended well, once.
    async fn check_completed_once(&self, command_id: &str) {
        let inv = eventually(COMPLETION, "the invocation to end", || async {
            let inv = self.invocation(command_id).await;
            inv.status.is_terminal().then_some(inv)
        })
        .await;
        assert_eq!(
            (
                inv.status,
                inv.response_code,
                inv.standard_output_content.as_str(),
                inv.standard_error_content.as_str()
            ),
            (InvocationStatus::Success, 0, "done\n", ""),
            "{inv:?}\nthe restarted server said:\n{}",
            self.server.log()
        );
        let invocations = self
            .admin
            .call(&ListCommandInvocations {
                command_id: Some(command_id.to_owned()),
                ..ListCommandInvocations::default()
            })
            .await
            .unwrap()
            .command_invocations;
        assert_eq!(invocations.len(), 1, "{invocations:?}");
        assert_eq!(invocations[0].instance_id, self.id());
        assert_eq!(invocations[0].status, InvocationStatus::Success);
        let commands = self
            .admin
            .call(&ListCommands {
                command_id: Some(command_id.to_owned()),
                ..ListCommands::default()
            })
            .await
            .unwrap()
            .commands;
        assert_eq!(commands.len(), 1, "{commands:?}");
        assert_eq!(
            (
                commands[0].status,
                commands[0].target_count,
                commands[0].completed_count,
                commands[0].error_count
            ),
            (CommandStatus::Success, 1, 1, 0),
            "{commands:?}"
        );
        // Give a wrongly repeated run the time to show itself.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            std::fs::read_to_string(&self.paths.ran).unwrap(),
            "run\n",
            "the command ran more than once"
        );
    }

    /// What the node would be handed now, taken as the node.
    async fn mailbox(&self) -> Vec<String> {
        let node = self.node.client().unwrap();
        node.call(&ReceiveMessages {
            instance_id: self.id().to_owned(),
            wait_seconds: Some(0),
            max_messages: None,
        })
        .await
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.message_id)
        .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_command_comes_back_and_the_command_completes_once() {
    let mut setup = Setup::new().await;
    let agent = Agent::start(&setup.paths.state_dir);
    setup.online().await;

    let command_id = setup.send_long_command().await;
    setup.wait_running(&command_id).await;
    setup.kill_server_mid_command().await;
    // Nobody listens: the reply waits out the outage in the spool.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(setup.paths.final_reply_spooled(), "the reply did not wait");
    setup.restart_server().await;

    setup.check_completed_once(&command_id).await;
    eventually(PATIENCE, "the spool to drain", || async {
        setup.paths.spooled().is_empty().then_some(())
    })
    .await;
    agent.stop().await;
    // Nothing is left for the node: the message was taken for good.
    assert_eq!(setup.mailbox().await, Vec::<String>::new());
}

/// The agent is stopped while the server is down, so nothing it does
/// after the restart can hide what the server kept: the acknowledgement
/// given before the kill must have survived it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledgement_given_before_the_kill_survives_it() {
    let mut setup = Setup::new().await;
    let agent = Agent::start(&setup.paths.state_dir);
    setup.online().await;

    let command_id = setup.send_long_command().await;
    setup.wait_running(&command_id).await;
    setup.kill_server_mid_command().await;
    agent.stop().await;
    assert!(
        setup.paths.final_reply_spooled(),
        "the reply left with the agent"
    );
    setup.restart_server().await;

    // The restarted server knows the command was taken and runs...
    let inv = setup.invocation(&command_id).await;
    assert_eq!(inv.status, InvocationStatus::InProgress, "{inv:?}");
    // ...and does not hand it out again.
    assert_eq!(
        setup.mailbox().await,
        Vec::<String>::new(),
        "the restarted server hands out a message the node acknowledged before the kill"
    );

    let agent = Agent::start(&setup.paths.state_dir);
    setup.check_completed_once(&command_id).await;
    agent.stop().await;
}
