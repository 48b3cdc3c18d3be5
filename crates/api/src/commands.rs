//! Run Command: sending a document to nodes, its invocations and output,
//! and the node channel agents take their work from.
//!
//! Shapes follow the service model (`SendCommandRequest`, `Command`,
//! `CommandInvocation`, ...). The channel operations (`ReceiveMessages`,
//! `AcknowledgeMessage`, `SendReply`) and `GetCommandOutput` are sysman's
//! own, under the `Sysman.` prefix.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ApiError, Empty, Operation, Prefix, Target, Timestamp};

/// Limits of the service model and of AWS's documentation.
pub mod limits {
    /// `InstanceIdList`: at most 50.
    pub const INSTANCE_IDS_MAX: usize = 50;
    /// `Targets`: at most 5, each with at most 50 values.
    pub const TARGETS_MAX: usize = 5;
    pub const TARGET_VALUES_MAX: usize = 50;
    /// `TimeoutSeconds`: 30 s to 30 days.
    pub const TIMEOUT_MIN: i64 = 30;
    pub const TIMEOUT_MAX: i64 = 2_592_000;
    /// The delivery timeout when none is given (AWS: 3,600 s).
    pub const TIMEOUT_DEFAULT: i64 = 3600;
    /// `Comment`: at most 100.
    pub const COMMENT_MAX: usize = 100;
    /// `CommandMaxResults`: 1–50.
    pub const LIST_MAX_RESULTS: i64 = 50;
    /// Characters of output GetCommandInvocation returns.
    pub const STDOUT_MAX: usize = 24_000;
    pub const STDERR_MAX: usize = 8_000;
    /// Characters of a plugin's `Output` in ListCommandInvocations.
    pub const PLUGIN_OUTPUT_MAX: usize = 2_500;
    /// How long a receive may wait for a message.
    pub const WAIT_SECONDS_MAX: i64 = 20;
}

/// What AWS appends to output it cut short.
pub const TRUNCATION_MARKER: &str = "\n---Output truncated---";

/// `MaxConcurrency` (`zero_ok` false) and `MaxErrors` (`zero_ok` true): a
/// number of nodes or a share of them, `N` or `N%`, as the model's patterns
/// allow them. Refused, it says which rule the value breaks.
pub fn check_rate(value: &str, zero_ok: bool) -> Result<(), RateRule> {
    let (digits, percent) = match value.strip_suffix('%') {
        Some(d) => (d, true),
        None => (value, false),
    };
    let number: Option<u64> = (!digits.is_empty()
        && digits.len() <= 6
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0')))
    .then(|| digits.parse().ok())
    .flatten();
    let ok = match number {
        Some(0) => zero_ok,
        Some(n) => !percent || n <= 100,
        None => false,
    };
    match (ok, zero_ok) {
        (true, _) => Ok(()),
        (false, true) => Err(RateRule {
            pattern: "^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$",
            hint: "a number of nodes (0, 3) or a share (10%)",
        }),
        (false, false) => Err(RateRule {
            pattern: "^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$",
            hint: "a number of nodes (1, 50) or a share (25%)",
        }),
    }
}

/// The rule a refused rate breaks: the service model's pattern for the
/// server's answer, and the same in words for a person typing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    pub pattern: &'static str,
    pub hint: &'static str,
}

impl RateRule {
    /// AWS's answer to `value` given as `field`.
    pub fn error(&self, field: &str, value: &str) -> ApiError {
        ApiError::constraint(
            field,
            value,
            &format!(
                "Member must satisfy regular expression pattern: {}",
                self.pattern
            ),
        )
    }
}

/// `CommandStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CommandStatus {
    Pending,
    InProgress,
    Success,
    Cancelled,
    Failed,
    TimedOut,
    Cancelling,
}

impl CommandStatus {
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            CommandStatus::Success
                | CommandStatus::Cancelled
                | CommandStatus::Failed
                | CommandStatus::TimedOut
        )
    }
}

/// `CommandInvocationStatus`. AWS's `Undeliverable` and `Terminated` are
/// statuses *details*: their `Status` is `Failed` and `Cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InvocationStatus {
    Pending,
    InProgress,
    Delayed,
    Success,
    Cancelled,
    TimedOut,
    Failed,
    Cancelling,
}

