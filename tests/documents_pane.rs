//! The Documents pane as a person uses it: `:docs`, filter, open, switch
//! to YAML and between versions, hand the document to the send form —
//! over a real backend with the built-in documents and one of our own.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sysman::app::{App, BackendMsg, Effect, Msg};
use sysman::fixture::Fixture;
use sysman::panes::PaneId;
use sysman::runtime::job::EveryPage;
use sysman_api::documents::{CreateDocument, ListDocuments, UpdateDocument};
use sysman_backend::{Caller, Event};
use tokio::sync::broadcast::Receiver;

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

const RESTART: &str = r#"{
  "schemaVersion": "2.2",
  "description": "Restart a systemd unit on web nodes",
  "parameters": {
    "service": {
      "type": "String",
      "default": "nginx",
      "description": "The unit to restart"
    }
  },
  "mainSteps": [
    {
      "action": "aws:runShellScript",
      "name": "restart",
      "precondition": { "StringEquals": ["platformType", "Linux"] },
      "inputs": { "runCommand": ["systemctl restart {{ service }}"] }
    }
  ]
}"#;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
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

/// Carries out effects, feeds events and flushes, as the runtime would.
async fn run(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>, effects: Vec<Effect>) {
    fx.drive(app, effects).await;
    for _ in 0..20 {
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

async fn create_restart(fx: &Fixture) {
    let create = CreateDocument {
        content: RESTART.into(),
        name: "Web-RestartService".into(),
        document_type: Some("Command".into()),
        document_format: Some("JSON".into()),
        tags: Some(vec![sysman_api::Tag {
            key: "team".into(),
            value: "web".into(),
        }]),
        ..CreateDocument::default()
    };
    fx.backend
        .call(&Caller::admin("ops"), create)
        .await
        .expect("the document is valid");
}

async fn update_restart(fx: &Fixture) {
    let update = UpdateDocument {
        content: RESTART.replace("nginx", "apache2"),
        name: "Web-RestartService".into(),
        document_version: Some("$LATEST".into()),
        ..UpdateDocument::default()
    };
    fx.backend
        .call(&Caller::admin("ops"), update)
        .await
        .expect("the new version is valid");
}

/// A console at `size` with `:docs` open on the built-ins and ours.
async fn docs_app(size: (u16, u16), readonly: bool) -> (Fixture, App, Receiver<Event>) {
    let fx = Fixture::new(20, 5).await;
    create_restart(&fx).await;
    let mut events = fx.backend.subscribe();
    let mut app = fx.app(size, "dark", readonly).await;
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "docs");
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Call(c) if c.job::<EveryPage<ListDocuments>>().is_some_and(|j| j.0.filters.is_none()))),
        "{effects:?}"
    );
    run(&fx, &mut app, &mut events, effects).await;
    assert_eq!(app.pane, PaneId::Documents);
    (fx, app, events)
}

#[tokio::test]
async fn the_list_and_the_detail_at_both_sizes() {
    for size in SIZES {
        let (fx, mut app, mut events) = docs_app(size, false).await;
        let list = screen(&mut app);
        assert!(
            list.contains("AWS-RunShellScript")
                && list.contains("AWS-RunPowerShellScript")
                && list.contains("Web-RestartService"),
            "{list}"
        );
        insta::assert_snapshot!(format!("documents_{}x{}", size.0, size.1), list);
        // Ours sorts last by name: open it.
        app.update(key(KeyCode::Char('G')));
        let effects = app.update(key(KeyCode::Enter));
        run(&fx, &mut app, &mut events, effects).await;
        let detail = screen(&mut app);
        assert!(
            detail.contains("The unit to restart") && detail.contains("\"schemaVersion\""),
            "{detail}"
        );
        insta::assert_snapshot!(format!("document_detail_{}x{}", size.0, size.1), detail);
    }
}

#[tokio::test]
async fn filter_open_yaml_versions_and_back() {
    let (fx, mut app, mut events) = docs_app((120, 40), false).await;
    update_restart(&fx).await;
    run(&fx, &mut app, &mut events, Vec::new()).await;

    chars(&mut app, "/restart");
    app.update(key(KeyCode::Enter));
    let shown = screen(&mut app);
    assert!(
        shown.contains("Documents [1 of 4]") && !shown.contains("AWS-RunShellScript"),
        "{shown}"
    );
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert!(shown.contains("default 1 · latest 2 · 2 in all"), "{shown}");
    assert!(shown.contains("Content of version 1 · JSON"), "{shown}");

    let effects = chars(&mut app, "y");
    run(&fx, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("schemaVersion: '2.2'") || shown.contains("schemaVersion: \"2.2\""),
        "{shown}"
    );
    assert!(shown.contains("· YAML"), "{shown}");

    // v steps to version 2, still in YAML; ] and [ step too.
    let effects = chars(&mut app, "v");
    run(&fx, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("Content of version 2 · YAML") && shown.contains("apache2"),
        "{shown}"
    );
    let effects = chars(&mut app, "[");
    run(&fx, &mut app, &mut events, effects).await;
    assert!(screen(&mut app).contains("Content of version 1"));

    // Scrolling moves the content; g g goes back to the top.
    app.update(Msg::Resize(120, 24));
    chars(&mut app, "jj");
    assert_eq!(app.panes.documents.detail.as_ref().unwrap().pager.scroll, 2);
    chars(&mut app, "gg");
    assert_eq!(app.panes.documents.detail.as_ref().unwrap().pager.scroll, 0);

    // Help lists the detail's keys, from the same tables as the footer.
    app.update(key(KeyCode::Char('?')));
    let help = screen(&mut app);
    assert!(
        help.contains("Keys — Documents") && help.contains("show the content as JSON or YAML"),
        "{help}"
    );
    app.update(key(KeyCode::Esc));

    // esc: back to the filtered list, then the filter clears.
    app.update(key(KeyCode::Esc));
    assert!(app.panes.documents.detail.is_none());
    assert_eq!(app.panes.documents.table.filter.text(), "restart");
    app.update(key(KeyCode::Esc));
    assert!(screen(&mut app).contains("Documents [4]"));
}

