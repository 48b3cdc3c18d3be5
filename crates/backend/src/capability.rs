//! The seam every capability module plugs into.
//!
//! A capability (the fleet, parameters, Run Command, ...) keeps its state
//! private and tells the backend, through [`Capability`], how to read that
//! state from the store, how to forget it for `Sysman.ResetState`, how to
//! take a fresh copy after a failed commit, and when it next has work due on
//! the clock. The backend lists its capabilities once (`capabilities!` in
//! `lib.rs`); loading, resetting, reloading and the scheduler all walk that
//! one list, so a new capability is one module and one line there.

use std::future::Future;

use sysman_api::Timestamp;

use crate::store::Snapshot;
use crate::{FleetConfig, Inner, ParameterLimits};

/// What the backend was opened with, for capabilities to read when they load
/// or reset.
pub(crate) struct Settings {
    pub fleet: FleetConfig,
    pub parameters: ParameterLimits,
    /// Shown in every ARN.
    pub region: String,
    pub account_id: String,
}

/// Where a capability's state is read from.
pub(crate) struct Source<'a> {
    pub snapshot: &'a Snapshot,
    pub settings: &'a Settings,
    /// The clock's time at loading.
    pub now: Timestamp,
    /// The master key, when the backend first opens; a reload keeps the
    /// ciphers already made from it, so the key is not kept around.
    pub master: Option<&'a [u8; 32]>,
}

pub(crate) trait Capability: Sized + Send + Sync + 'static {
    /// Record kinds `Sysman.ResetState` leaves in the store.
    const KEPT_ON_RESET: &'static [&'static str] = &[];

    /// Reads the capability's state from the stored records.
    fn load(from: &Source<'_>) -> Result<Self, String>;

    /// Reads the state again for a reload after a failed commit. `self` may
    /// lend what does not come from the store (keys, configuration).
    fn reread(&self, from: &Source<'_>) -> Result<Self, String> {
        Self::load(from)
    }

    /// Takes `fresh`'s state in place of its own (a reload from the store).
    /// What lives outside the store (waiting long polls, watchers) stays.
    fn replace_with(&self, fresh: Self);

    /// Forgets what `Sysman.ResetState` wipes.
    fn forget_all(&self, settings: &Settings) -> Result<(), String>;

    /// Runs once every capability has loaded (at start and after a
    /// reload), for state one capability derives into another's.
    fn loaded(_b: &Inner) {}

    /// When the capability next has work due on the clock, if ever.
    fn next_due(&self) -> Option<Timestamp> {
        None
    }

    /// Does the work due by now. The scheduler calls it once this
    /// capability's `next_due` has passed.
    fn run_due(_b: &Inner) -> impl Future<Output = ()> + Send {
        async {}
    }
}
