//! The node simulator: a deterministic fleet of simulated agents.
//!
//! [`FleetSpec`] describes a fleet; [`FleetSpec::nodes`] expands it into
//! node descriptions, the same ones byte for byte for the same spec. A
//! [`Simulator`] then registers each node through an activation exactly as a
//! real agent would, through the gate, and heartbeats on the backend's
//! clock. A flaky share of nodes falls silent now and then (their status
//! decays to ConnectionLost) and comes back. Nodes take Run Command's
//! messages from the node channel, run them in a simulated shell with
//! realistic output, and reply; a silent node never picks up its mail.

mod agent;
pub mod patches;
mod patching;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use sysman_api::fleet::{
    CreateActivation, ListNodes, PlatformType, RegisterNode, UpdateInstanceInformation,
};
use sysman_api::{ApiError, Tag, Timestamp};

use crate::fleet::LATEST_AGENT_VERSION;
use crate::{Backend, Caller};

pub use sysman_simshell::SimPlatform;

/// The family a PatchGroup tag names: `windows`, `macos` or `linux`.
fn family(platform: SimPlatform) -> &'static str {
    match platform.platform_type() {
        PlatformType::Windows => "windows",
        PlatformType::MacOS => "macos",
        PlatformType::Linux => "linux",
    }
}

/// Which tags simulated nodes carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TagScheme {
    /// Environment (prod/staging/dev), Role (web/api/db/...) and PatchGroup
    /// (`prod-linux`, ...).
    Standard,
    /// No tags at all.
    None,
}

/// A fleet to simulate. The same spec always gives the same fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetSpec {
    pub nodes: usize,
    pub seed: u64,
    /// Platforms and their relative weights.
    pub platform_mix: Vec<(SimPlatform, u32)>,
    pub tag_scheme: TagScheme,
    /// Share of nodes (0.0–1.0) that lose their connection now and then.
    pub flakiness: f64,
    /// How long a node takes to pick up its mail, in milliseconds: a
    /// per-pickup draw from this range.
    #[serde(default = "default_pickup_ms")]
    pub pickup_ms: (u64, u64),
    /// Share of nodes (0.0–1.0) on which every command fails (a full disk).
    #[serde(default)]
    pub command_failure_rate: f64,
    /// Share of nodes (0.0–1.0) on which patch installs fail now and then.
    #[serde(default)]
    pub patch_failure_rate: f64,
    /// How long a patch scan takes, in milliseconds: a draw per scan.
    #[serde(default = "default_scan_ms")]
    pub scan_ms: (u64, u64),
    /// How long a patch install takes, in milliseconds.
    #[serde(default = "default_install_ms")]
    pub install_ms: (u64, u64),
}

// A package database read; a handful of package updates. Reboots take
// another 45-150 s.
fn default_scan_ms() -> (u64, u64) {
    (10_000, 40_000)
}

fn default_install_ms() -> (u64, u64) {
    (30_000, 120_000)
}

fn default_pickup_ms() -> (u64, u64) {
    (50, 400)
}

impl FleetSpec {
    /// A fleet of `nodes` with a realistic mix, standard tags and 5% flaky nodes.
    pub fn new(nodes: usize, seed: u64) -> Self {
        Self {
            nodes,
            seed,
            platform_mix: vec![
                (SimPlatform::AmazonLinux2023, 30),
                (SimPlatform::Ubuntu2204, 18),
                (SimPlatform::Ubuntu2404, 16),
                (SimPlatform::Rhel9, 10),
                (SimPlatform::Debian12, 8),
                (SimPlatform::WindowsServer2019, 6),
                (SimPlatform::WindowsServer2022, 9),
                (SimPlatform::MacOs14, 3),
            ],
            tag_scheme: TagScheme::Standard,
            flakiness: 0.05,
            pickup_ms: default_pickup_ms(),
            command_failure_rate: 0.0,
            patch_failure_rate: 0.03,
            scan_ms: default_scan_ms(),
            install_ms: default_install_ms(),
        }
    }

