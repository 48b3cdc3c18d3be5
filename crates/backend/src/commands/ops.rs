//! The Run Command operations.

use std::collections::{BTreeMap, BTreeSet};

use sysman_api::commands::{
    CancelCommand, Command, CommandFilter, CommandInvocation, CommandPlugin, GetCommandInvocation,
    GetCommandInvocationResult, GetCommandOutput, GetCommandOutputResult, InvocationStatus,
    ListCommandInvocations, ListCommandInvocationsResult, ListCommands, ListCommandsResult,
    SendCommand, SendCommandResult, TRUNCATION_MARKER, check_rate, limits,
};
use sysman_api::documents::DocumentType;
use sysman_api::messages::command as msg;
use sysman_api::{ApiError, Empty, Operation, Target, TargetKey, Timestamp};

use super::engine::{self, Effects};
use super::{CmdState, CommandRec, InvocationRec, Live, PluginRec, StepSpec, cancel_message_id};
use crate::documents::schema::{self, ParamValue};
use crate::gate::{Ctx, Handler};
use crate::{Caller, Event, Inner, documents, validate};

fn invalid_parameters(message: String) -> ApiError {
    ApiError::new("InvalidParameters", message)
}

fn check_instance_ids(ids: &[String], field: &str) -> Result<(), ApiError> {
    for (i, id) in ids.iter().enumerate() {
        validate::instance_id(id, &format!("{field}.{}.member", i + 1))?;
        if ids[..i].contains(id) {
            return Err(msg::duplicate_instance_id(id));
        }
    }
    Ok(())
}

fn refuse_unsupported(req: &SendCommand) -> Result<(), ApiError> {
    // CloudWatchOutputConfig is accepted and not acted on (the README
    // says so): a script written for AWS still runs here.
    let unsupported = [
        ("NotificationConfig", req.notification_config.is_some()),
        ("ServiceRoleArn", req.service_role_arn.is_some()),
    ];
    if let Some((field, _)) = unsupported.iter().find(|(_, given)| *given) {
        return Err(msg::unsupported_member(field));
    }
    Ok(())
}

/// The nodes a target list selects, in id order.
fn resolve_targets(
    b: &Inner,
    instance_ids: &[String],
    targets: &[Target],
) -> Result<Vec<String>, ApiError> {
    let read = b.fleet.read();
    let fleet = read.view();
    let missing = |ids: &[String]| -> Result<(), ApiError> {
        let absent: Vec<&str> = ids
            .iter()
            .filter(|id| !fleet.contains(id))
            .map(String::as_str)
            .collect();
        if absent.is_empty() {
            Ok(())
        } else {
            Err(msg::instances_not_valid(&absent, &b.settings.account_id))
        }
    };
    if !instance_ids.is_empty() {
        missing(instance_ids)?;
        let mut ids = instance_ids.to_vec();
        ids.sort();
        return Ok(ids);
    }
    // Several targets narrow each other: a node must match them all.
    let mut selected: Option<BTreeSet<String>> = None;
    for target in targets {
        let matched: BTreeSet<String> = match target.selects_by() {
            Some(TargetKey::InstanceIds) => {
                check_instance_ids(&target.values, "targets.member.values")?;
                missing(&target.values)?;
                target.values.iter().cloned().collect()
            }
            Some(TargetKey::Tag(key)) => target
                .values
                .iter()
                .filter_map(|v| fleet.tagged(key, v))
                .flatten()
                .cloned()
                .collect(),
            Some(TargetKey::TagKey) => fleet
                .nodes()
                .filter(|n| n.tags.iter().any(|t| target.values.contains(&t.key)))
                .map(|n| n.instance_id.clone())
                .collect(),
            None => {
                return Err(msg::unsupported_target_key(&target.key));
            }
        };
        selected = Some(match selected {
            None => matched,
            Some(s) => s.intersection(&matched).cloned().collect(),
        });
    }
    Ok(selected.unwrap_or_default().into_iter().collect())
}

