//! The Run Command pane as a person uses it: send through the form, watch a
//! command live, read a node's output, cancel, re-run — over a real backend
//! whose agents the test plays (ReceiveMessages, AcknowledgeMessage,
//! SendReply as the node), so nothing here waits for the simulator.

use std::collections::BTreeMap;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sysman::app::{App, BackendMsg, Effect, Layer, Msg};
use sysman::fixture::Fixture;
use sysman::panes::PaneId;
use sysman::panes::run_command::send::{Field, Stage};
use sysman::panes::run_command::{RunView, Shown};
use sysman_api::commands::{
    AcknowledgeMessage, CancelCommand, CommandStatus, ListCommandInvocations, ListCommands,
    MessageBody, ReceiveMessages, SendCommand, SendReply, StepReport,
};
use sysman_api::{Target, Timestamp};
use sysman_backend::{Caller, Clock, Event};
use tokio::sync::broadcast::Receiver;

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn chars(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

fn screen(app: &mut App) -> String {
    app.settle();
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|frame| sysman::ui::render(frame, app))
        .unwrap();
    format!("{}", terminal.backend())
}

/// Carries out effects, feeds the backend's events and flushes what they
/// marked, as the runtime would, until the app asks for nothing more.
async fn run(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>, effects: Vec<Effect>) {
    fx.drive(app, effects).await;
    for _ in 0..50 {
        fx.backend.flush().await;
        let mut more = Vec::new();
        while let Ok(event) = events.try_recv() {
            more.extend(app.update(Msg::Backend(BackendMsg::Event(event))));
        }
        if app.needs_flush() {
            more.extend(app.update(Msg::Flush));
        }
        if more.is_empty() && !app.needs_flush() {
            break;
        }
        fx.drive(app, more).await;
    }
    app.settle();
}

/// The clock moves on and the console hears of it.
fn advance(fx: &Fixture, app: &mut App, secs: u64) {
    fx.clock.advance(Duration::from_secs(secs));
    app.update(Msg::Tick(fx.clock.now()));
}

fn shell(commands: &[&str]) -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([(
        "commands".to_owned(),
        commands.iter().map(|c| c.to_string()).collect(),
    )])
}

