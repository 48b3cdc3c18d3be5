//! The console as a person uses it: screens at fixed sizes over a seeded
//! fleet and a fixed clock, and key flows through the whole app.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sysman::app::{App, BackendMsg, Effect, Layer, Msg};
use sysman::fixture::Fixture;
use sysman::panes::PaneId;
use sysman::panes::fleet::FleetView;
use sysman_api::fleet::{DeregisterManagedInstance, PingStatus};

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn screen(app: &mut App) -> Terminal<TestBackend> {
    app.settle();
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|frame| sysman::ui::render(frame, app))
        .unwrap();
    terminal
}

fn key_event(name: &str) -> KeyEvent {
    let (code, mods) = match name {
        "enter" => (KeyCode::Enter, KeyModifiers::NONE),
        "esc" => (KeyCode::Esc, KeyModifiers::NONE),
        "tab" => (KeyCode::Tab, KeyModifiers::NONE),
        "backspace" => (KeyCode::Backspace, KeyModifiers::NONE),
        "down" => (KeyCode::Down, KeyModifiers::NONE),
        "up" => (KeyCode::Up, KeyModifiers::NONE),
        "pgdn" => (KeyCode::PageDown, KeyModifiers::NONE),
        other => match other.strip_prefix("ctrl-") {
            Some(c) => (
                KeyCode::Char(c.chars().next().unwrap()),
                KeyModifiers::CONTROL,
            ),
            None => (
                KeyCode::Char(other.chars().next().unwrap()),
                KeyModifiers::NONE,
            ),
        },
    };
    KeyEvent::new(code, mods)
}

/// Presses named keys in turn; returns the effects the last one asked for.
fn press(app: &mut App, keys: &[&str]) -> Vec<Effect> {
    let mut effects = Vec::new();
    for key in keys {
        effects = app.update(Msg::Key(key_event(key)));
    }
    app.settle();
    effects
}

/// Types text, one character at a time.
fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    app.settle();
}

async fn fleet_app(size: (u16, u16)) -> (Fixture, App) {
    let fixture = Fixture::new(500, 1).await;
    let app = fixture.app(size, "dark", false).await;
    (fixture, app)
}

fn shown_ids(app: &App) -> Vec<String> {
    app.panes
        .fleet
        .table
        .order
        .iter()
        .map(|&i| app.panes.fleet.rows[i].node.info.instance_id.clone())
        .collect()
}

#[tokio::test]
async fn fleet_screens_at_both_sizes() {
    let fixture = Fixture::new(500, 1).await;
    for (w, h) in SIZES {
        let mut app = fixture.app((w, h), "dark", false).await;
        insta::assert_snapshot!(format!("fleet_{w}x{h}"), screen(&mut app).backend());

        press(&mut app, &["j", "j", "enter"]);
        insta::assert_snapshot!(format!("node_detail_{w}x{h}"), screen(&mut app).backend());

        press(&mut app, &["?"]);
        insta::assert_snapshot!(format!("help_node_{w}x{h}"), screen(&mut app).backend());
        press(&mut app, &["esc", "esc", "?"]);
        insta::assert_snapshot!(format!("help_fleet_{w}x{h}"), screen(&mut app).backend());

        press(&mut app, &["esc", ":"]);
        type_text(&mut app, "ac");
        insta::assert_snapshot!(format!("palette_{w}x{h}"), screen(&mut app).backend());

        press(&mut app, &["enter"]);
        insta::assert_snapshot!(format!("activations_{w}x{h}"), screen(&mut app).backend());

        press(&mut app, &["esc", "/"]);
        type_text(&mut app, "Role=db !ubuntu");
        insta::assert_snapshot!(
            format!("fleet_filtered_{w}x{h}"),
            screen(&mut app).backend()
        );

        press(&mut app, &["enter", "ctrl-d"]);
        insta::assert_snapshot!(format!("confirm_{w}x{h}"), screen(&mut app).backend());
    }
}

#[tokio::test]
async fn every_theme_colours_the_fleet() {
    let fixture = Fixture::new(60, 4).await;
    for theme in ["dark", "light", "terminal"] {
        let mut app = fixture.app((80, 24), theme, false).await;
        let terminal = screen(&mut app);
        insta::assert_snapshot!(
            format!("theme_{theme}"),
            format!("{:?}", terminal.backend().buffer())
        );
    }
}

#[tokio::test]
async fn the_fleet_shows_every_node_and_counts_them_by_status() {
    let (fixture, app) = fleet_app((120, 40)).await;
    assert_eq!(app.panes.fleet.rows.len(), 500);
    let [online, lost, inactive] = app.panes.fleet.counts;
    assert_eq!(online + lost + inactive, 500);
    assert!(lost > 0, "the fixture's flaky nodes have lost touch");
    assert!(online > 400);
    drop(fixture);
}

