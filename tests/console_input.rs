//! Typing in the console (issue 15, "Friction"): every input line has a
//! cursor and edits as a shell does, the palette is chosen from with the
//! arrows, and forms hold their complaints until there is something to
//! complain about. Each test failed before the change it covers.

mod support;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use support::{chars, ctrl, key, open, run, screen};
use sysman::app::{App, Layer, Msg};
use sysman::fixture::Fixture;
use sysman::panes::PaneId;
use sysman_api::parameters::{GetParameter, PutParameter};
use sysman_backend::{Caller, Event};
use tokio::sync::broadcast::Receiver;

async fn app_at(fx: &Fixture, size: (u16, u16)) -> (App, Receiver<Event>) {
    let events = fx.backend.subscribe();
    let app = fx.app(size, "dark", false).await;
    (app, events)
}

fn with(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

fn times(app: &mut App, n: usize, msg: impl Fn() -> Msg) {
    for _ in 0..n {
        app.update(msg());
    }
}

/// The new value of a parameter is its old one with a word changed in the
/// middle: the cursor goes there, the text after it stays.
#[tokio::test]
async fn a_parameter_value_is_edited_in_the_middle() {
    let fx = Fixture::new(20, 7).await;
    let (mut app, mut events) = app_at(&fx, (100, 30)).await;
    let put = PutParameter {
        name: "/app/web/url".into(),
        value: "https://shop.example/cart".into(),
        r#type: Some("String".into()),
        ..Default::default()
    };
    fx.backend.call(&Caller::admin("ops"), put).await.unwrap();
    open(&fx, &mut app, &mut events, "params").await;
    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    chars(&mut app, "e");

    // Back over "/cart" and a word back over "example": "shop." stays.
    times(&mut app, 5, || key(KeyCode::Left));
    app.update(with(KeyCode::Left, KeyModifiers::CONTROL));
    chars(&mut app, "eu.");
    // alt-f jumps over "example"; delete takes the "/" after it.
    app.update(with(KeyCode::Char('f'), KeyModifiers::ALT));
    app.update(key(KeyCode::Delete));
    chars(&mut app, "/");
    let shown = screen(&mut app);
    assert!(
        shown.contains("Value       https://shop.eu.example/cart"),
        "{shown}"
    );

    let effects = app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, effects).await;
    assert!(app.layer.is_none(), "saved: {:?}", app.status);
    let get = GetParameter {
        name: "/app/web/url".into(),
        with_decryption: None,
    };
    let out = fx.backend.call(&Caller::admin("ops"), get).await.unwrap();
    assert_eq!(out.parameter.value, "https://shop.eu.example/cart");
    assert_eq!(out.parameter.version, 2);
}

/// `ctrl-w` in the filter line takes back the last word, and the rows
/// follow.
#[tokio::test]
async fn ctrl_w_deletes_the_last_word_of_the_filter() {
    let fx = Fixture::new(200, 1).await;
    let (mut app, _events) = app_at(&fx, (120, 40)).await;
    app.update(key(KeyCode::Char('/')));
    chars(&mut app, "Role=db");
    app.settle();
    let db = app.panes.fleet.table.order.len();
    chars(&mut app, " ubuntu");
    app.settle();
    assert!(app.panes.fleet.table.order.len() < db);

    app.update(ctrl('w'));
    assert_eq!(app.current_filter(), "Role=db ");
    app.settle();
    assert_eq!(app.panes.fleet.table.order.len(), db);
    // Home, then the cursor's word jump: typing lands before "db".
    app.update(key(KeyCode::Home));
    app.update(with(KeyCode::Right, KeyModifiers::CONTROL));
    chars(&mut app, "!");
    assert_eq!(app.current_filter(), "Role!=db ");
    assert!(screen(&mut app).contains(" / Role!=db "));
}

