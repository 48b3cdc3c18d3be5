//! UpdateManagedInstanceRole and GetConnectionStatus through the one gate:
//! a node's role changes durably and shows in DescribeInstanceInformation;
//! a node is connected while its agent is Online and not after.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sysman_api::fleet::{
    ConnectionStatus, CreateActivation, DescribeInstanceInformation, GetConnectionStatus,
    InstanceInformation, PlatformType, RegisterNode, UpdateManagedInstanceRole,
};
use sysman_api::{ApiError, Timestamp};
use sysman_backend::{Backend, Caller, Handler, ManualClock, Options};

const START: Timestamp = Timestamp::from_secs(1_795_435_200);
/// Well formed, but no node has it.
const UNKNOWN_NODE: &str = "mi-0000000000000000f";

struct Fx {
    clock: ManualClock,
    backend: Backend,
    admin: Caller,
}

impl Fx {
    fn open(dir: Option<&Path>, clock: ManualClock) -> Self {
        let options = Options {
            clock: Arc::new(clock.clone()),
            id_seed: Some(42),
            ..Options::default()
        };
        let backend = match dir {
            Some(dir) => Backend::open(dir, options),
            None => Backend::open_in_memory(options),
        }
        .unwrap();
        Self {
            clock,
            backend,
            admin: Caller::admin("test"),
        }
    }

    async fn ok<O: Handler>(&self, op: O) -> O::Output {
        match self.backend.call(&self.admin, op).await {
            Ok(out) => out,
            Err(e) => panic!("{} failed: {e}", O::NAME),
        }
    }

    async fn refused<O: Handler>(&self, op: O, code: &str) -> ApiError {
        let e = match self.backend.call(&self.admin, op).await {
            Ok(_) => panic!("{} succeeded; expected {code}", O::NAME),
            Err(e) => e,
        };
        assert_eq!(e.code, code, "{} refused with {e}", O::NAME);
        e
    }

    async fn one_node(&self) -> String {
        let activation = self
            .ok(CreateActivation {
                iam_role: "SSMServiceRole".into(),
                ..Default::default()
            })
            .await;
        let op = RegisterNode {
            activation_id: activation.activation_id,
            activation_code: activation.activation_code,
            platform_type: Some(PlatformType::Linux),
            ..Default::default()
        };
        self.backend
            .call(&Caller::Anonymous, op)
            .await
            .unwrap()
            .instance_id
    }

    async fn info(&self, id: &str) -> InstanceInformation {
        self.ok(DescribeInstanceInformation::default())
            .await
            .instance_information_list
            .into_iter()
            .find(|n| n.instance_id == id)
            .unwrap()
    }

    async fn status(&self, target: &str) -> ConnectionStatus {
        let out = self
            .ok(GetConnectionStatus {
                target: target.to_owned(),
            })
            .await;
        assert_eq!(out.target, target);
        out.status
    }
}

fn set_role(id: &str, role: &str) -> UpdateManagedInstanceRole {
    UpdateManagedInstanceRole {
        instance_id: id.to_owned(),
        iam_role: role.to_owned(),
    }
}

#[tokio::test]
async fn a_node_takes_another_role_durably() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let id = {
        let fx = Fx::open(Some(dir.path()), clock.clone());
        let id = fx.one_node().await;
        assert_eq!(
            fx.info(&id).await.iam_role.as_deref(),
            Some("SSMServiceRole")
        );
        fx.ok(set_role(&id, "AnotherRole")).await;
        assert_eq!(fx.info(&id).await.iam_role.as_deref(), Some("AnotherRole"));
        fx.backend.flush().await;
        id
    };
    let fx = Fx::open(Some(dir.path()), clock);
    assert_eq!(fx.info(&id).await.iam_role.as_deref(), Some("AnotherRole"));
}

#[tokio::test]
async fn bad_role_updates_are_refused_and_change_nothing() {
    let fx = Fx::open(None, ManualClock::new(START));
    let id = fx.one_node().await;
    let e = fx
        .refused(set_role(UNKNOWN_NODE, "Role"), "InvalidInstanceId")
        .await;
    assert!(e.message.contains(UNKNOWN_NODE), "{e}");
    let e = fx
        .refused(
            set_role("i-0123456789abcdef0", "Role"),
            "ValidationException",
        )
        .await;
    assert_eq!(
        e.message,
        "1 validation error detected: Value 'i-0123456789abcdef0' at 'instanceId' failed to \
         satisfy constraint: Member must satisfy regular expression pattern: \
         (^mi-[0-9a-f]{17}$)"
    );
    let long = "r".repeat(65);
    let e = fx
        .refused(set_role(&id, &long), "ValidationException")
        .await;
    assert!(e.message.contains("'iamRole'"), "{e}");
    fx.refused(set_role(&id, ""), "ValidationException").await;
    assert_eq!(
        fx.info(&id).await.iam_role.as_deref(),
        Some("SSMServiceRole")
    );
}

#[tokio::test]
async fn a_node_is_connected_while_online() {
    let fx = Fx::open(None, ManualClock::new(START));
    let id = fx.one_node().await;
    assert_eq!(fx.status(&id).await, ConnectionStatus::Connected);
    assert_eq!(
        fx.status(UNKNOWN_NODE).await,
        ConnectionStatus::NotConnected
    );
    assert_eq!(
        fx.status("not-a-node").await,
        ConnectionStatus::NotConnected
    );
    // Three missed heartbeats of a minute: ConnectionLost.
    fx.clock.advance(Duration::from_secs(181));
    assert_eq!(fx.status(&id).await, ConnectionStatus::NotConnected);
    fx.refused(
        GetConnectionStatus {
            target: String::new(),
        },
        "ValidationException",
    )
    .await;
}

#[test]
fn connection_statuses_are_spelled_as_the_model_spells_them() {
    assert_eq!(
        serde_json::to_value(ConnectionStatus::Connected).unwrap(),
        "connected"
    );
    assert_eq!(
        serde_json::to_value(ConnectionStatus::NotConnected).unwrap(),
        "notconnected"
    );
}
