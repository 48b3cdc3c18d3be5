//! Compliance through the one gate, as a user of the AWS-compatible API
//! notices it: custom compliance put on managed nodes (COMPLETE and
//! PARTIAL uploads, content hashes, the limit of ten custom types), the
//! items listed back with every kind of filter and in pages, the summaries
//! per compliance type and per resource with exact counts, every refused
//! request, a restart and a reset.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use sysman_api::admin::ResetState;
use sysman_api::compliance::{
    ComplianceExecutionSummary, ComplianceItem, ComplianceItemEntry,
    ComplianceQueryOperatorType as Op, ComplianceSeverity, ComplianceStatus,
    ComplianceStringFilter, ComplianceSummaryItem, CompliantSummary, ListComplianceItems,
    ListComplianceSummaries, ListResourceComplianceSummaries, NonCompliantSummary,
    PutComplianceItems, ResourceComplianceSummaryItem, SeveritySummary,
};
use sysman_api::fleet::{CreateActivation, RegisterNode};
use sysman_api::{ApiError, Operation, Timestamp};
use sysman_backend::{Backend, Caller, Event, Handler, ManualClock, Options};

use ComplianceSeverity::{Critical, High, Informational, Low, Medium, Unspecified};
use ComplianceStatus::{Compliant, NonCompliant};

const START: i64 = 1_795_435_200; // 2026-11-23T12:00:00Z
const AV: &str = "Custom:AV";
const DISK: &str = "Custom:Disk";

// ---------------------------------------------------------------------------
// The fixture

struct Fx {
    backend: Backend,
    admin: Caller,
}

impl Fx {
    fn options() -> Options {
        Options {
            clock: Arc::new(ManualClock::new(Timestamp::from_secs(START))),
            id_seed: Some(7),
            allow_reset: true,
            ..Options::default()
        }
    }

    fn new() -> Fx {
        Self::open(None)
    }

    fn open(dir: Option<&Path>) -> Fx {
        let backend = match dir {
            Some(dir) => Backend::open(dir, Self::options()),
            None => Backend::open_in_memory(Self::options()),
        }
        .unwrap();
        Fx {
            backend,
            admin: Caller::admin("ops"),
        }
    }

    async fn ok<O: Handler>(&self, op: O) -> O::Output {
        match self.backend.call(&self.admin, op).await {
            Ok(out) => out,
            Err(e) => panic!("{} failed: {e}", O::NAME),
        }
    }

    async fn err<O: Handler>(&self, op: O) -> ApiError {
        match self.backend.call(&self.admin, op).await {
            Ok(_) => panic!("{} succeeded", O::NAME),
            Err(e) => e,
        }
    }

    /// Registers `n` managed nodes; their ids, sorted.
    async fn nodes(&self, n: usize) -> Vec<String> {
        let activation = self
            .ok(CreateActivation {
                iam_role: "Role".into(),
                registration_limit: Some(n as i64),
                ..CreateActivation::default()
            })
            .await;
        let mut ids = Vec::new();
        for i in 0..n {
            let out = self
                .backend
                .call(
                    &Caller::Anonymous,
                    RegisterNode {
                        activation_id: activation.activation_id.clone(),
                        activation_code: activation.activation_code.clone(),
                        computer_name: Some(format!("node-{i}")),
                        platform_type: None,
                        platform_name: None,
                        platform_version: None,
                        agent_version: None,
                        ip_address: None,
                    },
                )
                .await
                .unwrap();
            ids.push(out.instance_id);
        }
        ids.sort();
        ids
    }

    async fn put(&self, node: &str, compliance_type: &str, items: Vec<ComplianceItemEntry>) {
        self.ok(put(node, compliance_type, items)).await;
    }

    async fn items(
        &self,
        nodes: &[&str],
        filters: &[ComplianceStringFilter],
    ) -> Vec<ComplianceItem> {
        self.ok(list_items(nodes, filters)).await.compliance_items
    }

    async fn summaries(&self, filters: &[ComplianceStringFilter]) -> Vec<ComplianceSummaryItem> {
        self.ok(ListComplianceSummaries {
            filters: Some(filters.to_vec()),
            ..ListComplianceSummaries::default()
        })
        .await
        .compliance_summary_items
    }

    async fn resources(
        &self,
        filters: &[ComplianceStringFilter],
    ) -> Vec<ResourceComplianceSummaryItem> {
        self.ok(ListResourceComplianceSummaries {
            filters: Some(filters.to_vec()),
            ..ListResourceComplianceSummaries::default()
        })
        .await
        .resource_compliance_summary_items
    }
}

// ---------------------------------------------------------------------------
// Request builders

fn at(secs: i64) -> ComplianceExecutionSummary {
    ComplianceExecutionSummary::at(Timestamp::from_secs(START + secs))
}

fn item(id: &str, severity: ComplianceSeverity, status: ComplianceStatus) -> ComplianceItemEntry {
    ComplianceItemEntry {
        id: Some(id.to_owned()),
        title: Some(format!("{id} check")),
        severity: severity.as_str().to_owned(),
        status: status.as_str().to_owned(),
        details: None,
    }
}

fn with_details(mut entry: ComplianceItemEntry, details: &[(&str, &str)]) -> ComplianceItemEntry {
    entry.details = Some(
        details
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    );
    entry
}

fn put(node: &str, compliance_type: &str, items: Vec<ComplianceItemEntry>) -> PutComplianceItems {
    PutComplianceItems {
        resource_id: node.to_owned(),
        resource_type: "ManagedInstance".to_owned(),
        compliance_type: compliance_type.to_owned(),
        execution_summary: at(0),
        items,
        item_content_hash: None,
        upload_type: None,
    }
}

