//! The Parameters pane as a person uses it: create through the form, open,
//! reveal (audited), add a version, delete — over a real backend.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sysman::app::{App, Effect, Layer, Msg};
use sysman::fixture::Fixture;
use sysman::panes::PaneId;
use sysman::panes::parameters::ParametersView;
use sysman_api::parameters::{LabelParameterVersion, PutParameter};
use sysman_backend::Event;
use tokio::sync::broadcast::Receiver;

const SECRET: &str = "s3cr3t-Passw0rd";

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

/// Carries out effects and feeds backend events, as the runtime would.
async fn run(fixture: &Fixture, app: &mut App, events: &mut Receiver<Event>, effects: Vec<Effect>) {
    fixture.drive(app, effects).await;
    fixture.backend.flush().await;
    while let Ok(event) = events.try_recv() {
        let more = app.update(Msg::Backend(sysman::app::BackendMsg::Event(event)));
        fixture.drive(app, more).await;
    }
    app.settle();
}

async fn params_app() -> (Fixture, App, Receiver<Event>) {
    let fixture = Fixture::new(20, 7).await;
    let mut events = fixture.backend.subscribe();
    let mut app = fixture.app((100, 30), "dark", false).await;
    app.switch_to(PaneId::Parameters);
    let admin = sysman_backend::Caller::admin("ops");
    for (name, value, kind) in [
        ("/app/web/url", "https://shop.example", "String"),
        ("/app/web/hosts", "web-1,web-2", "StringList"),
        ("/app/db/password", SECRET, "SecureString"),
    ] {
        let put = PutParameter {
            name: name.into(),
            value: value.into(),
            r#type: Some(kind.into()),
            ..Default::default()
        };
        fixture.backend.call(&admin, put).await.unwrap();
    }
    run(&fixture, &mut app, &mut events, Vec::new()).await;
    (fixture, app, events)
}

#[tokio::test]
async fn the_list_and_a_masked_secret_look_right() {
    let (fixture, mut app, mut events) = params_app().await;
    insta::assert_snapshot!("parameters_list_100x30", screen(&mut app));
    // The secret is first by name: open it.
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("press v to reveal") && !shown.contains(SECRET),
        "{shown}"
    );
    insta::assert_snapshot!("parameter_masked_100x30", shown);
}

#[tokio::test]
async fn revealing_a_secret_shows_it_and_is_audited() {
    let (fixture, mut app, mut events) = params_app().await;
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    let effects = chars(&mut app, "v");
    run(&fixture, &mut app, &mut events, effects).await;
    assert!(screen(&mut app).contains(SECRET));
    let audit = fixture.backend.audit_records().await.unwrap();
    let reveal = audit
        .iter()
        .rfind(|r| r.operation == "GetParameter")
        .expect("the reveal is in the audit trail");
    assert!(
        reveal.request.contains("\"WithDecryption\":true"),
        "{}",
        reveal.request
    );
    assert!(reveal.resource.contains("app/db/password"));
    assert!(
        audit.iter().all(|r| !r.request.contains(SECRET)),
        "no secret in the audit trail"
    );
}

#[tokio::test]
async fn the_form_creates_a_parameter_and_edits_add_versions() {
    let (fixture, mut app, mut events) = params_app().await;
    chars(&mut app, "n");
    assert!(
        app.dialog::<sysman::panes::parameters::form::ParamForm>()
            .is_some()
    );
    chars(&mut app, "/app/db host");
    assert!(
        screen(&mut app).contains("' ' is not allowed"),
        "checked as you type"
    );
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Backspace));
    chars(&mut app, "/host");
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    chars(&mut app, "db.internal");
    insta::assert_snapshot!("parameter_form_100x30", screen(&mut app));
    let effects = app.update(key(KeyCode::Enter));
    assert!(matches!(&effects[..], [Effect::Call(c)] if c.job::<PutParameter>().is_some()));
    run(&fixture, &mut app, &mut events, effects).await;
    assert!(app.layer.is_none(), "a saved form closes");
    assert!(
        app.panes
            .parameters
            .list
            .iter()
            .any(|p| p.name == "/app/db/host")
    );

    // Saving the same name again is refused, and the form says why.
    chars(&mut app, "n");
    chars(&mut app, "/app/db/host");
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    chars(&mut app, "other");
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    assert!(screen(&mut app).contains("ParameterAlreadyExists"));
    app.update(key(KeyCode::Esc));

    // Find /app/db/host with the filter, open it and put a new version.
    chars(&mut app, "/dbhost");
    app.update(key(KeyCode::Enter));
    app.settle();
    assert_eq!(app.panes.parameters.table.order.len(), 1);
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    assert_eq!(
        app.breadcrumbs().last().map(String::as_str),
        Some("/app/db/host")
    );
    chars(&mut app, "e");
    chars(&mut app, "2");
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    let ParametersView::Detail(detail) = &app.panes.parameters.view else {
        panic!("detail")
    };
    assert_eq!(detail.history.len(), 2);
    assert_eq!(detail.parameter.as_ref().unwrap().value, "db.internal2");
}

