//! AWS's node inventory: ListNodes (here `ListManagedNodes`, beside
//! sysman's own `Sysman.ListNodes`) and ListNodesSummary, which counts the
//! nodes by an attribute.
//!
//! sysman serves one account in one region and knows only the nodes that
//! registered with it, so every node is `Managed`, its `ResourceType` is
//! `ManagedInstance`, and its `InstanceStatus` is its ping status.

use std::collections::BTreeMap;

use sysman_api::fleet::{
    InstanceInfo, ListManagedNodes, ListManagedNodesResult, ListNodesSummary,
    ListNodesSummaryResult, ManagedNode, NodeAggregator, NodeFilter, NodeOwnerInfo,
    NodeSummaryLine, NodeType,
};
use sysman_api::{ApiError, Operation, Timestamp};

use super::Node;
use crate::gate::{Ctx, Handler};
use crate::{Inner, paging, validate};

const FILTER_KEYS: [&str; 15] = [
    "AgentType",
    "AgentVersion",
    "ComputerName",
    "InstanceId",
    "InstanceStatus",
    "IpAddress",
    "ManagedStatus",
    "PlatformName",
    "PlatformType",
    "PlatformVersion",
    "ResourceType",
    "OrganizationalUnitId",
    "OrganizationalUnitPath",
    "Region",
    "AccountId",
];

const AGGREGATOR_ATTRIBUTES: [&str; 6] = [
    "AgentVersion",
    "PlatformName",
    "PlatformType",
    "PlatformVersion",
    "Region",
    "ResourceType",
];

const OPERATORS: [&str; 3] = ["Equal", "NotEqual", "BeginWith"];

/// What nodes' agents are, as the inventory names the agent.
const AGENT_TYPE: &str = "amazon-ssm-agent";

/// A node seen the way the inventory sees it.
struct Seen<'a> {
    node: &'a Node,
    info: InstanceInfo,
}

impl Seen<'_> {
    /// The node's value of a filter key or aggregator attribute; None for
    /// what sysman does not know (organizational units, a missing field).
    fn attribute(&self, b: &Inner, key: &str) -> Option<String> {
        let i = &self.info;
        match key {
            "AgentType" => Some(i.agent_type.clone()),
            "AgentVersion" => i.agent_version.clone(),
            "ComputerName" => i.computer_name.clone(),
            "InstanceId" => Some(self.node.instance_id.clone()),
            "InstanceStatus" => Some(i.instance_status.clone()),
            "IpAddress" => i.ip_address.clone(),
            "ManagedStatus" => Some(i.managed_status.clone()),
            "PlatformName" => i.platform_name.clone(),
            "PlatformType" => i.platform_type.map(|p| p.as_str().to_owned()),
            "PlatformVersion" => i.platform_version.clone(),
            "ResourceType" => Some(i.resource_type.clone()),
            "Region" => Some(b.settings.region.clone()),
            "AccountId" => Some(b.settings.account_id.clone()),
            _ => None,
        }
    }
}

fn see<'a>(b: &Inner, node: &'a Node, now: Timestamp) -> Seen<'a> {
    let config = b.fleet.config();
    Seen {
        node,
        info: InstanceInfo {
            agent_type: AGENT_TYPE.to_owned(),
            agent_version: node.agent_version.clone(),
            computer_name: node.computer_name.clone(),
            instance_status: config.ping_status(node.last_ping, now).as_str().to_owned(),
            ip_address: node.ip_address.clone(),
            managed_status: "Managed".to_owned(),
            platform_type: node.platform_type,
            platform_name: node.platform_name.clone(),
            platform_version: node.platform_version.clone(),
            resource_type: "ManagedInstance".to_owned(),
        },
    }
}

fn check_filters(filters: Option<&[NodeFilter]>) -> Result<&[NodeFilter], ApiError> {
    let Some(filters) = filters else {
        return Ok(&[]);
    };
    validate::count(filters.len(), "filters", 1, 5)?;
    for (i, f) in filters.iter().enumerate() {
        let at = |member: &str| format!("filters.{}.member.{member}", i + 1);
        if !FILTER_KEYS.contains(&f.key.as_str()) {
            return Err(ApiError::constraint(
                &at("key"),
                &f.key,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    FILTER_KEYS.join(", ")
                ),
            ));
        }
        validate::count(f.values.len(), &at("values"), 1, 5)?;
        if let Some(t) = f.r#type.as_deref()
            && !OPERATORS.contains(&t)
        {
            return Err(ApiError::constraint(
                &at("type"),
                t,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    OPERATORS.join(", ")
                ),
            ));
        }
    }
    Ok(filters)
}

fn no_sync(sync_name: Option<&str>) -> Result<(), ApiError> {
    match sync_name {
        None => Ok(()),
        Some(name) => Err(ApiError::new(
            "ResourceDataSyncNotFoundException",
            format!(
                "No resource data sync named {name}: sysman has none; leave SyncName out to \
                 list this account's nodes"
            ),
        )),
    }
}

fn matches(b: &Inner, seen: &Seen<'_>, filter: &NodeFilter) -> bool {
    let value = seen.attribute(b, &filter.key);
    let value = value.as_deref();
    let equal = |v: &str| {
        value == Some(v) || (filter.key == "ManagedStatus" && v == "All" && value.is_some())
    };
    match filter.r#type.as_deref().unwrap_or("Equal") {
        "NotEqual" => !filter.values.iter().any(|v| equal(v)),
        "BeginWith" => filter
            .values
            .iter()
            .any(|v| value.is_some_and(|x| x.starts_with(v.as_str()))),
        _ => filter.values.iter().any(|v| equal(v)),
    }
}