fn check_targets(req: &SendCommand) -> Result<(Vec<String>, Vec<Target>), ApiError> {
    let ids = req.instance_ids.clone().unwrap_or_default();
    let targets = req.targets.clone().unwrap_or_default();
    validate::count(ids.len(), "instanceIds", 0, limits::INSTANCE_IDS_MAX)?;
    validate::count(targets.len(), "targets", 0, limits::TARGETS_MAX)?;
    check_instance_ids(&ids, "instanceIds")?;
    if ids.is_empty() == targets.is_empty() {
        return Err(msg::ids_or_targets());
    }
    for (i, t) in targets.iter().enumerate() {
        validate::length(
            Some(&t.key),
            &format!("targets.{}.member.key", i + 1),
            1,
            163,
        )?;
        validate::count(
            t.values.len(),
            &format!("targets.{}.member.values", i + 1),
            1,
            limits::TARGET_VALUES_MAX,
        )?;
    }
    Ok((ids, targets))
}

/// The execution timeout the `executionTimeout` parameter asks for.
fn execution_timeout(values: &BTreeMap<String, ParamValue>) -> Result<i64, ApiError> {
    match values.get("executionTimeout") {
        Some(ParamValue::Text(t)) if !t.contains("{{") => match t.trim().parse::<i64>() {
            Ok(n) if (1..=172_800).contains(&n) => Ok(n),
            _ => Err(invalid_parameters(format!(
                "executionTimeout '{t}' is not a number of seconds from 1 to 172800"
            ))),
        },
        _ => Ok(3600),
    }
}

/// The command as the wire shows it.
pub(crate) fn wire_command(live: &Live) -> Command {
    let (status, details) = engine::status(live);
    let rec = &live.rec;
    Command {
        command_id: rec.command_id.clone(),
        document_name: rec.document_name.clone(),
        document_version: rec.document_version.to_string(),
        comment: rec.comment.clone(),
        expires_after: rec.requested.plus_secs(rec.timeout_seconds),
        parameters: rec.parameters.clone(),
        instance_ids: rec.instance_ids.clone(),
        targets: rec.targets.clone(),
        requested_date_time: rec.requested,
        status,
        status_details: details.to_owned(),
        max_concurrency: rec.max_concurrency.clone(),
        max_errors: rec.max_errors.clone(),
        target_count: rec.target_count as i64,
        completed_count: live.completed as i64,
        error_count: live.errors as i64,
        delivery_timed_out_count: live.delivery_timed_out as i64,
        timeout_seconds: rec.timeout_seconds,
        output_s3_bucket_name: rec
            .output
            .as_ref()
            .map(|o| o.bucket.clone())
            .unwrap_or_default(),
        output_s3_key_prefix: rec
            .output
            .as_ref()
            .map(|o| o.prefix.clone())
            .unwrap_or_default(),
        output_s3_region: rec
            .output
            .as_ref()
            .map(|o| o.region.clone())
            .unwrap_or_default(),
    }
}

impl Handler for SendCommand {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        // References resolve at delivery with the sender's rights, so the
        // sender must be someone with rights of their own.
        let (sent_by, sent_by_user) = match ctx.caller.clone() {
            Caller::Admin(name) => (name, false),
            Caller::User(name) => (name, true),
            Caller::Node(_) | Caller::Anonymous => {
                return Err(ApiError::access_denied(
                    "Only an administrator or a user sends commands",
                ));
            }
        };
        refuse_unsupported(&self)?;
        let (instance_ids, targets) = check_targets(&self)?;
        let timeout_seconds = self.timeout_seconds.unwrap_or(limits::TIMEOUT_DEFAULT);
        if !(limits::TIMEOUT_MIN..=limits::TIMEOUT_MAX).contains(&timeout_seconds) {
            return Err(ApiError::constraint(
                "timeoutSeconds",
                timeout_seconds,
                "Member must have value between 30 and 2592000",
            ));
        }
        validate::length(self.comment.as_deref(), "comment", 0, limits::COMMENT_MAX)?;
        let max_concurrency = self.max_concurrency.clone().unwrap_or_else(|| "50".into());
        let max_errors = self.max_errors.clone().unwrap_or_else(|| "0".into());
        check_rate(&max_concurrency, false)
            .map_err(|rule| rule.error("maxConcurrency", &max_concurrency))?;
        check_rate(&max_errors, true).map_err(|rule| rule.error("maxErrors", &max_errors))?;
        if let Some(kind) = self.document_hash_type.as_deref()
            && kind != "Sha256"
        {
            return Err(msg::unsupported_hash_type(kind));
        }

