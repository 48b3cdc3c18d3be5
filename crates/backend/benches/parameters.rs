//! Parameter Store benchmarks: reading one parameter through the gate,
//! durable overwrites from one and from 32 concurrent writers, and one page
//! of GetParametersByPath in a tree of 100,000 parameters.
//!
//! Run with `cargo bench -p sysman-backend --bench parameters`; results and
//! targets are kept in BENCHMARKS.md at the workspace root.

use std::cell::OnceCell;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use futures_util::future::join_all;
use sysman_api::Timestamp;
use sysman_api::parameters::{GetParameter, GetParametersByPath, PutParameter};
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

fn put(name: &str, value: &str, kind: &str) -> PutParameter {
    PutParameter {
        name: name.into(),
        value: value.into(),
        r#type: Some(kind.into()),
        overwrite: Some(true),
        ..PutParameter::default()
    }
}

fn get_parameter(c: &mut Criterion) {
    let rt = runtime();
    let admin = Caller::admin("bench");
    let backend = rt.block_on(async {
        let backend = Backend::open_in_memory(options()).expect("an in-memory backend");
        // A few neighbours so the read is not from a one-row table.
        let puts = (0..1_000).map(|i| {
            backend.call(
                &admin,
                put(
                    &format!("/app/svc{i:04}/url"),
                    "https://example.com",
                    "String",
                ),
            )
        });
        for out in join_all(puts).await {
            out.expect("the put succeeds");
        }
        backend
            .call(
                &admin,
                put("/app/web/url", "https://web.example.com:8443/", "String"),
            )
            .await
            .expect("the put succeeds");
        backend
            .call(
                &admin,
                put(
                    "/app/db/password",
                    "correct-horse-battery-staple-7731",
                    "SecureString",
                ),
            )
            .await
            .expect("the put succeeds");
        backend
    });

    let mut group = c.benchmark_group("parameters/get_parameter");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(50);
    group.throughput(Throughput::Elements(1));
    let cases = [
        (
            "in_process",
            "/app/web/url",
            false,
            "https://web.example.com:8443/",
        ),
        (
            "in_process_secure_decrypted",
            "/app/db/password",
            true,
            "correct-horse-battery-staple-7731",
        ),
    ];
    for (id, name, decrypt, expected) in cases {
        let request = GetParameter {
            name: name.into(),
            with_decryption: Some(decrypt),
        };
        let got = rt
            .block_on(backend.call(&admin, request.clone()))
            .expect("the read succeeds");
        assert_eq!(got.parameter.value, expected);
        // One task awaiting each read in turn; the whole loop runs inside one
        // `block_on`, so what is timed is the gate and the read, not entering
        // the runtime. Each read queues its audit record for the store's
        // writer thread; the flush at the end is timed too, so a sample
        // counts only reads whose audit records are committed and the
        // writer's backlog cannot hide part of the cost.
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iters {
                        let out = backend
                            .call(&admin, request.clone())
                            .await
                            .expect("the read succeeds");
                        black_box(out);
                    }
                    backend.flush().await;
                    started.elapsed()
                })
            });
        });
    }
    group.finish();
    rt.block_on(backend.flush());
}

/// Names each writer rotates over.
const NAMES_PER_WRITER: usize = 10;

/// Versions a parameter keeps; the next put drops the oldest.
const MAX_VERSIONS: usize = 100;

fn writer_name(writer: usize, i: usize) -> String {
    format!("/bench/w{writer:02}/p{}", i % NAMES_PER_WRITER)
}

/// Gives every name of `writers` writers a full history, so that each
/// measured put is the steady state of a busy parameter: a new version in,
/// the oldest out. One task per name, so the fill shares commits.
async fn fill_histories(backend: &Backend, writers: usize) {
    let tasks: Vec<_> = (0..writers * NAMES_PER_WRITER)
        .map(|n| {
            let backend = backend.clone();
            tokio::spawn(async move {
                let admin = Caller::admin("bench");
                let name = writer_name(n / NAMES_PER_WRITER, n);
                for v in 0..MAX_VERSIONS {
                    backend
                        .call(&admin, put(&name, &format!("fill {v}"), "String"))
                        .await
                        .expect("the put succeeds");
                }
            })
        })
        .collect();
    for task in join_all(tasks).await {
        task.expect("the fill finishes");
    }
}

/// `total` overwrites on `backend` from `writers` concurrent tasks, each
/// awaiting its own puts in turn; returns the wall time for all of them.
async fn durable_puts(backend: &Backend, writers: usize, total: usize, round: u64) -> Duration {
    let per_writer = total / writers;
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let backend = backend.clone();
            tokio::spawn(async move {
                let admin = Caller::admin("bench");
                for i in 0..per_writer {
                    let value = format!("round {round} put {i}");
                    backend
                        .call(&admin, put(&writer_name(w, i), &value, "String"))
                        .await
                        .expect("the put succeeds");
                }
            })
        })
        .collect();
    for task in join_all(tasks).await {
        task.expect("the writer finishes");
    }
    started.elapsed()
}

