//! Issue 15's friction list, as the key flows a new user tried: each test
//! asserts what they expected to see.

mod support;

use std::collections::BTreeMap;

use ratatui::crossterm::event::KeyCode;
use support::{ctrl, key, open, press, run, screen};
use sysman::fixture::Fixture;
use sysman::panes::fleet::FleetView;
use sysman_api::Target;
use sysman_api::commands::{CommandStatus, SendCommand};
use sysman_api::compliance::ComplianceStatus;
use sysman_api::fleet::PlatformType;

/// A node's details show its name, its patch state and missing patches,
/// its compliance by type and its recent commands, not only what the
/// list already showed.
#[tokio::test]
async fn a_nodes_details_show_its_patches_compliance_and_commands() {
    let fx = Fixture::patched(30, 7).await;
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((120, 40), "dark", false).await;
    run(&fx, &mut app, &mut events, Vec::new()).await;
    // A node the scan found patches missing on.
    let (node, name) = {
        let fleet = &app.panes.fleet;
        let row = fleet
            .rows
            .iter()
            .find(|r| r.name.starts_with("web-prod"))
            .expect("the fixture has web nodes");
        (row.node.info.instance_id.clone(), row.name.clone())
    };
    open(&fx, &mut app, &mut events, &format!("fleet {node}")).await;
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    assert!(
        matches!(&app.panes.fleet.view, FleetView::Node { instance_id, .. } if *instance_id == node)
    );
    let shown = screen(&mut app);
    assert!(
        shown.contains(&format!("Name              {name}")),
        "{shown}"
    );
    for expected in [
        "Patches",
        "Scan by pb-",
        "installed",
        "missing",
        "Compliance",
        "Patch ",
        "  Important", // a missing patch, by severity
        "Recent commands",
        "AWS-RunPatchBaseline",
        "Success",
    ] {
        assert!(shown.contains(expected), "{expected:?} in\n{shown}");
    }

    // At 80 columns the report follows the fields, a scroll away.
    app.size = (80, 24);
    let shown = screen(&mut app);
    assert!(shown.contains("Instance ID") && !shown.contains("Recent commands"));
    assert!(
        shown.contains("j/↓ more: patches"),
        "the fold is marked: {shown}"
    );
    for _ in 0..40 {
        app.update(key(KeyCode::Char('j')));
    }
    let shown = screen(&mut app);
    assert!(shown.contains("Recent commands"), "{shown}");
    // Scrolling stops with the last line at the bottom, not past it.
    let lines: Vec<&str> = shown.lines().collect();
    let last_inside = lines[lines.len() - 3];
    assert!(last_inside.contains("AWS-RunPatchBaseline"), "{shown}");
    assert!(!shown.contains("j/↓ more"), "nothing more below: {shown}");
    app.update(key(KeyCode::Char('k')));
    let up_one = screen(&mut app);
    assert_ne!(up_one, shown, "k scrolls back at once");
}

/// A command whose only failures are nodes that cannot run its document
/// says so, instead of a bare red "Failed".
#[tokio::test]
async fn a_command_failed_only_by_undeliverable_nodes_says_why() {
    let mut fx = Fixture::new(60, 7).await;
    let send = SendCommand {
        targets: Some(vec![Target {
            key: "tag:Environment".into(),
            values: vec!["prod".into(), "staging".into(), "dev".into()],
        }]),
        document_name: "AWS-RunPowerShellScript".into(),
        parameters: Some(BTreeMap::from([(
            "commands".to_owned(),
            vec!["Get-Date".to_owned()],
        )])),
        max_concurrency: Some("100%".into()),
        max_errors: Some("100%".into()),
        ..SendCommand::default()
    };
    let command = fx.run_command(send).await;
    assert_eq!(command.status, CommandStatus::Failed);
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((120, 40), "dark", false).await;
    open(&fx, &mut app, &mut events, "run").await;
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    // PowerShell runs on the Windows nodes only.
    let others = app
        .panes
        .fleet
        .rows
        .iter()
        .filter(|r| r.node.info.platform_type != Some(PlatformType::Windows))
        .count();
    assert!(others > 0 && others < 60, "the fleet mixes platforms");
    for size in [(120, 40), (80, 24)] {
        app.size = size;
        let shown = screen(&mut app);
        let expected = format!("{others} Undeliverable, unsupported platform");
        let status = shown.lines().find(|l| l.contains("Status")).unwrap();
        assert!(status.contains(&expected), "{expected:?} in\n{shown}");
    }
}

