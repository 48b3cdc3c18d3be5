//! The node channel: agents take messages from their mailbox with a long
//! poll, acknowledge them, and reply. Delivery is at least once; replies
//! carry a sequence number, so a repeated one changes nothing.

use sysman_api::commands::{
    AcknowledgeMessage, AgentMessage, AgentStep, InvocationStatus, MessageBody, ReceiveMessages,
    ReceiveMessagesResult, SendReply, StepReport, limits,
};

use sysman_api::{ApiError, Empty, Timestamp};

use super::engine::{self, Effects};
use super::{
    EXECUTION_GRACE_SECS, OUTPUT_KEEP_MAX, StepSpec, VISIBILITY_TIMEOUT_SECS, parse_message_id,
};
use crate::gate::{Ctx, Handler};
use crate::{Caller, Inner, validate};

/// A message picked under the lock, its references resolved after it.
enum Picked {
    Run {
        message_id: String,
        command_id: String,
        document_name: String,
        steps: Vec<StepSpec>,
        execution_timeout: i64,
        sender: Caller,
    },
    Cancel {
        message_id: String,
        command_id: String,
    },
}

/// Takes up to `max` visible messages of `instance_id`, hiding each for the
/// visibility timeout. Also says when the next hidden one shows again, so
/// a long poll can wake for it.
fn pick(
    b: &Inner,
    instance_id: &str,
    max: usize,
    now: Timestamp,
) -> (Vec<Picked>, Option<Timestamp>) {
    let mut state = b.commands.state.lock();
    let state = &mut *state;
    let Some(mail) = state.mailboxes.get_mut(instance_id) else {
        return (Vec::new(), None);
    };
    let fleet = b.fleet.read();
    let platform = fleet.view().node(instance_id).and_then(|n| n.platform_type);
    let mut picked = Vec::new();
    let mut next_visible: Option<Timestamp> = None;
    for waiting in mail.iter_mut() {
        if picked.len() >= max {
            break;
        }
        if waiting.visible_at > now {
            next_visible =
                Some(next_visible.map_or(waiting.visible_at, |t| t.min(waiting.visible_at)));
            continue;
        }
        let Some((command_id, _, cancel)) = parse_message_id(&waiting.message_id) else {
            continue;
        };
        let Some(live) = state.commands.get(command_id) else {
            continue;
        };
        waiting.visible_at = now.plus_secs(VISIBILITY_TIMEOUT_SECS);
        picked.push(if cancel {
            Picked::Cancel {
                message_id: waiting.message_id.clone(),
                command_id: command_id.to_owned(),
            }
        } else {
            Picked::Run {
                message_id: waiting.message_id.clone(),
                command_id: command_id.to_owned(),
                document_name: live.rec.document_name.clone(),
                steps: live
                    .rec
                    .steps
                    .iter()
                    .filter(|s| s.runs_on(platform))
                    .cloned()
                    .collect(),
                execution_timeout: live.rec.execution_timeout,
                sender: if live.rec.sent_by_user {
                    Caller::user(&live.rec.sent_by)
                } else {
                    Caller::admin(&live.rec.sent_by)
                },
            }
        });
    }
    (picked, next_visible)
}

/// Resolves `{{ssm:...}}` references in every string of `value`, as the
/// sender of the command, whose reads the audit trail records.
fn resolve_value(
    b: &Inner,
    caller: &Caller,
    value: &serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    use serde_json::Value;
    Ok(match value {
        Value::String(s) if s.contains("{{") => {
            Value::String(crate::parameters::references::resolve(b, caller, s)?)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve_value(b, caller, v))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), resolve_value(b, caller, v)?)))
                .collect::<Result<_, ApiError>>()?,
        ),
        other => other.clone(),
    })
}