        let doc = documents::resolve(b, &self.document_name, self.document_version.as_deref())?;
        if doc.document_type != DocumentType::Command {
            return Err(msg::not_a_command_document(doc.document_type.as_str()));
        }
        if let Some(hash) = self.document_hash.as_deref()
            && hash != doc.hash
        {
            return Err(msg::hash_mismatch());
        }
        let given = self.parameters.clone().unwrap_or_default();
        let values = schema::check_parameters(&doc.command, &given)?;
        // References must resolve now (and will again at delivery); the
        // values read here are dropped at once.
        for (name, list) in &given {
            for value in list.iter().filter(|v| v.contains("{{")) {
                crate::parameters::references::resolve(b, &ctx.caller, value)
                    .map_err(|e| invalid_parameters(format!("Parameter {name}: {}", e.message)))?;
            }
        }
        let execution_timeout = execution_timeout(&values)?;
        let all_steps: Vec<&schema::Step> = doc.command.steps.iter().collect();
        let steps: Vec<StepSpec> = schema::interpolate(&all_steps, &values)
            .into_iter()
            .map(|s| StepSpec {
                name: s.name,
                action: s.action,
                inputs: s.inputs,
                precondition: s.precondition,
            })
            .collect();

        let output = super::upload::requested(&self, &steps, &b.settings.region)?;
        let order = resolve_targets(b, &instance_ids, &targets)?;
        // Ids given were checked by the gate (`resources`); nodes found by
        // tag must each be allowed too, or nothing is sent.
        if !targets.is_empty() {
            for id in &order {
                crate::auth::authorize(
                    b,
                    &ctx.caller,
                    Self::PREFIX,
                    Self::NAME,
                    &sysman_api::fleet::node_resource(id),
                )?;
            }
        }
        let mut invocations = Vec::with_capacity(order.len());
        {
            let fleet = b.fleet.read();
            let mut unsupported = Vec::new();
            for (index, id) in order.iter().enumerate() {
                let node = fleet.view().node(id);
                let platform = node.and_then(|n| n.platform_type);
                let runs: Vec<&StepSpec> = steps.iter().filter(|s| s.runs_on(platform)).collect();
                if runs.is_empty() && !instance_ids.is_empty() {
                    unsupported.push(id.as_str());
                }
                let shown = if runs.is_empty() {
                    steps.iter().collect()
                } else {
                    runs
                };
                invocations.push(InvocationRec {
                    command_id: String::new(),
                    instance_id: id.clone(),
                    index,
                    instance_name: node.and_then(|n| n.computer_name.clone()),
                    platform,
                    status: InvocationStatus::Pending,
                    details: "Pending".to_owned(),
                    dispatched: None,
                    acked: None,
                    finished: None,
                    sequence: 0,
                    cancel_pending: false,
                    plugins: shown
                        .into_iter()
                        .map(|s| PluginRec {
                            name: s.name.clone(),
                            status: InvocationStatus::Pending,
                            details: "Pending".to_owned(),
                            response_code: -1,
                            started: None,
                            finished: None,
                            stdout: String::new(),
                            stderr: String::new(),
                            stored: (0, 0),
                        })
                        .collect(),
                    output_chunks: 0,
                });
            }
            if !unsupported.is_empty() {
                return Err(msg::unsupported_platform(&unsupported.join(", ")));
            }
        }

