//! Faulty agents: real `sysman-agent`s talk to an in-process server
//! through a proxy on 127.0.0.1 that drops requests and responses, delays
//! them, sends some twice and holds some back until the next one has
//! passed; once, it cuts one node off for 40 s but for its polls, so
//! what it takes is handed out to it again. Commands keep coming while the
//! link fails; then it heals, and every invocation must end in exactly one
//! terminal status, none past its timeout, and no command may run twice on
//! a node.
//!
//! Each command appends its token to a file of the node it runs on, so a
//! double run shows as a token written twice. Status changes are read off
//! the backend's event stream as they happen.
//!
//! `SYSMAN_CHAOS_AGENT_SECS` (default 8) is how long commands are sent,
//! `SYSMAN_CHAOS_NODES` (default 3) the number of agents,
//! `SYSMAN_CHAOS_FANOUT` (default 1) the most nodes one command goes to
//! (a command reaches one target first and more as they finish, so a slow
//! node delays the rest: more than 1 makes a run longer), and
//! `SYSMAN_CHAOS_SEED` fixes the sender's choices and the proxy's draws
//! (which request meets which fault still depends on timing).

mod harness;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, header};
use axum::response::Response;
use harness::{all_commands, all_invocations};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sysman_agent::{RegisterOptions, RunConfig};
use sysman_api::client::Client;
use sysman_api::commands::{CancelCommand, CommandInvocation, InvocationStatus, SendCommand};
use sysman_api::fleet::{CreateActivation, DescribeInstanceInformation, PingStatus, PlatformType};
use sysman_api::sigv4::AccessKey;
use sysman_backend::{Backend, Event, Options};
use sysman_server::Settings;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

const REGION: &str = "us-east-1";
const SECS: u64 = 8;
const NODES: usize = 3;
/// Every wait for something that should come quickly ends by then.
const PATIENCE: Duration = Duration::from_secs(30);
/// The delivery timeout of every command: longer than the 30 s a message
/// lost on the way stays hidden before it is handed out again.
const TIMEOUT_SECONDS: i64 = 60;
/// What the server adds to an execution timeout before it calls a silent
/// node's invocation timed out (`EXECUTION_GRACE_SECS` in the backend).
const EXECUTION_GRACE: Duration = Duration::from_secs(60);
/// How late past its timeout an invocation may end and not count as stuck:
/// the server's scheduler and our event reading.
const SLACK: Duration = Duration::from_secs(5);
/// How long the one-way cut lasts: past the 30 s after which a message
/// taken and not acknowledged is handed out again.
const CUT: Duration = Duration::from_secs(40);
/// The longest the proxy holds a request back for the next one.
const HOLD_MAX: Duration = Duration::from_secs(1);

/// The proxy's faults, a request each at most.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Not forwarded; the connection breaks.
    DropRequest,
    /// Forwarded; the answer is lost with the connection.
    DropResponse,
    Delay(Duration),
    /// Forwarded twice, the copy after `after`; the agent gets the first
    /// answer, or the copy's when `answer_copy`.
    Duplicate {
        after: Duration,
        answer_copy: bool,
    },
    /// Held until the next request has gone ahead of it.
    Reorder,
}

#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    dropped_requests: AtomicU64,
    dropped_responses: AtomicU64,
    delayed: AtomicU64,
    duplicated: AtomicU64,
    reordered: AtomicU64,
    /// Held back with no request after it to go ahead: a delay in effect.
    held_alone: AtomicU64,
    /// Lost to a one-way cut: everything but the node's polls.
    cut_off: AtomicU64,
}

impl Counts {
    fn faults(&self) -> u64 {
        [
            &self.dropped_requests,
            &self.dropped_responses,
            &self.delayed,
            &self.duplicated,
            &self.reordered,
            &self.held_alone,
            &self.cut_off,
        ]
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum()
    }
}