#[tokio::test]
async fn the_filter_narrows_and_esc_clears_it() {
    let (_fixture, mut app) = fleet_app((120, 40)).await;
    press(&mut app, &["/"]);
    type_text(&mut app, "Environment=staging");
    let staging = app.panes.fleet.table.order.len();
    assert!(staging > 50 && staging < 250, "{staging} staging nodes");
    for &i in &app.panes.fleet.table.order {
        assert!(
            app.panes.fleet.rows[i]
                .node
                .tags
                .iter()
                .any(|t| t.value == "staging")
        );
    }
    type_text(&mut app, " web");
    assert!(
        app.panes.fleet.table.order.len() < staging,
        "a fuzzy term narrows further"
    );
    press(&mut app, &["enter"]);
    assert_eq!(app.filter_input, None);
    assert_eq!(
        app.current_filter(),
        "Environment=staging web",
        "enter keeps the filter"
    );

    press(&mut app, &["esc"]);
    assert_eq!(app.current_filter(), "");
    assert_eq!(app.panes.fleet.table.order.len(), 500);

    press(&mut app, &["/"]);
    type_text(&mut app, "!Environment=prod");
    let not_prod = app.panes.fleet.table.order.len();
    press(&mut app, &["esc"]);
    press(&mut app, &["/"]);
    type_text(&mut app, "Environment=prod");
    assert_eq!(
        app.panes.fleet.table.order.len() + not_prod,
        500,
        "! inverts a term"
    );
}

#[tokio::test]
async fn the_palette_switches_panes_and_esc_goes_back() {
    let (_fixture, mut app) = fleet_app((120, 40)).await;
    press(&mut app, &[":"]);
    type_text(&mut app, "act");
    press(&mut app, &["enter"]);
    assert_eq!(app.pane, PaneId::Activations);
    assert!(app.layer.is_none());
    assert_eq!(app.breadcrumbs(), ["Fleet", "Activations"]);
    assert!(!app.panes.activations.list.is_empty());
    press(&mut app, &["esc"]);
    assert_eq!(app.pane, PaneId::Fleet);

    // Arguments filter the pane they open.
    press(&mut app, &[":"]);
    type_text(&mut app, "fm Role=cache");
    press(&mut app, &["enter"]);
    assert_eq!(app.current_filter(), "Role=cache");

    // An unknown name says so, in the palette, and changes nothing.
    press(&mut app, &[":"]);
    type_text(&mut app, "zzz");
    press(&mut app, &["enter"]);
    assert_eq!(app.pane, PaneId::Fleet);
    assert!(matches!(app.layer, Some(Layer::Palette(_))));
    assert!(format!("{}", screen(&mut app).backend()).contains("no pane named zzz"));
}

#[tokio::test]
async fn a_pane_keeps_its_filter_when_you_come_back() {
    let (_fixture, mut app) = fleet_app((120, 40)).await;
    press(&mut app, &["/"]);
    type_text(&mut app, "Role=db");
    press(&mut app, &["enter", ":"]);
    type_text(&mut app, "activations");
    press(&mut app, &["enter", ":"]);
    type_text(&mut app, "fleet");
    press(&mut app, &["enter"]);
    assert_eq!(app.current_filter(), "Role=db");
}

#[tokio::test]
async fn sorting_moves_through_columns_and_reverses() {
    let (_fixture, mut app) = fleet_app((120, 40)).await;
    let by_id = shown_ids(&app);
    let mut sorted = by_id.clone();
    sorted.sort();
    assert_eq!(by_id, sorted, "sorted by id at first");

    press(&mut app, &["s"]);
    assert_eq!(app.panes.fleet.table.sort_column, 1);
    let names: Vec<String> = app
        .panes
        .fleet
        .table
        .order
        .iter()
        .map(|&i| app.panes.fleet.rows[i].name.clone())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted by name");

    press(&mut app, &["r"]);
    let names: Vec<String> = app
        .panes
        .fleet
        .table
        .order
        .iter()
        .map(|&i| app.panes.fleet.rows[i].name.clone())
        .collect();
    assert!(names.windows(2).all(|w| w[0] >= w[1]), "reversed");

    press(&mut app, &["s"]);
    let statuses: Vec<PingStatus> = app
        .panes
        .fleet
        .table
        .order
        .iter()
        .map(|&i| app.panes.fleet.rows[i].status())
        .collect();
    assert!(
        statuses.windows(2).all(|w| w[0] >= w[1]),
        "by status, still descending"
    );
    assert_eq!(statuses[0], PingStatus::ConnectionLost);
}