fn to_role(role: &str, commands: &[&str]) -> SendCommand {
    SendCommand {
        targets: Some(vec![Target {
            key: "tag:Role".into(),
            values: vec![role.into()],
        }]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(shell(commands)),
        ..SendCommand::default()
    }
}

async fn send(fx: &Fixture, req: SendCommand) -> String {
    let admin = Caller::admin("ops");
    fx.backend
        .call(&admin, req)
        .await
        .unwrap()
        .command
        .command_id
}

async fn command(fx: &Fixture, id: &str) -> sysman_api::commands::Command {
    let admin = Caller::admin("ops");
    let list = ListCommands {
        command_id: Some(id.into()),
        ..ListCommands::default()
    };
    fx.backend
        .call(&admin, list)
        .await
        .unwrap()
        .commands
        .remove(0)
}

async fn targets_of(fx: &Fixture, id: &str) -> Vec<String> {
    let admin = Caller::admin("ops");
    let mut out = Vec::new();
    let mut next_token = None;
    loop {
        let page = fx
            .backend
            .call(
                &admin,
                ListCommandInvocations {
                    command_id: Some(id.into()),
                    next_token,
                    ..ListCommandInvocations::default()
                },
            )
            .await
            .unwrap();
        out.extend(page.command_invocations.into_iter().map(|i| i.instance_id));
        match page.next_token {
            Some(t) => next_token = Some(t),
            None => return out,
        }
    }
}

/// What a played agent does with the run message it takes.
#[derive(Clone, Copy)]
enum Plan<'a> {
    Succeed(&'a str),
    Fail(&'a str),
    Run(&'a str),
}

/// Plays the agent of `node`: takes its run message, if one waits, and
/// answers as `plan` says. Returns whether there was one.
async fn play(fx: &Fixture, node: &str, plan: Plan<'_>, stderr: &str) -> bool {
    let caller = Caller::node(node);
    let messages = fx
        .backend
        .call(
            &caller,
            ReceiveMessages {
                instance_id: node.into(),
                wait_seconds: Some(0),
                max_messages: None,
            },
        )
        .await
        .unwrap()
        .messages;
    let mut ran = false;
    for m in messages {
        let MessageBody::RunCommand { steps, .. } = &m.body else {
            continue;
        };
        let ack = AcknowledgeMessage {
            instance_id: node.into(),
            message_id: m.message_id.clone(),
        };
        fx.backend.call(&caller, ack).await.unwrap();
        let now = fx.clock.now();
        let started = Timestamp::from_secs(now.millis() / 1000 - 3);
        let (status, code, out, finished) = match plan {
            Plan::Succeed(out) => ("Success", 0, out, Some(now)),
            Plan::Fail(out) => ("Failed", 2, out, Some(now)),
            Plan::Run(out) => ("InProgress", -1, out, None),
        };
        let reply = SendReply {
            instance_id: node.into(),
            message_id: m.message_id.clone(),
            sequence: 1,
            steps: vec![StepReport {
                name: steps[0].name.clone(),
                status: status.into(),
                response_code: code,
                started: Some(started),
                finished,
                stdout: out.into(),
                stderr: stderr.into(),
            }],
        };
        fx.backend.call(&caller, reply).await.unwrap();
        ran = true;
    }
    ran
}

const UNAME: &str = "Linux web-prod-001 6.1.0-27-amd64 #1 SMP x86_64 GNU/Linux\n";

/// A command to the web nodes caught mid-run: some done, one failed,
/// some still running, the rest waiting their turn.
async fn mid_run(fx: &Fixture) -> String {
    let id = send(
        fx,
        SendCommand {
            max_concurrency: Some("3".into()),
            max_errors: Some("2".into()),
            comment: Some("kernel check".into()),
            ..to_role("web", &["uname -a"])
        },
    )
    .await;
    let nodes = targets_of(fx, &id).await;
    let mut answered = 0;
    for _round in 0..8 {
        fx.clock.advance(Duration::from_secs(2));
        for node in &nodes {
            let plan = match answered {
                0..4 => Plan::Succeed(UNAME),
                4 => Plan::Fail(""),
                5..8 => Plan::Run("Preparing…\n"),
                _ => continue,
            };
            let stderr = if answered == 4 {
                "uname: cannot open /proc/version: Permission denied\n"
            } else {
                ""
            };
            if play(fx, node, plan, stderr).await {
                answered += 1;
            }
        }
    }
    id
}

async fn run_app(size: (u16, u16), readonly: bool) -> (Fixture, App, Receiver<Event>) {
    let fixture = Fixture::new(60, 3).await;
    let events = fixture.backend.subscribe();
    let app = fixture.app(size, "dark", readonly).await;
    (fixture, app, events)
}

/// Opens `:run` and the first command of the history.
async fn open_first(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>) {
    run(fx, app, events, Vec::new()).await;
    app.update(key(KeyCode::Char(':')));
    chars(app, "run");
    let effects = app.update(key(KeyCode::Enter));
    run(fx, app, events, effects).await;
    let effects = app.update(key(KeyCode::Enter));
    run(fx, app, events, effects).await;
}

#[tokio::test]
async fn a_command_sent_through_the_form_has_exactly_what_was_typed() {
    let (fx, mut app, mut events) = run_app((120, 40), false).await;
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "run");
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    assert_eq!(app.pane, PaneId::RunCommand);
    assert!(screen(&mut app).contains("No commands yet"));

    let effects = chars(&mut app, "n");
    run(&fx, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("AWS-RunShellScript") && shown.contains("AWS-RunPowerShellScript"),
        "{shown}"
    );
    chars(&mut app, "runshell");
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    let Some(form) = app.dialog::<sysman::panes::run_command::send::SendForm>() else {
        panic!("the form is open")
    };
    assert_eq!(form.stage, Stage::Editing);
    assert_eq!(form.document, "AWS-RunShellScript");
    assert_eq!(form.focus, Field::Param(0), "the first parameter first");

    chars(&mut app, "uname -a");
    for _ in 0..3 {
        app.update(key(KeyCode::Tab));
    }
    chars(&mut app, "tag:Role=web");
    app.update(key(KeyCode::Tab));
    app.update(ctrl('u'));
    chars(&mut app, "25%");
    let shown = screen(&mut app);
    assert!(shown.contains("nodes"), "the form says how many: {shown}");
    app.update(key(KeyCode::Enter));
    let Some(form) = app.dialog::<sysman::panes::run_command::send::SendForm>() else {
        panic!("the form is open")
    };
    assert_eq!(form.stage, Stage::Confirm);
    let web = app
        .panes
        .fleet
        .rows
        .iter()
        .filter(|r| r.role == "web")
        .count();
    let shown = screen(&mut app);
    assert!(
        shown.contains(&format!("Run AWS-RunShellScript on {web} nodes?")),
        "{shown}"
    );

    let effects = chars(&mut app, "y");
    assert!(matches!(&effects[..], [Effect::Call(c)] if c.job::<SendCommand>().is_some()));
    run(&fx, &mut app, &mut events, effects).await;
    assert!(app.layer.is_none(), "a sent form closes");
    assert_eq!(
        app.panes.run_command.view(),
        RunView::Detail,
        "and the command opens"
    );

    let admin = Caller::admin("ops");
    let sent = fx
        .backend
        .call(&admin, ListCommands::default())
        .await
        .unwrap()
        .commands;
    assert_eq!(sent.len(), 1);
    let c = &sent[0];
    assert_eq!(c.document_name, "AWS-RunShellScript");
    assert_eq!(c.parameters, shell(&["uname -a"]));
    assert_eq!(
        c.targets,
        [Target {
            key: "tag:Role".into(),
            values: vec!["web".into()]
        }]
    );
    assert!(c.instance_ids.is_empty());
    assert_eq!(
        (c.max_concurrency.as_str(), c.max_errors.as_str()),
        ("25%", "0")
    );
    assert_eq!(c.timeout_seconds, 3600);
    assert_eq!(c.target_count as usize, web);
    let detail = app.panes.run_command.detail.as_ref().unwrap();
    assert_eq!(detail.command_id, c.command_id);
    assert_eq!(detail.rows.len(), web);
}

#[tokio::test]
async fn the_form_checks_as_you_type_and_shows_server_errors_under_their_field() {
    let (fx, mut app, mut events) = run_app((120, 40), false).await;
    app.switch_to(PaneId::RunCommand);
    // `:run NAME` skips the picker.
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "run AWS-RunShellScript");
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    let Some(form) = app.dialog::<sysman::panes::run_command::send::SendForm>() else {
        panic!("the form is open")
    };
    assert_eq!(form.stage, Stage::Editing);
    // Nothing typed: enter goes to the first problem instead of sending.
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Enter));
    let Some(form) = app.dialog::<sysman::panes::run_command::send::SendForm>() else {
        panic!("the form is open")
    };
    assert_eq!(form.stage, Stage::Editing);
    assert_eq!(form.focus, Field::Param(0));
    assert!(screen(&mut app).contains("commands *: required"));

    chars(&mut app, "uptime");
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    app.update(ctrl('u'));
    chars(&mut app, "999999");
    app.update(key(KeyCode::Tab));
    chars(&mut app, "tag:Role=db");
    app.update(key(KeyCode::Tab));
    app.update(ctrl('u'));
    chars(&mut app, "0");
    assert!(
        screen(&mut app).contains("a number of nodes (1, 50) or a share (25%)"),
        "checked as typed"
    );
    app.update(key(KeyCode::Backspace));
    chars(&mut app, "10");
    app.update(ctrl('s'));
    let effects = chars(&mut app, "y");
    run(&fx, &mut app, &mut events, effects).await;
    // executionTimeout's allowedPattern is the server's to check.
    let Some(form) = app.dialog::<sysman::panes::run_command::send::SendForm>() else {
        panic!("the form stays open")
    };
    assert_eq!(form.focus, Field::Param(2), "{:?}", form.error);
    let shown = screen(&mut app);
    assert!(shown.contains("InvalidParameters"), "{shown}");
}