fn partial(mut req: PutComplianceItems) -> PutComplianceItems {
    req.upload_type = Some("PARTIAL".into());
    req
}

fn filter(key: &str, values: &[&str], op: Op) -> ComplianceStringFilter {
    ComplianceStringFilter::new(key, values, Some(op))
}

fn eq(key: &str, values: &[&str]) -> ComplianceStringFilter {
    // Type left out: EQUAL is the default.
    ComplianceStringFilter::new(key, values, None)
}

fn list_items(nodes: &[&str], filters: &[ComplianceStringFilter]) -> ListComplianceItems {
    ListComplianceItems {
        filters: Some(filters.to_vec()),
        resource_ids: Some(nodes.iter().map(|n| (*n).to_owned()).collect()),
        resource_types: Some(vec!["ManagedInstance".into()]),
        ..ListComplianceItems::default()
    }
}

/// Counts in the order CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNSPECIFIED.
fn sev(pairs: &[(ComplianceSeverity, i64)]) -> SeveritySummary {
    let mut counts = [0; 6];
    for (s, n) in pairs {
        counts[s.rank()] += n;
    }
    SeveritySummary::from_counts(counts)
}

fn compliant(pairs: &[(ComplianceSeverity, i64)]) -> CompliantSummary {
    let severity_summary = sev(pairs);
    CompliantSummary {
        compliant_count: severity_summary.total(),
        severity_summary,
    }
}

fn non_compliant(pairs: &[(ComplianceSeverity, i64)]) -> NonCompliantSummary {
    let severity_summary = sev(pairs);
    NonCompliantSummary {
        non_compliant_count: severity_summary.total(),
        severity_summary,
    }
}

/// (resource id, Id, status) of items.
type Shown = Vec<(String, String, String)>;

/// (resource id, compliance type) of resource summaries.
type Keys = Vec<(String, String)>;

/// (resource id, Id, status) of each item, in the order listed.
fn shown(items: &[ComplianceItem]) -> Shown {
    items
        .iter()
        .map(|i| {
            (
                i.resource_id.clone(),
                i.id.clone().unwrap_or_default(),
                i.status.as_str().to_owned(),
            )
        })
        .collect()
}

fn ids_of(items: &[ComplianceItem]) -> Vec<String> {
    items
        .iter()
        .map(|i| i.id.clone().unwrap_or_default())
        .collect()
}

/// (resource, type) of each summary, in the order listed.
fn keys(summaries: &[ResourceComplianceSummaryItem]) -> Keys {
    summaries
        .iter()
        .map(|s| (s.resource_id.clone(), s.compliance_type.clone()))
        .collect()
}

fn key(node: &str, compliance_type: &str) -> (String, String) {
    (node.to_owned(), compliance_type.to_owned())
}

/// Four nodes with AV and Disk compliance of several severities:
///
/// | node | Custom:AV                                  | Custom:Disk              |
/// |------|--------------------------------------------|--------------------------|
/// | n0   | a CRITICAL NC, b LOW C        → NC CRITICAL | d INFORMATIONAL C → C INF |
/// | n1   | a HIGH C, b MEDIUM C          → C HIGH      |                          |
/// | n2   | a LOW NC, b CRITICAL C, c LOW NC → NC LOW   |                          |
/// | n3   |                                            | d UNSPEC C, e MEDIUM NC → NC MEDIUM |
///
/// AV was run at START (`run-1`), Disk an hour later (`run-2`).
async fn fleet(fx: &Fx) -> Vec<String> {
    let n = fx.nodes(4).await;
    let av = |items| {
        let mut req = put(&n[0], AV, items);
        req.execution_summary = ComplianceExecutionSummary {
            execution_time: Timestamp::from_secs(START),
            execution_id: Some("run-1".into()),
            execution_type: Some("Command".into()),
        };
        req
    };
    let disk = |items| {
        let mut req = put(&n[0], DISK, items);
        req.execution_summary = ComplianceExecutionSummary {
            execution_time: Timestamp::from_secs(START + 3600),
            execution_id: Some("run-2".into()),
            execution_type: Some("Command".into()),
        };
        req
    };
    let on = |mut req: PutComplianceItems, node: &str| {
        req.resource_id = node.to_owned();
        req
    };
    fx.ok(on(
        av(vec![
            with_details(
                item("a", Critical, NonCompliant),
                &[("Classification", "Security")],
            ),
            item("b", Low, Compliant),
        ]),
        &n[0],
    ))
    .await;
    fx.ok(on(
        av(vec![
            item("a", High, Compliant),
            item("b", Medium, Compliant),
        ]),
        &n[1],
    ))
    .await;
    fx.ok(on(
        av(vec![
            item("a", Low, NonCompliant),
            item("b", Critical, Compliant),
            item("c", Low, NonCompliant),
        ]),
        &n[2],
    ))
    .await;
    fx.ok(on(disk(vec![item("d", Informational, Compliant)]), &n[0]))
        .await;
    fx.ok(on(
        disk(vec![
            item("d", Unspecified, Compliant),
            item("e", Medium, NonCompliant),
        ]),
        &n[3],
    ))
    .await;
    n
}

// ---------------------------------------------------------------------------
// Uploads

