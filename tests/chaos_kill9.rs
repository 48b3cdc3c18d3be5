//! Kill -9 under mixed write load: the real `sysman serve` binary takes
//! PutParameter (String and SecureString), SendCommand and the replies of
//! scripted nodes from several tasks at once, and is SIGKILLed at a random
//! moment. A client-side ledger of every acknowledged write is then held
//! against what the restarted server reads back: no acknowledged write is
//! lost, and nothing is half-written. After each trial the store is opened
//! in process to verify the audit chain and match its records to the data.
//!
//! The data directory persists across trials: every restart recovers a
//! store that has been killed many times, the audit chain spans all the
//! crashes, and each check covers every earlier trial's writes too, so a
//! later crash that damages older data is caught.
//!
//! `SYSMAN_CHAOS_TRIALS` (default 3) sets the trials, `SYSMAN_CHAOS_SEED`
//! replays a run's choices (kill moments, load mix); `scripts/chaos-reliability`
//! runs 50 trials in release mode. The nodes are scripted here rather than
//! real agents so that each reply the server acknowledged is known: a real
//! agent's replies are covered by `server_restart.rs`.

mod harness;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use harness::{
    PATIENCE, REGION, ServerDirs, ServerProcess, all_commands, all_invocations, eventually,
    start_server,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sysman_agent::RegisterOptions;
use sysman_api::ApiError;
use sysman_api::client::Client;
use sysman_api::commands::{
    AcknowledgeMessage, Command, CommandInvocation, InvocationStatus, MessageBody, ReceiveMessages,
    SendCommand, SendReply, StepReport,
};
use sysman_api::fleet::{CreateActivation, PlatformType, UpdateInstanceInformation};
use sysman_api::parameters::{
    GetParameter, GetParameterHistory, ParameterHistory, ParameterType, PutParameter,
    parameter_resource,
};
use sysman_backend::{Backend, Options};
use tokio::sync::RwLock;
use tokio::time::Instant;

/// Trials when `SYSMAN_CHAOS_TRIALS` is not set: enough to crash a busy
/// store a few times within `cargo test`.
const TRIALS: usize = 3;
const NODES: usize = 2;
const WRITERS: usize = 4;
/// Names written at once, and the versions each gets before writers move
/// to fresh names: under the 100 versions a parameter keeps, so every
/// version ever written stays readable.
const NAMES: u64 = 32;
const VERSIONS: u64 = 90;
/// Bounds on one trial's load, whatever the kill moment.
const OPS_MAX: u64 = 20_000;
const COMMANDS_MAX: usize = 200;
/// When the kill comes after the load starts, in milliseconds.
const KILL_AFTER_MS: std::ops::Range<u64> = 100..1500;
/// What a scripted node reports: half with its progress reply, half with
/// its final one.
const FIRST_HALF: &str = "first half\n";
const SECOND_HALF: &str = "second half\n";
const COMMAND_LINE: &str = "echo chaos";

/// How far a node got with a message, by the server's acknowledgements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    /// Handed out; not acknowledged yet.
    Received,
    /// AcknowledgeMessage answered.
    Acked,
    /// The progress reply (sequence 1, `InProgress`) answered.
    Progress,
    /// The final reply (sequence 2, `Success`) answered.
    Done,
}

#[derive(Debug, Clone)]
struct Message {
    command_id: String,
    instance_id: String,
    steps: Vec<String>,
    stage: Stage,
    /// Times the server handed it out.
    receipts: u32,
    /// The restarted server knows no such message.
    unknown: bool,
}

/// The client side's record of what was sent and what the server
/// acknowledged, across all trials.
#[derive(Default, Clone)]
struct Ledger {
    types: BTreeMap<String, ParameterType>,
    /// Every value sent to each name, acknowledged or not.
    sent: HashMap<String, HashSet<String>>,
    /// Acknowledged versions and their values, by name.
    acked: BTreeMap<String, BTreeMap<i64, String>>,
    commands_sent: usize,
    /// Acknowledged commands and their targets.
    commands: BTreeMap<String, BTreeSet<String>>,
    messages: BTreeMap<String, Message>,
    /// Acknowledged AcknowledgeMessage and SendReply calls.
    replies_acked: usize,
    /// Something the server did that it should not have, seen as it happened.
    problems: Vec<String>,
}

