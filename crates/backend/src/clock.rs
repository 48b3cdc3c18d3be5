//! Where time comes from. Nothing in the backend reads the system time
//! directly: tests and the simulator use a [`ManualClock`] that moves only
//! when told, so seven days pass in one line.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sysman_api::Timestamp;
use tokio::sync::watch;

pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;

    /// Completes once `now() >= at`.
    fn sleep_until(&self, at: Timestamp) -> SleepFuture;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(since.as_millis() as i64)
    }

    fn sleep_until(&self, at: Timestamp) -> SleepFuture {
        let wait = at.millis_since(self.now()).max(0) as u64;
        Box::pin(tokio::time::sleep(Duration::from_millis(wait)))
    }
}

/// A clock that stands still until [`ManualClock::advance`] or
/// [`ManualClock::set`] moves it. Sleepers wake when it passes their time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<Timestamp>>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Arc::new(watch::Sender::new(start)),
        }
    }

    pub fn advance(&self, by: Duration) {
        self.now
            .send_modify(|t| *t = t.plus_millis(by.as_millis() as i64));
    }

    /// Moves the clock to `to`; a clock never goes backwards.
    pub fn set(&self, to: Timestamp) {
        self.now.send_modify(|t| *t = (*t).max(to));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.borrow()
    }

    fn sleep_until(&self, at: Timestamp) -> SleepFuture {
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            // An error means the clock is gone: nothing will ever wake us.
            if rx.wait_for(|now| *now >= at).await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

/// What ended a wait for the next due time.
pub(crate) enum Woke {
    /// The due time passed on the clock.
    Due,
    /// Someone filed a nearer time (or there was none): look again.
    Nudged,
    /// The owner of the schedule is gone.
    Gone,
}

/// Waits until the time `next_due` reads passes on `clock`, or until
/// `wake` is notified because a nearer time was filed. `next_due` gives
/// `None` once its owner is gone. The notification is armed before the
/// schedule is read, so a time filed in between is never missed.
pub(crate) async fn wait_for_due(
    clock: &dyn Clock,
    wake: &tokio::sync::Notify,
    next_due: impl FnOnce() -> Option<Option<Timestamp>>,
) -> Woke {
    let notified = wake.notified();
    tokio::pin!(notified);
    notified.as_mut().enable();
    match next_due() {
        None => Woke::Gone,
        Some(None) => {
            notified.await;
            Woke::Nudged
        }
        Some(Some(at)) => tokio::select! {
            () = clock.sleep_until(at) => Woke::Due,
            () = &mut notified => Woke::Nudged,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_sleepers_wake_when_the_clock_passes_them() {
        let clock = ManualClock::new(Timestamp::from_secs(100));
        let sleeper = tokio::spawn(clock.sleep_until(Timestamp::from_secs(160)));
        clock.advance(Duration::from_secs(30));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(Duration::from_secs(30));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(clock.now(), Timestamp::from_secs(160));
    }

    #[test]
    fn a_manual_clock_never_goes_backwards() {
        let clock = ManualClock::new(Timestamp::from_secs(100));
        clock.set(Timestamp::from_secs(50));
        assert_eq!(clock.now(), Timestamp::from_secs(100));
    }
}
