//! Users, access keys and inline policies, shaped as AWS IAM shapes them.
//! AWS keeps these in a separate service; sysman keeps its own, reached
//! through `Sysman.` operations, and enforces the policies at its one gate.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Empty, Operation, Prefix, Tag, Timestamp};

/// The resource a user call acts on: `user/NAME`.
pub fn user_resource(user_name: &str) -> String {
    format!("user/{user_name}")
}

/// A user as IAM describes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    /// Always `/`: sysman has no user paths.
    pub path: String,
    pub user_name: String,
    /// `AIDA` and 17 characters, as IAM's unique ids look.
    pub user_id: String,
    pub arn: String,
    pub create_date: Timestamp,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// Creates a user with no keys and no policies: it can do nothing yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUser {
    pub user_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUserResult {
    pub user: User,
}

impl Operation for CreateUser {
    const NAME: &'static str = "CreateUser";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    type Output = CreateUserResult;

    fn resource(&self) -> String {
        user_resource(&self.user_name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUsers {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUsersResult {
    pub users: Vec<User>,
}

impl Operation for ListUsers {
    const NAME: &'static str = "ListUsers";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = true;
    type Output = ListUsersResult;
}

/// Deletes a user; refused while it still has access keys or policies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteUser {
    pub user_name: String,
}

impl Operation for DeleteUser {
    const NAME: &'static str = "DeleteUser";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        user_resource(&self.user_name)
    }
}

/// Whether a key may sign requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccessKeyStatus {
    Active,
    Inactive,
}

/// A new access key with its secret, which is shown this once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKey {
    pub user_name: String,
    pub access_key_id: String,
    pub status: AccessKeyStatus,
    pub secret_access_key: String,
    pub create_date: Timestamp,
}

/// Never prints the secret, so a stray `{:?}` cannot leak it to a log.
impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("user_name", &self.user_name)
            .field("access_key_id", &self.access_key_id)
            .field("status", &self.status)
            .field("secret_access_key", &"**redacted**")
            .field("create_date", &self.create_date)
            .finish()
    }
}

/// Gives a user a new access key (at most two each).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAccessKey {
    pub user_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAccessKeyResult {
    pub access_key: AccessKey,
}

impl Operation for CreateAccessKey {
    const NAME: &'static str = "CreateAccessKey";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    type Output = CreateAccessKeyResult;

    fn resource(&self) -> String {
        user_resource(&self.user_name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteAccessKey {
    pub user_name: String,
    pub access_key_id: String,
}

impl Operation for DeleteAccessKey {
    const NAME: &'static str = "DeleteAccessKey";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        user_resource(&self.user_name)
    }
}

/// Turns a key off (`Inactive`: it signs nothing, but stays to be turned
/// back on) or on again, as when rotating keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAccessKey {
    pub user_name: String,
    pub access_key_id: String,
    pub status: AccessKeyStatus,
}

impl Operation for UpdateAccessKey {
    const NAME: &'static str = "UpdateAccessKey";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        user_resource(&self.user_name)
    }
}

/// A user's keys, without their secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAccessKeys {
    pub user_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyMetadata {
    pub user_name: String,
    pub access_key_id: String,
    pub status: AccessKeyStatus,
    pub create_date: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAccessKeysResult {
    pub access_key_metadata: Vec<AccessKeyMetadata>,
}

impl Operation for ListAccessKeys {
    const NAME: &'static str = "ListAccessKeys";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = true;
    type Output = ListAccessKeysResult;

    fn resource(&self) -> String {
        user_resource(&self.user_name)
    }
}

/// Adds or replaces an inline policy. `PolicyDocument` is the policy's JSON
/// text: `Version`, and `Statement`s of `Effect`, `Action` and `Resource`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutUserPolicy {
    pub user_name: String,
    pub policy_name: String,
    pub policy_document: String,
}

impl Operation for PutUserPolicy {
    const NAME: &'static str = "PutUserPolicy";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        user_resource(&self.user_name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetUserPolicy {
    pub user_name: String,
    pub policy_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetUserPolicyResult {
    pub user_name: String,
    pub policy_name: String,
    pub policy_document: String,
}

impl Operation for GetUserPolicy {
    const NAME: &'static str = "GetUserPolicy";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = true;
    type Output = GetUserPolicyResult;

    fn resource(&self) -> String {
        user_resource(&self.user_name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUserPolicies {
    pub user_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUserPoliciesResult {
    pub policy_names: Vec<String>,
}

impl Operation for ListUserPolicies {
    const NAME: &'static str = "ListUserPolicies";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = true;
    type Output = ListUserPoliciesResult;

    fn resource(&self) -> String {
        user_resource(&self.user_name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteUserPolicy {
    pub user_name: String,
    pub policy_name: String,
}

impl Operation for DeleteUserPolicy {
    const NAME: &'static str = "DeleteUserPolicy";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        user_resource(&self.user_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_iam() {
        let key = CreateAccessKeyResult {
            access_key: AccessKey {
                user_name: "alice".into(),
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                status: AccessKeyStatus::Active,
                secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
                create_date: Timestamp::from_secs(1_700_000_000),
            },
        };
        assert_eq!(
            serde_json::to_string(&key).unwrap(),
            r#"{"AccessKey":{"UserName":"alice","AccessKeyId":"AKIAIOSFODNN7EXAMPLE","Status":"Active","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","CreateDate":1700000000}}"#
        );
        let debug = format!("{key:?}");
        assert!(!debug.contains("wJalrXUtnFEMI"), "{debug}");

        let put: PutUserPolicy = serde_json::from_str(
            r#"{"UserName": "alice", "PolicyName": "read", "PolicyDocument": "{}"}"#,
        )
        .unwrap();
        assert_eq!(put.resource(), "user/alice");
        assert_eq!(ListUsers {}.resource(), "*");
    }

    #[test]
    fn reads_are_read_only() {
        let reads = [
            ListUsers::READ_ONLY,
            ListAccessKeys::READ_ONLY,
            GetUserPolicy::READ_ONLY,
            ListUserPolicies::READ_ONLY,
        ];
        let writes = [
            CreateUser::READ_ONLY,
            DeleteUser::READ_ONLY,
            CreateAccessKey::READ_ONLY,
            DeleteAccessKey::READ_ONLY,
            PutUserPolicy::READ_ONLY,
            DeleteUserPolicy::READ_ONLY,
        ];
        assert_eq!(reads, [true; 4]);
        assert_eq!(writes, [false; 6]);
    }
}