impl InvocationStatus {
    pub const ALL: [InvocationStatus; 8] = [
        InvocationStatus::Pending,
        InvocationStatus::InProgress,
        InvocationStatus::Delayed,
        InvocationStatus::Success,
        InvocationStatus::Cancelled,
        InvocationStatus::TimedOut,
        InvocationStatus::Failed,
        InvocationStatus::Cancelling,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            InvocationStatus::Pending => "Pending",
            InvocationStatus::InProgress => "InProgress",
            InvocationStatus::Delayed => "Delayed",
            InvocationStatus::Success => "Success",
            InvocationStatus::Cancelled => "Cancelled",
            InvocationStatus::TimedOut => "TimedOut",
            InvocationStatus::Failed => "Failed",
            InvocationStatus::Cancelling => "Cancelling",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            InvocationStatus::Success
                | InvocationStatus::Cancelled
                | InvocationStatus::TimedOut
                | InvocationStatus::Failed
        )
    }
}

/// `Command`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Command {
    pub command_id: String,
    pub document_name: String,
    pub document_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When the delivery timeout of a target not yet reached runs out.
    pub expires_after: Timestamp,
    /// As given: `{{ssm:...}}` references stay unresolved.
    #[serde(default)]
    pub parameters: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub instance_ids: Vec<String>,
    #[serde(default)]
    pub targets: Vec<Target>,
    pub requested_date_time: Timestamp,
    pub status: CommandStatus,
    pub status_details: String,
    pub max_concurrency: String,
    pub max_errors: String,
    pub target_count: i64,
    pub completed_count: i64,
    pub error_count: i64,
    pub delivery_timed_out_count: i64,
    pub timeout_seconds: i64,
    /// Where each step's whole output is written, as the SendCommand gave
    /// it; empty (and left out) when it named no bucket.
    #[serde(
        rename = "OutputS3BucketName",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub output_s3_bucket_name: String,
    #[serde(
        rename = "OutputS3KeyPrefix",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub output_s3_key_prefix: String,
    #[serde(
        rename = "OutputS3Region",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub output_s3_region: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendCommand {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<Target>>,
    pub document_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_hash_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_errors: Option<String>,
    /// Each step's whole output goes to this bucket of sysman's object
    /// store (a directory, or an S3-compatible endpoint).
    #[serde(rename = "OutputS3BucketName", skip_serializing_if = "Option::is_none")]
    pub output_s3_bucket_name: Option<String>,
    #[serde(rename = "OutputS3KeyPrefix", skip_serializing_if = "Option::is_none")]
    pub output_s3_key_prefix: Option<String>,
    #[serde(rename = "OutputS3Region", skip_serializing_if = "Option::is_none")]
    pub output_s3_region: Option<String>,
    /// Notifications need SNS, which sysman does not have: refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_config: Option<serde_json::Value>,
    /// Accepted, and not acted on: sysman writes no CloudWatch Logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_watch_output_config: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendCommandResult {
    pub command: Command,
}

impl Operation for SendCommand {
    const NAME: &'static str = "SendCommand";
    const READ_ONLY: bool = false;
    type Output = SendCommandResult;

    fn resource(&self) -> String {
        crate::documents::document_resource(&self.document_name)
    }

    /// The document and every node named by id, as AWS authorizes it; nodes
    /// found by tag are authorized once they are found.
    fn resources(&self) -> Vec<String> {
        let mut out = vec![self.resource()];
        out.extend(
            self.instance_ids
                .iter()
                .flatten()
                .map(|id| crate::fleet::node_resource(id)),
        );
        out
    }
}

/// `CommandFilter`: lower-case member names, as the model has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandFilter {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListCommands {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<CommandFilter>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListCommandsResult {
    pub commands: Vec<Command>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListCommands {
    const NAME: &'static str = "ListCommands";
    const READ_ONLY: bool = true;
    type Output = ListCommandsResult;
}

