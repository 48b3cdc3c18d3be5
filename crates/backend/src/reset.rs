//! `Sysman.ResetState`: every module forgets its state, but users and
//! access keys stay, so a test suite can start each test clean without
//! new credentials. Meant for test servers: a call racing the reset may
//! leave a record behind.

use sysman_api::admin::ResetState;
use sysman_api::{ApiError, Empty};

use crate::Inner;
use crate::gate::{Ctx, Handler};

impl Handler for ResetState {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Empty, ApiError> {
        if !b.allow_reset {
            return Err(ApiError::new(
                "UnsupportedOperationException",
                "ResetState is turned off on this server; start it with --allow-reset to let \
                 test suites wipe its state",
            ));
        }
        // On disk first, after every write queued before it.
        let kept = crate::Capabilities::kept_on_reset();
        b.store
            .query(move |conn| {
                let placeholders = vec!["?"; kept.len()].join(", ");
                conn.execute(
                    &format!("DELETE FROM records WHERE kind NOT IN ({placeholders})"),
                    rusqlite::params_from_iter(kept),
                )
                .map(|_| ())
            })
            .await?;
        b.forget_all().map_err(ApiError::internal)?;
        // The reset's own audit record.
        ctx.commit(&b.store, Vec::new()).await?;
        Ok(Empty {})
    }
}
