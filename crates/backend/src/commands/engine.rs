//! Rate and error control, and the timeouts: how invocations move.
//!
//! MaxConcurrency is reached the way AWS documents it: one target first,
//! then two, then twice as many each time one finishes. Once errors exceed
//! MaxErrors nothing more is sent, the running ones finish, and the ones
//! never started end `Terminated`.

use std::collections::BTreeMap;

use sysman_api::commands::{CommandStatus, InvocationStatus, Undelivered};
use sysman_api::fleet::PingStatus;
use sysman_api::{ApiError, Timestamp};

use super::{
    CmdState, DueKind, EXECUTION_GRACE_SECS, InvocationRec, Live, Waiting, cancel_message_id,
    run_message_id,
};
use std::future::Future;

use crate::fleet::FleetView;
use crate::gate::Ctx;
use crate::store::{AuditRecord, Change};
use crate::{Event, Inner};

/// What a change to the commands brought about, to commit and announce.
#[derive(Default)]
pub(crate) struct Effects {
    pub changes: Vec<Change>,
    /// Nodes that got mail.
    pub mail: Vec<String>,
    pub events: Vec<Event>,
    /// A timeout was filed that is now the first due.
    pub earliest: bool,
    /// Output of invocations that ended, to write once committed.
    pub uploads: Vec<super::upload::Upload>,
}

/// What is left to do once a change is committed: tell nodes of their
/// mail, and write the output of invocations that ended.
pub(crate) struct Settled {
    mail: Vec<String>,
    uploads: Vec<super::upload::Upload>,
}

impl Effects {
    pub fn invocation(&mut self, inv: &mut InvocationRec) {
        self.changes.extend(inv.changes());
        self.events.push(Event::InvocationChanged {
            command_id: inv.command_id.clone(),
            instance_id: inv.instance_id.clone(),
            status: inv.status,
            status_details: inv.details.clone(),
        });
    }

    fn file(&mut self, state: &mut CmdState, entry: (Timestamp, DueKind, String, String)) {
        let first = state.due.first().is_none_or(|f| entry < *f);
        self.earliest |= first;
        state.due.insert(entry);
    }
}

/// A command's counts and place, from its invocations.
pub(crate) fn rebuild(
    rec: super::CommandRec,
    invocations: &BTreeMap<(String, String), InvocationRec>,
) -> Live {
    let mut members: Vec<&InvocationRec> = invocations
        .range((rec.command_id.clone(), String::new())..)
        .take_while(|((c, _), _)| *c == rec.command_id)
        .map(|(_, inv)| inv)
        .collect();
    members.sort_by_key(|inv| inv.index);
    let (max_concurrency, max_errors) = limits(&rec);
    let mut live = Live {
        order: members.iter().map(|i| i.instance_id.clone()).collect(),
        next: 0,
        in_flight: 0,
        window: 1,
        max_concurrency,
        max_errors,
        completed: 0,
        errors: 0,
        delivery_timed_out: 0,
        successes: 0,
        rec,
    };
    for (i, inv) in members.iter().enumerate() {
        if inv.dispatched.is_some() || inv.status.is_terminal() {
            live.next = i + 1;
        }
        live.in_flight += usize::from(inv.in_flight());
        count_finished(&mut live, inv);
    }
    live.window = live.in_flight.max(1).min(live.max_concurrency);
    live
}

fn count_finished(live: &mut Live, inv: &InvocationRec) {
    if !inv.status.is_terminal() {
        return;
    }
    live.completed += 1;
    live.errors += usize::from(inv.is_error());
    live.delivery_timed_out += usize::from(inv.is_delivery_timeout());
    live.successes += usize::from(inv.status == InvocationStatus::Success);
}