#[tokio::test]
async fn history_form_confirmation_detail_and_output_at_both_sizes() {
    for (w, h) in SIZES {
        let (fx, mut app, mut events) = run_app((w, h), false).await;
        send(
            &fx,
            SendCommand {
                comment: Some("disk space".into()),
                ..to_role("db", &["df -h"])
            },
        )
        .await;
        advance(&fx, &mut app, 20);
        let long: String = (1..=4000)
            .map(|i| {
                format!(
                    "{i:>5}  /var/log/app/worker.log: request {i} served in {}ms\n",
                    i % 97
                )
            })
            .collect();
        let one = targets_of(
            &fx,
            &send(&fx, to_role("cache", &["cat /var/log/app/worker.log"])).await,
        )
        .await
        .remove(0);
        fx.clock.advance(Duration::from_secs(4));
        assert!(
            play(
                &fx,
                &one,
                Plan::Succeed(&long),
                "warning: log rotated during read\n"
            )
            .await
        );
        advance(&fx, &mut app, 25);
        let id = mid_run(&fx).await;
        advance(&fx, &mut app, 1);
        run(&fx, &mut app, &mut events, Vec::new()).await;

        app.update(key(KeyCode::Char(':')));
        chars(&mut app, "run");
        let effects = app.update(key(KeyCode::Enter));
        run(&fx, &mut app, &mut events, effects).await;
        assert_eq!(app.panes.run_command.list.len(), 3);
        insta::assert_snapshot!(format!("run_history_{w}x{h}"), screen(&mut app));

        // The newest, the web command, is mid-run.
        let effects = app.update(key(KeyCode::Enter));
        run(&fx, &mut app, &mut events, effects).await;
        let detail = app.panes.run_command.detail.as_ref().unwrap();
        assert_eq!(detail.command_id, id);
        assert_eq!(detail.counts[Shown::Success as usize], 4);
        assert_eq!(detail.counts[Shown::Failed as usize], 1);
        assert_eq!(detail.counts[Shown::InProgress as usize], 3);
        insta::assert_snapshot!(format!("run_detail_{w}x{h}"), screen(&mut app));

        // The cache node's long output, a page at a time.
        app.update(key(KeyCode::Esc));
        app.update(key(KeyCode::Down));
        let effects = app.update(key(KeyCode::Enter));
        run(&fx, &mut app, &mut events, effects).await;
        let effects = app.update(key(KeyCode::Enter));
        run(&fx, &mut app, &mut events, effects).await;
        let output = app.panes.run_command.output.as_ref().unwrap();
        assert!(
            output.stdout.loaded < output.stdout.total,
            "one page so far"
        );
        insta::assert_snapshot!(format!("run_output_{w}x{h}"), screen(&mut app));
        // G reads every page to the end.
        let effects = app.update(key(KeyCode::Char('G')));
        run(&fx, &mut app, &mut events, effects).await;
        let output = app.panes.run_command.output.as_ref().unwrap();
        assert!(output.stdout.complete && output.stderr.complete);
        assert_eq!(output.stdout.text, long);
        let shown = screen(&mut app);
        assert!(
            shown.contains("4000  /var/log/app/worker.log") && shown.contains("log rotated"),
            "{shown}"
        );
        insta::assert_snapshot!(format!("run_output_end_{w}x{h}"), shown);

        // The send form and its confirmation.
        app.update(key(KeyCode::Esc));
        app.update(key(KeyCode::Esc));
        app.update(key(KeyCode::Char(':')));
        chars(&mut app, "run AWS-RunShellScript");
        let effects = app.update(key(KeyCode::Enter));
        run(&fx, &mut app, &mut events, effects).await;
        chars(&mut app, "uname -a");
        for _ in 0..3 {
            app.update(key(KeyCode::Tab));
        }
        chars(&mut app, "tag:Role=web");
        insta::assert_snapshot!(format!("run_form_{w}x{h}"), screen(&mut app));
        app.update(ctrl('s'));
        insta::assert_snapshot!(format!("run_confirm_{w}x{h}"), screen(&mut app));
    }
}

