//! The Fleet pane's keys: the node list and one node's details.

use crate::keys::{Command, PaneKeys, Scope};

/// The node list.
pub const FLEET: Scope = Scope::new("fleet");
/// One node's details.
pub const NODE: Scope = Scope::new("node");

pub const TOGGLE_SELECT: Command =
    Command::new("toggle_select", "select", "select or unselect the node");
pub const RUN_ON_NODES: Command =
    Command::new("run_on_nodes", "run", "run a command on the selected nodes").destructive();
pub const DEREGISTER_NODE: Command =
    Command::new("deregister_node", "deregister", "deregister the node").destructive();

pub const KEYS: PaneKeys = PaneKeys {
    scopes: &[FLEET, NODE],
    commands: &[TOGGLE_SELECT, RUN_ON_NODES, DEREGISTER_NODE],
    bindings: &[
        (FLEET, "enter", Command::OPEN),
        (FLEET, "space", TOGGLE_SELECT),
        (FLEET, "R", RUN_ON_NODES),
        (FLEET, "ctrl-d", DEREGISTER_NODE),
        (NODE, "up", Command::UP),
        (NODE, "k", Command::UP),
        (NODE, "down", Command::DOWN),
        (NODE, "j", Command::DOWN),
        (NODE, "pgup", Command::PAGE_UP),
        (NODE, "pgdn", Command::PAGE_DOWN),
        (NODE, "g g", Command::TOP),
        (NODE, "G", Command::BOTTOM),
        (NODE, "ctrl-d", DEREGISTER_NODE),
        (NODE, "R", RUN_ON_NODES),
    ],
    footer: &[TOGGLE_SELECT, RUN_ON_NODES],
    footer_after: &[DEREGISTER_NODE],
};