#[tokio::test]
async fn a_complete_upload_replaces_and_a_partial_one_updates_by_id() {
    let fx = Fx::new();
    let n = fx.nodes(1).await;
    let node = n[0].as_str();
    fx.put(
        node,
        AV,
        vec![
            item("a", High, Compliant),
            item("b", Low, Compliant),
            item("c", Low, Compliant),
        ],
    )
    .await;
    // COMPLETE: what was there and is not given is gone.
    let mut req = put(
        node,
        AV,
        vec![item("c", Medium, NonCompliant), item("b", Low, Compliant)],
    );
    req.execution_summary = at(60);
    req.upload_type = Some("COMPLETE".into());
    fx.ok(req).await;
    let items = fx.items(&[node], &[]).await;
    assert_eq!(ids_of(&items), ["b", "c"], "listed by Id");
    assert_eq!(items[1].severity, Medium);
    assert_eq!(items[1].status, NonCompliant);
    assert_eq!(items[1].title.as_deref(), Some("c check"));
    assert_eq!(items[1].resource_type, "ManagedInstance");
    assert_eq!(items[1].compliance_type, AV);
    assert_eq!(items[1].execution_summary, at(60));

    // PARTIAL: c is updated, d added, b kept with the execution it came from.
    let mut req = partial(put(
        node,
        AV,
        vec![
            item("d", Critical, NonCompliant),
            item("c", Medium, Compliant),
        ],
    ));
    req.execution_summary = at(120);
    fx.ok(req).await;
    let items = fx.items(&[node], &[]).await;
    assert_eq!(ids_of(&items), ["b", "c", "d"]);
    assert_eq!(items[0].execution_summary, at(60));
    assert_eq!(items[1].status, Compliant);
    assert_eq!(items[1].execution_summary, at(120));
    assert_eq!(items[2].execution_summary, at(120));

    let summary = &fx.resources(&[]).await[0];
    assert_eq!(summary.status, NonCompliant);
    assert_eq!(summary.overall_severity, Critical);
    assert_eq!(summary.execution_summary, at(120), "the last upload's");
    assert_eq!(
        summary.compliant_summary,
        compliant(&[(Low, 1), (Medium, 1)])
    );
    assert_eq!(
        summary.non_compliant_summary,
        non_compliant(&[(Critical, 1)])
    );
}

#[tokio::test]
async fn a_complete_upload_of_no_items_clears_the_type() {
    let fx = Fx::new();
    let n = fx.nodes(1).await;
    fx.put(&n[0], AV, vec![item("a", High, NonCompliant)]).await;
    fx.put(&n[0], DISK, vec![item("d", Low, Compliant)]).await;
    fx.put(&n[0], AV, vec![]).await;
    assert_eq!(ids_of(&fx.items(&[n[0].as_str()], &[]).await), ["d"]);
    let summaries = fx.summaries(&[]).await;
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].compliance_type, DISK);
    assert_eq!(keys(&fx.resources(&[]).await), [key(&n[0], DISK)]);
    // A PARTIAL upload of no items changes no item.
    fx.ok(partial(put(&n[0], DISK, vec![]))).await;
    assert_eq!(ids_of(&fx.items(&[n[0].as_str()], &[]).await), ["d"]);
}

#[tokio::test]
async fn an_upload_with_the_last_content_hash_is_ignored() {
    let fx = Fx::new();
    let n = fx.nodes(1).await;
    let hashed = |items, hash: &str| {
        let mut req = put(&n[0], AV, items);
        req.item_content_hash = Some(hash.to_owned());
        req
    };
    fx.ok(hashed(vec![item("a", High, Compliant)], "h1")).await;
    fx.ok(hashed(vec![item("b", High, Compliant)], "h1")).await;
    assert_eq!(ids_of(&fx.items(&[n[0].as_str()], &[]).await), ["a"]);
    fx.ok(hashed(vec![item("b", High, Compliant)], "h2")).await;
    assert_eq!(ids_of(&fx.items(&[n[0].as_str()], &[]).await), ["b"]);
}

#[tokio::test]
async fn a_resource_carries_at_most_ten_custom_types() {
    let fx = Fx::new();
    let n = fx.nodes(2).await;
    for i in 0..10 {
        fx.put(
            &n[0],
            &format!("Custom:T{i}"),
            vec![item("x", Low, Compliant)],
        )
        .await;
    }
    let refused = fx
        .err(put(&n[0], "Custom:T10", vec![item("x", Low, Compliant)]))
        .await;
    assert_eq!(refused.code, "ComplianceTypeCountLimitExceededException");
    assert!(
        refused.message.contains("10 custom compliance types"),
        "{}",
        refused.message
    );
    assert!(refused.message.contains("Custom:T3"), "{}", refused.message);
    assert!(
        fx.items(&[n[0].as_str()], &[eq("ComplianceType", &["Custom:T10"])])
            .await
            .is_empty()
    );
    // The types it has can still be updated; another node has its own ten.
    fx.put(&n[0], "Custom:T3", vec![item("y", Low, Compliant)])
        .await;
    fx.put(&n[1], "Custom:T10", vec![item("x", Low, Compliant)])
        .await;
    // Clearing one frees its place.
    fx.put(&n[0], "Custom:T3", vec![]).await;
    fx.put(&n[0], "Custom:T10", vec![item("x", Low, Compliant)])
        .await;
    assert_eq!(
        fx.resources(&[eq("ResourceId", &[n[0].as_str()])])
            .await
            .len(),
        10
    );
}

// ---------------------------------------------------------------------------
// Refused uploads