/// MaxConcurrency and MaxErrors as numbers of targets: a percentage of the
/// targets, at least one for concurrency (rounded up) and rounded down for
/// errors (10% of 50 stops at the sixth error, as AWS documents).
pub(crate) fn limits(rec: &super::CommandRec) -> (usize, usize) {
    let n = rec.target_count;
    let of = |text: &str, up: bool| -> usize {
        match text.strip_suffix('%') {
            Some(p) => {
                let p: usize = p.parse().unwrap_or(0);
                if up {
                    (n * p).div_ceil(100)
                } else {
                    n * p / 100
                }
            }
            None => text.parse().unwrap_or(0),
        }
    };
    (
        of(&rec.max_concurrency, true).max(1),
        of(&rec.max_errors, false),
    )
}

/// A command's status and status details, as AWS reports them.
pub(crate) fn status(live: &Live) -> (CommandStatus, &'static str) {
    let total = live.rec.target_count;
    if live.completed >= total {
        if live.rec.cancelled {
            (CommandStatus::Cancelled, "Cancelled")
        } else if live.rec.stopped {
            (CommandStatus::Failed, "Failed")
        } else if live.successes == total {
            (CommandStatus::Success, "Success")
        } else if live.delivery_timed_out == total {
            (CommandStatus::TimedOut, "Delivery Timed Out")
        } else {
            (CommandStatus::Failed, "Incomplete")
        }
    } else if live.rec.cancelled {
        (CommandStatus::Cancelling, "Cancelling")
    } else if live.next > 0 || live.completed > 0 {
        (CommandStatus::InProgress, "In Progress")
    } else {
        (CommandStatus::Pending, "Pending")
    }
}

/// Ends an invocation that never reached its node.
fn undeliverable(inv: &mut InvocationRec, now: Timestamp, why: &str) {
    inv.status = InvocationStatus::Failed;
    inv.details = "Undeliverable".to_owned();
    inv.finished = Some(now);
    for plugin in &mut inv.plugins {
        plugin.status = InvocationStatus::Failed;
        plugin.details = "Undeliverable".to_owned();
        plugin.stderr = why.to_owned();
    }
}

/// Sends to as many more targets as the window allows.
pub(crate) fn fill(
    state: &mut CmdState,
    command_id: &str,
    fleet: &FleetView<'_>,
    now: Timestamp,
    fx: &mut Effects,
) {
    let mut due = Vec::new();
    {
        let CmdState {
            commands,
            invocations,
            mailboxes,
            ..
        } = &mut *state;
        let Some(live) = commands.get_mut(command_id) else {
            return;
        };
        while !live.rec.stopped
            && !live.rec.cancelled
            && live.next < live.order.len()
            && live.in_flight < live.window.min(live.max_concurrency)
        {
            let instance_id = live.order[live.next].clone();
            live.next += 1;
            let Some(inv) = invocations.get_mut(&(command_id.to_owned(), instance_id.clone()))
            else {
                continue;
            };
            if inv.status.is_terminal() || inv.dispatched.is_some() {
                continue;
            }
            let node = fleet.node(&instance_id);
            let runs =
                node.is_some_and(|n| live.rec.steps.iter().any(|s| s.runs_on(n.platform_type)));
            match node {
                None => undeliverable(
                    inv,
                    now,
                    &Undelivered::Deregistered.output(&live.rec.document_name, ""),
                ),
                Some(n) if !runs => undeliverable(
                    inv,
                    now,
                    &Undelivered::UnsupportedPlatform.output(
                        &live.rec.document_name,
                        n.platform_type
                            .map_or("an unknown platform", |p| p.as_str()),
                    ),
                ),
                Some(n) => {
                    inv.dispatched = Some(now);
                    // Sent, but the node is not heard from: it picks the
                    // message up when it is back, or times out undelivered.
                    if fleet.config().ping_status(n.last_ping, now) != PingStatus::Online {
                        inv.status = InvocationStatus::Delayed;
                        inv.details = "Delayed".to_owned();
                    }
                    mailboxes
                        .entry(instance_id.clone())
                        .or_default()
                        .push(Waiting {
                            message_id: run_message_id(command_id, &instance_id),
                            visible_at: now,
                        });
                    live.in_flight += 1;
                    fx.mail.push(instance_id.clone());
                    due.push((
                        now.plus_secs(live.rec.timeout_seconds),
                        DueKind::DeliveryTimeout,
                        command_id.to_owned(),
                        instance_id.clone(),
                    ));
                }
            }
            if inv.status.is_terminal() {
                count_finished(live, inv);
            }
            fx.invocation(inv);
        }
    }
    for entry in due {
        fx.file(state, entry);
    }
}

