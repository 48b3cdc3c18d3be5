//! The Activations pane's keys.

use crate::keys::{Command, PaneKeys, Scope};

/// The list.
pub const ACTIVATIONS: Scope = Scope::new("activations");
/// One activation's details.
pub const ACTIVATION: Scope = Scope::new("activation");

pub const NEW_ACTIVATION: Command = Command::new(
    "new_activation",
    "new",
    "create an activation (its code is shown once)",
)
.adding();
pub const DELETE_ACTIVATION: Command =
    Command::new("delete_activation", "delete", "delete the activation").destructive();

pub const KEYS: PaneKeys = PaneKeys {
    scopes: &[ACTIVATIONS, ACTIVATION],
    commands: &[NEW_ACTIVATION, DELETE_ACTIVATION],
    bindings: &[
        (ACTIVATIONS, "enter", Command::OPEN),
        (ACTIVATIONS, "n", NEW_ACTIVATION),
        (ACTIVATIONS, "ctrl-d", DELETE_ACTIVATION),
        (ACTIVATION, "up", Command::UP),
        (ACTIVATION, "k", Command::UP),
        (ACTIVATION, "down", Command::DOWN),
        (ACTIVATION, "j", Command::DOWN),
    ],
    footer: &[NEW_ACTIVATION],
    footer_after: &[DELETE_ACTIVATION],
};
