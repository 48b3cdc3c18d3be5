//! The Activations pane as an operator uses it: `n` creates an activation
//! from a form, its code is shown once with the command line that
//! registers a machine, and `--readonly` offers none of it.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::{SIZES, chars, ctrl, open, press, run, screen};
use sysman::app::App;
use sysman::fixture::Fixture;
use sysman::panes::PaneId;
use sysman::panes::activations::code::CodeDialog;
use sysman::panes::activations::form::{ActivationForm, Field};
use sysman_api::fleet::{Activation, DescribeActivations};
use sysman_backend::{Caller, Event};
use tokio::sync::broadcast::Receiver;

async fn fleet() -> Fixture {
    Fixture::new(12, 3).await
}

/// A console at `size` on `:activations`.
async fn activations_app(fx: &Fixture, size: (u16, u16), readonly: bool) -> (App, Receiver<Event>) {
    let mut events = fx.backend.subscribe();
    let mut app = fx.app(size, "dark", readonly).await;
    open(fx, &mut app, &mut events, "activations").await;
    assert_eq!(app.pane, PaneId::Activations);
    (app, events)
}

/// Every activation the backend has.
async fn activations(fx: &Fixture) -> Vec<Activation> {
    fx.backend
        .call(&Caller::admin("test"), DescribeActivations::default())
        .await
        .unwrap()
        .activation_list
}

async fn ctrl_s(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>) {
    let effects = app.update(ctrl('s'));
    run(fx, app, events, effects).await;
}

#[tokio::test]
async fn n_creates_an_activation_with_the_defaults_and_shows_its_code_once() {
    let fx = fleet().await;
    let before = activations(&fx).await;
    let (mut app, mut events) = activations_app(&fx, (120, 40), false).await;
    press(&fx, &mut app, &mut events, KeyCode::Char('n')).await;
    let form = screen(&mut app);
    assert!(form.contains("New activation"), "{form}");
    assert!(
        form.contains("SSMServiceRole") && form.contains("24h"),
        "the role and the lifetime come filled in: {form}"
    );
    assert!(form.contains("ctrl-s create"), "the keys are named: {form}");
    ctrl_s(&fx, &mut app, &mut events).await;

    let after = activations(&fx).await;
    assert_eq!(after.len(), before.len() + 1, "one activation is created");
    let new = after
        .iter()
        .find(|a| before.iter().all(|b| b.activation_id != a.activation_id))
        .unwrap();
    assert_eq!(new.iam_role, "SSMServiceRole");
    assert_eq!(new.registration_limit, 1);
    assert_eq!(
        new.expiration_date.millis_since(new.created_date),
        86_400_000
    );

    let dialog = app.dialog::<CodeDialog>().expect("the code is shown");
    let code = dialog.activation_code.clone();
    let shown = screen(&mut app);
    for part in [
        new.activation_id.as_str(),
        code.as_str(),
        "cannot be shown again",
        "sysman-agent register",
        "--activation-id",
        "SYSMAN_ACTIVATION_CODE=",
    ] {
        assert!(shown.contains(part), "{part:?} is shown: {shown}");
    }
    // Once closed, the code is nowhere to be seen again; the cursor is on
    // the new activation.
    press(&fx, &mut app, &mut events, KeyCode::Esc).await;
    assert!(app.layer.is_none());
    assert_eq!(
        app.panes.activations.selected().map(|a| &a.activation_id),
        Some(&new.activation_id)
    );
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    let detail = screen(&mut app);
    assert!(detail.contains("SSMServiceRole"), "{detail}");
    assert!(!detail.contains(&code), "{detail}");
}

#[tokio::test]
async fn a_field_the_server_refuses_shows_its_error_under_it_and_creates_nothing() {
    let fx = fleet().await;
    let before = activations(&fx).await.len();
    let (mut app, mut events) = activations_app(&fx, (120, 40), false).await;
    press(&fx, &mut app, &mut events, KeyCode::Char('n')).await;
    // Tab to Tags, the last field: enter there creates.
    for _ in 0..5 {
        press(&fx, &mut app, &mut events, KeyCode::Tab).await;
    }
    assert_eq!(app.dialog::<ActivationForm>().unwrap().focus, Field::Tags);
    let effects = chars(&mut app, "aws:owner=me");
    run(&fx, &mut app, &mut events, effects).await;
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    let form = app.dialog::<ActivationForm>().expect("the form stays open");
    assert_eq!(form.error.as_ref().and_then(|e| e.0), Some(Field::Tags));
    let shown = screen(&mut app);
    assert!(shown.contains("reserved"), "AWS's reason is shown: {shown}");
    assert_eq!(activations(&fx).await.len(), before, "nothing is created");

    // A limit out of AWS's range is caught before anything is sent.
    for _ in 0..2 {
        press(&fx, &mut app, &mut events, KeyCode::BackTab).await;
    }
    assert_eq!(app.dialog::<ActivationForm>().unwrap().focus, Field::Limit);
    let effects = app.update(ctrl('u'));
    run(&fx, &mut app, &mut events, effects).await;
    let effects = chars(&mut app, "5000");
    run(&fx, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert!(
        shown.contains("'5000' is not a number from 1 to 1000"),
        "{shown}"
    );
    ctrl_s(&fx, &mut app, &mut events).await;
    assert!(app.dialog::<ActivationForm>().is_some());
    assert_eq!(activations(&fx).await.len(), before, "nothing is created");
    press(&fx, &mut app, &mut events, KeyCode::Esc).await;
    assert!(app.layer.is_none());
}

#[tokio::test]
async fn read_only_offers_no_new_activation() {
    let fx = fleet().await;
    let before = activations(&fx).await.len();
    let (mut app, mut events) = activations_app(&fx, (120, 40), true).await;
    let footer = screen(&mut app);
    assert!(!footer.contains("n new"), "{footer}");
    press(&fx, &mut app, &mut events, KeyCode::Char('?')).await;
    let help = screen(&mut app);
    assert!(!help.contains("create an activation"), "{help}");
    press(&fx, &mut app, &mut events, KeyCode::Esc).await;
    press(&fx, &mut app, &mut events, KeyCode::Char('n')).await;
    assert!(app.dialog::<ActivationForm>().is_none());
    assert_eq!(activations(&fx).await.len(), before);
}

#[tokio::test]
async fn the_form_and_the_code_look_right() {
    for (w, h) in SIZES {
        let fx = fleet().await;
        let (mut app, mut events) = activations_app(&fx, (w, h), false).await;
        press(&fx, &mut app, &mut events, KeyCode::Char('n')).await;
        let effects = chars(&mut app, "lab machines");
        run(&fx, &mut app, &mut events, effects).await;
        insta::assert_snapshot!(format!("activation_form_{w}x{h}"), screen(&mut app));
        ctrl_s(&fx, &mut app, &mut events).await;
        assert!(app.dialog::<CodeDialog>().is_some());
        insta::assert_snapshot!(format!("activation_code_{w}x{h}"), screen(&mut app));
    }
}