#[tokio::test]
async fn every_bad_upload_is_refused_precisely_and_changes_nothing() {
    let fx = Fx::new();
    let n = fx.nodes(1).await;
    let node = n[0].as_str();
    fx.put(node, AV, vec![item("keep", Low, Compliant)]).await;
    let before = fx.items(&[node], &[]).await;
    let base = || put(node, AV, vec![item("a", High, NonCompliant)]);
    let with = |f: &dyn Fn(&mut PutComplianceItems)| {
        let mut req = base();
        f(&mut req);
        req
    };
    let big = "v".repeat(4096);
    let cases: Vec<(PutComplianceItems, &str, &str)> = vec![
        (
            with(&|r| r.resource_type = "Document".into()),
            "InvalidResourceType",
            "The resource type Document isn't supported. Valid resource types include: \
             [ManagedInstance].",
        ),
        (
            with(&|r| r.resource_id = "mi-0123456789abcdef0".into()),
            "InvalidResourceId",
            "The resource ID mi-0123456789abcdef0 isn't valid.",
        ),
        (
            with(&|r| r.resource_id = "web-server".into()),
            "InvalidResourceId",
            "The resource ID web-server isn't valid.",
        ),
        (
            with(&|r| r.resource_id = String::new()),
            "ValidationException",
            "at 'resourceId'",
        ),
        (
            with(&|r| r.compliance_type = "Patch".into()),
            "ValidationException",
            "Patch Manager",
        ),
        (
            with(&|r| r.compliance_type = "Association".into()),
            "ValidationException",
            "Custom:<name>",
        ),
        (
            with(&|r| r.compliance_type = "Antivirus".into()),
            "ValidationException",
            "Custom:Antivirus",
        ),
        (
            with(&|r| r.compliance_type = "custom:av".into()),
            "ValidationException",
            "regular expression pattern",
        ),
        (
            with(&|r| r.compliance_type = format!("Custom:{}", "x".repeat(100))),
            "ValidationException",
            "length between 1 and 100",
        ),
        (
            with(&|r| r.items[0].severity = "Critical".into()),
            "ValidationException",
            "at 'items.1.member.severity' failed to satisfy constraint: Member must satisfy enum value set: [CRITICAL",
        ),
        (
            with(&|r| r.items[0].status = "FAILED".into()),
            "ValidationException",
            "at 'items.1.member.status'",
        ),
        (
            with(&|r| r.items[0].title = Some("t".repeat(501))),
            "ValidationException",
            "less than or equal to 500",
        ),
        (
            with(&|r| {
                r.items[0] = with_details(item("a", Low, Compliant), &[(&"k".repeat(65), "v")])
            }),
            "ValidationException",
            "between 1 and 64",
        ),
        (
            with(&|r| {
                r.items[0] = with_details(item("a", Low, Compliant), &[("k", &"v".repeat(4097))])
            }),
            "ValidationException",
            "less than or equal to 4096",
        ),
        (
            with(&|r| {
                r.items = (0..10_001)
                    .map(|i| item(&i.to_string(), Low, Compliant))
                    .collect()
            }),
            "ValidationException",
            "less than or equal to 10000",
        ),
        (
            with(&|r| r.upload_type = Some("INCREMENTAL".into())),
            "ValidationException",
            "[COMPLETE, PARTIAL]",
        ),
        (
            with(&|r| r.execution_summary.execution_id = Some("x".repeat(101))),
            "ValidationException",
            "executionSummary.executionId",
        ),
        (
            with(&|r| r.execution_summary.execution_type = Some("x".repeat(51))),
            "ValidationException",
            "executionSummary.executionType",
        ),
        (
            with(&|r| r.item_content_hash = Some("h".repeat(257))),
            "ValidationException",
            "itemContentHash",
        ),
        (
            with(&|r| r.items.push(item("a", Low, Compliant))),
            "InvalidItemContentException",
            "Item Id a appears more than once",
        ),
        (
            with(&|r| {
                r.upload_type = Some("PARTIAL".into());
                r.items[0].id = None;
            }),
            "InvalidItemContentException",
            "PARTIAL upload updates items by Id",
        ),
        (
            with(&|r| {
                let details: Vec<(String, &str)> =
                    (0..17).map(|i| (format!("k{i}"), big.as_str())).collect();
                let details: Vec<(&str, &str)> =
                    details.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                r.items[0] = with_details(item("huge", Low, Compliant), &details);
            }),
            "ItemSizeLimitExceededException",
            "Item 1 (huge)",
        ),
        (
            with(&|r| {
                let details: Vec<(String, &str)> =
                    (0..15).map(|i| (format!("k{i}"), big.as_str())).collect();
                let details: Vec<(&str, &str)> =
                    details.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                r.items = (0..70)
                    .map(|i| with_details(item(&format!("i{i}"), Low, Compliant), &details))
                    .collect();
            }),
            "TotalSizeLimitExceededException",
            "at most 4194304 bytes",
        ),
    ];
    for (req, code, needle) in cases {
        let what = format!("{req:?}").chars().take(160).collect::<String>();
        let err = fx.err(req).await;
        assert_eq!(err.code, code, "{what}: {err}");
        assert!(err.message.contains(needle), "{what}: {err}");
        assert_eq!(fx.items(&[node], &[]).await, before, "{what} changed items");
    }
    assert_eq!(fx.summaries(&[]).await.len(), 1);
}

// ---------------------------------------------------------------------------
// Summaries

#[tokio::test]
async fn summaries_count_resources_by_their_overall_severity() {
    let fx = Fx::new();
    fleet(&fx).await;
    let summaries = fx.summaries(&[]).await;
    assert_eq!(
        summaries,
        [
            ComplianceSummaryItem {
                compliance_type: AV.into(),
                compliant_summary: compliant(&[(High, 1)]),
                non_compliant_summary: non_compliant(&[(Critical, 1), (Low, 1)]),
            },
            ComplianceSummaryItem {
                compliance_type: DISK.into(),
                compliant_summary: compliant(&[(Informational, 1)]),
                non_compliant_summary: non_compliant(&[(Medium, 1)]),
            },
        ]
    );
}

