//! Change events, published after a change commits. The console listens in
//! process (or through the server's stream when remote), so panes update
//! live instead of polling.

use sysman_api::commands::InvocationStatus;
use sysman_api::fleet::NodeSummary;
use tokio::sync::broadcast;

#[derive(Debug, Clone, PartialEq)]
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
    /// A parameter policy fell due: an expiry or a notification.
    ParameterPolicy {
        name: String,
        policy: String,
        message: String,
    },
}

/// How many events a slow listener may fall behind before it is told it
/// lagged (and should reload).
const CAPACITY: usize = 16_384;

#[derive(Debug, Clone)]
pub struct Bus {
    tx: broadcast::Sender<Event>,
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            tx: broadcast::Sender::new(CAPACITY),
        }
    }
}

impl Bus {
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    pub fn publish(&self, event: Event) {
        // No listener is not an error.
        let _ = self.tx.send(event);
    }
}
