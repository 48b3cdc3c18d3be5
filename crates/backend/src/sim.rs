//! The node simulator: a deterministic fleet of simulated agents.
//!
//! [`FleetSpec`] describes a fleet; [`FleetSpec::nodes`] expands it into
//! node descriptions, the same ones byte for byte for the same spec. A
//! [`Simulator`] then registers each node through an activation exactly as a
//! real agent would, through the gate, and heartbeats on the backend's
//! clock. A flaky share of nodes falls silent now and then (their status
//! decays to ConnectionLost) and comes back.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use sysman_api::fleet::{
    CreateActivation, ListNodes, PlatformType, RegisterNode, UpdateInstanceInformation,
};
use sysman_api::{ApiError, Tag, Timestamp};

use crate::fleet::LATEST_AGENT_VERSION;
use crate::{Backend, Caller};

/// The operating systems a simulated node can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SimPlatform {
    AmazonLinux2023,
    Ubuntu2204,
    Ubuntu2404,
    Rhel9,
    Debian12,
    WindowsServer2019,
    WindowsServer2022,
    MacOs14,
}

impl SimPlatform {
    pub fn platform_type(self) -> PlatformType {
        match self {
            SimPlatform::WindowsServer2019 | SimPlatform::WindowsServer2022 => {
                PlatformType::Windows
            }
            SimPlatform::MacOs14 => PlatformType::MacOS,
            _ => PlatformType::Linux,
        }
    }

    /// PlatformName and PlatformVersion as the agent reports them.
    pub fn name_and_version(self) -> (&'static str, &'static str) {
        match self {
            SimPlatform::AmazonLinux2023 => ("Amazon Linux", "2023"),
            SimPlatform::Ubuntu2204 => ("Ubuntu", "22.04"),
            SimPlatform::Ubuntu2404 => ("Ubuntu", "24.04"),
            SimPlatform::Rhel9 => ("Red Hat Enterprise Linux", "9.4"),
            SimPlatform::Debian12 => ("Debian GNU/Linux", "12"),
            SimPlatform::WindowsServer2019 => {
                ("Microsoft Windows Server 2019 Datacenter", "10.0.17763")
            }
            SimPlatform::WindowsServer2022 => {
                ("Microsoft Windows Server 2022 Datacenter", "10.0.20348")
            }
            SimPlatform::MacOs14 => ("macOS", "14.6.1"),
        }
    }

    fn family(self) -> &'static str {
        match self.platform_type() {
            PlatformType::Windows => "windows",
            PlatformType::MacOS => "macos",
            PlatformType::Linux => "linux",
        }
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
        }
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
                        Tag::new("PatchGroup", format!("{env}-{}", platform.family())),
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
}

/// How many registrations are in flight at once; they share commits.
const REGISTER_CONCURRENCY: usize = 2000;

/// A running simulated fleet.
pub struct Simulator {
    backend: Backend,
    nodes: Vec<SimNode>,
    /// Next heartbeat of each node, soonest first.
    due: BinaryHeap<Reverse<(Timestamp, usize)>>,
}

impl Simulator {
    /// Registers the spec's nodes that are not registered yet (a node is
    /// recognised by its computer name, as an agent recognises its own
    /// registration on disk) and plans their heartbeats.
    pub async fn start(backend: Backend, spec: &FleetSpec) -> Result<Simulator, ApiError> {
        let admin = Caller::admin("simulator");
        let mut known: BTreeMap<String, String> = BTreeMap::new();
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
                Some(id) => nodes.push(SimNode {
                    spec: node_spec,
                    instance_id: id.clone(),
                    rng,
                    silent_until: None,
                }),
                None => missing.push((node_spec, rng)),
            }
        }
        nodes.extend(register(&backend, &admin, missing).await?);
        nodes.sort_by_key(|n| n.spec.index);

        let now = backend.now();
        let interval_ms = backend.fleet_config().heartbeat_interval.as_millis() as i64;
        let mut due = BinaryHeap::with_capacity(nodes.len());
        for (slot, node) in nodes.iter_mut().enumerate() {
            let phase = node.rng.random_range(0..interval_ms.max(1));
            due.push(Reverse((now.plus_millis(phase), slot)));
        }
        Ok(Simulator {
            backend,
            nodes,
            due,
        })
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

    /// When the next heartbeat is due.
    pub fn next_due(&self) -> Option<Timestamp> {
        self.due.peek().map(|Reverse((at, _))| *at)
    }

    /// Sends every heartbeat due at or before `until`, in time order.
    /// Returns how many were sent.
    pub async fn step_until(&mut self, until: Timestamp) -> Result<usize, ApiError> {
        let config = self.backend.fleet_config().clone();
        let interval_ms = config.heartbeat_interval.as_millis() as i64;
        let lost_ms = interval_ms * i64::from(config.missed_heartbeats.max(1));
        let mut sent = 0;
        while let Some(Reverse((at, slot))) = self.due.peek().copied() {
            if at > until {
                break;
            }
            self.due.pop();
            let node = &mut self.nodes[slot];
            let next = at.plus_millis(interval_ms);
            if node.silent_until.is_some_and(|end| at < end) {
                self.due.push(Reverse((next, slot)));
                continue;
            }
            node.silent_until = None;
            // A flaky node may fall silent for long enough to be noticed.
            if node.spec.flaky && node.rng.random_bool(0.08) {
                let outage = node.rng.random_range(lost_ms + interval_ms..=lost_ms * 4);
                node.silent_until = Some(at.plus_millis(outage));
                self.due.push(Reverse((next, slot)));
                continue;
            }
            let heartbeat = UpdateInstanceInformation {
                instance_id: node.instance_id.clone(),
                agent_version: Some(node.spec.agent_version.clone()),
                ip_address: Some(node.spec.ip_address.clone()),
                computer_name: Some(node.spec.computer_name.clone()),
                ..UpdateInstanceInformation::default()
            };
            match self
                .backend
                .call(&Caller::node(node.instance_id.clone()), heartbeat)
                .await
            {
                Ok(_) => sent += 1,
                // Deregistered behind the simulator's back: it stays quiet.
                Err(e) if e.code == "InvalidInstanceId" => continue,
                Err(e) => return Err(e),
            }
            self.due.push(Reverse((next, slot)));
        }
        Ok(sent)
    }

    /// Heartbeats on the backend's clock until the backend goes away.
    pub async fn run(mut self) {
        let clock = self.backend.clock();
        while let Some(at) = self.next_due() {
            clock.sleep_until(at).await;
            if let Err(e) = self.step_until(clock.now()).await {
                tracing::warn!("simulated heartbeats failed: {e}");
            }
        }
    }
}

/// Registers `missing` nodes through activations, one per distinct tag set
/// (as an operator creates one per environment and role), many at a time.
async fn register(
    backend: &Backend,
    admin: &Caller,
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
            nodes.push(SimNode {
                spec: spec.clone(),
                instance_id: result?.instance_id,
                rng: rng.clone(),
                silent_until: None,
            });
        }
    }
    Ok(nodes)
}
