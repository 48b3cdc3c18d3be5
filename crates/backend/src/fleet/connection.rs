//! GetConnectionStatus: whether a node can be reached for a session now,
//! which is whether its agent is Online.

use sysman_api::ApiError;
use sysman_api::fleet::{
    ConnectionStatus, GetConnectionStatus, GetConnectionStatusResult, PingStatus,
};

use crate::gate::{Ctx, Handler};
use crate::{Inner, validate};

/// `SessionTarget`: 1–400 characters.
const TARGET_MAX: usize = 400;

impl Handler for GetConnectionStatus {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        validate::length(Some(&self.target), "target", 1, TARGET_MAX)?;
        let config = b.fleet.config();
        let online = b
            .fleet
            .state
            .read()
            .nodes
            .get(&self.target)
            .is_some_and(|n| config.ping_status(n.last_ping, ctx.now) == PingStatus::Online);
        // AWS answers notconnected for a target it does not know, too.
        Ok(GetConnectionStatusResult {
            target: self.target,
            status: if online {
                ConnectionStatus::Connected
            } else {
                ConnectionStatus::NotConnected
            },
        })
    }
}
