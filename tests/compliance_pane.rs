//! The Compliance pane as an operator uses it: the summary by type and
//! severity, the non-compliant nodes worst first, a node's items, the
//! filter and the sort, and new compliance arriving live.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::{SIZES, chars, key, open, press, run, screen};
use sysman::app::{App, Effect, Msg};
use sysman::fixture::Fixture;
use sysman::panes::PaneId;
use sysman_api::compliance::{
    ComplianceExecutionSummary, ComplianceItemEntry, ComplianceSeverity, PutComplianceItems,
};
use sysman_backend::{Caller, Clock, Event};
use tokio::sync::broadcast::Receiver;

async fn compliance_app(fx: &Fixture, size: (u16, u16)) -> (App, Receiver<Event>) {
    let mut events = fx.backend.subscribe();
    let mut app = fx.app(size, "dark", false).await;
    open(fx, &mut app, &mut events, "compliance").await;
    assert_eq!(app.pane, PaneId::Compliance);
    (app, events)
}

#[tokio::test]
async fn the_summary_and_a_nodes_items_at_both_sizes() {
    let fx = Fixture::patched(60, 7).await;
    for size in SIZES {
        let (mut app, mut events) = compliance_app(&fx, size).await;
        let summary = screen(&mut app);
        assert!(
            summary.contains("Compliance by type")
                && summary.contains("Custom:AntiVirus")
                && summary.contains("Patch")
                && summary.contains("Non-compliant nodes ["),
            "{summary}"
        );
        insta::assert_snapshot!(format!("compliance_{}x{}", size.0, size.1), summary);

        // Worst first: the first row is as bad as any.
        let first = app
            .panes
            .compliance
            .selected()
            .unwrap()
            .item
            .overall_severity;
        assert!(
            app.panes
                .compliance
                .rows
                .iter()
                .all(|r| r.item.overall_severity >= first)
        );
        press(&fx, &mut app, &mut events, KeyCode::Enter).await;
        let node = screen(&mut app);
        assert!(
            node.contains("Compliance of mi-") && node.contains("NON_COMPLIANT"),
            "{node}"
        );
        insta::assert_snapshot!(format!("compliance_node_{}x{}", size.0, size.1), node);
    }
}

#[tokio::test]
async fn filter_sort_drill_down_and_back() {
    let fx = Fixture::patched(60, 7).await;
    let (mut app, mut events) = compliance_app(&fx, (120, 40)).await;
    let all = app.panes.compliance.rows.len();
    chars(&mut app, "/AntiVirus");
    app.update(key(KeyCode::Enter));
    let shown = screen(&mut app);
    assert!(shown.contains(&format!(" of {all}]")), "{shown}");
    app.settle();
    assert!(
        app.panes
            .compliance
            .table
            .order
            .iter()
            .all(|&i| app.panes.compliance.rows[i].item.compliance_type == "Custom:AntiVirus")
    );

    // Open the worst, read its items, come back to the filtered list.
    press(&fx, &mut app, &mut events, KeyCode::Enter).await;
    let node = app.panes.compliance.node.as_ref().expect("the node opens");
    assert!(node.loaded);
    assert!(screen(&mut app).contains("Compliance ›"));
    chars(&mut app, "/RealTime");
    app.update(key(KeyCode::Enter));
    app.settle();
    assert_eq!(
        app.panes
            .compliance
            .node
            .as_ref()
            .unwrap()
            .table
            .order
            .len(),
        1
    );
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    assert!(app.panes.compliance.node.is_none());
    assert_eq!(app.panes.compliance.table.filter.text(), "AntiVirus");
    app.update(key(KeyCode::Esc));
    assert!(screen(&mut app).contains(&format!("Non-compliant nodes [{all}]")));

    // s sorts by the next column.
    let before = app.panes.compliance.table.sort_column;
    app.update(key(KeyCode::Char('s')));
    app.settle();
    assert_eq!(app.panes.compliance.table.sort_column, (before + 1) % 11);
}

#[tokio::test]
async fn new_compliance_refreshes_the_pane_with_one_load() {
    let fx = Fixture::patched(60, 7).await;
    let (mut app, mut events) = compliance_app(&fx, (120, 40)).await;
    let node = fx.sim.instance_ids().nth(3).unwrap().to_owned();
    let put = PutComplianceItems {
        resource_id: node.clone(),
        resource_type: "ManagedInstance".into(),
        compliance_type: "Custom:Backup".into(),
        execution_summary: ComplianceExecutionSummary::at(fx.clock.now()),
        items: vec![ComplianceItemEntry {
            id: Some("Nightly".into()),
            title: Some("Last night's backup finished".into()),
            severity: "CRITICAL".into(),
            status: "NON_COMPLIANT".into(),
            details: None,
        }],
        item_content_hash: None,
        upload_type: None,
    };
    fx.backend.call(&Caller::admin("ops"), put).await.unwrap();
    fx.backend.flush().await;
    let mut effects = Vec::new();
    while let Ok(event) = events.try_recv() {
        let more = app.update(Msg::Backend(sysman::app::BackendMsg::Event(event)));
        assert!(more.is_empty(), "an event alone calls nothing");
    }
    assert!(app.needs_flush());
    effects.extend(app.update(Msg::Flush));
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Call(c) if c.name() == "ComplianceOverview"))
            .count(),
        1,
        "{effects:?}"
    );
    run(&fx, &mut app, &mut events, effects).await;
    let shown = screen(&mut app);
    assert!(shown.contains("Custom:Backup"), "{shown}");
    let row = app
        .panes
        .compliance
        .rows
        .iter()
        .find(|r| r.item.compliance_type == "Custom:Backup")
        .unwrap();
    assert_eq!(row.item.resource_id, node);
    assert_eq!(row.item.overall_severity, ComplianceSeverity::Critical);
}