#[tokio::test]
async fn resource_summaries_count_items_and_come_worst_first() {
    let fx = Fx::new();
    let n = fleet(&fx).await;
    let all = fx.resources(&[]).await;
    assert_eq!(
        keys(&all),
        [
            key(&n[0], AV),   // NON_COMPLIANT, CRITICAL
            key(&n[3], DISK), // NON_COMPLIANT, MEDIUM
            key(&n[2], AV),   // NON_COMPLIANT, LOW
            key(&n[1], AV),   // COMPLIANT, HIGH
            key(&n[0], DISK), // COMPLIANT, INFORMATIONAL
        ]
    );
    let n2 = &all[2];
    assert_eq!(n2.status, NonCompliant);
    assert_eq!(n2.overall_severity, Low, "the worst non-compliant item's");
    assert_eq!(n2.resource_type, "ManagedInstance");
    assert_eq!(n2.compliant_summary, compliant(&[(Critical, 1)]));
    assert_eq!(n2.non_compliant_summary, non_compliant(&[(Low, 2)]));
    assert_eq!(n2.execution_summary.execution_id.as_deref(), Some("run-1"));
    let n1 = &all[3];
    assert_eq!(n1.status, Compliant);
    assert_eq!(n1.overall_severity, High, "the worst item's");
    assert_eq!(n1.compliant_summary, compliant(&[(High, 1), (Medium, 1)]));
    assert_eq!(n1.non_compliant_summary, non_compliant(&[]));

    // Fixing n2's non-compliant items moves it down among the compliant.
    fx.put(
        &n[2],
        AV,
        vec![item("a", Low, Compliant), item("b", Critical, Compliant)],
    )
    .await;
    let all = fx.resources(&[]).await;
    assert_eq!(
        keys(&all),
        [
            key(&n[0], AV),
            key(&n[3], DISK),
            key(&n[2], AV), // COMPLIANT, CRITICAL
            key(&n[1], AV),
            key(&n[0], DISK),
        ]
    );
    assert_eq!(all[2].overall_severity, Critical);
    let av = &fx.summaries(&[eq("ComplianceType", &[AV])]).await[0];
    assert_eq!(av.compliant_summary, compliant(&[(Critical, 1), (High, 1)]));
    assert_eq!(av.non_compliant_summary, non_compliant(&[(Critical, 1)]));
}

#[tokio::test]
async fn summary_filters_narrow_by_type_status_severity_resource_and_time() {
    let fx = Fx::new();
    let n = fleet(&fx).await;
    let cases: Vec<(Vec<ComplianceStringFilter>, Keys)> = vec![
        (
            vec![eq("Status", &["COMPLIANT"])],
            vec![key(&n[1], AV), key(&n[0], DISK)],
        ),
        (
            vec![filter("OverallSeverity", &["LOW"], Op::GreaterThan)],
            vec![key(&n[0], AV), key(&n[3], DISK), key(&n[1], AV)],
        ),
        (
            vec![filter("OverallSeverity", &["MEDIUM"], Op::LessThan)],
            vec![key(&n[2], AV), key(&n[0], DISK)],
        ),
        (
            vec![filter(
                "OverallSeverity",
                &["CRITICAL", "LOW"],
                Op::NotEqual,
            )],
            vec![key(&n[3], DISK), key(&n[1], AV), key(&n[0], DISK)],
        ),
        (
            vec![eq("ResourceId", &[n[0].as_str(), n[1].as_str()])],
            vec![key(&n[0], AV), key(&n[1], AV), key(&n[0], DISK)],
        ),
        (
            vec![filter("ComplianceType", &["Custom:D"], Op::BeginWith)],
            vec![key(&n[3], DISK), key(&n[0], DISK)],
        ),
        (
            vec![filter(
                "ExecutionTime",
                &["2026-11-23T12:30:00Z"],
                Op::GreaterThan,
            )],
            vec![key(&n[3], DISK), key(&n[0], DISK)],
        ),
        (
            vec![
                eq("ExecutionId", &["run-1"]),
                eq("Status", &["NON_COMPLIANT"]),
            ],
            vec![key(&n[0], AV), key(&n[2], AV)],
        ),
        (
            vec![eq("ResourceType", &["ManagedInstance"])],
            keys(&fx.resources(&[]).await),
        ),
    ];
    for (filters, want) in cases {
        assert_eq!(keys(&fx.resources(&filters).await), want, "{filters:?}");
    }

    // The same filters count resources in ListComplianceSummaries.
    let non_compliant_only = fx.summaries(&[eq("Status", &["NON_COMPLIANT"])]).await;
    assert_eq!(non_compliant_only.len(), 2);
    assert_eq!(non_compliant_only[0].compliant_summary, compliant(&[]));
    assert_eq!(
        non_compliant_only[0].non_compliant_summary,
        non_compliant(&[(Critical, 1), (Low, 1)])
    );
    let n0 = fx.summaries(&[eq("ResourceId", &[n[0].as_str()])]).await;
    assert_eq!(n0[0].non_compliant_summary, non_compliant(&[(Critical, 1)]));
    assert_eq!(n0[0].compliant_summary, compliant(&[]));
    assert_eq!(n0[1].compliant_summary, compliant(&[(Informational, 1)]));
    let disk = fx.summaries(&[eq("ComplianceType", &[DISK])]).await;
    assert_eq!(disk.len(), 1);
    assert_eq!(disk[0].compliance_type, DISK);
    assert!(
        fx.summaries(&[eq("ComplianceType", &["Patch"])])
            .await
            .is_empty()
    );
}

// ---------------------------------------------------------------------------
// Items

