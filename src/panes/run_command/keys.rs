//! Run Command's keys: the history, one command, one node's output.

use crate::keys::{Command, PaneKeys, Scope};

/// The history of commands.
pub const COMMANDS: Scope = Scope::new("commands");
/// One command and its invocations.
pub const COMMAND: Scope = Scope::new("command");
/// One node's output of a command.
pub const OUTPUT: Scope = Scope::new("output");

pub const NEW_COMMAND: Command =
    Command::new("new_command", "run", "send a command to nodes").destructive();
pub const RERUN_COMMAND: Command = Command::new(
    "rerun_command",
    "rerun",
    "send it again (the form comes filled in)",
)
.destructive();
pub const CANCEL_COMMAND: Command = Command::new(
    "cancel_command",
    "cancel",
    "cancel the command where it still runs",
)
.destructive();

pub const NEXT_NODE: Command = Command::new(
    "next_node",
    "next node",
    "show the next node's output of this command",
);
pub const PREV_NODE: Command = Command::new(
    "prev_node",
    "prev node",
    "show the previous node's output of this command",
);

pub const KEYS: PaneKeys = PaneKeys {
    scopes: &[COMMANDS, COMMAND, OUTPUT],
    commands: &[
        NEW_COMMAND,
        RERUN_COMMAND,
        CANCEL_COMMAND,
        NEXT_NODE,
        PREV_NODE,
    ],
    bindings: &[
        (COMMANDS, "enter", Command::OPEN),
        (COMMANDS, "n", NEW_COMMAND),
        (COMMANDS, "r", RERUN_COMMAND),
        (COMMANDS, "ctrl-x", CANCEL_COMMAND),
        (COMMANDS, "]", Command::NEXT_PAGE),
        (COMMANDS, "[", Command::PREV_PAGE),
        (COMMAND, "enter", Command::OPEN),
        (COMMAND, "n", NEW_COMMAND),
        (COMMAND, "r", RERUN_COMMAND),
        (COMMAND, "ctrl-x", CANCEL_COMMAND),
        (OUTPUT, "up", Command::UP),
        (OUTPUT, "k", Command::UP),
        (OUTPUT, "down", Command::DOWN),
        (OUTPUT, "j", Command::DOWN),
        (OUTPUT, "pgup", Command::PAGE_UP),
        (OUTPUT, "ctrl-u", Command::PAGE_UP),
        (OUTPUT, "pgdn", Command::PAGE_DOWN),
        (OUTPUT, "ctrl-f", Command::PAGE_DOWN),
        (OUTPUT, "space", Command::PAGE_DOWN),
        (OUTPUT, "home", Command::TOP),
        (OUTPUT, "g g", Command::TOP),
        (OUTPUT, "0", Command::TOP),
        (OUTPUT, "end", Command::BOTTOM),
        (OUTPUT, "G", Command::BOTTOM),
        (OUTPUT, "/", Command::SEARCH),
        (OUTPUT, "n", Command::NEXT_MATCH),
        (OUTPUT, "N", Command::PREV_MATCH),
        (OUTPUT, "w", Command::TOGGLE_WRAP),
        (OUTPUT, "]", NEXT_NODE),
        (OUTPUT, "[", PREV_NODE),
    ],
    footer: &[
        NEW_COMMAND,
        RERUN_COMMAND,
        CANCEL_COMMAND,
        Command::NEXT_PAGE,
        Command::SEARCH,
        Command::TOGGLE_WRAP,
        NEXT_NODE,
    ],
    footer_after: &[],
};