        let command_id = b.ids.uuid();
        for inv in &mut invocations {
            inv.command_id = command_id.clone();
        }
        let rec = CommandRec {
            command_id: command_id.clone(),
            document_name: doc.name.clone(),
            document_version: doc.version,
            comment: self.comment.clone(),
            sent_by,
            sent_by_user,
            parameters: given,
            instance_ids,
            targets,
            requested: ctx.now,
            timeout_seconds,
            execution_timeout,
            max_concurrency,
            max_errors,
            target_count: order.len(),
            steps,
            cancelled: false,
            stopped: false,
            output,
        };
        let mut fx = Effects::default();
        let (pending, command) = {
            let mut state = b.commands.state.lock();
            // Each new command makes room: history older than 30 days goes.
            engine::forget_expired(&mut state, ctx.now, &mut fx);
            fx.changes.push(rec.change());
            for mut inv in invocations {
                fx.changes.extend(inv.changes());
                state.invocations.insert(inv.key(), inv);
            }
            let live = engine::rebuild(rec, &state.invocations);
            // AWS answers with the command as it is sent: Pending, nothing
            // delivered yet, whatever the engine does next.
            let command = Command {
                status: sysman_api::commands::CommandStatus::Pending,
                status_details: "Pending".to_owned(),
                ..wire_command(&live)
            };
            state
                .by_time
                .insert((i64::MAX - ctx.now.millis(), command_id.clone()));
            state.commands.insert(command_id.clone(), live);
            let fleet = b.fleet.read();
            engine::fill(&mut state, &command_id, &fleet.view(), ctx.now, &mut fx);
            drop(fleet);
            fx.events.push(Event::CommandChanged {
                command_id: command_id.clone(),
            });
            (engine::queue(b, ctx, fx), command)
        };
        engine::announce(b, pending.await?);
        Ok(SendCommandResult { command })
    }
}

fn check_command_id(id: &str) -> Result<(), ApiError> {
    if id.len() != 36 {
        return Err(ApiError::constraint(
            "commandId",
            id,
            "Member must have length between 36 and 36",
        ));
    }
    Ok(())
}

fn no_command(_id: &str) -> ApiError {
    msg::invalid_command_id()
}

/// One condition of ListCommands and ListCommandInvocations.
enum Filter {
    After(Timestamp),
    Before(Timestamp),
    Status(String),
    Document(String),
    /// `Executing` or `Complete`.
    Stage(bool),
}

fn parse_filters(filters: Option<&[CommandFilter]>) -> Result<Vec<Filter>, ApiError> {
    let Some(filters) = filters else {
        return Ok(Vec::new());
    };
    validate::count(filters.len(), "filters", 1, 5)?;
    filters
        .iter()
        .map(|f| {
            validate::length(Some(&f.value), "filters.member.value", 1, 128)?;
            let time = || {
                Timestamp::parse_iso8601(&f.value).ok_or_else(|| {
                    msg::filter_value_not_valid(
                        &f.key,
                        &f.value,
                        "a time such as 2026-11-23T10:00:00Z",
                    )
                })
            };
            Ok(match f.key.as_str() {
                "InvokedAfter" => Filter::After(time()?),
                "InvokedBefore" => Filter::Before(time()?),
                "Status" => Filter::Status(f.value.clone()),
                "DocumentName" => Filter::Document(f.value.clone()),
                "ExecutionStage" => match f.value.as_str() {
                    "Executing" => Filter::Stage(false),
                    "Complete" => Filter::Stage(true),
                    other => {
                        return Err(msg::filter_value_not_valid(
                            "ExecutionStage",
                            other,
                            "[Executing, Complete]",
                        ));
                    }
                },
                other => {
                    return Err(ApiError::constraint(
                        "filters.member.key",
                        other,
                        "Member must satisfy enum value set: [InvokedAfter, InvokedBefore, \
                         Status, ExecutionStage, DocumentName]",
                    ));
                }
            })
        })
        .collect()
}

