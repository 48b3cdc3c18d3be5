//! Node registration, heartbeats, listing and deregistration.

use sha2::{Digest, Sha256};
use sysman_api::fleet::{
    DeregisterManagedInstance, DescribeInstanceInformation, DescribeInstanceInformationResult,
    LIST_NODES_MAX_RESULTS, ListNodes, ListNodesResult, RegisterNode, RegisterNodeResult,
    UpdateInstanceInformation,
};
use sysman_api::{ApiError, Empty, Operation};

use std::collections::BTreeSet;

use super::filters::Predicate;
use super::{Fleet, Node, filters, secret_aad};
use crate::gate::{Ctx, Handler};
use crate::store::Change;
use crate::{Event, Inner, paging, validate};

impl Handler for DescribeInstanceInformation {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        // The model's documented default page is 10 items.
        let limit = validate::max_results(self.max_results, 5, 50, 10)?;
        let predicates = filters::compile(&self)?;
        let scope = (&self.instance_information_filter_list, &self.filters);
        let start = b
            .pager
            .start(Self::NAME, &scope, self.next_token.as_deref())?;
        let config = b.fleet.config();
        let state = b.fleet.state.read();
        let keep = |node: &Node| {
            predicates
                .iter()
                .all(|p| p.matches(node, config, ctx.now))
                .then(|| node.info(config, ctx.now))
        };
        // A single-valued tag filter walks the tag index (the fewest nodes
        // of any such filter) instead of the whole fleet.
        let narrowest = predicates
            .iter()
            .filter_map(Predicate::indexed_tag)
            .map(|(key, value)| state.tagged(key, value))
            .min_by_key(|ids| ids.map_or(0, BTreeSet::len));
        let (list, more) = match narrowest {
            Some(None) => (Vec::new(), false),
            Some(Some(ids)) => paging::collect(
                ids.range::<str, _>(start.range())
                    .filter_map(|id| state.nodes.get(id)),
                limit,
                keep,
            ),
            None => paging::collect(
                state.nodes.range::<str, _>(start.range()).map(|(_, n)| n),
                limit,
                keep,
            ),
        };
        let next_token = match list.last() {
            Some(last) if more => Some(b.pager.issue(Self::NAME, &scope, &last.instance_id)),
            _ => None,
        };
        Ok(DescribeInstanceInformationResult {
            instance_information_list: list,
            next_token,
        })
    }
}

impl Handler for ListNodes {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, LIST_NODES_MAX_RESULTS, 1000)?;
        let start = b.pager.start(Self::NAME, &(), self.next_token.as_deref())?;
        let config = b.fleet.config();
        let state = b.fleet.state.read();
        let (nodes, more) = paging::collect(
            state.nodes.range::<str, _>(start.range()).map(|(_, n)| n),
            limit,
            |n| Some(n.summary(config, ctx.now)),
        );
        let next_token = match nodes.last() {
            Some(last) if more => Some(b.pager.issue(Self::NAME, &(), &last.info.instance_id)),
            _ => None,
        };
        Ok(ListNodesResult { nodes, next_token })
    }
}

fn invalid_activation(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidActivation", message)
}

