//! Run Command: commands fanned out to nodes under rate and error control,
//! and the node channel they travel through.
//!
//! A command is a small record (what to run, on whom, under which limits)
//! and one record per target, the invocation, which carries its status and
//! its whole output. What is in flight, the mailboxes and the counts are not
//! stored: they follow from the invocations, and are rebuilt from them when
//! the backend opens, so a restart loses and repeats nothing.
//!
//! A node's mailbox holds the messages dispatched to it and not yet
//! acknowledged. A message id names its invocation, so a message handed out
//! again (after a visibility timeout, or a restart) is recognisably the same
//! one and an agent never runs it twice.

mod channel;
mod engine;
mod ops;
mod output;
mod upload;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sysman_api::commands::InvocationStatus;
use sysman_api::fleet::PlatformType;
use sysman_api::{Target, Timestamp};
use tokio::sync::{Notify, mpsc};

use crate::Inner;
use crate::capability::{Capability, Settings, Source};
use crate::locks::{Level, MutexGuard, OrderedMutex};
use crate::store::{Change, Snapshot};

pub(crate) use engine::{Effects, announce, node_removed, queue};
pub(crate) use upload::OutputTo;

const COMMAND_KIND: &str = "command";
const INVOCATION_KIND: &str = "invocation";

/// How long a message handed out and not acknowledged stays invisible.
pub(crate) const VISIBILITY_TIMEOUT_SECS: i64 = 30;
/// How long past its execution timeout a silent node's invocation is given
/// before the server calls it timed out (its agent normally says so first).
pub(crate) const EXECUTION_GRACE_SECS: i64 = 60;
/// Output kept per stream of a step; beyond it the output is cut with a
/// marker. Large enough for any log a person reads in a console.
pub(crate) const OUTPUT_KEEP_MAX: usize = 8 * 1024 * 1024;

/// One step of a command, with the parameters filled in and `{{ssm:...}}`
/// references left as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StepSpec {
    pub name: String,
    pub action: String,
    pub inputs: serde_json::Value,
    pub precondition: Option<PlatformType>,
}

