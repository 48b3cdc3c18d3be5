//! Change events, published after a change commits. The console listens in
//! process (or through the server's stream when remote), so panes update
//! live instead of polling.

pub use sysman_api::events::Event;
use tokio::sync::broadcast;

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

/// The read that showing `event` amounts to, as (operation, resource): a
/// listener sees an event only if it could have made that read itself.
pub(crate) fn read_needed(event: &Event) -> (&'static str, String) {
    use sysman_api::documents::document_resource;
    use sysman_api::parameters::parameter_resource;
    match event {
        Event::NodeChanged(node) => (
            "DescribeInstanceInformation",
            format!("managed-instance/{}", node.info.instance_id),
        ),
        Event::NodeRemoved { instance_id } => (
            "DescribeInstanceInformation",
            format!("managed-instance/{instance_id}"),
        ),
        Event::ActivationsChanged => ("DescribeActivations", "*".to_owned()),
        Event::ParameterChanged { name }
        | Event::ParameterDeleted { name }
        | Event::ParameterPolicy { name, .. } => ("GetParameter", parameter_resource(name)),
        Event::DocumentChanged { name } | Event::DocumentDeleted { name } => {
            ("DescribeDocument", document_resource(name))
        }
        Event::CommandChanged { .. } | Event::InvocationChanged { .. } => {
            ("ListCommandInvocations", "*".to_owned())
        }
        Event::PatchBaselineChanged { baseline_id }
        | Event::PatchBaselineDeleted { baseline_id } => (
            "GetPatchBaseline",
            sysman_api::patch::baseline_resource(baseline_id),
        ),
        Event::PatchStateChanged { instance_id } => (
            "DescribeInstancePatches",
            format!("managed-instance/{instance_id}"),
        ),
        Event::ComplianceChanged { .. } => ("ListComplianceItems", "*".to_owned()),
    }
}

/// Subscribing only has to pass the gate (authorized and audited); the
/// stream itself is the server's, filtered with [`crate::Backend::may_see`].
impl crate::gate::Handler for sysman_api::events::Subscribe {
    async fn handle(
        self,
        _b: &crate::Inner,
        _ctx: &mut crate::gate::Ctx,
    ) -> Result<Self::Output, sysman_api::ApiError> {
        Ok(sysman_api::Empty {})
    }
}
