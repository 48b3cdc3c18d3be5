//! Parameter policies on Advanced parameters: Expiration deletes the
//! parameter at a time; ExpirationNotification and NoChangeNotification
//! publish an event once, when due. A scheduler on the backend clock fires
//! each at its moment.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sysman_api::messages::policy as msg;
use sysman_api::parameters::ParameterInlinePolicy;
use sysman_api::{ApiError, Timestamp};

use super::Param;
use crate::store::AuditRecord;
use crate::{Event, Inner};

/// Most policies one parameter may carry.
pub const MAX_POLICIES: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Policy {
    /// `Expiration`, `ExpirationNotification` or `NoChangeNotification`.
    pub kind: String,
    /// The policy as given, for DescribeParameters.
    pub text: String,
    pub due: Timestamp,
    /// For NoChangeNotification: how long after a change it is due.
    pub after_ms: Option<i64>,
    pub finished: bool,
}

impl Policy {
    pub fn inline(&self) -> ParameterInlinePolicy {
        ParameterInlinePolicy {
            policy_text: self.text.clone(),
            policy_type: self.kind.clone(),
            policy_status: if self.finished { "Finished" } else { "Pending" }.to_owned(),
        }
    }
}

fn attribute_error(kind: &str, what: String) -> ApiError {
    msg::invalid_attribute(kind, &what)
}

/// `{"Before": "15", "Unit": "Days"}` as milliseconds.
fn span(attributes: &Value, field: &str, kind: &str) -> Result<i64, ApiError> {
    let amount = attributes
        .get(field)
        .and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        })
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            attribute_error(
                kind,
                format!("Attributes.{field} must be a positive whole number."),
            )
        })?;
    let unit = match attributes.get("Unit").and_then(Value::as_str) {
        Some("Days") => 86_400_000,
        Some("Hours") => 3_600_000,
        other => {
            return Err(attribute_error(
                kind,
                format!(
                    "Attributes.Unit must be Days or Hours, not {}.",
                    other.unwrap_or("null")
                ),
            ));
        }
    };
    amount
        .checked_mul(unit)
        .ok_or_else(|| attribute_error(kind, format!("Attributes.{field} is too large.")))
}

/// Parses the Policies of a PutParameter for a version made at `now`.
pub(crate) fn parse(text: &str, now: Timestamp) -> Result<Vec<Policy>, ApiError> {
    let list: Vec<Value> = serde_json::from_str(text).map_err(|_| msg::not_a_list())?;
    if list.len() > MAX_POLICIES {
        return Err(msg::too_many(MAX_POLICIES));
    }
    let mut policies: Vec<Policy> = Vec::new();
    let mut notify_before = None;
    for item in &list {
        let kind = item.get("Type").and_then(Value::as_str).unwrap_or_default();
        let attributes = item.get("Attributes").cloned().unwrap_or(Value::Null);
        if policies.iter().any(|p| p.kind == kind) {
            return Err(msg::two_of_a_kind());
        }
        let text = item.to_string();
        let (due, after_ms) = match kind {
            "Expiration" => {
                let at = attributes
                    .get("Timestamp")
                    .and_then(Value::as_str)
                    .and_then(Timestamp::parse_iso8601)
                    .ok_or_else(|| {
                        attribute_error(
                            kind,
                            "Attributes.Timestamp must be a time such as \
                             2026-12-31T23:59:59.000Z."
                                .to_owned(),
                        )
                    })?;
                if at <= now {
                    return Err(attribute_error(
                        kind,
                        format!("Attributes.Timestamp {at} must be in the future."),
                    ));
                }
                (at, None)
            }
            "ExpirationNotification" => {
                notify_before = Some(span(&attributes, "Before", kind)?);
                (Timestamp(0), None)
            }
            "NoChangeNotification" => {
                let after = span(&attributes, "After", kind)?;
                (now.plus_millis(after), Some(after))
            }
            other => return Err(msg::unknown_type(other)),
        };
        policies.push(Policy {
            kind: kind.to_owned(),
            text,
            due,
            after_ms,
            finished: false,
        });
    }
    if let Some(before) = notify_before {
        let expiry = policies
            .iter()
            .find(|p| p.kind == "Expiration")
            .map(|p| p.due)
            .ok_or_else(msg::notification_without_expiration)?;
        if let Some(p) = policies
            .iter_mut()
            .find(|p| p.kind == "ExpirationNotification")
        {
            p.due = Timestamp(expiry.millis().saturating_sub(before).max(now.millis()));
        }
    }
    Ok(policies)
}

/// The policies of a new version that keeps its parameter's policies: a
/// NoChangeNotification counts again from this change.
pub(crate) fn carried(previous: &[Policy], now: Timestamp) -> Vec<Policy> {
    previous
        .iter()
        .map(|p| match p.after_ms {
            Some(after) => Policy {
                due: now.plus_millis(after),
                finished: false,
                ..p.clone()
            },
            None => p.clone(),
        })
        .collect()
}

/// Pending policies of a parameter's current version, for the schedule.
pub(crate) fn pending(key: &str, param: &Param) -> Vec<(Timestamp, String, String)> {
    param
        .current()
        .policies
        .iter()
        .filter(|p| !p.finished)
        .map(|p| (p.due, key.to_owned(), p.kind.clone()))
        .collect()
}

/// Fires every policy due by now.
pub(crate) async fn fire_due(b: &Inner) {
    let now = b.clock.now();
    loop {
        let fired = {
            let mut state = b.parameters.state.write();
            let Some((at, key, kind)) = state.schedule.first().cloned() else {
                return;
            };
            if at > now {
                return;
            }
            state.schedule.remove(&(at, key.clone(), kind.clone()));
            let Some(param) = state.params.get(&key).cloned() else {
                continue;
            };
            let name = param.head.name.clone();
            let (changes, deleted) = if kind == "Expiration" {
                let Some((_, changes)) = super::ops::remove(&mut state, &key) else {
                    continue;
                };
                (changes, true)
            } else {
                let mut version = param.current().clone();
                for p in version.policies.iter_mut().filter(|p| p.kind == kind) {
                    p.finished = true;
                }
                let change = super::version_change(&key, &version);
                if let Some(p) = state.params.get_mut(&key) {
                    p.versions.insert(version.version, version);
                }
                (vec![change], false)
            };
            let audit = AuditRecord {
                time: now,
                principal: "sysman:policy-scheduler".to_owned(),
                operation: format!("ParameterPolicy.{kind}"),
                resource: format!("parameter/{}", name.trim_start_matches('/')),
                outcome: "Success".to_owned(),
                request: serde_json::json!({ "Name": name, "Type": kind }).to_string(),
            };
            // Queued under the lock, so a PutParameter racing the policy
            // reaches the store after it, as it did in memory.
            let commit = b.store.commit(changes, audit);
            (name, kind, deleted, commit)
        };
        let (name, kind, deleted, commit) = fired;
        if let Err(e) = commit.await {
            tracing::error!("parameter policy {kind} on {name} could not be recorded: {e}");
            return;
        }
        let message = match kind.as_str() {
            "Expiration" => format!("{name} expired and was deleted"),
            "ExpirationNotification" => format!("{name} expires soon"),
            _ => format!("{name} has not changed for the time its NoChangeNotification allows"),
        };
        b.bus.publish(Event::ParameterPolicy {
            name: name.clone(),
            policy: kind,
            message,
        });
        if deleted {
            b.bus.publish(Event::ParameterDeleted { name });
        }
    }
}
