//! Renders the README's screenshots from the test fixtures:
//!
//!     cargo run --example screenshots
//!
//! writes SVG files under `screenshots/`. They come from the same seeded
//! fleet and fixed clock as the snapshot tests, so they never go stale.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sysman::app::{App, Msg};
use sysman::fixture::Fixture;
use sysman::screenshot::{SvgColours, buffer_to_svg};

fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
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
    press(&mut app, "\u{1b}jjj\n");
    save(&mut app, "node-detail.svg")?;
    press(&mut app, "?");
    save(&mut app, "help.svg")?;
    press(&mut app, "\u{1b}\u{1b}:act");
    save(&mut app, "palette.svg")?;
    press(&mut app, "\n");
    save(&mut app, "activations.svg")?;
    let mut light = fixture.app((120, 40), "light", false).await;
    save(&mut light, "fleet-light.svg")?;
    Ok(())
}
