//! What an unauthenticated caller can cost the server, bounded: the bytes
//! of request bodies buffered at once, and how often one address may be
//! refused before it is turned away unheard.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sysman_api::ApiError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The bytes of request bodies held in memory at once, across every
/// request. A body waits for its share before it is read.
pub struct BodyBudget {
    bytes: Arc<Semaphore>,
    total: usize,
}

/// How long a body may wait for its share before the caller is told to
/// come back later.
const BUDGET_WAIT: Duration = Duration::from_secs(10);

impl BodyBudget {
    pub fn new(total: usize) -> Self {
        Self {
            bytes: Arc::new(Semaphore::new(total.min(Semaphore::MAX_PERMITS))),
            total,
        }
    }

    /// Reserves `bytes` (at most the whole budget) until the permit drops.
    pub async fn reserve(&self, bytes: usize) -> Result<OwnedSemaphorePermit, ApiError> {
        let n = u32::try_from(bytes.clamp(1, self.total)).unwrap_or(u32::MAX);
        match tokio::time::timeout(BUDGET_WAIT, self.bytes.clone().acquire_many_owned(n)).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(throttled()),
        }
    }
}

fn throttled() -> ApiError {
    // AWS's code and text; clients back off and retry on it.
    ApiError::new("ThrottlingException", "Rate exceeded")
}

/// Refusals an address may collect at once, and how fast it earns them
/// back.
const BURST: f64 = 20.0;
const PER_SECOND: f64 = 2.0;
/// Addresses remembered; when more have been refused, the oldest quiet
/// ones are forgotten.
const REMEMBERED: usize = 10_000;

/// A token bucket per address, drawn on only by refused unauthenticated
/// calls: a fleet registering through one NAT spends nothing while its
/// registrations succeed.
#[derive(Default)]
pub struct Strangers {
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Strangers {
    /// Errors when `addr` has used up its refusals.
    pub fn admit(&self, addr: Option<IpAddr>, now: Instant) -> Result<(), ApiError> {
        let Some(addr) = addr else { return Ok(()) };
        match self.buckets.lock().get(&addr) {
            Some(&(tokens, at)) if refill(tokens, at, now) < 1.0 => Err(throttled()),
            _ => Ok(()),
        }
    }

    /// Counts one refusal against `addr`.
    pub fn refused(&self, addr: Option<IpAddr>, now: Instant) {
        let Some(addr) = addr else { return };
        let mut buckets = self.buckets.lock();
        if buckets.len() >= REMEMBERED && !buckets.contains_key(&addr) {
            // Forget those that have earned every refusal back.
            buckets.retain(|_, (tokens, at)| refill(*tokens, *at, now) < BURST);
            if buckets.len() >= REMEMBERED {
                buckets.clear();
            }
        }
        let (tokens, at) = buckets.entry(addr).or_insert((BURST, now));
        *tokens = (refill(*tokens, *at, now) - 1.0).max(0.0);
        *at = now;
    }
}

fn refill(tokens: f64, at: Instant, now: Instant) -> f64 {
    (tokens + now.saturating_duration_since(at).as_secs_f64() * PER_SECOND).min(BURST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_turned_away_after_its_burst_and_let_back_as_time_passes() {
        let s = Strangers::default();
        let (a, b) = (
            Some("10.0.0.1".parse().unwrap()),
            Some("10.0.0.2".parse().unwrap()),
        );
        let t0 = Instant::now();
        for _ in 0..20 {
            s.admit(a, t0).unwrap();
            s.refused(a, t0);
        }
        assert_eq!(s.admit(a, t0).unwrap_err().code, "ThrottlingException");
        // Others are not affected.
        s.admit(b, t0).unwrap();
        // Half a second earns one refusal back.
        s.admit(a, t0 + Duration::from_millis(500)).unwrap();
        // Unknown addresses (a test's in-process router) are never limited.
        for _ in 0..100 {
            s.refused(None, t0);
        }
        s.admit(None, t0).unwrap();
    }

    #[test]
    fn the_map_of_addresses_stays_bounded() {
        let s = Strangers::default();
        let t0 = Instant::now();
        for i in 0..(REMEMBERED as u32 + 10) {
            s.refused(Some(IpAddr::from(i.to_be_bytes())), t0);
        }
        assert!(s.buckets.lock().len() <= REMEMBERED);
    }

    #[tokio::test]
    async fn bodies_wait_for_their_share_of_the_budget() {
        let budget = BodyBudget::new(100);
        let first = budget.reserve(80).await.unwrap();
        // A body larger than the whole budget takes all of it, no more.
        let waiting = tokio::spawn(async move {
            let budget = budget;
            budget.reserve(1_000).await.map(|_| ())
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished());
        drop(first);
        waiting.await.unwrap().unwrap();
    }
}
