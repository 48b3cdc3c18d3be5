//! Fleet benchmarks: registering a simulated fleet through activations, and
//! reading it back with DescribeInstanceInformation filters.
//!
//! Run with `cargo bench -p sysman-backend --bench fleet`; results and
//! targets are kept in BENCHMARKS.md at the workspace root.

use std::cell::OnceCell;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use sysman_api::Timestamp;
use sysman_api::fleet::{DescribeInstanceInformation, InstanceInformationStringFilter};
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, ManualClock, Options};
use tokio::runtime::Runtime;

const START: Timestamp = Timestamp::from_secs(1_795_435_200); // 2026-11-23T12:00:00Z
const SEED: u64 = 42;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn options() -> Options {
    Options {
        clock: Arc::new(ManualClock::new(START)),
        id_seed: Some(SEED),
        ..Options::default()
    }
}

/// Opens a fresh in-memory backend and registers a fleet of `nodes` on it;
/// returns how long the registration (`Simulator::start`) took.
fn build_in_memory(rt: &Runtime, nodes: usize) -> Duration {
    rt.block_on(async {
        let backend = Backend::open_in_memory(options()).expect("an in-memory backend");
        let spec = FleetSpec::new(nodes, SEED);
        let started = Instant::now();
        let sim = Simulator::start(backend.clone(), &spec)
            .await
            .expect("the fleet registers");
        let took = started.elapsed();
        assert_eq!(sim.len(), nodes);
        // Tearing the fleet down is not part of what is measured.
        drop(sim);
        drop(backend);
        took
    })
}

/// Same on a durable backend in a fresh data directory: every registration
/// is committed and synced (sharing group commits) before it is answered.
fn build_on_disk(rt: &Runtime, nodes: usize) -> Duration {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let took = rt.block_on(async {
        let backend = Backend::open(dir.path(), options()).expect("an on-disk backend");
        let spec = FleetSpec::new(nodes, SEED);
        let started = Instant::now();
        let sim = Simulator::start(backend.clone(), &spec)
            .await
            .expect("the fleet registers");
        let took = started.elapsed();
        assert_eq!(sim.len(), nodes);
        backend.flush().await;
        took
    });
    drop(dir);
    took
}

fn build_and_register(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("fleet/build_and_register");
    // One registration of a large fleet takes seconds: one run per sample.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    for nodes in [10_000, 100_000] {
        group.measurement_time(Duration::from_secs(if nodes > 10_000 { 60 } else { 6 }));
        group.throughput(Throughput::Elements(nodes as u64));
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &nodes, |b, &n| {
            b.iter_custom(|iters| (0..iters).map(|_| build_in_memory(&rt, n)).sum());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("fleet/build_and_register_on_disk");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(15));
    let nodes = 10_000;
    group.throughput(Throughput::Elements(nodes as u64));
    group.bench_with_input(BenchmarkId::from_parameter(nodes), &nodes, |b, &n| {
        b.iter_custom(|iters| (0..iters).map(|_| build_on_disk(&rt, n)).sum());
    });
    group.finish();
}

fn filter(key: &str, value: &str) -> InstanceInformationStringFilter {
    InstanceInformationStringFilter {
        key: key.into(),
        values: vec![value.into()],
    }
}

fn describe_instance_information(c: &mut Criterion) {
    const NODES: usize = 100_000;
    let rt = runtime();
    // Built on first use, outside the measured loop, so that running only
    // the registration benchmarks does not pay for it.
    let fleet: OnceCell<Backend> = OnceCell::new();
    let backend = || {
        fleet.get_or_init(|| {
            rt.block_on(async {
                let backend = Backend::open_in_memory(options()).expect("an in-memory backend");
                Simulator::start(backend.clone(), &FleetSpec::new(NODES, SEED))
                    .await
                    .expect("the fleet registers");
                backend
            })
        })
    };
    let admin = Caller::admin("bench");
    let first_page = |filters: Vec<InstanceInformationStringFilter>| DescribeInstanceInformation {
        filters: Some(filters),
        max_results: Some(50),
        ..Default::default()
    };
    let cases = [
        (
            "tag_filter_first_page",
            vec![filter("tag:Environment", "staging")],
            50,
        ),
        // Matches no node while the whole fleet is online, so the call scans
        // all of it: the worst case of a first page.
        (
            "rare_filter_full_scan",
            vec![
                filter("tag:Role", "build"),
                filter("PingStatus", "ConnectionLost"),
            ],
            0,
        ),
    ];

    let mut group = c.benchmark_group("fleet/describe_instance_information");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(50);
    for (name, filters, expected) in cases {
        let request = first_page(filters);
        group.bench_with_input(BenchmarkId::new(name, NODES), &request, |b, request| {
            let backend = backend();
            let page = rt
                .block_on(backend.call(&admin, request.clone()))
                .expect("the call succeeds");
            assert_eq!(page.instance_information_list.len(), expected, "{name}");
            b.iter(|| {
                let page = rt
                    .block_on(backend.call(&admin, request.clone()))
                    .expect("the call succeeds");
                black_box(page)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, build_and_register, describe_instance_information);
criterion_main!(benches);
