//! Patch Manager: patch baselines (the predefined ones owned by AWS and
//! the account's own), the default baseline of each operating system,
//! patch groups, and the catalogue of patches they are judged against.
//!
//! A baseline is stored as given; its checked form (an [`Evaluator`]) is
//! kept beside it, so judging a patch never re-parses a rule.

pub(crate) mod catalogue;
mod catalogue_ops;
pub(crate) mod facts;
mod ops;
pub(crate) mod rules;
mod state_ops;
pub(crate) mod states;

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sysman_api::compliance::PATCH;
use sysman_api::patch::{
    BaselineRules, PatchBaselineIdentity, PatchFilter, PatchFilterGroup, PatchRule, PatchRuleGroup,
};
use sysman_api::{ApiError, Tag, Timestamp};

use crate::capability::{Capability, Settings, Source};
use crate::locks::{Level, OrderedRwLock};
use crate::store::Change;
use crate::{Event, Inner};
use catalogue::Catalogue;
use rules::Evaluator;

const BASELINE_KIND: &str = "patch_baseline";
const DEFAULT_KIND: &str = "patch_default_baseline";
const GROUP_KIND: &str = "patch_group";

/// Who owns the predefined baselines.
const AWS: &str = "AWS";

/// A baseline as the store keeps it: the request's members as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredBaseline {
    pub id: String,
    pub name: String,
    pub operating_system: String,
    pub description: Option<String>,
    pub rules: BaselineRules,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub tags: Vec<Tag>,
    /// The create request's ClientToken and a digest of the request, so a
    /// retry is recognised and a reuse with other members refused.
    pub client_token: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Baseline {
    pub stored: StoredBaseline,
    pub evaluator: Arc<Evaluator>,
    /// `AWS` for the predefined baselines, else the account id.
    pub owner: String,
}

impl Baseline {
    pub fn is_predefined(&self) -> bool {
        self.owner == AWS
    }

    fn change(&self) -> Change {
        Change::Put {
            kind: BASELINE_KIND,
            id: self.stored.id.clone(),
            body: serde_json::to_string(&self.stored).unwrap_or_default(),
        }
    }

    pub fn identity(&self, default: bool) -> PatchBaselineIdentity {
        PatchBaselineIdentity {
            baseline_id: self.stored.id.clone(),
            baseline_name: self.stored.name.clone(),
            operating_system: self.stored.operating_system.clone(),
            baseline_description: self.stored.description.clone(),
            default_baseline: default,
        }
    }
}

#[derive(Default)]
pub(crate) struct PatchState {
    /// Every baseline by id, the predefined ones among them.
    pub baselines: BTreeMap<String, Baseline>,
    /// The default baseline of each operating system, where it is not the
    /// predefined one.
    pub defaults: BTreeMap<String, String>,
    /// (patch group, operating system) → baseline id.
    pub groups: BTreeMap<(String, String), String>,
}

impl PatchState {
    /// The default baseline of `os`.
    pub fn default_for(&self, os: &str) -> Option<&Baseline> {
        match self.defaults.get(os) {
            Some(id) => self.baselines.get(id),
            None => self.baselines.get(&predefined_id_in(&self.baselines, os)?),
        }
    }

    pub fn is_default(&self, baseline: &Baseline) -> bool {
        self.default_for(&baseline.stored.operating_system)
            .is_some_and(|d| d.stored.id == baseline.stored.id)
    }

    /// The patch groups registered for `baseline_id`, in order.
    pub fn groups_of(&self, baseline_id: &str) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, id)| id.as_str() == baseline_id)
            .map(|((group, _), _)| group.clone())
            .collect()
    }

    /// The baseline a node of `os` in `patch_group` (if any) patches by:
    /// its group's, or the default.
    pub fn baseline_for(&self, os: &str, patch_group: Option<&str>) -> Option<&Baseline> {
        patch_group
            .and_then(|g| self.groups.get(&(g.to_owned(), os.to_owned())))
            .and_then(|id| self.baselines.get(id))
            .or_else(|| self.default_for(os))
    }
}

