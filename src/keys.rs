//! Key bindings: parsing and printing keys, the commands they trigger, and
//! the per-scope tables that the footer, the help overlay and the config
//! all read, so the three can never disagree.

use std::collections::BTreeMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key press with its modifiers, e.g. `ctrl-d`, `enter`, `G`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeOrd,
    ctrl: bool,
    alt: bool,
}

/// `KeyCode` without the variants we never bind, made orderable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(&'static str),
}

const NAMED: [(&str, KeyCode); 14] = [
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("delete", KeyCode::Delete),
];

impl Key {
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = if rest == "space" {
            KeyCodeOrd::Char(' ')
        } else if let Some((name, _)) = NAMED.iter().find(|(n, _)| *n == rest) {
            KeyCodeOrd::Named(name)
        } else if let Some(n) = rest.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            if !(1..=12).contains(&n) {
                return Err(format!("'{text}' names no function key; use f1 to f12"));
            }
            KeyCodeOrd::F(n)
        } else {
            let mut chars = rest.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if !c.is_whitespace() => KeyCodeOrd::Char(c),
                _ => {
                    return Err(format!(
                        "'{text}' is not a key; write a single character, a name like \
                         enter, esc, pgdn or f5, optionally after ctrl- or alt-"
                    ));
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        let code = match event.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            other => KeyCodeOrd::Named(NAMED.iter().find(|(_, k)| *k == other)?.0),
        };
        Some(Key {
            code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
            alt: event.modifiers.contains(KeyModifiers::ALT),
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            KeyCodeOrd::Named(name) => f.write_str(name),
        }
    }
}

/// One key or a sequence of keys pressed in turn, e.g. `g g`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chord(pub Vec<Key>);

impl Chord {
    pub fn parse(text: &str) -> Result<Chord, String> {
        let keys = text
            .split_whitespace()
            .map(Key::parse)
            .collect::<Result<Vec<_>, _>>()?;
        match keys.len() {
            0 => Err("an empty string is not a key".to_owned()),
            1..=3 => Ok(Chord(keys)),
            _ => Err(format!(
                "'{text}' is too long a chord; use at most three keys"
            )),
        }
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, key) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

/// Where a binding applies, named as the config's `[keys.<scope>]`
/// table. `GLOBAL` keys work everywhere unless a scope binds the same
/// key; `TABLE` keys work wherever a table is in view. Each pane declares
/// its own scopes in its folder (`panes/<pane>/keys.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope(&'static str);

impl Scope {
    pub const GLOBAL: Scope = Scope("global");
    pub const TABLE: Scope = Scope("table");

    pub const fn new(name: &'static str) -> Scope {
        Scope(name)
    }

    pub fn name(self) -> &'static str {
        self.0
    }

    /// Every scope: the shared ones, then each pane's.
    pub fn all() -> impl Iterator<Item = Scope> {
        [Scope::GLOBAL, Scope::TABLE]
            .into_iter()
            .chain(tables().flat_map(|t| t.scopes.iter().copied()))
    }

    pub fn parse(name: &str) -> Option<Scope> {
        Self::all().find(|s| s.name() == name)
    }
}

/// What a command does to the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Effect {
    Reads,
    /// Adds something (a parameter, a version, a label): hidden and
    /// refused under `--readonly`.
    Writes,
    /// Changes or removes something, or acts on nodes: asks for
    /// confirmation or shows what it will do first.
    Dangerous,
}

/// Something a key can do. The commands every pane shares are the
/// associated constants here; each pane declares its own in its folder.
/// Ordered by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Command {
    name: &'static str,
    /// The footer's short label.
    hint: &'static str,
    description: &'static str,
    effect: Effect,
}

impl Command {
    /// A command that only reads: `name` in config files, `hint` in the
    /// footer, `description` in the help.
    pub const fn new(name: &'static str, hint: &'static str, description: &'static str) -> Self {
        Command {
            name,
            hint,
            description,
            effect: Effect::Reads,
        }
    }

    /// Marks a command that adds to the backend.
    pub const fn adding(self) -> Self {
        Command {
            effect: Effect::Writes,
            ..self
        }
    }

    /// Marks a destructive command.
    pub const fn destructive(self) -> Self {
        Command {
            effect: Effect::Dangerous,
            ..self
        }
    }

