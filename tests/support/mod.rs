//! What the Patch Manager and Compliance tests share: keys, screens, and
//! carrying out effects and events as the runtime would.

#![allow(dead_code)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sysman::app::{App, BackendMsg, Effect, Msg};
use sysman::fixture::Fixture;
use sysman_backend::Event;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

pub const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Types `text`, one key a character.
pub fn chars(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

pub fn screen(app: &mut App) -> String {
    app.settle();
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|frame| sysman::ui::render(frame, app))
        .unwrap();
    format!("{}", terminal.backend())
}

/// Carries out effects, feeds the backend's events and flushes what they
/// marked, until the app asks for nothing more.
pub async fn run(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>, effects: Vec<Effect>) {
    fx.drive(app, effects).await;
    for _ in 0..50 {
        fx.backend.flush().await;
        let mut more = Vec::new();
        loop {
            let msg = match events.try_recv() {
                Ok(event) => BackendMsg::Event(event),
                Err(TryRecvError::Lagged(_)) => BackendMsg::Lagged,
                Err(_) => break,
            };
            more.extend(app.update(Msg::Backend(msg)));
        }
        if app.needs_flush() {
            more.extend(app.update(Msg::Flush));
        }
        if more.is_empty() && !app.needs_flush() {
            break;
        }
        fx.drive(app, more).await;
    }
    app.settle();
}

/// Opens a pane through the palette (`:name`) and loads it.
pub async fn open(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>, name: &str) {
    app.update(key(KeyCode::Char(':')));
    chars(app, name);
    let effects = app.update(key(KeyCode::Enter));
    run(fx, app, events, effects).await;
}

/// Presses `code` and carries out what it asks.
pub async fn press(fx: &Fixture, app: &mut App, events: &mut Receiver<Event>, code: KeyCode) {
    let effects = app.update(key(code));
    run(fx, app, events, effects).await;
}