/// `CommandPlugin`: one step of an invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CommandPlugin {
    pub name: String,
    pub status: InvocationStatus,
    pub status_details: String,
    pub response_code: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_start_date_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_finish_date_time: Option<Timestamp>,
    /// Standard output then standard error, cut at 2,500 characters.
    pub output: String,
    /// The command's bucket, and this step's folder in it
    /// (`<prefix>/<command id>/<instance id>/<action>`), as AWS's agent
    /// reports them; empty (and left out) without a bucket.
    #[serde(
        rename = "OutputS3BucketName",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub output_s3_bucket_name: String,
    #[serde(
        rename = "OutputS3KeyPrefix",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub output_s3_key_prefix: String,
    #[serde(
        rename = "OutputS3Region",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub output_s3_region: String,
    /// Where the whole standard output and error are, once the step ended.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub standard_output_url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub standard_error_url: String,
}

/// `CommandInvocation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CommandInvocation {
    pub command_id: String,
    pub instance_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub document_name: String,
    pub document_version: String,
    pub requested_date_time: Timestamp,
    pub status: InvocationStatus,
    pub status_details: String,
    /// Only with `Details`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command_plugins: Vec<CommandPlugin>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListCommandInvocations {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<CommandFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListCommandInvocationsResult {
    pub command_invocations: Vec<CommandInvocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListCommandInvocations {
    const NAME: &'static str = "ListCommandInvocations";
    const READ_ONLY: bool = true;
    type Output = ListCommandInvocationsResult;
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetCommandInvocation {
    pub command_id: String,
    pub instance_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin_name: Option<String>,
}

/// The times are strings in the model (`StringDateTime`): ISO 8601, and
/// the elapsed time an ISO 8601 duration (`PT1.234S`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetCommandInvocationResult {
    pub command_id: String,
    pub instance_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub document_name: String,
    pub document_version: String,
    pub plugin_name: String,
    /// −1 until the plugin has run.
    pub response_code: i64,
    pub execution_start_date_time: String,
    pub execution_elapsed_time: String,
    pub execution_end_date_time: String,
    pub status: InvocationStatus,
    pub status_details: String,
    pub standard_output_content: String,
    pub standard_error_content: String,
    /// Where the whole output is, once the step ended, when the command
    /// named a bucket; empty otherwise, as AWS has it.
    #[serde(default)]
    pub standard_output_url: String,
    #[serde(default)]
    pub standard_error_url: String,
}

impl Operation for GetCommandInvocation {
    const NAME: &'static str = "GetCommandInvocation";
    const READ_ONLY: bool = true;
    type Output = GetCommandInvocationResult;
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelCommand {
    pub command_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_ids: Option<Vec<String>>,
}

impl Operation for CancelCommand {
    const NAME: &'static str = "CancelCommand";
    const READ_ONLY: bool = false;
    type Output = Empty;
}

/// One stream of an invocation's output, whole, a page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetCommandOutput {
    pub command_id: String,
    pub instance_id: String,
    /// The step; the first one when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin_name: Option<String>,
    /// `Stdout` (the default) or `Stderr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// Character offset to start at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// Characters to return at most: 1–1,048,576, 65,536 by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetCommandOutputResult {
    pub content: String,
    /// Where the next page starts, when there is more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<i64>,
    pub total_chars: i64,
}

impl Operation for GetCommandOutput {
    const NAME: &'static str = "GetCommandOutput";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = true;
    type Output = GetCommandOutputResult;
}

/// One step as the node runs it: the document's step with its parameters
/// filled in and `{{ssm:...}}` references resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentStep {
    pub name: String,
    pub action: String,
    pub inputs: serde_json::Value,
}

