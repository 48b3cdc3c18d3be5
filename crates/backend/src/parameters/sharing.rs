//! Resource policies that share a parameter with other accounts
//! (PutResourcePolicy, GetResourcePolicies, DeleteResourcePolicy), and the
//! one question the gate asks of them: does any policy on this parameter let
//! this principal of another account make this read?
//!
//! As on AWS, only Advanced parameters can be shared, only for reading, and
//! each policy carries a hash that an update or a delete must quote, so two
//! writers cannot silently overwrite each other. The policies live in the
//! parameter's head record, beside its tags: they are written with it,
//! reloaded with it and go when the parameter goes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sysman_api::messages::resource_policy as msg;
use sysman_api::parameters::rules;
use sysman_api::parameters::sharing::{
    DeleteResourcePolicy, GetResourcePolicies, GetResourcePoliciesResult, PutResourcePolicy,
    PutResourcePolicyResult, ResourcePolicy,
};
use sysman_api::{ApiError, Empty, Operation};

use super::Param;
use crate::gate::{Ctx, Handler};
use crate::{Inner, kms, paging, validate};

/// Most bytes one policy may hold: the model's description of
/// `ResourcePolicyLimitExceededException` gives 1,024.
pub const MAX_POLICY_BYTES: usize = 1024;

/// Most policies one parameter may hold. AWS publishes no number for
/// parameters; this bounds the head record and the gate's work.
pub const MAX_POLICIES: usize = 10;

/// What a share may grant: AWS's read-only permissions for shared
/// parameters (the RAM permission sets for parameters grant these and no
/// more). Lower-cased, since actions match without regard to case.
const READ_ACTIONS: [&str; 4] = [
    "ssm:getparameter",
    "ssm:getparameters",
    "ssm:describeparameters",
    "ssm:getparameterhistory",
];

const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

/// One policy as the parameter's head record keeps it: the document as it
/// was given, checked when it was put.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SharePolicy {
    pub id: String,
    pub hash: String,
    pub document: String,
}

/// The hash of a policy's current version: it changes whenever the document
/// does.
fn hash(document: &str) -> String {
    hex::encode(Sha256::digest(document.as_bytes()))
}

/// Who a statement names: an account (its root, or bare id) or one user of it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Principal {
    Account(String),
    User { account: String, name: String },
}

impl Principal {
    fn parse(text: &str) -> Result<Principal, ApiError> {
        if is_account_id(text) {
            return Ok(Principal::Account(text.to_owned()));
        }
        let parsed = text
            .strip_prefix("arn:aws:iam::")
            .and_then(|rest| rest.split_once(':'))
            .filter(|(account, _)| is_account_id(account));
        match parsed {
            Some((account, "root")) => Ok(Principal::Account(account.to_owned())),
            Some((account, user)) => match user.strip_prefix("user/") {
                Some(name) if !name.is_empty() && !name.contains(['*', '?']) => {
                    Ok(Principal::User {
                        account: account.to_owned(),
                        name: name.to_owned(),
                    })
                }
                _ => Err(bad_principal(text)),
            },
            None => Err(bad_principal(text)),
        }
    }

    fn covers(&self, account: &str, caller_arn: &str) -> bool {
        match self {
            Principal::Account(a) => a == account,
            Principal::User { account: a, name } => {
                a == account && caller_arn == format!("arn:aws:iam::{a}:user/{name}")
            }
        }
    }
}

fn bad_principal(text: &str) -> ApiError {
    msg::malformed(&format!(
        "Principal {text} is not valid. Name an AWS account as its 12-digit ID or as \
         arn:aws:iam::<account>:root, or one of its users as arn:aws:iam::<account>:user/<name>."
    ))
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|c| c.is_ascii_digit())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Statement {
    effect: Effect,
    principals: Vec<Principal>,
    /// Lower-cased, from [`READ_ACTIONS`].
    actions: Vec<String>,
}

/// A checked policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Document {
    statements: Vec<Statement>,
}