#[tokio::test]
async fn events_change_the_detail_without_a_backend_call_each() {
    let (fx, mut app, mut events) = run_app((120, 40), false).await;
    let id = send(
        &fx,
        SendCommand {
            max_concurrency: Some("100%".into()),
            ..to_role("web", &["uptime"])
        },
    )
    .await;
    open_first(&fx, &mut app, &mut events).await;
    assert_eq!(
        app.panes.run_command.detail.as_ref().unwrap().command_id,
        id
    );
    let nodes = targets_of(&fx, &id).await;

    // The agents answer; each of their changes is an event.
    for _ in 0..6 {
        for node in &nodes {
            play(&fx, node, Plan::Succeed("up 3 days\n"), "").await;
        }
    }
    fx.backend.flush().await;
    let mut seen = 0;
    let mut changed = 0;
    while let Ok(event) = events.try_recv() {
        if matches!(event, Event::InvocationChanged { .. }) {
            changed += 1;
        }
        let effects = app.update(Msg::Backend(BackendMsg::Event(event)));
        assert!(
            effects.is_empty(),
            "an event alone calls nothing: {effects:?}"
        );
        seen += 1;
    }
    assert!(changed >= nodes.len(), "{changed} invocation events");
    assert!(seen > changed);
    // The rows changed already, from the events alone.
    let detail = app.panes.run_command.detail.as_ref().unwrap();
    let done =
        detail.counts[Shown::Success as usize] + detail.counts[Shown::Undeliverable as usize];
    assert_eq!(done, nodes.len(), "{:?}", detail.counts);

    // One flush: one reload of the command and one of its rows, for all of them.
    assert!(app.needs_flush());
    let effects = app.update(Msg::Flush);
    let loads: Vec<_> = effects
        .iter()
        .filter(|e| {
            // The command's record, its invocations, the history page.
            matches!(e, Effect::Call(c) if ["Command", "Invocations", "ListCommands"].contains(&c.name()))
        })
        .collect();
    assert!(loads.len() <= 3, "{effects:?}");
    assert_eq!(effects.len(), loads.len());
    fx.drive(&mut app, effects).await;
    assert!(!app.needs_flush(), "nothing left to do");
    let detail = app.panes.run_command.detail.as_ref().unwrap();
    let command = detail.command.as_ref().unwrap();
    assert!(command.status.is_terminal(), "{:?}", command.status);
    assert_eq!(command.completed_count as usize, nodes.len());
    assert!(detail.rows.iter().all(|r| r.inv.status.is_terminal()));
    assert!(screen(&mut app).contains("Success"));
}

