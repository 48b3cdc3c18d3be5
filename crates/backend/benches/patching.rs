//! Patch Manager end to end on the wall clock: AWS-RunPatchBaseline
//! (Operation Scan) sent to every node of a simulated fleet at 100%
//! concurrency, until every node has reported its patch state.
//!
//! Run with `cargo bench -p sysman-backend --bench patching` (10,000 nodes)
//! or `-- 2000` for another fleet size; results and targets are in
//! BENCHMARKS.md. Each size is run three times and every run is printed.
//! The store is in memory, as `--ephemeral` keeps it; with
//! `SYSMAN_BENCH_DISK=1` it is a durable store in a temporary directory.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sysman_api::Target;
use sysman_api::commands::{ListCommands, SendCommand};
use sysman_api::patch::DescribePatchCounts;
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Options};

// The allocator `sysman` and `sysman serve` ship with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod support;

use support::memory_kib;

const SEED: u64 = 42;

fn fleet(nodes: usize) -> FleetSpec {
    let mut spec = FleetSpec::new(nodes, SEED);
    spec.flakiness = 0.0;
    // A scan reads the package database: on a real node seconds, here the
    // time a node takes to pick up its mail, so that what is measured is
    // sysman's own work (snapshots, judging, reports, compliance), not a
    // simulated wait.
    spec.scan_ms = (50, 400);
    spec
}

fn scan() -> SendCommand {
    SendCommand {
        targets: Some(vec![Target {
            key: "tag-key".into(),
            values: vec!["Role".into()],
        }]),
        document_name: "AWS-RunPatchBaseline".into(),
        parameters: Some(BTreeMap::from([(
            "Operation".to_owned(),
            vec!["Scan".to_owned()],
        )])),
        max_concurrency: Some("100%".into()),
        max_errors: Some("0".into()),
        ..SendCommand::default()
    }
}

fn row(nodes: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let options = Options {
            id_seed: Some(SEED),
            ..Options::default()
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let on_disk = std::env::var_os("SYSMAN_BENCH_DISK").is_some();
        let backend = if on_disk {
            Backend::open(dir.path(), options)
        } else {
            Backend::open_in_memory(options)
        }
        .expect("a backend");
        let sim = Simulator::start(backend.clone(), &fleet(nodes))
            .await
            .expect("the fleet registers");
        tokio::spawn(sim.run());
        let admin = Caller::admin("bench");
        let store = if on_disk { "on disk" } else { "in memory" };
        println!("{nodes} nodes, Scan at MaxConcurrency 100%, the store {store}:");
        for _ in 0..3 {
            let started = Instant::now();
            let id = backend
                .call(&admin, scan())
                .await
                .expect("SendCommand")
                .command
                .command_id;
            let command = loop {
                tokio::time::sleep(Duration::from_millis(10)).await;
                let c = backend
                    .call(
                        &admin,
                        ListCommands {
                            command_id: Some(id.clone()),
                            ..ListCommands::default()
                        },
                    )
                    .await
                    .expect("the command lists")
                    .commands
                    .remove(0);
                if c.status.is_terminal() {
                    break c;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(300),
                    "no end in 5 min"
                );
            };
            let took = started.elapsed();
            let counts = backend
                .call(&admin, DescribePatchCounts::default())
                .await
                .expect("patch counts");
            let missing: i64 = counts.patches.iter().map(|p| p.missing).sum();
            println!(
                "  {:>7.3} s  {:?}  completed {}  errors {}  nodes reported {}  \
                 patches known {}  node-patches missing {missing}",
                took.as_secs_f64(),
                command.status,
                command.completed_count,
                command.error_count,
                counts.instances,
                counts.patches.len(),
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
    // `cargo bench` passes `--bench`; a bare number picks the fleet size.
    let nodes = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    row(nodes);
}
