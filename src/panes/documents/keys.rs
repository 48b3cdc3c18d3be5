//! The Documents pane's keys: the list and one document.

use crate::keys::{Command, PaneKeys, Scope};

/// The list of documents.
pub const DOCUMENTS: Scope = Scope::new("documents");
/// One document: its description and content.
pub const DOCUMENT: Scope = Scope::new("document");

pub const NEXT_VERSION: Command = Command::new(
    "next_version",
    "version",
    "show the next version of the document",
);
pub const PREV_VERSION: Command = Command::new(
    "prev_version",
    "prev version",
    "show the previous version of the document",
);
pub const TOGGLE_FORMAT: Command = Command::new(
    "toggle_format",
    "json/yaml",
    "show the content as JSON or YAML",
);
pub const RUN_DOCUMENT: Command = Command::new(
    "run_document",
    "run",
    "run this document on nodes (the send form)",
)
.destructive();

pub const KEYS: PaneKeys = PaneKeys {
    scopes: &[DOCUMENTS, DOCUMENT],
    commands: &[NEXT_VERSION, PREV_VERSION, TOGGLE_FORMAT, RUN_DOCUMENT],
    bindings: &[
        (DOCUMENTS, "enter", Command::OPEN),
        (DOCUMENTS, "R", RUN_DOCUMENT),
        (DOCUMENT, "up", Command::UP),
        (DOCUMENT, "k", Command::UP),
        (DOCUMENT, "down", Command::DOWN),
        (DOCUMENT, "j", Command::DOWN),
        (DOCUMENT, "pgup", Command::PAGE_UP),
        (DOCUMENT, "ctrl-u", Command::PAGE_UP),
        (DOCUMENT, "pgdn", Command::PAGE_DOWN),
        (DOCUMENT, "ctrl-f", Command::PAGE_DOWN),
        (DOCUMENT, "home", Command::TOP),
        (DOCUMENT, "g g", Command::TOP),
        (DOCUMENT, "end", Command::BOTTOM),
        (DOCUMENT, "G", Command::BOTTOM),
        (DOCUMENT, "0", Command::TOP),
        (DOCUMENT, "/", Command::SEARCH),
        (DOCUMENT, "n", Command::NEXT_MATCH),
        (DOCUMENT, "N", Command::PREV_MATCH),
        (DOCUMENT, "w", Command::TOGGLE_WRAP),
        (DOCUMENT, "v", NEXT_VERSION),
        (DOCUMENT, "]", NEXT_VERSION),
        (DOCUMENT, "[", PREV_VERSION),
        (DOCUMENT, "y", TOGGLE_FORMAT),
        (DOCUMENT, "R", RUN_DOCUMENT),
    ],
    footer: &[RUN_DOCUMENT, TOGGLE_FORMAT, NEXT_VERSION, Command::SEARCH],
    footer_after: &[],
};
