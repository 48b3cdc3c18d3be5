//! GetParameter over HTTP with SigV4 on loopback, under `wrk` (Debian's
//! `wrk` package: a C load generator, so the two cores go to the server,
//! not to the load).
//!
//! The server runs in this process on a durable store in a temporary
//! directory, with an administrator key; one GetParameter request is signed
//! once and replayed by wrk (a signature stays valid for 15 minutes, and
//! the server verifies every request in full: SigV4, the key lookup, the
//! policy gate and the audit record of the read).
//!
//! `cargo bench -p sysman-server --bench http -- [CONNECTIONS] [SECONDS]`
//! (default 64 connections for 20 s).

// The allocator of the `sysman` binary, which serves in production.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::SystemTime;

use sysman_api::parameters::PutParameter;
use sysman_api::sigv4::{self, AccessKey};
use sysman_backend::{Backend, Caller, Options, SystemClock};

/// CPU time (user + system) of this process, all threads, not children:
/// the server's share, wrk excluded. Clock ticks are 100 a second on Linux.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let connections: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(64);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    // `healthz` measures the floor instead: HTTP and loopback alone, no
    // signature, no gate.
    let floor = args.get(2).is_some_and(|a| a == "healthz");
    if std::process::Command::new("wrk")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("this benchmark drives the server with wrk: apt-get install wrk");
        std::process::exit(2);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (addr, key) = runtime.block_on(async {
        let options = Options {
            clock: Arc::new(SystemClock),
            ..Options::default()
        };
        // SYSMAN_BENCH_MEMORY=1 keeps the store in memory, to see what the
        // durable audit trail costs.
        let backend = if std::env::var_os("SYSMAN_BENCH_MEMORY").is_some() {
            Backend::open_in_memory(options)
        } else {
            Backend::open(dir.path(), options)
        }
        .expect("the backend opens");
        let (access_key_id, secret_access_key) = backend
            .bootstrap_admin("admin")
            .await
            .expect("an administrator")
            .expect("a new store has none");
        backend
            .call(
                &Caller::admin("bench"),
                PutParameter {
                    name: "/bench/db/url".into(),
                    value: "postgres://db.internal:5432/app".into(),
                    r#type: Some("String".into()),
                    ..PutParameter::default()
                },
            )
            .await
            .expect("the parameter is put");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback listens");
        let running =
            sysman_server::start(backend, listener, Default::default()).expect("the server starts");
        let addr = running.addr;
        // The server lives until the process ends.
        std::mem::forget(running);
        let key = AccessKey {
            access_key_id,
            secret_access_key,
            session_token: None,
        };
        (addr, key)
    });

    let url = format!("http://{addr}/");
    let target = "AmazonSSM.GetParameter";
    let body = r#"{"Name":"/bench/db/url"}"#;
    let headers = [
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", target),
    ];
    let signed = sigv4::signature(
        &sigv4::Request {
            method: "POST",
            url: &url,
            headers: &headers,
            body: body.as_bytes(),
        },
        &key,
        "us-east-1",
        SystemTime::now(),
        None,
    )
    .expect("the request signs");
    let mut lua = format!(
        "wrk.method = \"POST\"\nwrk.body = '{body}'\n\
         wrk.headers[\"Content-Type\"] = \"application/x-amz-json-1.1\"\n\
         wrk.headers[\"X-Amz-Target\"] = \"{target}\"\n"
    );
    for (name, value) in &signed.headers {
        lua.push_str(&format!("wrk.headers[\"{name}\"] = \"{value}\"\n"));
    }
    // Any answer but 200 is a failed run, not a fast one.
    lua.push_str(
        "local bad = 0\nresponse = function(status, headers, body)\n  \
         if status ~= 200 then bad = bad + 1 end\nend\n\
         done = function(summary, latency, requests)\n  \
         io.write(string.format(\"non-200 answers: %d\\n\", bad))\nend\n",
    );
    let script = dir.path().join("get_parameter.lua");
    std::fs::write(&script, lua).expect("the script is written");

    println!(
        "GetParameter over HTTP + SigV4, {connections} connections, {seconds} s, server on {addr}"
    );
    let cpu_before = process_cpu_seconds();
    let mut wrk = std::process::Command::new("wrk");
    wrk.args([
        "-t1",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if floor {
        println!("(the floor: GET /healthz, no signature, no gate)");
        wrk.arg(format!("{url}healthz"));
    } else {
        wrk.arg("-s").arg(&script).arg(&url);
    }
    let output = wrk.output().expect("wrk runs");
    let server_cpu = process_cpu_seconds() - cpu_before;
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}");
    let requests: f64 = report
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or(0.0);
    if requests > 0.0 {
        println!(
            "server CPU: {server_cpu:.2} s for {requests} requests = {:.1} µs per request",
            server_cpu * 1e6 / requests
        );
    }
    if !floor && !report.contains("non-200 answers: 0") {
        eprintln!("some answers were errors: the run does not count");
        std::process::exit(1);
    }
    drop(runtime);
}
