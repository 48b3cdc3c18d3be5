//! sysman's HTTP front: the AWS JSON 1.1 protocol that the `aws` CLI and
//! boto3 speak, SigV4 authentication, health and metrics.
//!
//! Every request goes through the backend's one gate; this crate only
//! decodes, authenticates and encodes. It knows no operation by hand: the
//! dispatch table is generated from sysman-api's list.

mod authn;
mod dispatch;
mod guard;
mod listen;
mod metrics;
mod model;
pub mod serve;
mod stream;
pub mod tls;
mod wire;

/// What the fuzz targets in `fuzz/` reach: not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::wire::decode;
}

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sysman_api::events::Subscribe;
use sysman_api::{ApiError, Operation};
use sysman_backend::{Backend, Caller};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use metrics::Metrics;
pub use tls::Tls;

/// The largest request body accepted by default. The largest legitimate
/// one is an agent's reply carrying output, far below this.
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// The largest body of the one unsigned operation, RegisterNode, whose
/// members are a few short strings.
pub const MAX_UNSIGNED_BODY: usize = 64 * 1024;
/// The bytes of request bodies held at once by default, across all
/// requests: four of the largest.
pub const MAX_BUFFERED: usize = 4 * MAX_BODY;

/// How the front behaves, beyond the backend it serves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// The largest body of an unsigned request, in bytes.
    pub max_unsigned_body: usize,
    /// The bytes of request bodies buffered at once; more wait their turn.
    pub max_buffered: usize,
    /// When set, `GET /metrics` needs `Authorization: Bearer TOKEN`.
    pub metrics_token: Option<Token>,
    /// How long a request's head may take to arrive, counted from the
    /// connection opening or from the first byte after an idle spell; it
    /// also bounds the TLS handshake. Slow-loris connections end here.
    pub header_timeout: Duration,
    /// How long a request's body may take to arrive whole, from when it
    /// starts being read.
    pub body_timeout: Duration,
    /// How long a kept-alive connection may sit with no request.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// On stop, how long requests in flight may take to finish before
    /// their connections are dropped.
    pub shutdown_grace: Duration,
    /// Serve HTTPS with this certificate; plain HTTP without.
    pub tls: Option<Tls>,
}