fn predefined_id_in(baselines: &BTreeMap<String, Baseline>, os: &str) -> Option<String> {
    baselines
        .values()
        .find(|b| b.is_predefined() && b.stored.operating_system == os)
        .map(|b| b.stored.id.clone())
}

pub(crate) struct Patches {
    state: RwLock<PatchState>,
    /// The patches baselines are judged against: the simulated catalogue,
    /// once a simulated fleet runs. Without one there is nothing to list.
    catalogue: RwLock<Option<Arc<Catalogue>>>,
    /// What nodes reported of their patches.
    states: OrderedRwLock<states::States>,
    region: String,
}

impl Capability for Patches {
    /// Loads baselines and patch states.
    fn load(from: &Source<'_>) -> Result<Patches, String> {
        let Settings {
            region, account_id, ..
        } = from.settings;
        let snapshot = from.snapshot;
        let mut state = PatchState::default();
        for baseline in predefined(region) {
            state.baselines.insert(baseline.stored.id.clone(), baseline);
        }
        for (id, body) in snapshot.get(BASELINE_KIND).into_iter().flatten() {
            let stored: StoredBaseline = serde_json::from_str(body)
                .map_err(|e| format!("stored patch baseline {id} cannot be read: {e}"))?;
            let evaluator = ops::compile(&stored.operating_system, &stored.rules)
                .map_err(|e| format!("stored patch baseline {id} no longer checks: {e}"))?;
            state.baselines.insert(
                id.clone(),
                Baseline {
                    stored,
                    evaluator: Arc::new(evaluator),
                    owner: account_id.to_owned(),
                },
            );
        }
        for (os, body) in snapshot.get(DEFAULT_KIND).into_iter().flatten() {
            state.defaults.insert(os.clone(), body.clone());
        }
        for (key, body) in snapshot.get(GROUP_KIND).into_iter().flatten() {
            let (os, group) = key
                .split_once('/')
                .ok_or_else(|| format!("stored patch group {key} has no operating system"))?;
            state
                .groups
                .insert((group.to_owned(), os.to_owned()), body.clone());
        }
        let states = states::States::load(snapshot, |os, rules| {
            ops::compile(os, rules).map_err(|e| e.to_string())
        })?;
        Ok(Patches {
            state: RwLock::new(state),
            catalogue: RwLock::new(None),
            states: OrderedRwLock::new(Level::PatchStates, states),
            region: region.to_owned(),
        })
    }

    /// Takes `fresh`'s baselines and patch states; the catalogue stays.
    fn replace_with(&self, fresh: Patches) {
        *self.state.write() = fresh.state.into_inner();
        *self.states.write() = fresh.states.into_inner();
    }

    /// Forgets the account's baselines, defaults and groups; the
    /// predefined baselines stay.
    fn forget_all(&self, _: &Settings) -> Result<(), String> {
        let mut state = PatchState::default();
        for baseline in predefined(&self.region) {
            state.baselines.insert(baseline.stored.id.clone(), baseline);
        }
        *self.state.write() = state;
        *self.states.write() = states::States::default();
        Ok(())
    }

    /// Hands the patch states to compliance as its `Patch` items, which
    /// compliance does not store.
    fn loaded(b: &Inner) {
        let states = b.patch.states.read();
        let mut writer = b.compliance.write();
        for (node, state) in &states.nodes {
            // Each state passed these checks when it was reported; should a
            // later version's limits refuse one, the node shows no Patch
            // compliance until its next scan, and the store still opens.
            if let Err(e) = writer.derive(node, PATCH, state.compliance(&states.infos)) {
                tracing::warn!("the patch state of {node} is not valid compliance: {e}");
            }
        }
    }
}

impl Patches {
    pub fn set_catalogue(&self, catalogue: Arc<Catalogue>) {
        *self.catalogue.write() = Some(catalogue);
    }

    /// Forgets what `instance_id` reported of its patches, as changes to
    /// commit. Holders of the fleet lock take this after it.
    pub(crate) fn forget_node(&self, instance_id: &str) -> Vec<Change> {
        self.states.write().forget_node(instance_id)
    }