impl Handler for ReceiveMessages {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        validate::instance_id(&self.instance_id, "instanceId")?;
        let wait = self.wait_seconds.unwrap_or(0);
        if !(0..=limits::WAIT_SECONDS_MAX).contains(&wait) {
            return Err(ApiError::constraint(
                "waitSeconds",
                wait,
                "Member must have value between 0 and 20",
            ));
        }
        let max = validate::max_results(self.max_messages, 1, 10, 10)?;
        if !b.fleet.read().view().contains(&self.instance_id) {
            return Err(ApiError::new(
                "InvalidInstanceId",
                format!("No managed node with id {}", self.instance_id),
            ));
        }
        crate::fleet::heard_from(b, ctx, &self.instance_id).await?;
        let deadline = ctx.now.plus_secs(wait);
        let notify = b.commands.mail_notify(&self.instance_id);
        let picked = loop {
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = b.clock.now();
            let (picked, next_visible) = pick(b, &self.instance_id, max, now);
            if !picked.is_empty() || now >= deadline {
                break picked;
            }
            // A message handed out and never acknowledged is due back in
            // the mailbox without any notice: wake for it, not only at
            // the deadline.
            let wake = next_visible.map_or(deadline, |t| t.min(deadline));
            tokio::select! {
                () = b.clock.sleep_until(wake) => {}
                () = &mut notified => {}
            }
        };
        let mut messages = Vec::with_capacity(picked.len());
        for p in picked {
            messages.push(match p {
                Picked::Cancel {
                    message_id,
                    command_id,
                } => AgentMessage {
                    message_id,
                    created_date: ctx.now,
                    body: MessageBody::CancelCommand { command_id },
                },
                Picked::Run {
                    message_id,
                    command_id,
                    document_name,
                    steps,
                    execution_timeout,
                    sender,
                } => {
                    let mut agent_steps = Vec::with_capacity(steps.len());
                    for step in steps {
                        // A reference that no longer resolves fails this
                        // invocation when the node replies; here the step
                        // carries the reason instead of the value.
                        let inputs = match resolve_value(b, &sender, &step.inputs) {
                            Ok(v) => v,
                            Err(e) => serde_json::json!({ "ResolveError": e.to_string() }),
                        };
                        agent_steps.push(AgentStep {
                            name: step.name,
                            action: step.action,
                            inputs,
                        });
                    }
                    AgentMessage {
                        message_id,
                        created_date: ctx.now,
                        body: MessageBody::RunCommand {
                            command_id,
                            document_name,
                            steps: agent_steps,
                            execution_timeout_seconds: execution_timeout,
                        },
                    }
                }
            });
        }
        Ok(ReceiveMessagesResult { messages })
    }
}

/// The invocation a message names, checked to belong to the calling node.
fn message_key(instance_id: &str, message_id: &str) -> Result<(String, String, bool), ApiError> {
    match parse_message_id(message_id) {
        Some((command_id, owner, cancel)) if owner == instance_id => {
            Ok((command_id.to_owned(), owner.to_owned(), cancel))
        }
        _ => Err(ApiError::new(
            "InvalidMessageId",
            format!("{message_id} is not a message for {instance_id}"),
        )),
    }
}

/// Marks the run message taken: the invocation is in progress and its
/// execution timeout starts. Returns false when nothing changed.
fn take(
    state: &mut super::CmdState,
    key: &(String, String),
    now: Timestamp,
    fx: &mut Effects,
) -> bool {
    let Some(inv) = state.invocations.get_mut(key) else {
        return false;
    };
    if inv.acked.is_some() || inv.status.is_terminal() || inv.dispatched.is_none() {
        return false;
    }
    inv.acked = Some(now);
    inv.status = InvocationStatus::InProgress;
    inv.details = "InProgress".to_owned();
    for plugin in &mut inv.plugins {
        plugin.status = InvocationStatus::InProgress;
        plugin.details = "InProgress".to_owned();
    }
    fx.invocation(inv);
    let timeout = state
        .commands
        .get(&key.0)
        .map_or(3600, |l| l.rec.execution_timeout);
    let entry = (
        now.plus_secs(timeout + EXECUTION_GRACE_SECS),
        super::DueKind::ExecutionTimeout,
        key.0.clone(),
        key.1.clone(),
    );
    fx.earliest |= state.due.first().is_none_or(|f| entry < *f);
    state.due.insert(entry);
    if let Some(mail) = state.mailboxes.get_mut(&key.1) {
        let id = super::run_message_id(&key.0, &key.1);
        mail.retain(|w| w.message_id != id);
    }
    true
}

impl Handler for AcknowledgeMessage {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        validate::instance_id(&self.instance_id, "instanceId")?;
        let (command_id, instance_id, cancel) = message_key(&self.instance_id, &self.message_id)?;
        let key = (command_id, instance_id);
        let mut fx = Effects::default();
        let pending = {
            let mut state = b.commands.state.lock();
            if !state.invocations.contains_key(&key) {
                return Err(ApiError::new(
                    "InvalidMessageId",
                    format!("No message {} is waiting", self.message_id),
                ));
            }
            if cancel {
                if let Some(mail) = state.mailboxes.get_mut(&key.1) {
                    mail.retain(|w| w.message_id != self.message_id);
                }
                None
            } else {
                take(&mut state, &key, ctx.now, &mut fx).then(|| engine::queue(b, ctx, fx))
            }
        };
        if let Some(pending) = pending {
            engine::announce(b, pending.await?);
        }
        Ok(Empty {})
    }
}

