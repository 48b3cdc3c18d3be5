//! Seeded fleets on a manual clock, for tests, screenshots and benchmarks:
//! the same fixture renders the same screen, byte for byte.

use std::sync::Arc;

use std::collections::BTreeMap;
use std::time::Duration;

use sysman_api::client::Client;
use sysman_api::commands::{
    AcknowledgeMessage, Command, CommandStatus, ListCommands, MessageBody, ReceiveMessages,
    SendCommand, SendReply, StepReport,
};
use sysman_api::compliance::{ComplianceExecutionSummary, ComplianceItemEntry, PutComplianceItems};
use sysman_api::patch::{
    CreatePatchBaseline, PatchFilter, PatchFilterGroup, PatchRule, PatchRuleGroup,
    RegisterPatchBaselineForPatchGroup,
};
use sysman_api::sigv4::AccessKey;
use sysman_api::{Target, Timestamp};
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Clock, ManualClock, Options};

use crate::app::{App, Effect, Msg};
use crate::config::Config;
use crate::runtime::Connection;
use crate::theme::Theme;

/// 2026-11-23T12:00:00Z, the fixtures' "now" before the fleet settles.
pub const START: Timestamp = Timestamp::from_secs(1_795_435_200);

pub struct Fixture {
    pub backend: Backend,
    pub clock: ManualClock,
    pub connection: Connection,
    pub sim: Simulator,
}

impl Fixture {
    /// A fleet of `nodes` from `seed`, registered at [`START`] and then run
    /// for ten heartbeat intervals, so some flaky nodes have lost touch.
    pub async fn new(nodes: usize, seed: u64) -> Fixture {
        Self::build(nodes, seed, true).await
    }

    /// A fleet just registered at [`START`], without heartbeats: quick to
    /// build at 100,000 nodes, for benchmarks.
    pub async fn registered(nodes: usize, seed: u64) -> Fixture {
        Self::build(nodes, seed, false).await
    }

    async fn build(nodes: usize, seed: u64, run: bool) -> Fixture {
        let clock = ManualClock::new(START);
        let backend = Backend::open_in_memory(Options {
            clock: Arc::new(clock.clone()),
            id_seed: Some(seed),
            ..Options::default()
        })
        .expect("an in-memory backend opens");
        let mut sim = Simulator::start(backend.clone(), &FleetSpec::new(nodes, seed))
            .await
            .expect("the fleet registers");
        // Small steps, so heartbeats land spread over each interval.
        let interval = backend.fleet_config().heartbeat_interval;
        let step = std::time::Duration::from_secs(5);
        let steps = if run {
            10 * interval.as_secs() / step.as_secs()
        } else {
            0
        };
        for _ in 0..steps {
            clock.advance(step);
            sim.step_until(clock.now())
                .await
                .expect("heartbeats go through");
        }
        let connection = Connection::embedded(backend.clone(), Caller::admin("fixture"));
        Fixture {
            backend,
            clock,
            connection,
            sim,
        }
    }