#[tokio::test]
async fn details_and_back_keep_the_selected_row() {
    let (_fixture, mut app) = fleet_app((120, 40)).await;
    press(&mut app, &["pgdn", "j", "j"]);
    let selected = app.panes.fleet.selected_id().unwrap();
    let position = app.panes.fleet.table.selected;
    assert!(position > 30);
    press(&mut app, &["enter"]);
    assert_eq!(
        app.panes.fleet.view,
        FleetView::Node {
            instance_id: selected.clone(),
            scroll: 0
        }
    );
    assert_eq!(app.breadcrumbs().last(), Some(&selected));
    press(&mut app, &["esc"]);
    assert_eq!(app.panes.fleet.view, FleetView::Table);
    assert_eq!(app.panes.fleet.selected_id(), Some(selected));
    assert_eq!(app.panes.fleet.table.selected, position);
}

#[tokio::test]
async fn deregistering_asks_first_and_n_cancels() {
    let (fixture, mut app) = fleet_app((120, 40)).await;
    let mut events = fixture.backend.subscribe();
    let target = app.panes.fleet.selected_id().unwrap();

    press(&mut app, &["ctrl-d"]);
    match &app.layer {
        Some(Layer::Confirm { prompt, .. }) => assert!(prompt.contains(&target), "{prompt}"),
        other => panic!("expected a confirmation, got {other:?}"),
    }
    let effects = press(&mut app, &["n"]);
    assert!(effects.is_empty());
    assert!(app.layer.is_none());
    assert!(app.panes.fleet.row(&target).is_some());

    press(&mut app, &["ctrl-d"]);
    let effects = press(&mut app, &["y"]);
    assert!(matches!(&effects[..], [Effect::Call(call)]
            if call.job::<DeregisterManagedInstance>().is_some_and(|d| d.instance_id == target)));
    fixture.drive(&mut app, effects).await;
    assert!(app.status.as_ref().unwrap().text.contains(&target));
    // The change reaches the pane as an event, as it would live.
    let event = events.recv().await.unwrap();
    app.update(Msg::Backend(BackendMsg::Event(event)));
    app.settle();
    assert!(app.panes.fleet.row(&target).is_none());
    assert_eq!(app.panes.fleet.rows.len(), 499);
    assert_ne!(app.panes.fleet.selected_id(), Some(target));
}

#[tokio::test]
async fn read_only_hides_and_refuses_dangerous_keys() {
    let fixture = Fixture::new(50, 2).await;
    let mut app = fixture.app((120, 40), "dark", true).await;
    assert!(app.visible_bindings().iter().all(|(_, c)| !c.dangerous()));
    let footer = format!("{}", screen(&mut app).backend());
    assert!(
        !footer.contains("deregister") && footer.contains("read-only"),
        "{footer}"
    );
    let effects = press(&mut app, &["ctrl-d"]);
    assert!(effects.is_empty());
    assert!(app.layer.is_none());
    assert!(app.status.as_ref().unwrap().text.contains("read-only"));
    press(&mut app, &["?"]);
    let help = format!("{}", screen(&mut app).backend());
    assert!(
        help.contains("Keys — Fleet") && !help.contains("ctrl-d"),
        "{help}"
    );
}

#[tokio::test]
async fn a_node_that_loses_touch_changes_without_a_key_press() {
    let (fixture, mut app) = fleet_app((120, 40)).await;
    let mut events = fixture.backend.subscribe();
    let online_before = app.panes.fleet.counts[0];
    // Every agent falls silent: the backend announces each status change.
    let config = fixture.backend.fleet_config().clone();
    fixture
        .clock
        .advance(config.heartbeat_interval * (config.missed_heartbeats + 1));
    for _ in 0..online_before {
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
            .await
            .expect("the scheduler announces each change")
            .unwrap();
        app.update(Msg::Backend(BackendMsg::Event(event)));
    }
    app.settle();
    assert_eq!(app.panes.fleet.counts[0], 0);
    assert_eq!(app.panes.fleet.counts[1], 500);
    let shown = format!("{}", screen(&mut app).backend());
    assert!(shown.contains("● 0 online"), "{shown}");
}

#[tokio::test]
async fn chords_and_paging_move_the_selection() {
    let (_fixture, mut app) = fleet_app((120, 40)).await;
    press(&mut app, &["G"]);
    assert_eq!(app.panes.fleet.table.selected, 499);
    press(&mut app, &["g"]);
    assert_eq!(
        app.panes.fleet.table.selected, 499,
        "one g waits for the second"
    );
    press(&mut app, &["g"]);
    assert_eq!(app.panes.fleet.table.selected, 0);
    press(&mut app, &["pgdn"]);
    assert_eq!(app.panes.fleet.table.selected, app.panes.fleet.table.page);
}
