//! The Patch Manager pane as an operator uses it: the baselines and patch
//! groups, a baseline's matrix, keyboard approval through a preview, and
//! scans and installs through the Run Command form — over a simulated
//! fleet whose nodes really scan (AWS-RunPatchBaseline) on a manual clock.

mod support;

use std::collections::BTreeSet;

use ratatui::crossterm::event::KeyCode;
use support::{SIZES, chars, ctrl, key, open, press, run, screen};
use sysman::app::{App, Effect, Layer};
use sysman::fixture::Fixture;
use sysman::panes::PaneId;
use sysman::panes::patch::Focus;
use sysman::panes::patch::approval::Verdict;
use sysman::panes::patch::matrix::Deployment;
use sysman::panes::run_command::send::Stage;
use sysman_api::commands::{CommandStatus, ListCommands, SendCommand};
use sysman_api::fleet::RemoveTagsFromResource;
use sysman_api::patch::{GetPatchBaseline, PatchBaselineDescription, UpdatePatchBaseline};
use sysman_backend::{Caller, Event};
use tokio::sync::broadcast::Receiver;

/// The fleet of every Patch Manager test: 60 nodes, scanned.
async fn fleet() -> Fixture {
    Fixture::patched(60, 7).await
}

/// A console at `size` on `:patch`.
async fn patch_app(fx: &Fixture, size: (u16, u16), readonly: bool) -> (App, Receiver<Event>) {
    let mut events = fx.backend.subscribe();
    let mut app = fx.app(size, "dark", readonly).await;
    open(fx, &mut app, &mut events, "patch").await;
    assert_eq!(app.pane, PaneId::Patch);
    (app, events)
}

/// The baseline `prod-linux`, as the backend has it now.
async fn prod_linux(fx: &Fixture, app: &App) -> PatchBaselineDescription {
    let id = app
        .panes
        .patch
        .baselines
        .iter()
        .find(|b| b.identity.baseline_name == "prod-linux")
        .expect("the fixture's baseline is listed")
        .identity
        .baseline_id
        .clone();
    fx.backend
        .call(&Caller::admin("test"), GetPatchBaseline { baseline_id: id })
        .await
        .unwrap()
}

/// Opens the baseline under the cursor (our own, listed first).
async fn open_matrix(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>) {
    press(fx, app, events, KeyCode::Enter).await;
    let m = app.panes.patch.matrix.as_ref().expect("the matrix opens");
    assert!(m.loaded(), "{:?}", m.error);
}

#[tokio::test]
async fn baselines_matrix_and_preview_at_both_sizes() {
    let fx = fleet().await;
    for size in SIZES {
        let (mut app, mut events) = patch_app(&fx, size, false).await;
        let list = screen(&mut app);
        assert!(
            list.contains("Patch baselines [16]")
                && list.contains("prod-linux")
                && list.contains("Patch groups [8]"),
            "{list}"
        );
        insta::assert_snapshot!(format!("patch_baselines_{}x{}", size.0, size.1), list);

        open_matrix(&fx, &mut app, &mut events).await;
        let matrix = screen(&mut app);
        assert!(
            matrix.contains("Baseline prod-linux · AMAZON_LINUX_2023")
                && matrix.contains("reporting in prod-linux")
                && matrix.contains("MISSING"),
            "{matrix}"
        );
        insta::assert_snapshot!(format!("patch_matrix_{}x{}", size.0, size.1), matrix);

        app.update(key(KeyCode::Char('v')));
        let chooser = screen(&mut app);
        assert!(chooser.contains("Select patches by"), "{chooser}");
        insta::assert_snapshot!(format!("patch_select_by_{}x{}", size.0, size.1), chooser);

        // Two patches pending approval that nodes lack: the second and
        // third rows.
        app.update(key(KeyCode::Esc));
        for c in ['j', ' ', ' '] {
            app.update(key(KeyCode::Char(c)));
        }
        app.update(key(KeyCode::Char('a')));
        let Some(approval) = app.dialog::<sysman::panes::patch::approval::Approval>() else {
            panic!("the preview opens: {:?}", app.layer)
        };
        assert!(
            approval
                .headline
                .starts_with("Approve 2 patches on baseline prod-linux: krb5-libs")
                && approval
                    .headline
                    .ends_with("lack them and will install them at the next Install."),
            "{}",
            approval.headline
        );
        let preview = screen(&mut app);
        assert!(preview.contains("Approve patches"), "{preview}");
        insta::assert_snapshot!(format!("patch_preview_{}x{}", size.0, size.1), preview);
    }
}

