//! The accept loop: every connection gets a deadline for each request's
//! head, for its body, and for idling between requests; no more than a
//! set number are served at once; shutdown waits for requests in flight
//! only so long.
//!
//! A response takes as long as it takes: long polls and event streams are
//! never cut by a timeout, only by shutdown.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::Request;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

use crate::Settings;

/// What one connection may take of the server.
#[derive(Debug, Clone, Copy)]
struct Limits {
    header: Duration,
    body: Duration,
    idle: Duration,
}

/// Serves `router` on `listener` until `stop` fires, then drains: no new
/// connections, `stopping` turns true (ending event streams), idle
/// connections close, requests in flight have `settings.shutdown_grace`
/// to finish before their connections are dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    settings: Settings,
    permits: Arc<Semaphore>,
    live: Arc<AtomicUsize>,
    mut stop: oneshot::Receiver<()>,
    stopping: watch::Sender<bool>,
) -> io::Result<()> {
    let limits = Limits {
        header: settings.header_timeout,
        body: settings.body_timeout,
        idle: settings.idle_timeout,
    };
    let acceptor = settings.tls.as_ref().map(|tls| tls.acceptor());
    let (drain, draining) = watch::channel(false);
    let mut tasks = JoinSet::new();
    'accepting: loop {
        // Beyond the cap, new connections wait in the kernel's backlog;
        // those being served go on undisturbed.
        let permit = tokio::select! {
            biased;
            _ = &mut stop => break 'accepting,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break 'accepting,
            },
        };
        let (stream, peer) = loop {
            tokio::select! {
                biased;
                _ = &mut stop => break 'accepting,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => break accepted,
                    Err(e) => accept_failed(e).await,
                },
            }
        };
        while tasks.try_join_next().is_some() {}
        tasks.spawn(connection(
            stream,
            peer,
            acceptor.clone(),
            router.clone(),
            limits,
            draining.clone(),
            Slot::take(permit, &live),
        ));
    }
    drop(listener);
    let _ = stopping.send(true);
    let _ = drain.send(true);
    let grace = settings.shutdown_grace;
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            "{} connection(s) still busy after the {grace:?} shutdown grace; dropping them",
            tasks.len()
        );
        tasks.shutdown().await;
    }
    Ok(())
}

/// As hyper did: a full file table (EMFILE) clears when connections
/// close, so wait a little rather than spin; a connection that died in
/// the backlog is nothing to wait for.
async fn accept_failed(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!("cannot accept a connection: {e}");
    tokio::time::sleep(Duration::from_millis(500)).await;
}

/// A connection's place under the cap, given back when it is dropped.
struct Slot {
    _permit: OwnedSemaphorePermit,
    live: Arc<AtomicUsize>,
}

impl Slot {
    fn take(permit: OwnedSemaphorePermit, live: &Arc<AtomicUsize>) -> Slot {
        live.fetch_add(1, Ordering::Relaxed);
        Slot {
            _permit: permit,
            live: live.clone(),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One connection, TLS first if asked, until it ends, times out or is
/// drained. Holding `_slot` is what counts it against the cap.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
    limits: Limits,
    mut draining: watch::Receiver<bool>,
    _slot: Slot,
) {
    let _ = stream.set_nodelay(true);
    let Some(acceptor) = acceptor else {
        return http(stream, peer, router, limits, draining).await;
    };
    // The handshake is bounded like a request's head.
    let handshake = tokio::select! {
        handshake = tokio::time::timeout(limits.header, acceptor.accept(stream)) => handshake,
        _ = draining.wait_for(|d| *d) => return,
    };
    match handshake {
        Ok(Ok(stream)) => http(stream, peer, router, limits, draining).await,
        Ok(Err(e)) => tracing::debug!("TLS handshake failed: {e}"),
        Err(_) => tracing::debug!("TLS handshake not done within {:?}", limits.header),
    }
}

/// HTTP/1.1 on `io`, watched for the deadlines of [`Limits`].
async fn http<I>(
    io: I,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    mut draining: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let busy = Busy::begin(&activity);
            let mut router = router.clone();
            let mut request = request.map(|body| Body::new(TimedBody::new(body, limits.body)));
            // Who is calling, as axum::serve's connect info tells it.
            request.extensions_mut().insert(ConnectInfo(peer));
            async move {
                let response = match tower_service::Service::call(&mut router, request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                // The connection is busy until the answer is sent whole.
                Ok::<_, Infallible>(response.map(|body| Body::new(Tracked { body, _busy: busy })))
            }
        })
    };
    let watched = Watched {
        io,
        activity: activity.clone(),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // Our own watch times the head, unlike hyper's, which would also
    // bound the idle time between requests.
    builder.header_read_timeout(None::<Duration>);
    let connection = builder.serve_connection(TokioIo::new(watched), service);
    tokio::pin!(connection);
    let mut drain_started = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("connection ended: {e}");
                }
                return;
            }
            why = activity.expired(limits) => {
                tracing::debug!("closing a connection: {why}");
                return;
            }
            _ = draining.wait_for(|d| *d), if !drain_started => {
                drain_started = true;
                // Half a head, or none yet: no answer is owed.
                if activity.awaiting_head() {
                    return;
                }
                // Finish (or flush) the answer under way, then close;
                // hyper closes an idle connection at once.
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Where a connection is between requests.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// No request under way since then.
    Idle(Instant),
    /// A request's head started arriving then (or the connection opened).
    Head(Instant),
    /// This many requests are being answered.
    Busy(usize),
}