fn put_parameter_durable(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("parameters/put_parameter/durable");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    // One writer waits out a sync per put: fewer puts per iteration keep
    // its ten samples short.
    for (id, writers, puts) in [("1_writer", 1, 800), ("32_writers", 32, 3_200)] {
        group.measurement_time(Duration::from_secs(10));
        group.throughput(Throughput::Elements(puts as u64));
        // A fresh store per case, opened and filled on first use so that a
        // filter skipping this benchmark skips the setup too.
        let store: OnceCell<(tempfile::TempDir, Backend)> = OnceCell::new();
        let open = || {
            store.get_or_init(|| {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let _runtime = rt.enter();
                let backend = Backend::open(dir.path(), options()).expect("an on-disk backend");
                rt.block_on(fill_histories(&backend, writers));
                (dir, backend)
            })
        };
        let mut round = 0;
        group.bench_function(id, |b| {
            let (_, backend) = open();
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        round += 1;
                        rt.block_on(durable_puts(backend, writers, puts, round))
                    })
                    .sum()
            });
        });
        if let Some((dir, backend)) = store.into_inner() {
            rt.block_on(backend.flush());
            drop(backend);
            drop(dir);
        }
    }
    group.finish();
}

/// Environments under each service in the path tree.
const ENVS: [&str; 4] = ["dev", "prod", "staging", "test"];

fn get_parameters_by_path(c: &mut Criterion) {
    const PARAMETERS: usize = 100_000;
    const SERVICES: usize = 100;
    const PER_ENV: usize = PARAMETERS / SERVICES / ENVS.len(); // 250
    const CHUNK: usize = 2_000;
    let rt = runtime();
    let admin = Caller::admin("bench");
    // Built on first use, outside the measured loop, so that running only
    // the other benchmarks does not pay for it.
    let tree: OnceCell<Backend> = OnceCell::new();
    let backend = || {
        tree.get_or_init(|| {
            rt.block_on(async {
                let backend = Backend::open_in_memory(options()).expect("an in-memory backend");
                let names: Vec<String> = (0..SERVICES)
                    .flat_map(|s| {
                        ENVS.iter().flat_map(move |env| {
                            (0..PER_ENV).map(move |n| format!("/svc/{s}/{env}/{n}/key"))
                        })
                    })
                    .collect();
                assert_eq!(names.len(), PARAMETERS);
                for chunk in names.chunks(CHUNK) {
                    let puts = chunk.iter().map(|name| {
                        // A store holds at most 10,000 Standard parameters
                        // (as in AWS); Advanced ones go to 100,000.
                        let request = PutParameter {
                            tier: Some("Advanced".into()),
                            ..put(name, "value", "String")
                        };
                        backend.call(&admin, request)
                    });
                    for out in join_all(puts).await {
                        out.expect("the put succeeds");
                    }
                }
                backend
            })
        })
    };
    let page = |next_token: Option<String>| GetParametersByPath {
        path: "/svc/50".into(),
        recursive: Some(true),
        max_results: Some(10),
        next_token,
        ..Default::default()
    };

    // The two requests, each checked once on first use.
    let first_page: OnceCell<GetParametersByPath> = OnceCell::new();
    let first_page = || {
        first_page.get_or_init(|| {
            let request = page(None);
            let out = rt
                .block_on(backend().call(&admin, request.clone()))
                .expect("the call succeeds");
            assert_eq!(out.parameters.len(), 10);
            assert!(
                out.parameters
                    .iter()
                    .all(|p| p.name.starts_with("/svc/50/"))
            );
            assert!(out.next_token.is_some());
            request
        })
    };
    let resumed_page: OnceCell<GetParametersByPath> = OnceCell::new();
    let resumed_page = || {
        resumed_page.get_or_init(|| {
            // Walk half of /svc/50 (1,000 parameters, 50 pages of 10) to get
            // a token from the middle of it.
            let mut token = None;
            let mut seen = 0;
            while seen < PER_ENV * ENVS.len() / 2 {
                let out = rt
                    .block_on(backend().call(&admin, page(token)))
                    .expect("the call succeeds");
                seen += out.parameters.len();
                token = out.next_token;
                assert!(token.is_some(), "the walk ends early after {seen}");
            }
            let request = page(token);
            let out = rt
                .block_on(backend().call(&admin, request.clone()))
                .expect("the call succeeds");
            assert_eq!(out.parameters.len(), 10);
            assert!(
                out.parameters
                    .iter()
                    .all(|p| p.name.starts_with("/svc/50/"))
            );
            request
        })
    };

    let mut group = c.benchmark_group("parameters/get_parameters_by_path");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(50);
    let run = |b: &mut criterion::Bencher<'_>, request: &GetParametersByPath| {
        let backend = backend();
        b.iter(|| {
            let page = rt
                .block_on(backend.call(&admin, request.clone()))
                .expect("the call succeeds");
            black_box(page)
        });
    };
    group.bench_function(BenchmarkId::new("page", PARAMETERS), |b| {
        run(b, first_page())
    });
    group.bench_function(BenchmarkId::new("page_resumed", PARAMETERS), |b| {
        run(b, resumed_page())
    });
    group.finish();
}

criterion_group!(
    benches,
    get_parameter,
    put_parameter_durable,
    get_parameters_by_path
);
criterion_main!(benches);