fn command_matches(filters: &[Filter], live: &Live) -> bool {
    let (status, _) = engine::status(live);
    filters.iter().all(|f| match f {
        Filter::After(t) => live.rec.requested >= *t,
        Filter::Before(t) => live.rec.requested <= *t,
        Filter::Status(s) => format!("{status:?}") == *s,
        Filter::Document(d) => live.rec.document_name == *d,
        Filter::Stage(complete) => status.is_terminal() == *complete,
    })
}

fn invocation_matches(filters: &[Filter], live: &Live, inv: &InvocationRec) -> bool {
    filters.iter().all(|f| match f {
        Filter::After(t) => live.rec.requested >= *t,
        Filter::Before(t) => live.rec.requested <= *t,
        Filter::Status(s) => inv.status.as_str() == s || inv.details == *s,
        Filter::Document(d) => live.rec.document_name == *d,
        Filter::Stage(complete) => inv.status.is_terminal() == *complete,
    })
}

/// A page key in newest-first order: `sort|command id`.
fn time_key(sort: i64, command_id: &str) -> String {
    format!("{sort:020}|{command_id}")
}

fn parse_time_key(key: &str) -> Option<(i64, String)> {
    let (sort, id) = key.split_once('|')?;
    Some((sort.parse().ok()?, id.split('|').next()?.to_owned()))
}

impl Handler for ListCommands {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, limits::LIST_MAX_RESULTS, 50)?;
        if let Some(id) = &self.command_id {
            check_command_id(id)?;
        }
        if let Some(id) = &self.instance_id {
            validate::instance_id(id, "instanceId")?;
        }
        let filters = parse_filters(self.filters.as_deref())?;
        let scope = (&self.command_id, &self.instance_id, &self.filters);
        let start = b
            .pager
            .start(Self::NAME, &scope, self.next_token.as_deref())?;
        let state = b.commands.state.lock();
        if let Some(id) = &self.command_id
            && !state.commands.contains_key(id)
        {
            return Err(no_command(id));
        }
        let after = match start.range().0 {
            std::ops::Bound::Excluded(k) => parse_time_key(k),
            _ => None,
        };
        let from = after.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        let (page, more) = crate::paging::collect(
            state.by_time.range((from, std::ops::Bound::Unbounded)),
            limit,
            |(sort, id)| {
                let live = state.commands.get(id)?;
                let wanted = self.command_id.as_ref().is_none_or(|c| c == id)
                    && self
                        .instance_id
                        .as_ref()
                        .is_none_or(|i| state.invocations.contains_key(&(id.clone(), i.clone())))
                    && command_matches(&filters, live);
                wanted.then(|| (time_key(*sort, id), wire_command(live)))
            },
        );
        let next_token = match page.last() {
            Some((key, _)) if more => Some(b.pager.issue(Self::NAME, &scope, key)),
            _ => None,
        };
        Ok(ListCommandsResult {
            commands: page.into_iter().map(|(_, c)| c).collect(),
            next_token,
        })
    }
}

/// Standard output, then standard error after AWS's separator.
fn combined_output(plugin: &PluginRec) -> String {
    let mut out = plugin.stdout.clone();
    if !plugin.stderr.is_empty() {
        out.push_str("\n----------ERROR-------\n");
        out.push_str(&plugin.stderr);
    }
    out
}

/// The first `max` characters of `text`.
fn first_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// `text` cut to at most `max` characters, the marker included, when longer.
pub(crate) fn truncated(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max - TRUNCATION_MARKER.chars().count();
    format!("{}{TRUNCATION_MARKER}", first_chars(text, keep))
}

fn wire_plugin(b: &Inner, live: &Live, inv: &InvocationRec, plugin: &PluginRec) -> CommandPlugin {
    let shown = super::upload::shown(b, &live.rec, inv, plugin);
    let shown = shown.as_ref();
    let field = |f: fn(&super::upload::Shown) -> &String| shown.map(f).cloned().unwrap_or_default();
    CommandPlugin {
        output_s3_bucket_name: field(|s| &s.bucket),
        output_s3_key_prefix: field(|s| &s.folder),
        output_s3_region: field(|s| &s.region),
        standard_output_url: field(|s| &s.stdout_url),
        standard_error_url: field(|s| &s.stderr_url),
        name: plugin.name.clone(),
        status: plugin.status,
        status_details: plugin.details.clone(),
        response_code: plugin.response_code,
        response_start_date_time: plugin.started,
        response_finish_date_time: plugin.finished,
        output: truncated(&combined_output(plugin), limits::PLUGIN_OUTPUT_MAX),
    }
}