#[tokio::test]
async fn approving_by_severity_lists_exactly_the_chosen_patches() {
    let fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), false).await;
    open_matrix(&fx, &mut app, &mut events).await;
    assert!(
        prod_linux(&fx, &app)
            .await
            .approved_patches
            .unwrap_or_default()
            .is_empty()
    );

    // v, then Important: every shown Important patch.
    app.update(key(KeyCode::Char('v')));
    let Some(chooser) = app.dialog::<sysman::panes::patch::approval::SelectBy>() else {
        panic!("the chooser opens: {:?}", app.layer)
    };
    let important = chooser
        .entries
        .iter()
        .position(|(c, _)| c.name() == "Important")
        .expect("some patch is Important");
    for _ in 0..important {
        app.update(key(KeyCode::Char('j')));
    }
    app.update(key(KeyCode::Enter));
    let m = app.panes.patch.matrix.as_ref().unwrap();
    let chosen: BTreeSet<String> = m.marked.clone();
    let expected: BTreeSet<String> = m
        .rows
        .iter()
        .filter(|r| r.severity() == "Important")
        .map(|r| r.patch.id.clone())
        .collect();
    assert_eq!(chosen, expected);
    assert!(!chosen.is_empty() && chosen.len() <= 50, "{}", chosen.len());
    assert!(screen(&mut app).contains(&format!("{} selected", chosen.len())));

    // a: the preview says what will change, and nothing has yet.
    app.update(key(KeyCode::Char('a')));
    let Some(preview) = app.dialog::<sysman::panes::patch::approval::Approval>() else {
        panic!("the preview opens: {:?}", app.layer)
    };
    assert_eq!(preview.verdict, Verdict::Approve);
    assert!(
        preview.headline.starts_with(&format!(
            "Approve {} patches on baseline prod-linux: ",
            chosen.len()
        )),
        "{}",
        preview.headline
    );
    assert!(
        preview
            .headline
            .contains("nodes in prod-linux lack them and will install them at the next Install"),
        "{}",
        preview.headline
    );
    assert!(
        prod_linux(&fx, &app)
            .await
            .approved_patches
            .unwrap_or_default()
            .is_empty()
    );

    // y: UpdatePatchBaseline with exactly those patches.
    let effects = app.update(key(KeyCode::Char('y')));
    assert!(
        matches!(effects.as_slice(), [Effect::Call(c)] if c.job::<UpdatePatchBaseline>().is_some()),
        "{effects:?}"
    );
    run(&fx, &mut app, &mut events, effects).await;
    let approved: BTreeSet<String> = prod_linux(&fx, &app)
        .await
        .approved_patches
        .unwrap_or_default()
        .into_iter()
        .collect();
    assert_eq!(approved, chosen);
    let shown = screen(&mut app);
    assert!(
        shown.contains(&format!("approved {} patches on prod-linux", chosen.len())),
        "{shown}"
    );
    let m = app.panes.patch.matrix.as_ref().unwrap();
    assert!(m.marked.is_empty(), "the selection is spent");
    // The event reloaded the matrix: the patches are listed now.
    for row in m.rows.iter().filter(|r| chosen.contains(&r.patch.id)) {
        assert_eq!(
            row.deployment,
            Deployment::ExplicitApproved,
            "{}",
            row.patch.id
        );
    }
}