#[tokio::test]
async fn item_filters_narrow_by_every_documented_key() {
    let fx = Fx::new();
    let n = fleet(&fx).await;
    let nodes = [n[0].as_str(), n[2].as_str()];
    let n0 = |id: &str, status: &str| (n[0].clone(), id.to_owned(), status.to_owned());
    let n2 = |id: &str, status: &str| (n[2].clone(), id.to_owned(), status.to_owned());
    let all = fx.items(&nodes, &[]).await;
    assert_eq!(
        shown(&all),
        [
            n0("a", "NON_COMPLIANT"),
            n0("b", "COMPLIANT"),
            n0("d", "COMPLIANT"),
            n2("a", "NON_COMPLIANT"),
            n2("b", "COMPLIANT"),
            n2("c", "NON_COMPLIANT"),
        ],
        "by resource, type, Id"
    );
    assert_eq!(
        all[0].details,
        BTreeMap::from([("Classification".to_owned(), "Security".to_owned())])
    );
    assert_eq!(all[2].compliance_type, DISK);
    assert_eq!(
        all[2].execution_summary.execution_id.as_deref(),
        Some("run-2")
    );
    let cases: Vec<(ComplianceStringFilter, Shown)> = vec![
        (eq("ComplianceType", &[DISK]), vec![n0("d", "COMPLIANT")]),
        (
            eq("Status", &["NON_COMPLIANT"]),
            vec![
                n0("a", "NON_COMPLIANT"),
                n2("a", "NON_COMPLIANT"),
                n2("c", "NON_COMPLIANT"),
            ],
        ),
        (
            filter("Severity", &["MEDIUM"], Op::GreaterThan),
            vec![n0("a", "NON_COMPLIANT"), n2("b", "COMPLIANT")],
        ),
        (
            filter("Severity", &["LOW", "INFORMATIONAL"], Op::NotEqual),
            vec![n0("a", "NON_COMPLIANT"), n2("b", "COMPLIANT")],
        ),
        (
            eq("Id", &["b"]),
            vec![n0("b", "COMPLIANT"), n2("b", "COMPLIANT")],
        ),
        (
            filter("Title", &["c "], Op::BeginWith),
            vec![n2("c", "NON_COMPLIANT")],
        ),
        (
            filter("Id", &["b"], Op::LessThan),
            vec![n0("a", "NON_COMPLIANT"), n2("a", "NON_COMPLIANT")],
        ),
        (eq("ExecutionId", &["run-2"]), vec![n0("d", "COMPLIANT")]),
        (eq("ExecutionType", &["Automation"]), vec![]),
        (
            filter("ExecutionTime", &["2026-11-23T12:00:00Z"], Op::GreaterThan),
            vec![n0("d", "COMPLIANT")],
        ),
        (
            eq("Classification", &["Security"]),
            vec![n0("a", "NON_COMPLIANT")],
        ),
        (
            filter("Classification", &["Security"], Op::NotEqual),
            vec![
                n0("b", "COMPLIANT"),
                n0("d", "COMPLIANT"),
                n2("a", "NON_COMPLIANT"),
                n2("b", "COMPLIANT"),
                n2("c", "NON_COMPLIANT"),
            ],
        ),
    ];
    for (f, want) in cases {
        assert_eq!(
            shown(&fx.items(&nodes, std::slice::from_ref(&f)).await),
            want,
            "{f:?}"
        );
    }
    // Filters combine: all must hold.
    let both = fx
        .items(
            &nodes,
            &[
                eq("Id", &["a"]),
                eq("Status", &["NON_COMPLIANT"]),
                eq("ComplianceType", &[AV]),
            ],
        )
        .await;
    assert_eq!(
        shown(&both),
        [n0("a", "NON_COMPLIANT"), n2("a", "NON_COMPLIANT")]
    );
    // A node with no compliance has no items; ids given twice count once.
    assert!(
        fx.items(
            &[n[1].as_str(), n[1].as_str()],
            &[eq("ComplianceType", &[DISK])]
        )
        .await
        .is_empty()
    );
    assert_eq!(
        fx.items(&[n[3].as_str(), n[3].as_str()], &[]).await.len(),
        2
    );
}