fn wire_invocation(
    b: &Inner,
    live: &Live,
    inv: &InvocationRec,
    details: bool,
) -> CommandInvocation {
    CommandInvocation {
        command_id: inv.command_id.clone(),
        instance_id: inv.instance_id.clone(),
        instance_name: inv.instance_name.clone(),
        comment: live.rec.comment.clone(),
        document_name: live.rec.document_name.clone(),
        document_version: live.rec.document_version.to_string(),
        requested_date_time: live.rec.requested,
        status: inv.status,
        status_details: inv.details.clone(),
        command_plugins: if details {
            inv.plugins
                .iter()
                .map(|p| wire_plugin(b, live, inv, p))
                .collect()
        } else {
            Vec::new()
        },
    }
}

impl Handler for ListCommandInvocations {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, limits::LIST_MAX_RESULTS, 50)?;
        if let Some(id) = &self.command_id {
            check_command_id(id)?;
        }
        if let Some(id) = &self.instance_id {
            validate::instance_id(id, "instanceId")?;
        }
        let filters = parse_filters(self.filters.as_deref())?;
        let details = self.details.unwrap_or(false);
        let scope = (&self.command_id, &self.instance_id, &self.filters, details);
        let start = b
            .pager
            .start(Self::NAME, &scope, self.next_token.as_deref())?;
        let state = b.commands.state.lock();
        if let Some(id) = &self.command_id
            && !state.commands.contains_key(id)
        {
            return Err(no_command(id));
        }
        // Resume after (command, place in its order).
        let resume = match start.range().0 {
            std::ops::Bound::Excluded(k) => {
                let (sort, id) = parse_time_key(k)
                    .ok_or_else(sysman_api::messages::paging::invalid_next_token)?;
                let index: usize = k
                    .rsplit('|')
                    .next()
                    .and_then(|i| i.parse().ok())
                    .unwrap_or(0);
                Some(((sort, id), index))
            }
            _ => None,
        };
        let commands: Box<dyn Iterator<Item = &(i64, String)>> = match &resume {
            Some((key, _)) => Box::new(state.by_time.range((
                std::ops::Bound::Included(key.clone()),
                std::ops::Bound::Unbounded,
            ))),
            None => Box::new(state.by_time.iter()),
        };
        let entries = commands
            .filter(|(_, id)| self.command_id.as_ref().is_none_or(|c| c == id))
            .filter_map(|(sort, id)| state.commands.get(id).map(|live| (*sort, live)))
            .flat_map(|(sort, live)| {
                let skip = match &resume {
                    Some(((s, c), index)) if *s == sort && *c == live.rec.command_id => index + 1,
                    _ => 0,
                };
                // One node's invocation is a lookup, not a walk of the order.
                let places: Box<dyn Iterator<Item = (usize, &String)>> = match &self.instance_id {
                    Some(i) => Box::new(
                        state
                            .invocations
                            .get(&(live.rec.command_id.clone(), i.clone()))
                            .filter(|inv| inv.index >= skip)
                            .map(|inv| (inv.index, &inv.instance_id))
                            .into_iter(),
                    ),
                    None => Box::new(live.order.iter().enumerate().skip(skip)),
                };
                places.map(move |(index, instance)| (sort, live, index, instance))
            });
        let (page, more) =
            crate::paging::collect(entries, limit, |(sort, live, index, instance)| {
                if self.instance_id.as_ref().is_some_and(|i| i != instance) {
                    return None;
                }
                let inv = state
                    .invocations
                    .get(&(live.rec.command_id.clone(), instance.clone()))?;
                invocation_matches(&filters, live, inv).then(|| {
                    (
                        format!("{}|{index}", time_key(sort, &live.rec.command_id)),
                        wire_invocation(b, live, inv, details),
                    )
                })
            });
        let next_token = match page.last() {
            Some((key, _)) if more => Some(b.pager.issue(Self::NAME, &scope, key)),
            _ => None,
        };
        Ok(ListCommandInvocationsResult {
            command_invocations: page.into_iter().map(|(_, i)| i).collect(),
            next_token,
        })
    }
}