    /// The name used in config files.
    pub fn name(self) -> &'static str {
        self.name
    }

    pub fn hint(self) -> &'static str {
        self.hint
    }

    pub fn description(self) -> &'static str {
        self.description
    }

    /// Destructive: asks for confirmation or shows what it will do first.
    pub fn dangerous(self) -> bool {
        self.effect == Effect::Dangerous
    }

    /// Leads to a change on the backend: hidden and refused under
    /// `--readonly`, where the connection refuses the write as well.
    pub fn writes(self) -> bool {
        self.effect != Effect::Reads
    }

    pub const UP: Command = Command::new("up", "up", "move up");
    pub const DOWN: Command = Command::new("down", "down", "move down");
    pub const PAGE_UP: Command = Command::new("page_up", "page up", "page up");
    pub const PAGE_DOWN: Command = Command::new("page_down", "page down", "page down");
    pub const TOP: Command = Command::new("top", "top", "go to the first row");
    pub const BOTTOM: Command = Command::new("bottom", "bottom", "go to the last row");
    pub const NEXT_PAGE: Command = Command::new(
        "next_page",
        "next page",
        "load the next page from the server",
    );
    pub const PREV_PAGE: Command = Command::new(
        "prev_page",
        "prev page",
        "load the previous page from the server",
    );
    pub const OPEN: Command = Command::new("open", "details", "open details");
    pub const SEARCH: Command =
        Command::new("search", "search", "search the text (n/N: next/previous)");
    pub const NEXT_MATCH: Command = Command::new("next_match", "next", "go to the next match");
    pub const PREV_MATCH: Command =
        Command::new("prev_match", "previous", "go to the previous match");
    pub const TOGGLE_WRAP: Command =
        Command::new("toggle_wrap", "wrap", "wrap long lines, or cut them");
    pub const FILTER: Command =
        Command::new("filter", "filter", "filter rows (fuzzy, Key=value, !term)");
    pub const SORT_NEXT: Command = Command::new("sort_next", "sort", "sort by the next column");
    pub const SORT_PREV: Command =
        Command::new("sort_prev", "sort back", "sort by the previous column");
    pub const SORT_REVERSE: Command =
        Command::new("sort_reverse", "reverse", "reverse the sort order");
    pub const PALETTE: Command = Command::new("palette", "panes", "open the command palette");
    pub const HELP: Command = Command::new("help", "help", "show the keys of this pane");
    pub const BACK: Command = Command::new("back", "back", "go back / clear the filter");
    pub const QUIT: Command = Command::new("quit", "quit", "quit sysman");
    pub const WIDE: Command = Command::new(
        "toggle_wide",
        "wide",
        "show or hide the wide columns (shift-letter sorts by a column)",
    );
    pub const DESCRIBE: Command = Command::new(
        "describe",
        "describe",
        "describe the row: every field (y: YAML or JSON)",
    );

    /// Every command, in the order the help lists them: moving, each
    /// pane's own, leaving.
    pub fn all() -> impl Iterator<Item = Command> {
        MOVING
            .iter()
            .chain(tables().flat_map(|t| t.commands))
            .chain(LEAVING)
            .copied()
    }

    pub fn parse(name: &str) -> Option<Command> {
        Self::all().find(|c| c.name() == name)
    }
}

/// The shared commands for moving and looking, first in the help.
const MOVING: &[Command] = &[
    Command::UP,
    Command::DOWN,
    Command::PAGE_UP,
    Command::PAGE_DOWN,
    Command::TOP,
    Command::BOTTOM,
    Command::NEXT_PAGE,
    Command::PREV_PAGE,
    Command::OPEN,
    Command::FILTER,
    Command::SEARCH,
    Command::NEXT_MATCH,
    Command::PREV_MATCH,
    Command::TOGGLE_WRAP,
    Command::SORT_NEXT,
    Command::SORT_PREV,
    Command::SORT_REVERSE,
    Command::WIDE,
    Command::DESCRIBE,
];

/// The shared commands for leaving, last in the help.
const LEAVING: &[Command] = &[
    Command::PALETTE,
    Command::HELP,
    Command::BACK,
    Command::QUIT,
];

/// One pane's keys, declared in its folder: its scopes, its own commands
/// in the help's order, its default bindings, and the commands worth a
/// place in its footer around the shared ones.
#[derive(Debug)]
pub struct PaneKeys {
    pub scopes: &'static [Scope],
    pub commands: &'static [Command],
    pub bindings: &'static [(Scope, &'static str, Command)],
    /// In the footer after `open`, before filtering and sorting.
    pub footer: &'static [Command],
    /// In the footer after sorting, before `back`.
    pub footer_after: &'static [Command],
}

/// Every pane's keys, in the palette's order.
fn tables() -> impl Iterator<Item = &'static PaneKeys> {
    crate::panes::KEY_TABLES.iter().copied()
}