#[tokio::test]
async fn cancel_asks_first_naming_what_still_runs() {
    let (fx, mut app, mut events) = run_app((120, 40), false).await;
    let id = send(&fx, to_role("web", &["sleep 600"])).await;
    open_first(&fx, &mut app, &mut events).await;
    let sent = command(&fx, &id).await;
    let (total, open) = (sent.target_count, sent.target_count - sent.completed_count);

    app.update(ctrl('x'));
    match &app.layer {
        Some(Layer::Confirm { prompt, .. }) => assert!(
            prompt.contains(&format!("{open} of {total} invocations are still pending")),
            "{prompt}"
        ),
        other => panic!("expected a confirmation, got {other:?}"),
    }
    let effects = chars(&mut app, "n");
    assert!(effects.is_empty());
    assert_eq!(command(&fx, &id).await.status, CommandStatus::InProgress);

    app.update(ctrl('x'));
    let effects = chars(&mut app, "y");
    assert!(matches!(&effects[..], [Effect::Call(c)] if c.job::<CancelCommand>().is_some()));
    run(&fx, &mut app, &mut events, effects).await;
    assert_eq!(command(&fx, &id).await.status, CommandStatus::Cancelled);
    let detail = app.panes.run_command.detail.as_ref().unwrap();
    assert_eq!(
        detail.command.as_ref().unwrap().status,
        CommandStatus::Cancelled,
        "the detail followed the events"
    );
    assert_eq!(
        detail.counts[Shown::Cancelled as usize] + detail.counts[Shown::Undeliverable as usize],
        total as usize
    );
    assert_eq!(detail.counts[Shown::Cancelled as usize], open as usize);
}

