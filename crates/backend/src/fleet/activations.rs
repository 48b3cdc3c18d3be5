//! Hybrid activations: the one-time codes that let agents register.

use sha2::{Digest, Sha256};
use sysman_api::fleet::{
    Activation, CreateActivation, CreateActivationResult, DeleteActivation, DescribeActivations,
    DescribeActivationsResult,
};
use sysman_api::{ApiError, Empty, Operation};

use super::ActivationRecord;
use crate::gate::{Ctx, Handler};
use crate::store::Change;
use crate::{Event, Inner, paging, validate};

/// How long an activation lives when the request does not say.
const DEFAULT_LIFETIME_SECS: i64 = 24 * 3600;
/// The longest an activation may live.
const MAX_LIFETIME_SECS: i64 = 30 * 86_400;

fn invalid_parameters(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameters", message)
}

impl Handler for CreateActivation {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        if self.iam_role.is_empty() {
            return Err(ApiError::validation(
                "IamRole is required: name the role that registered nodes get",
            ));
        }
        validate::length(Some(&self.iam_role), "iamRole", 1, 64)?;
        validate::length(self.description.as_deref(), "description", 0, 256)?;
        validate::length(
            self.default_instance_name.as_deref(),
            "defaultInstanceName",
            0,
            256,
        )?;
        if let Some(name) = self
            .default_instance_name
            .as_deref()
            .filter(|n| !validate::is_tag_text(n))
        {
            return Err(ApiError::constraint(
                "defaultInstanceName",
                name,
                r"Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$",
            ));
        }
        let limit = self.registration_limit.unwrap_or(1);
        if !(1..=1000).contains(&limit) {
            return Err(ApiError::constraint(
                "registrationLimit",
                limit,
                "Member must have value between 1 and 1000",
            ));
        }
        let latest = ctx.now.plus_secs(MAX_LIFETIME_SECS);
        let expiration = self
            .expiration_date
            .unwrap_or(ctx.now.plus_secs(DEFAULT_LIFETIME_SECS));
        if expiration <= ctx.now {
            return Err(invalid_parameters(format!(
                "ExpirationDate {expiration} is not in the future; give a date up to 30 days ahead"
            )));
        }
        if expiration > latest {
            return Err(invalid_parameters(format!(
                "ExpirationDate {expiration} is more than 30 days ahead; the latest allowed is {latest}"
            )));
        }
        let tags = self.tags.unwrap_or_default();
        validate::tags(&tags, "tags")?;
        if tags.len() > validate::MAX_TAGS_PER_RESOURCE {
            return Err(ApiError::new(
                "TooManyTagsError",
                format!(
                    "An activation can carry at most {} tags; this one has {}",
                    validate::MAX_TAGS_PER_RESOURCE,
                    tags.len()
                ),
            ));
        }
        let metadata = self.registration_metadata.unwrap_or_default();
        for item in &metadata {
            validate::length(Some(&item.key), "registrationMetadata.key", 1, 128)?;
            validate::length(Some(&item.value), "registrationMetadata.value", 1, 2048)?;
        }
        let code = b.ids.activation_code();
        let commit = {
            let mut state = b.fleet.state.write();
            let mut activation_id = b.ids.uuid();
            while state.activations.contains_key(&activation_id) {
                activation_id = b.ids.uuid();
            }
            let record = ActivationRecord {
                activation_id,
                code_sha256: hex::encode(Sha256::digest(code.as_bytes())),
                description: self.description,
                default_instance_name: self.default_instance_name,
                iam_role: self.iam_role,
                registration_limit: limit,
                registrations_count: 0,
                expiration_date: expiration,
                created_date: ctx.now,
                tags,
                registration_metadata: metadata,
            };
            let commit = ctx.commit(&b.store, vec![record.change()]);
            let id = record.activation_id.clone();
            state.activations.insert(id.clone(), record);
            (commit, id)
        };
        let (commit, activation_id) = commit;
        commit.await?;
        ctx.publish(Event::ActivationsChanged);
        Ok(CreateActivationResult {
            activation_id,
            activation_code: code,
        })
    }
}

fn describe(record: &ActivationRecord, now: sysman_api::Timestamp) -> Activation {
    Activation {
        activation_id: record.activation_id.clone(),
        description: record.description.clone(),
        default_instance_name: record.default_instance_name.clone(),
        iam_role: record.iam_role.clone(),
        registration_limit: record.registration_limit,
        registrations_count: record.registrations_count,
        expiration_date: record.expiration_date,
        expired: now >= record.expiration_date,
        created_date: record.created_date,
        tags: record.tags.clone(),
    }
}

impl Handler for DescribeActivations {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, 50, 50)?;
        let filters = self.filters.clone().unwrap_or_default();
        let mut checks: Vec<(&str, Vec<String>)> = Vec::new();
        for f in &filters {
            let key = f.filter_key.as_deref().unwrap_or_default();
            if !matches!(key, "ActivationIds" | "DefaultInstanceName" | "IamRole") {
                return Err(ApiError::new(
                    "InvalidFilter",
                    format!(
                        "'{key}' is not a filter key of DescribeActivations; use ActivationIds, \
                         DefaultInstanceName or IamRole"
                    ),
                ));
            }
            checks.push((key, f.filter_values.clone().unwrap_or_default()));
        }
        let start = b
            .pager
            .start(Self::NAME, &filters, self.next_token.as_deref())?;
        let state = b.fleet.state.read();
        let matches = |r: &ActivationRecord| {
            checks.iter().all(|(key, values)| {
                let field = match *key {
                    "ActivationIds" => Some(&r.activation_id),
                    "DefaultInstanceName" => r.default_instance_name.as_ref(),
                    _ => Some(&r.iam_role),
                };
                field.is_some_and(|f| values.contains(f))
            })
        };
        let entries = state
            .activations
            .range::<str, _>(start.range())
            .map(|(_, r)| r);
        let (list, more) =
            paging::collect(entries, limit, |r| matches(r).then(|| describe(r, ctx.now)));
        let next_token = match list.last() {
            Some(last) if more => Some(b.pager.issue(Self::NAME, &filters, &last.activation_id)),
            _ => None,
        };
        Ok(DescribeActivationsResult {
            activation_list: list,
            next_token,
        })
    }
}

impl Handler for DeleteActivation {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        if !validate::is_activation_id(&self.activation_id) {
            return Err(ApiError::new(
                "InvalidActivationId",
                format!(
                    "'{}' is not an activation id; activation ids are lowercase UUIDs",
                    self.activation_id
                ),
            ));
        }
        let commit = {
            let mut state = b.fleet.state.write();
            if state.activations.remove(&self.activation_id).is_none() {
                return Err(ApiError::new(
                    "InvalidActivationId",
                    format!(
                        "No activation with id {}; list them with DescribeActivations",
                        self.activation_id
                    ),
                ));
            }
            ctx.commit(
                &b.store,
                vec![Change::Delete {
                    kind: super::ACTIVATION_KIND,
                    id: self.activation_id.clone(),
                }],
            )
        };
        commit.await?;
        ctx.publish(Event::ActivationsChanged);
        Ok(Empty {})
    }
}
