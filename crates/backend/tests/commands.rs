//! Run Command through the gate, with agents played by the test: rate and
//! error control, timeouts, cancel, output limits, redelivery and restart.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use sysman_api::commands::{
    AcknowledgeMessage, CancelCommand, CommandStatus, GetCommandInvocation, GetCommandOutput,
    InvocationStatus, ListCommandInvocations, ListCommands, MessageBody, ReceiveMessages,
    SendCommand, SendReply, StepReport,
};
use sysman_api::fleet::{CreateActivation, PlatformType, RegisterNode};
use sysman_api::parameters::PutParameter;
use sysman_api::{ApiError, Tag, Target, Timestamp};
use sysman_backend::{Backend, Caller, ManualClock, Options};

struct Fx {
    backend: Backend,
    clock: Arc<ManualClock>,
    admin: Caller,
}

const START: i64 = 1_795_435_200;

impl Fx {
    fn options(clock: &Arc<ManualClock>) -> Options {
        Options {
            clock: clock.clone(),
            id_seed: Some(11),
            ..Options::default()
        }
    }

    fn new() -> Fx {
        let clock = Arc::new(ManualClock::new(Timestamp::from_secs(START)));
        let backend = Backend::open_in_memory(Self::options(&clock)).unwrap();
        Fx {
            backend,
            clock,
            admin: Caller::admin("ops"),
        }
    }

    /// Registers `n` nodes of `platform` tagged Role=`role`.
    async fn nodes(&self, n: usize, platform: PlatformType, role: &str) -> Vec<String> {
        let activation = self
            .backend
            .call(
                &self.admin,
                CreateActivation {
                    iam_role: "Role".into(),
                    registration_limit: Some(n as i64),
                    tags: Some(vec![Tag::new("Role", role)]),
                    ..CreateActivation::default()
                },
            )
            .await
            .unwrap();
        let mut ids = Vec::new();
        for i in 0..n {
            let out = self
                .backend
                .call(
                    &Caller::Anonymous,
                    RegisterNode {
                        activation_id: activation.activation_id.clone(),
                        activation_code: activation.activation_code.clone(),
                        computer_name: Some(format!("{role}-{i:03}")),
                        platform_type: Some(platform),
                        platform_name: Some("Ubuntu".into()),
                        platform_version: Some("24.04".into()),
                        agent_version: Some("3.3.1611.0".into()),
                        ip_address: Some("10.0.0.1".into()),
                    },
                )
                .await
                .unwrap();
            ids.push(out.instance_id);
        }
        ids.sort();
        ids
    }

    async fn send(&self, req: SendCommand) -> String {
        self.backend
            .call(&self.admin, req)
            .await
            .unwrap()
            .command
            .command_id
    }

    /// Takes a node's messages without waiting.
    async fn receive(&self, node: &str) -> Vec<sysman_api::commands::AgentMessage> {
        self.backend
            .call(
                &Caller::node(node),
                ReceiveMessages {
                    instance_id: node.into(),
                    wait_seconds: Some(0),
                    max_messages: None,
                },
            )
            .await
            .unwrap()
            .messages
    }

    /// A node's 20 s long poll, running in the background.
    fn long_poll(
        &self,
        node: &str,
    ) -> tokio::task::JoinHandle<Result<sysman_api::commands::ReceiveMessagesResult, ApiError>>
    {
        let (backend, node) = (self.backend.clone(), node.to_owned());
        tokio::spawn(async move {
            backend
                .call(
                    &Caller::node(&node),
                    ReceiveMessages {
                        instance_id: node.clone(),
                        wait_seconds: Some(20),
                        max_messages: None,
                    },
                )
                .await
        })
    }

    async fn ack(&self, node: &str, message_id: &str) {
        self.backend
            .call(
                &Caller::node(node),
                AcknowledgeMessage {
                    instance_id: node.into(),
                    message_id: message_id.into(),
                },
            )
            .await
            .unwrap();
    }

    async fn reply(
        &self,
        node: &str,
        message_id: &str,
        seq: i64,
        status: &str,
        code: i64,
        out: &str,
    ) {
        self.backend
            .call(
                &Caller::node(node),
                SendReply {
                    instance_id: node.into(),
                    message_id: message_id.into(),
                    sequence: seq,
                    steps: vec![StepReport {
                        name: "aws:runShellScript".into(),
                        status: status.into(),
                        response_code: code,
                        started: None,
                        finished: None,
                        stdout: out.into(),
                        stderr: String::new(),
                    }],
                },
            )
            .await
            .unwrap();
    }

