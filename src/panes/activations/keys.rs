//! The Activations pane's keys.

use crate::keys::{Command, PaneKeys, Scope};

/// The list.
pub const ACTIVATIONS: Scope = Scope::new("activations");
/// One activation's details.
pub const ACTIVATION: Scope = Scope::new("activation");

pub const DELETE_ACTIVATION: Command =
    Command::new("delete_activation", "delete", "delete the activation").destructive();

pub const KEYS: PaneKeys = PaneKeys {
    scopes: &[ACTIVATIONS, ACTIVATION],
    commands: &[DELETE_ACTIVATION],
    bindings: &[
        (ACTIVATIONS, "enter", Command::OPEN),
        (ACTIVATIONS, "ctrl-d", DELETE_ACTIVATION),
        (ACTIVATION, "up", Command::UP),
        (ACTIVATION, "k", Command::UP),
        (ACTIVATION, "down", Command::DOWN),
        (ACTIVATION, "j", Command::DOWN),
    ],
    footer: &[],
    footer_after: &[DELETE_ACTIVATION],
};