#[tokio::test]
async fn rejecting_asks_first_and_n_cancels() {
    let fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), false).await;
    open_matrix(&fx, &mut app, &mut events).await;
    let first = app.panes.patch.matrix.as_ref().unwrap().selected().unwrap();
    let id = first.patch.id.clone();

    // x on the row under the cursor: a preview, then n changes nothing.
    assert!(app.update(key(KeyCode::Char('x'))).is_empty());
    let Some(preview) = app.dialog::<sysman::panes::patch::approval::Approval>() else {
        panic!("reject asks first: {:?}", app.layer)
    };
    assert_eq!(preview.verdict, Verdict::Reject);
    assert!(
        preview
            .headline
            .starts_with("Reject 1 patch on baseline prod-linux: "),
        "{}",
        preview.headline
    );
    let shown = screen(&mut app);
    assert!(
        shown.contains("y reject") && shown.contains("n / esc cancel"),
        "{shown}"
    );
    assert!(app.update(key(KeyCode::Char('n'))).is_empty());
    assert!(app.layer.is_none());
    assert_eq!(app.status.as_ref().unwrap().text, "nothing changed");
    assert!(
        prod_linux(&fx, &app)
            .await
            .rejected_patches
            .unwrap_or_default()
            .is_empty()
    );

    // x and y reject it.
    app.update(key(KeyCode::Char('x')));
    let effects = app.update(key(KeyCode::Char('y')));
    run(&fx, &mut app, &mut events, effects).await;
    assert_eq!(
        prod_linux(&fx, &app).await.rejected_patches,
        Some(vec![id.clone()])
    );
    let row = app
        .panes
        .patch
        .matrix
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .find(|r| r.patch.id == id)
        .unwrap();
    assert_eq!(row.deployment, Deployment::ExplicitRejected);
}

#[tokio::test]
async fn an_aws_baseline_says_plainly_that_it_cannot_be_changed() {
    let fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), false).await;
    chars(&mut app, "/AmazonLinux2023");
    app.update(key(KeyCode::Enter));
    open_matrix(&fx, &mut app, &mut events).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("AWS-AmazonLinux2023DefaultPatchBaseline") && shown.contains("predefined"),
        "{shown}"
    );
    app.update(key(KeyCode::Char('a')));
    assert!(app.layer.is_none());
    let status = app.status.clone().unwrap();
    assert!(status.error, "{status:?}");
    assert!(
        status.text.contains("owned by AWS") && status.text.contains("cannot be changed"),
        "{}",
        status.text
    );
}

#[tokio::test]
async fn read_only_hides_approve_reject_scan_and_install() {
    let fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), true).await;
    let list = screen(&mut app);
    assert!(
        !list.contains("s scan") && !list.contains("i install"),
        "{list}"
    );
    open_matrix(&fx, &mut app, &mut events).await;
    let matrix = screen(&mut app);
    assert!(
        matrix.contains("space select")
            && !matrix.contains("a approve")
            && !matrix.contains("x reject")
            && matrix.contains("read-only"),
        "{matrix}"
    );
    app.update(key(KeyCode::Char('?')));
    let help = screen(&mut app);
    assert!(
        help.contains("select or unselect the patch")
            && !help.contains("approve selected")
            && !help.contains("reject selected")
            && !help.contains("install approved"),
        "{help}"
    );
    app.update(key(KeyCode::Esc));
    for c in ['a', 'x', 'i', 's'] {
        assert!(app.update(key(KeyCode::Char(c))).is_empty());
        assert!(app.layer.is_none(), "{c}: {:?}", app.layer);
        assert!(app.status.as_ref().unwrap().text.contains("read-only"));
    }
}

/// Moves to the patch group `name` in the groups list.
fn focus_group(app: &mut App, name: &str) {
    app.update(key(KeyCode::Tab));
    assert_eq!(app.panes.patch.focus, Focus::Groups);
    chars(app, &format!("/{name}"));
    app.update(key(KeyCode::Enter));
    app.settle();
    assert_eq!(app.panes.patch.selected_group().unwrap().name, name);
}

