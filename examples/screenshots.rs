//! Renders the README's screenshots from the test fixtures:
//!
//!     cargo run --example screenshots
//!
//! writes SVG files under `screenshots/`. They come from the same seeded
//! fleet and fixed clock as the snapshot tests, so they never go stale.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;
use sysman::app::{App, Msg};

use sysman::fixture::Fixture;
use sysman::screenshot::{SvgColours, buffer_to_svg};
use sysman_api::Target;
use sysman_api::commands::{ListCommandInvocations, SendCommand};
use sysman_backend::Caller;

/// Presses `keys`; what they asked of the backend, for [`settle`].
fn press(app: &mut App, keys: &str) -> Vec<sysman::app::Effect> {
    let mut effects = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        effects.extend(app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))));
    }
    effects
}

/// Carries out what the app asks, and what the backend's events mark.
async fn settle(fixture: &Fixture, app: &mut App, effects: Vec<sysman::app::Effect>) {
    fixture.drive(app, effects).await;
    while app.needs_flush() {
        let effects = app.update(Msg::Flush);
        fixture.drive(app, effects).await;
    }
}

async fn send(fixture: &Fixture, role: &str, commands: &[&str], comment: &str) -> String {
    let req = SendCommand {
        targets: Some(vec![Target {
            key: "tag:Role".into(),
            values: vec![role.into()],
        }]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(
            [(
                "commands".to_owned(),
                commands.iter().map(|c| c.to_string()).collect(),
            )]
            .into(),
        ),
        max_concurrency: Some("10".into()),
        max_errors: Some("5".into()),
        comment: (!comment.is_empty()).then(|| comment.to_owned()),
        ..SendCommand::default()
    };
    let admin = Caller::admin("ops");
    let id = fixture.backend.call(&admin, req).await.expect("sends");
    id.command.command_id
}

async fn targets(fixture: &Fixture, id: &str) -> Vec<String> {
    let admin = Caller::admin("ops");
    let mut out = Vec::new();
    let mut next_token = None;
    loop {
        let list = ListCommandInvocations {
            command_id: Some(id.into()),
            next_token,
            ..ListCommandInvocations::default()
        };
        let page = fixture.backend.call(&admin, list).await.expect("lists");
        out.extend(page.command_invocations.into_iter().map(|i| i.instance_id));
        match page.next_token {
            Some(t) => next_token = Some(t),
            None => return out,
        }
    }
}

/// Run Command: a finished command, one with a long output, and one
/// caught mid-run, agents played by hand.
async fn run_command(fixture: &Fixture) -> std::io::Result<()> {
    let id = send(fixture, "db", &["df -h /var/lib/postgresql"], "disk space").await;
    for node in targets(fixture, &id).await.iter().cycle().take(200) {
        fixture.clock.advance(Duration::from_millis(200));
        let df = "Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme1n1    500G  212G  288G  43% /var/lib/postgresql\n";
        fixture.reply(node, "Success", 0, df, "").await;
    }
    let id = send(fixture, "cache", &["journalctl -u redis --no-pager"], "").await;
    let log: String = (1..=3000)
        .map(|i| {
            format!(
                "Nov 23 12:{:02}:{:02} cache-prod-001 redis[812]: {} clients connected, {} keys\n",
                i / 60 % 60,
                i % 60,
                40 + i % 17,
                120_000 + i * 3
            )
        })
        .collect();
    if let Some(node) = targets(fixture, &id).await.first() {
        fixture.reply(node, "Success", 0, &log, "").await;
    }
    fixture.clock.advance(Duration::from_secs(20));
    let id = send(
        fixture,
        "web",
        &["uname -a", "systemctl is-active nginx"],
        "kernel check",
    )
    .await;
    let nodes = targets(fixture, &id).await;
    let uname = "Linux web-prod-001 6.1.0-27-amd64 #1 SMP x86_64 GNU/Linux\nactive\n";
    let mut answered = 0;
    for _ in 0..6 {
        fixture.clock.advance(Duration::from_secs(2));
        for node in &nodes {
            let (status, code, out, err) = match answered {
                0..20 => ("Success", 0, uname, ""),
                20 => (
                    "Failed",
                    3,
                    "inactive\n",
                    "nginx.service: Failed with result 'exit-code'.\n",
                ),
                21..28 => ("InProgress", -1, "", ""),
                _ => continue,
            };
            if fixture.reply(node, status, code, out, err).await {
                answered += 1;
            }
        }
    }
    fixture.clock.advance(Duration::from_secs(1));
    // A console opened now finds the commands in the history.
    let mut app = fixture.app((120, 40), "dark", false).await;
    press(&mut app, ":run");
    let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    settle(fixture, &mut app, effects).await;
    save(&mut app, "run-history.svg")?;
    let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    settle(fixture, &mut app, effects).await;
    save(&mut app, "run-detail.svg")?;
    press(&mut app, "\u{1b}j");
    let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    settle(fixture, &mut app, effects).await;
    let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    settle(fixture, &mut app, effects).await;
    save(&mut app, "run-output.svg")?;
    press(&mut app, "\u{1b}\u{1b}:run AWS-RunShellScript");
    let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    settle(fixture, &mut app, effects).await;
    press(&mut app, "sudo apt-get -y upgrade openssl");
    for _ in 0..3 {
        app.update(Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    }
    press(&mut app, "tag:Role=web tag:Environment=staging");
    save(&mut app, "run-form.svg")?;
    // A document and its content, as :docs shows them.
    press(&mut app, "\u{1b}:docs");
    let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    settle(fixture, &mut app, effects).await;
    // AWS-RunShellScript, after AWS-RunPatchBaseline and the PowerShell one.
    press(&mut app, "jj");
    let effects = app.update(Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    settle(fixture, &mut app, effects).await;
    save(&mut app, "document.svg")?;
    Ok(())
}

/// Presses `keys` as [`press`] does, carrying out what they ask.
async fn go(fixture: &Fixture, app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        let effects = app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        settle(fixture, app, effects).await;
    }
}

/// Patch Manager and Compliance over a scanned fleet: the baselines and
/// patch groups, a baseline's matrix with two pending patches selected,
/// the approval preview, and compliance by type and for one node.
async fn patching() -> std::io::Result<()> {
    let fixture = Fixture::patched(200, 7).await;
    let mut app = fixture.app((120, 40), "dark", false).await;
    go(&fixture, &mut app, ":patch\n").await;
    save(&mut app, "patch.svg")?;
    go(&fixture, &mut app, "\nj  ").await;
    save(&mut app, "patch-matrix.svg")?;
    go(&fixture, &mut app, "a").await;
    save(&mut app, "patch-approve.svg")?;
    go(&fixture, &mut app, "n\u{1b}\u{1b}:compliance\n").await;
    // Let the status line ("unselected 2 patches") time out.
    for _ in 0..10 {
        app.update(Msg::Tick(app.now));
    }
    save(&mut app, "compliance.svg")?;
    go(&fixture, &mut app, "\n").await;
    save(&mut app, "compliance-node.svg")?;
    Ok(())
}

fn save(app: &mut App, name: &str) -> std::io::Result<()> {
    app.settle();
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal never fails");
    terminal
        .draw(|frame| sysman::ui::render(frame, app))
        .expect("a test terminal never fails");
    let svg = buffer_to_svg(terminal.backend().buffer(), &SvgColours::default());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("screenshots")
        .join(name);
    std::fs::write(&path, svg)?;
    println!("wrote {}", path.display());
    Ok(())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let fixture = Fixture::new(500, 1).await;
    let mut app = fixture.app((120, 40), "dark", false).await;
    save(&mut app, "fleet.svg")?;
    press(&mut app, "/Role=db !ubuntu\n");
    save(&mut app, "fleet-filtered.svg")?;
    // The node's patch state, compliance and commands are loaded.
    let effects = press(&mut app, "\u{1b}jjj\n");
    settle(&fixture, &mut app, effects).await;
    save(&mut app, "node-detail.svg")?;
    press(&mut app, "?");
    save(&mut app, "help.svg")?;
    press(&mut app, "\u{1b}\u{1b}:act");
    save(&mut app, "palette.svg")?;
    press(&mut app, "\n");
    save(&mut app, "activations.svg")?;
    let mut light = fixture.app((120, 40), "light", false).await;
    save(&mut light, "fleet-light.svg")?;
    run_command(&fixture).await?;
    patching().await?;
    Ok(())
}
