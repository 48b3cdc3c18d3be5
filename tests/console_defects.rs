//! Issue 15's defects, each as the key flow that showed it: what a new
//! user pressed and what they should have seen. Each test failed before
//! its fix.

mod support;

use ratatui::crossterm::event::KeyCode;
use std::collections::BTreeMap;
use support::{chars, ctrl, key, open, press, run, screen};
use sysman::app::{App, Msg};
use sysman::fixture::Fixture;
use sysman::panes::PaneId;
use sysman::panes::fleet::FleetView;
use sysman::panes::run_command::RunView;

use sysman_api::commands::SendCommand;
use sysman_api::compliance::{ComplianceExecutionSummary, ComplianceItemEntry, PutComplianceItems};
use sysman_backend::{Caller, Clock, Event};
use tokio::sync::broadcast::Receiver;

async fn app_at(fx: &Fixture, size: (u16, u16), readonly: bool) -> (App, Receiver<Event>) {
    let events = fx.backend.subscribe();
    let app = fx.app(size, "dark", readonly).await;
    (app, events)
}

fn header(app: &mut App) -> String {
    let shown = screen(app);
    shown
        .lines()
        .next()
        .unwrap_or_default()
        .trim_matches('"')
        .to_owned()
}

fn footer(app: &mut App) -> String {
    let shown = screen(app);
    shown
        .lines()
        .last()
        .unwrap_or_default()
        .trim_matches('"')
        .to_owned()
}

/// Defect 1: the compliance list reloaded under the cursor, and `enter`
/// opened a node the user had not highlighted: the cursor kept a row
/// index, which named another node in the new rows.
#[tokio::test]
async fn a_reload_keeps_the_cursor_on_the_same_compliance_row() {
    let fx = Fixture::patched(60, 7).await;
    let (mut app, mut events) = app_at(&fx, (120, 40), false).await;
    open(&fx, &mut app, &mut events, "compliance").await;
    for _ in 0..5 {
        app.update(key(KeyCode::Down));
    }
    app.settle();
    let highlighted = app.panes.compliance.selected().unwrap().item.clone();

    // New compliance for every node: the list reloads with new rows.
    for node in fx.sim.instance_ids().take(20).collect::<Vec<_>>() {
        let put = PutComplianceItems {
            resource_id: node.to_owned(),
            resource_type: "ManagedInstance".into(),
            compliance_type: "Custom:Backup".into(),
            execution_summary: ComplianceExecutionSummary::at(fx.clock.now()),
            items: vec![ComplianceItemEntry {
                id: Some("Nightly".into()),
                title: Some("Last night's backup".into()),
                severity: "CRITICAL".into(),
                status: "NON_COMPLIANT".into(),
                details: None,
            }],
            item_content_hash: None,
            upload_type: None,
        };
        fx.backend.call(&Caller::admin("ops"), put).await.unwrap();
    }
    run(&fx, &mut app, &mut events, Vec::new()).await;
    assert!(
        app.panes
            .compliance
            .rows
            .iter()
            .any(|r| r.item.compliance_type == "Custom:Backup"),
        "the list reloaded"
    );
    let now = app.panes.compliance.selected().unwrap().item.clone();
    assert_eq!(
        (&now.resource_id, &now.compliance_type),
        (&highlighted.resource_id, &highlighted.compliance_type)
    );
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    assert_eq!(
        app.breadcrumbs().last().unwrap(),
        &highlighted.resource_id,
        "enter opens the highlighted row"
    );
}

/// Defect 1: `:fleet web-prod-001⏎⏎` opened another node: the cursor
/// stayed where it had been before the filter changed.
#[tokio::test]
async fn a_jump_with_a_filter_puts_the_cursor_on_the_first_match() {
    let fx = Fixture::new(200, 4).await;
    let (mut app, mut events) = app_at(&fx, (120, 40), false).await;
    app.settle();
    for _ in 0..7 {
        app.update(key(KeyCode::Down));
    }
    app.settle();
    let target = app.panes.fleet.rows[app.panes.fleet.table.order[30]]
        .node
        .info
        .computer_name
        .clone()
        .expect("simulated nodes have names");
    open(&fx, &mut app, &mut events, &format!("fleet {target}")).await;
    let first = app.panes.fleet.table.order[0];
    assert_eq!(app.panes.fleet.table.selected_row(), Some(first));
    app.update(key(KeyCode::Enter));
    let FleetView::Node { instance_id, .. } = &app.panes.fleet.view else {
        panic!("enter opens the node");
    };
    assert_eq!(
        instance_id, &app.panes.fleet.rows[first].node.info.instance_id,
        "enter opens the highlighted row"
    );

    // A filter typed with `/` that hides the highlighted node does the same.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    for _ in 0..9 {
        app.update(key(KeyCode::Down));
    }
    chars(&mut app, "/Role=web");
    app.update(key(KeyCode::Enter));
    app.settle();
    let selected = app.panes.fleet.table.selected_row().unwrap();
    assert_eq!(selected, app.panes.fleet.table.order[0]);
}