/// The invocation of `command_id` on `instance_id`, under the lock.
fn invocation<'a>(
    state: &'a CmdState,
    command_id: &str,
    instance_id: &str,
) -> Result<(&'a Live, &'a InvocationRec), ApiError> {
    let live = state
        .commands
        .get(command_id)
        .ok_or_else(|| no_command(command_id))?;
    let inv = state
        .invocations
        .get(&(command_id.to_owned(), instance_id.to_owned()))
        .ok_or_else(msg::invocation_does_not_exist)?;
    Ok((live, inv))
}

/// The step a request names, or the only one.
fn plugin<'a>(inv: &'a InvocationRec, name: Option<&str>) -> Result<&'a PluginRec, ApiError> {
    let names = || {
        inv.plugins
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match name {
        Some(n) => inv
            .plugins
            .iter()
            .find(|p| p.name == n)
            .ok_or_else(|| msg::no_such_plugin(n, &names())),
        None if inv.plugins.len() == 1 => Ok(&inv.plugins[0]),
        None => Err(msg::plugin_name_required(&names())),
    }
}

/// `PT1.234S`, as AWS writes an elapsed time.
fn elapsed(from: Timestamp, to: Timestamp) -> String {
    let ms = to.millis_since(from).max(0);
    format!("PT{}.{:03}S", ms / 1000, ms % 1000)
}

/// An ISO 8601 time with milliseconds.
fn iso_millis(t: Timestamp) -> String {
    let base = t.iso8601();
    format!(
        "{}.{:03}Z",
        base.trim_end_matches('Z'),
        t.millis().rem_euclid(1000)
    )
}

impl Handler for GetCommandInvocation {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_command_id(&self.command_id)?;
        validate::instance_id(&self.instance_id, "instanceId")?;
        if let Some(name) = &self.plugin_name {
            validate::length(Some(name), "pluginName", 4, usize::MAX)?;
        }
        let state = b.commands.state.lock();
        let (live, inv) = invocation(&state, &self.command_id, &self.instance_id)?;
        let plugin = plugin(inv, self.plugin_name.as_deref())?;
        let shown = super::upload::shown(b, &live.rec, inv, plugin);
        let (standard_output_url, standard_error_url) = shown
            .map(|s| (s.stdout_url, s.stderr_url))
            .unwrap_or_default();
        Ok(GetCommandInvocationResult {
            standard_output_url,
            standard_error_url,
            command_id: self.command_id.clone(),
            instance_id: self.instance_id.clone(),
            comment: live.rec.comment.clone(),
            document_name: live.rec.document_name.clone(),
            document_version: live.rec.document_version.to_string(),
            plugin_name: plugin.name.clone(),
            response_code: plugin.response_code,
            execution_start_date_time: plugin.started.map(iso_millis).unwrap_or_default(),
            execution_elapsed_time: match (plugin.started, plugin.finished) {
                (Some(s), Some(f)) => elapsed(s, f),
                _ => String::new(),
            },
            execution_end_date_time: plugin.finished.map(iso_millis).unwrap_or_default(),
            status: inv.status,
            status_details: inv.details.clone(),
            standard_output_content: first_chars(&plugin.stdout, limits::STDOUT_MAX).to_owned(),
            standard_error_content: first_chars(&plugin.stderr, limits::STDERR_MAX).to_owned(),
        })
    }
}

