//! The backend's one scheduler: a single task on the clock that sleeps
//! until the earliest due time of any capability (ping decay, parameter
//! policies, command timeouts, ...) and then lets each run what is due.
//!
//! Each capability keeps its own due times beside the state they belong
//! to, under its own lock, so a due time is filed or dropped in the same
//! step as the change that causes it; the scheduler only asks each for its
//! earliest ([`crate::capability::Capability::next_due`]). A capability
//! that files a time earlier than any before calls [`Scheduler::nudge`].

use std::sync::{Arc, Weak};

use tokio::sync::Notify;

use crate::Inner;
use crate::clock::{Woke, wait_for_due};

pub(crate) struct Scheduler {
    wake: Arc<Notify>,
}

impl Default for Scheduler {
    fn default() -> Self {
        Self {
            wake: Arc::new(Notify::new()),
        }
    }
}

impl Scheduler {
    /// Makes the scheduler look at the due times again: one earlier than
    /// all before was filed, or the schedules were replaced.
    pub fn nudge(&self) {
        self.wake.notify_one();
    }
}

/// Lets the scheduler task see that its backend is gone.
impl Drop for Scheduler {
    fn drop(&mut self) {
        self.wake.notify_one();
    }
}

/// The scheduler task; ends when the backend is dropped.
pub(crate) async fn run(inner: Weak<Inner>) {
    let Some((wake, clock)) = inner
        .upgrade()
        .map(|b| (b.scheduler.wake.clone(), b.clock.clone()))
    else {
        return;
    };
    loop {
        let next_due = || inner.upgrade().map(|b| b.next_due());
        match wait_for_due(&*clock, &wake, next_due).await {
            Woke::Gone => return,
            Woke::Nudged => continue,
            Woke::Due => {}
        }
        let Some(b) = inner.upgrade() else { return };
        b.run_due().await;
    }
}
