//! What the backend's operation tests share: a backend on a manual clock
//! with seeded ids, in memory or in a directory (to reopen it), called as
//! an administrator.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use sysman_api::{ApiError, Timestamp};
use sysman_backend::{Backend, Caller, Handler, ManualClock, Options};

/// The backend clock's start: 2026-11-23T08:00:00Z.
pub const START: Timestamp = Timestamp::from_secs(1_795_435_200);

pub struct Fx {
    pub backend: Backend,
    pub admin: Caller,
}

impl Fx {
    /// A backend in `dir` (reopened if it holds one), or in memory.
    pub fn open(dir: Option<&Path>) -> Self {
        let options = Options {
            clock: Arc::new(ManualClock::new(START)),
            id_seed: Some(7),
            ..Options::default()
        };
        let backend = match dir {
            Some(dir) => Backend::open(dir, options),
            None => Backend::open_in_memory(options),
        }
        .unwrap();
        Self {
            backend,
            admin: Caller::admin("test"),
        }
    }

    pub async fn ok<O: Handler>(&self, op: O) -> O::Output {
        match self.backend.call(&self.admin, op).await {
            Ok(out) => out,
            Err(e) => panic!("{} failed: {e}", O::NAME),
        }
    }

    /// The error `op` is refused with, which must be `code`.
    pub async fn refused<O: Handler>(&self, op: O, code: &str) -> ApiError {
        let e = match self.backend.call(&self.admin, op).await {
            Ok(_) => panic!("{} succeeded; expected {code}", O::NAME),
            Err(e) => e,
        };
        assert_eq!(e.code, code, "{} refused with {e}", O::NAME);
        e
    }
}