/// Appends `more` to `kept`, up to the output kept per stream.
fn append(kept: &mut String, more: &str) {
    const MARKER: &str = "\n---Output truncated: sysman keeps 8 MiB per stream---\n";
    if kept.len() >= OUTPUT_KEEP_MAX || more.is_empty() {
        return;
    }
    let room = OUTPUT_KEEP_MAX - kept.len();
    if more.len() <= room {
        kept.push_str(more);
    } else {
        let mut cut = room;
        while !more.is_char_boundary(cut) {
            cut -= 1;
        }
        kept.push_str(&more[..cut]);
        kept.push_str(MARKER);
    }
}

fn parse_step_status(report: &StepReport) -> Result<InvocationStatus, ApiError> {
    match InvocationStatus::parse(&report.status) {
        Some(
            s @ (InvocationStatus::InProgress
            | InvocationStatus::Success
            | InvocationStatus::Failed
            | InvocationStatus::TimedOut
            | InvocationStatus::Cancelled),
        ) => Ok(s),
        _ => Err(ApiError::validation(format!(
            "Step {} reports status '{}'; use InProgress, Success, Failed, TimedOut or Cancelled",
            report.name, report.status
        ))),
    }
}

impl Handler for SendReply {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        validate::instance_id(&self.instance_id, "instanceId")?;
        let (command_id, instance_id, cancel) = message_key(&self.instance_id, &self.message_id)?;
        if cancel {
            return Err(ApiError::validation(
                "Reply to the command's run message; a cancel message is only acknowledged",
            ));
        }
        if self.sequence < 1 {
            return Err(ApiError::constraint(
                "sequence",
                self.sequence,
                "Member must have value greater than or equal to 1",
            ));
        }
        let statuses = self
            .steps
            .iter()
            .map(parse_step_status)
            .collect::<Result<Vec<_>, _>>()?;
        let key = (command_id, instance_id);
        let mut fx = Effects::default();
        let pending = {
            let mut state = b.commands.state.lock();
            let state = &mut *state;
            let Some(inv) = state.invocations.get(&key) else {
                return Err(ApiError::new(
                    "InvalidMessageId",
                    format!("No message {} was sent", self.message_id),
                ));
            };
            // Late or repeated: what it says is known already.
            if inv.status.is_terminal() || self.sequence <= inv.sequence {
                return Ok(Empty {});
            }
            if let Some(unknown) = self
                .steps
                .iter()
                .find(|s| !inv.plugins.iter().any(|p| p.name == s.name))
            {
                return Err(ApiError::validation(format!(
                    "This invocation has no step named {}",
                    unknown.name
                )));
            }
            take(state, &key, ctx.now, &mut fx);
            let Some(inv) = state.invocations.get_mut(&key) else {
                return Ok(Empty {});
            };
            inv.sequence = self.sequence;
            for (report, status) in self.steps.iter().zip(statuses) {
                let Some(plugin) = inv.plugins.iter_mut().find(|p| p.name == report.name) else {
                    continue;
                };
                append(&mut plugin.stdout, &report.stdout);
                append(&mut plugin.stderr, &report.stderr);
                plugin.status = status;
                plugin.details = match status {
                    InvocationStatus::TimedOut => "Execution Timed Out".to_owned(),
                    InvocationStatus::InProgress => "InProgress".to_owned(),
                    other => other.as_str().to_owned(),
                };
                plugin.response_code = report.response_code;
                plugin.started = report.started.or(plugin.started).or(inv.acked);
                plugin.finished = report.finished.or(plugin.finished);
                if status.is_terminal() && plugin.finished.is_none() {
                    plugin.finished = Some(ctx.now);
                }
            }
            let done = inv.plugins.iter().all(|p| p.status.is_terminal());
            if done {
                let worst = [
                    InvocationStatus::Cancelled,
                    InvocationStatus::TimedOut,
                    InvocationStatus::Failed,
                ]
                .into_iter()
                .find(|s| inv.plugins.iter().any(|p| p.status == *s))
                .unwrap_or(InvocationStatus::Success);
                inv.status = worst;
                inv.details = match worst {
                    InvocationStatus::TimedOut => "Execution Timed Out".to_owned(),
                    other => other.as_str().to_owned(),
                };
                inv.finished = Some(ctx.now);
                inv.cancel_pending = false;
            }
            fx.invocation(inv);
            if done {
                let fleet = b.fleet.read();
                engine::finished(state, &key, true, &fleet.view(), ctx.now, &mut fx);
            }
            engine::queue(b, ctx, fx)
        };
        engine::announce(b, pending.await?);
        Ok(Empty {})
    }
}