/// `a` lists the compliant nodes too, and `enter` on one browses its
/// items, not only the non-compliant nodes'.
#[tokio::test]
async fn compliant_nodes_can_be_listed_and_browsed() {
    let fx = Fixture::patched(40, 7).await;
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((120, 40), "dark", false).await;
    open(&fx, &mut app, &mut events, "compliance").await;
    let pane = &app.panes.compliance;
    assert!(
        pane.rows
            .iter()
            .all(|r| r.item.status == ComplianceStatus::NonCompliant)
    );
    let only_bad = pane.rows.len();
    assert!(screen(&mut app).contains("Non-compliant nodes ["));

    press(&fx, &mut app, &mut events, KeyCode::Char('a')).await;
    let pane = &app.panes.compliance;
    let compliant = pane
        .rows
        .iter()
        .filter(|r| r.item.status == ComplianceStatus::Compliant)
        .count();
    assert!(compliant > 0, "the fixture has compliant nodes");
    assert_eq!(pane.rows.len(), only_bad + compliant);
    let shown = screen(&mut app);
    assert!(shown.contains("Nodes, compliant too ["), "{shown}");
    assert!(shown.contains("COMPLIANT"), "{shown}");

    // Worst first: the compliant rows come after the others.
    press(&fx, &mut app, &mut events, KeyCode::End).await;
    let last = app.panes.compliance.selected().unwrap().item.clone();
    assert_eq!(last.status, ComplianceStatus::Compliant);
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    let node = app.panes.compliance.node.as_ref().expect("enter opens it");
    assert_eq!(node.resource_id, last.resource_id);
    assert!(!node.rows.is_empty(), "its items are listed");
    assert!(
        node.rows
            .iter()
            .any(|r| r.item.status == ComplianceStatus::Compliant)
    );

    // And `a` again lists only the non-compliant ones.
    press(&fx, &mut app, &mut events, KeyCode::Esc).await;
    press(&fx, &mut app, &mut events, KeyCode::Char('a')).await;
    assert_eq!(app.panes.compliance.rows.len(), only_bad);
}

/// `enter` on an activation shows it whole: every tag, uncut, and the
/// nodes that registered with it; a wide list shows the tags whole.
#[tokio::test]
async fn an_activation_opens_whole_and_its_tags_are_not_cut() {
    let fx = Fixture::new(30, 7).await;
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((80, 24), "dark", false).await;
    open(&fx, &mut app, &mut events, "activations").await;
    let activation = app.panes.activations.selected().unwrap().clone();
    // Where there is room, the list shows the tags whole.
    app.size = (200, 40);
    let shown = screen(&mut app);
    let tags: Vec<String> = activation
        .tags
        .iter()
        .map(|t| format!("{}={}", t.key, t.value))
        .collect();
    assert!(!tags.is_empty(), "the fixture tags its activations");
    assert!(shown.contains(&tags.join(" ")), "{shown}");
    app.size = (80, 24);

    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    let registered = app
        .panes
        .fleet
        .rows
        .iter()
        .filter(|r| r.node.info.activation_id.as_deref() == Some(&activation.activation_id))
        .count();
    let shown = screen(&mut app);
    assert!(
        shown.contains(&format!("Nodes registered with it ({registered})")),
        "{shown}"
    );
    assert!(shown.contains(&format!(
        "{} of {}",
        activation.registrations_count, activation.registration_limit
    )));
    for tag in &activation.tags {
        assert!(shown.contains(&tag.value), "{} in\n{shown}", tag.value);
    }
    assert_eq!(app.breadcrumbs().last(), Some(&activation.activation_id));
    press(&fx, &mut app, &mut events, KeyCode::Esc).await;
    assert!(app.panes.activations.detail.is_none());
}