impl AgentStep {
    /// The script the step's `runCommand` holds: a list of lines (joined
    /// with newlines) or one string. `Err` is the text the step fails with:
    /// the server's fault when it could not resolve a parameter reference
    /// for the step (`ResolveError`), or a missing `runCommand`. The node
    /// agent and the simulated nodes both read a step through this.
    pub fn script(&self) -> Result<String, String> {
        if let Some(fault) = self.inputs.get("ResolveError").and_then(|v| v.as_str()) {
            return Err(fault.to_owned());
        }
        match self.inputs.get("runCommand") {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(serde_json::Value::Array(lines)) => Ok(lines
                .iter()
                .map(|l| l.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n")),
            _ => Err("The step has no runCommand".to_owned()),
        }
    }
}

/// What a message asks a node to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", tag = "Kind")]
pub enum MessageBody {
    /// Run these steps for a command.
    RunCommand {
        command_id: String,
        document_name: String,
        steps: Vec<AgentStep>,
        /// Seconds the steps may run in all before they are stopped.
        execution_timeout_seconds: i64,
    },
    /// Stop running the command, if still running.
    CancelCommand { command_id: String },
}

/// A message in a node's mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AgentMessage {
    pub message_id: String,
    pub created_date: Timestamp,
    pub body: MessageBody,
}

/// An agent takes the messages waiting for it, waiting up to
/// `WaitSeconds` (0–20) for one to arrive. A message taken and not
/// acknowledged within the visibility timeout is handed out again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReceiveMessages {
    pub instance_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<i64>,
    /// 1–10, 10 by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_messages: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReceiveMessagesResult {
    pub messages: Vec<AgentMessage>,
}

impl Operation for ReceiveMessages {
    const NAME: &'static str = "ReceiveMessages";
    const PREFIX: Prefix = Prefix::Sysman;
    /// A receive changes only when a message is next visible, which is not
    /// kept: after a restart every unacknowledged message is visible again.
    const READ_ONLY: bool = true;
    const NODE_CALLABLE: bool = true;
    type Output = ReceiveMessagesResult;

    fn resource(&self) -> String {
        crate::fleet::node_resource(&self.instance_id)
    }
}

/// The agent has the message and will act on it; it is not handed out
/// again. Acknowledging twice is harmless.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AcknowledgeMessage {
    pub instance_id: String,
    pub message_id: String,
}

impl Operation for AcknowledgeMessage {
    const NAME: &'static str = "AcknowledgeMessage";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    const NODE_CALLABLE: bool = true;
    type Output = Empty;

    fn resource(&self) -> String {
        crate::fleet::node_resource(&self.instance_id)
    }
}

/// How far one step has got, as the agent reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepReport {
    pub name: String,
    /// `InProgress`, `Success`, `Failed`, `TimedOut` or `Cancelled`.
    pub status: String,
    /// The exit code; −1 while running.
    pub response_code: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<Timestamp>,
    /// Output produced since the previous reply.
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
}

/// Progress or the result of a message. `Sequence` counts an agent's
/// replies to one message from 1; a reply whose sequence was seen already
/// changes nothing, so an agent may send again whatever it is not sure
/// arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendReply {
    pub instance_id: String,
    pub message_id: String,
    pub sequence: i64,
    #[serde(default)]
    pub steps: Vec<StepReport>,
}

impl Operation for SendReply {
    const NAME: &'static str = "SendReply";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    const NODE_CALLABLE: bool = true;
    type Output = Empty;

    fn resource(&self) -> String {
        crate::fleet::node_resource(&self.instance_id)
    }