    /// Nodes whose mailbox holds a run message now, with its id.
    async fn in_flight(&self, nodes: &[String]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for node in nodes {
            for m in self.receive(node).await {
                if matches!(m.body, MessageBody::RunCommand { .. }) {
                    out.push((node.clone(), m.message_id));
                }
            }
        }
        out
    }

    async fn command(&self, id: &str) -> sysman_api::commands::Command {
        self.backend
            .call(
                &self.admin,
                ListCommands {
                    command_id: Some(id.into()),
                    ..ListCommands::default()
                },
            )
            .await
            .unwrap()
            .commands
            .remove(0)
    }

    async fn invocation(
        &self,
        id: &str,
        node: &str,
    ) -> sysman_api::commands::GetCommandInvocationResult {
        self.backend
            .call(
                &self.admin,
                GetCommandInvocation {
                    command_id: id.into(),
                    instance_id: node.into(),
                    plugin_name: None,
                },
            )
            .await
            .unwrap()
    }
}

fn shell(commands: &[&str]) -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([(
        "commands".to_owned(),
        commands.iter().map(|c| c.to_string()).collect(),
    )])
}

fn to_role(role: &str, concurrency: &str, errors: &str) -> SendCommand {
    SendCommand {
        targets: Some(vec![Target {
            key: "tag:Role".into(),
            values: vec![role.into()],
        }]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(shell(&["echo hello"])),
        max_concurrency: Some(concurrency.into()),
        max_errors: Some(errors.into()),
        ..SendCommand::default()
    }
}

#[tokio::test]
async fn concurrency_ramps_one_two_four_and_never_passes_the_limit() {
    let fx = Fx::new();
    let nodes = fx.nodes(20, PlatformType::Linux, "web").await;
    let id = fx.send(to_role("web", "5", "0")).await;
    let mut seen = Vec::new();
    let mut done = 0;
    while done < 20 {
        let flight = fx.in_flight(&nodes).await;
        seen.push(flight.len());
        assert!(flight.len() <= 5, "{} in flight", flight.len());
        // Finish one at a time: the window doubles with each completion.
        let (node, message) = &flight[0];
        fx.ack(node, message).await;
        fx.reply(node, message, 1, "Success", 0, "hello\n").await;
        done += 1;
        // The others were handed out; make them visible again.
        fx.clock.advance(Duration::from_secs(31));
    }
    assert_eq!(&seen[..4], &[1, 2, 4, 5]);
    let command = fx.command(&id).await;
    assert_eq!(command.status, CommandStatus::Success);
    assert_eq!((command.target_count, command.completed_count), (20, 20));
    let inv = fx.invocation(&id, &nodes[0]).await;
    assert_eq!(inv.status, InvocationStatus::Success);
    assert_eq!(inv.standard_output_content, "hello\n");
    assert_eq!(inv.response_code, 0);
}

#[tokio::test]
async fn errors_past_max_errors_stop_dispatch_and_terminate_the_rest() {
    let fx = Fx::new();
    let nodes = fx.nodes(10, PlatformType::Linux, "db").await;
    let id = fx.send(to_role("db", "1", "2")).await;
    // One at a time: three failures exceed MaxErrors 2.
    for _ in 0..3 {
        let flight = fx.in_flight(&nodes).await;
        assert_eq!(flight.len(), 1);
        let (node, message) = &flight[0];
        fx.ack(node, message).await;
        fx.reply(node, message, 1, "Failed", 1, "").await;
        fx.clock.advance(Duration::from_secs(31));
    }
    assert!(fx.in_flight(&nodes).await.is_empty());
    let command = fx.command(&id).await;
    assert_eq!(command.status, CommandStatus::Failed);
    assert_eq!((command.error_count, command.completed_count), (3, 10));
    let list = fx
        .backend
        .call(
            &fx.admin,
            ListCommandInvocations {
                command_id: Some(id.clone()),
                ..ListCommandInvocations::default()
            },
        )
        .await
        .unwrap()
        .command_invocations;
    let terminated = list
        .iter()
        .filter(|i| i.status_details == "Terminated")
        .count();
    assert_eq!(terminated, 7);
}

#[tokio::test]
async fn an_unanswered_message_times_out_undelivered_and_is_not_an_error() {
    let fx = Fx::new();
    let nodes = fx.nodes(1, PlatformType::Linux, "cache").await;
    let id = fx
        .send(SendCommand {
            timeout_seconds: Some(60),
            ..to_role("cache", "1", "0")
        })
        .await;
    fx.clock.advance(Duration::from_secs(61));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let inv = fx.invocation(&id, &nodes[0]).await;
    assert_eq!(
        (inv.status, inv.status_details.as_str()),
        (InvocationStatus::TimedOut, "Delivery Timed Out")
    );
    let command = fx.command(&id).await;
    assert_eq!(command.status, CommandStatus::TimedOut);
    assert_eq!(
        (command.error_count, command.delivery_timed_out_count),
        (0, 1)
    );
}

#[tokio::test]
async fn a_repeated_reply_changes_nothing_and_output_accumulates_once() {
    let fx = Fx::new();
    let nodes = fx.nodes(1, PlatformType::Linux, "api").await;
    let id = fx.send(to_role("api", "1", "0")).await;
    let (node, message) = fx.in_flight(&nodes).await.remove(0);
    fx.ack(&node, &message).await;
    fx.reply(&node, &message, 1, "InProgress", -1, "one\n")
        .await;
    fx.reply(&node, &message, 1, "InProgress", -1, "one\n")
        .await;
    fx.reply(&node, &message, 2, "Success", 0, "two\n").await;
    fx.reply(&node, &message, 2, "Success", 0, "two\n").await;
    let out = fx
        .backend
        .call(
            &fx.admin,
            GetCommandOutput {
                command_id: id.clone(),
                instance_id: node.clone(),
                ..GetCommandOutput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(out.content, "one\ntwo\n");
}

#[tokio::test]
async fn cancel_stops_pending_and_asks_running_nodes_to_stop() {
    let fx = Fx::new();
    let nodes = fx.nodes(4, PlatformType::Linux, "batch").await;
    let id = fx.send(to_role("batch", "1", "0")).await;
    let (node, message) = fx.in_flight(&nodes).await.remove(0);
    fx.ack(&node, &message).await;
    fx.backend
        .call(
            &fx.admin,
            CancelCommand {
                command_id: id.clone(),
                instance_ids: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(fx.command(&id).await.status, CommandStatus::Cancelling);
    let cancel = fx.receive(&node).await;
    assert!(matches!(cancel[0].body, MessageBody::CancelCommand { .. }));
    fx.ack(&node, &cancel[0].message_id).await;
    fx.reply(&node, &message, 1, "Cancelled", -1, "").await;
    let command = fx.command(&id).await;
    assert_eq!(command.status, CommandStatus::Cancelled);
    assert_eq!(command.completed_count, 4);
}

#[tokio::test]
async fn secrets_are_resolved_only_on_delivery() {
    let fx = Fx::new();
    let nodes = fx.nodes(1, PlatformType::Linux, "web").await;
    fx.backend
        .call(
            &fx.admin,
            PutParameter {
                name: "/app/token".into(),
                value: "s3cr3t-value".into(),
                r#type: Some("SecureString".into()),
                ..PutParameter::default()
            },
        )
        .await
        .unwrap();
    let id = fx
        .send(SendCommand {
            parameters: Some(shell(&["deploy --token {{ssm-secure:/app/token}}"])),
            ..to_role("web", "1", "0")
        })
        .await;
    let command = fx.command(&id).await;
    assert_eq!(
        command.parameters["commands"],
        ["deploy --token {{ssm-secure:/app/token}}"]
    );
    let messages = fx.receive(&nodes[0]).await;
    let MessageBody::RunCommand { steps, .. } = &messages[0].body else {
        panic!("not a run message");
    };
    assert_eq!(
        steps[0].inputs["runCommand"][0],
        "deploy --token s3cr3t-value"
    );
    // The node echoes the secret: its output keeps it, as AWS's does, but
    // the audit trail, which outlives the command, records only lengths.
    let node = &nodes[0];
    fx.ack(node, &messages[0].message_id).await;
    fx.backend
        .call(
            &Caller::node(node),
            SendReply {
                instance_id: node.clone(),
                message_id: messages[0].message_id.clone(),
                sequence: 1,
                steps: vec![StepReport {
                    name: "aws:runShellScript".into(),
                    status: "Success".into(),
                    response_code: 0,
                    started: None,
                    finished: None,
                    stdout: "token is s3cr3t-value\n".into(),
                    stderr: "warning: s3cr3t-value on the command line\n".into(),
                }],
            },
        )
        .await
        .unwrap();
    let inv = fx.invocation(&id, node).await;
    assert_eq!(inv.standard_output_content, "token is s3cr3t-value\n");
    fx.backend.flush().await;
    let audit = fx.backend.audit_records().await.unwrap();
    let reply = audit.iter().find(|r| r.operation == "SendReply").unwrap();
    assert!(reply.request.contains("\"StdoutLength\":22"), "{reply:?}");
    assert!(audit.iter().all(|r| !r.request.contains("s3cr3t-value")));
}

#[tokio::test]
async fn output_limits_are_exact_and_the_full_output_is_kept() {
    let fx = Fx::new();
    let nodes = fx.nodes(1, PlatformType::Linux, "web").await;
    let id = fx.send(to_role("web", "1", "0")).await;
    let (node, message) = fx.in_flight(&nodes).await.remove(0);
    fx.ack(&node, &message).await;
    // Multi-byte characters: the limits count characters, not bytes.
    let stdout: String = "é".repeat(30_000);
    let stderr: String = "x".repeat(9_000);
    fx.backend
        .call(
            &Caller::node(&node),
            SendReply {
                instance_id: node.clone(),
                message_id: message.clone(),
                sequence: 1,
                steps: vec![StepReport {
                    name: "aws:runShellScript".into(),
                    status: "Failed".into(),
                    response_code: 3,
                    started: None,
                    finished: None,
                    stdout: stdout.clone(),
                    stderr: stderr.clone(),
                }],
            },
        )
        .await
        .unwrap();
    let inv = fx.invocation(&id, &node).await;
    assert_eq!(inv.standard_output_content.chars().count(), 24_000);
    assert_eq!(inv.standard_error_content.chars().count(), 8_000);
    assert_eq!(inv.response_code, 3);
    let listed = fx
        .backend
        .call(
            &fx.admin,
            ListCommandInvocations {
                command_id: Some(id.clone()),
                details: Some(true),
                ..ListCommandInvocations::default()
            },
        )
        .await
        .unwrap()
        .command_invocations;
    let output = &listed[0].command_plugins[0].output;
    assert_eq!(output.chars().count(), 2_500);
    assert!(output.ends_with(sysman_api::commands::TRUNCATION_MARKER));
    let mut whole = String::new();
    let mut offset = Some(0);
    while let Some(at) = offset {
        let page = fx
            .backend
            .call(
                &fx.admin,
                GetCommandOutput {
                    command_id: id.clone(),
                    instance_id: node.clone(),
                    offset: Some(at),
                    max_chars: Some(7_000),
                    ..GetCommandOutput::default()
                },
            )
            .await
            .unwrap();
        whole.push_str(&page.content);
        offset = page.next_offset;
    }
    assert_eq!(whole, stdout);
}

#[tokio::test]
async fn a_restart_mid_command_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp::from_secs(START)));
    let admin = Caller::admin("ops");
    let (id, nodes, first) = {
        let fx = Fx {
            backend: Backend::open(dir.path(), Fx::options(&clock)).unwrap(),
            clock: clock.clone(),
            admin: admin.clone(),
        };
        let nodes = fx.nodes(3, PlatformType::Linux, "db").await;
        let id = fx.send(to_role("db", "1", "0")).await;
        let (node, message) = fx.in_flight(&nodes).await.remove(0);
        fx.ack(&node, &message).await;
        (id, nodes, (node, message))
    };
    let fx = Fx {
        backend: Backend::open(dir.path(), Fx::options(&clock)).unwrap(),
        clock: clock.clone(),
        admin,
    };
    // The running invocation is still running, and nothing else was sent.
    assert!(fx.in_flight(&nodes).await.is_empty());
    let inv = fx.invocation(&id, &first.0).await;
    assert_eq!(inv.status, InvocationStatus::InProgress);
    fx.reply(&first.0, &first.1, 1, "Success", 0, "ok\n").await;
    // A late duplicate of the same reply changes nothing.
    fx.reply(&first.0, &first.1, 1, "Failed", 1, "again\n")
        .await;
    let mut done = 1;
    while done < 3 {
        let flight = fx.in_flight(&nodes).await;
        assert_eq!(flight.len(), 1, "one at a time, each once");
        let (node, message) = &flight[0];
        assert_ne!(node, &first.0);
        fx.ack(node, message).await;
        fx.reply(node, message, 1, "Success", 0, "ok\n").await;
        done += 1;
    }
    let command = fx.command(&id).await;
    assert_eq!(command.status, CommandStatus::Success);
    assert_eq!(command.completed_count, 3);
    assert_eq!(
        fx.invocation(&id, &first.0).await.standard_output_content,
        "ok\n"
    );
}

#[tokio::test]
async fn a_dropped_acknowledgement_is_delivered_again() {
    let fx = Fx::new();
    let nodes = fx.nodes(1, PlatformType::Linux, "web").await;
    fx.send(to_role("web", "1", "0")).await;
    let first = fx.receive(&nodes[0]).await;
    assert_eq!(first.len(), 1);
    // Not acknowledged: invisible for the visibility timeout, then back.
    assert!(fx.receive(&nodes[0]).await.is_empty());
    fx.clock.advance(Duration::from_secs(31));
    let again = fx.receive(&nodes[0]).await;
    assert_eq!(again[0].message_id, first[0].message_id);
}

#[tokio::test]
async fn bad_requests_are_refused_and_send_nothing() {
    let fx = Fx::new();
    let nodes = fx.nodes(1, PlatformType::Windows, "web").await;
    let cases: Vec<(SendCommand, &str, &str)> = vec![
        (
            SendCommand {
                instance_ids: Some(nodes.clone()),
                ..to_role("web", "1", "0")
            },
            "ValidationException",
            "either InstanceIds or Targets",
        ),
        (
            SendCommand {
                targets: None,
                instance_ids: Some(nodes.clone()),
                ..to_role("web", "1", "0")
            },
            "UnsupportedPlatformType",
            "The document doesn't support the platform type of the given managed node IDs: [",
        ),
        (
            SendCommand {
                parameters: Some(BTreeMap::from([("comands".into(), vec!["ls".into()])])),
                ..to_role("web", "1", "0")
            },
            "InvalidParameters",
            "comands",
        ),
        (
            to_role("web", "0", "0"),
            "ValidationException",
            "maxConcurrency",
        ),
        (
            to_role("web", "101%", "0"),
            "ValidationException",
            "maxConcurrency",
        ),
        (
            to_role("web", "1", "-1"),
            "ValidationException",
            "maxErrors",
        ),
        (
            SendCommand {
                timeout_seconds: Some(29),
                ..to_role("web", "1", "0")
            },
            "ValidationException",
            "timeoutSeconds",
        ),
        (
            SendCommand {
                document_name: "No-Such-Doc".into(),
                ..to_role("web", "1", "0")
            },
            "InvalidDocument",
            "The specified document does not exist.",
        ),
        (
            SendCommand {
                parameters: Some(shell(&["cat {{ssm:/nowhere}}"])),
                ..to_role("web", "1", "0")
            },
            "InvalidParameters",
            "/nowhere",
        ),
        // Output to a bucket is kept now; a bucket name that could leave
        // the object store is not.
        (
            SendCommand {
                output_s3_bucket_name: Some("../logs".into()),
                ..to_role("web", "1", "0")
            },
            "ValidationException",
            "S3 bucket name",
        ),
        (
            SendCommand {
                notification_config: Some(serde_json::json!({"NotificationArn": "arn"})),
                ..to_role("web", "1", "0")
            },
            "ValidationException",
            "NotificationConfig",
        ),
    ];
    for (req, code, needle) in cases {
        let e = fx.backend.call(&fx.admin, req).await.unwrap_err();
        assert_eq!(e.code, code, "{e}");
        assert!(e.message.contains(needle), "{e} does not name {needle}");
    }
    let listed = fx
        .backend
        .call(&fx.admin, ListCommands::default())
        .await
        .unwrap();
    assert!(listed.commands.is_empty());
}

#[tokio::test]
async fn a_percentage_concurrency_ramps_the_same_way() {
    let fx = Fx::new();
    let nodes = fx.nodes(20, PlatformType::Linux, "web").await;
    fx.send(to_role("web", "25%", "0")).await;
    let mut seen = Vec::new();
    for _ in 0..6 {
        let flight = fx.in_flight(&nodes).await;
        seen.push(flight.len());
        let (node, message) = &flight[0];
        fx.ack(node, message).await;
        fx.reply(node, message, 1, "Success", 0, "").await;
        fx.clock.advance(Duration::from_secs(31));
    }
    // 25% of 20 is 5.
    assert_eq!(seen, [1, 2, 4, 5, 5, 5]);
}

#[tokio::test]
async fn a_percentage_error_threshold_stops_after_its_share() {
    let fx = Fx::new();
    let nodes = fx.nodes(20, PlatformType::Linux, "db").await;
    // 10% of 20 is 2: the third error stops the run.
    let id = fx.send(to_role("db", "1", "10%")).await;
    for _ in 0..3 {
        let (node, message) = fx.in_flight(&nodes).await.remove(0);
        fx.ack(&node, &message).await;
        fx.reply(&node, &message, 1, "Failed", 1, "").await;
        fx.clock.advance(Duration::from_secs(31));
    }
    assert!(fx.in_flight(&nodes).await.is_empty());
    let command = fx.command(&id).await;
    assert_eq!((command.error_count, command.completed_count), (3, 20));
}

#[tokio::test]
async fn a_node_that_never_finishes_times_out_in_execution_and_counts_as_an_error() {
    let fx = Fx::new();
    let nodes = fx.nodes(1, PlatformType::Linux, "web").await;
    let id = fx
        .send(SendCommand {
            parameters: Some(BTreeMap::from([
                ("commands".to_owned(), vec!["sleep 999".to_owned()]),
                ("executionTimeout".to_owned(), vec!["60".to_owned()]),
            ])),
            ..to_role("web", "1", "0")
        })
        .await;
    let (node, message) = fx.in_flight(&nodes).await.remove(0);
    fx.ack(&node, &message).await;
    // The agent would say so at 60 s; the server gives it a minute more.
    fx.clock.advance(Duration::from_secs(119));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        fx.invocation(&id, &node).await.status,
        InvocationStatus::InProgress
    );
    fx.clock.advance(Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let inv = fx.invocation(&id, &node).await;
    assert_eq!(
        (inv.status, inv.status_details.as_str()),
        (InvocationStatus::TimedOut, "Execution Timed Out")
    );
    let command = fx.command(&id).await;
    assert_eq!(
        (command.error_count, command.delivery_timed_out_count),
        (1, 0)
    );
    // A reply after the fact changes nothing.
    fx.reply(&node, &message, 1, "Success", 0, "late\n").await;
    assert_eq!(
        fx.invocation(&id, &node).await.status,
        InvocationStatus::TimedOut
    );
}

#[tokio::test]
async fn a_long_poll_returns_as_soon_as_mail_arrives() {
    let fx = Fx::new();
    let nodes = fx.nodes(1, PlatformType::Linux, "web").await;
    let poll = fx.long_poll(&nodes[0]);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!poll.is_finished(), "an empty mailbox holds the poll");
    fx.send(to_role("web", "1", "0")).await;
    let got = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the poll returns when mail arrives")
        .unwrap()
        .unwrap();
    assert_eq!(got.messages.len(), 1);
    // With nothing to take, the wait ends at its deadline on the clock.
    let backend = fx.backend.clone();
    let node = nodes[0].clone();
    let idle = tokio::spawn(async move {
        backend
            .call(
                &Caller::node(&node),
                ReceiveMessages {
                    instance_id: node.clone(),
                    wait_seconds: Some(20),
                    max_messages: None,
                },
            )
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    fx.clock.advance(Duration::from_secs(20));
    let got = tokio::time::timeout(Duration::from_secs(5), idle)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(got.messages.is_empty());
}

#[tokio::test]
async fn no_secret_reaches_the_disk_when_a_command_uses_one() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp::from_secs(START)));
    let secret = "hunter2-but-longer-8841";
    {
        let fx = Fx {
            backend: Backend::open(dir.path(), Fx::options(&clock)).unwrap(),
            clock: clock.clone(),
            admin: Caller::admin("ops"),
        };
        let nodes = fx.nodes(2, PlatformType::Linux, "web").await;
        fx.backend
            .call(
                &fx.admin,
                PutParameter {
                    name: "/db/password".into(),
                    value: secret.into(),
                    r#type: Some("SecureString".into()),
                    ..PutParameter::default()
                },
            )
            .await
            .unwrap();
        fx.send(SendCommand {
            parameters: Some(shell(&["psql --password {{ssm-secure:/db/password}}"])),
            ..to_role("web", "2", "0")
        })
        .await;
        // Delivered (resolved in the message), taken and finished.
        for (node, message) in fx.in_flight(&nodes).await {
            fx.ack(&node, &message).await;
            fx.reply(&node, &message, 1, "Success", 0, "connected\n")
                .await;
        }
        fx.backend.flush().await;
    }
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{} holds the secret",
            path.display()
        );
    }
}