impl Handler for RegisterNode {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        // Checked before anything else, so a stranger's oversized id goes
        // no further.
        if !validate::is_activation_id(&self.activation_id) {
            return Err(ApiError::new(
                "InvalidActivationId",
                "The activation id is not an activation id; activation ids are lowercase \
                 UUIDs",
            ));
        }
        validate::length(Some(&self.activation_code), "activationCode", 20, 250)?;
        check_reported(reported!(self))?;
        let mismatch = || {
            invalid_activation(
                "The activation id and code do not match any activation; check both, \
                 or create a new activation",
            )
        };
        let code_sha256 = hex::encode(Sha256::digest(self.activation_code.as_bytes()));
        let config = b.fleet.config();
        let secret = b.ids.secret();
        let (commit, node, earliest) = {
            let mut state = b.fleet.state.write();
            let activation = state
                .activations
                .get(&self.activation_id)
                .ok_or_else(mismatch)?;
            if activation.code_sha256 != code_sha256 {
                return Err(mismatch());
            }
            if ctx.now >= activation.expiration_date {
                return Err(invalid_activation(format!(
                    "Activation {} expired at {}; create a new activation",
                    activation.activation_id, activation.expiration_date
                )));
            }
            if activation.registrations_count >= activation.registration_limit {
                return Err(invalid_activation(format!(
                    "Activation {} has reached its registration limit of {}; \
                     create a new activation for more nodes",
                    activation.activation_id, activation.registration_limit
                )));
            }
            let mut activation = activation.clone();
            activation.registrations_count += 1;
            let mut instance_id = b.ids.instance_id();
            while state.nodes.contains_key(&instance_id) {
                instance_id = b.ids.instance_id();
            }
            let mut tags = activation.tags.clone();
            tags.sort();
            let mut access_key_id = b.ids.access_key_id();
            while state.by_access_key.contains_key(&access_key_id) {
                access_key_id = b.ids.access_key_id();
            }
            let aad = secret_aad(&instance_id, &access_key_id);
            let secret_sealed = b.kms.seal_credential(secret.as_bytes(), &aad);
            let node = Node {
                instance_id,
                activation_id: Some(activation.activation_id.clone()),
                iam_role: Some(activation.iam_role.clone()),
                registration_date: ctx.now,
                last_ping: ctx.now,
                agent_version: self.agent_version,
                platform_type: self.platform_type,
                platform_name: self.platform_name,
                platform_version: self.platform_version,
                ip_address: self.ip_address,
                computer_name: self.computer_name,
                name: activation.default_instance_name.clone(),
                tags,
                access_key_id,
                secret_sealed: Some(secret_sealed),
                secret_sha256: None,
            };
            let commit = ctx.commit(&b.store, vec![node.change(), activation.change()]);
            state
                .activations
                .insert(activation.activation_id.clone(), activation);
            let summary = node.summary(config, ctx.now);
            let access_key_id = node.access_key_id.clone();
            let earliest = state.upsert(node, config, ctx.now);
            (commit, (summary, access_key_id), earliest)
        };
        let (summary, access_key_id) = node;
        if earliest {
            b.scheduler.nudge();
        }
        commit.await?;
        let instance_id = summary.info.instance_id.clone();
        ctx.publish(Event::NodeChanged(Box::new(summary)));
        ctx.publish(Event::ActivationsChanged);
        Ok(RegisterNodeResult {
            instance_id,
            access_key_id,
            secret_access_key: secret,
        })
    }
}

/// What an agent reports about its node: the members of the same names of
/// RegisterNode and UpdateInstanceInformation.
macro_rules! reported {
    ($op:expr) => {
        Reported {
            agent_version: $op.agent_version.as_deref(),
            ip_address: $op.ip_address.as_deref(),
            computer_name: $op.computer_name.as_deref(),
            platform_name: $op.platform_name.as_deref(),
            platform_version: $op.platform_version.as_deref(),
        }
    };
}
use reported;

/// What an agent reports about its node.
struct Reported<'a> {
    agent_version: Option<&'a str>,
    ip_address: Option<&'a str>,
    computer_name: Option<&'a str>,
    platform_name: Option<&'a str>,
    platform_version: Option<&'a str>,
}

/// Checks what an agent reports, with AWS's limits: the agent version's
/// pattern, an IP address of up to 46 characters, and a computer name (and,
/// by the same rule, a platform's name and version) of up to 255.
fn check_reported(r: Reported<'_>) -> Result<(), ApiError> {
    if let Some(v) = r.agent_version.filter(|v| !validate::is_agent_version(v)) {
        return Err(ApiError::constraint(
            "agentVersion",
            v,
            r"Member must satisfy regular expression pattern: ^[0-9]{1,6}(\.[0-9]{1,6}){2,3}$",
        ));
    }
    validate::length(r.ip_address, "iPAddress", 1, 46)?;
    validate::length(r.computer_name, "computerName", 1, 255)?;
    validate::length(r.platform_name, "platformName", 1, 255)?;
    validate::length(r.platform_version, "platformVersion", 1, 255)
}