impl Document {
    /// Checks `text` as a policy on the parameter whose ARN is `arn`.
    /// `text` is at most [`MAX_POLICY_BYTES`], so parsing it is bounded
    /// (and serde_json refuses nesting deeper than 128 on its own).
    fn parse(text: &str, arn: &str) -> Result<Document, ApiError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| msg::malformed(&format!("The policy is not valid JSON: {e}.")))?;
        let Value::Object(top) = value else {
            return Err(msg::malformed(
                "The policy must be a JSON object with a Statement.",
            ));
        };
        for (key, value) in &top {
            match key.as_str() {
                "Version" if value.as_str().is_some_and(|v| VERSIONS.contains(&v)) => {}
                "Version" => {
                    return Err(msg::malformed(&format!(
                        "Version {value} is not a policy language version; use \"2012-10-17\"."
                    )));
                }
                "Id" if value.is_string() => {}
                "Id" => return Err(msg::malformed("Id must be a string.")),
                "Statement" => {}
                other => {
                    return Err(msg::malformed(&format!(
                        "Policy element {other} is not supported; a policy holds Version, Id \
                         and Statement."
                    )));
                }
            }
        }
        let statements = match top.get("Statement") {
            None => return Err(msg::malformed("The policy has no Statement.")),
            Some(Value::Array(list)) if list.is_empty() => {
                return Err(msg::malformed(
                    "Statement must hold at least one statement.",
                ));
            }
            Some(Value::Array(list)) => list
                .iter()
                .map(|s| statement(s, arn))
                .collect::<Result<_, _>>()?,
            Some(one @ Value::Object(_)) => vec![statement(one, arn)?],
            Some(_) => {
                return Err(msg::malformed(
                    "Statement must be a statement object or a list of them.",
                ));
            }
        };
        Ok(Document { statements })
    }

    /// What this policy says about `action` (lower-cased) by a principal of
    /// `account` whose ARN is `caller_arn`: a Deny, an Allow, or nothing.
    fn decide(&self, account: &str, caller_arn: &str, action: &str) -> Option<Effect> {
        let mut allowed = false;
        for s in &self.statements {
            let applies = s.actions.iter().any(|a| a == action)
                && s.principals.iter().any(|p| p.covers(account, caller_arn));
            match (applies, s.effect) {
                (true, Effect::Deny) => return Some(Effect::Deny),
                (true, Effect::Allow) => allowed = true,
                (false, _) => {}
            }
        }
        allowed.then_some(Effect::Allow)
    }
}

fn statement(value: &Value, arn: &str) -> Result<Statement, ApiError> {
    let Value::Object(fields) = value else {
        return Err(msg::malformed("Each statement must be a JSON object."));
    };
    for key in fields.keys() {
        match key.as_str() {
            "Sid" | "Effect" | "Principal" | "Action" | "Resource" => {}
            other => {
                return Err(msg::malformed(&format!(
                    "Statement element {other} is not supported; a statement holds Sid, Effect, \
                     Principal, Action and Resource."
                )));
            }
        }
    }
    if fields.get("Sid").is_some_and(|sid| !sid.is_string()) {
        return Err(msg::malformed("Sid must be a string."));
    }
    let effect = match fields.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => {
            return Err(msg::malformed(
                "Each statement needs an Effect of Allow or Deny.",
            ));
        }
    };
    let principals = match fields.get("Principal") {
        Some(Value::Object(map)) => principals(map)?,
        Some(Value::String(star)) if star == "*" => {
            return Err(msg::malformed(
                "Principal * is not allowed: a parameter can't be shared publicly.",
            ));
        }
        _ => {
            return Err(msg::malformed(
                "Each statement needs a Principal of the form {\"AWS\": \"<account ID>\"}.",
            ));
        }
    };
    let mut actions = Vec::new();
    for action in strings(fields, "Action")? {
        let lower = action.to_ascii_lowercase();
        if !READ_ACTIONS.contains(&lower.as_str()) {
            return Err(msg::malformed(&format!(
                "Action {action} can't be shared. A parameter can be shared for \
                 ssm:GetParameter, ssm:GetParameters, ssm:DescribeParameters and \
                 ssm:GetParameterHistory only."
            )));
        }
        actions.push(lower);
    }
    for resource in strings(fields, "Resource")? {
        if resource != arn {
            return Err(msg::malformed(&format!(
                "Resource {resource} is not the parameter the policy is attached to; use {arn}."
            )));
        }
    }
    Ok(Statement {
        effect,
        principals,
        actions,
    })
}