/// The fault-injecting HTTP proxy between the agents and the server.
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    rng: Mutex<StdRng>,
    faulty: AtomicBool,
    held: Mutex<Option<oneshot::Sender<()>>>,
    /// A node (by access key id) whose requests, its polls aside, are lost
    /// until then: it takes messages but can neither acknowledge nor reply,
    /// so what it took is handed out to it again.
    cut_off: Mutex<Option<(String, Instant)>>,
    counts: Counts,
    /// Faults by operation (`X-Amz-Target`).
    by_target: Mutex<BTreeMap<String, u64>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Headers that belong to one connection, not to the request.
fn hop_by_hop(name: &HeaderName) -> bool {
    [
        header::CONNECTION,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
    ]
    .contains(name)
        || name.as_str() == "keep-alive"
}

/// An answer whose body breaks off: the client sees the connection fail.
fn broken() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("dropped by the chaos proxy"))
    });
    Response::new(Body::from_stream(failing))
}

impl Proxy {
    fn pick(&self) -> Option<Fault> {
        if !self.faulty.load(Ordering::Relaxed) {
            return None;
        }
        let mut rng = lock(&self.rng);
        let roll: f64 = rng.random();
        let ms = |rng: &mut StdRng, max| Duration::from_millis(rng.random_range(10..max));
        Some(match roll {
            r if r < 0.04 => Fault::DropRequest,
            r if r < 0.08 => Fault::DropResponse,
            r if r < 0.16 => Fault::Delay(ms(&mut rng, 400)),
            r if r < 0.22 => Fault::Duplicate {
                after: ms(&mut rng, 200),
                answer_copy: rng.random_bool(0.5),
            },
            r if r < 0.27 => Fault::Reorder,
            _ => return None,
        })
    }

    /// Sends the request on to the server; `None` if it cannot be reached.
    async fn forward(&self, head: &axum::http::request::Parts, body: Bytes) -> Option<Response> {
        let url = format!(
            "{}{}",
            self.upstream,
            head.uri.path_and_query().map_or("/", |p| p.as_str())
        );
        let mut request = self.http.request(head.method.clone(), url);
        // The Host header too: the agent signed it.
        for (name, value) in &head.headers {
            if !hop_by_hop(name) {
                request = request.header(name, value);
            }
        }
        let answer = request.body(body).send().await.ok()?;
        let status = answer.status();
        let headers = answer.headers().clone();
        let bytes = answer.bytes().await.ok()?;
        let mut response = Response::new(Body::from(bytes));
        *response.status_mut() = status;
        for (name, value) in &headers {
            if !hop_by_hop(name) {
                response.headers_mut().append(name, value.clone());
            }
        }
        Some(response)
    }

    /// Lets a held request go, once this one is on its way.
    fn release_held(&self) {
        if let Some(held) = lock(&self.held).take() {
            let _ = held.send(());
        }
    }