    /// Whether commands always fail on the node at `index`: drawn apart from
    /// the fleet's own draws, so the same seed gives the same fleet whatever
    /// the failure rate.
    fn fails_commands(&self, index: usize) -> bool {
        self.draw(index, 0xC0DE_FA11, self.command_failure_rate)
    }

    /// Whether patch installs fail now and then on the node at `index`.
    fn fails_installs(&self, index: usize) -> bool {
        self.draw(index, 0x0BAD_9A7C, self.patch_failure_rate)
    }

    /// A per-node draw with `rate`, apart from the fleet's own draws.
    fn draw(&self, index: usize, salt: u64, rate: f64) -> bool {
        if rate <= 0.0 {
            return false;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(
            self.seed ^ salt ^ (index as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        rng.random_bool(rate.clamp(0.0, 1.0))
    }

    /// Expands the spec into node descriptions, deterministically.
    pub fn expand(&self) -> Vec<SimNodeSpec> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let total_weight: u32 = self.platform_mix.iter().map(|(_, w)| w).sum();
        let mut counters: BTreeMap<String, usize> = BTreeMap::new();
        (0..self.nodes)
            .map(|index| {
                let platform = pick_weighted(&mut rng, &self.platform_mix, total_weight)
                    .unwrap_or(SimPlatform::AmazonLinux2023);
                let env = pick_weighted(&mut rng, ENVIRONMENTS, 100).unwrap_or("dev");
                let role = pick_weighted(&mut rng, ROLES, ROLE_WEIGHT).unwrap_or("web");
                let agent_version = if rng.random_bool(0.8) {
                    LATEST_AGENT_VERSION
                } else {
                    OUTDATED_AGENTS[rng.random_range(0..OUTDATED_AGENTS.len())]
                };
                let flaky = rng.random_bool(self.flakiness.clamp(0.0, 1.0));
                let n = counters.entry(format!("{role}-{env}")).or_insert(0);
                *n += 1;
                let computer_name = match platform.platform_type() {
                    PlatformType::Windows => {
                        format!(
                            "WIN-{}{}-{:03}",
                            role.to_uppercase(),
                            &env[..1].to_uppercase(),
                            n
                        )
                    }
                    PlatformType::MacOS => format!("mac-{role}-{env}-{n:02}"),
                    PlatformType::Linux => format!("{role}-{env}-{n:03}"),
                };
                let env_octet = match env {
                    "prod" => 10,
                    "staging" => 20,
                    _ => 30,
                };
                let ip_address =
                    format!("10.{env_octet}.{}.{}", (index / 250) % 256, index % 250 + 4);
                let tags = match self.tag_scheme {
                    TagScheme::Standard => vec![
                        Tag::new("Environment", env),
                        Tag::new("PatchGroup", format!("{env}-{}", family(platform))),
                        Tag::new("Role", role),
                    ],
                    TagScheme::None => Vec::new(),
                };
                SimNodeSpec {
                    index,
                    computer_name,
                    ip_address,
                    platform,
                    agent_version: agent_version.to_owned(),
                    tags,
                    flaky,
                }
            })
            .collect()
    }
}

const ENVIRONMENTS: &[(&str, u32)] = &[("prod", 50), ("staging", 25), ("dev", 25)];
const ROLES: &[(&str, u32)] = &[
    ("web", 25),
    ("api", 20),
    ("db", 10),
    ("cache", 10),
    ("batch", 10),
    ("queue", 8),
    ("build", 7),
    ("monitor", 10),
];
const ROLE_WEIGHT: u32 = 100;
const OUTDATED_AGENTS: &[&str] = &["3.3.1345.0", "3.2.2303.0", "3.1.1732.0"];

fn pick_weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)], total: u32) -> Option<T> {
    if total == 0 {
        return None;
    }
    let mut roll = rng.random_range(0..total);
    for (item, weight) in items {
        if roll < *weight {
            return Some(*item);
        }
        roll -= weight;
    }
    None
}

