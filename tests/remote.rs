//! Remote mode: the console over HTTP shows exactly what it shows
//! embedded, and stays live through the server's event stream.

use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sysman::app::{App, BackendMsg, Effect, Msg};
use sysman::fixture::Fixture;
use sysman::runtime::Connection;
use sysman_api::commands::SendCommand;
use sysman_api::fleet::{DeregisterManagedInstance, ListNodes};
use sysman_backend::{Caller, Clock};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
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

/// Opens `:run` and the first command of the history, over `connection`.
async fn open_run(fx: &Fixture, connection: &Connection, app: &mut App) {
    app.update(key(KeyCode::Char(':')));
    type_text(app, "run");
    let effects = app.update(key(KeyCode::Enter));
    fx.drive_on(connection, app, effects).await;
    let effects = app.update(key(KeyCode::Enter));
    fx.drive_on(connection, app, effects).await;
}

#[tokio::test]
async fn fleet_and_run_command_render_the_same_embedded_and_remote() {
    let fx = Fixture::new(40, 3).await;
    let (remote, running) = fx.serve().await;

    // A command caught mid-run: some nodes answered, one failed.
    let sent = fx
        .backend
        .call(
            &Caller::admin("ops"),
            SendCommand {
                targets: Some(vec![sysman_api::Target {
                    key: "tag:Role".into(),
                    values: vec!["web".into()],
                }]),
                document_name: "AWS-RunShellScript".into(),
                parameters: Some([("commands".into(), vec!["uname -a".into()])].into()),
                max_concurrency: Some("4".into()),
                comment: Some("parity".into()),
                ..SendCommand::default()
            },
        )
        .await
        .unwrap();
    assert!(sent.command.target_count > 2, "the fleet has web nodes");
    let nodes = fx
        .backend
        .call(&Caller::admin("ops"), ListNodes::default())
        .await
        .unwrap()
        .nodes;
    fx.clock.advance(Duration::from_secs(3));
    let mut answered = 0;
    for node in &nodes {
        let (status, code) = if answered == 1 {
            ("Failed", 1)
        } else {
            ("Success", 0)
        };
        if fx
            .reply(&node.info.instance_id, status, code, "Linux web\n", "")
            .await
        {
            answered += 1;
        }
    }
    assert!(answered >= 2, "some nodes had the command");

    for size in [(120, 40), (80, 24)] {
        let mut embedded = fx.app(size, "dark", false).await;
        let mut over_http = fx.app_on(&remote, size, "dark", false).await;
        let fleet = screen(&mut embedded);
        assert!(fleet.contains("Nodes [40]"), "{fleet}");
        assert_eq!(fleet, screen(&mut over_http), "the Fleet pane at {size:?}");

        open_run(&fx, &fx.connection, &mut embedded).await;
        open_run(&fx, &remote, &mut over_http).await;
        let run = screen(&mut embedded);
        assert!(run.contains("parity"), "{run}");
        assert_eq!(
            run,
            screen(&mut over_http),
            "the Run Command view at {size:?}"
        );
    }
    running.stop().await.unwrap();
}

#[tokio::test]
async fn a_remote_console_updates_live_from_the_event_stream() {
    let fx = Fixture::new(12, 5).await;
    let (remote, running) = fx.serve().await;
    let mut app = fx.app_on(&remote, (120, 40), "dark", false).await;
    assert!(screen(&mut app).contains("Nodes [12]"));

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    remote.forward_events(tx);
    // The stream is open once the first event of ours comes through, so
    // nudge until one does (the fleet also heartbeats on its own).
    let gone = fx
        .backend
        .call(&Caller::admin("ops"), ListNodes::default())
        .await
        .unwrap()
        .nodes[0]
        .info
        .instance_id
        .clone();
    tokio::time::sleep(Duration::from_millis(200)).await;
    fx.backend
        .call(
            &Caller::admin("ops"),
            DeregisterManagedInstance {
                instance_id: gone.clone(),
            },
        )
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut seen = false;
    while !seen {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the removal arrives over the stream")
            .expect("the stream is open");
        if let Msg::Backend(BackendMsg::Event(sysman_backend::Event::NodeRemoved { instance_id })) =
            &msg
        {
            seen = instance_id == &gone;
        }
        let effects = app.update(msg);
        fx.drive_on(&remote, &mut app, effects).await;
    }
    app.update(Msg::Tick(fx.clock.now()));
    let effects = app.update(Msg::Flush);
    fx.drive_on(&remote, &mut app, effects).await;
    let shown = screen(&mut app);
    assert!(shown.contains("Nodes [11]"), "{shown}");
    assert!(!shown.contains(&gone), "{shown}");
    running.stop().await.unwrap();
}

/// Presses `keys` (`\n` is enter, `\u{1b}` escape) over `connection`,
/// carrying out what they ask.
async fn keys_on(fx: &Fixture, connection: &Connection, app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        let effects = app.update(key(code));
        fx.drive_on(connection, app, effects).await;
    }
}

#[tokio::test]
async fn patch_manager_and_compliance_render_the_same_embedded_and_remote() {
    let fx = Fixture::patched(40, 3).await;
    let (remote, running) = fx.serve().await;
    let mut embedded = fx.app((120, 40), "dark", false).await;
    let mut over_http = fx.app_on(&remote, (120, 40), "dark", false).await;
    for (keys, view, shows) in [
        (":patch\n", "the baselines", "Patch groups ["),
        ("\n", "a baseline's matrix", "reporting in prod-linux"),
        (
            "\u{1b}\u{1b}:compliance\n",
            "compliance",
            "Compliance by type",
        ),
        ("\n", "a node's items", "Compliance of mi-"),
    ] {
        keys_on(&fx, &fx.connection, &mut embedded, keys).await;
        keys_on(&fx, &remote, &mut over_http, keys).await;
        let shown = screen(&mut embedded);
        assert!(shown.contains(shows), "{view}: {shown}");
        assert_eq!(shown, screen(&mut over_http), "{view}");
    }
    running.stop().await.unwrap();
}

#[tokio::test]
async fn sysman_call_reaches_operations_the_aws_cli_does_not_know() {
    use sysman::call::{CallArgs, answer};
    let fx = Fixture::new(4, 3).await;
    let (remote, _running) = fx.serve_client().await;
    let call = |target: &str, body: &str| CallArgs {
        target: target.into(),
        body: Some(body.into()),
    };
    let created = answer(
        &remote,
        &call("Sysman.CreateUser", r#"{"UserName":"alice"}"#),
    )
    .await
    .unwrap();
    assert!(created.contains("\"UserName\": \"alice\""), "{created}");
    let users = answer(&remote, &call("Sysman.ListUsers", "{}"))
        .await
        .unwrap();
    assert!(users.contains("alice"), "{users}");
    let again = answer(
        &remote,
        &call("Sysman.CreateUser", r#"{"UserName":"alice"}"#),
    )
    .await
    .unwrap_err();
    assert!(again.starts_with("EntityAlreadyExists: "), "{again}");
    let unknown = answer(&remote, &call("Sysman.NoSuchThing", "{}"))
        .await
        .unwrap_err();
    assert!(
        unknown.starts_with("UnknownOperationException"),
        "{unknown}"
    );
}
