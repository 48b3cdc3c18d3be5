//! Idle fleets, measured from outside the process that serves them.
//!
//! * `server` mode: a release `sysman serve --ephemeral` runs as a process
//!   of its own; this process registers N nodes over HTTP and then behaves
//!   as N idle sysman-agents would (a 20-second `ReceiveMessages` long poll
//!   after another, a heartbeat a minute). After a settling time it samples
//!   the server's CPU time and resident memory from `/proc` over a window.
//! * `agent` mode: a release `sysman-agent` registered to a release
//!   `sysman serve`, left idle, its resident memory sampled from `/proc`.
//!
//! ```sh
//! cargo build --release -p sysman -p sysman-agent
//! cargo bench -p sysman-server --bench idle_agents                 # both rows
//! cargo bench -p sysman-server --bench idle_agents -- 1000 60      # server: nodes, window s
//! cargo bench -p sysman-server --bench idle_agents -- agent 30     # agent: seconds idle
//! ```
//!
//! Not criterion: one run is a minute or more of one steady state. Results
//! and targets are in BENCHMARKS.md.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sysman_api::client::Client;
use sysman_api::commands::ReceiveMessages;
use sysman_api::credentials::{self, SYSMAN_PROFILE};
use sysman_api::fleet::{CreateActivation, PlatformType, RegisterNode, UpdateInstanceInformation};
use sysman_api::sigv4::AccessKey;
use tokio::task::JoinSet;

const REGION: &str = "us-east-1";
/// What sysman-agent does (`crates/agent/src/channel.rs`): a 20-second
/// long poll for up to 10 messages after another, and a heartbeat at start
/// and then every `DEFAULT_HEARTBEAT` (300 s).
const WAIT_SECONDS: i64 = 20;
const MAX_MESSAGES: i64 = 10;
const HEARTBEAT: Duration = Duration::from_secs(300);
/// A hybrid activation registers at most this many nodes.
const PER_ACTIVATION: usize = 1000;
/// Registrations in flight at once.
const REGISTER_CONCURRENCY: usize = 32;
/// Time after the last agent started before the window opens.
const SETTLE: Duration = Duration::from_secs(10);
/// The agents start spread over this much time, as a fleet's agents do.
const START_SPREAD: Duration = Duration::from_secs(5);
const SAMPLE_EVERY: Duration = Duration::from_secs(1);
/// Bounds on the phases that are not the measurement itself.
const SERVER_START: Duration = Duration::from_secs(30);
const REGISTRATION: Duration = Duration::from_secs(300);

