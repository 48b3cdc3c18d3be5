//! Resource policies that share a parameter with other accounts:
//! PutResourcePolicy, GetResourcePolicies and DeleteResourcePolicy.
//!
//! Shapes follow the service model (`PutResourcePolicyRequest`, ...). AWS
//! also attaches these policies to OpsItemGroups; sysman has none, so a
//! `ResourceArn` here always names a parameter.

use serde::{Deserialize, Serialize};

use super::parameter_resource;
use crate::{Empty, Operation};

/// Creates a policy on a parameter, or (with `PolicyId` and `PolicyHash`)
/// replaces one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutResourcePolicy {
    pub resource_arn: String,
    pub policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_hash: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutResourcePolicyResult {
    pub policy_id: String,
    /// Changes whenever the policy does: an update or delete must quote it.
    pub policy_hash: String,
}

impl Operation for PutResourcePolicy {
    const NAME: &'static str = "PutResourcePolicy";
    const READ_ONLY: bool = false;
    type Output = PutResourcePolicyResult;

    fn resource(&self) -> String {
        parameter_resource(&self.resource_arn)
    }
}

/// The policies on a parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetResourcePolicies {
    pub resource_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
}

/// One policy, as `GetResourcePoliciesResponseEntry` has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourcePolicy {
    pub policy_id: String,
    pub policy_hash: String,
    pub policy: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetResourcePoliciesResult {
    #[serde(default)]
    pub policies: Vec<ResourcePolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for GetResourcePolicies {
    const NAME: &'static str = "GetResourcePolicies";
    const READ_ONLY: bool = true;
    type Output = GetResourcePoliciesResult;

    fn resource(&self) -> String {
        parameter_resource(&self.resource_arn)
    }
}

/// Deletes one policy; `PolicyHash` must be its current hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteResourcePolicy {
    pub resource_arn: String,
    pub policy_id: String,
    pub policy_hash: String,
}

impl Operation for DeleteResourcePolicy {
    const NAME: &'static str = "DeleteResourcePolicy";
    const READ_ONLY: bool = false;
    /// `DeleteResourcePolicyResponse` has no members.
    type Output = Empty;

    fn resource(&self) -> String {
        parameter_resource(&self.resource_arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_calls_are_on_the_parameter_they_name() {
        let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/app/db";
        let get = GetResourcePolicies {
            resource_arn: arn.into(),
            ..Default::default()
        };
        assert_eq!(get.resource(), arn);
        let read_only = [
            GetResourcePolicies::READ_ONLY,
            PutResourcePolicy::READ_ONLY,
            DeleteResourcePolicy::READ_ONLY,
        ];
        assert_eq!(read_only, [true, false, false]);
    }

    #[test]
    fn requests_are_named_as_on_the_wire() {
        let put: PutResourcePolicy = serde_json::from_str(
            r#"{"ResourceArn":"arn:aws:ssm:us-east-1:1:parameter/a","Policy":"{}","PolicyId":"p","PolicyHash":"h"}"#,
        )
        .unwrap();
        assert_eq!(put.policy_id.as_deref(), Some("p"));
        assert_eq!(put.policy_hash.as_deref(), Some("h"));
        let out = serde_json::to_string(&PutResourcePolicyResult {
            policy_id: "p".into(),
            policy_hash: "h".into(),
        })
        .unwrap();
        assert_eq!(out, r#"{"PolicyId":"p","PolicyHash":"h"}"#);
    }
}