/// The arrows (and `ctrl-n`/`ctrl-p`) move the highlight in the palette,
/// and enter opens the highlighted pane, typed or not.
#[tokio::test]
async fn the_palette_opens_the_entry_the_arrows_chose() {
    let fx = Fixture::new(50, 1).await;
    let (mut app, _events) = app_at(&fx, (120, 40)).await;
    app.update(key(KeyCode::Char(':')));
    times(&mut app, 2, || key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.pane, PaneId::ALL[2]);
    assert!(app.layer.is_none());

    app.update(key(KeyCode::Char(':')));
    times(&mut app, 3, || ctrl('n'));
    app.update(ctrl('p'));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.pane, PaneId::ALL[1]);
}

/// A name no pane has keeps the palette open and says so there, so the
/// typo can be fixed.
#[tokio::test]
async fn an_unknown_name_keeps_the_palette_open_and_says_so() {
    let fx = Fixture::new(50, 1).await;
    let (mut app, _events) = app_at(&fx, (80, 24)).await;
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "flet2");
    app.update(key(KeyCode::Enter));
    assert!(
        matches!(app.layer, Some(Layer::Palette(_))),
        "{:?}",
        app.layer
    );
    assert!(screen(&mut app).contains("no pane named flet2"));
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.pane, PaneId::Fleet);
    assert!(app.layer.is_none());
}

/// `ctrl-a` in the palette lists every pane with all its names, as k9s's
/// aliases view does; enter opens the one highlighted.
#[tokio::test]
async fn ctrl_a_lists_every_pane_with_all_its_names() {
    let fx = Fixture::new(50, 1).await;
    let (mut app, _events) = app_at(&fx, (80, 24)).await;
    app.update(key(KeyCode::Char(':')));
    app.update(ctrl('a'));
    let shown = screen(&mut app);
    for &pane in PaneId::ALL {
        let line = format!("{:<14}{}", pane.title(), pane.aliases().join(", "));
        assert!(shown.contains(&line), "{line} in\n{shown}");
    }
    assert!(shown.contains("quit, q"), "{shown}");
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.pane, PaneId::Compliance);
}

/// A form says nothing about a field until it is typed in or a save is
/// tried: a new parameter's empty name, a command's empty targets.
#[tokio::test]
async fn forms_hold_their_complaints_until_typed_in_or_saved() {
    let fx = Fixture::new(20, 7).await;
    let (mut app, mut events) = app_at(&fx, (100, 30)).await;
    open(&fx, &mut app, &mut events, "params").await;
    chars(&mut app, "n");
    assert!(!screen(&mut app).contains("a name is required"));
    chars(&mut app, "x");
    app.update(key(KeyCode::Backspace));
    assert!(
        screen(&mut app).contains("a name is required"),
        "typed in and emptied"
    );
    app.update(key(KeyCode::Esc));
    chars(&mut app, "n");
    app.update(key(KeyCode::Enter));
    assert!(
        screen(&mut app).contains("a name is required"),
        "save tried"
    );
    app.update(key(KeyCode::Esc));

    open(&fx, &mut app, &mut events, "run AWS-RunShellScript").await;
    let form = screen(&mut app);
    assert!(form.contains("Targets"), "{form}");
    assert!(!form.contains("say which nodes"), "{form}");
    assert!(!form.contains("required"), "{form}");
    app.update(ctrl('s'));
    let tried = screen(&mut app);
    assert!(tried.contains("say which nodes"), "{tried}");
}

/// A complaint longer than the form is wide wraps under the value, and
/// the line of keys below stays in the form.
#[tokio::test]
async fn a_long_complaint_wraps_and_the_keys_stay_in_view() {
    let fx = Fixture::new(20, 7).await;
    let (mut app, mut events) = app_at(&fx, (80, 24)).await;
    open(&fx, &mut app, &mut events, "params").await;
    chars(&mut app, "n");
    chars(&mut app, "bad name");
    let shown = screen(&mut app);
    assert!(shown.contains("' ' is not allowed"), "{shown}");
    assert!(shown.contains("enter save · esc cancel"), "{shown}");
}