#[tokio::test]
async fn deleting_asks_first_and_leaves_the_detail_view() {
    let (fixture, mut app, mut events) = params_app().await;
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('d'),
        KeyModifiers::CONTROL,
    )));
    assert!(matches!(app.layer, Some(Layer::Confirm { .. })));
    let effects = chars(&mut app, "y");
    run(&fixture, &mut app, &mut events, effects).await;
    assert_eq!(app.panes.parameters.view, ParametersView::Table);
    assert_eq!(app.panes.parameters.list.len(), 2);
    assert!(
        app.panes
            .parameters
            .list
            .iter()
            .all(|p| p.name != "/app/db/password")
    );
}

#[tokio::test]
async fn history_labels_diffs_and_policies_show_in_the_detail_view() {
    let (fixture, mut app, mut events) = params_app().await;
    let admin = sysman_backend::Caller::admin("ops");
    let url = |value: &str| PutParameter {
        name: "/app/web/url".into(),
        value: value.into(),
        overwrite: Some(true),
        ..Default::default()
    };
    fixture
        .backend
        .call(&admin, url("https://shop.example\nretries=3"))
        .await
        .unwrap();
    let expiring = PutParameter {
        name: "/app/web/banner".into(),
        value: "sale".into(),
        r#type: Some("String".into()),
        tier: Some("Advanced".into()),
        policies: Some(
            r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2026-12-01T00:00:00.000Z"}}]"#.into(),
        ),
        ..Default::default()
    };
    fixture.backend.call(&admin, expiring).await.unwrap();
    run(&fixture, &mut app, &mut events, Vec::new()).await;

    // Open /app/web/url: version 2 is current, so select version 1 below it.
    chars(&mut app, "/web/url");
    app.update(key(KeyCode::Enter));
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    chars(&mut app, "j");
    chars(&mut app, "d");
    let shown = screen(&mut app);
    assert!(shown.contains("Version 1 → 2 (current)"), "{shown}");
    assert!(shown.contains("+ retries=3"), "{shown}");
    insta::assert_snapshot!("parameter_diff_100x30", shown);
    app.update(key(KeyCode::Esc));
    let ParametersView::Detail(detail) = &app.panes.parameters.view else {
        panic!("still open")
    };
    assert_eq!(detail.diff, None, "esc closes the diff first");

    // Label version 1 from the history.
    chars(&mut app, "l");
    chars(&mut app, "stable");
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    let ParametersView::Detail(detail) = &app.panes.parameters.view else {
        panic!("still open")
    };
    assert_eq!(detail.history[0].labels, ["stable"]);
    assert!(screen(&mut app).contains("stable"));

    // A parameter with a policy shows when it falls due.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    chars(&mut app, "/banner");
    app.update(key(KeyCode::Enter));
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("Expiration") && shown.contains("due 2026-12-01T00:00:00Z"),
        "{shown}"
    );
}

#[tokio::test]
async fn the_path_tree_narrows_the_list_to_a_folder() {
    let (_fixture, mut app, _events) = params_app().await;
    app.settle();
    assert_eq!(app.panes.parameters.table.order.len(), 3);
    app.update(key(KeyCode::Tab));
    assert!(app.panes.parameters.tree_focus);
    chars(&mut app, "j");
    app.settle();
    assert_eq!(app.panes.parameters.tree.selected, "/app");
    app.update(key(KeyCode::Enter));
    chars(&mut app, "j");
    chars(&mut app, "j");
    app.settle();
    assert_eq!(app.panes.parameters.tree.selected, "/app/web");
    let names: Vec<_> = app
        .panes
        .parameters
        .table
        .order
        .iter()
        .map(|&i| app.panes.parameters.list[i].name.clone())
        .collect();
    assert_eq!(names, ["/app/web/hosts", "/app/web/url"]);
    let shown = screen(&mut app);
    assert!(shown.contains("in /app/web [2 of 3]"), "{shown}");
    insta::assert_snapshot!("parameters_tree_100x30", shown);
    // Back in the list, enter opens a parameter of the folder.
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.panes.parameters.open_name(), Some("/app/web/hosts"));
}