    async fn relay(self: Arc<Self>, request: Request) -> Response {
        let (head, body) = request.into_parts();
        let Ok(body) = axum::body::to_bytes(body, 4 << 20).await else {
            return broken();
        };
        self.counts.requests.fetch_add(1, Ordering::Relaxed);
        let target = head
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_owned();
        // The access key id signed into the request: which node sent it.
        let key = head
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split("Credential=").nth(1))
            .and_then(|v| v.split('/').next())
            .unwrap_or("-")
            .to_owned();
        let cut = lock(&self.cut_off)
            .as_ref()
            .is_some_and(|(node, until)| *node == key && Instant::now() < *until);
        if cut && target != "Sysman.ReceiveMessages" {
            self.counts.cut_off.fetch_add(1, Ordering::Relaxed);
            *lock(&self.by_target).entry(target).or_default() += 1;
            return broken();
        }
        let fault = self.pick();
        if let Some(fault) = fault {
            tracing::debug!(%target, %key, "fault {fault:?}");
            *lock(&self.by_target).entry(target).or_default() += 1;
        }
        if !matches!(fault, Some(Fault::Reorder)) {
            self.release_held();
        }
        let counts = &self.counts;
        let answer = match fault {
            None => self.forward(&head, body).await,
            Some(Fault::DropRequest) => {
                counts.dropped_requests.fetch_add(1, Ordering::Relaxed);
                None
            }
            Some(Fault::DropResponse) => {
                counts.dropped_responses.fetch_add(1, Ordering::Relaxed);
                let _ = self.forward(&head, body).await;
                None
            }
            Some(Fault::Delay(delay)) => {
                counts.delayed.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(delay).await;
                self.forward(&head, body).await
            }
            Some(Fault::Duplicate { after, answer_copy }) => {
                counts.duplicated.fetch_add(1, Ordering::Relaxed);
                let first = self.forward(&head, body.clone()).await;
                if answer_copy {
                    tokio::time::sleep(after).await;
                    self.forward(&head, body).await
                } else {
                    let proxy = Arc::clone(&self);
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = proxy.forward(&head, body).await;
                    });
                    first
                }
            }
            Some(Fault::Reorder) => {
                let (release, released) = oneshot::channel();
                // One held at a time: an earlier one goes now.
                if let Some(earlier) = lock(&self.held).replace(release) {
                    let _ = earlier.send(());
                }
                match tokio::time::timeout(HOLD_MAX, released).await {
                    Ok(_) => {
                        counts.reordered.fetch_add(1, Ordering::Relaxed);
                        // The one that let it go reaches the server first.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(_) => {
                        counts.held_alone.fetch_add(1, Ordering::Relaxed);
                        lock(&self.held).take();
                    }
                }
                self.forward(&head, body).await
            }
        };
        answer.unwrap_or_else(broken)
    }
}

async fn start_proxy(upstream: &str, seed: u64) -> (Arc<Proxy>, String) {
    let proxy = Arc::new(Proxy {
        upstream: upstream.trim_end_matches('/').to_owned(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        rng: Mutex::new(StdRng::seed_from_u64(seed)),
        faulty: AtomicBool::new(false),
        held: Mutex::new(None),
        cut_off: Mutex::new(None),
        counts: Counts::default(),
        by_target: Mutex::new(BTreeMap::new()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .fallback(|State(proxy): State<Arc<Proxy>>, request: Request| proxy.relay(request))
        .with_state(Arc::clone(&proxy));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (proxy, format!("http://{addr}"))
}

/// What the test sends, each kind with the end it should come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Prints its token: Success.
    Quick,
    /// Exits 3: Failed.
    Fails,
    /// Sleeps past its 2 s execution timeout: TimedOut.
    Overruns,
    /// Sleeps, and is cancelled a moment after it is sent.
    Cancelled,
}

#[derive(Debug)]
struct Sent {
    kind: Kind,
    token: String,
    targets: Vec<String>,
    at: Instant,
    execution_timeout: Duration,
}

fn command_lines(kind: Kind, token: &str, ran_dir: &Path) -> (Vec<String>, u64) {
    // One line per run, in the file of the node it runs on.
    let mark = format!(
        "echo {token} >> {}/ran-$AWS_SSM_INSTANCE_ID.log",
        ran_dir.display()
    );
    match kind {
        Kind::Quick => (vec![mark, format!("echo out-{token}")], 20),
        Kind::Fails => (vec![mark, format!("echo out-{token}"), "exit 3".into()], 20),
        Kind::Overruns => (vec![mark, "sleep 8".into()], 2),
        Kind::Cancelled => (vec![mark, "sleep 8".into()], 20),
    }
}

/// Status changes of every invocation as the backend announced them.
type Timeline = HashMap<(String, String), Vec<(Instant, InvocationStatus)>>;

fn record_events(
    mut events: broadcast::Receiver<Event>,
    timeline: Arc<Mutex<Timeline>>,
    lagged: Arc<AtomicU64>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(Event::InvocationChanged {
                    command_id,
                    instance_id,
                    status,
                    ..
                }) => lock(&timeline)
                    .entry((command_id, instance_id))
                    .or_default()
                    .push((Instant::now(), status)),
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    lagged.fetch_add(n, Ordering::Relaxed);
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    })
}

struct Agent {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), String>>,
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    let text = std::env::var(name).ok()?;
    Some(
        text.parse()
            .unwrap_or_else(|_| panic!("{name}={text} is not a number")),
    )
}