/// The bindings every pane shares. With each pane's, `config.example.toml`
/// writes out exactly the built-in bindings (a test checks it).
pub const SHARED_BINDINGS: &[(Scope, &str, Command)] = &[
    (Scope::GLOBAL, "q", Command::QUIT),
    (Scope::GLOBAL, "ctrl-c", Command::QUIT),
    (Scope::GLOBAL, ":", Command::PALETTE),
    (Scope::GLOBAL, "?", Command::HELP),
    (Scope::GLOBAL, "esc", Command::BACK),
    (Scope::GLOBAL, "d", Command::DESCRIBE),
    (Scope::TABLE, "/", Command::FILTER),
    (Scope::TABLE, "up", Command::UP),
    (Scope::TABLE, "k", Command::UP),
    (Scope::TABLE, "down", Command::DOWN),
    (Scope::TABLE, "j", Command::DOWN),
    (Scope::TABLE, "pgup", Command::PAGE_UP),
    (Scope::TABLE, "ctrl-u", Command::PAGE_UP),
    (Scope::TABLE, "pgdn", Command::PAGE_DOWN),
    (Scope::TABLE, "ctrl-f", Command::PAGE_DOWN),
    (Scope::TABLE, "home", Command::TOP),
    (Scope::TABLE, "g g", Command::TOP),
    (Scope::TABLE, "end", Command::BOTTOM),
    (Scope::TABLE, "G", Command::BOTTOM),
    (Scope::TABLE, "s", Command::SORT_NEXT),
    (Scope::TABLE, "S", Command::SORT_PREV),
    (Scope::TABLE, "r", Command::SORT_REVERSE),
    (Scope::TABLE, "ctrl-w", Command::WIDE),
];

/// Bindings by scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    scopes: BTreeMap<Scope, BTreeMap<Chord, Command>>,
}

/// What a key press means given the keys pressed before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Command(Command),
    /// The keys so far start a longer chord: wait for the next.
    Pending,
    Unbound,
}

impl Default for KeyMap {
    fn default() -> Self {
        let mut scopes: BTreeMap<Scope, BTreeMap<Chord, Command>> = BTreeMap::new();
        let panes = tables().flat_map(|t| t.bindings);
        for (scope, chord, command) in SHARED_BINDINGS.iter().chain(panes) {
            let chord = Chord::parse(chord).expect("built-in chords parse");
            scopes.entry(*scope).or_default().insert(chord, *command);
        }
        KeyMap { scopes }
    }
}