#[tokio::test]
async fn the_pane_at_the_standard_sizes() {
    for (w, h) in [(120, 40), (80, 24)] {
        let (fixture, mut app, mut events) = params_app().await;
        app.update(Msg::Resize(w, h));
        insta::assert_snapshot!(format!("parameters_{w}x{h}"), screen(&mut app));
        let effects = app.update(key(KeyCode::Enter));
        run(&fixture, &mut app, &mut events, effects).await;
        insta::assert_snapshot!(format!("parameter_detail_{w}x{h}"), screen(&mut app));
        chars(&mut app, "e");
        insta::assert_snapshot!(format!("parameter_form_{w}x{h}"), screen(&mut app));
    }
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// `ctrl-u` in the new-version form once did nothing, so a secret typed
/// after it was added to the old one, unseen behind the mask.
#[tokio::test]
async fn a_new_secret_replaces_the_old_one_and_is_not_appended_to_it() {
    let (fixture, mut app, mut events) = params_app().await;
    let admin = sysman_backend::Caller::admin("ops");
    let hunter2 = PutParameter {
        name: "/app/db/password".into(),
        value: "hunter2".into(),
        r#type: Some("SecureString".into()),
        overwrite: Some(true),
        ..Default::default()
    };
    fixture.backend.call(&admin, hunter2).await.unwrap();
    run(&fixture, &mut app, &mut events, Vec::new()).await;
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    assert_eq!(app.panes.parameters.open_name(), Some("/app/db/password"));
    // Revealed first, to see what it is: the form then starts from it.
    let effects = chars(&mut app, "v");
    run(&fixture, &mut app, &mut events, effects).await;
    assert!(screen(&mut app).contains("hunter2"));

    chars(&mut app, "e");
    app.update(ctrl('u'));
    chars(&mut app, "hunter3");
    let form = screen(&mut app);
    assert!(
        form.contains("│ Value       •••••••█  7 characters"),
        "the form shows how long the secret is, not what it is: {form}"
    );
    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    assert!(app.layer.is_none(), "the new version is saved");
    let effects = chars(&mut app, "v");
    run(&fixture, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("hunter3") && !shown.contains("hunter2hunter3"),
        "{shown}"
    );
}

/// `ctrl-u` empties the text being typed wherever text is typed, as it
/// does in a shell.
#[tokio::test]
async fn ctrl_u_clears_the_label_the_palette_and_the_form() {
    let (fixture, mut app, mut events) = params_app().await;
    chars(&mut app, "n");
    chars(&mut app, "/typo");
    app.update(ctrl('u'));
    chars(&mut app, "/app/x");
    match app.dialog::<sysman::panes::parameters::form::ParamForm>() {
        Some(form) => assert_eq!(form.name, "/app/x"),
        None => panic!("expected the form, got {:?}", app.layer),
    }
    app.update(key(KeyCode::Esc));

    let effects = app.update(key(KeyCode::Enter));
    run(&fixture, &mut app, &mut events, effects).await;
    chars(&mut app, "l");
    chars(&mut app, "typo");
    app.update(ctrl('u'));
    chars(&mut app, "stable");
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        matches!(&effects[..], [Effect::Call(c)]
            if c.job::<LabelParameterVersion>().is_some_and(|l| l.labels == ["stable"])),
        "{effects:?}"
    );

    chars(&mut app, ":");
    chars(&mut app, "qqq");
    app.update(ctrl('u'));
    chars(&mut app, "fleet");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.pane, PaneId::Fleet);
}

/// Issue 15: `web` kept `/app/db/password`: the filter read hidden text
/// (a description here). It reads what the rows show, and the filter
/// line counts what it keeps.
#[tokio::test]
async fn web_keeps_the_web_parameters_only_and_counts_them() {
    let (fixture, mut app, mut events) = params_app().await;
    let put = PutParameter {
        name: "/app/db/user".into(),
        value: "shop".into(),
        r#type: Some("String".into()),
        description: Some("The user the web tier connects as".into()),
        ..Default::default()
    };
    let admin = sysman_backend::Caller::admin("ops");
    fixture.backend.call(&admin, put).await.unwrap();
    run(&fixture, &mut app, &mut events, Vec::new()).await;
    chars(&mut app, "/web");
    let shown = screen(&mut app);
    assert!(
        shown.contains("/app/web/url") && shown.contains("/app/web/hosts"),
        "{shown}"
    );
    assert!(
        !shown.contains("/app/db/password") && !shown.contains("/app/db/user"),
        "{shown}"
    );
    assert!(shown.contains("/ web█  2 of 4"), "{shown}");
}
