//! The Parameters pane's keys: the list with its path tree, and one
//! parameter with its history.

use crate::keys::{Command, PaneKeys, Scope};

/// The list and the path tree.
pub const PARAMETERS: Scope = Scope::new("parameters");
/// One parameter: its value and history.
pub const PARAMETER: Scope = Scope::new("parameter");

pub const TOGGLE_FOCUS: Command = Command::new(
    "toggle_focus",
    "tree",
    "move between the path tree and the list",
);
pub const NEW_PARAMETER: Command =
    Command::new("new_parameter", "new", "create a parameter").adding();
pub const EDIT_PARAMETER: Command = Command::new(
    "edit_parameter",
    "edit",
    "put a new version of the parameter",
)
.adding();
pub const REVEAL_VALUE: Command = Command::new(
    "reveal_value",
    "reveal",
    "reveal a SecureString value (audited)",
);
pub const ADD_LABEL: Command = Command::new(
    "add_label",
    "label",
    "label the selected version (moves the label)",
)
.adding();
pub const DIFF_VERSION: Command = Command::new(
    "diff_version",
    "diff",
    "compare the selected version with the current one",
);
pub const DELETE_PARAMETER: Command = Command::new(
    "delete_parameter",
    "delete",
    "delete the parameter and its history",
)
.destructive();

pub const KEYS: PaneKeys = PaneKeys {
    scopes: &[PARAMETERS, PARAMETER],
    commands: &[
        TOGGLE_FOCUS,
        NEW_PARAMETER,
        EDIT_PARAMETER,
        REVEAL_VALUE,
        ADD_LABEL,
        DIFF_VERSION,
        DELETE_PARAMETER,
    ],
    bindings: &[
        (PARAMETERS, "enter", Command::OPEN),
        (PARAMETERS, "n", NEW_PARAMETER),
        (PARAMETERS, "tab", TOGGLE_FOCUS),
        (PARAMETERS, "ctrl-d", DELETE_PARAMETER),
        (PARAMETER, "e", EDIT_PARAMETER),
        (PARAMETER, "v", REVEAL_VALUE),
        (PARAMETER, "l", ADD_LABEL),
        (PARAMETER, "d", DIFF_VERSION),
        (PARAMETER, "j", Command::DOWN),
        (PARAMETER, "k", Command::UP),
        (PARAMETER, "down", Command::DOWN),
        (PARAMETER, "up", Command::UP),
        (PARAMETER, "ctrl-d", DELETE_PARAMETER),
    ],
    footer: &[REVEAL_VALUE, TOGGLE_FOCUS, ADD_LABEL, DIFF_VERSION],
    footer_after: &[DELETE_PARAMETER],
};