impl Handler for GetCommandOutput {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_command_id(&self.command_id)?;
        validate::instance_id(&self.instance_id, "instanceId")?;
        let offset = self.offset.unwrap_or(0);
        if offset < 0 {
            return Err(ApiError::constraint(
                "offset",
                offset,
                "Member must have value greater than or equal to 0",
            ));
        }
        let max = validate::max_results(self.max_chars, 1, 1_048_576, 65_536)?;
        // The output is copied under the lock (a memcpy) and counted
        // outside it: counting 8 MiB of characters would hold every
        // command and reply up for milliseconds.
        let text = {
            let state = b.commands.state.lock();
            let (_, inv) = invocation(&state, &self.command_id, &self.instance_id)?;
            let plugin = match self.plugin_name.as_deref() {
                None => inv
                    .plugins
                    .first()
                    .ok_or_else(|| msg::plugin_name_required(""))?,
                name => plugin(inv, name)?,
            };
            match self.stream.as_deref().unwrap_or("Stdout") {
                "Stdout" => plugin.stdout.clone(),
                "Stderr" => plugin.stderr.clone(),
                other => {
                    return Err(ApiError::constraint(
                        "stream",
                        other,
                        "Member must satisfy enum value set: [Stdout, Stderr]",
                    ));
                }
            }
        };
        let total = text.chars().count();
        let start = (offset as usize).min(total);
        let content: String = text.chars().skip(start).take(max).collect();
        let end = start + content.chars().count();
        Ok(GetCommandOutputResult {
            content,
            next_offset: (end < total).then_some(end as i64),
            total_chars: total as i64,
        })
    }
}

impl Handler for CancelCommand {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_command_id(&self.command_id)?;
        let only = self.instance_ids.clone().unwrap_or_default();
        validate::count(only.len(), "instanceIds", 0, limits::INSTANCE_IDS_MAX)?;
        check_instance_ids(&only, "instanceIds")?;
        let mut fx = Effects::default();
        let pending = {
            let mut state = b.commands.state.lock();
            let state = &mut *state;
            let live = state
                .commands
                .get_mut(&self.command_id)
                .ok_or_else(|| no_command(&self.command_id))?;
            if let Some(stranger) = only.iter().find(|i| !live.order.contains(i)) {
                return Err(msg::instances_not_valid(
                    &[stranger],
                    &b.settings.account_id,
                ));
            }
            let targets: Vec<String> = if only.is_empty() {
                if !live.rec.cancelled && !engine::status(live).0.is_terminal() {
                    live.rec.cancelled = true;
                    fx.changes.push(live.rec.change());
                }
                live.order.clone()
            } else {
                only
            };
            let fleet = b.fleet.read();
            for instance in targets {
                let key = (self.command_id.clone(), instance.clone());
                let Some(inv) = state.invocations.get_mut(&key) else {
                    continue;
                };
                if inv.status.is_terminal() || inv.cancel_pending {
                    continue;
                }
                if inv.acked.is_some() {
                    // Running: ask the node to stop, and wait for its word.
                    inv.cancel_pending = true;
                    inv.status = InvocationStatus::Cancelling;
                    inv.details = "Cancelling".to_owned();
                    state
                        .mailboxes
                        .entry(instance.clone())
                        .or_default()
                        .push(super::Waiting {
                            message_id: cancel_message_id(&self.command_id, &instance),
                            visible_at: ctx.now,
                        });
                    fx.mail.push(instance.clone());
                    fx.invocation(inv);
                    continue;
                }
                let was_in_flight = inv.dispatched.is_some();
                inv.status = InvocationStatus::Cancelled;
                inv.details = "Cancelled".to_owned();
                inv.finished = Some(ctx.now);
                for plugin in &mut inv.plugins {
                    plugin.status = InvocationStatus::Cancelled;
                    plugin.details = "Cancelled".to_owned();
                }
                fx.invocation(inv);
                engine::finished(state, &key, was_in_flight, &fleet.view(), ctx.now, &mut fx);
            }
            fx.events.push(Event::CommandChanged {
                command_id: self.command_id.clone(),
            });
            engine::queue(b, ctx, fx)
        };
        engine::announce(b, pending.await?);
        Ok(Empty {})
    }
}
