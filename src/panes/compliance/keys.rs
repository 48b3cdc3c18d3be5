//! The Compliance pane's keys.

use crate::keys::{Command, PaneKeys, Scope};

/// The summary and the non-compliant nodes.
pub const COMPLIANCE: Scope = Scope::new("compliance");

pub const KEYS: PaneKeys = PaneKeys {
    scopes: &[COMPLIANCE],
    commands: &[],
    bindings: &[(COMPLIANCE, "enter", Command::OPEN)],
    footer: &[],
    footer_after: &[],
};
