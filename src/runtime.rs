//! The console's runtime: one loop that turns terminal input, backend
//! events and a slow tick into messages, lets the app update, carries out
//! its effects in the background, and redraws at most ~60 times a second,
//! only when something changed.

pub mod job;

use std::time::{Duration, Instant};

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event as TermEvent};
use std::sync::Arc;
use sysman_api::ApiError;
use sysman_api::client::{Client, StreamItem};
use sysman_backend::{Backend, Caller, Clock, Handler, SystemClock};
use tokio::sync::{broadcast, mpsc};

use crate::app::{App, BackendMsg, Effect, Link, Msg};

const FRAME: Duration = Duration::from_millis(16);
const TICK: Duration = Duration::from_secs(1);
/// How often marks left by events are acted on, at most.
const FLUSH: Duration = Duration::from_millis(100);

/// Longest wait between attempts to reopen a remote event stream.
const MAX_RECONNECT: Duration = Duration::from_secs(30);

/// The console's side of the seam to a backend: in-process, or a server
/// over HTTP. Both offer the same typed `call` and the same events.
#[derive(Clone)]
pub struct Connection {
    side: Side,
    /// Every call passes here, so a read-only console is read-only here,
    /// whatever key led to the call.
    readonly: bool,
}

/// The error code of a write a read-only console did not send.
const READ_ONLY_CODE: &str = "ReadOnlyConsole";

#[derive(Clone)]
enum Side {
    Embedded { backend: Backend, caller: Caller },
    Remote { client: Client },
}

impl Connection {
    pub fn embedded(backend: Backend, caller: Caller) -> Self {
        Self {
            side: Side::Embedded { backend, caller },
            readonly: false,
        }
    }

    pub fn remote(client: Client) -> Self {
        Self {
            side: Side::Remote { client },
            readonly: false,
        }
    }

    /// This connection, refusing every operation that changes something
    /// if `readonly` (a read-only connection stays read-only).
    pub fn read_only(mut self, readonly: bool) -> Self {
        self.readonly |= readonly;
        self
    }

    pub async fn call<O: Handler>(&self, op: O) -> Result<O::Output, ApiError> {
        if self.readonly && !O::READ_ONLY {
            return Err(ApiError::new(
                READ_ONLY_CODE,
                format!(
                    "the console is read-only (started with --readonly): {} was not sent",
                    O::NAME
                ),
            ));
        }
        let result = match &self.side {
            Side::Embedded { backend, caller } => backend.call(caller, op).await,
            Side::Remote { client } => client.call(&op).await,
        };
        // The backend speaks AWS's words; people get a pointer too.
        result.map_err(|e| crate::hints::with_hint(O::NAME, e))
    }

    /// The clock the console's "now" comes from: the backend's, or this
    /// machine's for a server far away.
    pub fn clock(&self) -> Arc<dyn Clock> {
        match &self.side {
            Side::Embedded { backend, .. } => backend.clock(),
            Side::Remote { .. } => Arc::new(SystemClock),
        }
    }

    /// Forwards change events to `tx` until it closes: from the bus in
    /// process, or from the server's stream, reopened with backoff when it
    /// breaks (and then `Lagged`, so panes reload what they missed).
    pub fn forward_events(&self, tx: mpsc::UnboundedSender<Msg>) {
        match &self.side {
            Side::Embedded { backend, .. } => {
                let mut events = backend.subscribe();
                tokio::spawn(async move {
                    loop {
                        let msg = match events.recv().await {
                            Ok(event) => BackendMsg::Event(event),
                            Err(broadcast::error::RecvError::Lagged(_)) => BackendMsg::Lagged,
                            Err(broadcast::error::RecvError::Closed) => break,
                        };
                        if tx.send(Msg::Backend(msg)).is_err() {
                            break;
                        }
                    }
                });
            }
            Side::Remote { client } => {
                let client = client.clone();
                let clock = self.clock();
                tokio::spawn(async move {
                    let link = |link: Link| tx.send(Msg::Backend(BackendMsg::Link(link)));
                    let mut wait = Duration::from_millis(500);
                    let mut down_since = None;
                    while !tx.is_closed() {
                        let reason = match client.subscribe().await {
                            Ok(mut stream) => {
                                wait = Duration::from_millis(500);
                                // Back after a break: say so, and reload
                                // what was missed.
                                if down_since.take().is_some()
                                    && (link(Link::Up).is_err()
                                        || tx.send(Msg::Backend(BackendMsg::Lagged)).is_err())
                                {
                                    break;
                                }
                                while let Some(item) = stream.next().await {
                                    let msg = match item {
                                        StreamItem::Event(event) => BackendMsg::Event(event),
                                        StreamItem::Lagged => BackendMsg::Lagged,
                                    };
                                    if tx.send(Msg::Backend(msg)).is_err() {
                                        return;
                                    }
                                }
                                "the server closed the event stream".to_owned()
                            }
                            Err(e) => e.message,
                        };
                        let since = *down_since.get_or_insert_with(|| clock.now());
                        if link(Link::Down { since, reason }).is_err() {
                            break;
                        }
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(MAX_RECONNECT);
                    }
                });
            }
        }
    }