/// Books an invocation that just ended: frees its place, widens the
/// window, counts it, stops the command when errors exceed MaxErrors,
/// and sends to the next targets.
pub(crate) fn finished(
    state: &mut CmdState,
    key: &(String, String),
    was_in_flight: bool,
    fleet: &FleetView<'_>,
    now: Timestamp,
    fx: &mut Effects,
) {
    let (command_id, instance_id) = key;
    if let Some(mail) = state.mailboxes.get_mut(instance_id) {
        mail.retain(|w| {
            w.message_id != run_message_id(command_id, instance_id)
                && w.message_id != cancel_message_id(command_id, instance_id)
        });
        if mail.is_empty() {
            state.mailboxes.remove(instance_id);
        }
    }
    let CmdState {
        commands,
        invocations,
        ..
    } = &mut *state;
    let (Some(live), Some(inv)) = (commands.get_mut(command_id), invocations.get(key)) else {
        return;
    };
    if was_in_flight {
        live.in_flight = live.in_flight.saturating_sub(1);
        live.window = (live.window * 2).min(live.max_concurrency);
    }
    count_finished(live, inv);
    fx.uploads.extend(super::upload::uploads(&live.rec, inv));
    if !live.rec.stopped && live.errors > live.max_errors {
        live.rec.stopped = true;
        fx.changes.push(live.rec.change());
        for place in live.next..live.order.len() {
            let instance = live.order[place].clone();
            let Some(rest) = invocations.get_mut(&(command_id.clone(), instance)) else {
                continue;
            };
            if rest.status.is_terminal() || rest.dispatched.is_some() {
                continue;
            }
            rest.status = InvocationStatus::Cancelled;
            rest.details = "Terminated".to_owned();
            rest.finished = Some(now);
            for plugin in &mut rest.plugins {
                plugin.status = InvocationStatus::Cancelled;
                plugin.details = "Terminated".to_owned();
            }
            count_finished(live, rest);
            fx.invocation(rest);
        }
        live.next = live.order.len();
    }
    fx.events.push(Event::CommandChanged {
        command_id: command_id.clone(),
    });
    fill(state, command_id, fleet, now, fx);
}

/// A node was deregistered: what waited in its mailbox can never be
/// delivered. (What it had taken and runs ends at its execution timeout.)
pub(crate) fn node_removed(
    commands: &mut super::CommandsLock<'_>,
    instance_id: &str,
    fleet: &FleetView<'_>,
    now: Timestamp,
    fx: &mut Effects,
) {
    let state = &mut *commands.0;
    let Some(waiting) = state.mailboxes.remove(instance_id) else {
        return;
    };
    for message in waiting {
        let Some((command_id, _, false)) = super::parse_message_id(&message.message_id) else {
            continue;
        };
        let key = (command_id.to_owned(), instance_id.to_owned());
        let Some(inv) = state.invocations.get_mut(&key) else {
            continue;
        };
        if !inv.in_flight() || inv.acked.is_some() {
            continue;
        }
        undeliverable(
            inv,
            now,
            "The node was deregistered before it picked up the command.",
        );
        fx.invocation(inv);
        finished(state, &key, true, fleet, now, fx);
    }
}