#[tokio::test]
async fn scan_now_sends_the_patch_command_with_the_concurrency_given() {
    let mut fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), false).await;
    focus_group(&mut app, "prod-linux");
    press(&fx, &mut app, &mut events, KeyCode::Char('s')).await;
    let Some(form) = app.dialog::<sysman::panes::run_command::send::SendForm>() else {
        panic!("the form opens: {:?}", app.layer)
    };
    assert_eq!(form.stage, Stage::Editing);
    assert_eq!(form.targets, "tag:PatchGroup=prod-linux");
    assert_eq!(form.concurrency, "20%");
    let shown = screen(&mut app);
    assert!(
        shown.contains("Scan for missing patches")
            && shown.contains("→ 27 nodes")
            && !shown.contains("RebootOption")
            && !shown.contains("SnapshotId"),
        "{shown}"
    );
    insta::assert_snapshot!("patch_scan_form_120x40", shown);

    // To the concurrency, 5 at a time, review, send.
    app.update(key(KeyCode::Tab));
    app.update(ctrl('u'));
    chars(&mut app, "5");
    app.update(key(KeyCode::Enter));
    let shown = screen(&mut app);
    assert!(
        shown.contains("Scan for missing patches on 27 nodes?") && shown.contains("5 at a time"),
        "{shown}"
    );
    let effects = app.update(key(KeyCode::Char('y')));
    let Some(Effect::Call(call)) = effects.first() else {
        panic!("y sends: {effects:?}")
    };
    let Some(send) = call.job::<SendCommand>() else {
        panic!("y sends: {effects:?}")
    };
    assert_eq!(send.max_concurrency.as_deref(), Some("5"));
    run(&fx, &mut app, &mut events, effects).await;

    // The command opens in Run Command and follows the scan live.
    assert_eq!(app.pane, PaneId::RunCommand);
    let id = app
        .panes
        .run_command
        .detail
        .as_ref()
        .unwrap()
        .command_id
        .clone();
    let admin = Caller::admin("test");
    let list = ListCommands {
        command_id: Some(id.clone()),
        ..ListCommands::default()
    };
    let command = fx
        .backend
        .call(&admin, list.clone())
        .await
        .unwrap()
        .commands
        .remove(0);
    assert_eq!(command.document_name, "AWS-RunPatchBaseline");
    assert_eq!(command.max_concurrency, "5");
    assert_eq!(command.parameters["Operation"], ["Scan"]);
    assert_eq!(command.targets[0].key, "tag:PatchGroup");
    assert_eq!(command.targets[0].values, ["prod-linux"]);
    assert_eq!(
        command.comment.as_deref(),
        Some("Patch Manager: Scan prod-linux")
    );

    for _ in 0..120 {
        fx.clock.advance(std::time::Duration::from_secs(10));
        fx.sim
            .step_until(sysman_backend::Clock::now(&fx.clock))
            .await
            .unwrap();
        app.update(sysman::app::Msg::Tick(sysman_backend::Clock::now(
            &fx.clock,
        )));
        run(&fx, &mut app, &mut events, Vec::new()).await;
        let c = app
            .panes
            .run_command
            .detail
            .as_ref()
            .unwrap()
            .command
            .clone()
            .unwrap();
        if c.status.is_terminal() {
            break;
        }
    }
    let detail = app.panes.run_command.detail.as_ref().unwrap();
    assert_eq!(
        detail.command.as_ref().unwrap().status,
        CommandStatus::Success
    );
    assert_eq!(detail.rows.len(), 27);
    let shown = screen(&mut app);
    assert!(shown.contains("27/27 (100%)"), "{shown}");

    // esc twice: back to Patch Manager, where the group reports anew.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.pane, PaneId::Patch);
}

#[tokio::test]
async fn install_now_offers_the_reboot_option() {
    let fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), false).await;
    focus_group(&mut app, "prod-linux");
    press(&fx, &mut app, &mut events, KeyCode::Char('i')).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("Install approved patches") && shown.contains("‹ RebootIfNeeded ›"),
        "{shown}"
    );
    // The reboot option is chosen, not typed.
    chars(&mut app, "zz");
    app.update(key(KeyCode::Char(' ')));
    let Some(form) = app.dialog::<sysman::panes::run_command::send::SendForm>() else {
        panic!("the form stays: {:?}", app.layer)
    };
    let reboot = form
        .params
        .iter()
        .find(|p| p.name == "RebootOption")
        .unwrap();
    assert_eq!(reboot.value, "NoReboot");
    app.update(key(KeyCode::Enter));
    let shown = screen(&mut app);
    assert!(
        shown.contains("Install approved patches on 27 nodes?")
            && shown.contains("RebootOption: NoReboot"),
        "{shown}"
    );
    let effects = app.update(key(KeyCode::Char('y')));
    let Some(Effect::Call(call)) = effects.first() else {
        panic!("y sends: {effects:?}")
    };
    let Some(send) = call.job::<SendCommand>() else {
        panic!("y sends: {effects:?}")
    };
    let parameters = send.parameters.clone().unwrap();
    assert_eq!(parameters["Operation"], ["Install"]);
    assert_eq!(parameters["RebootOption"], ["NoReboot"]);
    assert_eq!(send.max_errors.as_deref(), Some("10%"));
}

