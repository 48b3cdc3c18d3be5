//! The node channel as the agent works it: heartbeats, the long poll for
//! messages, running what they ask, and every reply through the spool.
//!
//! On the wire it behaves as the simulated agent does (`sysman-backend`'s
//! `sim/agent.rs`), so the server cannot tell them apart.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sysman_api::client::Client;
use sysman_api::commands::{
    AcknowledgeMessage, AgentMessage, MessageBody, ReceiveMessages, SendReply, StepReport,
};
use sysman_api::fleet::UpdateInstanceInformation;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::apt::Host;
use crate::backoff::{self, Backoff};
use crate::patching::Patcher;
use crate::platform::{self, Facts};
use crate::registration::{Registration, private_dir};
use crate::runner::{self, Job, Stop};
use crate::seen::SeenList;
use crate::spool::Spool;

/// How often the agent reports its platform unless told otherwise, as
/// AWS's agent does. Between heartbeats its long polls keep it Online: the
/// server counts a poll as a ping.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(300);
/// The long poll's wait: the most the server allows.
const WAIT_SECONDS: i64 = 20;
/// The file a running agent holds locked in its state directory.
const LOCK_FILE: &str = "agent.lock";
/// How long a stopping agent tries to deliver what is spooled.
const SHUTDOWN_FLUSH: Duration = Duration::from_secs(5);
/// How long a stopping agent waits for its killed commands to report.
const SHUTDOWN_RUNNERS: Duration = Duration::from_secs(10);
/// The sequence of the reply that closes a message the agent was running
/// when it last stopped. The replies it sent before are not counted
/// anywhere, so this is above any a run reaches (a reply a second for 30
/// years): the server never takes it for a repeat.
const RESTART_SEQUENCE: i64 = 1_000_000_000;

/// How `run` behaves.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub state_dir: PathBuf,
    /// Time between two heartbeats.
    pub heartbeat: Duration,
    /// Run even as root, where every command runs with root rights.
    pub allow_root: bool,
    /// The longest wait between two tries of an unreachable server.
    pub retry_max: Duration,
    /// Let `aws:runPatchBaseline` Install operations install packages
    /// (`--allow-patch-install`); without it they only scan, and fail.
    pub allow_patch_install: bool,
    /// Where the machine's operating system and package tools are found.
    pub host: Host,
    /// Trust the certificates in this PEM file instead of the one named
    /// at registration (`run --ca-file`).
    pub ca_file: Option<PathBuf>,
}

impl RunConfig {
    pub fn new(state_dir: impl Into<PathBuf>) -> RunConfig {
        RunConfig {
            state_dir: state_dir.into(),
            heartbeat: DEFAULT_HEARTBEAT,
            allow_root: false,
            retry_max: backoff::MAX,
            allow_patch_install: false,
            host: Host::default(),
            ca_file: None,
        }
    }
}

/// Refuses root unless allowed: anyone who can send this node a command
/// would run it as root.
pub fn check_user(is_root: bool, allow_root: bool) -> Result<(), String> {
    if is_root && !allow_root {
        return Err(
            "refusing to run as root: every command sent to this node would run with \
                    root rights. Run the agent as an unprivileged user (owning its state \
                    directory), or pass --allow-root if the node's commands must run as root"
                .to_owned(),
        );
    }
    Ok(())
}

/// The agent's shared state.
struct Agent {
    client: Client,
    instance_id: String,
    region: String,
    state_dir: PathBuf,
    retry_max: Duration,
    spool: Mutex<Spool>,
    /// Rung when a reply is spooled.
    spooled: Notify,
    seen: Mutex<SeenList>,
    /// The stop switch of each command running, by command id.
    running: Mutex<HashMap<String, watch::Sender<Option<Stop>>>>,
    patcher: Arc<Patcher>,
}