#[tokio::test]
async fn rerun_fills_the_form_with_the_command() {
    let (fx, mut app, mut events) = run_app((120, 40), false).await;
    send(
        &fx,
        SendCommand {
            max_concurrency: Some("10%".into()),
            max_errors: Some("3".into()),
            timeout_seconds: Some(600),
            comment: Some("rotate logs".into()),
            ..to_role(
                "api",
                &["logrotate -f /etc/logrotate.conf", "systemctl reload nginx"],
            )
        },
    )
    .await;
    open_first(&fx, &mut app, &mut events).await;
    app.update(key(KeyCode::Esc));
    let effects = chars(&mut app, "r");
    run(&fx, &mut app, &mut events, effects).await;
    let Some(form) = app.dialog::<sysman::panes::run_command::send::SendForm>() else {
        panic!("the form is open")
    };
    assert_eq!(form.stage, Stage::Editing);
    assert_eq!(form.document, "AWS-RunShellScript");
    assert_eq!(
        form.params[0].value,
        "logrotate -f /etc/logrotate.conf\nsystemctl reload nginx"
    );
    assert_eq!(form.targets, "tag:Role=api");
    assert_eq!(
        (
            form.concurrency.as_str(),
            form.errors.as_str(),
            form.timeout.as_str(),
            form.comment.as_str()
        ),
        ("10%", "3", "600", "rotate logs")
    );
    let request = form.request().unwrap();
    assert_eq!(
        request.parameters.unwrap()["commands"],
        ["logrotate -f /etc/logrotate.conf", "systemctl reload nginx"]
    );
}

#[tokio::test]
async fn nodes_selected_in_the_fleet_become_the_targets() {
    let (fx, mut app, mut events) = run_app((120, 40), false).await;
    let first = app.panes.fleet.selected_id().unwrap();
    chars(&mut app, " ");
    chars(&mut app, " ");
    app.settle();
    assert_eq!(app.panes.fleet.marked.len(), 2);
    assert!(app.panes.fleet.marked.contains(&first));
    let shown = screen(&mut app);
    assert!(shown.contains("Nodes [60] · 2 selected"), "{shown}");

    // R asks which nodes: the selection comes first.
    chars(&mut app, "R");
    let chooser = screen(&mut app);
    assert!(
        chooser.contains("s the 2 selected nodes") && chooser.contains("the node under the cursor"),
        "{chooser}"
    );
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    chars(&mut app, "RunShell");
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    let Some(form) = app.dialog::<sysman::panes::run_command::send::SendForm>() else {
        panic!("the form is open")
    };
    let marked: Vec<String> = app.panes.fleet.marked.iter().cloned().collect();
    assert_eq!(form.targets, marked.join(" "));
    assert_eq!(form.reach.as_ref().unwrap().nodes, 2);

    // esc closes the form; esc again unselects.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    assert!(app.panes.fleet.marked.is_empty());
}

#[tokio::test]
async fn read_only_hides_sending_and_cancelling() {
    let (fx, mut app, mut events) = run_app((120, 40), true).await;
    send(&fx, to_role("web", &["uptime"])).await;
    open_first(&fx, &mut app, &mut events).await;
    app.update(key(KeyCode::Esc));
    let shown = screen(&mut app);
    assert!(
        !shown.contains("n run") && !shown.contains("cancel") && shown.contains("read-only"),
        "{shown}"
    );
    for keys in [
        vec![key(KeyCode::Char('n'))],
        vec![key(KeyCode::Char('r'))],
        vec![ctrl('x')],
    ] {
        for k in keys {
            assert!(app.update(k).is_empty());
        }
        assert!(app.layer.is_none());
        assert!(app.status.as_ref().unwrap().text.contains("read-only"));
    }
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "run AWS-RunShellScript");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(app.layer.is_none());
    app.update(key(KeyCode::Char('?')));
    let help = screen(&mut app);
    // The status line below still says why `:run` did nothing; the help
    // box lists no way to send.
    let listed = |text: &str| help.lines().any(|l| l.contains('│') && l.contains(text));
    assert!(
        help.contains("Keys — Run Command") && !listed("send a command"),
        "{help}"
    );
    assert!(
        help.contains("read-only console (--readonly): cannot send a command to nodes"),
        "{help}"
    );
}