/// A bearer token, which never reaches a log line.
#[derive(Clone)]
pub struct Token(pub String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

/// Defaults: a head within 10 s; a body within 60 s (16 MiB at 2 Mbit/s);
/// 75 s idle between requests (clients keep pooled connections ~90 s and
/// notice a close they see first); room for 10,000 agents' long polls
/// (each holds a connection up to 20 s); a 25 s grace on stop, so long
/// polls in flight end with an answer.
impl Default for Settings {
    fn default() -> Self {
        Self {
            max_body: MAX_BODY,
            max_unsigned_body: MAX_UNSIGNED_BODY,
            max_buffered: MAX_BUFFERED,
            metrics_token: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(75),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(25),
            tls: None,
        }
    }
}

struct Shared {
    backend: Backend,
    /// Turns true when the server stops, ending event streams so graceful
    /// shutdown is not held up by listeners that never hang up.
    stopping: tokio::sync::watch::Receiver<bool>,
    routes: HashMap<String, dispatch::Route>,
    metrics: Metrics,
    settings: Settings,
    signing_keys: authn::SigningKeys,
    bodies: guard::BodyBudget,
    strangers: guard::Strangers,
    /// The fleet and invocation gauges, and when they were worked out.
    gauges: parking_lot::Mutex<Option<(Instant, Vec<metrics::Gauge>)>>,
}

/// The routes: `POST /` for every operation, `GET /healthz`, `GET /metrics`.
/// Event streams end when `stopping` turns true.
pub fn router(
    backend: Backend,
    settings: Settings,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let shared = Arc::new(Shared {
        backend,
        stopping,
        routes: dispatch::table(),
        metrics: Metrics::default(),
        bodies: guard::BodyBudget::new(settings.max_buffered),
        settings,
        signing_keys: authn::SigningKeys::default(),
        strangers: guard::Strangers::default(),
        gauges: parking_lot::Mutex::new(None),
    });
    Router::new()
        .route("/", axum::routing::post(api))
        .route("/healthz", get(healthz))
        .route("/metrics", get(render_metrics))
        .fallback(fallback)
        .with_state(shared)
}

/// How long the fleet and invocation gauges are reused. Working them out
/// walks every node and invocation under their locks, so however often
/// `/metrics` is asked (by a scraper, or by anyone who can reach it), that
/// walk happens once a period at most.
const GAUGES_FRESH_FOR: Duration = Duration::from_secs(5);

async fn render_metrics(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Some(token) = &shared.settings.metrics_token {
        let given = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let allowed = given.is_some_and(|g| {
            use subtle::ConstantTimeEq;
            bool::from(g.as_bytes().ct_eq(token.0.as_bytes()))
        });
        if !allowed {
            return (
                StatusCode::UNAUTHORIZED,
                [("www-authenticate", "Bearer")],
                "/metrics needs the token this server was given: Authorization: Bearer TOKEN\n",
            )
                .into_response();
        }
    }
    let gauges = {
        let mut cached = shared.gauges.lock();
        match &*cached {
            Some((at, gauges)) if at.elapsed() < GAUGES_FRESH_FOR => gauges.clone(),
            _ => {
                let gauges = gauges(&shared.backend);
                *cached = Some((Instant::now(), gauges.clone()));
                gauges
            }
        }
    };
    shared.metrics.render(&gauges).into_response()
}

fn gauges(backend: &Backend) -> Vec<metrics::Gauge> {
    let owned = |counts: Vec<(&'static str, u64)>| {
        counts
            .into_iter()
            .map(|(label, n)| (label.to_owned(), n))
            .collect()
    };
    vec![
        metrics::Gauge {
            name: "sysman_nodes",
            help: "Managed nodes by ping status.",
            label: "ping_status",
            values: owned(backend.nodes_by_ping_status()),
        },
        metrics::Gauge {
            name: "sysman_command_invocations",
            help: "Run Command invocations kept, by status.",
            label: "status",
            values: owned(backend.invocations_by_status()),
        },
        metrics::Gauge {
            name: "sysman_command_output_write_failures",
            help: "Writes of command output to the object store that failed since start.",
            label: "store",
            values: vec![("objects".to_owned(), backend.output_write_failures())],
        },
    ]
}

/// `ok`, or 503 with why the store refuses work (it retries by itself).
async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    match shared.backend.health().await {
        Ok(()) => "ok\n".into_response(),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store failing: {reason}\n"),
        )
            .into_response(),
    }
}

async fn fallback(method: Method, uri: Uri) -> Response {
    let error = ApiError::new(
        "UnknownOperationException",
        format!(
            "{method} {uri} is not served here: operations are POST / with an X-Amz-Target \
             header; GET /healthz and GET /metrics are the other routes."
        ),
    );
    let mut response = wire::error_response(&error, &request_id());
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// A unique id for every answer: random high bits drawn once, and a
/// counter, so no request pays for a trip to the kernel's random source.
fn request_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static BASE: OnceLock<u128> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let base = *BASE.get_or_init(|| uuid::Uuid::new_v4().as_u128() & !u128::from(u64::MAX));
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    uuid::Uuid::from_u128(base | u128::from(n)).to_string()
}

/// One operation: target, body, authentication, the gate, the answer.
async fn api(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let started = Instant::now();
    let request_id = request_id();
    // Known when served through `start`; a router driven in-process has
    // no peer, and no peer is ever throttled.
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let (parts, body) = request.into_parts();
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut stranger = true;
    let result = handle(
        &shared,
        &target,
        &parts.uri,
        &parts.headers,
        body,
        peer,
        &mut stranger,
    )
    .await;
    if stranger && result.is_err() {
        shared.strangers.refused(peer, Instant::now());
    }
    let (label, outcome) = match shared.routes.contains_key(&target) {
        true => (
            target.as_str(),
            result.as_ref().err().map(|e| e.code.as_ref()),
        ),
        false => ("unknown", result.as_ref().err().map(|e| e.code.as_ref())),
    };
    shared
        .metrics
        .observe(label, outcome.unwrap_or("Success"), started.elapsed());
    match result {
        Ok(Answer::Body(bytes)) => wire::ok_response(bytes, &request_id),
        Ok(Answer::Stream(response)) => response,
        Err(error) => {
            if error.http_status() >= 500 {
                tracing::error!(%request_id, %target, "internal error: {}", error.message);
            }
            wire::error_response(&error, &request_id)
        }
    }
}