#[tokio::test]
async fn deregistering_a_node_ends_its_waiting_invocation_undeliverable() {
    let fx = Fx::new();
    let nodes = fx.nodes(2, PlatformType::Linux, "web").await;
    let id = fx.send(to_role("web", "1", "0")).await;
    let (first, _) = fx.in_flight(&nodes).await.remove(0);
    fx.backend
        .call(
            &fx.admin,
            sysman_api::fleet::DeregisterManagedInstance {
                instance_id: first.clone(),
            },
        )
        .await
        .unwrap();
    let inv = fx.invocation(&id, &first).await;
    assert_eq!(
        (inv.status, inv.status_details.as_str()),
        (InvocationStatus::Failed, "Undeliverable")
    );
    // Its place went to the next node at once, and it is not an error.
    let rest: Vec<String> = nodes.into_iter().filter(|n| *n != first).collect();
    let next = fx.in_flight(&rest).await;
    assert_eq!(next.len(), 1);
    assert_eq!(fx.command(&id).await.error_count, 0);
}

#[tokio::test]
async fn one_nodes_invocations_list_across_commands_newest_first() {
    let fx = Fx::new();
    let nodes = fx.nodes(3, PlatformType::Linux, "web").await;
    let older = fx.send(to_role("web", "3", "0")).await;
    fx.clock.advance(Duration::from_secs(5));
    let newer = fx.send(to_role("web", "3", "0")).await;
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = fx
            .backend
            .call(
                &fx.admin,
                ListCommandInvocations {
                    instance_id: Some(nodes[1].clone()),
                    max_results: Some(1),
                    next_token: token.take(),
                    ..ListCommandInvocations::default()
                },
            )
            .await
            .unwrap();
        for inv in page.command_invocations {
            assert_eq!(inv.instance_id, nodes[1]);
            seen.push(inv.command_id);
        }
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(seen, [newer, older]);
}

