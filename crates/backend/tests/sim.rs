//! The simulator: determinism, registration through activations, and ping
//! status following heartbeats on a manual clock.

use std::sync::Arc;
use std::time::Duration;

use sysman_api::Timestamp;
use sysman_api::fleet::{
    DescribeInstanceInformation, InstanceInformationStringFilter, ListNodes, NodeSummary,
    PingStatus,
};
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Clock, Event, ManualClock, Options};

const START: Timestamp = Timestamp::from_secs(1_795_435_200); // 2026-11-23T12:00:00Z

fn backend(clock: &ManualClock) -> Backend {
    Backend::open_in_memory(Options {
        clock: Arc::new(clock.clone()),
        id_seed: Some(42),
        ..Options::default()
    })
    .unwrap()
}

async fn all_nodes(backend: &Backend) -> Vec<NodeSummary> {
    let admin = Caller::admin("test");
    let mut nodes = Vec::new();
    let mut next_token = None;
    loop {
        let page = backend
            .call(
                &admin,
                ListNodes {
                    max_results: Some(70),
                    next_token,
                },
            )
            .await
            .unwrap();
        nodes.extend(page.nodes);
        match page.next_token {
            Some(t) => next_token = Some(t),
            None => return nodes,
        }
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_fleet() {
    let spec = FleetSpec::new(300, 7);
    assert_eq!(spec.expand(), spec.expand());
    assert_ne!(spec.expand(), FleetSpec::new(300, 8).expand());

    let (clock_a, clock_b) = (ManualClock::new(START), ManualClock::new(START));
    let (a, b) = (backend(&clock_a), backend(&clock_b));
    Simulator::start(a.clone(), &spec).await.unwrap();
    Simulator::start(b.clone(), &spec).await.unwrap();
    let (nodes_a, nodes_b) = (all_nodes(&a).await, all_nodes(&b).await);
    assert_eq!(nodes_a.len(), 300);
    assert_eq!(nodes_a, nodes_b);
}

#[tokio::test]
async fn simulated_nodes_look_like_a_real_fleet() {
    let clock = ManualClock::new(START);
    let backend = backend(&clock);
    Simulator::start(backend.clone(), &FleetSpec::new(500, 1))
        .await
        .unwrap();
    let nodes = all_nodes(&backend).await;
    let count = |f: &dyn Fn(&NodeSummary) -> bool| nodes.iter().filter(|n| f(n)).count();
    assert!(count(&|n| n.info.platform_name.as_deref() == Some("Ubuntu")) > 50);
    assert!(
        count(&|n| n.info.platform_type == Some(sysman_api::fleet::PlatformType::Windows)) > 30
    );
    assert!(
        count(&|n| n.info.is_latest_version == Some(false)) > 30,
        "some agents are outdated"
    );
    assert!(
        count(&|n| n
            .tags
            .iter()
            .any(|t| t.key == "Environment" && t.value == "prod"))
            > 150
    );
    assert!(
        nodes.iter().all(|n| n.info.activation_id.is_some()),
        "registered via activations"
    );
    let mut names: Vec<_> = nodes.iter().map(|n| n.info.computer_name.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 500, "computer names are unique");
}

#[tokio::test]
async fn ping_status_follows_heartbeats_on_the_clock() {
    let clock = ManualClock::new(START);
    let backend = backend(&clock);
    let mut events = backend.subscribe();
    let mut sim = Simulator::start(backend.clone(), &FleetSpec::new(200, 3))
        .await
        .unwrap();
    let config = backend.fleet_config().clone();
    let admin = Caller::admin("test");
    let online = |status: &str| DescribeInstanceInformation {
        filters: Some(vec![InstanceInformationStringFilter {
            key: "PingStatus".into(),
            values: vec![status.into()],
        }]),
        max_results: Some(50),
        ..Default::default()
    };

    // Heartbeats keep every node online while time passes.
    for _ in 0..10 {
        clock.advance(config.heartbeat_interval);
        sim.step_until(clock.now()).await.unwrap();
    }
    let lost = backend
        .call(&admin, online("ConnectionLost"))
        .await
        .unwrap();
    let flaky_silent = lost.instance_information_list.len();

    // Without heartbeats, everyone is ConnectionLost after the missed count.
    let silence = config.heartbeat_interval * config.missed_heartbeats;
    clock.advance(silence + Duration::from_secs(1));
    let lost = backend
        .call(&admin, online("ConnectionLost"))
        .await
        .unwrap();
    assert_eq!(
        lost.instance_information_list.len(),
        50,
        "a full first page"
    );
    assert!(lost.next_token.is_some());
    assert!(
        backend
            .call(&admin, online("Online"))
            .await
            .unwrap()
            .instance_information_list
            .is_empty()
    );

    // The scheduler announced the changes without anyone asking.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut announced = 0;
    while announced < 200 - flaky_silent {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap()
            .unwrap();
        if let Event::NodeChanged(node) = event
            && node.info.ping_status == PingStatus::ConnectionLost
        {
            announced += 1;
        }
    }

    // The next heartbeat brings a node back online.
    sim.step_until(clock.now()).await.unwrap();
    let back = backend.call(&admin, online("Online")).await.unwrap();
    assert!(!back.instance_information_list.is_empty());

    // Thirty days of silence make a node Inactive.
    clock.advance(config.inactive_after);
    let inactive = backend.call(&admin, online("Inactive")).await.unwrap();
    assert_eq!(inactive.instance_information_list.len(), 50);
}

#[tokio::test]
async fn a_reopened_store_keeps_the_fleet_and_the_simulator_finds_its_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let options = || Options {
        clock: Arc::new(clock.clone()),
        id_seed: Some(1),
        ..Options::default()
    };
    let spec = FleetSpec::new(120, 9);
    let before = {
        let backend = Backend::open(dir.path(), options()).unwrap();
        Simulator::start(backend.clone(), &spec).await.unwrap();
        backend.flush().await;
        all_nodes(&backend).await
    };
    let backend = Backend::open(dir.path(), options()).unwrap();
    assert_eq!(all_nodes(&backend).await, before);
    let sim = Simulator::start(backend.clone(), &spec).await.unwrap();
    assert_eq!(sim.len(), 120);
    assert_eq!(
        all_nodes(&backend).await.len(),
        120,
        "no node registered twice"
    );
}

/// Runs the simulator on the manual clock until `done` or an hour passes.
async fn run_until(
    sim: &mut Simulator,
    clock: &ManualClock,
    step: Duration,
    mut done: impl AsyncFnMut() -> bool,
) {
    for _ in 0..(3600 * 1000 / step.as_millis() as usize) {
        sim.step_until(clock.now()).await.unwrap();
        if done().await {
            return;
        }
        clock.advance(step);
    }
    panic!("not done within an hour of simulated time");
}

mod commands {
    use std::collections::BTreeMap;

    use sysman_api::Target;
    use sysman_api::commands::{
        CommandStatus, GetCommandInvocation, InvocationStatus, ListCommandInvocations,
        ListCommands, SendCommand,
    };

    use super::*;

    fn send(role: &str, commands: &[&str]) -> SendCommand {
        SendCommand {
            targets: Some(vec![Target {
                key: "tag:Role".into(),
                values: vec![role.into()],
            }]),
            document_name: "AWS-RunShellScript".into(),
            parameters: Some(BTreeMap::from([(
                "commands".to_owned(),
                commands.iter().map(|c| c.to_string()).collect(),
            )])),
            max_concurrency: Some("100%".into()),
            max_errors: Some("100%".into()),
            ..SendCommand::default()
        }
    }

    async fn status(b: &Backend, id: &str) -> sysman_api::commands::Command {
        b.call(
            &Caller::admin("t"),
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

    #[tokio::test]
    async fn simulated_nodes_run_shell_commands_and_reply() {
        let clock = ManualClock::new(START);
        let b = backend(&clock);
        let mut spec = FleetSpec::new(60, 3);
        spec.flakiness = 0.0;
        let mut sim = Simulator::start(b.clone(), &spec).await.unwrap();
        let admin = Caller::admin("t");
        let id = b
            .call(&admin, send("web", &["hostname", "uname -s"]))
            .await
            .unwrap()
            .command
            .command_id;
        run_until(&mut sim, &clock, Duration::from_millis(100), async || {
            status(&b, &id).await.status.is_terminal()
        })
        .await;
        let command = status(&b, &id).await;
        let invocations = b
            .call(
                &admin,
                ListCommandInvocations {
                    command_id: Some(id.clone()),
                    ..ListCommandInvocations::default()
                },
            )
            .await
            .unwrap()
            .command_invocations;
        assert_eq!(invocations.len() as i64, command.target_count);
        let mut linux = 0;
        for inv in &invocations {
            let name = inv.instance_name.clone().unwrap();
            if name.starts_with("WIN-") {
                // AWS-RunShellScript has no step for Windows.
                assert_eq!(inv.status_details, "Undeliverable", "{name}");
                continue;
            }
            let out = b
                .call(
                    &admin,
                    GetCommandInvocation {
                        command_id: id.clone(),
                        instance_id: inv.instance_id.clone(),
                        plugin_name: None,
                    },
                )
                .await
                .unwrap();
            assert_eq!(out.status, InvocationStatus::Success, "{name}");
            let kernel = if name.starts_with("mac-") {
                "Darwin"
            } else {
                "Linux"
            };
            assert_eq!(out.standard_output_content, format!("{name}\n{kernel}\n"));
            linux += 1;
        }
        assert!(linux > 5, "only {linux} nodes ran the command");
        assert_eq!(command.completed_count, command.target_count);
    }

    /// AWS-RunShellScript is a schema 1.2 document: its one plugin is named
    /// `aws:runShellScript` on the wire, and that is the name callers give
    /// GetCommandInvocation.
    #[tokio::test]
    async fn a_run_shell_script_invocation_names_its_plugin_as_aws_does() {
        let clock = ManualClock::new(START);
        let b = backend(&clock);
        let mut spec = FleetSpec::new(30, 5);
        spec.flakiness = 0.0;
        let mut sim = Simulator::start(b.clone(), &spec).await.unwrap();
        let admin = Caller::admin("t");
        let id = b
            .call(&admin, send("web", &["echo plugin"]))
            .await
            .unwrap()
            .command
            .command_id;
        run_until(&mut sim, &clock, Duration::from_millis(100), async || {
            status(&b, &id).await.status.is_terminal()
        })
        .await;
        let invocations = b
            .call(
                &admin,
                ListCommandInvocations {
                    command_id: Some(id.clone()),
                    details: Some(true),
                    ..ListCommandInvocations::default()
                },
            )
            .await
            .unwrap()
            .command_invocations;
        let ran: Vec<_> = invocations
            .iter()
            .filter(|inv| inv.status == InvocationStatus::Success)
            .collect();
        assert!(!ran.is_empty(), "no node ran the command");
        for inv in ran {
            let plugins: Vec<&str> = inv
                .command_plugins
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            assert_eq!(plugins, ["aws:runShellScript"]);
            let out = b
                .call(
                    &admin,
                    GetCommandInvocation {
                        command_id: id.clone(),
                        instance_id: inv.instance_id.clone(),
                        plugin_name: Some("aws:runShellScript".into()),
                    },
                )
                .await
                .unwrap();
            assert_eq!(out.plugin_name, "aws:runShellScript");
            assert_eq!(out.status, InvocationStatus::Success);
            assert_eq!(out.standard_output_content, "plugin\n");
            // The 2.2-style step name of before is no name here.
            let err = b
                .call(
                    &admin,
                    GetCommandInvocation {
                        command_id: id.clone(),
                        instance_id: inv.instance_id.clone(),
                        plugin_name: Some("runShellScript".into()),
                    },
                )
                .await
                .unwrap_err();
            assert_eq!(err.code, "InvalidPluginName", "{err}");
        }
    }

    #[tokio::test]
    async fn a_failing_share_stops_the_run_at_max_errors() {
        let clock = ManualClock::new(START);
        let b = backend(&clock);
        let mut spec = FleetSpec::new(400, 9);
        spec.flakiness = 0.0;
        spec.command_failure_rate = 0.3;
        let mut sim = Simulator::start(b.clone(), &spec).await.unwrap();
        let id = b
            .call(
                &Caller::admin("t"),
                SendCommand {
                    max_concurrency: Some("1".into()),
                    max_errors: Some("2".into()),
                    ..send("api", &["true"])
                },
            )
            .await
            .unwrap()
            .command
            .command_id;
        run_until(&mut sim, &clock, Duration::from_millis(100), async || {
            status(&b, &id).await.status.is_terminal()
        })
        .await;
        let command = status(&b, &id).await;
        assert_eq!(command.status, CommandStatus::Failed);
        assert_eq!(
            command.error_count, 3,
            "one at a time stops at exactly the third"
        );
        assert_eq!(command.completed_count, command.target_count);
    }

    #[tokio::test]
    async fn mail_sent_while_no_simulator_ran_is_picked_up_when_one_starts() {
        let clock = ManualClock::new(START);
        let b = backend(&clock);
        let mut spec = FleetSpec::new(40, 4);
        spec.flakiness = 0.0;
        drop(Simulator::start(b.clone(), &spec).await.unwrap());
        let id = b
            .call(&Caller::admin("t"), send("db", &["true"]))
            .await
            .unwrap()
            .command
            .command_id;
        let mut sim = Simulator::start(b.clone(), &spec).await.unwrap();
        run_until(&mut sim, &clock, Duration::from_secs(1), async || {
            status(&b, &id).await.status.is_terminal()
        })
        .await;
        let command = status(&b, &id).await;
        assert_eq!(command.completed_count, command.target_count);
        assert!(command.target_count > 0);
    }
}