/// `d` describes the row under the cursor, every field as YAML, as k9s
/// does; `y` shows JSON as the `aws` CLI prints it; `esc` returns.
#[tokio::test]
async fn d_describes_the_row_and_y_toggles_json() {
    let fx = Fixture::patched(20, 7).await;
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((120, 40), "dark", false).await;
    run(&fx, &mut app, &mut events, Vec::new()).await;
    let node = app.panes.fleet.selected_id().unwrap();
    press(&fx, &mut app, &mut events, KeyCode::Char('d')).await;
    let shown = screen(&mut app);
    assert!(shown.contains(&format!("{node} (YAML)")), "{shown}");
    assert!(shown.contains(&format!("InstanceId: {node}")), "{shown}");
    assert!(shown.contains("PingStatus: Online"), "{shown}");
    assert!(
        shown.contains("LastPingDateTime: \"2026-"),
        "times as ISO 8601: {shown}"
    );
    assert!(
        !shown.contains("PLATFORM"),
        "the list does not show through: {shown}"
    );
    press(&fx, &mut app, &mut events, KeyCode::Char('y')).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains(&format!("\"InstanceId\": \"{node}\"")),
        "{shown}"
    );
    press(&fx, &mut app, &mut events, KeyCode::Esc).await;
    assert!(app.layer.is_none());
    assert!(!screen(&mut app).contains("(JSON)"));

    // In every pane with rows, the row under the cursor.
    for (pane, expected) in [
        ("run", "DocumentName: AWS-RunPatchBaseline"),
        ("docs", "Name: AWS-"),
        ("patch", "BaselineId: "),
        ("compliance", "ComplianceType: "),
        ("activations", "ActivationId: "),
    ] {
        open(&fx, &mut app, &mut events, pane).await;
        press(&fx, &mut app, &mut events, KeyCode::Char('d')).await;
        let shown = screen(&mut app);
        assert!(shown.contains(expected), "{pane}: {expected:?} in\n{shown}");
        press(&fx, &mut app, &mut events, KeyCode::Esc).await;
    }
}

/// k9s habits in every table: a shift-letter sorts by the column whose
/// title starts with it (again: the next such column, or reversed);
/// `ctrl-w` adds the wide columns, which a 200-column terminal shows
/// anyway instead of padding NAME.
#[tokio::test]
async fn shift_letters_sort_and_ctrl_w_adds_the_wide_columns() {
    let fx = Fixture::new(40, 7).await;
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((120, 40), "dark", false).await;
    run(&fx, &mut app, &mut events, Vec::new()).await;
    let names = |app: &mut sysman::app::App| -> Vec<String> {
        app.settle();
        let fleet = &app.panes.fleet;
        fleet
            .table
            .order
            .iter()
            .map(|&i| fleet.rows[i].name.clone())
            .collect()
    };
    press(&fx, &mut app, &mut events, KeyCode::Char('N')).await;
    let by_name = names(&mut app);
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted);
    assert!(screen(&mut app).contains("NAME▲"));
    press(&fx, &mut app, &mut events, KeyCode::Char('N')).await;
    assert!(screen(&mut app).contains("NAME▼"), "N again reverses");
    press(&fx, &mut app, &mut events, KeyCode::Char('P')).await;
    assert!(screen(&mut app).contains("PLATFORM▲"));
    press(&fx, &mut app, &mut events, KeyCode::Char('P')).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("PING▲"),
        "P again: the next P column\n{shown}"
    );

    assert!(!screen(&mut app).contains("PATCH GROUP"));
    app.update(ctrl('w'));
    let shown = screen(&mut app);
    assert!(
        shown.contains("PATCH GROUP") && shown.contains("COMPUTER NAME"),
        "{shown}"
    );
    app.update(ctrl('w'));
    app.size = (200, 50);
    let shown = screen(&mut app);
    assert!(
        shown.contains("PATCH GROUP") && shown.contains("REGISTERED"),
        "{shown}"
    );
}

