//! Run Command end to end on the wall clock: SendCommand to a simulated
//! fleet that takes its mail through the node channel, runs `echo hello` in
//! the simulated shell and replies, until the command is done.
//!
//! Run with `cargo bench -p sysman-backend --bench commands` (all rows) or
//! `-- 10000` for one fleet size; results and targets are in BENCHMARKS.md.
//! Not a criterion bench: one run is seconds long and builds its own fleet,
//! so each row is measured three times and every run is printed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sysman_api::Target;
use sysman_api::commands::{Command, ListCommandInvocations, ListCommands, SendCommand};
use sysman_backend::sim::{FleetSpec, SimPlatform, Simulator};
use sysman_backend::{Backend, Caller, Options};

mod support;

use support::memory_kib;

const SEED: u64 = 42;

fn fleet(nodes: usize, failure_rate: f64) -> FleetSpec {
    let mut spec = FleetSpec::new(nodes, SEED);
    // One platform, so every node can run AWS-RunShellScript.
    spec.platform_mix = vec![(SimPlatform::AmazonLinux2023, 1)];
    spec.flakiness = 0.0;
    spec.command_failure_rate = failure_rate;
    if let Some(ms) = std::env::var("PICKUP_MS").ok().and_then(|v| v.parse().ok()) {
        spec.pickup_ms = (ms, ms);
    }
    spec
}

fn echo(concurrency: &str, errors: &str) -> SendCommand {
    SendCommand {
        targets: Some(vec![Target {
            key: "tag-key".into(),
            values: vec!["Role".into()],
        }]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(BTreeMap::from([(
            "commands".to_owned(),
            vec!["echo hello".to_owned()],
        )])),
        max_concurrency: Some(concurrency.into()),
        max_errors: Some(errors.into()),
        ..SendCommand::default()
    }
}

async fn command(backend: &Backend, id: &str) -> Command {
    backend
        .call(
            &Caller::admin("bench"),
            ListCommands {
                command_id: Some(id.into()),
                ..ListCommands::default()
            },
        )
        .await
        .expect("the command lists")
        .commands
        .remove(0)
}

struct Run {
    took: Duration,
    command: Command,
    /// Memory the command added once all its invocations existed, per target.
    bytes_per_invocation: f64,
    terminated: usize,
}

async fn run_once(backend: &Backend, req: SendCommand) -> Run {
    let (before, _) = memory_kib();
    let started = Instant::now();
    let id = backend
        .call(&Caller::admin("bench"), req)
        .await
        .expect("SendCommand")
        .command
        .command_id;
    let (after, _) = memory_kib();
    loop {
        // Look every 10 ms: a look per change event would be 30,000 reads
        // competing with the run it measures.
        tokio::time::sleep(Duration::from_millis(10)).await;
        let c = command(backend, &id).await;
        if c.status.is_terminal() {
            let took = started.elapsed();
            let terminated = count_terminated(backend, &id).await;
            return Run {
                took,
                bytes_per_invocation: (after.saturating_sub(before) * 1024) as f64
                    / c.target_count.max(1) as f64,
                command: c,
                terminated,
            };
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no end in 5 min"
        );
    }
}

async fn count_terminated(backend: &Backend, id: &str) -> usize {
    let mut token = None;
    let mut terminated = 0;
    loop {
        let page = backend
            .call(
                &Caller::admin("bench"),
                ListCommandInvocations {
                    command_id: Some(id.into()),
                    next_token: token.take(),
                    ..ListCommandInvocations::default()
                },
            )
            .await
            .expect("invocations list");
        terminated += page
            .command_invocations
            .iter()
            .filter(|i| i.status_details == "Terminated")
            .count();
        match page.next_token {
            Some(t) => token = Some(t),
            None => return terminated,
        }
    }
}

fn row(nodes: usize, failure_rate: f64, concurrency: &str, errors: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let backend = Backend::open_in_memory(Options {
            id_seed: Some(SEED),
            ..Options::default()
        })
        .expect("a backend");
        let sim = Simulator::start(backend.clone(), &fleet(nodes, failure_rate))
            .await
            .expect("the fleet registers");
        tokio::spawn(sim.run());
        println!(
            "{nodes} nodes, {:.0}% failing, MaxConcurrency {concurrency}, MaxErrors {errors}:",
            failure_rate * 100.0
        );
        for _ in 0..3 {
            let run = run_once(&backend, echo(concurrency, errors)).await;
            let c = &run.command;
            println!(
                "  {:>7.3} s  {:?}/{}  targets {}  completed {}  errors {}  terminated {}  \
                 ~{:.0} bytes per invocation",
                run.took.as_secs_f64(),
                c.status,
                c.status_details,
                c.target_count,
                c.completed_count,
                c.error_count,
                run.terminated,
                run.bytes_per_invocation
            );
        }
        let (rss, peak) = memory_kib();
        println!(
            "  process: {} MiB resident, {} MiB peak",
            rss / 1024,
            peak / 1024
        );
    });
}

fn main() {
    // `cargo bench` passes `--bench`; a bare number picks one fleet size.
    let only: Option<usize> = std::env::args().skip(1).find_map(|a| a.parse().ok());
    for nodes in [10_000, 100_000] {
        if only.is_none_or(|n| n == nodes) {
            row(nodes, 0.0, "100%", "0");
        }
    }
    if only.is_none_or(|n| n == 10_000) {
        row(10_000, 0.10, "10%", "5%");
    }
}
