//! Managed nodes, hybrid activations and resource tags.

use serde::{Deserialize, Serialize};

use crate::{Empty, Operation, Prefix, Tag, Timestamp};

/// Whether a node's agent is heard from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PingStatus {
    Online,
    ConnectionLost,
    Inactive,
}

impl PingStatus {
    pub const ALL: [PingStatus; 3] = [
        PingStatus::Online,
        PingStatus::ConnectionLost,
        PingStatus::Inactive,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            PingStatus::Online => "Online",
            PingStatus::ConnectionLost => "ConnectionLost",
            PingStatus::Inactive => "Inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PlatformType {
    Windows,
    Linux,
    MacOS,
}

impl PlatformType {
    pub const ALL: [PlatformType; 3] = [
        PlatformType::Windows,
        PlatformType::Linux,
        PlatformType::MacOS,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            PlatformType::Windows => "Windows",
            PlatformType::Linux => "Linux",
            PlatformType::MacOS => "MacOS",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A managed node as DescribeInstanceInformation reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceInformation {
    pub instance_id: String,
    pub ping_status: PingStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ping_date_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_latest_version: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_type: Option<PlatformType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_date: Option<Timestamp>,
    pub resource_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "IPAddress", skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
}

/// A filter of the older list form: `{"key": "PingStatus", "valueSet": [...]}`.
/// The lower-case member names are the service model's, not ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInformationFilter {
    pub key: String,
    #[serde(rename = "valueSet")]
    pub value_set: Vec<String>,
}

/// A filter of the newer form, which also takes `tag:Key` and `tag-key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceInformationStringFilter {
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstanceInformation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_information_filter_list: Option<Vec<InstanceInformationFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<InstanceInformationStringFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstanceInformationResult {
    pub instance_information_list: Vec<InstanceInformation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// Whether `id` is a node id as the model's `InstanceId` pattern allows it:
/// `(^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)`.
pub fn is_instance_id(id: &str) -> bool {
    let word = |s: &str| s.chars().all(|c| c.is_alphanumeric() || c == '_');
    if let Some(rest) = id.strip_prefix("mi-") {
        rest.chars().count() == 17 && word(rest)
    } else if let Some(rest) = id.strip_prefix("i-") {
        matches!(rest.chars().count(), 8 | 17) && word(rest)
    } else {
        false
    }
}

/// The resource a managed node is to policies and the audit trail
/// (`managed-instance/mi-...`, as in its ARN).
pub fn node_resource(instance_id: &str) -> String {
    format!("managed-instance/{instance_id}")
}

impl Operation for DescribeInstanceInformation {
    const NAME: &'static str = "DescribeInstanceInformation";
    const READ_ONLY: bool = true;
    type Output = DescribeInstanceInformationResult;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegistrationMetadataItem {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateActivation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_instance_name: Option<String>,
    pub iam_role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_metadata: Option<Vec<RegistrationMetadataItem>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateActivationResult {
    pub activation_id: String,
    pub activation_code: String,
}

impl Operation for CreateActivation {
    const NAME: &'static str = "CreateActivation";
    const READ_ONLY: bool = false;
    type Output = CreateActivationResult;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Activation {
    pub activation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_instance_name: Option<String>,
    pub iam_role: String,
    pub registration_limit: i64,
    pub registrations_count: i64,
    pub expiration_date: Timestamp,
    pub expired: bool,
    pub created_date: Timestamp,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeActivationsFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_values: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeActivations {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<DescribeActivationsFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeActivationsResult {
    pub activation_list: Vec<Activation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribeActivations {
    const NAME: &'static str = "DescribeActivations";
    const READ_ONLY: bool = true;
    type Output = DescribeActivationsResult;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteActivation {
    pub activation_id: String,
}

impl Operation for DeleteActivation {
    const NAME: &'static str = "DeleteActivation";
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        format!("activation/{}", self.activation_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeregisterManagedInstance {
    pub instance_id: String,
}

impl Operation for DeregisterManagedInstance {
    const NAME: &'static str = "DeregisterManagedInstance";
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        crate::fleet::node_resource(&self.instance_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddTagsToResource {
    pub resource_type: String,
    pub resource_id: String,
    pub tags: Vec<Tag>,
}

impl Operation for AddTagsToResource {
    const NAME: &'static str = "AddTagsToResource";
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        tagged_resource(&self.resource_type, &self.resource_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoveTagsFromResource {
    pub resource_type: String,
    pub resource_id: String,
    pub tag_keys: Vec<String>,
}

impl Operation for RemoveTagsFromResource {
    const NAME: &'static str = "RemoveTagsFromResource";
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        tagged_resource(&self.resource_type, &self.resource_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForResource {
    pub resource_type: String,
    pub resource_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagsForResourceResult {
    pub tag_list: Vec<Tag>,
}

impl Operation for ListTagsForResource {
    const NAME: &'static str = "ListTagsForResource";
    const READ_ONLY: bool = true;
    type Output = ListTagsForResourceResult;

    fn resource(&self) -> String {
        tagged_resource(&self.resource_type, &self.resource_id)
    }
}

fn tagged_resource(resource_type: &str, resource_id: &str) -> String {
    match resource_type {
        "ManagedInstance" => crate::fleet::node_resource(resource_id),
        "Document" => crate::documents::document_resource(resource_id),
        other => format!("{other}/{resource_id}"),
    }
}

/// The agent's heartbeat: who it is and what it runs on. Not in the public
/// service model; the real agent sends it on its own channel, and sysman's
/// agent sends it here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateInstanceInformation {
    pub instance_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_type: Option<PlatformType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    #[serde(rename = "IPAddress", skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_name: Option<String>,
}

impl Operation for UpdateInstanceInformation {
    const NAME: &'static str = "UpdateInstanceInformation";
    const READ_ONLY: bool = false;
    const NODE_CALLABLE: bool = true;
    type Output = Empty;

    fn resource(&self) -> String {
        crate::fleet::node_resource(&self.instance_id)
    }
}

/// An agent trades an activation id and code for a node id and credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterNode {
    pub activation_id: String,
    pub activation_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_type: Option<PlatformType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    #[serde(rename = "IPAddress", skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterNodeResult {
    pub instance_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl Operation for RegisterNode {
    const NAME: &'static str = "RegisterNode";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    const SIGNED: bool = false;
    type Output = RegisterNodeResult;

    fn resource(&self) -> String {
        format!("activation/{}", self.activation_id)
    }

    fn audit_view(&self) -> String {
        let redacted = RegisterNode {
            activation_code: "**redacted**".into(),
            ..self.clone()
        };
        serde_json::to_string(&redacted).unwrap_or_default()
    }
}

/// A node with its tags, as the console's fleet view needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NodeSummary {
    #[serde(flatten)]
    pub info: InstanceInformation,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// Every node with its tags, in large pages. DescribeInstanceInformation
/// carries no tags and pages by 50; a fleet view needs both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListNodes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListNodesResult {
    pub nodes: Vec<NodeSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListNodes {
    const NAME: &'static str = "ListNodes";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = true;
    type Output = ListNodesResult;
}

/// Largest page ListNodes hands out.
pub const LIST_NODES_MAX_RESULTS: i64 = 5000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_follow_the_model_pattern() {
        assert!(is_instance_id("i-0123abcd"));
        assert!(is_instance_id("mi-0123456789abcdef0"));
        assert!(!is_instance_id("mi-123"));
    }
}

/// Gives a hybrid node (`mi-…`) another IAM role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateManagedInstanceRole {
    pub instance_id: String,
    pub iam_role: String,
}

impl Operation for UpdateManagedInstanceRole {
    const NAME: &'static str = "UpdateManagedInstanceRole";
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        node_resource(&self.instance_id)
    }
}

/// Whether a node can be reached for a session now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetConnectionStatus {
    pub target: String,
}

/// `ConnectionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionStatus {
    Connected,
    #[serde(rename = "notconnected")]
    NotConnected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetConnectionStatusResult {
    pub target: String,
    pub status: ConnectionStatus,
}

impl Operation for GetConnectionStatus {
    const NAME: &'static str = "GetConnectionStatus";
    const READ_ONLY: bool = true;
    type Output = GetConnectionStatusResult;

    fn resource(&self) -> String {
        node_resource(&self.target)
    }
}

/// `NodeFilter` of AWS's ListNodes and ListNodesSummary. `Type` is
/// `Equal` (when absent), `NotEqual` or `BeginWith`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NodeFilter {
    pub key: String,
    pub values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
}

/// AWS's ListNodes, the node inventory (`AmazonSSM.ListNodes`); not
/// sysman's own `Sysman.ListNodes` ([`ListNodes`]), which the console uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListManagedNodes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<NodeFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
}

/// `NodeOwnerInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NodeOwnerInfo {
    pub account_id: String,
}

/// `InstanceInfo`: what the node inventory knows of one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceInfo {
    pub agent_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_name: Option<String>,
    /// The node's ping status.
    pub instance_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// `Managed`: every node sysman knows is managed.
    pub managed_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_type: Option<PlatformType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    /// `ManagedInstance` or `EC2Instance`.
    pub resource_type: String,
}

/// `NodeType`, a union of which `Instance` is the one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NodeType {
    pub instance: InstanceInfo,
}

/// `Node` of AWS's ListNodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedNode {
    /// When the node last reported.
    pub capture_time: Timestamp,
    pub id: String,
    pub owner: NodeOwnerInfo,
    pub region: String,
    pub node_type: NodeType,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListManagedNodesResult {
    pub nodes: Vec<ManagedNode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListManagedNodes {
    const NAME: &'static str = "ListNodes";
    const READ_ONLY: bool = true;
    type Output = ListManagedNodesResult;
}

/// `NodeAggregator`: count nodes by one attribute, then, within each value,
/// by the attribute of a nested aggregator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NodeAggregator {
    /// `Count`.
    pub aggregator_type: String,
    /// `Instance`.
    pub type_name: String,
    pub attribute_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregators: Option<Vec<NodeAggregator>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListNodesSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<NodeFilter>>,
    pub aggregators: Vec<NodeAggregator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
}

/// One line of a summary: the attribute values it counts, and `Count`.
pub type NodeSummaryLine = std::collections::BTreeMap<String, String>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListNodesSummaryResult {
    pub summary: Vec<NodeSummaryLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListNodesSummary {
    const NAME: &'static str = "ListNodesSummary";
    const READ_ONLY: bool = true;
    type Output = ListNodesSummaryResult;
}

/// `InstancePropertyFilter`, the list form: `{"key": ..., "valueSet": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstancePropertyFilter {
    pub key: String,
    #[serde(rename = "valueSet")]
    pub value_set: Vec<String>,
}

/// `InstancePropertyStringFilter`: a key, values and an operator (`Equal`
/// when absent, `NotEqual`, `BeginWith`, `LessThan`, `GreaterThan`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstancePropertyStringFilter {
    pub key: String,
    pub values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstanceProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_property_filter_list: Option<Vec<InstancePropertyFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters_with_operator: Option<Vec<InstancePropertyStringFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `InstanceProperty`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProperty {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub instance_id: String,
    #[serde(rename = "IPAddress", skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    pub ping_status: PingStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ping_date_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_type: Option<PlatformType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_date: Option<Timestamp>,
    pub resource_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstancePropertiesResult {
    pub instance_properties: Vec<InstanceProperty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribeInstanceProperties {
    const NAME: &'static str = "DescribeInstanceProperties";
    const READ_ONLY: bool = true;
    type Output = DescribeInstancePropertiesResult;
}
