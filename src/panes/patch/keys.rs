//! Patch Manager's keys: baselines and patch groups, and one baseline's
//! approval matrix.

use crate::keys::{Command, PaneKeys, Scope};

/// Baselines and patch groups.
pub const PATCH: Scope = Scope::new("patch");
/// One baseline's patches: the approval matrix.
pub const BASELINE: Scope = Scope::new("baseline");

pub const SWITCH_LIST: Command = Command::new(
    "switch_list",
    "groups",
    "move between baselines and patch groups",
);
pub const TOGGLE_PATCH: Command =
    Command::new("toggle_patch", "select", "select or unselect the patch");
pub const SELECT_PATCHES_BY: Command = Command::new(
    "select_patches_by",
    "select by",
    "select shown patches by severity or class",
);
pub const APPROVE_PATCHES: Command = Command::new(
    "approve_patches",
    "approve",
    "approve selected patches, after a preview",
)
.destructive();
pub const REJECT_PATCHES: Command = Command::new(
    "reject_patches",
    "reject",
    "reject selected patches, after a preview",
)
.destructive();
pub const SCAN_PATCHES: Command =
    Command::new("scan_patches", "scan", "scan for missing patches now").destructive();
pub const INSTALL_PATCHES: Command =
    Command::new("install_patches", "install", "install approved patches now").destructive();
pub const NEW_BASELINE: Command = Command::new(
    "new_baseline",
    "new",
    "create a baseline (copying the one under the cursor)",
)
.destructive();
pub const SET_DEFAULT_BASELINE: Command = Command::new(
    "set_default_baseline",
    "default",
    "make the baseline the default for its OS",
)
.destructive();
pub const DELETE_BASELINE: Command =
    Command::new("delete_baseline", "delete", "delete the baseline").destructive();

pub const KEYS: PaneKeys = PaneKeys {
    scopes: &[PATCH, BASELINE],
    commands: &[
        SWITCH_LIST,
        TOGGLE_PATCH,
        SELECT_PATCHES_BY,
        APPROVE_PATCHES,
        REJECT_PATCHES,
        SCAN_PATCHES,
        INSTALL_PATCHES,
        NEW_BASELINE,
        SET_DEFAULT_BASELINE,
        DELETE_BASELINE,
    ],
    bindings: &[
        (PATCH, "enter", Command::OPEN),
        (PATCH, "tab", SWITCH_LIST),
        (PATCH, "s", SCAN_PATCHES),
        (PATCH, "i", INSTALL_PATCHES),
        (PATCH, "o", Command::SORT_NEXT),
        (PATCH, "n", NEW_BASELINE),
        (PATCH, "D", SET_DEFAULT_BASELINE),
        (PATCH, "ctrl-d", DELETE_BASELINE),
        (BASELINE, "enter", Command::OPEN),
        (BASELINE, "space", TOGGLE_PATCH),
        (BASELINE, "v", SELECT_PATCHES_BY),
        (BASELINE, "a", APPROVE_PATCHES),
        (BASELINE, "x", REJECT_PATCHES),
        (BASELINE, "s", SCAN_PATCHES),
        (BASELINE, "i", INSTALL_PATCHES),
        (BASELINE, "o", Command::SORT_NEXT),
    ],
    footer: &[
        APPROVE_PATCHES,
        REJECT_PATCHES,
        TOGGLE_PATCH,
        SELECT_PATCHES_BY,
        SCAN_PATCHES,
        INSTALL_PATCHES,
        SWITCH_LIST,
    ],
    footer_after: &[],
};