enum Mode {
    Server {
        nodes: usize,
        window: u64,
        durable: bool,
    },
    Agent {
        idle: u64,
    },
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if !raw.iter().any(|a| a == "--bench") {
        // `cargo test --benches` runs bench targets without `--bench`: this
        // one needs release binaries and minutes, so it only runs on demand.
        println!("idle_agents: run with `cargo bench -p sysman-server --bench idle_agents`");
        return ExitCode::SUCCESS;
    }
    // This process plays every agent: one socket each, as the server holds.
    if let Err(e) = sysman_server::serve::raise_open_file_limit() {
        eprintln!("idle_agents: {e}");
    }
    let args: Vec<&str> = raw
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    // `durable` anywhere: the server keeps its store on disk instead.
    let durable = args.contains(&"durable");
    let args: Vec<&str> = args.into_iter().filter(|a| *a != "durable").collect();
    let modes = match parse(&args, durable) {
        Ok(modes) => modes,
        Err(e) => {
            eprintln!("idle_agents: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("idle_agents: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    for mode in modes {
        let result = match mode {
            Mode::Server {
                nodes,
                window,
                durable,
            } => runtime.block_on(server_row(nodes, window, durable)),
            Mode::Agent { idle } => runtime.block_on(agent_row(idle)),
        };
        if let Err(e) = result {
            eprintln!("idle_agents: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn parse(args: &[&str], durable: bool) -> Result<Vec<Mode>, String> {
    let number = |s: Option<&&str>, default: u64, what: &str| -> Result<u64, String> {
        match s {
            None => Ok(default),
            Some(s) => s
                .parse()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{what} must be a positive number, not '{s}'")),
        }
    };
    match args.first() {
        None => Ok(vec![
            Mode::Server {
                nodes: 1000,
                window: 60,
                durable,
            },
            Mode::Agent { idle: 30 },
        ]),
        Some(&"agent") => Ok(vec![Mode::Agent {
            idle: number(args.get(1), 30, "the idle time")?,
        }]),
        Some(&"server") => Ok(vec![Mode::Server {
            nodes: number(args.get(1), 1000, "the node count")? as usize,
            window: number(args.get(2), 60, "the window")?,
            durable,
        }]),
        Some(_) => Ok(vec![Mode::Server {
            nodes: number(args.first(), 1000, "the node count")? as usize,
            window: number(args.get(1), 60, "the window")?,
            durable,
        }]),
    }
}

// ---------------------------------------------------------------- /proc

/// Clock ticks a second, for /proc/PID/stat.
fn clock_ticks() -> (f64, &'static str) {
    let out = Command::new("getconf").arg("CLK_TCK").output();
    match out
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
    {
        Some(t) if t > 0.0 => (t, "getconf CLK_TCK"),
        _ => (100.0, "assumed: getconf CLK_TCK failed"),
    }
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it do not.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 3 (state) is fields[0]; utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// A numeric field of /proc/PID/status (`VmRSS:`, `VmHWM:` in KiB, `Threads:`).
fn status_field(pid: &str, name: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn open_fds(pid: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Decimal megabytes (10^6 bytes), the unit the targets are stated in.
fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

/// The targets, in KiB as /proc gives them: 200 MB and 15 MB (decimal).
const SERVER_RSS_MAX_KIB: u64 = 200_000_000 / 1024;
const AGENT_RSS_MAX_KIB: u64 = 15_000_000 / 1024;

// ---------------------------------------------------------------- processes

/// The workspace's target directory.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    }
}

fn release_binary(name: &str, build: &str) -> Result<PathBuf, String> {
    let path = target_dir().join("release").join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} does not exist; build it first with `{build}` (from the workspace root), \
             then run this bench again",
            path.display()
        ))
    }
}

/// A child process killed when this is dropped, error or not.
struct Killed {
    child: Child,
    name: &'static str,
    /// The last lines it wrote on stderr.
    log: Arc<Mutex<VecDeque<String>>>,
}

impl Killed {
    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Fails with its last lines if it has exited.
    fn check(&mut self) -> Result<(), String> {
        if self.alive() {
            return Ok(());
        }
        Err(format!(
            "{} exited early; its last lines:\n{}",
            self.name,
            self.tail()
        ))
    }

    fn tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` with stderr read into a ring of its last lines; the
/// first line containing `marker` is sent on the returned channel.
fn spawn(
    mut command: Command,
    name: &'static str,
    marker: &'static str,
) -> Result<(Killed, std::sync::mpsc::Receiver<String>), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let log = Arc::new(Mutex::new(VecDeque::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let ring = Arc::clone(&log);
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains(marker)
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(line.clone());
            }
            let mut ring = ring.lock().unwrap_or_else(|e| e.into_inner());
            if ring.len() == 20 {
                ring.pop_front();
            }
            ring.push_back(line);
        }
    });
    Ok((Killed { child, name, log }, rx))
}

/// A release `sysman serve --ephemeral` on a free port, its endpoint and
/// an administrator client.
struct Server {
    process: Killed,
    endpoint: String,
    admin: Client,
}

/// `durable`: the store on disk in `dir` (WAL, fsync) instead of in memory.
async fn start_server(dir: &Path, durable: bool) -> Result<Server, String> {
    let binary = release_binary("sysman", "cargo build --release -p sysman")?;
    let credentials_file = dir.join("credentials");
    let mut command = Command::new(&binary);
    command.arg("serve").args(["--listen", "127.0.0.1:0"]);
    if durable {
        command.arg("--data-dir").arg(dir.join("data"));
    } else {
        command.arg("--ephemeral");
    }
    command.arg("--credentials-file").arg(&credentials_file);
    command.args(["--profile", SYSMAN_PROFILE]);
    let (mut process, listening) = spawn(command, "sysman serve", "listening on http://")?;
    let started = Instant::now();
    let line = loop {
        match listening.try_recv() {
            Ok(line) => break line,
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                process.check()?;
                return Err("sysman serve closed its stderr".into());
            }
        }
        process.check()?;
        if started.elapsed() > SERVER_START {
            return Err(format!(
                "sysman serve did not listen within {SERVER_START:?}:\n{}",
                process.tail()
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let endpoint = line
        .split("listening on ")
        .nth(1)
        .map(|s| s.trim().to_owned())
        .ok_or_else(|| format!("cannot read the address from '{line}'"))?;
    let (_, key) = credentials::from_files(std::slice::from_ref(&credentials_file), SYSMAN_PROFILE)
        .ok_or_else(|| {
            format!(
                "no '{SYSMAN_PROFILE}' key in {}",
                credentials_file.display()
            )
        })?;
    let admin = Client::new(&endpoint, REGION, Some(key))?;
    Ok(Server {
        process,
        endpoint,
        admin,
    })
}

async fn metrics(endpoint: &str) -> Result<String, String> {
    let url = format!("{}/metrics", endpoint.trim_end_matches('/'));
    let get = async {
        reqwest::get(&url)
            .await
            .map_err(|e| format!("GET {url}: {e}"))?
            .text()
            .await
            .map_err(|e| format!("GET {url}: {e}"))
    };
    tokio::time::timeout(Duration::from_secs(10), get)
        .await
        .map_err(|_| format!("GET {url} took over 10 s"))?
}

fn metric(page: &str, name: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

// ---------------------------------------------------------------- fleet

/// One registered node: its id and key.
struct Node {
    instance_id: String,
    key: AccessKey,
}

async fn register(server: &Server, nodes: usize) -> Result<Vec<Node>, String> {
    let mut activations = Vec::new();
    let mut left = nodes;
    while left > 0 {
        let limit = left.min(PER_ACTIVATION);
        let created = server
            .admin
            .call(&CreateActivation {
                iam_role: "SSMServiceRole".into(),
                registration_limit: Some(limit as i64),
                ..CreateActivation::default()
            })
            .await
            .map_err(|e| format!("CreateActivation: {e}"))?;
        activations.extend(std::iter::repeat_n(
            (created.activation_id, created.activation_code),
            limit,
        ));
        left -= limit;
    }
    let unsigned = server.admin.with_key(None);
    let results: Vec<Result<Node, String>> =
        futures_util::stream::iter(activations.into_iter().enumerate())
            .map(|(i, (activation_id, activation_code))| {
                let client = unsigned.clone();
                async move {
                    let registered = client
                        .call(&RegisterNode {
                            activation_id,
                            activation_code,
                            computer_name: Some(format!("idle-{i:05}")),
                            platform_type: Some(PlatformType::Linux),
                            platform_name: Some("Ubuntu".into()),
                            platform_version: Some("24.04".into()),
                            agent_version: Some(env!("CARGO_PKG_VERSION").into()),
                            ip_address: Some(format!("10.0.{}.{}", i / 250, i % 250 + 1)),
                        })
                        .await
                        .map_err(|e| format!("RegisterNode: {e}"))?;
                    Ok(Node {
                        instance_id: registered.instance_id,
                        key: AccessKey {
                            access_key_id: registered.access_key_id,
                            secret_access_key: registered.secret_access_key,
                            session_token: None,
                        },
                    })
                }
            })
            .buffer_unordered(REGISTER_CONCURRENCY)
            .collect()
            .await;
    results.into_iter().collect()
}

#[derive(Default)]
struct Tally {
    polls: AtomicU64,
    messages: AtomicU64,
    poll_errors: AtomicU64,
    heartbeats: AtomicU64,
    heartbeat_errors: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Tally {
    fn error(&self, counter: &AtomicU64, e: impl std::fmt::Display) {
        counter.fetch_add(1, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
    }
}

/// One idle agent, as sysman-agent's `poll_loop` and `heartbeat_loop` are:
/// a heartbeat at start and every [`HEARTBEAT`], a long poll after another.
async fn idle_agent(client: Client, instance_id: String, start: Duration, tally: Arc<Tally>) {
    tokio::time::sleep(start).await;
    let heartbeat = async {
        loop {
            let sent = client
                .call(&UpdateInstanceInformation {
                    instance_id: instance_id.clone(),
                    agent_version: Some(env!("CARGO_PKG_VERSION").into()),
                    platform_type: Some(PlatformType::Linux),
                    platform_name: Some("Ubuntu".into()),
                    platform_version: Some("24.04".into()),
                    ip_address: None,
                    computer_name: None,
                })
                .await;
            match sent {
                Ok(_) => {
                    tally.heartbeats.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => tally.error(&tally.heartbeat_errors, e),
            }
            tokio::time::sleep(HEARTBEAT).await;
        }
    };
    let polls = async {
        loop {
            let received = client
                .call(&ReceiveMessages {
                    instance_id: instance_id.clone(),
                    wait_seconds: Some(WAIT_SECONDS),
                    max_messages: Some(MAX_MESSAGES),
                })
                .await;
            match received {
                Ok(result) => {
                    tally.polls.fetch_add(1, Ordering::Relaxed);
                    tally
                        .messages
                        .fetch_add(result.messages.len() as u64, Ordering::Relaxed);
                }
                Err(e) => {
                    tally.error(&tally.poll_errors, e);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    };
    tokio::join!(heartbeat, polls);
}

/// What one window of samples shows of a process.
struct Window {
    secs: f64,
    cpu_secs: f64,
    /// The busiest sample interval, as % of one core.
    cpu_peak_pct: f64,
    rss_first_kib: u64,
    rss_last_kib: u64,
    rss_peak_kib: u64,
    hwm_kib: u64,
    threads: u64,
    fds: usize,
}

impl Window {
    fn cpu_pct(&self) -> f64 {
        100.0 * self.cpu_secs / self.secs
    }
}

/// Samples `pid` every second for `secs`; `alive` is checked each time.
async fn sample(
    pid: &str,
    secs: u64,
    ticks: f64,
    mut alive: impl FnMut() -> Result<(), String>,
) -> Result<Window, String> {
    let gone = || format!("process {pid} is gone");
    let first_ticks = cpu_ticks(pid).ok_or_else(gone)?;
    let started = Instant::now();
    let rss_first = status_field(pid, "VmRSS:").ok_or_else(gone)?;
    let (mut rss_peak, mut rss_last) = (rss_first, rss_first);
    let (mut prev_ticks, mut prev_at) = (first_ticks, started);
    let mut cpu_peak_pct: f64 = 0.0;
    let mut next = tokio::time::Instant::now();
    let end = started + Duration::from_secs(secs);
    let mut last_ticks = first_ticks;
    let mut last_at = started;
    let (mut minute_ticks, mut minute_at) = (first_ticks, started);
    while Instant::now() < end {
        next += SAMPLE_EVERY;
        tokio::time::sleep_until(next).await;
        alive()?;
        let now_ticks = cpu_ticks(pid).ok_or_else(gone)?;
        let at = Instant::now();
        rss_last = status_field(pid, "VmRSS:").ok_or_else(gone)?;
        rss_peak = rss_peak.max(rss_last);
        let dt = at.duration_since(prev_at).as_secs_f64();
        if dt > 0.0 {
            let pct = 100.0 * (now_ticks - prev_ticks) as f64 / ticks / dt;
            cpu_peak_pct = cpu_peak_pct.max(pct);
        }
        (prev_ticks, prev_at) = (now_ticks, at);
        (last_ticks, last_at) = (now_ticks, at);
        // A line a minute shows whether memory or CPU drift.
        if at.duration_since(minute_at) >= Duration::from_secs(60) {
            let dt = at.duration_since(minute_at).as_secs_f64();
            println!(
                "  {:>4.0} s: rss {:.1} MiB, cpu {:.2}% of one core over the last {dt:.0} s",
                at.duration_since(started).as_secs_f64(),
                mib(rss_last),
                100.0 * (now_ticks - minute_ticks) as f64 / ticks / dt
            );
            (minute_ticks, minute_at) = (now_ticks, at);
        }
    }
    Ok(Window {
        secs: last_at.duration_since(started).as_secs_f64(),
        cpu_secs: (last_ticks - first_ticks) as f64 / ticks,
        cpu_peak_pct,
        rss_first_kib: rss_first,
        rss_last_kib: rss_last,
        rss_peak_kib: rss_peak,
        hwm_kib: status_field(pid, "VmHWM:").unwrap_or(0),
        threads: status_field(pid, "Threads:").unwrap_or(0),
        fds: open_fds(pid),
    })
}

// ---------------------------------------------------------------- rows

async fn server_row(nodes: usize, window: u64, durable: bool) -> Result<(), String> {
    let (ticks, ticks_from) = clock_ticks();
    println!(
        "== server ({}): {nodes} idle agents holding long polls, {window} s window \
         (clock ticks {ticks}/s, {ticks_from})",
        if durable {
            "store on disk, --data-dir"
        } else {
            "--ephemeral"
        }
    );
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temporary dir: {e}"))?;
    let began = Instant::now();
    let mut server = start_server(dir.path(), durable).await?;
    let pid = server.process.pid();
    println!(
        "started sysman serve (pid {pid}) on {} in {:.2?}; rss {:.1} MiB",
        server.endpoint,
        began.elapsed(),
        mib(status_field(&pid, "VmRSS:").unwrap_or(0))
    );

    let registering = Instant::now();
    let fleet = tokio::time::timeout(REGISTRATION, register(&server, nodes))
        .await
        .map_err(|_| format!("registering {nodes} nodes took over {REGISTRATION:?}"))??;
    server.process.check()?;
    let rss_registered = status_field(&pid, "VmRSS:").unwrap_or(0);
    println!(
        "registered {nodes} nodes over HTTP in {:.2?}; rss {:.1} MiB, {} fds",
        registering.elapsed(),
        mib(rss_registered),
        open_fds(&pid)
    );

    let tally = Arc::new(Tally::default());
    let mut agents = JoinSet::new();
    for (i, node) in fleet.into_iter().enumerate() {
        let client = server.admin.with_key(Some(node.key));
        let start = START_SPREAD.mul_f64(i as f64 / nodes as f64);
        agents.spawn(idle_agent(
            client,
            node.instance_id,
            start,
            Arc::clone(&tally),
        ));
    }
    let settle = START_SPREAD + SETTLE;
    println!("agents start over {START_SPREAD:?}; settling for {settle:?}");
    tokio::time::sleep(settle).await;
    server.process.check()?;
    let settled = metrics(&server.endpoint).await?;
    println!(
        "settled: {} long polls held, rss {:.1} MiB, {} fds",
        metric(&settled, "sysman_long_polls_held").unwrap_or(-1.0),
        mib(status_field(&pid, "VmRSS:").unwrap_or(0)),
        open_fds(&pid)
    );

    let me = std::process::id().to_string();
    let my_ticks = cpu_ticks(&me).unwrap_or(0);
    let process = &mut server.process;
    let measured = sample(&pid, window, ticks, || process.check()).await?;
    let my_cpu = (cpu_ticks(&me).unwrap_or(0) - my_ticks) as f64 / ticks;
    let page = metrics(&server.endpoint).await?;
    let held = metric(&page, "sysman_long_polls_held").unwrap_or(-1.0);
    let polls_total = page
        .lines()
        .filter(|l| l.starts_with("sysman_requests_total{operation=\"Sysman.ReceiveMessages\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>();
    agents.shutdown().await;
    drop(server);

    println!(
        "server over {:.1} s: cpu {:.2} s = {:.2}% of one core (busiest second {:.1}%)",
        measured.secs,
        measured.cpu_secs,
        measured.cpu_pct(),
        measured.cpu_peak_pct
    );
    println!(
        "server memory: rss {:.1} MiB at the window's start, {:.1} MiB at its end, \
         {:.1} MiB ({:.1} MB) peak sampled, VmHWM {:.1} MiB ({:.1} MB); {} threads, {} fds",
        mib(measured.rss_first_kib),
        mib(measured.rss_last_kib),
        mib(measured.rss_peak_kib),
        mb(measured.rss_peak_kib),
        mib(measured.hwm_kib),
        mb(measured.hwm_kib),
        measured.threads,
        measured.fds
    );
    println!(
        "memory the held polls added: {:.1} MiB = {:.1} KiB per agent (rss at the window's \
         end minus after registration)",
        mib(measured.rss_last_kib.saturating_sub(rss_registered)),
        measured.rss_last_kib.saturating_sub(rss_registered) as f64 / nodes as f64
    );
    println!(
        "sysman_long_polls_held {held} at the end; {polls_total} ReceiveMessages answered in all"
    );
    println!(
        "load generator (this process): cpu {my_cpu:.2} s over the window; agents: {} polls \
         answered ({} messages), {} poll errors, {} heartbeats, {} heartbeat errors",
        tally.polls.load(Ordering::Relaxed),
        tally.messages.load(Ordering::Relaxed),
        tally.poll_errors.load(Ordering::Relaxed),
        tally.heartbeats.load(Ordering::Relaxed),
        tally.heartbeat_errors.load(Ordering::Relaxed),
    );
    if let Some(e) = tally
        .last_error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
    {
        println!("last agent error: {e}");
    }
    let cpu_ok = measured.cpu_pct() <= 5.0;
    let mem_ok = measured.rss_peak_kib.max(measured.hwm_kib) <= SERVER_RSS_MAX_KIB;
    println!(
        "target cpu <= 5%: {}; target memory <= 200 MB: {} (peak of sampled rss and VmHWM)",
        if cpu_ok { "meets" } else { "MISSES" },
        if mem_ok { "meets" } else { "MISSES" }
    );
    println!("took {:.1?} in all", began.elapsed());
    Ok(())
}

async fn agent_row(idle: u64) -> Result<(), String> {
    let (ticks, ticks_from) = clock_ticks();
    println!(
        "== agent: one release sysman-agent idle for {idle} s (clock ticks {ticks}/s, {ticks_from})"
    );
    let agent_binary = release_binary("sysman-agent", "cargo build --release -p sysman-agent")?;
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temporary dir: {e}"))?;
    let began = Instant::now();
    let mut server = start_server(dir.path(), false).await?;
    let created = server
        .admin
        .call(&CreateActivation {
            iam_role: "SSMServiceRole".into(),
            registration_limit: Some(1),
            ..CreateActivation::default()
        })
        .await
        .map_err(|e| format!("CreateActivation: {e}"))?;
    let state_dir = dir.path().join("agent");
    let registered = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(&agent_binary)
            .arg("register")
            .args(["--endpoint", &server.endpoint])
            .args(["--activation-id", &created.activation_id])
            .arg("--state-dir")
            .arg(&state_dir)
            .env("SYSMAN_ACTIVATION_CODE", &created.activation_code)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| "sysman-agent register took over 30 s".to_owned())?
    .map_err(|e| format!("cannot run sysman-agent register: {e}"))?;
    if !registered.status.success() {
        return Err(format!(
            "sysman-agent register failed: {}",
            String::from_utf8_lossy(&registered.stderr)
        ));
    }
    let mut command = Command::new(&agent_binary);
    command
        .arg("run")
        .arg("--state-dir")
        .arg(&state_dir)
        // This bench may run as root; the agent refuses root otherwise.
        .arg("--allow-root");
    let (mut agent, _) = spawn(command, "sysman-agent", "started")?;
    let pid = agent.pid();
    // Idle means: reported in and waiting in a long poll.
    let waited = Instant::now();
    loop {
        agent.check()?;
        server.process.check()?;
        let page = metrics(&server.endpoint).await?;
        if metric(&page, "sysman_long_polls_held").unwrap_or(0.0) >= 1.0 {
            break;
        }
        if waited.elapsed() > Duration::from_secs(30) {
            return Err(format!(
                "the agent holds no long poll after 30 s; its last lines:\n{}",
                agent.tail()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "agent (pid {pid}) registered and waiting in a long poll {:.2?} after its start; \
         rss {:.1} MiB",
        waited.elapsed(),
        mib(status_field(&pid, "VmRSS:").unwrap_or(0))
    );
    let measured = sample(&pid, idle, ticks, || agent.check()).await?;
    let page = metrics(&server.endpoint).await?;
    let polls = page
        .lines()
        .filter(|l| l.starts_with("sysman_requests_total{operation=\"Sysman.ReceiveMessages\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>();
    let heartbeats = page
        .lines()
        .filter(|l| {
            l.starts_with("sysman_requests_total{operation=\"AmazonSSM.UpdateInstanceInformation\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>();
    drop(agent);
    drop(server);
    println!(
        "agent over {:.1} s: rss {:.2} MiB at the start, {:.2} MiB at the end, {:.2} MiB \
         ({:.2} MB) peak sampled, VmHWM {:.2} MiB ({:.2} MB); cpu {:.3} s = {:.3}% of one core; \
         {} threads, {} fds; the server answered {polls} ReceiveMessages and {heartbeats} \
         heartbeats",
        measured.secs,
        mib(measured.rss_first_kib),
        mib(measured.rss_last_kib),
        mib(measured.rss_peak_kib),
        mb(measured.rss_peak_kib),
        mib(measured.hwm_kib),
        mb(measured.hwm_kib),
        measured.cpu_secs,
        measured.cpu_pct(),
        measured.threads,
        measured.fds
    );
    let ok = measured.rss_peak_kib.max(measured.hwm_kib) <= AGENT_RSS_MAX_KIB;
    println!(
        "target memory <= 15 MB: {} (peak of sampled rss and VmHWM)",
        if ok { "meets" } else { "MISSES" }
    );
    println!("took {:.1?} in all", began.elapsed());
    Ok(())
}