/// The tokens each node's file holds, with how often.
fn runs(ran_dir: &Path, instance_id: &str) -> HashMap<String, usize> {
    let path: PathBuf = ran_dir.join(format!("ran-{instance_id}.log"));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = HashMap::new();
    for line in text.lines() {
        *out.entry(line.to_owned()).or_default() += 1;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_faulty_link_every_invocation_ends_once_and_nothing_runs_twice() {
    let secs: u64 = env_number("SYSMAN_CHAOS_AGENT_SECS").unwrap_or(SECS);
    let node_count: usize = env_number("SYSMAN_CHAOS_NODES").unwrap_or(NODES);
    let fanout: usize = env_number::<usize>("SYSMAN_CHAOS_FANOUT")
        .unwrap_or(1)
        .clamp(1, node_count);
    let seed: u64 = env_number("SYSMAN_CHAOS_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    println!(
        "chaos-agents: seed {seed} (replay with SYSMAN_CHAOS_SEED={seed}), {node_count} nodes, \
         {secs} s of commands"
    );
    // RUST_LOG=chaos_agents=debug,sysman_agent=info shows each fault and
    // the agents' logs, to follow one seed.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let ran_dir = dir.path().join("ran");
    std::fs::create_dir(&ran_dir).unwrap();

    // The server, in process, and its events from the start.
    let backend = Backend::open_in_memory(Options::default()).unwrap();
    let timeline = Arc::new(Mutex::new(Timeline::new()));
    let lagged = Arc::new(AtomicU64::new(0));
    let recorder = record_events(
        backend.subscribe(),
        Arc::clone(&timeline),
        Arc::clone(&lagged),
    );
    let (access_key_id, secret_access_key) = backend
        .bootstrap_admin("admin")
        .await
        .unwrap()
        .expect("a new backend has no admin yet");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = sysman_server::start(backend.clone(), listener, Settings::default()).unwrap();
    let endpoint = format!("http://{}", running.addr);
    let admin = Client::new(
        &endpoint,
        REGION,
        Some(AccessKey {
            access_key_id,
            secret_access_key,
            session_token: None,
        }),
    )
    .unwrap();

    // The agents talk to the proxy only; it is faithful until they run.
    let (proxy, proxy_endpoint) = start_proxy(&endpoint, rng.random()).await;
    let activation = admin
        .call(&CreateActivation {
            iam_role: "SSMServiceRole".into(),
            registration_limit: Some(node_count as i64),
            ..CreateActivation::default()
        })
        .await
        .unwrap();
    let mut agents = Vec::new();
    let mut nodes = Vec::new();
    let mut keys = Vec::new();
    for i in 0..node_count {
        let state_dir = dir.path().join(format!("agent-{i}"));
        let registration = sysman_agent::register(&RegisterOptions {
            endpoint: proxy_endpoint.clone(),
            activation_id: activation.activation_id.clone(),
            activation_code: activation.activation_code.clone(),
            region: REGION.into(),
            state_dir: state_dir.clone(),
            force: false,
            ca_file: None,
        })
        .await
        .unwrap();
        nodes.push(registration.instance_id);
        keys.push(registration.access_key_id);
        let config = RunConfig {
            heartbeat: Duration::from_secs(2),
            // The machine runs tests as root; these commands are harmless.
            allow_root: true,
            retry_max: Duration::from_millis(500),
            ..RunConfig::new(&state_dir)
        };
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(sysman_agent::run(config, async move {
            let _ = stopped.await;
        }));
        agents.push(Agent { stop, task });
    }
    let deadline = Instant::now() + PATIENCE;
    loop {
        let listed = admin
            .call(&DescribeInstanceInformation::default())
            .await
            .unwrap()
            .instance_information_list;
        let ready = listed
            .iter()
            .filter(|n| {
                n.ping_status == PingStatus::Online && n.platform_type == Some(PlatformType::Linux)
            })
            .count();
        if ready == node_count {
            break;
        }
        assert!(Instant::now() < deadline, "the agents never came Online");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Commands for `secs`, through a link that fails all the while.
    proxy.faulty.store(true, Ordering::Relaxed);
    let mut sent: BTreeMap<String, Sent> = BTreeMap::new();
    let mut cancels = Vec::new();
    let load_start = Instant::now();
    let load_end = load_start + Duration::from_secs(secs);
    // Once in the run, one node is cut off but for its polls.
    let cut_node = rng.random_range(0..node_count);
    let cut_at = load_start + Duration::from_millis(rng.random_range(0..secs * 500));
    let mut cut_done = false;
    let mut n = 0u64;
    while Instant::now() < load_end && n < 100_000 {
        n += 1;
        if !cut_done && Instant::now() >= cut_at {
            cut_done = true;
            *lock(&proxy.cut_off) = Some((keys[cut_node].clone(), Instant::now() + CUT));
        }
        let kind = match rng.random_range(0..100) {
            0..80 => Kind::Quick,
            80..87 => Kind::Fails,
            87..93 => Kind::Overruns,
            _ => Kind::Cancelled,
        };
        let token = format!("token-{n}-{:08x}", rng.random::<u32>());
        let mut targets = nodes.clone();
        for i in (1..targets.len()).rev() {
            targets.swap(i, rng.random_range(0..=i));
        }
        targets.truncate(rng.random_range(1..=fanout));
        let (lines, execution_timeout) = command_lines(kind, &token, &ran_dir);
        let at = Instant::now();
        let command = admin
            .call(&SendCommand {
                instance_ids: Some(targets.clone()),
                document_name: "AWS-RunShellScript".into(),
                timeout_seconds: Some(TIMEOUT_SECONDS),
                // Every target runs, whatever the others do.
                max_concurrency: Some("100%".into()),
                max_errors: Some("100%".into()),
                parameters: Some(
                    [
                        ("commands".to_owned(), lines),
                        (
                            "executionTimeout".to_owned(),
                            vec![execution_timeout.to_string()],
                        ),
                    ]
                    .into(),
                ),
                ..SendCommand::default()
            })
            .await
            .unwrap()
            .command;
        if kind == Kind::Cancelled {
            let admin = admin.clone();
            let id = command.command_id.clone();
            let after = Duration::from_millis(rng.random_range(300..2000));
            cancels.push(tokio::spawn(async move {
                tokio::time::sleep(after).await;
                admin
                    .call(&CancelCommand {
                        command_id: id,
                        instance_ids: None,
                    })
                    .await
            }));
        }
        sent.insert(
            command.command_id,
            Sent {
                kind,
                token,
                targets,
                at,
                execution_timeout: Duration::from_secs(execution_timeout),
            },
        );
        tokio::time::sleep(Duration::from_millis(rng.random_range(30..150))).await;
    }
    for cancel in cancels {
        // Refused only when the command had already ended.
        if let Err(e) = cancel.await.unwrap() {
            assert_eq!(e.code, "InvalidCommandId", "{e}");
        }
    }
    // The link heals (the cut runs its course): what was lost on it must
    // now come through, and the wait for the rest stays short.
    proxy.faulty.store(false, Ordering::Relaxed);

    // The latest moment any invocation may still end: its delivery timeout,
    // or its execution timeout and the grace after the last send.
    let last_send = sent.values().map(|s| s.at).max().unwrap_or(started);
    let wait_end = last_send
        + Duration::from_secs(TIMEOUT_SECONDS as u64)
        + Duration::from_secs(20)
        + EXECUTION_GRACE
        + SLACK;
    let invocation_count: usize = sent.values().map(|s| s.targets.len()).sum();
    let mut ended_by_then = 0;
    while Instant::now() < wait_end {
        ended_by_then = all_invocations(&admin)
            .await
            .iter()
            .filter(|i| i.status.is_terminal())
            .count();
        if ended_by_then == invocation_count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let drained_at = Instant::now();
    // Give a wrongly repeated run, or a late status, the time to show.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let invocations: BTreeMap<(String, String), CommandInvocation> = all_invocations(&admin)
        .await
        .into_iter()
        .map(|i| ((i.command_id.clone(), i.instance_id.clone()), i))
        .collect();
    let commands = all_commands(&admin).await;
    let timeline = lock(&timeline).clone();
    let ran: HashMap<String, HashMap<String, usize>> = nodes
        .iter()
        .map(|id| (id.clone(), runs(&ran_dir, id)))
        .collect();

    let mut problems = Vec::new();
    let mut stuck = 0;
    let mut double_runs = 0;
    let mut ended_twice = 0;
    // Ended by the server before its acknowledgement arrived (cancelled,
    // or delivery timed out), yet run by an agent that had taken it: the
    // acknowledgement of an ended invocation is answered as a success, and
    // an agent runs what it took either way. Counted, not failed: see the
    // reliability notes in BENCHMARKS.md.
    let mut ran_after_timeout = 0;
    let mut ran_after_cancel = 0;
    let mut slowest = Duration::ZERO;
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for (command_id, s) in &sent {
        for node in &s.targets {
            let key = (command_id.clone(), node.clone());
            let Some(inv) = invocations.get(&key) else {
                problems.push(format!("{command_id} on {node}: no invocation"));
                continue;
            };
            let label = format!("{:?}/{}", inv.status, inv.status_details);
            *statuses.entry(label.clone()).or_default() += 1;
            let changes = timeline.get(&key).cloned().unwrap_or_default();
            // Each status change after the send, to read a failure by.
            let story = changes
                .iter()
                .map(|(t, st)| format!("{:.1}s {st:?}", (*t - s.at).as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ");
            let terminal: Vec<&(Instant, InvocationStatus)> =
                changes.iter().filter(|(_, st)| st.is_terminal()).collect();
            let mut distinct: Vec<InvocationStatus> = terminal.iter().map(|(_, st)| *st).collect();
            distinct.dedup();
            if distinct.len() > 1 || distinct.first().is_some_and(|st| *st != inv.status) {
                ended_twice += 1;
                problems.push(format!(
                    "{command_id} on {node} ended as {distinct:?}, reads {label}: {story}"
                ));
            }
            // Its deadline: delivery within the timeout of its dispatch
            // (targets are sent to a few at first, more as they finish), and
            // once taken, the execution timeout and the server's grace.
            let taken = changes
                .iter()
                .find(|(_, st)| {
                    matches!(
                        st,
                        InvocationStatus::InProgress | InvocationStatus::Cancelling
                    )
                })
                .map(|(at, _)| *at);
            let dispatched = changes
                .iter()
                .take_while(|(_, st)| {
                    matches!(st, InvocationStatus::Pending | InvocationStatus::Delayed)
                })
                .last()
                .map_or(s.at, |(at, _)| *at);
            let mut due = dispatched + Duration::from_secs(TIMEOUT_SECONDS as u64);
            if let Some(taken) = taken {
                due = due.max(taken + s.execution_timeout + EXECUTION_GRACE);
            }
            due += SLACK;
            match terminal.first() {
                Some((at, _)) if *at <= due => slowest = slowest.max(*at - s.at),
                Some((at, _)) => {
                    stuck += 1;
                    problems.push(format!(
                        "{command_id} on {node} ended {:.1?} after it was sent, past its \
                         timeout by {:.1?}: {story}",
                        *at - s.at,
                        *at - due
                    ));
                }
                None => {
                    stuck += 1;
                    problems.push(format!(
                        "{command_id} on {node} never ended: {label} {:.1?} after it was sent: \
                         {story}",
                        drained_at - s.at
                    ));
                }
            }
            // How often it ran here, and whether that fits how it ended.
            let times = ran[node].get(&s.token).copied().unwrap_or(0);
            if times > 1 {
                double_runs += 1;
                problems.push(format!("{command_id} ran {times} times on {node}: {story}"));
            }
            let output = inv
                .command_plugins
                .first()
                .map_or("", |p| p.output.as_str());
            let expected_out = format!("out-{}\n", s.token);
            let fits = match (inv.status, inv.status_details.as_str()) {
                (InvocationStatus::Success, _) if s.kind == Kind::Cancelled => {
                    // The cancel came after it had ended.
                    times == 1 && output.is_empty()
                }
                (InvocationStatus::Success, _) => {
                    s.kind == Kind::Quick && times == 1 && output == expected_out
                }
                (InvocationStatus::Failed, "Failed") => {
                    s.kind == Kind::Fails && times == 1 && output == expected_out
                }
                (InvocationStatus::TimedOut, "Delivery Timed Out") => {
                    if times == 1 {
                        ran_after_timeout += 1;
                    }
                    times <= 1
                }
                (InvocationStatus::TimedOut, _) => s.kind == Kind::Overruns && times == 1,
                (InvocationStatus::Cancelled, _) => {
                    if times == 1 && taken.is_none() {
                        ran_after_cancel += 1;
                    }
                    s.kind == Kind::Cancelled
                }
                _ => false,
            };
            if !fits {
                problems.push(format!(
                    "{command_id} ({:?}) on {node} is {label} with output {output:?}, ran \
                     {times} times: {story}",
                    s.kind
                ));
            }
        }
    }
    // Nothing ran that was not sent to its node.
    for (node, tokens) in &ran {
        for token in tokens.keys() {
            let known = sent
                .values()
                .any(|s| s.token == *token && s.targets.contains(node));
            if !known {
                problems.push(format!("{token} ran on {node}, which it was not sent to"));
            }
        }
    }
    if invocations.len() != invocation_count {
        problems.push(format!(
            "{} invocations stored, {invocation_count} sent",
            invocations.len()
        ));
    }
    if commands
        .iter()
        .any(|c| !c.status.is_terminal() || c.completed_count != c.target_count)
    {
        problems.push("a command has not ended with all its invocations".to_owned());
    }
    let mail = backend.nodes_with_mail();
    if !mail.is_empty() {
        problems.push(format!("mail is left for {mail:?}"));
    }
    let lagged = lagged.load(Ordering::Relaxed);
    if lagged > 0 {
        problems.push(format!("the event reader fell {lagged} events behind"));
    }

    for agent in agents {
        let _ = agent.stop.send(());
        let stopped = tokio::time::timeout(PATIENCE, agent.task).await;
        assert!(
            matches!(stopped, Ok(Ok(Ok(())))),
            "an agent did not stop: {stopped:?}"
        );
    }
    let _ = tokio::time::timeout(PATIENCE, running.stop()).await;
    drop(backend);
    recorder.abort();

    let c = &proxy.counts;
    println!(
        "chaos-agents: seed={seed} nodes={node_count} load_seconds={secs} commands={} \
         invocations={invocation_count} ended={ended_by_then} requests={} faults={} \
         dropped_requests={} dropped_responses={} delayed={} duplicated={} reordered={} \
         held_alone={} cut_off={} stuck={stuck} double_runs={double_runs} ended_twice={ended_twice} \
         ran_after_timeout={ran_after_timeout} \
         ran_after_cancel={ran_after_cancel} slowest_end_s={:.1} seconds={:.1}",
        sent.len(),
        c.requests.load(Ordering::Relaxed),
        c.faults(),
        c.dropped_requests.load(Ordering::Relaxed),
        c.dropped_responses.load(Ordering::Relaxed),
        c.delayed.load(Ordering::Relaxed),
        c.duplicated.load(Ordering::Relaxed),
        c.reordered.load(Ordering::Relaxed),
        c.held_alone.load(Ordering::Relaxed),
        c.cut_off.load(Ordering::Relaxed),
        slowest.as_secs_f64(),
        started.elapsed().as_secs_f64(),
    );
    println!("chaos-agents: statuses {statuses:?}");
    println!(
        "chaos-agents: faults by operation {:?}",
        lock(&proxy.by_target)
    );
    assert!(
        problems.is_empty(),
        "{} problems (seed {seed}; replay with SYSMAN_CHAOS_SEED={seed}):\n{}",
        problems.len(),
        problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
