//! Managed nodes, hybrid activations and node tags.
//!
//! The fleet is held in memory for reads (a filter over 100,000 nodes is a
//! scan of a sorted map) and every change is written through the store. A
//! node's ping status is a function of its last heartbeat and the clock, so
//! it is always right when read; the ping scheduler only announces changes
//! at the moment they happen.

mod activations;
mod connection;
mod filters;
mod inventory;
mod nodes;
mod properties;
mod role;

pub(crate) use nodes::heard_from;
pub(crate) mod tags;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use crate::locks::{Level, OrderedRwLock, ReadGuard};
use serde::{Deserialize, Serialize};
use sysman_api::Timestamp;
use sysman_api::fleet::{
    InstanceInformation, NodeSummary, PingStatus, PlatformType, RegistrationMetadataItem,
};
use sysman_api::{ApiError, Tag};

use crate::capability::{Capability, Settings, Source};
use crate::store::{Change, Snapshot};
use crate::{Event, Inner};

const NODE_KIND: &str = "node";
/// The version of the sysman-agent released with this server (the
/// workspace shares one version), which is the latest of its kind even
/// though the simulated fleet reports SSM agent versions.
const SYSMAN_AGENT_VERSION: &str = env!("CARGO_PKG_VERSION");
const ACTIVATION_KIND: &str = "activation";

/// How the fleet judges liveness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetConfig {
    /// How often agents are expected to report.
    pub heartbeat_interval: Duration,
    /// A node whose agent misses this many heartbeats is ConnectionLost.
    pub missed_heartbeats: u32,
    /// A node silent this long is Inactive.
    pub inactive_after: Duration,
    /// The newest agent version; nodes on another one are flagged outdated.
    pub latest_agent_version: String,
}

impl Default for FleetConfig {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_secs(60),
            missed_heartbeats: 3,
            inactive_after: Duration::from_secs(30 * 86_400),
            latest_agent_version: LATEST_AGENT_VERSION.to_owned(),
        }
    }
}

/// The agent version sysman calls current.
pub const LATEST_AGENT_VERSION: &str = "3.3.1611.0";

impl FleetConfig {
    fn lost_after_ms(&self) -> i64 {
        self.heartbeat_interval.as_millis() as i64 * i64::from(self.missed_heartbeats.max(1))
    }

    fn inactive_after_ms(&self) -> i64 {
        (self.inactive_after.as_millis() as i64).max(self.lost_after_ms())
    }

    /// The status of a node last heard from at `last_ping`, at `now`.
    pub fn ping_status(&self, last_ping: Timestamp, now: Timestamp) -> PingStatus {
        let silent = now.millis_since(last_ping);
        if silent < self.lost_after_ms() {
            PingStatus::Online
        } else if silent < self.inactive_after_ms() {
            PingStatus::ConnectionLost
        } else {
            PingStatus::Inactive
        }
    }

    /// When the status of a node last heard from at `last_ping` next
    /// changes by itself, if it ever does.
    fn next_decay(&self, last_ping: Timestamp, now: Timestamp) -> Option<Timestamp> {
        match self.ping_status(last_ping, now) {
            PingStatus::Online => Some(last_ping.plus_millis(self.lost_after_ms())),
            PingStatus::ConnectionLost => Some(last_ping.plus_millis(self.inactive_after_ms())),
            PingStatus::Inactive => None,
        }
    }
}

/// A managed node as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Node {
    pub instance_id: String,
    pub activation_id: Option<String>,
    pub iam_role: Option<String>,
    pub registration_date: Timestamp,
    pub last_ping: Timestamp,
    pub agent_version: Option<String>,
    pub platform_type: Option<PlatformType>,
    pub platform_name: Option<String>,
    pub platform_version: Option<String>,
    pub ip_address: Option<String>,
    pub computer_name: Option<String>,
    pub name: Option<String>,
    /// Sorted by key.
    pub tags: Vec<Tag>,
    pub access_key_id: String,
    /// The node's secret, sealed by the `kms` module: the server needs it
    /// back to check the agent's signatures. Absent on nodes registered
    /// before secrets were kept this way; those cannot sign requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_sealed: Option<String>,
    /// SHA-256 of the secret, all that nodes registered before
    /// `secret_sealed` kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_sha256: Option<String>,
}

/// What a node's sealed secret is bound to, so it opens for that node and
/// key only.
pub(crate) fn secret_aad(instance_id: &str, access_key_id: &str) -> Vec<u8> {
    format!("node-secret:managed-instance/{instance_id}:{access_key_id}").into_bytes()
}