/// A lock that a panic elsewhere does not poison for good: each value
/// behind one is consistent between calls.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs the agent of the node registered in `config.state_dir` until
/// `shutdown` resolves: heartbeats, takes messages, runs them and replies.
/// Fails only at start (not registered, unusable state, root refused);
/// an unreachable server is waited out.
pub async fn run(config: RunConfig, shutdown: impl Future<Output = ()>) -> Result<(), String> {
    check_user(platform::is_root(), config.allow_root)?;
    let registration = Registration::load(&config.state_dir)?;
    private_dir(&config.state_dir)?;
    // Held until this returns; the kernel lets go if the agent dies.
    let _lock = lock_state_dir(&config.state_dir)?;
    let client = registration.client_trusting(config.ca_file.as_deref())?;
    let spool = Spool::open(&config.state_dir.join("spool"))?;
    let seen = SeenList::open(&config.state_dir.join("seen"))?;
    // Nothing runs yet: what is in the work area was left by a run that
    // ended with the agent.
    let work = config.state_dir.join("work");
    if let Err(e) = std::fs::remove_dir_all(&work)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("cannot clear {}: {e}", work.display());
    }
    tracing::info!(
        instance_id = %registration.instance_id,
        endpoint = %registration.endpoint,
        spooled = spool.len(),
        allow_patch_install = config.allow_patch_install,
        "sysman-agent {} started",
        platform::AGENT_VERSION
    );
    let patcher = Arc::new(Patcher {
        client: client.clone(),
        instance_id: registration.instance_id.clone(),
        state_dir: config.state_dir.clone(),
        host: config.host.clone(),
        allow_install: config.allow_patch_install,
    });
    let agent = Arc::new(Agent {
        client,
        instance_id: registration.instance_id.clone(),
        region: registration.region.clone(),
        state_dir: config.state_dir.clone(),
        retry_max: config.retry_max,
        spool: Mutex::new(spool),
        spooled: Notify::new(),
        seen: Mutex::new(seen),
        running: Mutex::new(HashMap::new()),
        patcher,
    });
    agent.close_interrupted();

    // Tasks live in sets, so dropping this future stops them all.
    let mut background = JoinSet::new();
    // The spool goes out first, in order, ahead of anything new.
    let sender = background.spawn(send_loop(Arc::clone(&agent)));
    let heartbeat = background.spawn(heartbeat_loop(Arc::clone(&agent), config.heartbeat));
    let mut runners = JoinSet::new();
    tokio::select! {
        () = shutdown => {}
        () = poll_loop(&agent, &mut runners) => {}
    }

    tracing::info!("stopping");
    heartbeat.abort();
    for switch in lock(&agent.running).values() {
        let _ = switch.send(Some(Stop::Shutdown));
    }
    let drained = tokio::time::timeout(SHUTDOWN_RUNNERS, async {
        while runners.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("commands still running after {SHUTDOWN_RUNNERS:?}; leaving them");
    }
    sender.abort();
    background.shutdown().await;
    agent.flush().await;
    Ok(())
}