#[tokio::test]
async fn an_install_updates_the_groups_and_the_matrix_live() {
    let mut fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), false).await;
    let before = app
        .panes
        .patch
        .groups
        .iter()
        .find(|g| g.name == "prod-linux")
        .unwrap()
        .state
        .clone()
        .unwrap();
    assert!(before.instances_with_missing_patches > 0);
    open_matrix(&fx, &mut app, &mut events).await;
    let missing = |app: &App| -> i64 {
        app.panes
            .patch
            .matrix
            .as_ref()
            .unwrap()
            .rows
            .iter()
            .filter(|r| r.deployment.approved())
            .map(|r| r.missing())
            .sum()
    };
    assert!(missing(&app) > 0);

    let group = sysman_api::Target {
        key: "tag:PatchGroup".into(),
        values: vec!["prod-linux".into()],
    };
    let before_install = missing(&app);
    fx.run_patch_baseline(vec![group], "Install").await;
    run(&fx, &mut app, &mut events, Vec::new()).await;
    // The counts reloaded from the nodes' reports alone; only what failed
    // to install is still missing.
    assert!(missing(&app) < before_install, "{}", missing(&app));
    app.update(key(KeyCode::Esc));
    let after = app
        .panes
        .patch
        .groups
        .iter()
        .find(|g| g.name == "prod-linux")
        .unwrap()
        .state
        .clone()
        .unwrap();
    assert!(
        after.instances_with_missing_patches < before.instances_with_missing_patches,
        "{after:?}"
    );
}

#[tokio::test]
async fn enter_on_a_group_shows_its_nodes_in_the_fleet() {
    let fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), false).await;
    focus_group(&mut app, "prod-linux");
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    assert_eq!(app.pane, PaneId::Fleet);
    let shown = screen(&mut app);
    assert!(shown.contains("27 of 60"), "{shown}");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.pane, PaneId::Patch);
}

/// Selects the baseline called `name` in the baselines list.
fn select_baseline(app: &mut App, name: &str) {
    assert_eq!(app.panes.patch.focus, Focus::Baselines);
    chars(app, &format!("/{name}"));
    app.update(key(KeyCode::Enter));
    app.settle();
    assert_eq!(
        app.panes
            .patch
            .selected_baseline()
            .unwrap()
            .identity
            .baseline_name,
        name
    );
    // esc clears the filter; the cursor stays on it.
    app.update(key(KeyCode::Esc));
    app.settle();
    assert_eq!(
        app.panes
            .patch
            .selected_baseline()
            .unwrap()
            .identity
            .baseline_name,
        name
    );
}

const AWS_AL2023: &str = "AWS-AmazonLinux2023DefaultPatchBaseline";

#[tokio::test]
async fn the_new_baseline_form_at_both_sizes() {
    let fx = fleet().await;
    for size in SIZES {
        let (mut app, _events) = patch_app(&fx, size, false).await;
        select_baseline(&mut app, AWS_AL2023);
        focus_group(&mut app, "prod-linux");
        app.update(key(KeyCode::Char('n')));
        let Some(form) = app.dialog::<sysman::panes::patch::create::BaselineForm>() else {
            panic!("n opens the form: {:?}", app.layer)
        };
        assert_eq!(form.group, "prod-linux");
        assert_eq!(form.operating_system(), "AMAZON_LINUX_2023");
        assert!(form.copy);
        chars(&mut app, "prod al2023");
        let shown = screen(&mut app);
        assert!(
            shown.contains("New patch baseline")
                && shown.contains("' ' is not allowed")
                && shown.contains("prod-linux patches by prod-linux now"),
            "{shown}"
        );
        insta::assert_snapshot!(format!("patch_new_baseline_{}x{}", size.0, size.1), shown);
        app.update(key(KeyCode::Esc));
        assert!(app.layer.is_none());
        assert_eq!(app.status.as_ref().unwrap().text, "nothing created");
    }
}

