//! `--readonly` as an operator relies on it: whatever key is pressed in
//! whichever pane, and whatever form it opens is then filled in and
//! submitted, nothing reaches the backend that changes anything.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use support::{chars, run};
use sysman::app::{App, BackendMsg, Effect, Layer, Msg};
use sysman::fixture::Fixture;
use sysman::keys::{Command, Scope};
use sysman::panes::activations::form::ActivationForm;
use sysman::panes::parameters::form::ParamForm;
use sysman::panes::parameters::label::LabelInput;
use sysman::panes::patch::approval::{Approval, SelectBy};
use sysman::panes::patch::create::{BaselineForm, CreateBaseline, CreateError};
use sysman::panes::run_command::send::{Field as SendField, SendForm, Stage};
use sysman::runtime::job::{Call, EveryPage, Reply};
use sysman_api::commands::{
    CancelCommand, GetCommandOutput, ListCommandInvocations, ListCommands, SendCommand,
};
use sysman_api::compliance::{
    ListComplianceItems, ListComplianceSummaries, ListResourceComplianceSummaries,
};
use sysman_api::documents::{DescribeDocument, GetDocument, ListDocumentVersions, ListDocuments};
use sysman_api::fleet::{
    CreateActivation, DeleteActivation, DeregisterManagedInstance, DescribeActivations, ListNodes,
};
use sysman_api::parameters::{
    DeleteParameter, DescribeParameters, GetParameter, GetParameterHistory, LabelParameterVersion,
    ParameterMetadata, PutParameter,
};
use sysman_api::patch::{
    DeletePatchBaseline, DescribeAvailablePatches, DescribeEffectivePatchesForPatchBaseline,
    DescribeInstancePatchStates, DescribeInstancePatches, DescribePatchBaselines,
    DescribePatchCounts, DescribePatchGroupState, DescribePatchGroups, DescribePatchProperties,
    GetDefaultPatchBaseline, GetPatchBaseline, RegisterDefaultPatchBaseline, UpdatePatchBaseline,
};
use sysman_api::{ApiError, Operation};
use sysman_backend::{Caller, Event};
use tokio::sync::broadcast::Receiver;

/// The operations the console may send under `--readonly`: each is checked
/// to be a read, so a write cannot be let through by this list.
fn reads() -> Vec<&'static str> {
    macro_rules! reads {
        ($($op:ty),* $(,)?) => {
            vec![$({
                assert!(<$op>::READ_ONLY, "{} changes something", <$op>::NAME);
                <$op>::NAME
            }),*]
        };
    }
    reads![
        ListNodes,
        DescribeActivations,
        DescribeParameters,
        GetParameter,
        GetParameterHistory,
        ListCommands,
        ListCommandInvocations,
        GetCommandOutput,
        ListDocuments,
        DescribeDocument,
        ListDocumentVersions,
        GetDocument,
        DescribePatchBaselines,
        DescribePatchGroups,
        DescribePatchGroupState,
        GetPatchBaseline,
        GetDefaultPatchBaseline,
        DescribePatchCounts,
        DescribeAvailablePatches,
        DescribeEffectivePatchesForPatchBaseline,
        DescribePatchProperties,
        DescribeInstancePatchStates,
        DescribeInstancePatches,
        ListComplianceSummaries,
        ListResourceComplianceSummaries,
        ListComplianceItems,
    ]
}