/// Takes messages for ever, backing off while the server is away.
async fn poll_loop(agent: &Arc<Agent>, runners: &mut JoinSet<()>) {
    let mut backoff = Backoff::new(agent.retry_max);
    loop {
        while runners.try_join_next().is_some() {}
        let received = agent
            .client
            .call(&ReceiveMessages {
                instance_id: agent.instance_id.clone(),
                wait_seconds: Some(WAIT_SECONDS),
                max_messages: Some(10),
            })
            .await;
        match received {
            Ok(result) => {
                backoff.reset();
                for message in result.messages {
                    agent.handle(message, runners).await;
                }
            }
            Err(e) => {
                let delay = backoff.next_delay();
                if e.is_transport() {
                    tracing::warn!("cannot take messages, trying again in {delay:.1?}: {e}");
                } else {
                    tracing::error!("the server refused to hand out messages: {e}");
                }
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Reports in every `every`; a failed heartbeat is tried again sooner.
async fn heartbeat_loop(agent: Arc<Agent>, every: Duration) {
    let mut backoff = Backoff::new(agent.retry_max);
    loop {
        let facts = Facts::gather_from(&agent.patcher.host.os_release);
        let sent = agent
            .client
            .call(&UpdateInstanceInformation {
                instance_id: agent.instance_id.clone(),
                agent_version: Some(facts.agent_version),
                platform_type: Some(facts.platform_type),
                platform_name: facts.platform_name,
                platform_version: facts.platform_version,
                ip_address: facts.ip_address,
                computer_name: facts.computer_name,
            })
            .await;
        let delay = match sent {
            Ok(_) => {
                backoff.reset();
                every
            }
            Err(e) if e.is_transport() => {
                let delay = backoff.next_delay().min(every);
                tracing::warn!("heartbeat failed, trying again in {delay:.1?}: {e}");
                delay
            }
            Err(e) => {
                tracing::error!("the server refused the heartbeat: {e}");
                every
            }
        };
        tokio::time::sleep(delay).await;
    }
}

/// Sends the spool, oldest first, for ever. A reply leaves the spool once
/// the server has it, or has refused it for good.
async fn send_loop(agent: Arc<Agent>) {
    let mut backoff = Backoff::new(agent.retry_max);
    loop {
        let next = lock(&agent.spool).front();
        let Some((number, reply)) = next else {
            agent.spooled.notified().await;
            continue;
        };
        match agent.client.call(&reply).await {
            Ok(_) => {
                backoff.reset();
                lock(&agent.spool).remove(number);
            }
            Err(e) if e.is_transport() => {
                let delay = backoff.next_delay();
                tracing::warn!(
                    message_id = %reply.message_id,
                    "cannot send a reply, trying again in {delay:.1?}: {e}"
                );
                tokio::time::sleep(delay).await;
            }
            Err(e) => {
                // It will never be taken; holding it would block the rest.
                tracing::warn!(
                    message_id = %reply.message_id,
                    sequence = reply.sequence,
                    "the server refused a reply, dropping it: {e}"
                );
                lock(&agent.spool).remove(number);
            }
        }
    }
}

impl Agent {
    /// Spools `reply` and wakes the sender.
    fn reply(&self, reply: SendReply) {
        lock(&self.spool).push(&reply);
        self.spooled.notify_one();
    }

    /// Acknowledges a message. A lost acknowledgement is harmless: the
    /// first reply counts as one, and a message handed out again is
    /// recognised as seen.
    async fn acknowledge(&self, message_id: &str) {
        let acked = self
            .client
            .call(&AcknowledgeMessage {
                instance_id: self.instance_id.clone(),
                message_id: message_id.to_owned(),
            })
            .await;
        if let Err(e) = acked {
            tracing::warn!(%message_id, "cannot acknowledge: {e}");
        }
    }

    async fn handle(self: &Arc<Self>, message: AgentMessage, runners: &mut JoinSet<()>) {
        let message_id = message.message_id;
        match message.body {
            MessageBody::CancelCommand { command_id } => {
                self.acknowledge(&message_id).await;
                match lock(&self.running).get(&command_id) {
                    Some(switch) => {
                        tracing::info!(%command_id, "cancelling");
                        let _ = switch.send(Some(Stop::Cancel));
                    }
                    None => tracing::debug!(%command_id, "cancel for a command not running"),
                }
            }
            MessageBody::RunCommand {
                command_id,
                document_name,
                steps,
                execution_timeout_seconds,
            } => {
                let seen = lock(&self.seen).get(&message_id).cloned();
                if let Some(seen) = seen {
                    // Handed out again: never run twice. A final reply
                    // still spooled goes out with the rest.
                    self.acknowledge(&message_id).await;
                    tracing::info!(%message_id, ?seen, "taken before; not run again");
                    return;
                }
                let names = steps.iter().map(|s| s.name.clone()).collect();
                if let Err(e) = lock(&self.seen).start(&message_id, names) {
                    // Unrecorded, a restart could run it twice. Left
                    // unacknowledged, it comes back to be tried again.
                    tracing::error!(%message_id, "not running the command: {e}");
                    return;
                }
                self.acknowledge(&message_id).await;
                tracing::info!(%command_id, %document_name, steps = steps.len(), "running");
                let job = Job {
                    work_dir: self.state_dir.join("work").join(dir_name(&command_id)),
                    command_id: command_id.clone(),
                    steps,
                    execution_timeout: Duration::from_secs(
                        u64::try_from(execution_timeout_seconds.max(1)).unwrap_or(1),
                    ),
                    env: vec![
                        ("AWS_SSM_INSTANCE_ID".to_owned(), self.instance_id.clone()),
                        ("AWS_SSM_REGION_NAME".to_owned(), self.region.clone()),
                    ],
                    patcher: Some(Arc::clone(&self.patcher)),
                };
                let (switch, mut stop) = watch::channel(None);
                lock(&self.running).insert(command_id.clone(), switch);
                let agent = Arc::clone(self);
                runners.spawn(async move {
                    let mut sequence = 0;
                    let mut report = |steps: Vec<StepReport>| {
                        sequence += 1;
                        agent.reply(SendReply {
                            instance_id: agent.instance_id.clone(),
                            message_id: message_id.clone(),
                            sequence,
                            steps,
                        });
                    };
                    runner::run(&job, &mut stop, &mut report).await;
                    if let Err(e) = lock(&agent.seen).finish(&message_id) {
                        tracing::warn!(%message_id, "{e}");
                    }
                    lock(&agent.running).remove(&command_id);
                    tracing::info!(%command_id, "done");
                });
            }
        }
    }

    /// Closes the messages that were running when the agent last stopped:
    /// they are not run again (their commands may have done half their
    /// work), but reported Failed, so no one waits for them.
    fn close_interrupted(&self) {
        let interrupted = lock(&self.seen).running();
        for (message_id, steps) in interrupted {
            tracing::warn!(%message_id, "was running when the agent stopped; reporting it failed");
            let finished = runner::now();
            let steps = steps
                .into_iter()
                .map(|name| StepReport {
                    name,
                    status: "Failed".to_owned(),
                    response_code: -1,
                    started: None,
                    finished: Some(finished),
                    stdout: String::new(),
                    stderr: "the agent restarted while this ran".to_owned(),
                })
                .collect();
            self.reply(SendReply {
                instance_id: self.instance_id.clone(),
                message_id: message_id.clone(),
                sequence: RESTART_SEQUENCE,
                steps,
            });
            if let Err(e) = lock(&self.seen).finish(&message_id) {
                tracing::warn!(%message_id, "{e}");
            }
        }
    }

    /// One last try at what is spooled, briefly; the rest waits for the
    /// next start.
    async fn flush(&self) {
        let attempt = async {
            loop {
                let next = lock(&self.spool).front();
                let Some((number, reply)) = next else { break };
                match self.client.call(&reply).await {
                    Err(e) if e.is_transport() => break,
                    Err(e) => tracing::warn!("the server refused a reply, dropping it: {e}"),
                    Ok(_) => {}
                }
                lock(&self.spool).remove(number);
            }
        };
        let _ = tokio::time::timeout(SHUTDOWN_FLUSH, attempt).await;
        let left = lock(&self.spool).len();
        if left > 0 {
            tracing::info!("{left} replies stay spooled for the next start");
        }
    }
}

/// Two agents on one state directory would both take messages and run
/// them: the second is refused.
fn lock_state_dir(state_dir: &Path) -> Result<File, String> {
    let path = state_dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(format!(
            "another sysman-agent is running with the state directory {}",
            state_dir.display()
        )),
        Err(TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

/// A command id as a directory name: it comes from the network, so
/// nothing in it may climb out of the work area.
fn dir_name(command_id: &str) -> String {
    let name: String = command_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(128)
        .collect();
    if name.is_empty() {
        "_".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_refused_unless_allowed() {
        let err = check_user(true, false).unwrap_err();
        assert!(
            err.contains("refusing to run as root") && err.contains("--allow-root"),
            "{err}"
        );
        assert!(check_user(true, true).is_ok());
        assert!(check_user(false, false).is_ok());
    }

    #[test]
    fn one_agent_at_a_time_holds_a_state_dir() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock_state_dir(dir.path()).unwrap();
        let err = lock_state_dir(dir.path()).unwrap_err();
        assert!(err.contains("another sysman-agent is running"), "{err}");
        drop(held);
        assert!(lock_state_dir(dir.path()).is_ok());
    }

    #[test]
    fn command_ids_cannot_climb_out_of_the_work_area() {
        assert_eq!(
            dir_name("0b3f2c9e-1d2a-4c55-9a9e-7f6c2d1e0a11"),
            "0b3f2c9e-1d2a-4c55-9a9e-7f6c2d1e0a11"
        );
        assert_eq!(dir_name("../../etc"), "______etc");
        assert_eq!(dir_name(""), "_");
    }
}
