//! The Compliance pane's keys.

use crate::keys::{Command, PaneKeys, Scope};

/// The summary and the non-compliant nodes.
pub const COMPLIANCE: Scope = Scope::new("compliance");

pub const SHOW_COMPLIANT: Command = Command::new(
    "show_compliant",
    "compliant too",
    "list the compliant nodes too, or only the non-compliant ones",
);

pub const KEYS: PaneKeys = PaneKeys {
    scopes: &[COMPLIANCE],
    commands: &[SHOW_COMPLIANT],
    bindings: &[
        (COMPLIANCE, "enter", Command::OPEN),
        (COMPLIANCE, "a", SHOW_COMPLIANT),
    ],
    footer: &[SHOW_COMPLIANT],
    footer_after: &[],
};
