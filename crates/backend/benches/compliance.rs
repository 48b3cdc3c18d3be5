//! Compliance summaries over a large fleet: 100,000 nodes with 50
//! patch-like compliance items each (5 million items), then the reads an
//! operator's console makes.
//!
//! Run with `cargo bench -p sysman-backend --bench compliance` (100,000
//! nodes) or `-- 20000` for another size; results and targets are in
//! BENCHMARKS.md. Each read is timed over many repetitions; the median and
//! the slowest are printed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sysman_api::Timestamp;
use sysman_api::compliance::{
    ComplianceExecutionSummary, ComplianceItemEntry, ComplianceStringFilter, ListComplianceItems,
    ListComplianceSummaries, ListResourceComplianceSummaries, PutComplianceItems,
};
use sysman_api::fleet::ListNodes;
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Handler, Options};

// The allocator `sysman` and `sysman serve` ship with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod support;

const SEED: u64 = 42;
const ITEMS: usize = 50;
/// Distinct patches the items are drawn from.
const PATCHES: usize = 2_000;
const SEVERITIES: [&str; 6] = [
    "CRITICAL",
    "HIGH",
    "MEDIUM",
    "LOW",
    "INFORMATIONAL",
    "UNSPECIFIED",
];

/// Node `n`'s items: 50 patches, a few of them missing.
fn items(n: usize) -> Vec<ComplianceItemEntry> {
    (0..ITEMS)
        .map(|i| {
            let patch = (n * 7 + i * 37) % PATCHES;
            let missing = (n + i).is_multiple_of(23);
            ComplianceItemEntry {
                id: Some(format!("KB{}", 5_000_000 + patch)),
                title: Some(format!(
                    "2026-{:02} Security update {patch}",
                    patch % 12 + 1
                )),
                severity: SEVERITIES[patch % SEVERITIES.len()].to_owned(),
                status: if missing {
                    "NON_COMPLIANT"
                } else {
                    "COMPLIANT"
                }
                .to_owned(),
                details: Some(BTreeMap::from([
                    (
                        "PatchState".to_owned(),
                        if missing { "MISSING" } else { "INSTALLED" }.to_owned(),
                    ),
                    ("Classification".to_owned(), "SecurityUpdates".to_owned()),
                    ("PatchSeverity".to_owned(), "Important".to_owned()),
                    (
                        "InstalledTime".to_owned(),
                        "2026-11-01T00:00:00Z".to_owned(),
                    ),
                ])),
            }
        })
        .collect()
}

/// Median and slowest of `runs` calls of `op`.
async fn time<O: Handler + Clone>(backend: &Backend, op: O, runs: usize) -> (Duration, Duration) {
    let admin = Caller::admin("bench");
    let mut took = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        backend.call(&admin, op.clone()).await.expect("the read");
        took.push(started.elapsed());
    }
    took.sort();
    (took[runs / 2], took[runs - 1])
}

fn main() {
    let nodes: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
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
        let admin = Caller::admin("bench");
        Simulator::start(backend.clone(), &FleetSpec::new(nodes, SEED))
            .await
            .expect("the fleet registers");
        let mut ids = Vec::with_capacity(nodes);
        let mut token = None;
        loop {
            let page = backend
                .call(
                    &admin,
                    ListNodes {
                        max_results: Some(5000),
                        next_token: token.take(),
                    },
                )
                .await
                .expect("nodes");
            ids.extend(page.nodes.into_iter().map(|n| n.info.instance_id));
            match page.next_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        let before = support::memory_kib().0;
        let started = Instant::now();
        for (chunk_no, chunk) in ids.chunks(1000).enumerate() {
            let puts = chunk.iter().enumerate().map(|(i, id)| {
                backend.call(
                    &admin,
                    PutComplianceItems {
                        resource_id: id.clone(),
                        resource_type: "ManagedInstance".into(),
                        compliance_type: "Custom:Patches".into(),
                        execution_summary: ComplianceExecutionSummary::at(Timestamp::from_secs(
                            1_795_435_200,
                        )),
                        items: items(chunk_no * 1000 + i),
                        item_content_hash: None,
                        upload_type: None,
                    },
                )
            });
            for result in futures_util::future::join_all(puts).await {
                result.expect("PutComplianceItems");
            }
        }
        println!(
            "{nodes} nodes x {ITEMS} items put in {:.1} s; {} MiB more resident",
            started.elapsed().as_secs_f64(),
            support::memory_kib().0.saturating_sub(before) / 1024
        );

        let filter = |key: &str, value: &str| ComplianceStringFilter {
            key: key.to_owned(),
            values: vec![value.to_owned()],
            r#type: Some("EQUAL".to_owned()),
        };
        let rows: Vec<(&str, Duration, Duration)> = vec![
            {
                let (m, w) = time(&backend, ListComplianceSummaries::default(), 50).await;
                ("ListComplianceSummaries, no filter", m, w)
            },
            {
                let op = ListComplianceSummaries {
                    filters: Some(vec![filter("Status", "NON_COMPLIANT")]),
                    ..Default::default()
                };
                let (m, w) = time(&backend, op, 10).await;
                ("ListComplianceSummaries, Status=NON_COMPLIANT", m, w)
            },
            {
                let (m, w) = time(&backend, ListResourceComplianceSummaries::default(), 50).await;
                (
                    "ListResourceComplianceSummaries, first page (worst first)",
                    m,
                    w,
                )
            },
            {
                let op = ListResourceComplianceSummaries {
                    filters: Some(vec![filter("OverallSeverity", "CRITICAL")]),
                    ..Default::default()
                };
                let (m, w) = time(&backend, op, 10).await;
                (
                    "ListResourceComplianceSummaries, OverallSeverity=CRITICAL",
                    m,
                    w,
                )
            },
            {
                let op = ListComplianceItems {
                    resource_ids: Some(vec![ids[nodes / 2].clone()]),
                    ..Default::default()
                };
                let (m, w) = time(&backend, op, 50).await;
                ("ListComplianceItems, one node", m, w)
            },
        ];
        for (name, median, worst) in rows {
            println!(
                "  {name:<60} median {:>9.3} ms  slowest {:>9.3} ms",
                median.as_secs_f64() * 1e3,
                worst.as_secs_f64() * 1e3
            );
        }
    });
}