/// A command that sits at 97% says which nodes it still waits on, by
/// name and state, instead of a bare InProgress.
#[tokio::test]
async fn a_running_command_names_the_few_nodes_it_waits_on() {
    let fx = Fixture::new(10, 7).await;
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((120, 40), "dark", false).await;
    let row = app
        .panes
        .fleet
        .rows
        .iter()
        .find(|r| r.node.info.platform_type == Some(PlatformType::Linux))
        .unwrap()
        .clone();
    let send = SendCommand {
        instance_ids: Some(vec![row.node.info.instance_id.clone()]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(BTreeMap::from([(
            "commands".to_owned(),
            vec!["sleep 600".to_owned()],
        )])),
        ..SendCommand::default()
    };
    fx.backend
        .call(&sysman_backend::Caller::admin("ops"), send)
        .await
        .unwrap();
    open(&fx, &mut app, &mut events, "run").await;
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    let shown = screen(&mut app);
    let status = shown.lines().find(|l| l.contains("Status")).unwrap();
    assert!(
        status.contains(&format!("waiting on {} (", row.name)),
        "{shown}"
    );
}

/// The patch approval journey: `/Critical`, then `v` offered the six
/// Critical patches although five were approved already. "not yet
/// approved" selects only the shown patches an approval would change.
#[tokio::test]
async fn select_by_offers_the_shown_patches_not_yet_approved() {
    let fx = Fixture::patched(60, 7).await;
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((120, 40), "dark", false).await;
    open(&fx, &mut app, &mut events, "patch").await;
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    app.update(key(KeyCode::Char('v')));
    let chooser = app
        .dialog::<sysman::panes::patch::approval::SelectBy>()
        .expect("v opens the chooser");
    let at = chooser
        .entries
        .iter()
        .position(|(c, _)| c.name() == "not yet approved")
        .expect("the chooser offers it");
    let offered = chooser.entries[at].1;
    assert!(screen(&mut app).contains("not yet approved"));
    for _ in 0..at {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::Enter));
    let m = app.panes.patch.matrix.as_ref().unwrap();
    let expected: std::collections::BTreeSet<String> = m
        .rows
        .iter()
        .filter(|r| !r.deployment.approved())
        .map(|r| r.patch.id.clone())
        .collect();
    assert!(!expected.is_empty() && expected.len() < m.rows.len());
    assert_eq!(m.marked, expected);
    assert_eq!(offered, expected.len());
}

/// The patch approval journey: `n` on a patch group copied whatever
/// baseline the other list's cursor was on (AlmaLinux's, for a group of
/// Amazon Linux nodes). From a group it starts from the default baseline
/// of the OS most of the group's nodes patch by for want of their own.
#[tokio::test]
async fn a_new_baseline_from_a_group_copies_its_nodes_os_default() {
    let fx = Fixture::patched(60, 7).await;
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((120, 40), "dark", false).await;
    open(&fx, &mut app, &mut events, "patch").await;
    // The journey's trap: the baselines' cursor on AlmaLinux's.
    let pane = &app.panes.patch;
    let alma = pane
        .baseline_table
        .order
        .iter()
        .position(|&i| pane.baselines[i].identity.operating_system == "ALMA_LINUX")
        .unwrap();
    for _ in 0..alma {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::Tab));
    app.settle();
    let pane = &app.panes.patch;
    let at = pane
        .group_table
        .order
        .iter()
        .position(|&i| {
            let g = &pane.groups[i];
            !g.ungrouped
                && !g.by_default.is_empty()
                && g.by_default.iter().all(|(os, _)| os != "ALMA_LINUX")
        })
        .expect("a group patches by the OS defaults");
    let group = pane.groups[pane.group_table.order[at]].clone();
    let (os, _) = group
        .by_default
        .iter()
        .max_by_key(|(_, n)| *n)
        .unwrap()
        .clone();
    for _ in 0..at {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::Char('n')));
    let form = app
        .dialog::<sysman::panes::patch::create::BaselineForm>()
        .expect("n opens the form");
    let source = form.source.as_ref().expect("it copies a baseline");
    assert_eq!(source.operating_system, os);
    assert!(source.name.starts_with("AWS-"), "{}", source.name);
    assert_eq!(form.group.text(), group.name);
}

/// The Run Command journey: `:run shell` opened the picker searching for
/// it, as it should, under a red "The specified document does not exist".
#[tokio::test]
async fn run_with_part_of_a_name_opens_the_picker_without_an_error() {
    let fx = Fixture::new(10, 7).await;
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((120, 40), "dark", false).await;
    open(&fx, &mut app, &mut events, "run shell").await;
    assert!(
        app.dialog::<sysman::panes::run_command::send::SendForm>()
            .is_some()
    );
    let status = app.status.as_ref().expect("the status says what happened");
    assert!(!status.error, "{}", status.text);
    assert_eq!(status.text, "no document is named shell: pick one");
}