/// Defect 4: every `:` jump added a crumb, and at 80 columns the pane's
/// name and the online/lost counts were pushed off the header.
#[tokio::test]
async fn jumps_keep_the_header_short_at_80_columns() {
    let fx = Fixture::new(60, 4).await;
    let (mut app, mut events) = app_at(&fx, (80, 24), false).await;
    for pane in ["act", "params", "docs", "patch", "run", "compliance"] {
        open(&fx, &mut app, &mut events, pane).await;
    }
    assert_eq!(app.breadcrumbs(), ["Run Command", "Compliance"]);
    let top = header(&mut app);
    assert!(
        top.contains("Compliance") && top.contains("online") && top.contains("lost"),
        "{top}"
    );
    // A long trail inside a pane still shows the pane's name and counts.
    app.update(key(KeyCode::Enter));
    run(&fx, &mut app, &mut events, Vec::new()).await;
    let top = header(&mut app);
    assert!(top.contains("Compliance") && top.contains("● "), "{top}");
    assert_eq!(top.chars().count(), 80);
}

/// Defect 5: "read-only: deregister the node is disabled" followed the
/// user to other panes. A message shows in the pane that raised it.
#[tokio::test]
async fn a_status_message_stays_in_its_pane() {
    let fx = Fixture::new(30, 4).await;
    let (mut app, mut events) = app_at(&fx, (120, 40), true).await;
    app.settle();
    app.update(ctrl('d'));
    assert!(
        footer(&mut app).contains("read-only"),
        "{}",
        footer(&mut app)
    );
    open(&fx, &mut app, &mut events, "params").await;
    let bottom = footer(&mut app);
    assert!(!bottom.contains("read-only console"), "{bottom}");
    assert!(bottom.contains("help"), "the key hints are back: {bottom}");
    // It also fades on its own.
    open(&fx, &mut app, &mut events, "fleet").await;
    app.update(ctrl('d'));
    for _ in 0..10 {
        app.update(Msg::Tick(fx.clock.now()));
    }
    assert!(!footer(&mut app).contains("read-only console"));
}

/// Defect 7: `:run` reopened the command detail left open earlier, so
/// `j j ctrl-x` offered to cancel a command the user had not picked.
#[tokio::test]
async fn a_jump_opens_the_panes_list_not_its_last_sub_view() {
    let fx = Fixture::new(30, 4).await;
    let (mut app, mut events) = app_at(&fx, (120, 40), false).await;
    let node = fx.sim.instance_ids().next().unwrap().to_owned();
    let send = SendCommand {
        instance_ids: Some(vec![node]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(BTreeMap::from([(
            "commands".to_owned(),
            vec!["sleep 600".to_owned()],
        )])),
        ..SendCommand::default()
    };
    fx.backend.call(&Caller::admin("ops"), send).await.unwrap();
    open(&fx, &mut app, &mut events, "run").await;
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    assert_eq!(app.panes.run_command.view(), RunView::Detail);

    open(&fx, &mut app, &mut events, "fleet").await;
    open(&fx, &mut app, &mut events, "run").await;
    assert_eq!(app.pane, PaneId::RunCommand);
    assert_eq!(app.panes.run_command.view(), RunView::History);
}

/// Defect 3: after the server was killed, the remote console's header
/// still read "● 197 online … remote http://…" and nothing said the data
/// had stopped moving.
#[tokio::test]
async fn a_remote_console_says_when_the_server_is_gone() {
    use std::time::Duration;
    use sysman::app::{BackendMsg, Link};

    let fx = Fixture::new(12, 5).await;
    let (remote, running) = fx.serve().await;
    let mut app = fx.app_on(&remote, (80, 24), "dark", false).await;
    assert!(!header(&mut app).contains("reconnecting"));

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    remote.forward_events(tx);
    tokio::time::sleep(Duration::from_millis(200)).await;
    running.stop().await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the break is reported")
            .expect("the forwarder keeps running");
        let down = matches!(msg, Msg::Backend(BackendMsg::Link(Link::Down { .. })));
        app.update(msg);
        if down {
            break;
        }
    }
    let top = header(&mut app);
    assert!(
        top.contains("reconnecting since") && top.contains("UTC") && top.contains("● "),
        "{top}"
    );
    assert_eq!(top.chars().count(), 80);
}

