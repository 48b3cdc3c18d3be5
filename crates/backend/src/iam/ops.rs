//! The `Sysman.` user, access key and policy operations.

use sysman_api::iam::{
    AccessKey, AccessKeyStatus, CreateAccessKey, CreateAccessKeyResult, CreateUser,
    CreateUserResult, DeleteAccessKey, DeleteUser, DeleteUserPolicy, GetUserPolicy,
    GetUserPolicyResult, ListAccessKeys, ListAccessKeysResult, ListUserPolicies,
    ListUserPoliciesResult, ListUsers, ListUsersResult, PutUserPolicy, UpdateAccessKey,
};
use sysman_api::messages::iam as msg;
use sysman_api::{ApiError, Empty};

use super::policy::{MAX_DOCUMENT_CHARS, Policy};
use super::{MAX_KEYS_PER_USER, PolicyRecord, UserRecord, user_arn};
use crate::Inner;
use crate::gate::{Ctx, Handler};
use crate::validate;

/// Most tags one user may carry, as in IAM.
const MAX_TAGS_PER_USER: usize = 50;

/// `[\w+=,.@-]`: the characters IAM allows in user and policy names.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

fn check_name(name: &str, field: &str, max: usize) -> Result<(), ApiError> {
    let len = name.chars().count();
    if len == 0 || len > max {
        return Err(ApiError::constraint(
            field,
            name,
            &format!("Member must have length between 1 and {max}"),
        ));
    }
    if !name.chars().all(is_name_char) {
        return Err(ApiError::constraint(
            field,
            name,
            r"Member must satisfy regular expression pattern: [\w+=,.@-]+",
        ));
    }
    Ok(())
}

pub(super) fn check_user_name(name: &str) -> Result<(), ApiError> {
    check_name(name, "userName", 64)
}

fn check_policy_name(name: &str) -> Result<(), ApiError> {
    check_name(name, "policyName", 128)
}

fn no_such_policy(user_name: &str, policy_name: &str) -> ApiError {
    ApiError::new(
        "NoSuchEntity",
        format!("The user policy with name {policy_name} cannot be found for user {user_name}."),
    )
}

impl Handler for CreateUser {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_user_name(&self.user_name)?;
        let mut tags = self.tags.unwrap_or_default();
        validate::tags(&tags, "tags")?;
        if tags.len() > MAX_TAGS_PER_USER {
            return Err(ApiError::new(
                "LimitExceeded",
                format!("Cannot exceed quota for TagsPerUser: {MAX_TAGS_PER_USER}"),
            ));
        }
        tags.sort();
        let (commit, record) = {
            let mut state = b.iam.state.write();
            // IAM names are unique whatever their case.
            if let Some(taken) = state
                .users
                .keys()
                .find(|n| n.eq_ignore_ascii_case(&self.user_name))
            {
                return Err(ApiError::new(
                    "EntityAlreadyExists",
                    format!("User with name {taken} already exists."),
                ));
            }
            let record = UserRecord {
                user_name: self.user_name.clone(),
                user_id: b.ids.user_id(),
                arn: user_arn(&b.settings.account_id, &self.user_name),
                created: ctx.now,
                tags,
            };
            let commit = ctx.commit(&b.store, vec![record.change()]);
            state.add_user(record.clone());
            (commit, record)
        };
        commit.await?;
        Ok(CreateUserResult {
            user: record.user(),
        })
    }
}

impl Handler for ListUsers {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let state = b.iam.state.read();
        Ok(ListUsersResult {
            users: state.users.values().map(|u| u.record.user()).collect(),
        })
    }
}

impl Handler for DeleteUser {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_user_name(&self.user_name)?;
        let commit = {
            let mut state = b.iam.state.write();
            let user = state.user(&self.user_name)?;
            // As IAM: a user's keys and policies go first, each on purpose.
            if !user.keys.is_empty() {
                return Err(msg::keys_first());
            }
            if !user.policies.is_empty() {
                return Err(msg::policies_first());
            }
            let commit = ctx.commit(
                &b.store,
                vec![crate::store::Change::Delete {
                    kind: super::USER_KIND,
                    id: self.user_name.clone(),
                }],
            );
            state.users.remove(&self.user_name);
            commit
        };
        commit.await?;
        Ok(Empty {})
    }
}