/// One simulated node, before it registers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimNodeSpec {
    pub index: usize,
    pub computer_name: String,
    pub ip_address: String,
    pub platform: SimPlatform,
    pub agent_version: String,
    pub tags: Vec<Tag>,
    pub flaky: bool,
}

/// A registered simulated node and its heartbeat plan.
struct SimNode {
    spec: SimNodeSpec,
    instance_id: String,
    rng: ChaCha8Rng,
    /// Silent until then, if in an outage.
    silent_until: Option<Timestamp>,
    /// Every command fails on this node.
    failing: bool,
    /// Mail waits that the node has not looked at yet.
    has_mail: bool,
    /// A look at the mailbox is planned.
    poll_planned: bool,
    /// Commands running, by command id: the job that replies.
    running: HashMap<String, u64>,
    /// Patch installs fail now and then on this node.
    installs_fail: bool,
    /// Its packages and what it installed.
    patching: patching::PatchMemory,
}

/// Something a node does at a time of its own: look at its mail, or reply.
enum Job {
    Poll(usize),
    Reply(usize, agent::PendingReply),
    Patch(usize, patching::PatchJob),
}

/// How many registrations are in flight at once; they share commits.
const REGISTER_CONCURRENCY: usize = 2000;
/// How many polls and replies go out at once.
const JOB_BATCH: usize = 2000;

/// A running simulated fleet.
pub struct Simulator {
    backend: Backend,
    nodes: Vec<SimNode>,
    /// Next heartbeat of each node, soonest first.
    due: BinaryHeap<Reverse<(Timestamp, usize)>>,
    /// Polls and replies, soonest first, by job number.
    jobs: BinaryHeap<Reverse<(Timestamp, u64)>>,
    job_list: HashMap<u64, Job>,
    next_job: u64,
    by_id: HashMap<String, usize>,
    mail: Option<tokio::sync::mpsc::UnboundedReceiver<String>>,
    spec: FleetSpec,
    /// Draws of pickup latency.
    rng: ChaCha8Rng,
    /// The patches the nodes' packages come from.
    catalogue: Arc<crate::Catalogue>,
    /// When the fleet's software stood as `NodePackages::generate` makes
    /// it: when its first node registered, so a restart finds it the same.
    anchor: Timestamp,
}

impl SimNode {
    fn new(spec: SimNodeSpec, instance_id: String, rng: ChaCha8Rng, fleet: &FleetSpec) -> Self {
        SimNode {
            failing: fleet.fails_commands(spec.index),
            installs_fail: fleet.fails_installs(spec.index),
            patching: patching::PatchMemory::default(),
            spec,
            instance_id,
            rng,
            silent_until: None,
            has_mail: false,
            poll_planned: false,
            running: HashMap::new(),
        }
    }
}