#[tokio::test]
async fn run_opens_the_send_form_on_the_document_and_read_only_hides_it() {
    let (fx, mut app, mut events) = docs_app((120, 40), false).await;
    chars(&mut app, "/restart");
    app.update(key(KeyCode::Enter));
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    assert!(screen(&mut app).contains("R run"));
    let effects = chars(&mut app, "R");
    run(&fx, &mut app, &mut events, effects).await;
    match app.dialog::<sysman::panes::run_command::send::SendForm>() {
        Some(form) => assert_eq!(form.document, "Web-RestartService"),
        None => panic!("the send form is open: {:?}", app.layer),
    }

    let (fx, mut app, mut events) = docs_app((120, 40), true).await;
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    assert!(!screen(&mut app).contains("R run"));
    assert!(chars(&mut app, "R").is_empty());
    assert!(app.layer.is_none());
    assert!(app.status.as_ref().unwrap().text.contains("read-only"));
}

#[tokio::test]
async fn a_changed_document_reloads_the_list_once() {
    let (fx, mut app, mut events) = docs_app((120, 40), false).await;
    let before = app.panes.documents.list.clone();
    update_restart(&fx).await;
    create_other(&fx).await;
    fx.backend.flush().await;
    while let Ok(event) = events.try_recv() {
        let effects = app.update(Msg::Backend(BackendMsg::Event(event)));
        assert!(effects.is_empty(), "an event alone calls nothing");
    }
    assert!(app.needs_flush());
    let effects = app.update(Msg::Flush);
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Call(c) if c.job::<EveryPage<ListDocuments>>().is_some_and(|j| j.0.filters.is_none())))
            .count(),
        1,
        "{effects:?}"
    );
    run(&fx, &mut app, &mut events, effects).await;
    assert_eq!(app.panes.documents.list.len(), before.len() + 1);
    assert!(screen(&mut app).contains("Web-Uptime"));
}

async fn create_other(fx: &Fixture) {
    let create = CreateDocument {
        content: RESTART.replace("Restart a systemd unit", "Show uptime"),
        name: "Web-Uptime".into(),
        document_type: Some("Command".into()),
        ..CreateDocument::default()
    };
    fx.backend
        .call(&Caller::admin("ops"), create)
        .await
        .expect("the document is valid");
}

/// Issue 15: a document's content is searched and wrapped with the keys
/// of a node's output (one pager serves both).
#[tokio::test]
async fn a_documents_content_is_searched_and_wrapped_like_output() {
    let (fx, mut app, mut events) = docs_app((60, 24), false).await;
    run(&fx, &mut app, &mut events, Vec::new()).await;
    chars(&mut app, "/restart");
    app.update(key(KeyCode::Enter));
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;

    chars(&mut app, "/systemctl");
    let shown = screen(&mut app);
    assert!(shown.contains("/ systemctl█  1/1"), "{shown}");
    assert!(
        shown.contains("\"runCommand\": [\"systemctl"),
        "scrolled to it: {shown}"
    );
    app.update(key(KeyCode::Enter));
    assert!(screen(&mut app).contains("/systemctl 1/1"), "in the title");

    // The precondition line is longer than 58 columns: cut, then wrapped.
    let cut = screen(&mut app);
    assert!(cut.contains("…│") && !cut.contains("Linux\"] }"), "{cut}");
    chars(&mut app, "w");
    let wrapped = screen(&mut app);
    assert!(wrapped.contains("│Linux\"] }"), "{wrapped}");
    assert!(!wrapped.contains("…│"), "{wrapped}");

    app.update(key(KeyCode::Esc));
    assert!(
        !screen(&mut app).contains("/systemctl"),
        "esc clears the search"
    );
    chars(&mut app, "0");
    assert!(screen(&mut app).contains("\"schemaVersion\""));
    app.update(key(KeyCode::Esc));
    assert!(app.panes.documents.detail.is_none(), "then esc leaves");
}