    /// The patch scenario of the Patch Manager and Compliance tests and
    /// screenshots: [`Fixture::new`], then a baseline of our own,
    /// `prod-linux`, for Amazon Linux 2023 (security patches approved some
    /// days after release, by severity), registered for the patch group
    /// `prod-linux`; every node scanned; and an antivirus check reported as
    /// the custom compliance type `Custom:AntiVirus` by a few nodes.
    pub async fn patched(nodes: usize, seed: u64) -> Fixture {
        let mut fx = Self::new(nodes, seed).await;
        let admin = Caller::admin("fixture");
        let rule = |severity: &str, days: i64, level: &str| PatchRule {
            patch_filter_group: PatchFilterGroup {
                patch_filters: vec![
                    PatchFilter {
                        key: "CLASSIFICATION".into(),
                        values: vec!["Security".into()],
                    },
                    PatchFilter {
                        key: "SEVERITY".into(),
                        values: vec![severity.into()],
                    },
                ],
            },
            compliance_level: Some(level.into()),
            approve_after_days: Some(days),
            approve_until_date: None,
            enable_non_security: None,
        };
        let baseline_id = fx
            .backend
            .call(
                &admin,
                CreatePatchBaseline {
                    name: "prod-linux".into(),
                    operating_system: Some("AMAZON_LINUX_2023".into()),
                    description: Some(
                        "Production Amazon Linux: security patches by severity".into(),
                    ),
                    approval_rules: Some(PatchRuleGroup {
                        patch_rules: vec![
                            rule("Critical", 3, "CRITICAL"),
                            rule("Important", 7, "HIGH"),
                            rule("Medium", 14, "MEDIUM"),
                        ],
                    }),
                    ..CreatePatchBaseline::default()
                },
            )
            .await
            .expect("the baseline is valid")
            .baseline_id;
        fx.backend
            .call(
                &admin,
                RegisterPatchBaselineForPatchGroup {
                    baseline_id,
                    patch_group: "prod-linux".into(),
                },
            )
            .await
            .expect("the group registers");
        let every_group = Target {
            key: "tag-key".into(),
            values: vec![crate::panes::patch::PATCH_GROUP_TAG.into()],
        };
        fx.run_patch_baseline(vec![every_group], "Scan").await;
        let ids: Vec<String> = fx.sim.instance_ids().map(str::to_owned).collect();
        let now = fx.clock.now();
        for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 7 == 0) {
            let item = |id: &str, title: &str, severity: &str, ok: bool| ComplianceItemEntry {
                id: Some(id.into()),
                title: Some(title.into()),
                severity: severity.into(),
                status: if ok { "COMPLIANT" } else { "NON_COMPLIANT" }.into(),
                details: None,
            };
            let put = PutComplianceItems {
                resource_id: id.clone(),
                resource_type: "ManagedInstance".into(),
                compliance_type: "Custom:AntiVirus".into(),
                execution_summary: ComplianceExecutionSummary::at(now),
                items: vec![
                    item(
                        "Definitions",
                        "Virus definitions under a day old",
                        "HIGH",
                        i % 3 != 0,
                    ),
                    item(
                        "RealTime",
                        "Real-time protection on",
                        "CRITICAL",
                        i % 5 != 0,
                    ),
                ],
                item_content_hash: None,
                upload_type: None,
            };
            fx.backend
                .call(&admin, put)
                .await
                .expect("the items are valid");
        }
        fx
    }

    /// Runs AWS-RunPatchBaseline (`operation`: `Scan` or `Install`) on the
    /// nodes `targets` name, moving the clock on in ten-second steps (the
    /// simulated nodes scan and report) until the command ends.
    pub async fn run_patch_baseline(&mut self, targets: Vec<Target>, operation: &str) -> Command {
        let send = SendCommand {
            targets: Some(targets),
            document_name: crate::panes::run_command::send::PATCH_DOCUMENT.into(),
            parameters: Some(BTreeMap::from([(
                "Operation".to_owned(),
                vec![operation.to_owned()],
            )])),
            max_concurrency: Some("100%".into()),
            ..SendCommand::default()
        };
        self.run_command(send).await
    }

    /// Sends `send` and moves the clock on in ten-second steps (the
    /// simulated nodes run it and report) until the command ends.
    pub async fn run_command(&mut self, send: SendCommand) -> Command {
        let admin = Caller::admin("fixture");
        let id = self
            .backend
            .call(&admin, send)
            .await
            .expect("the command is sent")
            .command
            .command_id;
        // Run Command ramps up, and an install takes minutes: an hour in
        // ten-second steps is plenty.
        for _ in 0..360 {
            self.clock.advance(Duration::from_secs(10));
            self.sim
                .step_until(self.clock.now())
                .await
                .expect("the nodes report");
            let list = ListCommands {
                command_id: Some(id.clone()),
                ..ListCommands::default()
            };
            let command = self
                .backend
                .call(&admin, list)
                .await
                .expect("the command is listed")
                .commands
                .remove(0);
            if !matches!(
                command.status,
                CommandStatus::Pending | CommandStatus::InProgress
            ) {
                return command;
            }
        }
        panic!("the command {id} did not end in an hour");
    }

    /// A console over this fleet at `size`, with its initial loads done.
    pub async fn app(&self, size: (u16, u16), theme: &str, readonly: bool) -> App {
        self.app_on(&self.connection, size, theme, readonly).await
    }

    /// The same over another connection to this fixture's backend (the
    /// remote one of [`Fixture::serve`]).
    pub async fn app_on(
        &self,
        connection: &Connection,
        size: (u16, u16),
        theme: &str,
        readonly: bool,
    ) -> App {
        let keymap = Config::default().keymap().expect("built-in keys are valid");
        let theme = Theme::load(theme, None, false).expect("built-in themes load");
        let (mut app, effects) = App::new(
            keymap,
            theme,
            readonly,
            "embedded (fixture)".into(),
            self.clock.now(),
            size,
        );
        self.drive_on(connection, &mut app, effects).await;
        app
    }

    /// Carries out `effects` and feeds their results back, until the app
    /// asks for nothing more.
    pub async fn drive(&self, app: &mut App, effects: Vec<Effect>) {
        self.drive_on(&self.connection, app, effects).await;
    }

    /// [`Fixture::drive`] over another connection, read-only for a
    /// read-only console, as [`crate::runtime::run`] makes it.
    pub async fn drive_on(&self, connection: &Connection, app: &mut App, mut effects: Vec<Effect>) {
        let connection = connection.clone().read_only(app.readonly);
        while let Some(effect) = effects.pop() {
            let msg = connection.perform(effect).await;
            effects.extend(app.update(Msg::Backend(msg)));
        }
        app.settle();
    }

    /// Serves this fixture's backend over HTTP on 127.0.0.1 and connects to
    /// it as its administrator, signing on the fixture's clock: the remote
    /// side of the console's seam, over the very same state.
    pub async fn serve(&self) -> (Connection, sysman_server::Running) {
        let (client, running) = self.serve_client().await;
        (Connection::remote(client), running)
    }

    /// [`Fixture::serve`], with the signed client itself.
    pub async fn serve_client(&self) -> (Client, sysman_server::Running) {
        let (access_key_id, secret_access_key) = self
            .backend
            .bootstrap_admin("admin")
            .await
            .expect("the administrator is created")
            .expect("the fixture has no administrator yet");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback listens");
        let running = sysman_server::start(self.backend.clone(), listener, Default::default())
            .expect("the server starts");
        let key = AccessKey {
            access_key_id,
            secret_access_key,
            session_token: None,
        };
        let clock = self.clock.clone();
        let client = Client::new(&format!("http://{}", running.addr), "us-east-1", Some(key))
            .expect("the endpoint is a URL")
            .with_clock(Arc::new(move || {
                let millis = u64::try_from(clock.now().millis()).unwrap_or(0);
                std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis)
            }));
        (client, running)
    }

    /// Plays the agent of `node`: takes the run message waiting for it, if
    /// one is, and answers with `status` (`Success`, `Failed`,
    /// `InProgress`), the exit code and the output, as if it ran for three
    /// seconds up to now. Returns whether a message was waiting.
    pub async fn reply(
        &self,
        node: &str,
        status: &str,
        code: i64,
        stdout: &str,
        stderr: &str,
    ) -> bool {
        let caller = Caller::node(node);
        let receive = ReceiveMessages {
            instance_id: node.into(),
            wait_seconds: Some(0),
            max_messages: None,
        };
        let Ok(received) = self.backend.call(&caller, receive).await else {
            return false;
        };
        let mut ran = false;
        for m in received.messages {
            let MessageBody::RunCommand { steps, .. } = &m.body else {
                continue;
            };
            let ack = AcknowledgeMessage {
                instance_id: node.into(),
                message_id: m.message_id.clone(),
            };
            if self.backend.call(&caller, ack).await.is_err() {
                continue;
            }
            let now = self.clock.now();
            let reply = SendReply {
                instance_id: node.into(),
                message_id: m.message_id.clone(),
                sequence: 1,
                steps: vec![StepReport {
                    name: steps.first().map(|s| s.name.clone()).unwrap_or_default(),
                    status: status.into(),
                    response_code: code,
                    started: Some(now.plus_millis(-3000)),
                    finished: (status != "InProgress").then_some(now),
                    stdout: stdout.into(),
                    stderr: stderr.into(),
                }],
            };
            ran |= self.backend.call(&caller, reply).await.is_ok();
        }
        ran
    }
}