/// Something in every pane to act on: the patch scenario's baselines,
/// groups, scans and compliance; the simulator's activation; two
/// parameters; and a command still running on one node, with output.
async fn world() -> Fixture {
    let fx = Fixture::patched(20, 11).await;
    let ops = Caller::admin("ops");
    for (name, value, kind) in [
        ("/app/db/password", "hunter2", "SecureString"),
        ("/app/web/url", "https://shop.example", "String"),
    ] {
        let put = PutParameter {
            name: name.into(),
            value: value.into(),
            r#type: Some(kind.into()),
            ..PutParameter::default()
        };
        fx.backend.call(&ops, put).await.unwrap();
    }
    fx.clock.advance(Duration::from_secs(60));
    let node = fx.sim.instance_ids().next().unwrap().to_owned();
    let send = SendCommand {
        instance_ids: Some(vec![node.clone()]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(BTreeMap::from([(
            "commands".to_owned(),
            vec!["sleep 600".to_owned()],
        )])),
        ..SendCommand::default()
    };
    fx.backend.call(&ops, send).await.unwrap();
    fx.clock.advance(Duration::from_secs(2));
    assert!(fx.reply(&node, "InProgress", -1, "sleeping\n", "").await);
    fx.backend.flush().await;
    fx
}

/// A view of a pane, reached from a new console by `path`: `:name` opens
/// a pane through the palette, anything else is a chord to press.
struct View {
    name: &'static str,
    path: &'static [&'static str],
    scopes: &'static [Scope],
}

const VIEWS: &[View] = &[
    View {
        name: "fleet",
        path: &[],
        scopes: &[
            sysman::panes::fleet::keys::FLEET,
            Scope::TABLE,
            Scope::GLOBAL,
        ],
    },
    View {
        name: "node",
        path: &["enter"],
        scopes: &[sysman::panes::fleet::keys::NODE, Scope::GLOBAL],
    },
    View {
        name: "activations",
        path: &[":activations"],
        scopes: &[
            sysman::panes::activations::keys::ACTIVATIONS,
            Scope::TABLE,
            Scope::GLOBAL,
        ],
    },
    View {
        name: "parameters",
        path: &[":params"],
        scopes: &[
            sysman::panes::parameters::keys::PARAMETERS,
            Scope::TABLE,
            Scope::GLOBAL,
        ],
    },
    View {
        name: "parameter",
        path: &[":params", "enter"],
        scopes: &[sysman::panes::parameters::keys::PARAMETER, Scope::GLOBAL],
    },
    View {
        name: "run history",
        path: &[":run"],
        scopes: &[
            sysman::panes::run_command::keys::COMMANDS,
            Scope::TABLE,
            Scope::GLOBAL,
        ],
    },
    View {
        name: "command",
        path: &[":run", "enter"],
        scopes: &[
            sysman::panes::run_command::keys::COMMAND,
            Scope::TABLE,
            Scope::GLOBAL,
        ],
    },
    View {
        name: "output",
        path: &[":run", "enter", "enter"],
        scopes: &[sysman::panes::run_command::keys::OUTPUT, Scope::GLOBAL],
    },
    View {
        name: "documents",
        path: &[":docs"],
        scopes: &[
            sysman::panes::documents::keys::DOCUMENTS,
            Scope::TABLE,
            Scope::GLOBAL,
        ],
    },
    View {
        name: "document",
        path: &[":docs", "enter"],
        scopes: &[sysman::panes::documents::keys::DOCUMENT, Scope::GLOBAL],
    },
    View {
        name: "baselines",
        path: &[":patch"],
        scopes: &[
            sysman::panes::patch::keys::PATCH,
            Scope::TABLE,
            Scope::GLOBAL,
        ],
    },
    View {
        name: "patch groups",
        path: &[":patch", "tab"],
        scopes: &[
            sysman::panes::patch::keys::PATCH,
            Scope::TABLE,
            Scope::GLOBAL,
        ],
    },
    View {
        name: "baseline",
        path: &[":patch", "enter"],
        scopes: &[
            sysman::panes::patch::keys::BASELINE,
            Scope::TABLE,
            Scope::GLOBAL,
        ],
    },
    View {
        name: "compliance",
        path: &[":compliance"],
        scopes: &[
            sysman::panes::compliance::keys::COMPLIANCE,
            Scope::TABLE,
            Scope::GLOBAL,
        ],
    },
    View {
        name: "compliance node",
        path: &[":compliance", "enter"],
        scopes: &[Scope::TABLE, Scope::GLOBAL],
    },
];