#[tokio::test]
async fn a_new_baseline_copies_the_aws_default_and_approves_two_patches() {
    let fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), false).await;
    select_baseline(&mut app, AWS_AL2023);
    focus_group(&mut app, "prod-linux");
    app.update(key(KeyCode::Char('n')));
    chars(&mut app, "prod-al2023");
    // enter shows what saving will do, step by step; nothing is sent yet
    // (issue 15, defect 9).
    let effects = app.update(key(KeyCode::Enter));
    assert!(effects.is_empty(), "{effects:?}");
    let preview = screen(&mut app);
    assert!(
        preview.contains("Saving will:")
            && preview.contains("1. create prod-al2023 for AMAZON_LINUX_2023")
            && preview.contains("2. register it as patch group prod-linux's baseline")
            && preview.contains("replacing"),
        "{preview}"
    );
    // esc goes back to the fields; enter and y go ahead.
    app.update(key(KeyCode::Esc));
    assert!(!screen(&mut app).contains("Saving will:"));
    app.update(key(KeyCode::Enter));
    press(&fx, &mut app, &mut events, KeyCode::Char('y')).await;
    assert!(app.layer.is_none(), "{:?}", app.layer);
    let status = app.status.clone().unwrap();
    assert_eq!(
        status.text,
        "created baseline prod-al2023 for prod-linux: enter opens it"
    );
    assert_eq!(app.panes.patch.focus, Focus::Baselines);
    let created = app.panes.patch.selected_baseline().unwrap().clone();
    assert_eq!(created.identity.baseline_name, "prod-al2023");
    assert_eq!(created.groups, ["prod-linux"]);
    assert!(!created.aws);

    // The same rules as AWS's default: Critical and Important after 7 days.
    let admin = Caller::admin("test");
    let id = created.identity.baseline_id.clone();
    let get = |id: String| GetPatchBaseline { baseline_id: id };
    let ours = fx.backend.call(&admin, get(id.clone())).await.unwrap();
    let aws_id = app
        .panes
        .patch
        .baselines
        .iter()
        .find(|b| b.identity.baseline_name == AWS_AL2023)
        .unwrap()
        .identity
        .baseline_id
        .clone();
    let aws = fx.backend.call(&admin, get(aws_id)).await.unwrap();
    assert_eq!(ours.approval_rules, aws.approval_rules);
    assert_eq!(ours.global_filters, aws.global_filters);
    assert_eq!(ours.operating_system, "AMAZON_LINUX_2023");
    assert_eq!(ours.patch_groups, Some(vec!["prod-linux".to_owned()]));

    // Its matrix: the two worst patches nodes lack, chosen with space
    // (the 60-node fixture has no missing Critical one: Important, then).
    open_matrix(&fx, &mut app, &mut events).await;
    let m = app.panes.patch.matrix.as_ref().unwrap();
    assert_eq!(m.name, "prod-al2023");
    let worst = |r: &sysman::panes::patch::matrix::PatchRow| {
        sysman::panes::patch::matrix::severity_rank(r.severity())
    };
    let rank = m
        .shown()
        .filter(|r| r.missing() > 0)
        .map(worst)
        .min()
        .unwrap();
    assert!(rank <= 1, "{rank}");
    let positions: Vec<usize> = m
        .shown()
        .enumerate()
        .filter(|(_, r)| worst(r) == rank && r.missing() > 0)
        .map(|(i, _)| i)
        .take(2)
        .collect();
    assert_eq!(positions.len(), 2);
    let mut chosen = BTreeSet::new();
    for at in positions {
        app.update(key(KeyCode::Home));
        for _ in 0..at {
            app.update(key(KeyCode::Char('j')));
        }
        app.settle();
        let m = app.panes.patch.matrix.as_ref().unwrap();
        chosen.insert(m.selected().unwrap().patch.id.clone());
        app.update(key(KeyCode::Char(' ')));
    }
    assert_eq!(app.panes.patch.matrix.as_ref().unwrap().marked, chosen);

    // a: the preview counts exactly the nodes that lack either.
    press(&fx, &mut app, &mut events, KeyCode::Char('a')).await;
    let lacking = fx
        .backend
        .call(
            &admin,
            sysman_api::patch::DescribePatchCounts {
                patch_group: Some("prod-linux".into()),
                operating_system: None,
                patch_ids: Some(chosen.iter().cloned().collect()),
            },
        )
        .await
        .unwrap()
        .instances_lacking_any;
    assert!(lacking > 0);
    let Some(preview) = app.dialog::<sysman::panes::patch::approval::Approval>() else {
        panic!("the preview opens: {:?}", app.layer)
    };
    assert!(
        preview.headline.contains(&format!(
            "— {lacking} nodes in prod-linux lack them and will install them"
        )) && !preview.headline.contains("at least"),
        "{}",
        preview.headline
    );
    let effects = app.update(key(KeyCode::Char('y')));
    run(&fx, &mut app, &mut events, effects).await;
    let approved: BTreeSet<String> = fx
        .backend
        .call(&admin, get(id))
        .await
        .unwrap()
        .approved_patches
        .unwrap_or_default()
        .into_iter()
        .collect();
    assert_eq!(approved, chosen);
}