impl Node {
    pub fn info(&self, config: &FleetConfig, now: Timestamp) -> InstanceInformation {
        InstanceInformation {
            instance_id: self.instance_id.clone(),
            ping_status: config.ping_status(self.last_ping, now),
            last_ping_date_time: Some(self.last_ping),
            agent_version: self.agent_version.clone(),
            is_latest_version: self
                .agent_version
                .as_ref()
                .map(|v| *v == config.latest_agent_version || v == SYSMAN_AGENT_VERSION),
            platform_type: self.platform_type,
            platform_name: self.platform_name.clone(),
            platform_version: self.platform_version.clone(),
            activation_id: self.activation_id.clone(),
            iam_role: self.iam_role.clone(),
            registration_date: Some(self.registration_date),
            resource_type: "ManagedInstance".to_owned(),
            name: self.name.clone(),
            ip_address: self.ip_address.clone(),
            computer_name: self.computer_name.clone(),
            source_id: Some(self.instance_id.clone()),
            source_type: Some("AWS::SSM::ManagedInstance".to_owned()),
        }
    }

    pub fn summary(&self, config: &FleetConfig, now: Timestamp) -> NodeSummary {
        NodeSummary {
            info: self.info(config, now),
            tags: self.tags.clone(),
        }
    }

    fn change(&self) -> Change {
        Change::Put {
            kind: NODE_KIND,
            id: self.instance_id.clone(),
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }
}

/// A hybrid activation as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ActivationRecord {
    pub activation_id: String,
    /// SHA-256 of the activation code; the code is shown once, at creation.
    pub code_sha256: String,
    pub description: Option<String>,
    pub default_instance_name: Option<String>,
    pub iam_role: String,
    pub registration_limit: i64,
    pub registrations_count: i64,
    pub expiration_date: Timestamp,
    pub created_date: Timestamp,
    pub tags: Vec<Tag>,
    pub registration_metadata: Vec<RegistrationMetadataItem>,
}

impl ActivationRecord {
    fn change(&self) -> Change {
        Change::Put {
            kind: ACTIVATION_KIND,
            id: self.activation_id.clone(),
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }
}

#[derive(Default)]
pub(crate) struct FleetState {
    pub nodes: BTreeMap<String, Node>,
    pub activations: BTreeMap<String, ActivationRecord>,
    /// When each node's ping status next changes by itself.
    decay: BTreeSet<(Timestamp, String)>,
    /// Nodes by tag, so a tag filter costs what it matches, not the fleet.
    by_tag: BTreeMap<(String, String), BTreeSet<String>>,
    /// Nodes by access key id: the server looks one up on every request.
    by_access_key: HashMap<String, String>,
}

impl FleetState {
    /// Puts `node` in place and files its next status change. Returns
    /// whether that change is now the first due, so the ping scheduler
    /// must wake to sleep less.
    fn upsert(&mut self, node: Node, config: &FleetConfig, now: Timestamp) -> bool {
        let id = node.instance_id.clone();
        let old_tags = match self.nodes.get(&id) {
            Some(old) => {
                let (last_ping, tags) = (old.last_ping, old.tags.clone());
                self.unfile(&id, last_ping, config);
                Some(tags)
            }
            None => {
                self.by_access_key
                    .insert(node.access_key_id.clone(), id.clone());
                None
            }
        };
        if old_tags.as_ref() != Some(&node.tags) {
            self.unindex_tags(&id, old_tags.as_deref().unwrap_or_default());
            for tag in &node.tags {
                let key = (tag.key.clone(), tag.value.clone());
                self.by_tag.entry(key).or_default().insert(id.clone());
            }
        }
        let filed = config
            .next_decay(node.last_ping, now)
            .map(|at| (at, id.clone()));
        if let Some(entry) = &filed {
            self.decay.insert(entry.clone());
        }
        self.nodes.insert(id, node);
        filed.is_some() && self.decay.first() == filed.as_ref()
    }

    fn remove(&mut self, id: &str, config: &FleetConfig) -> Option<Node> {
        let node = self.nodes.remove(id)?;
        self.by_access_key.remove(&node.access_key_id);
        self.unfile(id, node.last_ping, config);
        self.unindex_tags(id, &node.tags);
        Some(node)
    }

    fn unindex_tags(&mut self, id: &str, tags: &[Tag]) {
        for tag in tags {
            let key = (tag.key.clone(), tag.value.clone());
            if let Some(ids) = self.by_tag.get_mut(&key) {
                ids.remove(id);
                if ids.is_empty() {
                    self.by_tag.remove(&key);
                }
            }
        }
    }

    /// Ids of the nodes tagged `key=value`, in id order.
    pub fn tagged(&self, key: &str, value: &str) -> Option<&BTreeSet<String>> {
        self.by_tag.get(&(key.to_owned(), value.to_owned()))
    }

    /// Forgets whichever status change was filed for a node last heard from
    /// at `last_ping`.
    fn unfile(&mut self, id: &str, last_ping: Timestamp, config: &FleetConfig) {
        for at in [config.lost_after_ms(), config.inactive_after_ms()] {
            self.decay
                .remove(&(last_ping.plus_millis(at), id.to_owned()));
        }
    }
}

pub(crate) struct Fleet {
    config: FleetConfig,
    state: OrderedRwLock<FleetState>,
}

/// What other capabilities may read of the fleet, taken with
/// [`Fleet::read`] and held for as long as they need one consistent answer.
pub(crate) struct FleetRead<'a> {
    state: ReadGuard<'a, FleetState>,
    config: &'a FleetConfig,
}

