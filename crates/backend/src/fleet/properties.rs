//! DescribeInstanceProperties: the nodes' properties, filtered by the list
//! form (`key`/`valueSet`, every value an equality) or by filters with an
//! operator.
//!
//! Nodes carry no associations until State Manager exists, so the
//! `DocumentName` and `AssociationStatus` filters match no node.

use std::cmp::Ordering;

use sysman_api::fleet::{
    DescribeInstanceProperties, DescribeInstancePropertiesResult, InstanceInformation,
    InstanceProperty, PingStatus, PlatformType,
};
use sysman_api::{ApiError, Operation, Timestamp};

use super::{FleetConfig, Node};
use crate::gate::{Ctx, Handler};
use crate::{paging, validate};

const KEYS: [&str; 9] = [
    "InstanceIds",
    "AgentVersion",
    "PingStatus",
    "PlatformTypes",
    "DocumentName",
    "ActivationIds",
    "IamRole",
    "ResourceType",
    "AssociationStatus",
];

const OPERATORS: [&str; 5] = ["Equal", "NotEqual", "BeginWith", "LessThan", "GreaterThan"];

/// One checked filter.
struct Filter {
    key: String,
    values: Vec<String>,
    operator: String,
}

fn bad_value(key: &str, value: &str, allowed: &str) -> ApiError {
    ApiError::new(
        "InvalidInstancePropertyFilterValue",
        format!("'{value}' is not a value of filter {key}; use {allowed}"),
    )
}

fn check(key: &str, values: &[String], operator: &str, field: &str) -> Result<Filter, ApiError> {
    if !KEYS.contains(&key) && !key.starts_with("tag:") {
        return Err(ApiError::new(
            "InvalidFilterKey",
            format!(
                "'{key}' is not a filter key of DescribeInstanceProperties; use tag:KEY or one \
                 of {}",
                KEYS.join(", ")
            ),
        ));
    }
    validate::count(values.len(), field, 1, 40)?;
    for v in values {
        match key {
            "InstanceIds" if !sysman_api::fleet::is_instance_id(v) => {
                return Err(ApiError::new(
                    "InvalidInstanceId",
                    format!("'{v}' is not a node id; node ids look like mi-0123456789abcdef0"),
                ));
            }
            "PingStatus" if PingStatus::parse(v).is_none() => {
                return Err(bad_value(key, v, "Online, ConnectionLost or Inactive"));
            }
            "PlatformTypes" if PlatformType::parse(v).is_none() => {
                return Err(bad_value(key, v, "Windows, Linux or MacOS"));
            }
            _ => {}
        }
    }
    if matches!(operator, "LessThan" | "GreaterThan") && values.len() != 1 {
        return Err(bad_value(
            key,
            &values.join(", "),
            &format!("exactly one value with {operator}"),
        ));
    }
    Ok(Filter {
        key: key.to_owned(),
        values: values.to_vec(),
        operator: operator.to_owned(),
    })
}

fn compile(req: &DescribeInstanceProperties) -> Result<Vec<Filter>, ApiError> {
    let list = req.instance_property_filter_list.as_deref();
    let with_operator = req.filters_with_operator.as_deref();
    if list.is_some() && with_operator.is_some() {
        return Err(ApiError::validation(
            "Give either InstancePropertyFilterList or FiltersWithOperator, not both",
        ));
    }
    let mut filters = Vec::new();
    if let Some(list) = list {
        validate::count(list.len(), "instancePropertyFilterList", 1, 40)?;
        for f in list {
            filters.push(check(&f.key, &f.value_set, "Equal", "valueSet")?);
        }
    }
    if let Some(with_operator) = with_operator {
        validate::count(with_operator.len(), "filtersWithOperator", 1, 40)?;
        for f in with_operator {
            let operator = f.operator.as_deref().unwrap_or("Equal");
            if !OPERATORS.contains(&operator) {
                return Err(ApiError::constraint(
                    "filtersWithOperator.member.operator",
                    operator,
                    &format!(
                        "Member must satisfy enum value set: [{}]",
                        OPERATORS.join(", ")
                    ),
                ));
            }
            filters.push(check(&f.key, &f.values, operator, "values")?);
        }
    }
    Ok(filters)
}