/// The key events of a chord as the help prints it: `ctrl-d`, `g g`, `G`.
fn key_events(chord: &str) -> Vec<KeyEvent> {
    chord
        .split_whitespace()
        .map(|text| {
            let (ctrl, name) = match text.strip_prefix("ctrl-") {
                Some(rest) => (true, rest),
                None => (false, text),
            };
            let code = match name {
                "enter" => KeyCode::Enter,
                "esc" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" => KeyCode::PageUp,
                "pgdn" => KeyCode::PageDown,
                "delete" => KeyCode::Delete,
                "space" => KeyCode::Char(' '),
                other => {
                    let mut cs = other.chars();
                    match (cs.next(), cs.next()) {
                        (Some(c), None) => KeyCode::Char(c),
                        _ => panic!("the walk cannot press '{text}'"),
                    }
                }
            };
            let modifiers = if ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            };
            KeyEvent::new(code, modifiers)
        })
        .collect()
}

async fn press(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>, chord: &str) {
    let mut effects = Vec::new();
    for event in key_events(chord) {
        effects.extend(app.update(Msg::Key(event)));
    }
    run(fx, app, events, effects).await;
}

async fn typed(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>, text: &str) {
    let effects = chars(app, text);
    run(fx, app, events, effects).await;
}

/// A console at `view`.
async fn console_at(fx: &Fixture, view: &View, readonly: bool) -> (App, Receiver<Event>) {
    let mut events = fx.backend.subscribe();
    let mut app = fx.app((120, 40), "dark", readonly).await;
    for step in view.path {
        match step.strip_prefix(':') {
            Some(pane) => support::open(fx, &mut app, &mut events, pane).await,
            None => press(fx, &mut app, &mut events, step).await,
        }
    }
    assert_eq!(app.scopes(), view.scopes, "the walk reached {}", view.name);
    (app, events)
}