#[tokio::test]
async fn bad_filters_and_list_requests_are_refused_precisely() {
    let fx = Fx::new();
    let n = fleet(&fx).await;
    let node = n[0].as_str();
    let item_cases: Vec<(ListComplianceItems, &str, &str)> = vec![
        (
            list_items(&[node], &[eq("Colour", &["red"])]),
            "InvalidFilter",
            "Colour is not a filter key here; use one of ComplianceType",
        ),
        (
            list_items(&[node], &[eq("OverallSeverity", &["LOW"])]),
            "InvalidFilter",
            "items filter on Severity",
        ),
        (
            list_items(&[node], &[eq("", &["x"])]),
            "InvalidFilter",
            "has no Key",
        ),
        (
            list_items(
                &[node],
                &[ComplianceStringFilter {
                    key: "Id".into(),
                    values: vec!["a".into()],
                    r#type: Some("CONTAINS".into()),
                }],
            ),
            "ValidationException",
            "at 'filters.1.member.type'",
        ),
        (
            list_items(&[node], &[eq("Id", &[])]),
            "ValidationException",
            "between 1 and 20",
        ),
        (
            list_items(
                &[node],
                &[filter("Severity", &["LOW", "HIGH"], Op::LessThan)],
            ),
            "InvalidFilter",
            "LESS_THAN compares with one value",
        ),
        (
            list_items(&[node], &[eq("Severity", &["SEVERE"])]),
            "InvalidFilter",
            "not a severity; use one of CRITICAL",
        ),
        (
            list_items(&[node], &[eq("Status", &["FAILED"])]),
            "InvalidFilter",
            "COMPLIANT or NON_COMPLIANT",
        ),
        (
            list_items(&[node], &[eq("ExecutionTime", &["yesterday"])]),
            "InvalidFilter",
            "2019-02-18T16:00:00Z",
        ),
        (
            list_items(
                &[node],
                &[filter("ExecutionTime", &["2026"], Op::BeginWith)],
            ),
            "InvalidFilter",
            "not BEGIN_WITH",
        ),
        (
            list_items(&[], &[]),
            "ValidationException",
            "at 'resourceIds'",
        ),
        (
            ListComplianceItems {
                resource_ids: None,
                ..ListComplianceItems::default()
            },
            "ValidationException",
            "between 1 and 100",
        ),
        (
            list_items(&(0..101).map(|_| node).collect::<Vec<_>>(), &[]),
            "ValidationException",
            "between 1 and 100",
        ),
        (
            ListComplianceItems {
                resource_types: Some(vec!["Document".into()]),
                ..list_items(&[node], &[])
            },
            "InvalidResourceType",
            "ManagedInstance",
        ),
        (
            list_items(&[node, "mi-0123456789abcdef0"], &[]),
            "InvalidResourceId",
            "mi-0123456789abcdef0",
        ),
        (
            ListComplianceItems {
                max_results: Some(51),
                ..list_items(&[node], &[])
            },
            "ValidationException",
            "less than or equal to 50",
        ),
        (
            ListComplianceItems {
                max_results: Some(0),
                ..list_items(&[node], &[])
            },
            "ValidationException",
            "greater than or equal to 1",
        ),
    ];
    for (req, code, needle) in item_cases {
        let what = format!("{:?}", req.filters);
        let err = fx.err(req).await;
        assert_eq!(err.code, code, "{what}: {err}");
        assert!(err.message.contains(needle), "{what}: {err}");
    }
    for key in [
        "Id",
        "PatchState",
        "Severity",
        "AWS:InstanceInformation.PlatformType",
    ] {
        let err = fx
            .err(ListResourceComplianceSummaries {
                filters: Some(vec![eq(key, &["x"])]),
                ..Default::default()
            })
            .await;
        assert_eq!(err.code, "InvalidFilter", "{key}");
        assert!(
            err.message
                .contains("use one of ComplianceType, Status, OverallSeverity"),
            "{err}"
        );
        let err = fx
            .err(ListComplianceSummaries {
                filters: Some(vec![eq(key, &["x"])]),
                ..Default::default()
            })
            .await;
        assert_eq!(err.code, "InvalidFilter", "{key}");
    }
    let err = fx
        .err(ListComplianceSummaries {
            filters: Some(vec![eq("AWS:InstanceInformation.PlatformType", &["Linux"])]),
            ..Default::default()
        })
        .await;
    assert!(
        err.message.contains("inventory filters are not supported"),
        "{err}"
    );
    let err = fx
        .err(ListResourceComplianceSummaries {
            max_results: Some(100),
            ..Default::default()
        })
        .await;
    assert_eq!(err.code, "ValidationException");
}

// ---------------------------------------------------------------------------
// Pages

#[tokio::test]
async fn every_list_pages_through_all_it_holds_and_refuses_foreign_tokens() {
    let fx = Fx::new();
    let n = fleet(&fx).await;
    let nodes = [n[0].as_str(), n[2].as_str(), n[3].as_str()];

    // Items: 8 in pages of 3.
    let whole = fx.items(&nodes, &[]).await;
    assert_eq!(whole.len(), 8);
    let mut req = ListComplianceItems {
        max_results: Some(3),
        ..list_items(&nodes, &[])
    };
    let mut walked = Vec::new();
    let mut pages = 0;
    loop {
        let out = fx.ok(req.clone()).await;
        pages += 1;
        assert!(out.compliance_items.len() <= 3);
        walked.extend(out.compliance_items);
        match out.next_token {
            Some(t) => req.next_token = Some(t),
            None => break,
        }
    }
    assert_eq!(walked, whole);
    assert_eq!(pages, 3);
    // Filtered pages hold only what matches, and the last page has no token.
    let out = fx
        .ok(ListComplianceItems {
            max_results: Some(3),
            ..list_items(&nodes, &[eq("Status", &["NON_COMPLIANT"])])
        })
        .await;
    assert_eq!(out.compliance_items.len(), 3);
    let rest = fx
        .ok(ListComplianceItems {
            max_results: Some(3),
            next_token: out.next_token.clone(),
            ..list_items(&nodes, &[eq("Status", &["NON_COMPLIANT"])])
        })
        .await;
    assert_eq!(rest.compliance_items.len(), 1);
    assert_eq!(rest.next_token, None);
    // A token replayed with other filters or other resources is refused.
    let token = out.next_token.unwrap();
    for other in [
        list_items(&nodes, &[eq("Status", &["COMPLIANT"])]),
        list_items(&nodes[..2], &[eq("Status", &["NON_COMPLIANT"])]),
    ] {
        let err = fx
            .err(ListComplianceItems {
                next_token: Some(token.clone()),
                ..other
            })
            .await;
        assert_eq!(err.code, "InvalidNextToken");
        assert_eq!(err.message, "The specified token isn't valid.");
    }

    // Resource summaries: 5 in pages of 2, in the same order as unpaged.
    let whole = fx.resources(&[]).await;
    let mut req = ListResourceComplianceSummaries {
        max_results: Some(2),
        ..Default::default()
    };
    let mut walked = Vec::new();
    loop {
        let out = fx.ok(req.clone()).await;
        assert!(out.resource_compliance_summary_items.len() <= 2);
        walked.extend(out.resource_compliance_summary_items);
        match out.next_token {
            Some(t) => req.next_token = Some(t),
            None => break,
        }
    }
    assert_eq!(walked, whole);
    let first = fx
        .ok(ListResourceComplianceSummaries {
            max_results: Some(2),
            ..Default::default()
        })
        .await;
    let err = fx
        .err(ListComplianceSummaries {
            next_token: first.next_token.clone(),
            ..Default::default()
        })
        .await;
    assert_eq!(err.code, "InvalidNextToken", "a token of another list");

    // Summaries: 2 types in pages of 1.
    let page = fx
        .ok(ListComplianceSummaries {
            max_results: Some(1),
            ..Default::default()
        })
        .await;
    assert_eq!(page.compliance_summary_items[0].compliance_type, AV);
    let next = fx
        .ok(ListComplianceSummaries {
            max_results: Some(1),
            next_token: page.next_token,
            ..Default::default()
        })
        .await;
    assert_eq!(next.compliance_summary_items[0].compliance_type, DISK);
    assert_eq!(next.next_token, None);
    for garbage in ["", "abc", "eyJvIjoiTGlzdCJ9.AAAA"] {
        let err = fx
            .err(ListResourceComplianceSummaries {
                next_token: Some(garbage.into()),
                ..Default::default()
            })
            .await;
        assert_eq!(err.code, "InvalidNextToken", "{garbage:?}");
    }
}