impl Handler for UpdateInstanceInformation {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_reported(reported!(self))?;
        let config = b.fleet.config();
        let (commit, summary, earliest) = {
            let mut state = b.fleet.state.write();
            let mut node = state
                .nodes
                .get(&self.instance_id)
                .cloned()
                .ok_or_else(|| Fleet::node_not_found(&self.instance_id))?;
            node.last_ping = ctx.now;
            let keep = |new: Option<String>, old: &mut Option<String>| {
                if new.is_some() {
                    *old = new;
                }
            };
            keep(self.agent_version, &mut node.agent_version);
            keep(self.platform_name, &mut node.platform_name);
            keep(self.platform_version, &mut node.platform_version);
            keep(self.ip_address, &mut node.ip_address);
            keep(self.computer_name, &mut node.computer_name);
            if self.platform_type.is_some() {
                node.platform_type = self.platform_type;
            }
            let commit = ctx.commit(&b.store, vec![node.change()]);
            let summary = node.summary(config, ctx.now);
            let earliest = state.upsert(node, config, ctx.now);
            (commit, summary, earliest)
        };
        if earliest {
            b.scheduler.nudge();
        }
        commit.await?;
        ctx.publish(Event::NodeChanged(Box::new(summary)));
        Ok(Empty {})
    }
}

/// A node's agent was heard from without a heartbeat (it long-polled its
/// mailbox): that counts as a ping, as it does for AWS's agents, so an agent
/// may heartbeat only every few minutes and still stay Online. Recorded at
/// most once per half heartbeat interval, so polls cost no write each.
pub(crate) async fn heard_from(
    b: &Inner,
    ctx: &mut Ctx,
    instance_id: &str,
) -> Result<(), ApiError> {
    let config = b.fleet.config();
    let refresh_ms = i64::try_from(config.heartbeat_interval.as_millis() / 2).unwrap_or(i64::MAX);
    let (commit, summary, earliest) = {
        let mut state = b.fleet.state.write();
        let Some(node) = state.nodes.get(instance_id) else {
            return Ok(());
        };
        if ctx.now.millis_since(node.last_ping) < refresh_ms {
            return Ok(());
        }
        let mut node = node.clone();
        node.last_ping = ctx.now;
        let commit = ctx.commit(&b.store, vec![node.change()]);
        let summary = node.summary(config, ctx.now);
        let earliest = state.upsert(node, config, ctx.now);
        (commit, summary, earliest)
    };
    if earliest {
        b.scheduler.nudge();
    }
    commit.await?;
    ctx.publish(Event::NodeChanged(Box::new(summary)));
    Ok(())
}

impl Handler for DeregisterManagedInstance {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        if !validate::is_managed_instance_id(&self.instance_id) {
            return Err(ApiError::constraint(
                "instanceId",
                &self.instance_id,
                "Member must satisfy regular expression pattern: (^mi-[0-9a-f]{17}$)",
            ));
        }
        let config = b.fleet.config();
        let mut fx = crate::commands::Effects::default();
        let commit = {
            // Commands before the fleet, the order every holder of both takes.
            let mut commands = b.commands.lock();
            let mut state = b.fleet.state.write();
            if !state.nodes.contains_key(&self.instance_id) {
                return Err(Fleet::node_not_found(&self.instance_id));
            }
            state.remove(&self.instance_id, config);
            crate::commands::node_removed(
                &mut commands,
                &self.instance_id,
                &super::FleetView {
                    state: &state,
                    config,
                },
                ctx.now,
                &mut fx,
            );
            fx.changes.insert(
                0,
                Change::Delete {
                    kind: super::NODE_KIND,
                    id: self.instance_id.clone(),
                },
            );
            // What the node reported of its patches and compliance goes
            // with it (locks in the order fleet, patch states, compliance).
            fx.changes.extend(b.patch.forget_node(&self.instance_id));
            fx.changes
                .extend(b.compliance.write().remove_resource(&self.instance_id));
            crate::commands::queue(b, ctx, fx)
        };
        crate::commands::announce(b, commit.await?);
        ctx.publish(Event::NodeRemoved {
            instance_id: self.instance_id,
        });
        Ok(Empty {})
    }
}