#[tokio::test]
async fn a_new_baseline_can_start_empty_and_list_patches_at_a_level() {
    let fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), false).await;
    select_baseline(&mut app, AWS_AL2023);
    focus_group(&mut app, "prod-linux");
    app.update(key(KeyCode::Char('n')));
    chars(&mut app, "prod-strict");
    // Name, OS, Patch group, Rules: start empty; Listed at: CRITICAL.
    for _ in 0..3 {
        app.update(key(KeyCode::Tab));
    }
    app.update(key(KeyCode::Char(' ')));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Char(' ')));
    app.update(key(KeyCode::Enter));
    press(&fx, &mut app, &mut events, KeyCode::Char('y')).await;
    assert!(app.layer.is_none(), "{:?}", app.layer);
    let id = app
        .panes
        .patch
        .selected_baseline()
        .unwrap()
        .identity
        .baseline_id
        .clone();
    let ours = fx
        .backend
        .call(&Caller::admin("test"), GetPatchBaseline { baseline_id: id })
        .await
        .unwrap();
    assert_eq!(ours.name, "prod-strict");
    assert!(
        ours.approval_rules
            .as_ref()
            .is_none_or(|r| r.patch_rules.is_empty()),
        "{:?}",
        ours.approval_rules
    );
    assert_eq!(
        ours.approved_patches_compliance_level.as_deref(),
        Some("CRITICAL")
    );
    assert_eq!(ours.patch_groups, Some(vec!["prod-linux".to_owned()]));
}