    pub fn catalogue(&self) -> Option<Arc<Catalogue>> {
        self.catalogue.read().clone()
    }
}

fn default_change(os: &str, baseline_id: &str) -> Change {
    Change::Put {
        kind: DEFAULT_KIND,
        id: os.to_owned(),
        body: baseline_id.to_owned(),
    }
}

fn group_change(group: &str, os: &str, baseline_id: Option<&str>) -> Change {
    let id = format!("{os}/{group}");
    match baseline_id {
        Some(b) => Change::Put {
            kind: GROUP_KIND,
            id,
            body: b.to_owned(),
        },
        None => Change::Delete {
            kind: GROUP_KIND,
            id,
        },
    }
}

/// The name AWS gives the predefined baseline of `os`.
fn predefined_name(os: &str) -> &'static str {
    match os {
        "WINDOWS" => "AWS-DefaultPatchBaseline",
        "AMAZON_LINUX" => "AWS-AmazonLinuxDefaultPatchBaseline",
        "AMAZON_LINUX_2" => "AWS-AmazonLinux2DefaultPatchBaseline",
        "AMAZON_LINUX_2022" => "AWS-AmazonLinux2022DefaultPatchBaseline",
        "AMAZON_LINUX_2023" => "AWS-AmazonLinux2023DefaultPatchBaseline",
        "UBUNTU" => "AWS-UbuntuDefaultPatchBaseline",
        "REDHAT_ENTERPRISE_LINUX" => "AWS-RedHatDefaultPatchBaseline",
        "SUSE" => "AWS-SuseDefaultPatchBaseline",
        "CENTOS" => "AWS-CentOSDefaultPatchBaseline",
        "ORACLE_LINUX" => "AWS-OracleLinuxDefaultPatchBaseline",
        "DEBIAN" => "AWS-DebianDefaultPatchBaseline",
        "MACOS" => "AWS-MacOSDefaultPatchBaseline",
        "RASPBIAN" => "AWS-RaspbianDefaultPatchBaseline",
        "ROCKY_LINUX" => "AWS-RockyLinuxDefaultPatchBaseline",
        "ALMA_LINUX" => "AWS-AlmaLinuxDefaultPatchBaseline",
        _ => "AWS-DefaultPatchBaseline",
    }
}

/// The predefined baselines: one per operating system, owned by AWS,
/// approving Critical and Important security patches seven days after
/// their release.
fn predefined(region: &str) -> Vec<Baseline> {
    sysman_api::patch::OPERATING_SYSTEMS
        .iter()
        .map(|os| {
            let name = predefined_name(os);
            let digest = hex::encode(Sha256::digest(name.as_bytes()));
            let id = format!(
                "arn:aws:ssm:{region}:aws:patchbaseline/pb-{}",
                &digest[..17]
            );
            let filters = if *os == "WINDOWS" {
                vec![
                    filter("CLASSIFICATION", &["CriticalUpdates", "SecurityUpdates"]),
                    filter("MSRC_SEVERITY", &["Critical", "Important"]),
                ]
            } else {
                vec![
                    filter("CLASSIFICATION", &["Security"]),
                    filter("SEVERITY", &["Critical", "Important"]),
                ]
            };
            let rules = BaselineRules {
                approval_rules: Some(PatchRuleGroup {
                    patch_rules: vec![PatchRule {
                        patch_filter_group: PatchFilterGroup {
                            patch_filters: filters,
                        },
                        compliance_level: Some("UNSPECIFIED".to_owned()),
                        approve_after_days: Some(7),
                        approve_until_date: None,
                        enable_non_security: Some(false),
                    }],
                }),
                ..BaselineRules::default()
            };
            let evaluator = ops::compile(os, &rules).expect("the predefined baselines check");
            Baseline {
                stored: StoredBaseline {
                    id,
                    name: name.to_owned(),
                    operating_system: (*os).to_owned(),
                    description: Some(format!(
                        "Default patch baseline for {} provided by AWS: Critical and Important \
                         security patches, approved 7 days after release.",
                        os_display_name(os)
                    )),
                    rules,
                    created: Timestamp(0),
                    modified: Timestamp(0),
                    tags: Vec::new(),
                    client_token: None,
                },
                evaluator: Arc::new(evaluator),
                owner: AWS.to_owned(),
            }
        })
        .collect()
}