fn principals(map: &Map<String, Value>) -> Result<Vec<Principal>, ApiError> {
    if let Some(other) = map.keys().find(|k| *k != "AWS") {
        return Err(msg::malformed(&format!(
            "Principal type {other} is not supported; name accounts under \"AWS\"."
        )));
    }
    let texts: Vec<&str> = match map.get("AWS") {
        Some(Value::String(one)) => vec![one],
        Some(Value::Array(list)) if !list.is_empty() => list
            .iter()
            .map(|v| v.as_str().ok_or_else(principal_shape))
            .collect::<Result<_, _>>()?,
        _ => return Err(principal_shape()),
    };
    texts
        .into_iter()
        .map(|text| match text {
            "*" => Err(msg::malformed(
                "Principal * is not allowed: a parameter can't be shared publicly.",
            )),
            text => Principal::parse(text),
        })
        .collect()
}

fn principal_shape() -> ApiError {
    msg::malformed("Principal AWS must be an account or a non-empty list of accounts.")
}

/// A string or a non-empty list of strings.
fn strings<'v>(fields: &'v Map<String, Value>, name: &str) -> Result<Vec<&'v str>, ApiError> {
    let shape = || msg::malformed(&format!("{name} must be a string or a list of strings."));
    match fields.get(name) {
        None => Err(msg::malformed(&format!("Each statement needs {name}."))),
        Some(Value::String(s)) => Ok(vec![s]),
        Some(Value::Array(items)) if items.is_empty() => Err(shape()),
        Some(Value::Array(items)) => items.iter().map(|v| v.as_str().ok_or_else(shape)).collect(),
        Some(_) => Err(shape()),
    }
}

/// Whether the policies on the parameter `arn` names let a principal of
/// `account`, whose ARN is `caller_arn`, perform `action`: some policy
/// allows it and none denies it. Only this server's own parameters have
/// policies here, so an ARN of any other account is granted nothing.
pub(crate) fn grants(b: &Inner, account: &str, caller_arn: &str, action: &str, arn: &str) -> bool {
    let Ok((key, _)) = parameter_of(b, arn) else {
        return false;
    };
    let state = b.parameters.state.read();
    let Some(param) = state.params.get(&key) else {
        return false;
    };
    let action = action.to_ascii_lowercase();
    let mut allowed = false;
    for policy in &param.head.shares {
        // Each was checked when it was put; one that no longer reads grants nothing.
        let Ok(document) = Document::parse(&policy.document, &b.parameter_arn(&param.head.name))
        else {
            continue;
        };
        match document.decide(account, caller_arn, &action) {
            Some(Effect::Deny) => return false,
            Some(Effect::Allow) => allowed = true,
            None => {}
        }
    }
    allowed
}

/// The key and name of the parameter `arn` names, when it is a parameter ARN
/// of this server's account and region.
fn parameter_of(b: &Inner, arn: &str) -> Result<(String, String), ApiError> {
    let mut fields = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("ssm"), Some(region), Some(account), Some(rest)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(msg::not_a_parameter_arn(arn));
    };
    if rest.strip_prefix("parameter/").is_none_or(str::is_empty) {
        return Err(msg::not_a_parameter_arn(arn));
    }
    // Another region's or account's parameter is not kept here.
    if region != b.settings.region || account != b.settings.account_id {
        return Err(msg::resource_not_found());
    }
    let name = rules::strip_arn(arn);
    if rules::name_problem(name).is_some() {
        return Err(msg::not_a_parameter_arn(arn));
    }
    Ok((rules::canonical(name), name.to_owned()))
}

/// The parameter a policy call names, with the checks every such call
/// makes: it exists, and it is one that can be shared.
fn shareable<'s>(
    b: &Inner,
    param: Option<&'s mut Param>,
    name: &str,
) -> Result<&'s mut Param, ApiError> {
    let param = param.ok_or_else(msg::resource_not_found)?;
    let current = param.current();
    if current.tier != "Advanced" {
        return Err(msg::standard_tier(name));
    }
    let managed = |reference: &str| {
        b.kms
            .find(reference)
            .is_some_and(|key| key.aliases.iter().any(|a| a == kms::DEFAULT_ALIAS))
    };
    if current.key_id.as_deref().is_some_and(managed) {
        return Err(msg::managed_key(name));
    }
    Ok(param)
}