/// Compares agent versions by their numbers, anything else as text.
fn compare(a: &str, b: &str) -> Ordering {
    let numbers = |s: &str| {
        s.split('.')
            .map(|p| p.parse::<u64>().ok())
            .collect::<Option<Vec<u64>>>()
    };
    match (numbers(a), numbers(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

fn value(info: &InstanceInformation, node: &Node, key: &str) -> Option<String> {
    match key {
        "InstanceIds" => Some(info.instance_id.clone()),
        "AgentVersion" => info.agent_version.clone(),
        "PingStatus" => Some(info.ping_status.as_str().to_owned()),
        "PlatformTypes" => info.platform_type.map(|p| p.as_str().to_owned()),
        "ActivationIds" => info.activation_id.clone(),
        "IamRole" => info.iam_role.clone(),
        "ResourceType" => Some(info.resource_type.clone()),
        _ => key.strip_prefix("tag:").and_then(|k| {
            node.tags
                .iter()
                .find(|t| t.key == k)
                .map(|t| t.value.clone())
        }),
    }
}

fn passes(filter: &Filter, info: &InstanceInformation, node: &Node) -> bool {
    let value = value(info, node, &filter.key);
    let Some(value) = value.as_deref() else {
        return filter.operator == "NotEqual";
    };
    let values = &filter.values;
    match filter.operator.as_str() {
        "NotEqual" => !values.iter().any(|v| v == value),
        "BeginWith" => values.iter().any(|v| value.starts_with(v.as_str())),
        "LessThan" => compare(value, &values[0]) == Ordering::Less,
        "GreaterThan" => compare(value, &values[0]) == Ordering::Greater,
        _ => values.iter().any(|v| v == value),
    }
}

fn property(info: InstanceInformation) -> InstanceProperty {
    InstanceProperty {
        name: info.name,
        instance_id: info.instance_id,
        ip_address: info.ip_address,
        ping_status: info.ping_status,
        last_ping_date_time: info.last_ping_date_time,
        agent_version: info.agent_version,
        platform_type: info.platform_type,
        platform_name: info.platform_name,
        platform_version: info.platform_version,
        activation_id: info.activation_id,
        iam_role: info.iam_role,
        registration_date: info.registration_date,
        resource_type: info.resource_type,
        computer_name: info.computer_name,
        source_id: info.source_id,
        source_type: info.source_type,
    }
}

fn keep(
    filters: &[Filter],
    node: &Node,
    config: &FleetConfig,
    now: Timestamp,
) -> Option<InstanceProperty> {
    let info = node.info(config, now);
    filters
        .iter()
        .all(|f| passes(f, &info, node))
        .then(|| property(info))
}

impl Handler for DescribeInstanceProperties {
    async fn handle(self, b: &crate::Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 5, 1000, 10)?;
        let filters = compile(&self)?;
        let scope = (
            &self.instance_property_filter_list,
            &self.filters_with_operator,
        );
        let start = b
            .pager
            .start(Self::NAME, &scope, self.next_token.as_deref())?;
        let config = b.fleet.config();
        let state = b.fleet.state.read();
        let (instance_properties, more) = paging::collect(
            state.nodes.range::<str, _>(start.range()).map(|(_, n)| n),
            limit,
            |node| keep(&filters, node, config, ctx.now),
        );
        let next_token = match instance_properties.last() {
            Some(last) if more => Some(b.pager.issue(Self::NAME, &scope, &last.instance_id)),
            _ => None,
        };
        Ok(DescribeInstancePropertiesResult {
            instance_properties,
            next_token,
        })
    }
}