#[tokio::test]
async fn a_node_not_heard_from_is_delayed_until_it_picks_up() {
    let fx = Fx::new();
    let nodes = fx.nodes(1, PlatformType::Linux, "web").await;
    // No heartbeat for an hour: the node is no longer Online.
    fx.clock.advance(Duration::from_secs(3600));
    let id = fx.send(to_role("web", "1", "0")).await;
    let inv = fx.invocation(&id, &nodes[0]).await;
    assert_eq!(
        (inv.status, inv.status_details.as_str()),
        (InvocationStatus::Delayed, "Delayed")
    );
    let (node, message) = fx.in_flight(&nodes).await.remove(0);
    fx.ack(&node, &message).await;
    assert_eq!(
        fx.invocation(&id, &node).await.status,
        InvocationStatus::InProgress
    );
}

#[tokio::test]
async fn finished_commands_are_forgotten_after_30_days_as_aws_keeps_history() {
    let fx = Fx::new();
    let nodes = fx.nodes(2, PlatformType::Linux, "web").await;
    let old = fx.send(to_role("web", "2", "0")).await;
    // The ramp sends to one node, then to the next when it is done.
    for _ in 0..nodes.len() {
        for (node, message) in fx.in_flight(&nodes).await {
            fx.ack(&node, &message).await;
            fx.reply(&node, &message, 1, "Success", 0, "ok").await;
        }
    }
    assert_eq!(fx.command(&old).await.status, CommandStatus::Success);
    // 29 days on, a new command leaves the old one be.
    fx.clock.advance(Duration::from_secs(29 * 86_400));
    let recent = fx.send(to_role("web", "2", "0")).await;
    assert_eq!(listed(&fx).await, [recent.clone(), old.clone()]);
    // Past 30 days, the next one makes room: the old command and its
    // invocations are gone, the recent one stays.
    fx.clock.advance(Duration::from_secs(2 * 86_400));
    let newest = fx.send(to_role("web", "2", "0")).await;
    assert_eq!(listed(&fx).await, [newest, recent]);
    let gone = fx
        .backend
        .call(
            &fx.admin,
            GetCommandInvocation {
                command_id: old.clone(),
                instance_id: nodes[0].clone(),
                plugin_name: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(gone.code, "InvalidCommandId", "{gone}");
}

async fn listed(fx: &Fx) -> Vec<String> {
    fx.backend
        .call(&fx.admin, ListCommands::default())
        .await
        .unwrap()
        .commands
        .into_iter()
        .map(|c| c.command_id)
        .collect()
}

/// Bytes this process has handed to `write` so far (Linux).
fn bytes_written() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap();
    io.lines()
        .find_map(|l| l.strip_prefix("wchar: "))
        .unwrap()
        .parse()
        .unwrap()
}

/// Each progress reply stores only the output it brought: the invocation's
/// record is not rewritten with all output so far, which made a chatty
/// command cost the disk the square of its output. After a restart the
/// output reads back whole, in order.
#[tokio::test]
async fn progress_replies_store_only_their_own_output() {
    const REPLIES: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp::from_secs(START)));
    let admin = Caller::admin("ops");
    let chunk = |i: usize| format!("{i:04} {}\n", "x".repeat(4000));
    let expected: String = (1..=REPLIES).map(chunk).collect();
    let (id, node, written) = {
        let fx = Fx {
            backend: Backend::open(dir.path(), Fx::options(&clock)).unwrap(),
            clock: clock.clone(),
            admin: admin.clone(),
        };
        let nodes = fx.nodes(1, PlatformType::Linux, "db").await;
        let id = fx.send(to_role("db", "1", "0")).await;
        let (node, message) = fx.in_flight(&nodes).await.remove(0);
        fx.ack(&node, &message).await;
        fx.backend.flush().await;
        let before = bytes_written();
        for i in 1..=REPLIES {
            let (status, code) = match i {
                REPLIES => ("Success", 0),
                _ => ("InProgress", -1),
            };
            fx.reply(&node, &message, i as i64, status, code, &chunk(i))
                .await;
        }
        fx.backend.flush().await;
        (id, node, bytes_written() - before)
    };
    // Each reply costs a few pages of its own, not all output so far: the
    // old way wrote about REPLIES / 2 times the output (about 400 MB here).
    let output = expected.len() as u64;
    assert!(
        written < 12 * output,
        "{written} bytes written for {output} bytes of output"
    );
    let fx = Fx {
        backend: Backend::open(dir.path(), Fx::options(&clock)).unwrap(),
        clock: clock.clone(),
        admin,
    };
    let mut whole = String::new();
    let mut offset = Some(0);
    while let Some(at) = offset {
        let page = fx
            .backend
            .call(
                &fx.admin,
                GetCommandOutput {
                    command_id: id.clone(),
                    instance_id: node.clone(),
                    offset: Some(at),
                    ..GetCommandOutput::default()
                },
            )
            .await
            .unwrap();
        whole.push_str(&page.content);
        offset = page.next_offset;
    }
    assert_eq!(whole, expected);
}

