//! `Sysman.Subscribe`: change events as server-sent events, each listener
//! seeing only what it may read.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::Response;
use sysman_api::ApiError;
use sysman_api::events::Subscribe;
use sysman_backend::{Backend, Caller};
use tokio::sync::{broadcast, watch};

/// A comment line this often keeps idle connections alive through proxies
/// and lets listeners notice a dead server.
const KEEPALIVE: Duration = Duration::from_secs(15);

struct Listener {
    events: broadcast::Receiver<sysman_backend::Event>,
    backend: Backend,
    caller: Caller,
    stopping: watch::Receiver<bool>,
}

/// Passes the gate (authorization and audit), then streams.
pub async fn open(
    backend: &Backend,
    caller: Caller,
    stopping: watch::Receiver<bool>,
) -> Result<Response, ApiError> {
    // Subscribed before the gate answers, so nothing between is missed.
    let events = backend.subscribe();
    backend.call(&caller, Subscribe {}).await?;
    let listener = Listener {
        events,
        backend: backend.clone(),
        caller,
        stopping,
    };
    let opening = futures_util::stream::once(async { chunk(": subscribed\n\n".to_owned()) });
    let rest = futures_util::stream::unfold(listener, |mut l| async move {
        let text = next_chunk(&mut l).await?;
        Some((chunk(text), l))
    });
    let body = Body::from_stream(futures_util::StreamExt::chain(opening, rest));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(body)
        .map_err(|e| ApiError::internal(format!("cannot open the event stream: {e}")))
}

fn chunk(text: String) -> Result<Bytes, Infallible> {
    Ok(Bytes::from(text))
}

/// The next thing to send, or `None` when the stream ends.
async fn next_chunk(l: &mut Listener) -> Option<String> {
    loop {
        if *l.stopping.borrow() {
            return None;
        }
        tokio::select! {
            _ = l.stopping.changed() => return None,
            () = tokio::time::sleep(KEEPALIVE) => return Some(": keepalive\n\n".to_owned()),
            received = l.events.recv() => match received {
                Ok(event) => {
                    if !l.backend.may_see(&l.caller, &event) {
                        continue;
                    }
                    let json = serde_json::to_string(&event).ok()?;
                    return Some(format!("data: {json}\n\n"));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    return Some("event: lagged\ndata: {}\n\n".to_owned());
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            },
        }
    }
}