impl FleetRead<'_> {
    pub fn view(&self) -> FleetView<'_> {
        FleetView {
            state: &self.state,
            config: self.config,
        }
    }
}

/// The fleet's nodes as another capability sees them, and how to judge
/// their pings.
#[derive(Clone, Copy)]
pub(crate) struct FleetView<'a> {
    state: &'a FleetState,
    config: &'a FleetConfig,
}

impl<'a> FleetView<'a> {
    pub fn contains(&self, instance_id: &str) -> bool {
        self.state.nodes.contains_key(instance_id)
    }

    pub fn node(&self, instance_id: &str) -> Option<&'a Node> {
        self.state.nodes.get(instance_id)
    }

    pub fn nodes(&self) -> impl Iterator<Item = &'a Node> + use<'a> {
        self.state.nodes.values()
    }

    /// The nodes tagged `key` = `value`.
    pub fn tagged(&self, key: &str, value: &str) -> Option<&'a BTreeSet<String>> {
        self.state.tagged(key, value)
    }

    pub fn config(&self) -> &'a FleetConfig {
        self.config
    }
}

impl Capability for Fleet {
    fn load(from: &Source<'_>) -> Result<Fleet, String> {
        Fleet::from_records(from.snapshot, from.settings.fleet.clone(), from.now)
    }

    fn reread(&self, from: &Source<'_>) -> Result<Fleet, String> {
        Fleet::from_records(from.snapshot, self.config.clone(), from.now)
    }

    /// Takes `fresh`'s nodes and activations.
    fn replace_with(&self, fresh: Fleet) {
        *self.state.write() = fresh.state.into_inner();
    }

    /// Forgets every node and activation.
    fn forget_all(&self, _: &Settings) -> Result<(), String> {
        *self.state.write() = FleetState::default();
        Ok(())
    }

    /// The next ping status change.
    fn next_due(&self) -> Option<Timestamp> {
        self.state.read().decay.first().map(|(at, _)| *at)
    }

    async fn run_due(b: &Inner) {
        announce_decayed(b);
    }
}

impl Fleet {
    fn from_records(
        snapshot: &Snapshot,
        config: FleetConfig,
        now: Timestamp,
    ) -> Result<Fleet, String> {
        let mut state = FleetState::default();
        for (id, body) in snapshot.get(NODE_KIND).into_iter().flatten() {
            let node: Node = serde_json::from_str(body)
                .map_err(|e| format!("stored node {id} cannot be read: {e}"))?;
            state.upsert(node, &config, now);
        }
        for (id, body) in snapshot.get(ACTIVATION_KIND).into_iter().flatten() {
            let activation: ActivationRecord = serde_json::from_str(body)
                .map_err(|e| format!("stored activation {id} cannot be read: {e}"))?;
            state.activations.insert(id.clone(), activation);
        }
        Ok(Fleet {
            config,
            state: OrderedRwLock::new(Level::Fleet, state),
        })
    }

    pub fn config(&self) -> &FleetConfig {
        &self.config
    }

    /// Reads the fleet. Holders of the commands lock take it after that.
    pub(crate) fn read(&self) -> FleetRead<'_> {
        FleetRead {
            state: self.state.read(),
            config: &self.config,
        }
    }

    /// Nodes by ping status now, every status present (zeros too).
    pub(crate) fn by_ping_status(&self, now: Timestamp) -> Vec<(&'static str, u64)> {
        let state = self.state.read();
        crate::tally(
            &PingStatus::ALL,
            PingStatus::as_str,
            state
                .nodes
                .values()
                .map(|node| self.config.ping_status(node.last_ping, now)),
        )
    }

    /// The node an access key belongs to and its sealed secret, if it
    /// has one.
    pub fn access_key(&self, access_key_id: &str) -> Option<(String, String)> {
        let state = self.state.read();
        let node = state.nodes.get(state.by_access_key.get(access_key_id)?)?;
        Some((node.instance_id.clone(), node.secret_sealed.clone()?))
    }

    fn node_not_found(id: &str) -> ApiError {
        sysman_api::messages::fleet::node_not_found(id)
    }
}

/// Publishes the nodes whose ping status moved on by now.
fn announce_decayed(inner: &Inner) {
    let fleet = &inner.fleet;
    let now = inner.clock.now();
    let mut changed = Vec::new();
    {
        let mut state = fleet.state.write();
        while let Some((at, id)) = state.decay.first().cloned() {
            if at > now {
                break;
            }
            state.decay.remove(&(at, id.clone()));
            let Some(node) = state.nodes.get(&id) else {
                continue;
            };
            let last_ping = node.last_ping;
            changed.push(node.summary(&fleet.config, now));
            if let Some(next) = fleet.config.next_decay(last_ping, now) {
                state.decay.insert((next, id));
            }
        }
    }
    for summary in changed {
        inner.bus.publish(Event::NodeChanged(Box::new(summary)));
    }
}