enum Answer {
    Body(Vec<u8>),
    Stream(Response),
}

/// Serves one request. `stranger` stays true until the caller proves a
/// key; a stranger's refusals count against its address.
async fn handle(
    shared: &Shared,
    target: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    peer: Option<std::net::IpAddr>,
    stranger: &mut bool,
) -> Result<Answer, ApiError> {
    let Some(route) = shared.routes.get(target) else {
        return Err(ApiError::new(
            "UnknownOperationException",
            if target.is_empty() {
                "The request has no X-Amz-Target header naming its operation \
                 (AmazonSSM.<Operation> or Sysman.<Operation>)."
                    .to_owned()
            } else {
                format!("'{target}' is not an operation sysman serves.")
            },
        ));
    };
    // Everything the headers can tell is checked before the body is read.
    let pending = authn::check_headers(&shared.backend, target, headers)?;
    if pending.is_anonymous() {
        // A caller with a key is never held up by a stranger that shares
        // its address.
        shared.strangers.admit(peer, Instant::now())?;
    }
    let limit = match pending.is_anonymous() {
        true => shared.settings.max_unsigned_body,
        false => shared.settings.max_body,
    };
    let too_large = || {
        ApiError::validation(format!(
            "The request body is larger than {limit} bytes, or broke off."
        ))
    };
    let declared = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let _share = shared.bodies.reserve(declared.unwrap_or(limit)).await?;
    let body = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let caller = authn::authenticate(pending, &shared.signing_keys, path, headers, &body)?;
    *stranger = caller == Caller::Anonymous;
    if Subscribe::target().is(target) {
        return stream::open(&shared.backend, caller, shared.stopping.clone())
            .await
            .map(Answer::Stream);
    }
    let _held = shared.metrics.hold(target);
    route(&shared.backend, caller, &body)
        .await
        .map(Answer::Body)
}

/// A server running on a listener, until [`Running::stop`].
pub struct Running {
    pub addr: SocketAddr,
    /// `http` or `https`.
    pub scheme: &'static str,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    live: Arc<std::sync::atomic::AtomicUsize>,
}

impl Running {
    /// `http://ADDR` or `https://ADDR`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// Connections being served now (not those waiting to be accepted).
    pub fn connections(&self) -> usize {
        self.live.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stops accepting and ends event streams; requests in flight have
    /// the shutdown grace to finish, then their connections are dropped.
    pub async fn stop(self) -> Result<(), String> {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(result) => result.map_err(|e| format!("the server failed: {e}")),
            Err(e) => Err(format!("the server task failed: {e}")),
        }
    }
}

/// Serves `backend` on `listener` in the background.
pub fn start(
    backend: Backend,
    listener: TcpListener,
    settings: Settings,
) -> Result<Running, String> {
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    if settings.max_connections == 0 {
        return Err("the connection limit must be at least 1".to_owned());
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
    let scheme = if settings.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let permits = Arc::new(tokio::sync::Semaphore::new(settings.max_connections));
    let live = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = router(backend, settings.clone(), stopping);
    let task = tokio::spawn(listen::serve(
        listener,
        app,
        settings,
        permits,
        live.clone(),
        stopped,
        stopping_tx,
    ));
    Ok(Running {
        addr,
        scheme,
        stop,
        task,
        live,
    })
}

impl IntoResponse for metrics::Rendered {
    fn into_response(self) -> Response {
        (
            [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
            self.0,
        )
            .into_response()
    }
}