/// Files the timeouts of everything in flight, after a restart.
pub(crate) fn refile(state: &mut CmdState) {
    let mut entries = Vec::new();
    for inv in state.invocations.values() {
        let Some(live) = state.commands.get(&inv.command_id) else {
            continue;
        };
        if !inv.in_flight() {
            continue;
        }
        match (inv.acked, inv.dispatched) {
            (Some(acked), _) => entries.push((
                acked.plus_secs(live.rec.execution_timeout + EXECUTION_GRACE_SECS),
                DueKind::ExecutionTimeout,
                inv.command_id.clone(),
                inv.instance_id.clone(),
            )),
            (None, Some(dispatched)) => {
                entries.push((
                    dispatched.plus_secs(live.rec.timeout_seconds),
                    DueKind::DeliveryTimeout,
                    inv.command_id.clone(),
                    inv.instance_id.clone(),
                ));
            }
            (None, None) => {}
        }
        // What was in a mailbox is there again, visible at once.
        if inv.acked.is_none() {
            state
                .mailboxes
                .entry(inv.instance_id.clone())
                .or_default()
                .push(Waiting {
                    message_id: run_message_id(&inv.command_id, &inv.instance_id),
                    visible_at: Timestamp::from_secs(0),
                });
        } else if inv.cancel_pending {
            state
                .mailboxes
                .entry(inv.instance_id.clone())
                .or_default()
                .push(Waiting {
                    message_id: cancel_message_id(&inv.command_id, &inv.instance_id),
                    visible_at: Timestamp::from_secs(0),
                });
        }
    }
    state.due.extend(entries);
}

/// Ends the invocations whose timeouts have passed.
pub(crate) fn expire(
    state: &mut CmdState,
    fleet: &FleetView<'_>,
    now: Timestamp,
    fx: &mut Effects,
) {
    while let Some(first) = state.due.first().cloned() {
        if first.0 > now {
            break;
        }
        state.due.pop_first();
        let (_, kind, command_id, instance_id) = first;
        let key = (command_id, instance_id);
        let Some(inv) = state.invocations.get_mut(&key) else {
            continue;
        };
        if !inv.in_flight() {
            continue;
        }
        match kind {
            DueKind::DeliveryTimeout if inv.acked.is_none() => {
                inv.status = InvocationStatus::TimedOut;
                inv.details = "Delivery Timed Out".to_owned();
                for plugin in &mut inv.plugins {
                    plugin.status = InvocationStatus::TimedOut;
                    plugin.details = "Delivery Timed Out".to_owned();
                }
            }
            DueKind::ExecutionTimeout if inv.acked.is_some() => {
                let (status, details) = if inv.cancel_pending {
                    (InvocationStatus::Cancelled, "Cancelled")
                } else {
                    (InvocationStatus::TimedOut, "Execution Timed Out")
                };
                inv.status = status;
                inv.details = details.to_owned();
                for plugin in &mut inv.plugins {
                    if !plugin.status.is_terminal() {
                        plugin.status = status;
                        plugin.details = details.to_owned();
                        plugin.finished = Some(now);
                    }
                }
            }
            _ => continue,
        }
        inv.finished = Some(now);
        inv.cancel_pending = false;
        fx.invocation(inv);
        finished(state, &key, true, fleet, now, fx);
    }
}

/// How long a command is kept after it was sent, as AWS keeps command
/// history: 30 days.
pub(crate) const RETENTION_MILLIS: i64 = 30 * 86_400_000;

