//! The filters of DescribeInstanceInformation, checked and compiled once
//! per call into predicates over nodes.

use std::collections::BTreeSet;

use sysman_api::ApiError;
use sysman_api::Timestamp;
use sysman_api::fleet::{
    DescribeInstanceInformation, InstanceInformationFilter, InstanceInformationStringFilter,
    PingStatus, PlatformType,
};

use super::{FleetConfig, Node};

/// Keys of the legacy InstanceInformationFilterList.
const KEYS: [&str; 8] = [
    "InstanceIds",
    "AgentVersion",
    "PingStatus",
    "PlatformTypes",
    "ActivationIds",
    "IamRole",
    "ResourceType",
    "AssociationStatus",
];

/// Keys of Filters besides tags: the legacy ones, the singular
/// `PlatformType` the model documents, and the source filters.
const STRING_KEYS: [&str; 11] = [
    "InstanceIds",
    "AgentVersion",
    "PingStatus",
    "PlatformTypes",
    "PlatformType",
    "ActivationIds",
    "IamRole",
    "ResourceType",
    "AssociationStatus",
    "SourceIds",
    "SourceTypes",
];

/// One compiled filter; a node must pass all of them.
#[derive(Debug)]
pub(crate) enum Predicate {
    InstanceIds(BTreeSet<String>),
    AgentVersion(BTreeSet<String>),
    PingStatus(BTreeSet<PingStatus>),
    PlatformTypes(BTreeSet<PlatformType>),
    ActivationIds(BTreeSet<String>),
    IamRole(BTreeSet<String>),
    ResourceType(BTreeSet<String>),
    /// Nodes carry no association status until State Manager exists, so
    /// this matches none.
    AssociationStatus,
    SourceIds(BTreeSet<String>),
    SourceTypes(BTreeSet<String>),
    TagKey(BTreeSet<String>),
    Tag(String, BTreeSet<String>),
}

impl Predicate {
    /// The one `key=value` a tag filter with a single value selects.
    pub fn indexed_tag(&self) -> Option<(&str, &str)> {
        match self {
            Predicate::Tag(key, values) if values.len() == 1 => {
                values.first().map(|v| (key.as_str(), v.as_str()))
            }
            _ => None,
        }
    }

    pub fn matches(&self, node: &Node, config: &FleetConfig, now: Timestamp) -> bool {
        let has = |set: &BTreeSet<String>, v: &Option<String>| {
            v.as_ref().is_some_and(|v| set.contains(v))
        };
        match self {
            Predicate::InstanceIds(ids) => ids.contains(&node.instance_id),
            Predicate::AgentVersion(v) => has(v, &node.agent_version),
            Predicate::PingStatus(s) => s.contains(&config.ping_status(node.last_ping, now)),
            Predicate::PlatformTypes(p) => node.platform_type.is_some_and(|t| p.contains(&t)),
            Predicate::ActivationIds(a) => has(a, &node.activation_id),
            Predicate::IamRole(r) => has(r, &node.iam_role),
            Predicate::ResourceType(r) => r.contains("ManagedInstance"),
            Predicate::AssociationStatus => false,
            // Every node sysman manages is its own source, a managed instance.
            Predicate::SourceIds(ids) => ids.contains(&node.instance_id),
            Predicate::SourceTypes(t) => t.contains("AWS::SSM::ManagedInstance"),
            Predicate::TagKey(keys) => node.tags.iter().any(|t| keys.contains(&t.key)),
            Predicate::Tag(key, values) => node
                .tags
                .iter()
                .any(|t| t.key == *key && values.contains(&t.value)),
        }
    }
}