/// A connection's phase, shared by its reader, its service and its watch.
struct Activity {
    phase: Mutex<Phase>,
    changed: Notify,
}

impl Activity {
    /// A new connection owes its first head at once.
    fn new() -> Activity {
        Activity {
            phase: Mutex::new(Phase::Head(Instant::now())),
            changed: Notify::new(),
        }
    }

    fn set(&self, phase: Phase) {
        *self.phase.lock() = phase;
        self.changed.notify_one();
    }

    fn awaiting_head(&self) -> bool {
        matches!(*self.phase.lock(), Phase::Head(_))
    }

    /// Bytes arrived: after an idle spell, a new head has begun.
    fn read(&self) {
        let mut phase = self.phase.lock();
        if let Phase::Idle(_) = *phase {
            *phase = Phase::Head(Instant::now());
            drop(phase);
            self.changed.notify_one();
        }
    }

    /// Resolves when the phase the connection is in outlasts its limit.
    async fn expired(&self, limits: Limits) -> &'static str {
        loop {
            let phase = *self.phase.lock();
            let (deadline, why) = match phase {
                Phase::Idle(since) => (since + limits.idle, "idle too long"),
                Phase::Head(since) => (since + limits.header, "no request head in time"),
                Phase::Busy(_) => {
                    self.changed.notified().await;
                    continue;
                }
            };
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {
                    if *self.phase.lock() == phase {
                        return why;
                    }
                }
                () = self.changed.notified() => {}
            }
        }
    }
}

/// A request being answered; dropped when the answer is sent or given up.
struct Busy(Arc<Activity>);

impl Busy {
    fn begin(activity: &Arc<Activity>) -> Busy {
        {
            let mut phase = activity.phase.lock();
            *phase = match *phase {
                Phase::Busy(n) => Phase::Busy(n + 1),
                _ => Phase::Busy(1),
            };
        }
        activity.changed.notify_one();
        Busy(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let next = match *self.0.phase.lock() {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Idle(Instant::now()),
        };
        self.0.set(next);
    }
}

/// The connection's bytes, noting when they arrive.
struct Watched<I> {
    io: I,
    activity: Arc<Activity>,
}

impl<I: AsyncRead + Unpin> AsyncRead for Watched<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.read();
        }
        result
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Watched<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// A request body that must arrive whole within its time, counted from
/// when the handler starts reading it (not while it waits its turn to);
/// after that it reads as an error, the handler answers so, and the
/// connection closes.
struct TimedBody {
    body: Incoming,
    deadline: Option<Pin<Box<Sleep>>>,
    limit: Duration,
}

impl TimedBody {
    fn new(body: Incoming, limit: Duration) -> TimedBody {
        TimedBody {
            body,
            deadline: None,
            limit,
        }
    }
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(io::Error::other)));
        }
        let limit = this.limit;
        let deadline = this
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        if deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the request body did not arrive within {:?}", this.limit),
            ))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A response body that keeps its connection busy until it is done.
struct Tracked {
    body: Body,
    _busy: Busy,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