#[tokio::test]
async fn a_waiting_poll_takes_a_message_as_soon_as_it_is_visible_again() {
    let fx = Fx::new();
    let nodes = fx.nodes(1, PlatformType::Linux, "web").await;
    fx.send(to_role("web", "1", "0")).await;
    // Taken and never acknowledged: hidden for 30 s.
    let first = fx.receive(&nodes[0]).await;
    assert_eq!(first.len(), 1);
    fx.clock.advance(Duration::from_secs(15));
    let poll = fx.long_poll(&nodes[0]);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!poll.is_finished(), "nothing is visible yet");
    // Visible again 16 s later, 4 s before the poll's own deadline: the
    // poll hands it out then, not when its wait ends.
    fx.clock.advance(Duration::from_secs(16));
    let got = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("the poll returns once the message is visible again")
        .unwrap()
        .unwrap();
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.messages[0].message_id, first[0].message_id);
}

#[tokio::test]
async fn send_command_answers_pending_and_list_commands_moves_on() {
    let fx = Fx::new();
    let nodes = fx.nodes(3, PlatformType::Linux, "web").await;
    let sent = fx
        .backend
        .call(&fx.admin, to_role("web", "1", "0"))
        .await
        .unwrap()
        .command;
    // As AWS answers: the command as sent, nothing delivered yet.
    assert_eq!(sent.status, CommandStatus::Pending);
    assert_eq!(sent.status_details, "Pending");
    assert_eq!((sent.target_count, sent.completed_count), (3, 0));
    // The engine handed the first node its message at once.
    assert_eq!(fx.in_flight(&nodes).await.len(), 1);
    let listed = fx.command(&sent.command_id).await;
    assert_eq!(listed.status, CommandStatus::InProgress);
    assert_eq!(listed.status_details, "In Progress");
}
