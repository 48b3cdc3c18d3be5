//! The Activations pane's keys.

use crate::keys::{Command, PaneKeys, Scope};

pub const ACTIVATIONS: Scope = Scope::new("activations");

pub const DELETE_ACTIVATION: Command =
    Command::new("delete_activation", "delete", "delete the activation").destructive();

pub const KEYS: PaneKeys = PaneKeys {
    scopes: &[ACTIVATIONS],
    commands: &[DELETE_ACTIVATION],
    bindings: &[(ACTIVATIONS, "ctrl-d", DELETE_ACTIVATION)],
    footer: &[],
    footer_after: &[DELETE_ACTIVATION],
};