impl Handler for CreateAccessKey {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_user_name(&self.user_name)?;
        let (commit, key, secret) = {
            let mut state = b.iam.state.write();
            if state.user(&self.user_name)?.keys.len() >= MAX_KEYS_PER_USER {
                return Err(msg::too_many_keys(MAX_KEYS_PER_USER));
            }
            let (key, secret) = state.new_key(b, &self.user_name, ctx.now);
            let commit = ctx.commit(&b.store, vec![key.change()]);
            state.add_key(key.clone())?;
            (commit, key, secret)
        };
        commit.await?;
        Ok(CreateAccessKeyResult {
            access_key: AccessKey {
                user_name: key.user_name,
                access_key_id: key.access_key_id,
                status: AccessKeyStatus::Active,
                secret_access_key: secret,
                create_date: key.created,
            },
        })
    }
}

impl Handler for DeleteAccessKey {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_user_name(&self.user_name)?;
        let commit = {
            let mut state = b.iam.state.write();
            let key = state
                .user_mut(&self.user_name)?
                .keys
                .remove(&self.access_key_id)
                .ok_or_else(|| no_such_key(&self.access_key_id, &self.user_name))?;
            state.by_key.remove(&self.access_key_id);
            ctx.commit(&b.store, vec![key.delete()])
        };
        commit.await?;
        Ok(Empty {})
    }
}

impl Handler for UpdateAccessKey {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_user_name(&self.user_name)?;
        let commit = {
            let mut state = b.iam.state.write();
            let key = state
                .user_mut(&self.user_name)?
                .keys
                .get_mut(&self.access_key_id)
                .ok_or_else(|| no_such_key(&self.access_key_id, &self.user_name))?;
            let inactive = self.status == AccessKeyStatus::Inactive;
            if key.inactive == inactive {
                return Ok(Empty {});
            }
            key.inactive = inactive;
            ctx.commit(&b.store, vec![key.change()])
        };
        commit.await?;
        Ok(Empty {})
    }
}

fn no_such_key(access_key_id: &str, user_name: &str) -> ApiError {
    ApiError::new(
        "NoSuchEntity",
        format!("The Access Key with id {access_key_id} cannot be found for user {user_name}."),
    )
}

impl Handler for ListAccessKeys {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_user_name(&self.user_name)?;
        let state = b.iam.state.read();
        Ok(ListAccessKeysResult {
            access_key_metadata: state
                .user(&self.user_name)?
                .keys
                .values()
                .map(super::AccessKeyRecord::metadata)
                .collect(),
        })
    }
}

impl Handler for PutUserPolicy {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_user_name(&self.user_name)?;
        check_policy_name(&self.policy_name)?;
        let chars = self.policy_document.chars().count();
        if chars == 0 || chars > MAX_DOCUMENT_CHARS {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value at 'policyDocument' failed to satisfy \
                 constraint: Member must have length between 1 and {MAX_DOCUMENT_CHARS} \
                 (it has {chars})"
            )));
        }
        let policy = Policy::parse(&self.policy_document)?;
        let commit = {
            let mut state = b.iam.state.write();
            state.user(&self.user_name)?;
            let record = PolicyRecord {
                user_name: self.user_name,
                policy_name: self.policy_name,
                document: self.policy_document,
            };
            let commit = ctx.commit(&b.store, vec![record.change()]);
            state.add_policy(record, policy)?;
            commit
        };
        commit.await?;
        Ok(Empty {})
    }
}

impl Handler for GetUserPolicy {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_user_name(&self.user_name)?;
        check_policy_name(&self.policy_name)?;
        let state = b.iam.state.read();
        let (record, _) = state
            .user(&self.user_name)?
            .policies
            .get(&self.policy_name)
            .ok_or_else(|| no_such_policy(&self.user_name, &self.policy_name))?;
        Ok(GetUserPolicyResult {
            user_name: record.user_name.clone(),
            policy_name: record.policy_name.clone(),
            policy_document: record.document.clone(),
        })
    }
}

impl Handler for ListUserPolicies {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_user_name(&self.user_name)?;
        let state = b.iam.state.read();
        Ok(ListUserPoliciesResult {
            policy_names: state
                .user(&self.user_name)?
                .policies
                .keys()
                .cloned()
                .collect(),
        })
    }
}

impl Handler for DeleteUserPolicy {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_user_name(&self.user_name)?;
        check_policy_name(&self.policy_name)?;
        let commit = {
            let mut state = b.iam.state.write();
            let (record, _) = state
                .user_mut(&self.user_name)?
                .policies
                .remove(&self.policy_name)
                .ok_or_else(|| no_such_policy(&self.user_name, &self.policy_name))?;
            ctx.commit(&b.store, vec![record.delete()])
        };
        commit.await?;
        Ok(Empty {})
    }
}