fn check_arn(arn: &str) -> Result<(), ApiError> {
    validate::length(Some(arn), "resourceArn", 20, 2048)
}

impl Handler for PutResourcePolicy {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_arn(&self.resource_arn)?;
        let (key, name) = parameter_of(b, &self.resource_arn)?;
        // Bounded before it is parsed.
        if self.policy.len() > MAX_POLICY_BYTES {
            return Err(msg::too_large(MAX_POLICY_BYTES));
        }
        let arn = b.parameter_arn(&name);
        Document::parse(&self.policy, &arn)?;
        let replacing = match (self.policy_id.as_deref(), self.policy_hash.as_deref()) {
            (Some(id), Some(hash)) => Some((id, hash)),
            (Some(_), None) => return Err(msg::hash_required()),
            (None, Some(_)) => return Err(msg::id_required()),
            (None, None) => None,
        };
        let new_hash = hash(&self.policy);
        let (commit, id) = {
            let mut state = b.parameters.state.write();
            let param = shareable(b, state.params.get_mut(&key), &name)?;
            let id = match replacing {
                Some((id, given)) => {
                    let policy = param
                        .head
                        .shares
                        .iter_mut()
                        .find(|p| p.id == id)
                        .ok_or_else(msg::not_found)?;
                    if policy.hash != given {
                        return Err(msg::conflict());
                    }
                    policy.document = self.policy.clone();
                    policy.hash = new_hash.clone();
                    id.to_owned()
                }
                None => {
                    if param.head.shares.len() >= MAX_POLICIES {
                        return Err(msg::too_many(MAX_POLICIES));
                    }
                    let id = b.ids.uuid();
                    param.head.shares.push(SharePolicy {
                        id: id.clone(),
                        hash: new_hash.clone(),
                        document: self.policy.clone(),
                    });
                    // Kept in id order, so pages resume after an id.
                    param.head.shares.sort_by(|a, b| a.id.cmp(&b.id));
                    id
                }
            };
            (ctx.commit(&b.store, vec![param.head_change(&key)]), id)
        };
        commit.await?;
        Ok(PutResourcePolicyResult {
            policy_id: id,
            policy_hash: new_hash,
        })
    }
}

impl Handler for GetResourcePolicies {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_arn(&self.resource_arn)?;
        let limit = validate::max_results(self.max_results, 1, 50, 50)?;
        let (key, _) = parameter_of(b, &self.resource_arn)?;
        let start = b
            .pager
            .start(Self::NAME, &key, self.next_token.as_deref())?;
        let state = b.parameters.state.read();
        let param = state.params.get(&key).ok_or_else(msg::resource_not_found)?;
        let after = match start.range().0 {
            std::ops::Bound::Excluded(id) => Some(id),
            _ => None,
        };
        let (policies, more) = paging::collect(
            param
                .head
                .shares
                .iter()
                .filter(|p| after.is_none_or(|a| p.id.as_str() > a)),
            limit,
            |p| {
                Some(ResourcePolicy {
                    policy_id: p.id.clone(),
                    policy_hash: p.hash.clone(),
                    policy: p.document.clone(),
                })
            },
        );
        let next_token = match policies.last() {
            Some(last) if more => Some(b.pager.issue(Self::NAME, &key, &last.policy_id)),
            _ => None,
        };
        Ok(GetResourcePoliciesResult {
            policies,
            next_token,
        })
    }
}

impl Handler for DeleteResourcePolicy {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_arn(&self.resource_arn)?;
        let (key, _) = parameter_of(b, &self.resource_arn)?;
        let commit = {
            let mut state = b.parameters.state.write();
            let param = state
                .params
                .get_mut(&key)
                .ok_or_else(msg::resource_not_found)?;
            let at = param
                .head
                .shares
                .iter()
                .position(|p| p.id == self.policy_id)
                .ok_or_else(msg::not_found)?;
            if param.head.shares[at].hash != self.policy_hash {
                return Err(msg::conflict());
            }
            param.head.shares.remove(at);
            ctx.commit(&b.store, vec![param.head_change(&key)])
        };
        commit.await?;
        Ok(Empty {})
    }
}

#[cfg(test)]
mod tests;
