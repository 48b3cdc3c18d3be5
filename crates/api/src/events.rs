//! Change events: what the console shows live. The backend publishes them
//! after a change commits; the server streams them to remote consoles
//! (`Sysman.Subscribe`), each caller seeing only what it may read.

use serde::{Deserialize, Serialize};

use crate::commands::{InvocationStatus, ListCommandInvocations};
use crate::compliance::ListComplianceItems;
use crate::documents::{DescribeDocument, document_resource};
use crate::fleet::{DescribeActivations, DescribeInstanceInformation, NodeSummary, node_resource};
use crate::parameters::{GetParameter, parameter_resource};
use crate::patch::{DescribeInstancePatches, GetPatchBaseline, baseline_resource};
use crate::{Empty, Operation, OperationTarget, Prefix};

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

impl Event {
    /// The read that showing this event amounts to, as (operation,
    /// resource): a listener sees an event only if it could have made that
    /// read itself.
    pub fn read_needed(&self) -> (OperationTarget, String) {
        match self {
            Event::NodeChanged(node) => (
                DescribeInstanceInformation::target(),
                node_resource(&node.info.instance_id),
            ),
            Event::NodeRemoved { instance_id } => (
                DescribeInstanceInformation::target(),
                node_resource(instance_id),
            ),
            Event::ActivationsChanged => (DescribeActivations::target(), "*".to_owned()),
            Event::ParameterChanged { name }
            | Event::ParameterDeleted { name }
            | Event::ParameterPolicy { name, .. } => {
                (GetParameter::target(), parameter_resource(name))
            }
            Event::DocumentChanged { name } | Event::DocumentDeleted { name } => {
                (DescribeDocument::target(), document_resource(name))
            }
            Event::CommandChanged { .. } | Event::InvocationChanged { .. } => {
                (ListCommandInvocations::target(), "*".to_owned())
            }
            Event::PatchBaselineChanged { baseline_id }
            | Event::PatchBaselineDeleted { baseline_id } => {
                (GetPatchBaseline::target(), baseline_resource(baseline_id))
            }
            Event::PatchStateChanged { instance_id } => (
                DescribeInstancePatches::target(),
                node_resource(instance_id),
            ),
            Event::ComplianceChanged { .. } => (ListComplianceItems::target(), "*".to_owned()),
        }
    }
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

    #[test]
    fn seeing_an_event_needs_an_aws_read_of_what_it_tells() {
        let name = || "app/db".to_owned();
        let id = || "mi-0123456789abcdef0".to_owned();
        let events = [
            Event::NodeRemoved { instance_id: id() },
            Event::ActivationsChanged,
            Event::ParameterChanged { name: name() },
            Event::ParameterDeleted { name: name() },
            Event::ParameterPolicy {
                name: name(),
                policy: "Expiration".into(),
                message: String::new(),
            },
            Event::DocumentChanged { name: name() },
            Event::DocumentDeleted { name: name() },
            Event::CommandChanged {
                command_id: "c".into(),
            },
            Event::PatchBaselineChanged {
                baseline_id: "pb-1".into(),
            },
            Event::PatchBaselineDeleted {
                baseline_id: "pb-1".into(),
            },
            Event::PatchStateChanged { instance_id: id() },
            Event::ComplianceChanged {
                resource_id: id(),
                compliance_type: "Patch".into(),
            },
        ];
        for event in &events {
            let (read, _) = event.read_needed();
            let facts = crate::OperationFacts::find(read.prefix, read.name).unwrap();
            assert!(facts.read_only, "{event:?} needs {read}, not a read");
            assert_eq!(read.prefix, Prefix::AmazonSsm, "{event:?}");
        }
        let (read, resource) = Event::NodeRemoved { instance_id: id() }.read_needed();
        assert_eq!(read.to_string(), "AmazonSSM.DescribeInstanceInformation");
        assert_eq!(resource, "managed-instance/mi-0123456789abcdef0");
        let (read, resource) = Event::ParameterChanged { name: name() }.read_needed();
        assert_eq!(read.to_string(), "AmazonSSM.GetParameter");
        assert_eq!(resource, parameter_resource("app/db"));
    }
}