impl Handler for ListManagedNodes {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        no_sync(self.sync_name.as_deref())?;
        let filters = check_filters(self.filters.as_deref())?;
        let limit = validate::max_results(self.max_results, 1, 50, 50)?;
        let start = b
            .pager
            .start(Self::NAME, &self.filters, self.next_token.as_deref())?;
        let state = b.fleet.state.read();
        let (nodes, more) = paging::collect(
            state.nodes.range::<str, _>(start.range()).map(|(_, n)| n),
            limit,
            |node| {
                let seen = see(b, node, ctx.now);
                filters
                    .iter()
                    .all(|f| matches(b, &seen, f))
                    .then(|| ManagedNode {
                        capture_time: node.last_ping,
                        id: node.instance_id.clone(),
                        owner: NodeOwnerInfo {
                            account_id: b.settings.account_id.clone(),
                        },
                        region: b.settings.region.clone(),
                        node_type: NodeType {
                            instance: seen.info,
                        },
                    })
            },
        );
        let next_token = match nodes.last() {
            Some(last) if more => Some(b.pager.issue(Self::NAME, &self.filters, &last.id)),
            _ => None,
        };
        Ok(ListManagedNodesResult { nodes, next_token })
    }
}

/// The attributes of each line an aggregator list makes: one per
/// aggregator, and one per aggregator nested in it.
fn aggregations(aggregators: &[NodeAggregator]) -> Result<Vec<Vec<&str>>, ApiError> {
    validate::count(aggregators.len(), "aggregators", 1, 2)?;
    let mut paths = Vec::new();
    for a in aggregators {
        if a.aggregator_type != "Count" {
            return Err(ApiError::constraint(
                "aggregators.member.aggregatorType",
                &a.aggregator_type,
                "Member must satisfy enum value set: [Count]",
            ));
        }
        if a.type_name != "Instance" {
            return Err(ApiError::constraint(
                "aggregators.member.typeName",
                &a.type_name,
                "Member must satisfy enum value set: [Instance]",
            ));
        }
        if !AGGREGATOR_ATTRIBUTES.contains(&a.attribute_name.as_str()) {
            return Err(ApiError::constraint(
                "aggregators.member.attributeName",
                &a.attribute_name,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    AGGREGATOR_ATTRIBUTES.join(", ")
                ),
            ));
        }
        match a.aggregators.as_deref() {
            None => paths.push(vec![a.attribute_name.as_str()]),
            Some(nested) => {
                for inner in aggregations(nested)? {
                    if inner.len() > 1 {
                        return Err(ApiError::new(
                            "InvalidAggregatorException",
                            "Aggregators nest at most one level deep: a summary line counts \
                             by at most two attributes",
                        ));
                    }
                    if inner[0] == a.attribute_name {
                        return Err(ApiError::new(
                            "InvalidAggregatorException",
                            format!(
                                "A nested aggregator counts by {} again; nest another attribute",
                                a.attribute_name
                            ),
                        ));
                    }
                    paths.push(vec![a.attribute_name.as_str(), inner[0]]);
                }
            }
        }
    }
    Ok(paths)
}

impl Handler for ListNodesSummary {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        no_sync(self.sync_name.as_deref())?;
        let filters = check_filters(self.filters.as_deref())?;
        let paths = aggregations(&self.aggregators)?;
        let limit = validate::max_results(self.max_results, 1, 50, 50)?;
        let scope = (&self.filters, &self.aggregators);
        let start = b
            .pager
            .start(Self::NAME, &scope, self.next_token.as_deref())?;
        // Counts by the attribute values of each line; a node that lacks
        // one of a line's attributes is not counted in that line.
        let mut counts: Vec<BTreeMap<Vec<String>, u64>> = vec![BTreeMap::new(); paths.len()];
        {
            let state = b.fleet.state.read();
            for node in state.nodes.values() {
                let seen = see(b, node, ctx.now);
                if !filters.iter().all(|f| matches(b, &seen, f)) {
                    continue;
                }
                for (path, count) in paths.iter().zip(&mut counts) {
                    let values: Option<Vec<String>> =
                        path.iter().map(|a| seen.attribute(b, a)).collect();
                    if let Some(values) = values {
                        *count.entry(values).or_default() += 1;
                    }
                }
            }
        }
        let lines: Vec<NodeSummaryLine> = paths
            .iter()
            .zip(counts)
            .flat_map(|(path, count)| {
                count.into_iter().map(move |(values, n)| {
                    let mut line: NodeSummaryLine =
                        path.iter().map(|a| (*a).to_owned()).zip(values).collect();
                    line.insert("Count".to_owned(), n.to_string());
                    line
                })
            })
            .collect();
        let from = match start.range().0 {
            std::ops::Bound::Excluded(at) => at.parse::<usize>().unwrap_or(0),
            _ => 0,
        };
        let summary: Vec<NodeSummaryLine> = lines.iter().skip(from).take(limit).cloned().collect();
        let end = from + summary.len();
        let next_token =
            (end < lines.len()).then(|| b.pager.issue(Self::NAME, &scope, &end.to_string()));
        Ok(ListNodesSummaryResult {
            summary,
            next_token,
        })
    }
}
