//! Console benchmarks over a simulated fleet of 100,000 nodes:
//!
//!     cargo bench --bench console
//!
//! Targets (BENCHMARKS.md): one Fleet frame at 200x60 in at most 4 ms; a
//! fuzzy filter over every node in at most 30 ms.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sysman::app::{App, BackendMsg, Msg};
use sysman::fixture::Fixture;
use sysman_backend::Event;

const NODES: usize = 100_000;

fn fleet_app(runtime: &tokio::runtime::Runtime, size: (u16, u16)) -> (Fixture, App) {
    runtime.block_on(async {
        let fixture = Fixture::registered(NODES, 1).await;
        let app = fixture.app(size, "dark", false).await;
        (fixture, app)
    })
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let (_fixture, mut app) = fleet_app(&runtime, (200, 60));
    assert_eq!(app.panes.fleet.rows.len(), NODES);

    let mut group = c.benchmark_group("console");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(5));

    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("a test terminal");
    app.settle();
    group.bench_function("frame/fleet_200x60/100000", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| sysman::ui::render(frame, black_box(&app)))
                .expect("draws");
        })
    });

    // Each iteration filters from scratch: the query alternates, so the
    // order is always recomputed over all 100,000 rows.
    for (name, queries) in [
        ("filter/fuzzy/100000", ["web prod", "web prd"]),
        ("filter/tag/100000", ["Role=db", "Role=web"]),
    ] {
        let mut flip = false;
        group.bench_function(name, |b| {
            b.iter(|| {
                flip = !flip;
                app.panes.fleet.table.set_filter(queries[usize::from(flip)]);
                app.panes.fleet.settle();
                black_box(app.panes.fleet.table.order.len())
            })
        });
    }
    app.panes.fleet.table.set_filter("");
    app.panes.fleet.settle();

    // A live heartbeat: one node changes and the view is brought up to date.
    let node = app.panes.fleet.rows[NODES / 2].node.clone();
    group.bench_function("live_update/one_node/100000", |b| {
        b.iter_batched(
            || {
                Msg::Backend(BackendMsg::Event(Event::NodeChanged(Box::new(
                    node.clone(),
                ))))
            },
            |msg| {
                app.update(msg);
                app.settle();
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(console, benches);
criterion_main!(console);