impl Simulator {
    /// Registers the spec's nodes that are not registered yet (a node is
    /// recognised by its computer name, as an agent recognises its own
    /// registration on disk) and plans their heartbeats.
    pub async fn start(backend: Backend, spec: &FleetSpec) -> Result<Simulator, ApiError> {
        let admin = Caller::admin("simulator");
        let mut known: BTreeMap<String, String> = BTreeMap::new();
        let mut first_registered: Option<Timestamp> = None;
        let mut token = None;
        loop {
            let page = backend
                .call(
                    &admin,
                    ListNodes {
                        max_results: Some(5000),
                        next_token: token.take(),
                    },
                )
                .await?;
            for node in page.nodes {
                if let Some(at) = node.info.registration_date {
                    first_registered = Some(first_registered.map_or(at, |f| f.min(at)));
                }
                if let Some(name) = node.info.computer_name {
                    known.insert(name, node.info.instance_id);
                }
            }
            match page.next_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }

        let specs = spec.expand();
        let mut nodes = Vec::with_capacity(specs.len());
        let mut missing = Vec::new();
        for node_spec in specs {
            let rng = ChaCha8Rng::seed_from_u64(
                spec.seed ^ (node_spec.index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            match known.get(&node_spec.computer_name) {
                Some(id) => nodes.push(SimNode::new(node_spec, id.clone(), rng, spec)),
                None => missing.push((node_spec, rng)),
            }
        }
        nodes.extend(register(&backend, &admin, spec, missing).await?);
        nodes.sort_by_key(|n| n.spec.index);

        let now = backend.now();
        let interval_ms = backend.fleet_config().heartbeat_interval.as_millis() as i64;
        let mut due = BinaryHeap::with_capacity(nodes.len());
        for (slot, node) in nodes.iter_mut().enumerate() {
            let phase = node.rng.random_range(0..interval_ms.max(1));
            due.push(Reverse((now.plus_millis(phase), slot)));
        }
        let by_id = nodes
            .iter()
            .enumerate()
            .map(|(slot, n)| (n.instance_id.clone(), slot))
            .collect();
        let mail = Some(backend.watch_mail());
        let anchor = first_registered.unwrap_or(now);
        let catalogue = Arc::new(patches::generate_catalogue(spec.seed, anchor));
        backend.set_patch_catalogue(catalogue.clone());
        let mut sim = Simulator {
            backend,
            nodes,
            due,
            jobs: BinaryHeap::new(),
            job_list: HashMap::new(),
            next_job: 0,
            by_id,
            mail,
            spec: spec.clone(),
            rng: ChaCha8Rng::seed_from_u64(spec.seed ^ 0x5EED_0FA1),
            catalogue,
            anchor,
        };
        // Mail sent before the simulator started (or before a restart)
        // waits: each such node looks at its next heartbeat.
        for id in sim.backend.nodes_with_mail() {
            if let Some(&slot) = sim.by_id.get(&id) {
                sim.nodes[slot].has_mail = true;
            }
        }
        Ok(sim)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Instance ids of the simulated nodes, in spec order.
    pub fn instance_ids(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| n.instance_id.as_str())
    }

    /// When the next heartbeat, poll or reply is due.
    pub fn next_due(&self) -> Option<Timestamp> {
        let heartbeat = self.due.peek().map(|Reverse((at, _))| *at);
        let job = self.jobs.peek().map(|Reverse((at, _))| *at);
        match (heartbeat, job) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn plan(&mut self, at: Timestamp, job: Job) -> u64 {
        let number = self.next_job;
        self.next_job += 1;
        self.jobs.push(Reverse((at, number)));
        self.job_list.insert(number, job);
        number
    }

    /// Plans a look at the mailbox of the node in `slot`, after its pickup
    /// latency, unless one is planned or the node is silent.
    fn plan_poll(&mut self, slot: usize, now: Timestamp) {
        let node = &mut self.nodes[slot];
        node.has_mail = true;
        if node.poll_planned || node.silent_until.is_some_and(|end| now < end) {
            return;
        }
        node.poll_planned = true;
        let (low, high) = self.spec.pickup_ms;
        let wait = self.rng.random_range(low.min(high)..=high.max(low));
        self.plan(now.plus_millis(wait as i64), Job::Poll(slot));
    }

    /// Takes the news of mail that arrived since the last look.
    fn take_mail(&mut self, now: Timestamp) {
        let Some(mut mail) = self.mail.take() else {
            return;
        };
        while let Ok(id) = mail.try_recv() {
            self.on_mail(&id, now);
        }
        self.mail = Some(mail);
    }

    /// Mail arrived for `id`: if it is one of ours, it looks soon.
    fn on_mail(&mut self, id: &str, now: Timestamp) {
        if let Some(&slot) = self.by_id.get(id) {
            self.plan_poll(slot, now);
        }
    }

    /// Sends every heartbeat, poll and reply due at or before `until`, in
    /// time order. Returns how many heartbeats were sent.
    pub async fn step_until(&mut self, until: Timestamp) -> Result<usize, ApiError> {
        self.take_mail(self.backend.now());
        let config = self.backend.fleet_config().clone();
        let interval_ms = config.heartbeat_interval.as_millis() as i64;
        let lost_ms = interval_ms * i64::from(config.missed_heartbeats.max(1));
        let mut sent = 0;
        loop {
            let heartbeat = self.due.peek().map(|Reverse(entry)| *entry);
            let job = self.jobs.peek().map(|Reverse(entry)| *entry);
            match (heartbeat, job) {
                (_, Some((at, _))) if at <= until && heartbeat.is_none_or(|h| at <= h.0) => {
                    // Every job due before the next heartbeat, at once: real
                    // agents do not wait for each other.
                    let horizon = heartbeat.map_or(until, |h| h.0.min(until));
                    let mut batch = Vec::new();
                    while let Some(Reverse((at, number))) = self.jobs.peek().copied() {
                        if at > horizon || batch.len() >= JOB_BATCH {
                            break;
                        }
                        self.jobs.pop();
                        batch.push((number, at));
                    }
                    self.run_jobs(batch).await?;
                }
                (Some((at, slot)), _) if at <= until => {
                    self.due.pop();
                    sent += self.heartbeat(slot, at, interval_ms, lost_ms).await?;
                }
                _ => break,
            }
            // Replies and dispatches send mail to the next nodes.
            self.take_mail(until);
        }
        Ok(sent)
    }

    async fn heartbeat(
        &mut self,
        slot: usize,
        at: Timestamp,
        interval_ms: i64,
        lost_ms: i64,
    ) -> Result<usize, ApiError> {
        let node = &mut self.nodes[slot];
        let next = at.plus_millis(interval_ms);
        if node.silent_until.is_some_and(|end| at < end) {
            self.due.push(Reverse((next, slot)));
            return Ok(0);
        }
        node.silent_until = None;
        // A flaky node may fall silent for long enough to be noticed.
        if node.spec.flaky && node.rng.random_bool(0.08) {
            let outage = node.rng.random_range(lost_ms + interval_ms..=lost_ms * 4);
            node.silent_until = Some(at.plus_millis(outage));
            self.due.push(Reverse((next, slot)));
            return Ok(0);
        }
        let heartbeat = UpdateInstanceInformation {
            instance_id: node.instance_id.clone(),
            agent_version: Some(node.spec.agent_version.clone()),
            ip_address: Some(node.spec.ip_address.clone()),
            computer_name: Some(node.spec.computer_name.clone()),
            ..UpdateInstanceInformation::default()
        };
        let has_mail = node.has_mail;
        match self
            .backend
            .call(&Caller::node(node.instance_id.clone()), heartbeat)
            .await
        {
            Ok(_) => {}
            // Deregistered behind the simulator's back: it stays quiet.
            Err(e) if e.code == "InvalidInstanceId" => return Ok(0),
            Err(e) => return Err(e),
        }
        self.due.push(Reverse((next, slot)));
        // Back from an outage (or just started): look at the mail.
        if has_mail {
            self.plan_poll(slot, at);
        }
        Ok(1)
    }

    /// Runs a batch of jobs: their calls go out together, their results are
    /// booked in order.
    async fn run_jobs(&mut self, batch: Vec<(u64, Timestamp)>) -> Result<(), ApiError> {
        let mut polls = Vec::new();
        let mut replies = Vec::new();
        let mut patch_jobs = Vec::new();
        for (number, at) in batch {
            match self.job_list.remove(&number) {
                Some(Job::Poll(slot)) => {
                    let node = &mut self.nodes[slot];
                    node.poll_planned = false;
                    if node.silent_until.is_some_and(|end| at < end) {
                        continue;
                    }
                    node.has_mail = false;
                    polls.push((slot, at));
                }
                Some(Job::Reply(slot, pending)) => {
                    self.nodes[slot].running.remove(&pending.command_id);
                    replies.push((slot, pending.reply));
                }
                Some(Job::Patch(slot, job)) => {
                    self.nodes[slot].running.remove(&job.command_id);
                    patch_jobs.push((slot, job, at));
                }
                None => {}
            }
        }
        let seed = self.spec.seed;
        let looks = polls.iter().map(|&(slot, at)| {
            let node = &self.nodes[slot];
            agent::poll(
                &self.backend,
                &node.instance_id,
                &node.spec,
                seed,
                node.failing,
                at,
            )
        });
        let results = futures_util::future::join_all(looks).await;
        for ((slot, at), result) in polls.into_iter().zip(results) {
            let work = match result {
                Ok(work) => work,
                Err(e) if e.code == "InvalidInstanceId" => continue,
                Err(e) => return Err(e),
            };
            for item in work {
                match item {
                    agent::Work::Finish { at: done, reply } => {
                        let command_id = reply.command_id.clone();
                        let job = self.plan(done, Job::Reply(slot, reply));
                        self.nodes[slot].running.insert(command_id, job);
                    }
                    agent::Work::Cancel { command_id } => {
                        let Some(job) = self.nodes[slot].running.remove(&command_id) else {
                            continue;
                        };
                        match self.job_list.remove(&job) {
                            Some(Job::Reply(_, pending)) => {
                                replies.push((slot, agent::cancelled(pending, at)));
                            }
                            Some(Job::Patch(_, patch)) => {
                                replies.push((
                                    slot,
                                    patching::cancelled(&patch, &self.nodes[slot].instance_id, at),
                                ));
                            }
                            _ => {}
                        }
                    }
                    agent::Work::Patch(job) => {
                        let command_id = job.command_id.clone();
                        let (low, high) = if job.install {
                            self.spec.install_ms
                        } else {
                            self.spec.scan_ms
                        };
                        let took = self.nodes[slot]
                            .rng
                            .random_range(low.min(high)..=high.max(low));
                        let number = self.plan(at.plus_millis(took as i64), Job::Patch(slot, job));
                        self.nodes[slot].running.insert(command_id, number);
                    }
                }
            }
        }
        replies.extend(self.run_patch_jobs(patch_jobs).await?);
        let sends = replies
            .into_iter()
            .map(|(slot, reply)| self.reply(slot, reply));
        for result in futures_util::future::join_all(sends).await {
            result?;
        }
        Ok(())
    }

    /// Runs patch operations that finish now, many nodes at once, and
    /// returns their replies. A node that reboots falls silent meanwhile.
    async fn run_patch_jobs(
        &mut self,
        jobs: Vec<(usize, patching::PatchJob, Timestamp)>,
    ) -> Result<Vec<(usize, sysman_api::commands::SendReply)>, ApiError> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        let mut runs = Vec::with_capacity(jobs.len());
        for (slot, job, at) in jobs {
            let node = &mut self.nodes[slot];
            let mut memory = std::mem::take(&mut node.patching);
            if memory.packages.is_none() {
                let mut packages = patches::NodePackages::generate(
                    &self.catalogue,
                    self.spec.seed,
                    node.spec.platform,
                    node.spec.index,
                    self.anchor,
                );
                // What earlier runs of the simulator installed.
                for id in crate::patch::installed_ids(&self.backend.inner, &node.instance_id) {
                    if let Some(patch) = self.catalogue.get(&id) {
                        packages.install(patch);
                    }
                }
                memory.packages = Some(packages);
            }
            let rng = ChaCha8Rng::seed_from_u64(node.rng.random());
            runs.push((
                slot,
                job,
                at,
                memory,
                rng,
                node.installs_fail,
                node.instance_id.clone(),
            ));
        }
        let backend = self.backend.clone();
        let catalogue = self.catalogue.clone();
        let results = futures_util::future::join_all(runs.into_iter().map(
            |(slot, job, at, mut memory, mut rng, fails, instance_id)| {
                let backend = backend.clone();
                let catalogue = catalogue.clone();
                async move {
                    let outcome = patching::run(
                        &backend,
                        &instance_id,
                        &catalogue,
                        &mut memory,
                        &job,
                        fails,
                        &mut rng,
                        at,
                    )
                    .await;
                    (slot, at, memory, rng, outcome)
                }
            },
        ))
        .await;
        let mut replies = Vec::with_capacity(results.len());
        for (slot, at, memory, mut rng, outcome) in results {
            self.nodes[slot].patching = memory;
            let outcome = match outcome {
                Ok(outcome) => outcome,
                // Deregistered meanwhile.
                Err(e) if e.code == "InvalidInstanceId" => continue,
                Err(e) => return Err(e),
            };
            if outcome.reboot {
                let down = rng.random_range(45_000..150_000);
                self.nodes[slot].silent_until = Some(at.plus_millis(down));
            }
            replies.push((slot, outcome.reply));
        }
        Ok(replies)
    }

    async fn reply(
        &self,
        slot: usize,
        reply: sysman_api::commands::SendReply,
    ) -> Result<(), ApiError> {
        let caller = Caller::node(self.nodes[slot].instance_id.clone());
        match self.backend.call(&caller, reply).await {
            Ok(_) => Ok(()),
            // The node or the command went away meanwhile.
            Err(e) if matches!(e.code.as_ref(), "InvalidInstanceId" | "InvalidMessageId") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Heartbeats, polls and replies on the backend's clock until the
    /// backend goes away.
    pub async fn run(mut self) {
        let clock = self.backend.clock();
        loop {
            let (Some(at), Some(mut mail)) = (self.next_due(), self.mail.take()) else {
                return;
            };
            // Some(news) when mail came first, None when the due time did.
            let news = tokio::select! {
                () = clock.sleep_until(at) => None,
                news = mail.recv() => match news {
                    Some(id) => Some(id),
                    // The backend is gone.
                    None => return,
                },
            };
            self.mail = Some(mail);
            match news {
                Some(id) => self.on_mail(&id, clock.now()),
                None => {
                    if let Err(e) = self.step_until(clock.now()).await {
                        tracing::warn!("the simulated fleet failed a step: {e}");
                    }
                }
            }
        }
    }
}

/// Registers `missing` nodes through activations, one per distinct tag set
/// (as an operator creates one per environment and role), many at a time.
async fn register(
    backend: &Backend,
    admin: &Caller,
    fleet: &FleetSpec,
    missing: Vec<(SimNodeSpec, ChaCha8Rng)>,
) -> Result<Vec<SimNode>, ApiError> {
    let mut groups: BTreeMap<Vec<Tag>, Vec<(SimNodeSpec, ChaCha8Rng)>> = BTreeMap::new();
    for (spec, rng) in missing {
        groups
            .entry(spec.tags.clone())
            .or_default()
            .push((spec, rng));
    }
    let mut jobs = Vec::new();
    for (tags, members) in groups {
        for chunk in members.chunks(1000) {
            let activation = backend
                .call(
                    admin,
                    CreateActivation {
                        description: Some("simulated fleet".into()),
                        iam_role: "SysmanSimulatedNode".into(),
                        registration_limit: Some(chunk.len() as i64),
                        tags: Some(tags.clone()),
                        ..CreateActivation::default()
                    },
                )
                .await?;
            jobs.extend(chunk.iter().cloned().map(|m| (activation.clone(), m)));
        }
    }
    jobs.sort_by_key(|(_, (spec, _))| spec.index);
    let mut nodes = Vec::with_capacity(jobs.len());
    for batch in jobs.chunks(REGISTER_CONCURRENCY) {
        let calls = batch.iter().map(|(activation, (spec, _))| {
            let (platform_name, platform_version) = spec.platform.name_and_version();
            backend.call(
                &Caller::Anonymous,
                RegisterNode {
                    activation_id: activation.activation_id.clone(),
                    activation_code: activation.activation_code.clone(),
                    computer_name: Some(spec.computer_name.clone()),
                    platform_type: Some(spec.platform.platform_type()),
                    platform_name: Some(platform_name.into()),
                    platform_version: Some(platform_version.into()),
                    agent_version: Some(spec.agent_version.clone()),
                    ip_address: Some(spec.ip_address.clone()),
                },
            )
        });
        let results = futures_util::future::join_all(calls).await;
        for ((_, (spec, rng)), result) in batch.iter().zip(results) {
            nodes.push(SimNode::new(
                spec.clone(),
                result?.instance_id,
                rng.clone(),
                fleet,
            ));
        }
    }
    Ok(nodes)
}