// ---------------------------------------------------------------------------
// Durability, reset, events, audit

async fn everything(
    fx: &Fx,
    nodes: &[&str],
) -> (
    Vec<ComplianceSummaryItem>,
    Vec<ResourceComplianceSummaryItem>,
    Vec<ComplianceItem>,
) {
    (
        fx.summaries(&[]).await,
        fx.resources(&[]).await,
        fx.items(nodes, &[]).await,
    )
}

#[tokio::test]
async fn compliance_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (n, before) = {
        let fx = Fx::open(Some(dir.path()));
        let n = fleet(&fx).await;
        // A PARTIAL upload and a cleared type, so both reach the disk.
        let mut req = partial(put(&n[1], AV, vec![item("z", Critical, NonCompliant)]));
        req.execution_summary = at(7200);
        fx.ok(req).await;
        fx.put(&n[3], DISK, vec![]).await;
        fx.put(&n[3], AV, vec![item("q", High, Compliant)]).await;
        let nodes: Vec<&str> = n.iter().map(String::as_str).collect();
        let before = everything(&fx, &nodes).await;
        fx.backend.flush().await;
        (n, before)
    };
    let fx = Fx::open(Some(dir.path()));
    let nodes: Vec<&str> = n.iter().map(String::as_str).collect();
    let after = everything(&fx, &nodes).await;
    assert_eq!(after, before);
    assert_eq!(after.1.len(), 5);
    let n1: Vec<_> = after.2.iter().filter(|i| i.resource_id == n[1]).collect();
    assert_eq!(n1.len(), 3);
    assert_eq!(
        n1[0].execution_summary.execution_time,
        Timestamp::from_secs(START),
        "a kept its execution"
    );
    assert_eq!(n1[2].execution_summary, at(7200));
}

#[tokio::test]
async fn a_reset_forgets_all_compliance() {
    let dir = tempfile::tempdir().unwrap();
    {
        let fx = Fx::open(Some(dir.path()));
        let n = fleet(&fx).await;
        fx.ok(ResetState {}).await;
        assert!(fx.summaries(&[]).await.is_empty());
        assert!(fx.resources(&[]).await.is_empty());
        // The node went with the reset, and so may its items not come back.
        let err = fx.err(list_items(&[n[0].as_str()], &[])).await;
        assert_eq!(err.code, "InvalidResourceId");
        let err = fx
            .err(put(&n[0], AV, vec![item("a", Low, Compliant)]))
            .await;
        assert_eq!(err.code, "InvalidResourceId");
        fx.backend.flush().await;
    }
    let fx = Fx::open(Some(dir.path()));
    assert!(fx.summaries(&[]).await.is_empty());
    assert!(fx.resources(&[]).await.is_empty());
}

#[tokio::test]
async fn a_put_is_announced_and_audited_against_its_node() {
    let fx = Fx::new();
    let n = fx.nodes(1).await;
    let mut events = fx.backend.subscribe();
    fx.put(&n[0], AV, vec![item("a", Low, Compliant)]).await;
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(event);
    }
    assert!(
        seen.contains(&Event::ComplianceChanged {
            resource_id: n[0].clone(),
            compliance_type: AV.into(),
        }),
        "{seen:?}"
    );
    // Nothing changed, nothing announced.
    let mut req = put(&n[0], AV, vec![item("a", Low, Compliant)]);
    req.item_content_hash = Some("h".into());
    fx.ok(req.clone()).await;
    while events.try_recv().is_ok() {}
    fx.ok(req).await;
    assert!(events.try_recv().is_err());

    fx.ok(list_items(&[n[0].as_str()], &[])).await;
    fx.backend.flush().await;
    let audit = fx.backend.audit_records().await.unwrap();
    let put_record = audit
        .iter()
        .find(|r| r.operation == "PutComplianceItems")
        .unwrap();
    assert_eq!(put_record.resource, format!("managed-instance/{}", n[0]));
    assert_eq!(put_record.outcome, "Success");
    // The record says how many items went where, not each item.
    let request: serde_json::Value = serde_json::from_str(&put_record.request).unwrap();
    assert_eq!(request["Items"], 1, "{request}");
    assert_eq!(request["ComplianceType"], AV, "{request}");
    let list_record = audit
        .iter()
        .find(|r| r.operation == "ListComplianceItems")
        .unwrap();
    assert_eq!(list_record.resource, "*");
    const {
        assert!(!PutComplianceItems::READ_ONLY);
        assert!(ListComplianceItems::READ_ONLY);
        assert!(ListComplianceSummaries::READ_ONLY);
        assert!(ListResourceComplianceSummaries::READ_ONLY);
    }
}