/// What a played node prints: its name, 300 numbered lines, two errors
/// and one line too long for 80 columns.
fn log_of(node: &str) -> String {
    let mut out = format!("output of {node}\n");
    for i in 1..=300 {
        match i {
            100 | 200 => out.push_str(&format!("line {i}: ERROR disk full\n")),
            150 => out.push_str(&format!("line {i}: {}END\n", "x".repeat(120))),
            _ => out.push_str(&format!("line {i}: ok\n")),
        }
    }
    out
}

/// The web nodes' logs, and the console at the first node's output.
async fn at_a_nodes_output(size: (u16, u16)) -> (Fixture, App, Receiver<Event>, Vec<String>) {
    let (fx, mut app, mut events) = run_app(size, false).await;
    let id = send(&fx, to_role("web", &["cat /var/log/app.log"])).await;
    let mut nodes = targets_of(&fx, &id).await;
    nodes.sort();
    for _round in 0..3 {
        fx.clock.advance(Duration::from_secs(2));
        for node in &nodes {
            play(&fx, node, Plan::Succeed(&log_of(node)), "").await;
        }
    }
    open_first(&fx, &mut app, &mut events).await;
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    (fx, app, events, nodes)
}

fn output_of(app: &App) -> &sysman::panes::run_command::output::OutputView {
    app.panes
        .run_command
        .output
        .as_deref()
        .expect("an output is open")
}

/// Issue 15: `/` searches a node's output, `n`/`N` step through the
/// matches, and the frame says which one of how many.
#[tokio::test]
async fn slash_searches_the_output_and_n_steps_through_the_matches() {
    let (fx, mut app, mut events, nodes) = at_a_nodes_output((80, 24)).await;
    assert!(screen(&mut app).contains(&format!("output of {}", nodes[0])));
    let effects = chars(&mut app, "/error");
    run(&fx, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("/ error█  1/2"),
        "the prompt counts: {shown}"
    );
    assert!(shown.contains("line 100: ERROR disk full"), "{shown}");
    assert!(
        !shown.contains("line 1: ok"),
        "scrolled to the match: {shown}"
    );

    app.update(key(KeyCode::Enter));
    assert!(
        screen(&mut app).contains("/error 1/2"),
        "kept, in the frame"
    );
    app.update(key(KeyCode::Char('n')));
    let shown = screen(&mut app);
    assert!(
        shown.contains("/error 2/2") && shown.contains("line 200: ERROR"),
        "{shown}"
    );
    app.update(key(KeyCode::Char('n')));
    assert!(screen(&mut app).contains("/error 1/2"), "round the end");
    app.update(key(KeyCode::Char('N')));
    assert!(screen(&mut app).contains("/error 2/2"), "and back");

    // esc clears the search first, then leaves.
    app.update(key(KeyCode::Esc));
    assert_eq!(output_of(&app).pager.matches(), None);
    assert!(!screen(&mut app).contains("/error"));
    app.update(key(KeyCode::Esc));
    assert!(app.panes.run_command.output.is_none());
}

/// Issue 15: `w` cuts long lines instead of wrapping them, `0` goes to
/// the top and `G` to the end.
#[tokio::test]
async fn w_toggles_the_wrap_and_0_and_g_jump_to_the_ends() {
    let (fx, mut app, mut events, nodes) = at_a_nodes_output((80, 24)).await;
    let effects = chars(&mut app, "/END");
    run(&fx, &mut app, &mut events, effects).await;
    app.update(key(KeyCode::Enter));
    let wrapped = screen(&mut app);
    assert!(
        wrapped.contains(&format!("line 150: {}", "x".repeat(60))) && wrapped.contains("xEND"),
        "wrapped onto the next row: {wrapped}"
    );
    app.update(key(KeyCode::Char('w')));
    let cut = screen(&mut app);
    assert!(cut.contains("no wrap"), "{cut}");
    assert!(
        cut.contains("line 150: xxx") && cut.contains("x…│") && !cut.contains("xEND"),
        "one row, cut: {cut}"
    );
    assert!(cut.contains("line 151: ok"), "{cut}");
    app.update(key(KeyCode::Char('w')));
    assert!(!screen(&mut app).contains("no wrap"));

    app.update(key(KeyCode::Esc));
    let effects = app.update(key(KeyCode::Char('G')));
    run(&fx, &mut app, &mut events, effects).await;
    let end = screen(&mut app);
    assert!(
        end.contains("line 300: ok") && !end.contains("output of"),
        "{end}"
    );
    app.update(key(KeyCode::Char('0')));
    let top = screen(&mut app);
    assert!(top.contains(&format!("output of {}", nodes[0])), "{top}");
    assert!(!top.contains("line 300: ok"), "{top}");
}

