//! The simulator: determinism, registration through activations, and ping
//! status following heartbeats on a manual clock.

use std::sync::Arc;
use std::time::Duration;

use sysman_api::Timestamp;
use sysman_api::fleet::{
    DescribeInstanceInformation, InstanceInformationStringFilter, ListNodes, NodeSummary,
    PingStatus,
};
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Clock, Event, ManualClock, Options};

const START: Timestamp = Timestamp::from_secs(1_795_435_200); // 2026-11-23T12:00:00Z

fn backend(clock: &ManualClock) -> Backend {
    Backend::open_in_memory(Options {
        clock: Arc::new(clock.clone()),
        id_seed: Some(42),
        ..Options::default()
    })
    .unwrap()
}

async fn all_nodes(backend: &Backend) -> Vec<NodeSummary> {
    let admin = Caller::admin("test");
    let mut nodes = Vec::new();
    let mut next_token = None;
    loop {
        let page = backend
            .call(
                &admin,
                ListNodes {
                    max_results: Some(70),
                    next_token,
                },
            )
            .await
            .unwrap();
        nodes.extend(page.nodes);
        match page.next_token {
            Some(t) => next_token = Some(t),
            None => return nodes,
        }
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_fleet() {
    let spec = FleetSpec::new(300, 7);
    assert_eq!(spec.expand(), spec.expand());
    assert_ne!(spec.expand(), FleetSpec::new(300, 8).expand());

    let (clock_a, clock_b) = (ManualClock::new(START), ManualClock::new(START));
    let (a, b) = (backend(&clock_a), backend(&clock_b));
    Simulator::start(a.clone(), &spec).await.unwrap();
    Simulator::start(b.clone(), &spec).await.unwrap();
    let (nodes_a, nodes_b) = (all_nodes(&a).await, all_nodes(&b).await);
    assert_eq!(nodes_a.len(), 300);
    assert_eq!(nodes_a, nodes_b);
}

#[tokio::test]
async fn simulated_nodes_look_like_a_real_fleet() {
    let clock = ManualClock::new(START);
    let backend = backend(&clock);
    Simulator::start(backend.clone(), &FleetSpec::new(500, 1))
        .await
        .unwrap();
    let nodes = all_nodes(&backend).await;
    let count = |f: &dyn Fn(&NodeSummary) -> bool| nodes.iter().filter(|n| f(n)).count();
    assert!(count(&|n| n.info.platform_name.as_deref() == Some("Ubuntu")) > 50);
    assert!(
        count(&|n| n.info.platform_type == Some(sysman_api::fleet::PlatformType::Windows)) > 30
    );
    assert!(
        count(&|n| n.info.is_latest_version == Some(false)) > 30,
        "some agents are outdated"
    );
    assert!(
        count(&|n| n
            .tags
            .iter()
            .any(|t| t.key == "Environment" && t.value == "prod"))
            > 150
    );
    assert!(
        nodes.iter().all(|n| n.info.activation_id.is_some()),
        "registered via activations"
    );
    let mut names: Vec<_> = nodes.iter().map(|n| n.info.computer_name.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 500, "computer names are unique");
}

#[tokio::test]
async fn ping_status_follows_heartbeats_on_the_clock() {
    let clock = ManualClock::new(START);
    let backend = backend(&clock);
    let mut events = backend.subscribe();
    let mut sim = Simulator::start(backend.clone(), &FleetSpec::new(200, 3))
        .await
        .unwrap();
    let config = backend.fleet_config().clone();
    let admin = Caller::admin("test");
    let online = |status: &str| DescribeInstanceInformation {
        filters: Some(vec![InstanceInformationStringFilter {
            key: "PingStatus".into(),
            values: vec![status.into()],
        }]),
        max_results: Some(50),
        ..Default::default()
    };

    // Heartbeats keep every node online while time passes.
    for _ in 0..10 {
        clock.advance(config.heartbeat_interval);
        sim.step_until(clock.now()).await.unwrap();
    }
    let lost = backend
        .call(&admin, online("ConnectionLost"))
        .await
        .unwrap();
    let flaky_silent = lost.instance_information_list.len();

    // Without heartbeats, everyone is ConnectionLost after the missed count.
    let silence = config.heartbeat_interval * config.missed_heartbeats;
    clock.advance(silence + Duration::from_secs(1));
    let lost = backend
        .call(&admin, online("ConnectionLost"))
        .await
        .unwrap();
    assert_eq!(
        lost.instance_information_list.len(),
        50,
        "a full first page"
    );
    assert!(lost.next_token.is_some());
    assert!(
        backend
            .call(&admin, online("Online"))
            .await
            .unwrap()
            .instance_information_list
            .is_empty()
    );

    // The scheduler announced the changes without anyone asking.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut announced = 0;
    while announced < 200 - flaky_silent {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap()
            .unwrap();
        if let Event::NodeChanged(node) = event
            && node.info.ping_status == PingStatus::ConnectionLost
        {
            announced += 1;
        }
    }

    // The next heartbeat brings a node back online.
    sim.step_until(clock.now()).await.unwrap();
    let back = backend.call(&admin, online("Online")).await.unwrap();
    assert!(!back.instance_information_list.is_empty());

    // Thirty days of silence make a node Inactive.
    clock.advance(config.inactive_after);
    let inactive = backend.call(&admin, online("Inactive")).await.unwrap();
    assert_eq!(inactive.instance_information_list.len(), 50);
}

#[tokio::test]
async fn a_reopened_store_keeps_the_fleet_and_the_simulator_finds_its_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let options = || Options {
        clock: Arc::new(clock.clone()),
        id_seed: Some(1),
        ..Options::default()
    };
    let spec = FleetSpec::new(120, 9);
    let before = {
        let backend = Backend::open(dir.path(), options()).unwrap();
        Simulator::start(backend.clone(), &spec).await.unwrap();
        backend.flush().await;
        all_nodes(&backend).await
    };
    let backend = Backend::open(dir.path(), options()).unwrap();
    assert_eq!(all_nodes(&backend).await, before);
    let sim = Simulator::start(backend.clone(), &spec).await.unwrap();
    assert_eq!(sim.len(), 120);
    assert_eq!(
        all_nodes(&backend).await.len(),
        120,
        "no node registered twice"
    );
}