impl Ledger {
    fn puts_acked(&self) -> usize {
        self.acked.values().map(BTreeMap::len).sum()
    }
}

/// A registered node, driven by a script instead of an agent.
#[derive(Clone)]
struct Node {
    instance_id: String,
    client: Client,
}

/// The ledger, even after a task panicked holding it: the panic fails the
/// test anyway, and the others should not add noise to it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    let text = std::env::var(name).ok()?;
    Some(
        text.parse()
            .unwrap_or_else(|_| panic!("{name}={text} is not a number")),
    )
}

fn new_seed() -> u64 {
    env_number("SYSMAN_CHAOS_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    })
}

/// The node side: finishes what it has taken (acknowledge, a progress
/// reply, the final reply), then takes more, one round at a time. It never
/// runs a message twice: a message handed out again carries on from where
/// the server's answers say it got.
async fn scripted_node(
    node: Node,
    ledger: Arc<Mutex<Ledger>>,
    gate: Arc<RwLock<()>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        let reached = {
            let _running = gate.read().await;
            node_round(&node, &ledger).await
        };
        if !reached {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One round of a scripted node; false when the server could not be reached.
async fn node_round(node: &Node, ledger: &Mutex<Ledger>) -> bool {
    let pending: Vec<(String, Stage, Vec<String>)> = lock(ledger)
        .messages
        .iter()
        .filter(|(_, m)| m.instance_id == node.instance_id && m.stage < Stage::Done && !m.unknown)
        .map(|(id, m)| (id.clone(), m.stage, m.steps.clone()))
        .collect();
    for (message_id, mut stage, steps) in pending {
        while stage < Stage::Done {
            match advance(node, &message_id, stage, &steps).await {
                Ok(next) => {
                    stage = next;
                    let mut ledger = lock(ledger);
                    ledger.replies_acked += 1;
                    if let Some(m) = ledger.messages.get_mut(&message_id) {
                        m.stage = m.stage.max(next);
                    }
                }
                Err(e) if e.is_transport() => return false,
                Err(e) => {
                    let mut ledger = lock(ledger);
                    if let Some(m) = ledger.messages.get_mut(&message_id) {
                        m.unknown = true;
                    }
                    ledger.problems.push(format!(
                        "{}: the server refused {message_id} at {stage:?}: {e}",
                        node.instance_id
                    ));
                    break;
                }
            }
        }
    }
    let received = node
        .client
        .call(&ReceiveMessages {
            instance_id: node.instance_id.clone(),
            wait_seconds: Some(1),
            max_messages: Some(10),
        })
        .await;
    let messages = match received {
        Ok(result) => result.messages,
        Err(e) if e.is_transport() => return false,
        Err(e) => {
            lock(ledger).problems.push(format!(
                "{}: ReceiveMessages refused: {e}",
                node.instance_id
            ));
            return false;
        }
    };
    let mut ledger = lock(ledger);
    for message in messages {
        let MessageBody::RunCommand {
            command_id, steps, ..
        } = message.body
        else {
            continue;
        };
        if let Some(known) = ledger.messages.get_mut(&message.message_id) {
            known.receipts += 1;
            if known.stage >= Stage::Acked {
                let problem = format!(
                    "{}: {} handed out again after it was acknowledged",
                    node.instance_id, message.message_id
                );
                ledger.problems.push(problem);
            }
            continue;
        }
        ledger.messages.insert(
            message.message_id,
            Message {
                command_id,
                instance_id: node.instance_id.clone(),
                steps: steps.into_iter().map(|s| s.name).collect(),
                stage: Stage::Received,
                receipts: 1,
                unknown: false,
            },
        );
    }
    true
}

/// Takes a message one stage further; the stage the server acknowledged.
async fn advance(
    node: &Node,
    message_id: &str,
    stage: Stage,
    steps: &[String],
) -> Result<Stage, ApiError> {
    let report = |status: &str, code: i64, stdout: &str| SendReply {
        instance_id: node.instance_id.clone(),
        message_id: message_id.to_owned(),
        sequence: if status == "InProgress" { 1 } else { 2 },
        steps: steps
            .iter()
            .map(|name| StepReport {
                name: name.clone(),
                status: status.to_owned(),
                response_code: code,
                started: None,
                finished: None,
                stdout: stdout.to_owned(),
                stderr: String::new(),
            })
            .collect(),
    };
    match stage {
        Stage::Received => {
            node.client
                .call(&AcknowledgeMessage {
                    instance_id: node.instance_id.clone(),
                    message_id: message_id.to_owned(),
                })
                .await?;
            Ok(Stage::Acked)
        }
        Stage::Acked => {
            node.client
                .call(&report("InProgress", -1, FIRST_HALF))
                .await?;
            Ok(Stage::Progress)
        }
        Stage::Progress | Stage::Done => {
            node.client.call(&report("Success", 0, SECOND_HALF)).await?;
            Ok(Stage::Done)
        }
    }
}

/// What one trial's writers share.
struct Load {
    trial: usize,
    admin: Client,
    targets: Vec<String>,
    ledger: Arc<Mutex<Ledger>>,
    /// Puts handed out, which picks each put's name.
    puts: AtomicU64,
    commands_left: AtomicUsize,
}

/// One writer: puts and sends until the server goes away or its bound is
/// reached, writing down every attempt before it and every acknowledgement
/// after it.
async fn writer(load: Arc<Load>, id: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..OPS_MAX {
        let send = rng.random_bool(0.1)
            && load
                .commands_left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok();
        let outcome = if send {
            send_command(&load).await
        } else {
            put(&load, id, &mut rng).await
        };
        match outcome {
            Ok(()) => {}
            Err(e) if e.is_transport() => return,
            Err(e) => {
                lock(&load.ledger)
                    .problems
                    .push(format!("writer {id}: refused: {e}"));
                return;
            }
        }
    }
}

async fn put(load: &Load, writer: usize, rng: &mut StdRng) -> Result<(), ApiError> {
    let n = load.puts.fetch_add(1, Ordering::Relaxed);
    let slot = n % NAMES;
    let name = format!("/chaos/t{}/g{}/n{slot}", load.trial, n / (NAMES * VERSIONS));
    let kind = if slot % 4 == 3 {
        ParameterType::SecureString
    } else {
        ParameterType::String
    };
    // Unique, so a version's value tells which put made it.
    let value = format!("w{writer}-{n}-{:08x}", rng.random::<u32>());
    {
        let mut ledger = lock(&load.ledger);
        ledger.types.insert(name.clone(), kind);
        ledger
            .sent
            .entry(name.clone())
            .or_default()
            .insert(value.clone());
    }
    let result = load
        .admin
        .call(&PutParameter {
            name: name.clone(),
            value: value.clone(),
            r#type: Some(kind.as_str().to_owned()),
            overwrite: Some(true),
            ..PutParameter::default()
        })
        .await?;
    let mut ledger = lock(&load.ledger);
    let versions = ledger.acked.entry(name.clone()).or_default();
    if let Some(earlier) = versions.insert(result.version, value.clone()) {
        let problem = format!(
            "{name} version {} acknowledged twice: {earlier} and {value}",
            result.version
        );
        ledger.problems.push(problem);
    }
    Ok(())
}

async fn send_command(load: &Load) -> Result<(), ApiError> {
    lock(&load.ledger).commands_sent += 1;
    let sent = load
        .admin
        .call(&SendCommand {
            instance_ids: Some(load.targets.clone()),
            document_name: "AWS-RunShellScript".into(),
            parameters: Some([("commands".to_owned(), vec![COMMAND_LINE.to_owned()])].into()),
            ..SendCommand::default()
        })
        .await?;
    let command = sent.command;
    let mut ledger = lock(&load.ledger);
    if command.target_count != load.targets.len() as i64 {
        let problem = format!(
            "{} acknowledged with {} targets",
            command.command_id, command.target_count
        );
        ledger.problems.push(problem);
    }
    ledger
        .commands
        .insert(command.command_id, load.targets.iter().cloned().collect());
    Ok(())
}

/// What a check of the store against the ledger found.
#[derive(Debug, Default)]
struct Findings {
    /// Acknowledged writes the store does not have as acknowledged.
    lost: Vec<String>,
    /// Anything else out of place: half-written or never-sent data.
    broken: Vec<String>,
    /// Versions by parameter name, as the store has them.
    versions: BTreeMap<String, usize>,
    commands: usize,
    invocations: usize,
}

async fn history(admin: &Client, name: &str) -> Result<Vec<ParameterHistory>, ApiError> {
    let mut out = Vec::new();
    let mut next_token = None;
    loop {
        let page = admin
            .call(&GetParameterHistory {
                name: name.to_owned(),
                with_decryption: Some(true),
                max_results: Some(50),
                next_token,
            })
            .await?;
        out.extend(page.parameters);
        match page.next_token {
            Some(token) => next_token = Some(token),
            None => return Ok(out),
        }
    }
}

/// Holds everything the server reads back against the ledger.
async fn check_store(admin: &Client, ledger: &Ledger) -> Findings {
    let mut f = Findings::default();
    check_parameters(admin, ledger, &mut f).await;
    check_commands(admin, ledger, &mut f).await;
    f
}

async fn check_parameters(admin: &Client, ledger: &Ledger, f: &mut Findings) {
    for (name, sent) in &ledger.sent {
        let acked = ledger.acked.get(name);
        let kept = match history(admin, name).await {
            Ok(kept) => kept,
            Err(e) if e.code == "ParameterNotFound" => Vec::new(),
            Err(e) => panic!("GetParameterHistory {name}: {e}"),
        };
        f.versions.insert(name.clone(), kept.len());
        let by_version: BTreeMap<i64, &ParameterHistory> =
            kept.iter().map(|p| (p.version, p)).collect();
        for (version, value) in acked.into_iter().flatten() {
            match by_version.get(version) {
                None => f
                    .lost
                    .push(format!("{name} version {version} ({value}) is gone")),
                Some(p) if p.value != *value => f.lost.push(format!(
                    "{name} version {version} reads {:?}, acknowledged as {value:?}",
                    p.value
                )),
                Some(_) => {}
            }
        }
        // Versions 1..=n, each a whole put someone made, each put once.
        let expected: Vec<i64> = (1..=kept.len() as i64).collect();
        let versions: Vec<i64> = by_version.keys().copied().collect();
        if versions != expected || by_version.len() != kept.len() {
            f.broken.push(format!(
                "{name} has versions {versions:?}, not 1..={}",
                kept.len()
            ));
        }
        let mut values = HashSet::new();
        for p in &kept {
            if !sent.contains(&p.value) {
                f.broken.push(format!(
                    "{name} version {} holds {:?}, which nobody sent",
                    p.version, p.value
                ));
            }
            if !values.insert(&p.value) {
                f.broken
                    .push(format!("{name} holds {:?} in two versions", p.value));
            }
            if Some(&p.r#type) != ledger.types.get(name) {
                f.broken
                    .push(format!("{name} version {} is a {:?}", p.version, p.r#type));
            }
        }
        // The latest as GetParameter sees it is the history's last.
        let latest = admin
            .call(&GetParameter {
                name: name.clone(),
                with_decryption: Some(true),
            })
            .await;
        match (latest, kept.last()) {
            (Ok(got), Some(last)) => {
                if (got.parameter.version, &got.parameter.value) != (last.version, &last.value) {
                    f.broken.push(format!(
                        "{name}: GetParameter reads version {} {:?}, the history ends at {} {:?}",
                        got.parameter.version, got.parameter.value, last.version, last.value
                    ));
                }
            }
            (Err(e), None) if e.code == "ParameterNotFound" => {}
            (got, last) => f.broken.push(format!(
                "{name}: GetParameter gives {got:?} but the history ends with {last:?}"
            )),
        }
    }
}

async fn check_commands(admin: &Client, ledger: &Ledger, f: &mut Findings) {
    let commands: BTreeMap<String, Command> = all_commands(admin)
        .await
        .into_iter()
        .map(|c| (c.command_id.clone(), c))
        .collect();
    let mut invocations: BTreeMap<String, BTreeMap<String, CommandInvocation>> = BTreeMap::new();
    for inv in all_invocations(admin).await {
        invocations
            .entry(inv.command_id.clone())
            .or_default()
            .insert(inv.instance_id.clone(), inv);
    }
    f.commands = commands.len();
    f.invocations = invocations.values().map(BTreeMap::len).sum();
    if commands.len() > ledger.commands_sent {
        f.broken.push(format!(
            "{} commands stored, {} sent",
            commands.len(),
            ledger.commands_sent
        ));
    }
    for (id, targets) in &ledger.commands {
        if !commands.contains_key(id) {
            f.lost.push(format!("command {id} is gone"));
        }
        let stored: BTreeSet<String> = invocations
            .get(id)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        if stored != *targets {
            f.lost.push(format!(
                "command {id} has invocations on {stored:?}, not {targets:?}"
            ));
        }
    }
    // Every stored command whole, acknowledged or not.
    for (id, command) in &commands {
        let mine = invocations.get(id);
        let count = mine.map_or(0, BTreeMap::len);
        if count as i64 != command.target_count {
            f.broken.push(format!(
                "command {id} targets {} nodes and has {count} invocations",
                command.target_count
            ));
        }
        if command.parameters.get("commands") != Some(&vec![COMMAND_LINE.to_owned()]) {
            f.broken.push(format!(
                "command {id} has parameters {:?}",
                command.parameters
            ));
        }
        let ended = mine
            .into_iter()
            .flat_map(BTreeMap::values)
            .filter(|i| i.status.is_terminal())
            .count();
        if command.completed_count != ended as i64 {
            f.broken.push(format!(
                "command {id} counts {} completed, its invocations {ended}",
                command.completed_count
            ));
        }
    }
    for (command_id, mine) in &invocations {
        if !commands.contains_key(command_id) {
            f.broken
                .push(format!("invocations of {command_id}, which is not stored"));
        }
        for inv in mine.values() {
            let output = inv
                .command_plugins
                .first()
                .map_or("", |p| p.output.as_str());
            let whole = format!("{FIRST_HALF}{SECOND_HALF}");
            let fits = match inv.status {
                InvocationStatus::Success => output == whole,
                InvocationStatus::InProgress => output.is_empty() || output == FIRST_HALF,
                InvocationStatus::Pending | InvocationStatus::Delayed => output.is_empty(),
                _ => false,
            };
            if !fits {
                f.broken.push(format!(
                    "{command_id} on {} is {:?} with output {output:?}",
                    inv.instance_id, inv.status
                ));
            }
        }
    }
    // The effect of every reply the server acknowledged.
    for (message_id, m) in &ledger.messages {
        if m.stage < Stage::Acked || m.unknown {
            continue;
        }
        let Some(inv) = invocations
            .get(&m.command_id)
            .and_then(|mine| mine.get(&m.instance_id))
        else {
            f.lost.push(format!(
                "{message_id} was acknowledged; its invocation is gone"
            ));
            continue;
        };
        let output = inv
            .command_plugins
            .first()
            .map_or("", |p| p.output.as_str());
        let kept = match m.stage {
            Stage::Received => true,
            Stage::Acked => !matches!(
                inv.status,
                InvocationStatus::Pending | InvocationStatus::Delayed
            ),
            Stage::Progress => output.starts_with(FIRST_HALF),
            Stage::Done => inv.status == InvocationStatus::Success,
        };
        if !kept {
            f.lost.push(format!(
                "{message_id} was acknowledged at {:?}; the invocation is {:?} with {output:?}",
                m.stage, inv.status
            ));
        }
    }
}

/// Opens the stopped server's store in process: the audit chain holds, and
/// every committed put and command has its audit record, once.
async fn check_audit(dirs: &ServerDirs, f: &mut Findings) -> u64 {
    let backend = Backend::open(&dirs.data_dir, Options::default()).expect("open the store");
    let chain = backend
        .verify_audit_chain()
        .await
        .expect("verify the chain");
    let records = backend.audit_records().await.expect("read the audit trail");
    drop(backend);
    let verified = match chain {
        Ok(n) => n,
        Err(seq) => {
            f.broken
                .push(format!("the audit chain breaks at record {seq}"));
            0
        }
    };
    let mut puts: HashMap<&str, usize> = HashMap::new();
    let mut sends = 0;
    for r in &records {
        if r.outcome != "Success" {
            continue;
        }
        match r.operation.as_str() {
            "PutParameter" => *puts.entry(r.resource.as_str()).or_default() += 1,
            "SendCommand" => sends += 1,
            _ => {}
        }
    }
    for (name, versions) in &f.versions {
        let audited = puts.get(parameter_resource(name).as_str()).copied();
        if audited.unwrap_or(0) != *versions {
            f.broken.push(format!(
                "{name}: {versions} versions stored, {audited:?} puts audited"
            ));
        }
    }
    if sends != f.commands {
        f.broken.push(format!(
            "{} commands stored, {sends} SendCommand calls audited",
            f.commands
        ));
    }
    verified
}

async fn register_nodes(
    admin: &Client,
    server: &ServerProcess,
    dir: &std::path::Path,
) -> Vec<Node> {
    let activation = admin
        .call(&CreateActivation {
            iam_role: "SSMServiceRole".into(),
            registration_limit: Some(NODES as i64),
            ..CreateActivation::default()
        })
        .await
        .unwrap();
    let mut nodes = Vec::new();
    for i in 0..NODES {
        let registration = sysman_agent::register(&RegisterOptions {
            endpoint: server.endpoint(),
            activation_id: activation.activation_id.clone(),
            activation_code: activation.activation_code.clone(),
            region: REGION.into(),
            state_dir: dir.join(format!("node-{i}")),
            force: false,
            ca_file: None,
        })
        .await
        .unwrap();
        let client = registration.client().unwrap();
        // A Linux node, so AWS-RunShellScript has a step for it.
        client
            .call(&UpdateInstanceInformation {
                instance_id: registration.instance_id.clone(),
                agent_version: Some("3.3.0.0".into()),
                platform_type: Some(PlatformType::Linux),
                platform_name: Some("Debian GNU/Linux".into()),
                platform_version: Some("13".into()),
                ip_address: None,
                computer_name: Some(format!("chaos-{i}")),
            })
            .await
            .unwrap();
        nodes.push(Node {
            instance_id: registration.instance_id,
            client,
        });
    }
    nodes
}

/// Prints what was found and fails if anything is out of place.
fn conclude(seed: u64, trial: &str, f: &Findings, ledger: &Ledger) {
    let mut all: Vec<&String> = f.lost.iter().chain(&f.broken).collect();
    all.extend(&ledger.problems);
    if !all.is_empty() {
        let shown: Vec<&str> = all.iter().take(40).map(|s| s.as_str()).collect();
        panic!(
            "{trial}: {} lost, {} broken, {} problems (seed {seed}; replay with \
             SYSMAN_CHAOS_SEED={seed}):\n{}",
            f.lost.len(),
            f.broken.len(),
            ledger.problems.len(),
            shown.join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_whole() {
    let trials: usize = env_number("SYSMAN_CHAOS_TRIALS").unwrap_or(TRIALS);
    let seed = new_seed();
    println!("chaos-kill9: seed {seed} (replay with SYSMAN_CHAOS_SEED={seed}), {trials} trials");
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();

    let dir = tempfile::tempdir().unwrap();
    let dirs = ServerDirs::new(dir.path());
    let mut server = start_server(&dirs, None, "first").await;
    let port = server.port;
    let nodes = register_nodes(&dirs.admin(&server), &server, dir.path()).await;
    let targets: Vec<String> = nodes.iter().map(|n| n.instance_id.clone()).collect();

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let gate = Arc::new(RwLock::new(()));
    let stop = Arc::new(AtomicBool::new(false));
    let scripted: Vec<_> = nodes
        .iter()
        .map(|n| {
            tokio::spawn(scripted_node(
                n.clone(),
                Arc::clone(&ledger),
                Arc::clone(&gate),
                Arc::clone(&stop),
            ))
        })
        .collect();

    let mut kill_moments = Vec::new();
    for trial in 0..trials {
        if trial > 0 {
            server = start_server(&dirs, Some(port), &format!("t{trial}")).await;
        }
        let load = Arc::new(Load {
            trial,
            admin: dirs.admin(&server),
            targets: targets.clone(),
            ledger: Arc::clone(&ledger),
            puts: AtomicU64::new(0),
            commands_left: AtomicUsize::new(COMMANDS_MAX),
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|id| tokio::spawn(writer(Arc::clone(&load), id, rng.random())))
            .collect();
        let kill_after = Duration::from_millis(rng.random_range(KILL_AFTER_MS));
        tokio::time::sleep(kill_after).await;
        server.kill();
        kill_moments.push(kill_after);
        for w in writers {
            tokio::time::timeout(PATIENCE, w)
                .await
                .expect("a writer outlived the server")
                .unwrap();
        }
        // The nodes wait while the restarted server is checked.
        let paused = tokio::time::timeout(PATIENCE, gate.write())
            .await
            .expect("a scripted node did not stop");
        server = start_server(&dirs, Some(port), &format!("t{trial}-restarted")).await;
        let admin = dirs.admin(&server);
        let mut found = {
            // Nothing writes to it while the nodes wait.
            let snapshot = lock(&ledger).clone();
            check_store(&admin, &snapshot).await
        };
        server.kill();
        check_audit(&dirs, &mut found).await;
        conclude(seed, &format!("trial {trial}"), &found, &lock(&ledger));
        drop(paused);
    }

    // The nodes finish everything the server has for them.
    server = start_server(&dirs, Some(port), "last").await;
    let admin = dirs.admin(&server);
    eventually(
        Duration::from_secs(60),
        "every invocation to end",
        || async {
            let open = all_invocations(&admin)
                .await
                .into_iter()
                .filter(|i| i.status != InvocationStatus::Success)
                .count();
            (open == 0).then_some(())
        },
    )
    .await;
    let paused = gate.write().await;
    stop.store(true, Ordering::Relaxed);
    let snapshot = lock(&ledger).clone();
    let mut found = check_store(&admin, &snapshot).await;
    server.kill();
    let audit_records = check_audit(&dirs, &mut found).await;
    drop(paused);
    for s in scripted {
        tokio::time::timeout(PATIENCE, s).await.unwrap().unwrap();
    }
    let ledger = lock(&ledger);
    conclude(seed, "the end", &found, &ledger);
    let redelivered = ledger.messages.values().filter(|m| m.receipts > 1).count();
    assert!(
        ledger.messages.values().all(|m| m.stage == Stage::Done),
        "a message was left unfinished"
    );
    let puts = ledger.puts_acked();
    let commands = ledger.commands.len();
    let replies = ledger.replies_acked;
    println!(
        "chaos-kill9: seed={seed} trials={trials} acked_writes={} acked_puts={puts} \
         acked_commands={commands} acked_replies={replies} lost=0 half_written=0 \
         parameters={} commands_stored={} invocations={} messages={} \
         handed_out_again_before_ack={redelivered} audit_records={audit_records} \
         kill_after_ms={:?} seconds={:.1}",
        puts + commands + replies,
        found.versions.len(),
        found.commands,
        found.invocations,
        ledger.messages.len(),
        kill_moments
            .iter()
            .map(Duration::as_millis)
            .collect::<Vec<_>>(),
        started.elapsed().as_secs_f64(),
    );
}
