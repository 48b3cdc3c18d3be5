//! Change events: what the console shows live. The backend publishes them
//! after a change commits; the server streams them to remote consoles
//! (`Sysman.Subscribe`), each caller seeing only what it may read.

use serde::{Deserialize, Serialize};

use crate::commands::InvocationStatus;
use crate::fleet::NodeSummary;
use crate::{Empty, Operation, Prefix};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "Type", rename_all_fields = "PascalCase")]
pub enum Event {
    /// A node was registered or changed, or its ping status moved on because
    /// heartbeats stopped arriving. Carries the whole node so listeners need
    /// not ask.
    NodeChanged(Box<NodeSummary>),
    /// A node was deregistered.
    NodeRemoved {
        instance_id: String,
    },
    ActivationsChanged,
    /// A parameter was created, got a new version, labels or tags.
    ParameterChanged {
        name: String,
    },
    /// A parameter was deleted.
    ParameterDeleted {
        name: String,
    },
    /// A document was created, got a new version, default or tags.
    DocumentChanged {
        name: String,
    },
    /// A document, or one version of it, was deleted.
    DocumentDeleted {
        name: String,
    },
    /// A command was sent, or its counts or status moved.
    CommandChanged {
        command_id: String,
    },
    /// One invocation of a command moved on.
    InvocationChanged {
        command_id: String,
        instance_id: String,
        status: InvocationStatus,
        /// `Undeliverable`, `Terminated`, `Delivery Timed Out`, ...
        status_details: String,
    },
    /// A patch baseline was created or changed, became a default, or got
    /// or lost a patch group.
    PatchBaselineChanged {
        baseline_id: String,
    },
    /// A patch baseline was deleted.
    PatchBaselineDeleted {
        baseline_id: String,
    },
    /// A node reported a patch scan or install.
    PatchStateChanged {
        instance_id: String,
    },
    /// A resource's compliance items of one type were written.
    ComplianceChanged {
        resource_id: String,
        compliance_type: String,
    },
    /// A parameter policy fell due: an expiry or a notification.
    ParameterPolicy {
        name: String,
        policy: String,
        message: String,
    },
}

/// Opens the live stream of change events. Over HTTP the answer is a
/// stream of server-sent events (`data: <Event as JSON>`; `event: lagged`
/// when the listener fell behind and should reload what it shows).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscribe {}

impl Operation for Subscribe {
    const NAME: &'static str = "Subscribe";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = true;
    type Output = Empty;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_travel_as_tagged_json() {
        let event = Event::InvocationChanged {
            command_id: "c".into(),
            instance_id: "mi-1".into(),
            status: InvocationStatus::InProgress,
            status_details: "InProgress".into(),
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"Type":"InvocationChanged","CommandId":"c","InstanceId":"mi-1","Status":"InProgress","StatusDetails":"InProgress"}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
        let json = serde_json::to_string(&Event::ActivationsChanged).unwrap();
        assert_eq!(json, r#"{"Type":"ActivationsChanged"}"#);
    }
}