#[tokio::test]
async fn deleting_a_registered_baseline_shows_the_refusal_and_d_makes_a_default() {
    let fx = fleet().await;
    let (mut app, mut events) = patch_app(&fx, (120, 40), false).await;
    select_baseline(&mut app, "prod-linux");

    // ctrl-d asks first; n cancels.
    app.update(ctrl('d'));
    assert!(
        matches!(app.layer, Some(Layer::Confirm { .. })),
        "{:?}",
        app.layer
    );
    assert!(screen(&mut app).contains("Delete baseline prod-linux"));
    app.update(key(KeyCode::Char('n')));
    assert!(app.layer.is_none());

    // y: the server refuses, and says why.
    app.update(ctrl('d'));
    let effects = app.update(key(KeyCode::Char('y')));
    run(&fx, &mut app, &mut events, effects).await;
    let status = app.status.clone().unwrap();
    assert!(status.error, "{status:?}");
    assert!(
        status.text.contains("prod-linux") && !status.text.contains("Exception"),
        "{}",
        status.text
    );
    let shown = screen(&mut app);
    assert!(shown.contains(&status.text[..40]), "{shown}");
    assert!(
        app.panes
            .patch
            .baselines
            .iter()
            .any(|b| b.identity.baseline_name == "prod-linux")
    );

    // D: the default for Amazon Linux 2023 now.
    app.update(key(KeyCode::Char('D')));
    let effects = app.update(key(KeyCode::Char('y')));
    run(&fx, &mut app, &mut events, effects).await;
    let default = fx
        .backend
        .call(
            &Caller::admin("test"),
            sysman_api::patch::GetDefaultPatchBaseline {
                operating_system: Some("AMAZON_LINUX_2023".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(default.baseline_id, prod_linux(&fx, &app).await.baseline_id);
    assert!(
        app.panes
            .patch
            .selected_baseline()
            .unwrap()
            .identity
            .default_baseline
    );
}

#[tokio::test]
async fn read_only_hides_creating_deleting_and_defaults() {
    let fx = fleet().await;
    let (mut app, _events) = patch_app(&fx, (120, 40), true).await;
    app.update(key(KeyCode::Char('?')));
    let help = screen(&mut app);
    assert!(
        help.contains("move between baselines")
            && !help.contains("create a baseline")
            && !help.contains("delete the baseline")
            && !help.contains("default for its OS"),
        "{help}"
    );
    app.update(key(KeyCode::Esc));
    for msg in [key(KeyCode::Char('n')), key(KeyCode::Char('D')), ctrl('d')] {
        assert!(app.update(msg).is_empty());
        assert!(app.layer.is_none(), "{:?}", app.layer);
        assert!(app.status.as_ref().unwrap().text.contains("read-only"));
    }
    let (mut rw, _events) = patch_app(&fx, (120, 40), false).await;
    app.update(key(KeyCode::Char('?')));
    rw.update(key(KeyCode::Char('?')));
    let help = screen(&mut rw);
    assert!(
        help.contains("create a baseline") && help.contains("delete the baseline"),
        "{help}"
    );
}

/// Which nodes patch by the OS defaults is plain: nodes with no patch
/// group have a row of their own above the groups, and a group says which
/// of its operating systems no baseline is registered for — AWS patches
/// those by that OS's default baseline.
#[tokio::test]
async fn the_groups_say_which_nodes_patch_by_the_os_defaults() {
    let fx = fleet().await;
    let admin = Caller::admin("test");
    let untagged: Vec<String> = fx.sim.instance_ids().take(2).map(str::to_owned).collect();
    for id in untagged {
        let untag = RemoveTagsFromResource {
            resource_type: "ManagedInstance".into(),
            resource_id: id,
            tag_keys: vec!["PatchGroup".into()],
        };
        fx.backend.call(&admin, untag).await.unwrap();
    }
    let (mut app, mut events) = patch_app(&fx, (80, 24), false).await;
    let list = screen(&mut app);
    assert!(
        list.contains("(no patch group) 2") && list.contains("OS defaults"),
        "{list}"
    );
    assert!(list.contains("Patch groups [8]"), "not a group: {list}");

    // The groups in focus: the row under the cursor says what patches it.
    press(&fx, &mut app, &mut events, KeyCode::Tab).await;
    let ungrouped = screen(&mut app);
    assert!(
        ungrouped.contains("2 nodes have no PatchGroup tag: each patches by its OS's default"),
        "{ungrouped}"
    );
    insta::assert_snapshot!("patch_groups_defaults_80x24", ungrouped);
    // Enter explains rather than filtering the fleet by a tag they lack.
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    assert_eq!(app.pane, PaneId::Patch);
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("no PatchGroup tag")
    );

    app.update(key(KeyCode::Tab));
    focus_group(&mut app, "prod-linux");
    let prod = screen(&mut app);
    assert!(
        prod.contains("prod-linux: AMAZON_LINUX_2023 by prod-linux; by their OS's default")
            && prod.contains("registered for these): DEBIAN"),
        "{prod}"
    );
}
