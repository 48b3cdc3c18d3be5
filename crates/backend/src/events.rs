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