impl KeyMap {
    /// Lays user bindings (`scope -> chord -> command name`) over these.
    /// `none` as the command unbinds a key. Errors name the offending entry.
    pub fn merge(
        &mut self,
        user: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<(), String> {
        for (scope_name, table) in user {
            let scope = Scope::parse(scope_name).ok_or_else(|| {
                format!(
                    "[keys.{scope_name}] is not a key scope; use one of {}",
                    Scope::all().map(Scope::name).collect::<Vec<_>>().join(", ")
                )
            })?;
            for (chord_text, command_name) in table {
                let chord =
                    Chord::parse(chord_text).map_err(|e| format!("keys.{scope_name}: {e}"))?;
                let entry = self.scopes.entry(scope).or_default();
                if command_name == "none" {
                    entry.remove(&chord);
                    continue;
                }
                let command = Command::parse(command_name).ok_or_else(|| {
                    format!(
                        "keys.{scope_name}.\"{chord_text}\": '{command_name}' is not an action; \
                         use one of {}",
                        Command::all()
                            .map(|c| c.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
                entry.insert(chord, command);
            }
        }
        Ok(())
    }

    /// Looks `keys` up in `scopes`, the most specific first.
    pub fn lookup(&self, scopes: &[Scope], keys: &[Key]) -> Lookup {
        let mut pending = false;
        for scope in scopes {
            let Some(table) = self.scopes.get(scope) else {
                continue;
            };
            for (chord, command) in table {
                if chord.0 == keys {
                    return Lookup::Command(*command);
                }
                if chord.0.len() > keys.len() && chord.0.starts_with(keys) {
                    pending = true;
                }
            }
        }
        if pending {
            Lookup::Pending
        } else {
            Lookup::Unbound
        }
    }

    /// The bindings that apply in `scopes`, most specific first, each chord
    /// once (a specific scope hides a global binding of the same chord).
    pub fn bindings(&self, scopes: &[Scope]) -> Vec<(Chord, Command)> {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for scope in scopes {
            for (chord, command) in self.scopes.get(scope).into_iter().flatten() {
                if seen.insert(chord.clone()) {
                    out.push((chord.clone(), *command));
                }
            }
        }
        out
    }

    /// The first chord bound to `command` in `scopes`, for hints.
    pub fn chord_for(&self, scopes: &[Scope], command: Command) -> Option<Chord> {
        self.bindings(scopes)
            .into_iter()
            .find(|(_, c)| *c == command)
            .map(|(chord, _)| chord)
    }

    /// Every binding as `scope -> chord -> command name`, the config's shape.
    pub fn to_table(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.scopes
            .iter()
            .map(|(scope, table)| {
                let entries = table
                    .iter()
                    .map(|(c, cmd)| (c.to_string(), cmd.name().to_owned()))
                    .collect();
                (scope.name().to_owned(), entries)
            })
            .collect()
    }

    /// Chords of one scope where one is a prefix of another: the longer
    /// could never be typed.
    pub fn conflicts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (scope, table) in &self.scopes {
            for a in table.keys() {
                for b in table.keys() {
                    if a != b && b.0.starts_with(&a.0) {
                        out.push(format!("[keys.{}] '{a}' hides '{b}'", scope.name()));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_print_as_they_parse() {
        for text in [
            "q",
            "G",
            "ctrl-d",
            "alt-ctrl-x",
            "enter",
            "pgdn",
            "f5",
            "space",
            ":",
            "?",
        ] {
            let key = Key::parse(text).unwrap();
            let printed = key.to_string();
            assert_eq!(Key::parse(&printed).unwrap(), key, "{text} -> {printed}");
        }
        assert_eq!(Key::parse("ctrl-alt-x").unwrap().to_string(), "ctrl-alt-x");
        assert_eq!(Chord::parse("g  g").unwrap().to_string(), "g g");
    }

    #[test]
    fn bad_keys_say_what_to_write() {
        assert!(Key::parse("ctrl-").unwrap_err().contains("not a key"));
        assert!(Key::parse("f13").unwrap_err().contains("f1 to f12"));
        assert!(Key::parse("enterr").is_err());
        assert!(Chord::parse("").is_err());
    }

    #[test]
    fn each_command_and_scope_has_a_name_of_its_own() {
        let mut names: Vec<&str> = Command::all().map(Command::name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a command name is used twice");
        let mut scopes: Vec<&str> = Scope::all().map(Scope::name).collect();
        let n = scopes.len();
        scopes.sort_unstable();
        scopes.dedup();
        assert_eq!(scopes.len(), n, "a scope name is used twice");
    }

    #[test]
    fn every_binding_is_of_a_declared_scope_and_command() {
        for (scope, chord, command) in KeyMap::default().to_table().iter().flat_map(|(s, t)| {
            t.iter()
                .map(move |(c, cmd)| (s.clone(), c.clone(), cmd.clone()))
        }) {
            assert!(Scope::parse(&scope).is_some(), "[keys.{scope}]");
            assert!(
                Command::parse(&command).is_some(),
                "{scope} {chord} {command}"
            );
        }
    }

    #[test]
    fn built_in_bindings_have_no_conflicts() {
        assert_eq!(KeyMap::default().conflicts(), Vec::<String>::new());
    }

    #[test]
    fn chords_wait_for_their_second_key() {
        let map = KeyMap::default();
        let g = Key::parse("g").unwrap();
        let scopes = [
            crate::panes::fleet::keys::FLEET,
            Scope::TABLE,
            Scope::GLOBAL,
        ];
        assert_eq!(map.lookup(&scopes, &[g]), Lookup::Pending);
        assert_eq!(map.lookup(&scopes, &[g, g]), Lookup::Command(Command::TOP));
        assert_eq!(
            map.lookup(&scopes, &[Key::parse("x").unwrap()]),
            Lookup::Unbound
        );
    }

    #[test]
    fn user_bindings_merge_over_the_defaults_and_errors_name_the_entry() {
        let mut map = KeyMap::default();
        let user = |scope: &str, chord: &str, cmd: &str| {
            BTreeMap::from([(
                scope.to_owned(),
                BTreeMap::from([(chord.to_owned(), cmd.to_owned())]),
            )])
        };
        map.merge(&user("fleet", "x", "deregister_node")).unwrap();
        let x = Key::parse("x").unwrap();
        assert_eq!(
            map.lookup(&[crate::panes::fleet::keys::FLEET], &[x]),
            Lookup::Command(crate::panes::fleet::keys::DEREGISTER_NODE)
        );
        map.merge(&user("global", "q", "none")).unwrap();
        assert_eq!(
            map.lookup(&[Scope::GLOBAL], &[Key::parse("q").unwrap()]),
            Lookup::Unbound
        );

        let err = map.merge(&user("fleet", "x", "explode")).unwrap_err();
        assert!(
            err.contains("keys.fleet.\"x\"") && err.contains("'explode'"),
            "{err}"
        );
        let err = map.merge(&user("fleeet", "x", "quit")).unwrap_err();
        assert!(err.contains("[keys.fleeet]"), "{err}");
        let err = map.merge(&user("fleet", "ctrl-", "quit")).unwrap_err();
        assert!(err.contains("keys.fleet"), "{err}");
    }
}