fn filter(key: &str, values: &[&str]) -> PatchFilter {
    PatchFilter {
        key: key.to_owned(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

fn os_display_name(os: &str) -> &'static str {
    match os {
        "WINDOWS" => "Windows Server",
        "AMAZON_LINUX" => "Amazon Linux",
        "AMAZON_LINUX_2" => "Amazon Linux 2",
        "AMAZON_LINUX_2022" => "Amazon Linux 2022",
        "AMAZON_LINUX_2023" => "Amazon Linux 2023",
        "UBUNTU" => "Ubuntu Server",
        "REDHAT_ENTERPRISE_LINUX" => "Red Hat Enterprise Linux",
        "SUSE" => "SUSE Linux Enterprise Server",
        "CENTOS" => "CentOS",
        "ORACLE_LINUX" => "Oracle Linux",
        "DEBIAN" => "Debian Server",
        "MACOS" => "macOS",
        "RASPBIAN" => "Raspberry Pi OS",
        "ROCKY_LINUX" => "Rocky Linux",
        "ALMA_LINUX" => "AlmaLinux",
        _ => "this operating system",
    }
}

// Shared with the console, which shows which nodes patch by the OS defaults.
pub(crate) use sysman_api::patch::operating_system_of;

/// A node's patch group: its `PatchGroup` tag, or `Patch Group` as AWS
/// first spelled it.
pub(crate) fn patch_group_of(tags: &[Tag]) -> Option<&str> {
    tags.iter()
        .find(|t| t.key == "PatchGroup")
        .or_else(|| tags.iter().find(|t| t.key == "Patch Group"))
        .map(|t| t.value.as_str())
}

/// The patches a node's last report says it has installed (pending a
/// reboot or not), by id: the simulator restores its nodes' software from
/// them after a restart.
pub(crate) fn installed_ids(b: &Inner, instance_id: &str) -> Vec<String> {
    use states::State;
    let states = b.patch.states.read();
    let Some(node) = states.nodes.get(instance_id) else {
        return Vec::new();
    };
    node.entries
        .iter()
        .filter(|e| {
            matches!(
                e.state,
                State::Installed
                    | State::InstalledOther
                    | State::InstalledPendingReboot
                    | State::InstalledRejected
            )
        })
        .map(|e| states.infos[e.patch as usize].id.clone())
        .collect()
}

/// Publishes that `baseline_id` changed.
fn changed(baseline_id: &str) -> Event {
    Event::PatchBaselineChanged {
        baseline_id: baseline_id.to_owned(),
    }
}

/// Applies `edit` to a baseline's tags.
pub(crate) async fn edit_tags(
    b: &Inner,
    ctx: &mut crate::gate::Ctx,
    id: &str,
    edit: impl FnOnce(&mut Vec<Tag>) -> Result<(), ApiError>,
) -> Result<sysman_api::Empty, ApiError> {
    let commit = {
        let mut state = b.patch.state.write();
        let baseline = state
            .baselines
            .get_mut(id)
            .filter(|b| !b.is_predefined())
            .ok_or_else(sysman_api::messages::tag::invalid_resource_id)?;
        let mut tags = baseline.stored.tags.clone();
        edit(&mut tags)?;
        tags.sort();
        baseline.stored.tags = tags;
        ctx.commit(&b.store, vec![baseline.change()])
    };
    commit.await?;
    ctx.publish(changed(id));
    Ok(sysman_api::Empty {})
}

/// A baseline's tags.
pub(crate) fn list_tags(b: &Inner, id: &str) -> Result<Vec<Tag>, ApiError> {
    let state = b.patch.state.read();
    let baseline = state
        .baselines
        .get(id)
        .ok_or_else(sysman_api::messages::tag::invalid_resource_id)?;
    Ok(baseline.stored.tags.clone())
}