impl StepSpec {
    /// Whether the step runs on `platform`.
    pub fn runs_on(&self, platform: Option<PlatformType>) -> bool {
        let Some(platform) = platform else {
            return false;
        };
        crate::documents::schema::action_platforms(&self.action).contains(&platform)
            && self.precondition.is_none_or(|p| p == platform)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CommandRec {
    pub command_id: String,
    pub document_name: String,
    pub document_version: i64,
    pub comment: Option<String>,
    /// The administrator or user who sent it: references resolve with
    /// their rights.
    pub sent_by: String,
    /// Whether `sent_by` names a user rather than an administrator.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sent_by_user: bool,
    /// As given: references unresolved, so no secret is ever stored.
    pub parameters: BTreeMap<String, Vec<String>>,
    pub instance_ids: Vec<String>,
    pub targets: Vec<Target>,
    pub requested: Timestamp,
    pub timeout_seconds: i64,
    pub execution_timeout: i64,
    pub max_concurrency: String,
    pub max_errors: String,
    pub target_count: usize,
    pub steps: Vec<StepSpec>,
    /// CancelCommand was called for the whole command.
    pub cancelled: bool,
    /// More errors came than MaxErrors allows: nothing more is sent.
    pub stopped: bool,
    /// Where each step's whole output is written when it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputTo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PluginRec {
    pub name: String,
    pub status: InvocationStatus,
    pub details: String,
    pub response_code: i64,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    /// Kept in memory; stored apart, in chunks (see `output`). Records
    /// written before that hold it themselves, so it is still read.
    #[serde(default, skip_serializing)]
    pub stdout: String,
    #[serde(default, skip_serializing)]
    pub stderr: String,
    /// Bytes of each stream stored so far.
    #[serde(skip)]
    pub stored: (usize, usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct InvocationRec {
    pub command_id: String,
    pub instance_id: String,
    /// Place in the command's dispatch order.
    pub index: usize,
    pub instance_name: Option<String>,
    pub platform: Option<PlatformType>,
    pub status: InvocationStatus,
    pub details: String,
    /// In the node's mailbox since then.
    pub dispatched: Option<Timestamp>,
    pub acked: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    /// The highest reply sequence applied.
    pub sequence: i64,
    /// A cancel message waits in the mailbox.
    pub cancel_pending: bool,
    pub plugins: Vec<PluginRec>,
    /// How many chunks of output are stored for it.
    #[serde(default)]
    pub output_chunks: u32,
}

impl InvocationRec {
    pub fn key(&self) -> (String, String) {
        (self.command_id.clone(), self.instance_id.clone())
    }

    /// Counts against MaxErrors: failed, or ran past its execution timeout.
    pub fn is_error(&self) -> bool {
        (self.status == InvocationStatus::Failed && self.details == "Failed")
            || (self.status == InvocationStatus::TimedOut && self.details == "Execution Timed Out")
    }

    pub fn is_delivery_timeout(&self) -> bool {
        self.status == InvocationStatus::TimedOut && self.details == "Delivery Timed Out"
    }

    /// Dispatched and not yet finished: holds one place of MaxConcurrency.
    pub fn in_flight(&self) -> bool {
        self.dispatched.is_some() && !self.status.is_terminal()
    }

    /// The changes that store this invocation, its new output included.
    fn changes(&mut self) -> Vec<Change> {
        output::store(self)
    }

    /// Its record alone, without output.
    fn record_change(&self) -> Change {
        Change::Put {
            kind: INVOCATION_KIND,
            id: invocation_id(&self.command_id, &self.instance_id),
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }
}

fn invocation_id(command_id: &str, instance_id: &str) -> String {
    format!("{command_id}/{instance_id}")
}

/// The message id of an invocation's run message, and of its cancel.
pub(crate) fn run_message_id(command_id: &str, instance_id: &str) -> String {
    format!("{command_id}.{instance_id}.run")
}

pub(crate) fn cancel_message_id(command_id: &str, instance_id: &str) -> String {
    format!("{command_id}.{instance_id}.cancel")
}

/// The invocation a message id names, and whether it is a cancel.
pub(crate) fn parse_message_id(id: &str) -> Option<(&str, &str, bool)> {
    let (rest, kind) = id.rsplit_once('.')?;
    let (command_id, instance_id) = rest.split_once('.')?;
    match kind {
        "run" => Some((command_id, instance_id, false)),
        "cancel" => Some((command_id, instance_id, true)),
        _ => None,
    }
}

impl CommandRec {
    fn change(&self) -> Change {
        Change::Put {
            kind: COMMAND_KIND,
            id: self.command_id.clone(),
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }
}

/// A command with what follows from its invocations.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    pub rec: CommandRec,
    /// Instance ids in dispatch order.
    pub order: Vec<String>,
    /// The first place in `order` not yet dispatched (or finished without).
    pub next: usize,
    pub in_flight: usize,
    /// How many may be in flight now: 1, 2, 4, ... up to `max_concurrency`.
    pub window: usize,
    pub max_concurrency: usize,
    pub max_errors: usize,
    pub completed: usize,
    pub errors: usize,
    pub delivery_timed_out: usize,
    pub successes: usize,
}

/// A message waiting in a mailbox: its id and when it may next be handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Waiting {
    pub message_id: String,
    pub visible_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum DueKind {
    DeliveryTimeout,
    ExecutionTimeout,
}

#[derive(Default)]
pub(crate) struct CmdState {
    pub commands: BTreeMap<String, Live>,
    /// Newest first: (`i64::MAX - requested millis`, command id).
    pub by_time: BTreeSet<(i64, String)>,
    pub invocations: BTreeMap<(String, String), InvocationRec>,
    /// Messages not yet acknowledged, by node.
    pub mailboxes: HashMap<String, Vec<Waiting>>,
    /// Timeouts to check, soonest first.
    pub due: BTreeSet<(Timestamp, DueKind, String, String)>,
}

pub(crate) struct Commands {
    state: OrderedMutex<CmdState>,
    /// Wakes long polls of a node when mail arrives for it.
    mail: Mutex<HashMap<String, Arc<Notify>>>,
    /// Tells the in-process simulator which nodes got mail.
    mail_watch: Mutex<Option<mpsc::UnboundedSender<String>>>,
}

impl Capability for Commands {
    fn load(from: &Source<'_>) -> Result<Commands, String> {
        Commands::from_records(from.snapshot)
    }

    /// Takes `fresh`'s commands, invocations and mailboxes; long polls and
    /// the mail watcher stay.
    fn replace_with(&self, fresh: Commands) {
        *self.state.lock() = fresh.state.into_inner();
    }

    /// Forgets every command, invocation and mailbox.
    fn forget_all(&self, _: &Settings) -> Result<(), String> {
        *self.state.lock() = CmdState::default();
        Ok(())
    }

    /// The next timeout to check.
    fn next_due(&self) -> Option<Timestamp> {
        self.state.lock().due.first().map(|d| d.0)
    }

    async fn run_due(b: &Inner) {
        engine::expire_due(b).await;
    }
}

/// The commands lock, held by another capability whose change ends
/// commands' work too (a deregistration); only this module's functions
/// can read through it.
pub(crate) struct CommandsLock<'a>(MutexGuard<'a, CmdState>);

impl Commands {
    /// Reports the ids of nodes as mail arrives for them to the one
    /// watcher this returns, replacing any before it.
    pub(crate) fn watch_mail(&self) -> mpsc::UnboundedReceiver<String> {
        let (tx, rx) = mpsc::unbounded_channel();
        *self.mail_watch.lock() = Some(tx);
        rx
    }

    /// Nodes whose mailbox holds messages now.
    pub(crate) fn nodes_with_mail(&self) -> Vec<String> {
        self.state
            .lock()
            .mailboxes
            .iter()
            .filter(|(_, waiting)| !waiting.is_empty())
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Invocations by status, every status present (zeros too).
    pub(crate) fn invocations_by_status(&self) -> Vec<(&'static str, u64)> {
        let state = self.state.lock();
        crate::tally(
            &InvocationStatus::ALL,
            InvocationStatus::as_str,
            state.invocations.values().map(|i| i.status),
        )
    }

    /// Takes the commands lock, first of the locks in [`Level`] order.
    pub(crate) fn lock(&self) -> CommandsLock<'_> {
        CommandsLock(self.state.lock())
    }

    fn from_records(snapshot: &Snapshot) -> Result<Commands, String> {
        let mut state = CmdState::default();
        let mut recs = BTreeMap::new();
        for (id, body) in snapshot.get(COMMAND_KIND).into_iter().flatten() {
            let rec: CommandRec = serde_json::from_str(body)
                .map_err(|e| format!("stored command {id} cannot be read: {e}"))?;
            recs.insert(id.clone(), rec);
        }
        for (id, body) in snapshot.get(INVOCATION_KIND).into_iter().flatten() {
            let inv: InvocationRec = serde_json::from_str(body)
                .map_err(|e| format!("stored invocation {id} cannot be read: {e}"))?;
            if !recs.contains_key(&inv.command_id) {
                return Err(format!("stored invocation {id} has no command"));
            }
            state.invocations.insert(inv.key(), inv);
        }
        output::load(snapshot, state.invocations.values_mut())?;
        for (id, rec) in recs {
            let live = engine::rebuild(rec, &state.invocations);
            state
                .by_time
                .insert((i64::MAX - live.rec.requested.millis(), id.clone()));
            state.commands.insert(id, live);
        }
        engine::refile(&mut state);
        Ok(Commands {
            state: OrderedMutex::new(Level::Commands, state),
            mail: Mutex::new(HashMap::new()),
            mail_watch: Mutex::new(None),
        })
    }

    /// The notifier a long poll of `instance_id` waits on.
    pub fn mail_notify(&self, instance_id: &str) -> Arc<Notify> {
        self.mail
            .lock()
            .entry(instance_id.to_owned())
            .or_default()
            .clone()
    }

    /// Tells whoever waits that `instance_id` has mail.
    pub fn announce_mail(&self, instance_id: &str) {
        if let Some(n) = self.mail.lock().get(instance_id) {
            n.notify_waiters();
        }
        let mut watch = self.mail_watch.lock();
        if let Some(tx) = watch.as_ref()
            && tx.send(instance_id.to_owned()).is_err()
        {
            *watch = None;
        }
    }
}