/// Defect 2: three web nodes were selected, the list was filtered to other
/// nodes, and `R` targeted the three hidden ones without a word.
#[tokio::test]
async fn run_on_nodes_says_which_nodes_and_what_the_filter_hides() {
    let fx = Fixture::new(500, 1).await;
    let (mut app, mut events) = app_at(&fx, (120, 40), false).await;
    app.settle();
    chars(&mut app, "/Role=web");
    app.update(key(KeyCode::Enter));
    chars(&mut app, "   ");
    app.update(key(KeyCode::Esc));
    chars(&mut app, "/Role=db");
    app.update(key(KeyCode::Enter));
    let shown = screen(&mut app);
    assert!(
        shown.contains("3 selected (3 hidden by the filter)"),
        "{shown}"
    );
    assert!(
        shown.contains("ROLE"),
        "no mark column pushes ROLE off: {shown}"
    );

    let db = app.panes.fleet.table.order.len();
    chars(&mut app, "R");
    let chooser = screen(&mut app);
    assert!(
        chooser.contains("s the 3 selected nodes (3 hidden by the filter)")
            && chooser.contains(&format!(
                "f the {db} nodes the filter shows, sent as tag:Role=db"
            ))
            && chooser.contains("the node under the cursor"),
        "{chooser}"
    );
    let effects = chars(&mut app, "f");
    run(&fx, &mut app, &mut events, effects).await;
    let form = app
        .dialog::<sysman::panes::run_command::send::SendForm>()
        .expect("the send form opens");
    assert_eq!(form.targets, "tag:Role=db");
}

/// Defect 2: `R` on a node that lost its connection warns first.
#[tokio::test]
async fn run_on_a_lost_node_warns_first() {
    let fx = Fixture::new(500, 1).await;
    let (mut app, _events) = app_at(&fx, (120, 40), false).await;
    app.settle();
    chars(&mut app, "/ConnectionLost");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Esc));
    app.settle();
    let lost = app.panes.fleet.selected_id().unwrap();
    chars(&mut app, "/");
    chars(&mut app, &lost);
    app.update(key(KeyCode::Enter));
    chars(&mut app, "R");
    let chooser = screen(&mut app);
    assert!(chooser.contains("lost its connection"), "{chooser}");
}

/// Defect 6: the help was cut ("compare the selected version with the
/// curren"). Descriptions wrap; none is cut at 80x24.
#[tokio::test]
async fn the_help_shows_every_description_whole_at_80_columns() {
    use sysman_api::parameters::PutParameter;
    let fx = Fixture::new(10, 7).await;
    let put = PutParameter {
        name: "/app/web/url".into(),
        value: "https://shop.example".into(),
        r#type: Some("String".parse().unwrap()),
        ..PutParameter::default()
    };
    fx.backend.call(&Caller::admin("ops"), put).await.unwrap();
    let (mut app, mut events) = app_at(&fx, (80, 24), false).await;
    open(&fx, &mut app, &mut events, "params").await;
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    app.update(key(KeyCode::Char('?')));
    let help = screen(&mut app);
    // Wrapped text is read line by line: join the help's lines.
    let text: String = help
        .lines()
        .map(|l| l.trim_matches('"').trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("compare the selected version with the current one"),
        "{help}"
    );
}

/// Defect 6: `enter` on a patch did nothing. It opens the patch's details.
#[tokio::test]
async fn enter_on_a_patch_opens_its_details() {
    let fx = Fixture::patched(60, 7).await;
    let (mut app, mut events) = app_at(&fx, (120, 40), false).await;
    open(&fx, &mut app, &mut events, "patch").await;
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    let patch = app
        .panes
        .patch
        .matrix
        .as_ref()
        .and_then(|m| m.selected())
        .expect("a baseline's patches are shown")
        .patch
        .clone();
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains(&format!(
            "Patch {}",
            patch.kb_number.as_deref().unwrap_or(&patch.id)
        )) && shown.contains("Classification")
            && shown.contains("Deployment"),
        "{shown}"
    );
    app.update(key(KeyCode::Esc));
    assert!(app.layer.is_none());
    assert!(
        app.panes.patch.matrix.is_some(),
        "esc closes the details only"
    );
}