/// Checks both filter lists of a request and compiles them.
pub(crate) fn compile(req: &DescribeInstanceInformation) -> Result<Vec<Predicate>, ApiError> {
    let list = req
        .instance_information_filter_list
        .as_deref()
        .unwrap_or_default();
    let strings = req.filters.as_deref().unwrap_or_default();
    if !list.is_empty() && !strings.is_empty() {
        return Err(ApiError::validation(
            "Give either InstanceInformationFilterList or Filters, not both",
        ));
    }
    let mut predicates = Vec::new();
    for InstanceInformationFilter { key, value_set } in list {
        if !KEYS.contains(&key.as_str()) {
            return Err(ApiError::new(
                "InvalidFilterKey",
                format!(
                    "'{key}' is not a filter key of InstanceInformationFilterList; use one of {}",
                    KEYS.join(", ")
                ),
            ));
        }
        predicates.push(compile_one(key, value_set)?);
    }
    for InstanceInformationStringFilter { key, values } in strings {
        if let Some(tag_key) = key.strip_prefix("tag:") {
            check_values(key, values)?;
            if tag_key.is_empty() {
                return Err(ApiError::new(
                    "InvalidFilterKey",
                    "The filter key 'tag:' names no tag; write tag:KEY, for example tag:Environment",
                ));
            }
            predicates.push(Predicate::Tag(
                tag_key.to_owned(),
                values.iter().cloned().collect(),
            ));
        } else if key == "tag-key" {
            check_values(key, values)?;
            predicates.push(Predicate::TagKey(values.iter().cloned().collect()));
        } else if STRING_KEYS.contains(&key.as_str()) {
            predicates.push(compile_one(key, values)?);
        } else {
            return Err(ApiError::new(
                "InvalidFilterKey",
                format!(
                    "'{key}' is not a filter key of Filters; use tag:KEY, tag-key or one of {}",
                    STRING_KEYS.join(", ")
                ),
            ));
        }
    }
    Ok(predicates)
}

fn check_values(key: &str, values: &[String]) -> Result<(), ApiError> {
    if values.is_empty() || values.len() > 100 {
        return Err(ApiError::new(
            "InvalidInstanceInformationFilterValue",
            format!(
                "Filter '{key}' needs between 1 and 100 values; it has {}",
                values.len()
            ),
        ));
    }
    Ok(())
}

fn compile_one(key: &str, values: &[String]) -> Result<Predicate, ApiError> {
    check_values(key, values)?;
    let set = || values.iter().cloned().collect::<BTreeSet<String>>();
    let bad_value = |value: &str, allowed: &str| {
        ApiError::new(
            "InvalidInstanceInformationFilterValue",
            format!("'{value}' is not a value of filter {key}; use {allowed}"),
        )
    };
    Ok(match key {
        "InstanceIds" => {
            if let Some(bad) = values
                .iter()
                .find(|v| !sysman_api::fleet::is_instance_id(v))
            {
                return Err(ApiError::new(
                    "InvalidInstanceId",
                    format!("'{bad}' is not a node id; node ids look like mi-0123456789abcdef0"),
                ));
            }
            Predicate::InstanceIds(set())
        }
        "AgentVersion" => Predicate::AgentVersion(set()),
        "PingStatus" => Predicate::PingStatus(
            values
                .iter()
                .map(|v| {
                    PingStatus::parse(v)
                        .ok_or_else(|| bad_value(v, "Online, ConnectionLost or Inactive"))
                })
                .collect::<Result<_, _>>()?,
        ),
        "PlatformTypes" | "PlatformType" => Predicate::PlatformTypes(
            values
                .iter()
                .map(|v| {
                    PlatformType::parse(v).ok_or_else(|| bad_value(v, "Windows, Linux or MacOS"))
                })
                .collect::<Result<_, _>>()?,
        ),
        "ActivationIds" => Predicate::ActivationIds(set()),
        "IamRole" => Predicate::IamRole(set()),
        "ResourceType" => {
            if let Some(bad) = values
                .iter()
                .find(|v| !matches!(v.as_str(), "ManagedInstance" | "EC2Instance"))
            {
                return Err(bad_value(bad, "ManagedInstance or EC2Instance"));
            }
            Predicate::ResourceType(set())
        }
        "SourceIds" => Predicate::SourceIds(set()),
        "SourceTypes" => {
            const TYPES: [&str; 3] = [
                "AWS::EC2::Instance",
                "AWS::SSM::ManagedInstance",
                "AWS::IoT::Thing",
            ];
            if let Some(bad) = values.iter().find(|v| !TYPES.contains(&v.as_str())) {
                return Err(bad_value(bad, &TYPES.join(", ")));
            }
            Predicate::SourceTypes(set())
        }
        _ => Predicate::AssociationStatus,
    })
}