/// What to do next with the layer on top.
enum Step {
    Press(&'static str),
    Type(&'static str),
    /// Type, then press enter.
    Submit(&'static str),
    /// Fill the parameter form's name (when new) and value, then save.
    SaveForm {
        name: bool,
    },
}

fn next_step(layer: &Layer) -> Step {
    let dialog = match layer {
        Layer::Confirm { .. } => return Step::Press("y"),
        Layer::Dialog(dialog) => dialog,
        _ => return Step::Press("esc"),
    };
    if dialog.get::<Approval>().is_some() {
        return Step::Press("y");
    }
    if dialog.get::<SelectBy>().is_some() {
        return Step::Press("enter");
    }
    if let Some(label) = dialog.get::<LabelInput>() {
        return if label.input.is_empty() {
            Step::Submit("probe")
        } else {
            Step::Press("esc")
        };
    }
    if let Some(form) = dialog.get::<ParamForm>() {
        return if form.pending.is_none() && form.error.is_none() {
            Step::SaveForm {
                name: !form.editing,
            }
        } else {
            Step::Press("esc")
        };
    }
    if let Some(form) = dialog.get::<ActivationForm>() {
        // Filled in with AWS's defaults: ctrl-s creates.
        return if form.pending.is_none() && form.error.is_none() {
            Step::Press("ctrl-s")
        } else {
            Step::Press("esc")
        };
    }
    if let Some(form) = dialog.get::<BaselineForm>() {
        return if form.previewing && form.pending.is_none() {
            Step::Press("y")
        } else if form.name.is_empty() {
            Step::Submit("ro-probe")
        } else {
            Step::Press("esc")
        };
    }
    let Some(form) = dialog.get::<SendForm>() else {
        return Step::Press("esc");
    };
    match form.stage {
        Stage::Picking => Step::Press("enter"),
        Stage::Confirm => Step::Press("y"),
        Stage::Editing if form.pending.is_none() => {
            match form.problems().into_iter().next().map(|(field, _)| field) {
                None => Step::Press("ctrl-s"),
                // ctrl-s moves to the field to fill.
                Some(SendField::Targets) if form.focus == SendField::Targets => {
                    Step::Type("tag:Role=web")
                }
                Some(field) if form.focus == field => Step::Type("uname -a"),
                Some(_) => Step::Press("ctrl-s"),
            }
        }
        _ => Step::Press("esc"),
    }
}

/// Does what a determined user would with whatever layer is open: fills
/// in and submits a form, confirms a question. Returns the layers seen.
async fn push_through(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..16 {
        let Some(layer) = &app.layer else {
            break;
        };
        let kind = match layer {
            Layer::Dialog(dialog) => format!("{dialog:?}"),
            other => format!("{other:?}"),
        };
        let kind = kind.split(['(', ' ', '{']).next().unwrap_or_default();
        if seen.last().map(String::as_str) != Some(kind) {
            seen.push(kind.to_owned());
        }
        match next_step(layer) {
            Step::Press(chord) => press(fx, app, events, chord).await,
            Step::Type(text) => typed(fx, app, events, text).await,
            Step::Submit(text) => {
                typed(fx, app, events, text).await;
                press(fx, app, events, "enter").await;
            }
            Step::SaveForm { name } => {
                if name {
                    typed(fx, app, events, "/ro/probe").await;
                }
                for _ in 0..4 {
                    match app.dialog::<ParamForm>() {
                        Some(f) if f.focus != sysman::panes::parameters::form::Field::Value => {
                            press(fx, app, events, "tab").await
                        }
                        _ => break,
                    }
                }
                typed(fx, app, events, "probe").await;
                press(fx, app, events, "enter").await;
            }
        }
    }
    for _ in 0..3 {
        if app.layer.is_some() {
            press(fx, app, events, "esc").await;
        }
    }
    seen
}

/// Operations by the console since audit record `from` that are not reads.
async fn writes_since(fx: &Fixture, from: usize, reads: &[&str]) -> Vec<String> {
    fx.backend.flush().await;
    let audit = fx.backend.audit_records().await.unwrap();
    audit[from..]
        .iter()
        .filter(|r| r.principal == "admin:fixture")
        .filter(|r| !reads.contains(&r.operation.as_str()))
        .map(|r| format!("{} ({})", r.operation, r.outcome))
        .collect()
}

/// What one key press led to.
struct Press {
    view: &'static str,
    chord: String,
    command: Command,
    /// The key is listed in the footer and the help.
    shown: bool,
    /// The status line right after the press.
    status: Option<String>,
    /// Layers that opened, in turn, as they were pushed through.
    layers: Vec<String>,
    /// Operations that are not reads which reached the backend.
    writes: Vec<String>,
}

impl Press {
    fn opened_a_writer(&self) -> bool {
        self.layers.iter().any(|l| {
            !matches!(
                l.as_str(),
                "Help" | "Palette" | "Describe" | "SelectBy" | "PatchDetail" | "SearchPrompt"
            )
        })
    }
}

/// Presses every key bound in every view (shown or hidden; all but quit),
/// each in a new console, pushing through whatever it opens.
async fn walk(fx: &Fixture, readonly: bool) -> Vec<Press> {
    let reads = reads();
    let mut out = Vec::new();
    for view in VIEWS {
        let (app, _) = console_at(fx, view, readonly).await;
        let shown = app.visible_bindings();
        for (chord, command) in app.keymap.bindings(&app.scopes()) {
            if command == Command::QUIT {
                continue;
            }
            let (mut app, mut events) = console_at(fx, view, readonly).await;
            let from = fx.backend.audit_records().await.unwrap().len();
            press(fx, &mut app, &mut events, &chord.to_string()).await;
            let status = app.status.as_ref().map(|s| s.text.clone());
            let layers = push_through(fx, &mut app, &mut events).await;
            out.push(Press {
                view: view.name,
                chord: chord.to_string(),
                command,
                shown: shown.iter().any(|(c, _)| *c == chord),
                status,
                layers,
                writes: writes_since(fx, from, &reads).await,
            });
        }
    }
    out
}

#[tokio::test]
async fn no_key_in_any_pane_sends_a_write_under_read_only() {
    let fx = world().await;
    let presses = walk(&fx, true).await;
    assert!(presses.len() > 150, "the walk pressed {}", presses.len());
    let mut problems = Vec::new();
    for p in &presses {
        let what = format!("{}: `{}` ({})", p.view, p.chord, p.command.name());
        if !p.writes.is_empty() {
            problems.push(format!("{what} sent {:?}", p.writes));
        }
        if p.opened_a_writer() {
            problems.push(format!("{what} opened {:?}", p.layers));
        }
        // A hidden key says why it does nothing.
        let plain = p
            .status
            .as_deref()
            .is_some_and(|s| s.starts_with("read-only console (--readonly): cannot "));
        if !p.shown && !plain {
            problems.push(format!("{what} is hidden; the status says {:?}", p.status));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The walk above is only as good as its reach: without `--readonly` the
/// same walk gets a write through for every command that writes, and for
/// no other, so no form goes unsubmitted and no write unseen.
#[tokio::test]
async fn without_read_only_the_same_walk_writes_with_every_writing_command() {
    let fx = world().await;
    let presses = walk(&fx, false).await;
    let wrote: BTreeSet<Command> = presses
        .iter()
        .filter(|p| !p.writes.is_empty())
        .map(|p| p.command)
        .collect();
    let writing: BTreeSet<Command> = presses
        .iter()
        .map(|p| p.command)
        .filter(|c| c.writes())
        .collect();
    assert_eq!(wrote, writing);
}

/// The error in the reply to a call of any operation the test below sends.
fn reply_error(reply: Reply) -> Option<String> {
    macro_rules! try_each {
        ($reply:ident: $($op:ty),* $(,)?) => {
            $(
                let $reply = match $reply.downcast::<Result<<$op as Operation>::Output, ApiError>>() {
                    Ok(result) => return result.err().map(|e| e.to_string()),
                    Err(other) => other,
                };
            )*
        };
    }
    // A new baseline is a job of several calls, with errors of its own.
    let reply = match reply.downcast::<Result<String, CreateError>>() {
        Ok(result) => return result.err().map(|e| e.text),
        Err(other) => other,
    };
    try_each!(
        reply: SendCommand,
        CancelCommand,
        UpdatePatchBaseline,
        RegisterDefaultPatchBaseline,
        DeletePatchBaseline,
        CreateActivation,
        DeleteActivation,
        DeregisterManagedInstance,
        PutParameter,
        LabelParameterVersion,
        DeleteParameter,
    );
    panic!("a reply to an operation this test does not send: {reply:?}")
}

/// The seam itself: a read-only connection sends no write, whatever asks
/// for it, and still reads.
#[tokio::test]
async fn a_read_only_connection_refuses_every_write_and_reads() {
    let fx = world().await;
    let ops = Caller::admin("ops");
    let connection = fx.connection.clone().read_only(true);
    let instance_id = fx.sim.instance_ids().next().unwrap().to_owned();
    let activation_id = fx
        .backend
        .call(&ops, DescribeActivations::default())
        .await
        .unwrap()
        .activation_list[0]
        .activation_id
        .clone();
    let command_id = fx
        .backend
        .call(&ops, ListCommands::default())
        .await
        .unwrap()
        .commands[0]
        .command_id
        .clone();
    let baseline_id = fx
        .backend
        .call(&ops, DescribePatchBaselines::default())
        .await
        .unwrap()
        .baseline_identities
        .into_iter()
        .find(|b| b.baseline_name == "prod-linux")
        .unwrap()
        .baseline_id;
    let put = PutParameter {
        name: "/app/web/url".into(),
        value: "https://other.example".into(),
        overwrite: Some(true),
        ..PutParameter::default()
    };
    let send = SendCommand {
        instance_ids: Some(vec![instance_id.clone()]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(BTreeMap::from([(
            "commands".to_owned(),
            vec!["reboot".to_owned()],
        )])),
        ..SendCommand::default()
    };
    let effects = vec![
        Effect::Call(Call::new(1, put)),
        Effect::Call(Call::new(
            2,
            LabelParameterVersion {
                name: "/app/web/url".into(),
                parameter_version: Some(1),
                labels: vec!["stable".into()],
            },
        )),
        Effect::Call(Call::new(
            3,
            DeleteParameter {
                name: "/app/web/url".into(),
            },
        )),
        Effect::Call(Call::new(4, DeregisterManagedInstance { instance_id })),
        Effect::Call(Call::new(5, DeleteActivation { activation_id })),
        Effect::Call(Call::new(6, send)),
        Effect::Call(Call::new(
            7,
            CancelCommand {
                command_id,
                instance_ids: None,
            },
        )),
        Effect::Call(Call::new(
            8,
            UpdatePatchBaseline {
                baseline_id: baseline_id.clone(),
                approved_patches: Some(vec!["KB1".into()]),
                ..UpdatePatchBaseline::default()
            },
        )),
        Effect::Call(Call::new(
            9,
            CreateBaseline {
                name: "ro-probe".into(),
                operating_system: "AMAZON_LINUX_2023".into(),
                copy_from: None,
                patch_group: Some("ro-probe".into()),
                approved_level: None,
                replaces: None,
                existing: None,
            },
        )),
        Effect::Call(Call::new(
            10,
            RegisterDefaultPatchBaseline {
                baseline_id: baseline_id.clone(),
            },
        )),
        Effect::Call(Call::new(11, DeletePatchBaseline { baseline_id })),
        Effect::Call(Call::new(
            13,
            CreateActivation {
                iam_role: "SSMServiceRole".into(),
                ..CreateActivation::default()
            },
        )),
    ];
    fx.backend.flush().await;
    let from = fx.backend.audit_records().await.unwrap().len();
    for effect in effects {
        let asked = format!("{effect:?}");
        let error = match connection.perform(effect).await {
            BackendMsg::Reply { reply, .. } => reply_error(reply),
            other => panic!("{asked} answered {other:?}"),
        };
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("the console is read-only")),
            "{asked} was not refused: {error:?}"
        );
    }
    assert_eq!(
        writes_since(&fx, from, &reads()).await,
        Vec::<String>::new()
    );
    assert!(
        fx.backend.audit_records().await.unwrap()[from..].is_empty(),
        "a refused write is not even audited: it never left the console"
    );
    let every_parameter = EveryPage(DescribeParameters {
        max_results: Some(50),
        ..DescribeParameters::default()
    });
    match connection
        .perform(Effect::Call(Call::new(12, every_parameter)))
        .await
    {
        BackendMsg::Reply { reply, .. } => {
            match *reply
                .downcast::<Result<Vec<ParameterMetadata>, ApiError>>()
                .unwrap()
            {
                Ok(list) => assert_eq!(list.len(), 2),
                other => panic!("a read goes through: {other:?}"),
            }
        }
        other => panic!("a read goes through: {other:?}"),
    }
}

/// An empty pane does not point at a key that read-only refuses.
#[tokio::test]
async fn empty_panes_offer_no_refused_key() {
    let fx = Fixture::new(5, 1).await;
    for readonly in [false, true] {
        let mut events = fx.backend.subscribe();
        let mut app = fx.app((120, 40), "dark", readonly).await;
        for (pane, empty) in [
            ("params", "No parameters yet."),
            ("run", "No commands yet."),
        ] {
            support::open(&fx, &mut app, &mut events, pane).await;
            let shown = support::screen(&mut app);
            assert!(shown.contains(empty), "{shown}");
            assert_eq!(shown.contains("Press n"), !readonly, "{shown}");
        }
    }
}