    /// Every item of a paged list: `request` builds the call for a page
    /// token, `split` takes a page apart into its items and the next token.
    pub(crate) async fn every_page<O: Handler, T>(
        &self,
        request: impl Fn(Option<String>) -> O,
        split: impl Fn(O::Output) -> (Vec<T>, Option<String>),
    ) -> Result<Vec<T>, ApiError> {
        let mut list = Vec::new();
        let mut token = None;
        loop {
            let (items, next) = split(self.call(request(token)).await?);
            list.extend(items);
            match next {
                Some(t) => token = Some(t),
                None => return Ok(list),
            }
        }
    }

    /// Carries out one effect and says how it went.
    pub async fn perform(&self, effect: Effect) -> BackendMsg {
        match effect {
            Effect::Call(call) => BackendMsg::Reply {
                request: call.request,
                reply: call.perform(self).await,
            },
        }
    }
}

fn spawn_effects(connection: &Connection, effects: Vec<Effect>, tx: &mpsc::UnboundedSender<Msg>) {
    for effect in effects {
        let (connection, tx) = (connection.clone(), tx.clone());
        tokio::spawn(async move {
            let _ = tx.send(Msg::Backend(connection.perform(effect).await));
        });
    }
}

/// Runs the console until the user quits.
pub async fn run(
    terminal: &mut DefaultTerminal,
    mut app: App,
    initial: Vec<Effect>,
    connection: Connection,
) -> std::io::Result<()> {
    // Whatever the keys let through, a read-only console sends no write.
    let connection = connection.read_only(app.readonly);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();

    // Terminal input blocks, so it gets a thread of its own.
    let input_tx = tx.clone();
    std::thread::Builder::new()
        .name("sysman-input".into())
        .spawn(move || {
            while let Ok(event) = event::read() {
                let msg = match event {
                    TermEvent::Key(key) => Msg::Key(key),
                    TermEvent::Resize(w, h) => Msg::Resize(w, h),
                    _ => continue,
                };
                if input_tx.send(msg).is_err() {
                    break;
                }
            }
        })?;

    connection.forward_events(tx.clone());

    let clock = connection.clock();
    let tick_tx = tx.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        loop {
            interval.tick().await;
            if tick_tx.send(Msg::Tick(clock.now())).is_err() {
                break;
            }
        }
    });

    spawn_effects(&connection, initial, &tx);
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    let mut flush_at = None;
    loop {
        app.settle();
        terminal.draw(|frame| crate::ui::render(frame, &app))?;
        let last_draw = Instant::now();

        // Marks left by events are acted on a little later, together, even
        // while events keep coming.
        if !app.needs_flush() {
            flush_at = None;
        } else if flush_at.is_none() {
            flush_at = Some(tokio::time::Instant::now() + FLUSH);
        }
        let first = match flush_at {
            Some(at) => tokio::select! {
                msg = rx.recv() => msg,
                () = tokio::time::sleep_until(at) => {
                    flush_at = None;
                    Some(Msg::Flush)
                }
            },
            None => rx.recv().await,
        };
        let Some(first) = first else { break };
        let effects = app.update(first);
        spawn_effects(&connection, effects, &tx);
        // Let a burst of messages share one frame.
        let deadline = tokio::time::Instant::now() + FRAME.saturating_sub(last_draw.elapsed());
        while !app.quit {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(msg) => {
                        let effects = app.update(msg);
                        spawn_effects(&connection, effects, &tx);
                    }
                    None => app.quit = true,
                },
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}
