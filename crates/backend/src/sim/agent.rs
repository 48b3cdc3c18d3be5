//! What a simulated node's agent does with its mail: it takes messages from
//! the node channel through the gate, as a real agent does over HTTP, runs
//! their steps in the simulated shell, and replies.

use sysman_api::commands::{
    AcknowledgeMessage, AgentStep, MessageBody, ReceiveMessages, SendReply, StepReport,
};
use sysman_api::{ApiError, Timestamp};

use super::SimNodeSpec;
use crate::{Backend, Caller};
use sysman_simshell::{self as shell, Machine, Outcome};

/// A reply to send when its time comes, and the command it answers.
#[derive(Debug, Clone)]
pub(crate) struct PendingReply {
    pub command_id: String,
    pub reply: SendReply,
}

/// What one poll of the mailbox asks of the node.
pub(crate) enum Work {
    /// Run a command: reply at `at`.
    Finish { at: Timestamp, reply: PendingReply },
    /// Stop a command, if it still runs.
    Cancel { command_id: String },
    /// Scan or install patches: the simulator plans when it finishes.
    Patch(super::patching::PatchJob),
}

/// Takes the node's messages and acknowledges each.
pub(crate) async fn poll(
    backend: &Backend,
    instance_id: &str,
    spec: &SimNodeSpec,
    seed: u64,
    failing: bool,
    now: Timestamp,
) -> Result<Vec<Work>, ApiError> {
    let caller = Caller::node(instance_id);
    let messages = backend
        .call(
            &caller,
            ReceiveMessages {
                instance_id: instance_id.to_owned(),
                wait_seconds: Some(0),
                max_messages: Some(10),
            },
        )
        .await?
        .messages;
    let mut work = Vec::with_capacity(messages.len());
    for message in messages {
        backend
            .call(
                &caller,
                AcknowledgeMessage {
                    instance_id: instance_id.to_owned(),
                    message_id: message.message_id.clone(),
                },
            )
            .await?;
        if let MessageBody::RunCommand {
            command_id, steps, ..
        } = &message.body
            && let Some(job) = super::patching::job_of(command_id, &message.message_id, steps, now)
        {
            work.push(Work::Patch(job));
            continue;
        }
        match message.body {
            MessageBody::CancelCommand { command_id } => work.push(Work::Cancel { command_id }),
            MessageBody::RunCommand {
                command_id,
                steps,
                execution_timeout_seconds,
                ..
            } => {
                let machine = Machine {
                    hostname: &spec.computer_name,
                    ip_address: &spec.ip_address,
                    platform: spec.platform,
                    index: spec.index,
                    seed,
                    now_ms: now.millis(),
                };
                let (reports, duration_ms) =
                    run_steps(&machine, &steps, execution_timeout_seconds, failing, now);
                work.push(Work::Finish {
                    at: now.plus_millis(duration_ms),
                    reply: PendingReply {
                        command_id,
                        reply: SendReply {
                            instance_id: instance_id.to_owned(),
                            message_id: message.message_id,
                            sequence: 1,
                            steps: reports,
                        },
                    },
                });
            }
        }
    }
    Ok(work)
}

/// Runs the steps one after another as the agent does, stopping at the
/// execution timeout. A failing node cannot even write its script.
fn run_steps(
    machine: &Machine,
    steps: &[AgentStep],
    execution_timeout_seconds: i64,
    failing: bool,
    now: Timestamp,
) -> (Vec<StepReport>, i64) {
    // Taking the message and starting the shell.
    const OVERHEAD_MS: i64 = 15;
    let budget_ms = execution_timeout_seconds.saturating_mul(1000);
    let mut elapsed = OVERHEAD_MS;
    let mut reports = Vec::with_capacity(steps.len());
    for step in steps {
        let started = now.plus_millis(elapsed);
        let outcome = match step.script() {
            Err(fault) => Outcome {
                stdout: String::new(),
                stderr: fault,
                exit_code: 1,
                duration_ms: 0,
            },
            Ok(_) if failing => Outcome {
                stdout: String::new(),
                stderr: "sh: 1: cannot create /var/lib/sysman/run/_script.sh: No space left on \
                         device\n"
                    .to_owned(),
                exit_code: 2,
                duration_ms: 3,
            },
            Ok(text) if step.action == "aws:runPowerShellScript" => {
                shell::run_powershell(machine, &text)
            }
            Ok(text) => shell::run_shell(machine, &text),
        };
        let took = i64::try_from(outcome.duration_ms).unwrap_or(i64::MAX);
        let (status, code, took) = if elapsed.saturating_add(took) > budget_ms {
            ("TimedOut", -1, (budget_ms - elapsed).max(0))
        } else if outcome.exit_code == 0 {
            ("Success", 0, took)
        } else {
            ("Failed", i64::from(outcome.exit_code), took)
        };
        elapsed = elapsed.saturating_add(took);
        reports.push(StepReport {
            name: step.name.clone(),
            status: status.to_owned(),
            response_code: code,
            started: Some(started),
            finished: Some(now.plus_millis(elapsed)),
            stdout: outcome.stdout,
            stderr: outcome.stderr,
        });
        if status == "TimedOut" {
            // Out of time: later steps never start. (After a failure they
            // do run: schema 2.2 steps go on unless told to exit.)
            for rest in &steps[reports.len()..] {
                reports.push(StepReport {
                    name: rest.name.clone(),
                    status: "Cancelled".to_owned(),
                    response_code: -1,
                    started: None,
                    finished: Some(now.plus_millis(elapsed)),
                    stdout: String::new(),
                    stderr: format!("Not run: {} used up the execution timeout", step.name),
                });
            }
            break;
        }
    }
    (reports, elapsed)
}

/// The reply of a command cancelled while it ran.
pub(crate) fn cancelled(mut pending: PendingReply, now: Timestamp) -> SendReply {
    for step in &mut pending.reply.steps {
        step.status = "Cancelled".to_owned();
        step.response_code = -1;
        step.stdout.clear();
        step.stderr.clear();
        step.finished = Some(now);
    }
    pending.reply
}
