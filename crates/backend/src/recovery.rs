//! Coming back from a failed commit without a restart.
//!
//! Handlers change memory, then commit. When a commit fails (a full disk,
//! a read-only data directory), memory holds a change the disk does not,
//! so from then on the backend serves nothing, reads included: it never
//! shows what was not stored. Each call (and each health check) tries,
//! at most once a second, to write again; once a write succeeds, every
//! capability reloads from the records on disk, dropping whatever never
//! reached them, and the backend serves again.

use std::time::{Duration, Instant};

use sysman_api::ApiError;

use crate::Inner;
use crate::store::AuditRecord;

/// How often a failed store is tried again.
const RETRY_EVERY: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct Recovery {
    /// Since when the store has been failing, or when a write was last
    /// tried; held while one is being tried.
    last_try: tokio::sync::Mutex<Option<Instant>>,
}

/// `Ok` when the store takes writes, trying it again if it had failed.
pub(crate) async fn ensure_healthy(b: &Inner) -> Result<(), ApiError> {
    let Some(reason) = b.store.failure() else {
        return Ok(());
    };
    // One try at a time; the others are told the store is unavailable.
    let Ok(mut last_try) = b.recovery.last_try.try_lock() else {
        return b.store.check();
    };
    // The first try comes a second after the failure is first seen, and
    // then at most once a second.
    let now = Instant::now();
    match *last_try {
        Some(at) if now.duration_since(at) >= RETRY_EVERY => *last_try = Some(now),
        Some(_) => return b.store.check(),
        None => {
            *last_try = Some(now);
            return b.store.check();
        }
    }
    let audit = AuditRecord {
        time: b.clock.now(),
        principal: "system".to_owned(),
        operation: "Sysman.StoreRecovered".to_owned(),
        resource: "*".to_owned(),
        outcome: "Success".to_owned(),
        request: serde_json::json!({ "Failure": reason }).to_string(),
    };
    let snapshot = match b.store.recover(audit).await {
        Ok(snapshot) => snapshot,
        Err(e) => {
            tracing::warn!("the store still refuses writes: {e}");
            return b.store.check();
        }
    };
    if let Some(snapshot) = snapshot
        && let Err(e) = b.reload(&snapshot)
    {
        tracing::error!("the store takes writes again, but cannot be reloaded: {e}");
        return b.store.check();
    }
    *last_try = None;
    b.store.recovered();
    tracing::info!("the store takes writes again; memory was reloaded from it");
    Ok(())
}
