//! The backend's one scheduler serves every capability's due times: a
//! time filed by one capability wakes it even while it sleeps until a
//! later time of another.

use std::sync::Arc;
use std::time::Duration;

use sysman_api::Timestamp;
use sysman_api::fleet::PingStatus;
use sysman_api::parameters::PutParameter;
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Event, ManualClock, Options};
use tokio::sync::broadcast::Receiver;

const START: Timestamp = Timestamp::from_secs(1_795_435_200); // 2026-11-23T12:00:00Z

/// The first event `pick` accepts, within 5 s of real time.
async fn wait_for<T>(events: &mut Receiver<Event>, pick: impl Fn(Event) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the scheduler acts within 5 s")
            .expect("the event bus is open");
        if let Some(found) = pick(event) {
            return found;
        }
    }
}

#[tokio::test]
async fn a_parameter_policy_due_before_the_fleets_next_change_fires_on_time() {
    let clock = ManualClock::new(START);
    let backend = Backend::open_in_memory(Options {
        clock: Arc::new(clock.clone()),
        id_seed: Some(1),
        ..Options::default()
    })
    .unwrap();
    // Online nodes: the scheduler now sleeps until the first of them
    // would lose its connection, minutes away.
    Simulator::start(backend.clone(), &FleetSpec::new(5, 3))
        .await
        .unwrap();
    let mut events = backend.subscribe();
    let expires = START.plus_secs(60).iso8601();
    backend
        .call(
            &Caller::admin("test"),
            PutParameter {
                name: "/short/lived".into(),
                value: "v".into(),
                r#type: Some("String".into()),
                tier: Some("Advanced".into()),
                policies: Some(format!(
                    r#"[{{"Type":"Expiration","Version":"1.0","Attributes":{{"Timestamp":"{expires}"}}}}]"#
                )),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    clock.advance(Duration::from_secs(61));
    let deleted = wait_for(&mut events, |event| match event {
        Event::ParameterDeleted { name } => Some(name),
        _ => None,
    })
    .await;
    assert_eq!(deleted, "/short/lived");

    // And the fleet's own due times still come: with no pings, every node
    // leaves Online in time.
    clock.advance(Duration::from_secs(3600));
    let status = wait_for(&mut events, |event| match event {
        Event::NodeChanged(node) => Some(node.info.ping_status),
        _ => None,
    })
    .await;
    assert_ne!(status, PingStatus::Online);
}