    /// Output may hold resolved `{{ssm-secure:...}}` values, and the audit
    /// trail outlives the 30 days of command history: it records how much
    /// each step wrote, never what.
    fn audit_view(&self) -> String {
        let steps: Vec<serde_json::Value> = self
            .steps
            .iter()
            .map(|s| {
                serde_json::json!({
                    "Name": s.name,
                    "Status": s.status,
                    "ResponseCode": s.response_code,
                    "StdoutLength": s.stdout.len(),
                    "StderrLength": s.stderr.len(),
                })
            })
            .collect();
        serde_json::json!({
            "InstanceId": self.instance_id,
            "MessageId": self.message_id,
            "Sequence": self.sequence,
            "Steps": steps,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(inputs: serde_json::Value) -> AgentStep {
        AgentStep {
            name: "s".into(),
            action: "aws:runShellScript".into(),
            inputs,
        }
    }

    #[test]
    fn a_step_script_is_its_lines_or_the_reason_it_has_none() {
        let lines = step(serde_json::json!({ "runCommand": ["a", "b"] }));
        assert_eq!(lines.script(), Ok("a\nb".to_owned()));
        let one = step(serde_json::json!({ "runCommand": "x" }));
        assert_eq!(one.script(), Ok("x".to_owned()));
        let none = step(serde_json::json!({}));
        assert_eq!(none.script(), Err("The step has no runCommand".to_owned()));
        let fault = step(serde_json::json!({
            "runCommand": ["a"], "ResolveError": "ParameterNotFound: /x"
        }));
        assert_eq!(fault.script(), Err("ParameterNotFound: /x".to_owned()));
    }

    /// The output location's members carry AWS's names on the wire: the
    /// `S3` in them is not what PascalCase would make of `s3`.
    #[test]
    fn output_location_members_have_aws_names() {
        let plugin = CommandPlugin {
            name: "aws:runShellScript".into(),
            status: InvocationStatus::Success,
            status_details: "Success".into(),
            response_code: 0,
            response_start_date_time: None,
            response_finish_date_time: None,
            output: String::new(),
            output_s3_bucket_name: "b".into(),
            output_s3_key_prefix: "p".into(),
            output_s3_region: "r".into(),
            standard_output_url: "o".into(),
            standard_error_url: "e".into(),
        };
        let json = serde_json::to_value(&plugin).unwrap();
        for (name, value) in [
            ("OutputS3BucketName", "b"),
            ("OutputS3KeyPrefix", "p"),
            ("OutputS3Region", "r"),
            ("StandardOutputUrl", "o"),
            ("StandardErrorUrl", "e"),
        ] {
            assert_eq!(json[name], value, "{json}");
        }
        let without = CommandPlugin {
            output_s3_bucket_name: String::new(),
            output_s3_key_prefix: String::new(),
            output_s3_region: String::new(),
            standard_output_url: String::new(),
            standard_error_url: String::new(),
            ..plugin
        };
        let json = serde_json::to_value(&without).unwrap();
        assert!(json.get("OutputS3BucketName").is_none(), "{json}");
    }

    #[test]
    fn rates_follow_the_service_model() {
        for ok in ["1", "50", "999999", "1%", "25%", "100%"] {
            assert!(check_rate(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "", "0", "0%", "01", "05", "101%", "1000000", "-1", "5 %", "x", "%",
        ] {
            assert!(check_rate(bad, false).is_err(), "{bad}");
        }
        assert!(check_rate("0", true).is_ok());
        assert!(check_rate("0%", true).is_ok());
        assert!(check_rate("00", true).is_err());
    }

    #[test]
    fn a_refused_rate_names_its_rule_both_ways() {
        let rule = check_rate("0", false).unwrap_err();
        assert_eq!(rule.hint, "a number of nodes (1, 50) or a share (25%)");
        let err = rule.error("maxConcurrency", "0");
        assert_eq!(err.code, "ValidationException");
        assert_eq!(
            err.message,
            "1 validation error detected: Value '0' at 'maxConcurrency' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: \
             ^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$"
        );
        let rule = check_rate("x", true).unwrap_err();
        assert_eq!(rule.hint, "a number of nodes (0, 3) or a share (10%)");
        assert!(rule.pattern.contains("[0]"));
    }
}

/// Why an invocation is Undeliverable. The server writes the reason into
/// the invocation's output (AWS's StatusDetails says only
/// `Undeliverable`), and a reader such as the console finds it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undelivered {
    /// The node left before the command reached it.
    Deregistered,
    /// No step of the document runs on the node's platform.
    UnsupportedPlatform,
}

const DEREGISTERED: &str = "The node was deregistered before the command reached it.";
const NO_STEP: &str = "No step of ";

impl Undelivered {
    /// The output the server writes: `document` and the node's `platform`
    /// name what could not run where.
    pub fn output(self, document: &str, platform: &str) -> String {
        match self {
            Undelivered::Deregistered => DEREGISTERED.to_owned(),
            Undelivered::UnsupportedPlatform => format!(
                "{NO_STEP}{document} runs on {platform}: the document's actions and \
                 preconditions exclude this platform."
            ),
        }
    }

    /// The reason an undelivered invocation's `output` gives, if any (it
    /// is standard error, after AWS's separator).
    pub fn read(output: &str) -> Option<Undelivered> {
        if output.contains(DEREGISTERED) {
            Some(Undelivered::Deregistered)
        } else if output.contains(NO_STEP) {
            Some(Undelivered::UnsupportedPlatform)
        } else {
            None
        }
    }
}
