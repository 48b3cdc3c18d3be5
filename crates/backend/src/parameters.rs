//! Parameter Store: hierarchical parameters with versions and labels, and
//! SecureStrings sealed by the `kms` module.
//!
//! Each parameter is a head record (its name and tags) and one record per
//! version, each version carrying its own value, type, tier, description,
//! pattern, key and labels, as GetParameterHistory shows them. Everything is
//! held in memory for reads and written through the store.

mod ops;
pub(crate) mod policies;
pub(crate) mod references;
pub(crate) mod sharing;

use std::collections::{BTreeMap, BTreeSet};

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sysman_api::parameters::rules;
use sysman_api::{Tag, Timestamp};

use crate::capability::{Capability, Settings, Source};
use crate::gate::Ctx;
use crate::store::{Change, Snapshot};
use crate::{Event, Inner};

const HEAD_KIND: &str = "parameter";
const VERSION_KIND: &str = "parameter_version";

/// Store-wide limits, configurable for a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterLimits {
    pub max_standard: usize,
    pub max_advanced: usize,
}

impl Default for ParameterLimits {
    fn default() -> Self {
        Self {
            max_standard: 10_000,
            max_advanced: 100_000,
        }
    }
}

/// A version's value as stored: SecureStrings only ever sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum StoredValue {
    Plain(String),
    Sealed(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Version {
    pub version: i64,
    /// `String`, `StringList` or `SecureString`.
    pub kind: String,
    pub value: StoredValue,
    pub description: Option<String>,
    pub allowed_pattern: Option<String>,
    pub key_id: Option<String>,
    /// `Standard` or `Advanced`.
    pub tier: String,
    pub data_type: String,
    pub labels: Vec<String>,
    pub modified: Timestamp,
    pub modified_by: String,
    #[serde(default)]
    pub policies: Vec<policies::Policy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Head {
    /// The name as it was created.
    pub name: String,
    /// The newest version number ever given (versions are never reused).
    pub latest: i64,
    pub tags: Vec<Tag>,
    /// Resource policies sharing it with other accounts, in id order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<sharing::SharePolicy>,
}

#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub head: Head,
    pub versions: BTreeMap<i64, Version>,
}

impl Param {
    pub fn current(&self) -> &Version {
        self.versions
            .values()
            .next_back()
            .expect("a parameter always has a version")
    }

    pub fn head_change(&self, key: &str) -> Change {
        Change::Put {
            kind: HEAD_KIND,
            id: key.to_owned(),
            body: serde_json::to_string(&self.head).unwrap_or_default(),
        }
    }
}

fn version_id(key: &str, version: i64) -> String {
    // '#' cannot appear in a name, so ids never collide and sort by version.
    format!("{key}#{version:010}")
}

pub(crate) fn version_change(key: &str, version: &Version) -> Change {
    Change::Put {
        kind: VERSION_KIND,
        id: version_id(key, version.version),
        body: serde_json::to_string(version).unwrap_or_default(),
    }
}

pub(crate) fn version_delete(key: &str, version: i64) -> Change {
    Change::Delete {
        kind: VERSION_KIND,
        id: version_id(key, version),
    }
}

pub(crate) fn head_delete(key: &str) -> Change {
    Change::Delete {
        kind: HEAD_KIND,
        id: key.to_owned(),
    }
}

#[derive(Default)]
pub(crate) struct ParamState {
    /// By canonical key, so a path is a range of keys.
    pub params: BTreeMap<String, Param>,
    /// Pending policies by due time: (due, key, policy type).
    pub schedule: BTreeSet<(Timestamp, String, String)>,
    /// Parameters on each tier, by their current version: (Standard,
    /// Advanced). Kept as parameters come and go, so a put does not count
    /// the whole store.
    counts: (usize, usize),
}

impl ParamState {
    /// Puts `param` in place under `key` and files its pending policies.
    /// Returns whether one of them is now the first due.
    pub fn insert(&mut self, key: String, param: Param) -> bool {
        self.unschedule(&key);
        let entries = policies::pending(&key, &param);
        self.count(&param, true);
        if let Some(old) = self.params.insert(key, param) {
            self.count(&old, false);
        }
        let first = self.schedule.first().cloned();
        let mut earliest = false;
        for entry in entries {
            earliest |= first.as_ref().is_none_or(|f| entry < *f);
            self.schedule.insert(entry);
        }
        earliest
    }

    /// Forgets the pending policies of the parameter under `key`.
    pub fn unschedule(&mut self, key: &str) {
        if let Some(param) = self.params.get(key) {
            for entry in policies::pending(key, param) {
                self.schedule.remove(&entry);
            }
        }
    }

    /// Removes the parameter under `key`, keeping the counts right.
    pub fn remove(&mut self, key: &str) -> Option<Param> {
        self.unschedule(key);
        let param = self.params.remove(key)?;
        self.count(&param, false);
        Some(param)
    }

    fn count(&mut self, param: &Param, add: bool) {
        let slot = if param.current().tier == "Advanced" {
            &mut self.counts.1
        } else {
            &mut self.counts.0
        };
        *slot = if add {
            *slot + 1
        } else {
            slot.saturating_sub(1)
        };
    }

    /// Parameters on each tier: (Standard, Advanced).
    pub fn tier_counts(&self) -> (usize, usize) {
        self.counts
    }
}

pub(crate) struct Parameters {
    pub limits: ParameterLimits,
    state: RwLock<ParamState>,
}

impl Capability for Parameters {
    fn load(from: &Source<'_>) -> Result<Parameters, String> {
        Parameters::from_records(from.snapshot, from.settings.parameters.clone())
    }

    fn reread(&self, from: &Source<'_>) -> Result<Parameters, String> {
        Parameters::from_records(from.snapshot, self.limits.clone())
    }

    /// Takes `fresh`'s parameters.
    fn replace_with(&self, fresh: Parameters) {
        *self.state.write() = fresh.state.into_inner();
    }

    /// Forgets every parameter.
    fn forget_all(&self, _: &Settings) -> Result<(), String> {
        *self.state.write() = ParamState::default();
        Ok(())
    }

    /// The next policy to fire.
    fn next_due(&self) -> Option<Timestamp> {
        self.state.read().schedule.first().map(|(at, _, _)| *at)
    }

    async fn run_due(b: &Inner) {
        policies::fire_due(b).await;
    }
}

impl Parameters {
    fn from_records(snapshot: &Snapshot, limits: ParameterLimits) -> Result<Parameters, String> {
        let mut state = ParamState::default();
        for (key, body) in snapshot.get(HEAD_KIND).into_iter().flatten() {
            let head: Head = serde_json::from_str(body)
                .map_err(|e| format!("stored parameter {key} cannot be read: {e}"))?;
            state.params.insert(
                key.clone(),
                Param {
                    head,
                    versions: BTreeMap::new(),
                },
            );
        }
        for (id, body) in snapshot.get(VERSION_KIND).into_iter().flatten() {
            let version: Version = serde_json::from_str(body)
                .map_err(|e| format!("stored parameter version {id} cannot be read: {e}"))?;
            let key = id.rsplit_once('#').map_or(id.as_str(), |(k, _)| k);
            let param = state
                .params
                .get_mut(key)
                .ok_or_else(|| format!("stored parameter version {id} has no parameter"))?;
            param.versions.insert(version.version, version);
        }
        if let Some((key, _)) = state.params.iter().find(|(_, p)| p.versions.is_empty()) {
            return Err(format!("stored parameter {key} has no versions"));
        }
        let loaded = std::mem::take(&mut state.params);
        for (key, param) in loaded {
            state.insert(key, param);
        }
        Ok(Parameters {
            limits,
            state: RwLock::new(state),
        })
    }
}

/// Applies `edit` to a parameter's tags and commits its head.
pub(crate) async fn edit_tags(
    b: &Inner,
    ctx: &mut Ctx,
    id: &str,
    edit: impl FnOnce(&mut Vec<Tag>) -> Result<(), sysman_api::ApiError>,
) -> Result<sysman_api::Empty, sysman_api::ApiError> {
    let key = rules::canonical(rules::strip_arn(id));
    let (commit, name) = {
        let mut state = b.parameters.state.write();
        let param = state
            .params
            .get_mut(&key)
            .ok_or_else(sysman_api::messages::tag::invalid_resource_id)?;
        let mut tags = param.head.tags.clone();
        edit(&mut tags)?;
        tags.sort();
        param.head.tags = tags;
        (
            ctx.commit(&b.store, vec![param.head_change(&key)]),
            param.head.name.clone(),
        )
    };
    commit.await?;
    ctx.publish(Event::ParameterChanged { name });
    Ok(sysman_api::Empty {})
}

/// A parameter's tags.
pub(crate) fn list_tags(b: &Inner, id: &str) -> Result<Vec<Tag>, sysman_api::ApiError> {
    let key = rules::canonical(rules::strip_arn(id));
    let state = b.parameters.state.read();
    let param = state
        .params
        .get(&key)
        .ok_or_else(sysman_api::messages::tag::invalid_resource_id)?;
    Ok(param.head.tags.clone())
}
