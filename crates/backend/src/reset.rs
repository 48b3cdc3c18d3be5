//! `Sysman.ResetState`: every module forgets its state, but users and
//! access keys stay, so a test suite can start each test clean without
//! new credentials. Meant for test servers: a call racing the reset may
//! leave a record behind.

use sysman_api::admin::ResetState;
use sysman_api::{ApiError, Empty};

use crate::gate::{Ctx, Handler};
use crate::{Inner, iam};

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
        b.store
            .query(|conn| {
                conn.execute(
                    "DELETE FROM records WHERE kind NOT IN (?1, ?2, ?3)",
                    iam::KINDS,
                )
                .map(|_| ())
            })
            .await?;
        b.fleet.forget_all();
        b.kms.forget_all();
        b.parameters.forget_all();
        b.commands.forget_all();
        b.compliance.forget_all();
        b.patch.forget_all();
        b.documents
            .forget_all(&b.account_id)
            .map_err(ApiError::internal)?;
        // The reset's own audit record.
        ctx.commit(&b.store, Vec::new()).await?;
        Ok(Empty {})
    }
}