/// Defect 6: on AWS-RunPatchBaseline's page a long parameter name ran
/// into its type ("InstallOverrideListString").
#[tokio::test]
async fn a_long_parameter_name_does_not_run_into_its_type() {
    let fx = Fixture::new(5, 4).await;
    let (mut app, mut events) = app_at(&fx, (80, 24), false).await;
    open(&fx, &mut app, &mut events, "docs AWS-RunPatchBaseline").await;
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    let shown = screen(&mut app);
    let line = shown
        .lines()
        .find(|l| l.contains("InstallOverrideList"))
        .unwrap_or_else(|| panic!("the parameter is listed in\n{shown}"));
    assert!(line.contains("InstallOverrideList String"), "{line}");
}

/// Issue 15, filtering: `/mi-817f` kept 14 nodes and the one whose ID
/// starts so was not first; the count of matches was nowhere.
#[tokio::test]
async fn part_of_a_node_id_puts_that_node_first_and_counts_the_matches() {
    let fx = Fixture::new(500, 1).await;
    let (mut app, _events) = app_at(&fx, (80, 24), false).await;
    app.settle();
    // The node sorted last by ID: any other match would come before it.
    let fleet = &app.panes.fleet;
    let last = fleet.rows[*fleet.table.order.last().unwrap()]
        .node
        .info
        .instance_id
        .clone();
    chars(&mut app, &format!("/{}", &last[..7]));
    let shown = screen(&mut app);
    let fleet = &app.panes.fleet;
    assert_eq!(
        fleet.selected_id().as_deref(),
        Some(last.as_str()),
        "{shown}"
    );
    let count = format!("{} of 500", fleet.table.order.len());
    let filter_line = shown.lines().rev().nth(1).unwrap();
    assert!(filter_line.contains(&count), "{shown}");
    app.update(key(KeyCode::Enter));
    assert!(screen(&mut app).contains(&count), "the count stays");

    // Cleared, the table is in its sort again, the node last.
    app.update(key(KeyCode::Esc));
    app.settle();
    let fleet = &app.panes.fleet;
    assert_eq!(fleet.table.order.len(), 500);
    let now_last = &fleet.rows[*fleet.table.order.last().unwrap()];
    assert_eq!(now_last.node.info.instance_id, last);
}

/// Issue 15, filtering: `web prod` kept a staging database, its letters
/// picked out of several columns and its tags.
#[tokio::test]
async fn words_match_what_a_row_shows_within_one_column() {
    let fx = Fixture::new(500, 1).await;
    let (mut app, _events) = app_at(&fx, (120, 40), false).await;
    app.settle();
    chars(&mut app, "/web prod");
    app.settle();
    let fleet = &app.panes.fleet;
    assert!(!fleet.table.order.is_empty());
    for &i in &fleet.table.order {
        let row = &fleet.rows[i];
        assert!(
            row.role == "web" && row.env == "prod",
            "{} ({} {}) matches `web prod`",
            row.name,
            row.env,
            row.role
        );
    }
}

/// Defect 1, found again in the patch approval journey: nodes reported
/// while a baseline's patches were open, the list re-sorted by the new
/// counts, and the cursor kept its place instead of its patch, so the
/// next `space` selected another one.
#[tokio::test]
async fn new_patch_counts_keep_the_cursor_on_the_same_patch() {
    let mut fx = Fixture::patched(60, 7).await;
    let (mut app, mut events) = app_at(&fx, (120, 40), false).await;
    open(&fx, &mut app, &mut events, "patch").await;
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    for _ in 0..4 {
        app.update(key(KeyCode::Down));
    }
    app.settle();
    let matrix = app.panes.patch.matrix.as_ref().expect("the matrix opens");
    let before = matrix.selected().unwrap().patch.id.clone();
    let order_before: Vec<usize> = matrix.table.order.clone();

    let group = sysman_api::Target {
        key: "tag:PatchGroup".into(),
        values: vec!["prod-linux".into()],
    };
    fx.run_patch_baseline(vec![group], "Install").await;
    run(&fx, &mut app, &mut events, Vec::new()).await;
    let matrix = app.panes.patch.matrix.as_ref().unwrap();
    assert_ne!(matrix.table.order, order_before, "the counts re-sorted it");
    assert_eq!(matrix.selected().unwrap().patch.id, before);
}