/// Forgets the finished commands sent more than [`RETENTION_MILLIS`]
/// before `now`, with their invocations and any mail left for them. A
/// command still running is kept until it ends.
pub(crate) fn forget_expired(state: &mut CmdState, now: Timestamp, fx: &mut Effects) {
    let cutoff = now.millis() - RETENTION_MILLIS;
    // `by_time` is newest first: the expired ones are at its end.
    let expired: Vec<(i64, String)> = state
        .by_time
        .iter()
        .rev()
        .take_while(|(key, _)| i64::MAX - key < cutoff)
        .filter(|(_, id)| {
            state
                .commands
                .get(id)
                .is_none_or(|live| status(live).0.is_terminal())
        })
        .cloned()
        .collect();
    for entry in expired {
        let command_id = entry.1.clone();
        state.by_time.remove(&entry);
        state.commands.remove(&command_id);
        fx.changes.push(Change::Delete {
            kind: super::COMMAND_KIND,
            id: command_id.clone(),
        });
        let from = (command_id.clone(), String::new());
        let nodes: Vec<String> = state
            .invocations
            .range(from..)
            .take_while(|((c, _), _)| *c == command_id)
            .map(|((_, node), _)| node.clone())
            .collect();
        let prefix = format!("{command_id}.");
        for node in nodes {
            if let Some(inv) = state
                .invocations
                .remove(&(command_id.clone(), node.clone()))
            {
                fx.changes.extend(super::output::forget(&inv));
            }
            fx.changes.push(Change::Delete {
                kind: super::INVOCATION_KIND,
                id: super::invocation_id(&command_id, &node),
            });
            if let Some(mail) = state.mailboxes.get_mut(&node) {
                mail.retain(|w| !w.message_id.starts_with(&prefix));
            }
        }
        fx.events.push(Event::CommandChanged { command_id });
    }
}

/// Queues the effects' changes with this call's audit record. Called under
/// the commands lock, so commits reach the store in the order they were
/// decided; the returned future is awaited after it.
pub(crate) fn queue(
    b: &Inner,
    ctx: &mut Ctx,
    fx: Effects,
) -> impl Future<Output = Result<Settled, ApiError>> + Send + 'static + use<> {
    if fx.earliest {
        b.scheduler.nudge();
    }
    let commit = ctx.commit(&b.store, fx.changes);
    for event in fx.events {
        ctx.publish(event);
    }
    let settled = Settled {
        mail: fx.mail,
        uploads: fx.uploads,
    };
    async move {
        commit.await?;
        Ok(settled)
    }
}

/// Tells nodes of their mail and starts the output writes; called after
/// the commit, outside every lock.
pub(crate) fn announce(b: &Inner, settled: Settled) {
    for node in settled.mail {
        b.commands.announce_mail(&node);
    }
    super::upload::spawn(b, settled.uploads);
}

/// Queues what a change brought about, outside any call, with an audit
/// record of `why`. Called under the commands lock, as [`queue`] is, so
/// commits reach the store in the order they were decided; the returned
/// future commits, then publishes and announces.
pub(crate) fn settle<'b>(
    b: &'b Inner,
    fx: Effects,
    why: &str,
) -> impl Future<Output = Result<(), ApiError>> + Send + use<'b> {
    if fx.earliest {
        b.scheduler.nudge();
    }
    let commit = (!fx.changes.is_empty()).then(|| {
        let audit = AuditRecord {
            time: b.clock.now(),
            principal: "sysman".to_owned(),
            operation: why.to_owned(),
            resource: "command/*".to_owned(),
            outcome: "Success".to_owned(),
            request: String::new(),
        };
        b.store.commit(fx.changes, audit)
    });
    async move {
        if let Some(commit) = commit {
            commit.await?;
        }
        for event in fx.events {
            b.bus.publish(event);
        }
        announce(
            b,
            Settled {
                mail: fx.mail,
                uploads: fx.uploads,
            },
        );
        Ok(())
    }
}

/// Ends the invocations whose timeouts passed by now.
pub(crate) async fn expire_due(b: &Inner) {
    let settled = {
        let mut fx = Effects::default();
        let mut state = b.commands.state.lock();
        let fleet = b.fleet.read();
        expire(&mut state, &fleet.view(), b.clock.now(), &mut fx);
        settle(b, fx, "Sysman.CommandTimeouts")
    };
    if let Err(e) = settled.await {
        tracing::warn!("command timeouts could not be committed: {e}");
    }
}
