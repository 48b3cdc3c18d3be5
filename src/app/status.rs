//! The status line: what just happened, or went wrong, for a few ticks,
//! in the pane it happened in.

use crate::panes::PaneId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    /// The pane that raised it: it shows there only, and goes when the
    /// user moves to another pane.
    pub pane: PaneId,
    ticks_left: u8,
}

/// How long a status message stays, in ticks.
const STATUS_TICKS: u8 = 6;

impl Status {
    pub fn new(text: String, error: bool, pane: PaneId) -> Status {
        Status {
            text,
            error,
            pane,
            ticks_left: STATUS_TICKS,
        }
    }

    /// A tick passed; whether the message has been shown long enough.
    pub(super) fn expired_after_tick(&mut self) -> bool {
        self.ticks_left = self.ticks_left.saturating_sub(1);
        self.ticks_left == 0
    }
}