/// Issue 15: `]` and `[` show the next and previous node's output of the
/// same command, searched alike.
#[tokio::test]
async fn brackets_show_the_next_and_previous_nodes_output() {
    let (fx, mut app, mut events, nodes) = at_a_nodes_output((80, 24)).await;
    assert!(nodes.len() >= 2, "{nodes:?}");
    let effects = chars(&mut app, "/error");
    run(&fx, &mut app, &mut events, effects).await;
    app.update(key(KeyCode::Enter));

    let effects = app.update(key(KeyCode::Char(']')));
    run(&fx, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert_eq!(output_of(&app).instance_id, nodes[1]);
    assert!(shown.contains(&format!("Output — {}", nodes[1])), "{shown}");
    assert!(shown.contains("/error 2 found"), "{shown}");
    app.update(key(KeyCode::Char('n')));
    assert!(screen(&mut app).contains("line 100: ERROR"));

    let effects = app.update(key(KeyCode::Char('[')));
    run(&fx, &mut app, &mut events, effects).await;
    assert_eq!(output_of(&app).instance_id, nodes[0]);
    app.update(key(KeyCode::Char('[')));
    assert!(screen(&mut app).contains("this is the first node"));
    assert_eq!(output_of(&app).instance_id, nodes[0]);

    // Back in the command, the cursor is on the node last shown.
    let effects = app.update(key(KeyCode::Char(']')));
    run(&fx, &mut app, &mut events, effects).await;
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    assert!(app.panes.run_command.output.is_none());
    let detail = app.panes.run_command.detail.as_ref().unwrap();
    let selected = detail.table.selected_row().unwrap();
    assert_eq!(detail.rows[selected].inv.instance_id, nodes[1]);
}

/// Issue 15: after `G`, output that streams in shows at once at the end.
#[tokio::test]
async fn g_follows_the_output_as_it_streams_in() {
    let (fx, mut app, mut events) = run_app((80, 24), false).await;
    let id = send(&fx, to_role("web", &["tail -f /var/log/app.log"])).await;
    let node = targets_of(&fx, &id).await.remove(0);
    let caller = Caller::node(&node);
    fx.clock.advance(Duration::from_secs(2));
    let receive = ReceiveMessages {
        instance_id: node.clone(),
        wait_seconds: Some(0),
        max_messages: None,
    };
    let message = fx
        .backend
        .call(&caller, receive)
        .await
        .unwrap()
        .messages
        .remove(0);
    let MessageBody::RunCommand { steps, .. } = &message.body else {
        panic!("a run message");
    };
    let step = steps[0].name.clone();
    let ack = AcknowledgeMessage {
        instance_id: node.clone(),
        message_id: message.message_id.clone(),
    };
    fx.backend.call(&caller, ack).await.unwrap();
    let started = fx.clock.now();
    let report = |sequence, from: usize, to: usize, done: bool| SendReply {
        instance_id: node.clone(),
        message_id: message.message_id.clone(),
        sequence,
        steps: vec![StepReport {
            name: step.clone(),
            status: if done { "Success" } else { "InProgress" }.into(),
            response_code: if done { 0 } else { -1 },
            started: Some(started),
            finished: done.then_some(started),
            stdout: (from..to).map(|i| format!("tick {i}\n")).collect(),
            stderr: String::new(),
        }],
    };
    fx.backend
        .call(&caller, report(1, 0, 40, false))
        .await
        .unwrap();

    open_first(&fx, &mut app, &mut events).await;
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    let effects = app.update(key(KeyCode::Char('G')));
    run(&fx, &mut app, &mut events, effects).await;
    assert!(screen(&mut app).contains("tick 39"));

    fx.backend
        .call(&caller, report(2, 40, 80, true))
        .await
        .unwrap();
    run(&fx, &mut app, &mut events, Vec::new()).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("tick 79") && !shown.contains("tick 39"),
        "{shown}"
    );
}
