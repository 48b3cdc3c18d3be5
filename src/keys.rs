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

/// Where a binding applies. `Global` keys work everywhere unless a scope
/// binds the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Table,
    Fleet,
    Node,
    Activations,
    Parameters,
    Parameter,
    /// Run Command's history of commands.
    Commands,
    /// One command and its invocations.
    Command,
    /// One node's output of a command.
    Output,
    /// The list of documents.
    Documents,
    /// One document: its description and content.
    Document,
    /// Patch Manager's baselines and patch groups.
    Patch,
    /// One baseline's patches: the approval matrix.
    Baseline,
    /// Compliance: the summary and the non-compliant nodes.
    Compliance,
}

impl Scope {
    pub const ALL: [Scope; 15] = [
        Scope::Global,
        Scope::Table,
        Scope::Fleet,
        Scope::Node,
        Scope::Activations,
        Scope::Parameters,
        Scope::Parameter,
        Scope::Commands,
        Scope::Command,
        Scope::Output,
        Scope::Documents,
        Scope::Document,
        Scope::Patch,
        Scope::Baseline,
        Scope::Compliance,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Table => "table",
            Scope::Fleet => "fleet",
            Scope::Node => "node",
            Scope::Activations => "activations",
            Scope::Parameters => "parameters",
            Scope::Parameter => "parameter",
            Scope::Commands => "commands",
            Scope::Command => "command",
            Scope::Output => "output",
            Scope::Documents => "documents",
            Scope::Document => "document",
            Scope::Patch => "patch",
            Scope::Baseline => "baseline",
            Scope::Compliance => "compliance",
        }
    }

    pub fn parse(name: &str) -> Option<Scope> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

macro_rules! commands {
    ($($variant:ident => $name:literal, $desc:literal, $dangerous:literal;)*) => {
        /// Everything a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command { $($variant),* }

        impl Command {
            pub const ALL: &[Command] = &[$(Command::$variant),*];

            /// The name used in config files.
            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name),* }
            }

            pub fn description(self) -> &'static str {
                match self { $(Command::$variant => $desc),* }
            }

            /// Destructive: asks for confirmation or shows what it will do
            /// first.
            pub fn dangerous(self) -> bool {
                match self { $(Command::$variant => $dangerous),* }
            }
        }
    };
}

// Declared in the order the help lists them: moving, acting, leaving.
commands! {
    Up => "up", "move up", false;
    Down => "down", "move down", false;
    PageUp => "page_up", "page up", false;
    PageDown => "page_down", "page down", false;
    Top => "top", "go to the first row", false;
    Bottom => "bottom", "go to the last row", false;
    NextPage => "next_page", "load the next page from the server", false;
    PrevPage => "prev_page", "load the previous page from the server", false;
    Open => "open", "open details", false;
    Filter => "filter", "filter rows (fuzzy, Key=value, !term)", false;
    SortNext => "sort_next", "sort by the next column", false;
    SortPrev => "sort_prev", "sort by the previous column", false;
    SortReverse => "sort_reverse", "reverse the sort order", false;
    ToggleSelect => "toggle_select", "select or unselect the node", false;
    RunOnNodes => "run_on_nodes", "run a command on the selected nodes", true;
    DeregisterNode => "deregister_node", "deregister the node", true;
    DeleteActivation => "delete_activation", "delete the activation", true;
    ToggleFocus => "toggle_focus", "move between the path tree and the list", false;
    NewParameter => "new_parameter", "create a parameter", false;
    EditParameter => "edit_parameter", "put a new version of the parameter", false;
    RevealValue => "reveal_value", "reveal a SecureString value (audited)", false;
    AddLabel => "add_label", "label the selected version (moves the label)", false;
    DiffVersion => "diff_version", "compare the selected version with the current one", false;
    DeleteParameter => "delete_parameter", "delete the parameter and its history", true;
    NewCommand => "new_command", "send a command to nodes", true;
    RerunCommand => "rerun_command", "send it again (the form comes filled in)", true;
    CancelCommand => "cancel_command", "cancel the command where it still runs", true;
    NextVersion => "next_version", "show the next version of the document", false;
    PrevVersion => "prev_version", "show the previous version of the document", false;
    ToggleFormat => "toggle_format", "show the content as JSON or YAML", false;
    RunDocument => "run_document", "run this document on nodes (the send form)", true;
    SwitchList => "switch_list", "move between baselines and patch groups", false;
    TogglePatch => "toggle_patch", "select or unselect the patch", false;
    SelectPatchesBy => "select_patches_by", "select shown patches by severity or class", false;
    ApprovePatches => "approve_patches", "approve selected patches, after a preview", true;
    RejectPatches => "reject_patches", "reject selected patches, after a preview", true;
    ScanPatches => "scan_patches", "scan for missing patches now", true;
    InstallPatches => "install_patches", "install approved patches now", true;
    NewBaseline => "new_baseline", "create a baseline (copying the one under the cursor)", true;
    SetDefaultBaseline => "set_default_baseline", "make the baseline the default for its OS", true;
    DeleteBaseline => "delete_baseline", "delete the baseline", true;
    Palette => "palette", "open the command palette", false;
    Help => "help", "show the keys of this pane", false;
    Back => "back", "go back / clear the filter", false;
    Quit => "quit", "quit sysman", false;
}

impl Command {
    pub fn parse(name: &str) -> Option<Command> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// Leads to a change on the backend: hidden and refused under
    /// `--readonly`, where the connection refuses the write as well.
    /// Every destructive command writes, and so do the quiet ones that
    /// add a parameter, a version or a label.
    pub fn writes(self) -> bool {
        self.dangerous()
            || matches!(
                self,
                Command::NewParameter | Command::EditParameter | Command::AddLabel
            )
    }
}

/// The built-in bindings: scope, chord, command. `config.example.toml`
/// writes out exactly these (a test checks it).
pub const DEFAULT_BINDINGS: &[(Scope, &str, Command)] = &[
    (Scope::Global, "q", Command::Quit),
    (Scope::Global, "ctrl-c", Command::Quit),
    (Scope::Global, ":", Command::Palette),
    (Scope::Global, "?", Command::Help),
    (Scope::Global, "esc", Command::Back),
    (Scope::Table, "/", Command::Filter),
    (Scope::Table, "up", Command::Up),
    (Scope::Table, "k", Command::Up),
    (Scope::Table, "down", Command::Down),
    (Scope::Table, "j", Command::Down),
    (Scope::Table, "pgup", Command::PageUp),
    (Scope::Table, "ctrl-u", Command::PageUp),
    (Scope::Table, "pgdn", Command::PageDown),
    (Scope::Table, "ctrl-f", Command::PageDown),
    (Scope::Table, "home", Command::Top),
    (Scope::Table, "g g", Command::Top),
    (Scope::Table, "end", Command::Bottom),
    (Scope::Table, "G", Command::Bottom),
    (Scope::Table, "s", Command::SortNext),
    (Scope::Table, "S", Command::SortPrev),
    (Scope::Table, "r", Command::SortReverse),
    (Scope::Fleet, "enter", Command::Open),
    (Scope::Fleet, "space", Command::ToggleSelect),
    (Scope::Fleet, "R", Command::RunOnNodes),
    (Scope::Fleet, "ctrl-d", Command::DeregisterNode),
    (Scope::Node, "up", Command::Up),
    (Scope::Node, "k", Command::Up),
    (Scope::Node, "down", Command::Down),
    (Scope::Node, "j", Command::Down),
    (Scope::Node, "ctrl-d", Command::DeregisterNode),
    (Scope::Node, "R", Command::RunOnNodes),
    (Scope::Activations, "ctrl-d", Command::DeleteActivation),
    (Scope::Parameters, "enter", Command::Open),
    (Scope::Parameters, "n", Command::NewParameter),
    (Scope::Parameters, "tab", Command::ToggleFocus),
    (Scope::Parameter, "e", Command::EditParameter),
    (Scope::Parameters, "ctrl-d", Command::DeleteParameter),
    (Scope::Parameter, "v", Command::RevealValue),
    (Scope::Parameter, "l", Command::AddLabel),
    (Scope::Parameter, "d", Command::DiffVersion),
    (Scope::Parameter, "j", Command::Down),
    (Scope::Parameter, "k", Command::Up),
    (Scope::Parameter, "down", Command::Down),
    (Scope::Parameter, "up", Command::Up),
    (Scope::Parameter, "ctrl-d", Command::DeleteParameter),
    (Scope::Commands, "enter", Command::Open),
    (Scope::Commands, "n", Command::NewCommand),
    (Scope::Commands, "r", Command::RerunCommand),
    (Scope::Commands, "ctrl-x", Command::CancelCommand),
    (Scope::Commands, "]", Command::NextPage),
    (Scope::Commands, "[", Command::PrevPage),
    (Scope::Command, "enter", Command::Open),
    (Scope::Command, "n", Command::NewCommand),
    (Scope::Command, "r", Command::RerunCommand),
    (Scope::Command, "ctrl-x", Command::CancelCommand),
    (Scope::Output, "up", Command::Up),
    (Scope::Output, "k", Command::Up),
    (Scope::Output, "down", Command::Down),
    (Scope::Output, "j", Command::Down),
    (Scope::Output, "pgup", Command::PageUp),
    (Scope::Output, "ctrl-u", Command::PageUp),
    (Scope::Output, "pgdn", Command::PageDown),
    (Scope::Output, "ctrl-f", Command::PageDown),
    (Scope::Output, "space", Command::PageDown),
    (Scope::Output, "home", Command::Top),
    (Scope::Output, "g g", Command::Top),
    (Scope::Output, "end", Command::Bottom),
    (Scope::Output, "G", Command::Bottom),
    (Scope::Documents, "enter", Command::Open),
    (Scope::Documents, "R", Command::RunDocument),
    (Scope::Document, "up", Command::Up),
    (Scope::Document, "k", Command::Up),
    (Scope::Document, "down", Command::Down),
    (Scope::Document, "j", Command::Down),
    (Scope::Document, "pgup", Command::PageUp),
    (Scope::Document, "ctrl-u", Command::PageUp),
    (Scope::Document, "pgdn", Command::PageDown),
    (Scope::Document, "ctrl-f", Command::PageDown),
    (Scope::Document, "home", Command::Top),
    (Scope::Document, "g g", Command::Top),
    (Scope::Document, "end", Command::Bottom),
    (Scope::Document, "G", Command::Bottom),
    (Scope::Document, "v", Command::NextVersion),
    (Scope::Document, "]", Command::NextVersion),
    (Scope::Document, "[", Command::PrevVersion),
    (Scope::Document, "y", Command::ToggleFormat),
    (Scope::Document, "R", Command::RunDocument),
    (Scope::Patch, "enter", Command::Open),
    (Scope::Patch, "tab", Command::SwitchList),
    (Scope::Patch, "s", Command::ScanPatches),
    (Scope::Patch, "i", Command::InstallPatches),
    (Scope::Patch, "o", Command::SortNext),
    (Scope::Patch, "n", Command::NewBaseline),
    (Scope::Patch, "D", Command::SetDefaultBaseline),
    (Scope::Patch, "ctrl-d", Command::DeleteBaseline),
    (Scope::Baseline, "space", Command::TogglePatch),
    (Scope::Baseline, "v", Command::SelectPatchesBy),
    (Scope::Baseline, "a", Command::ApprovePatches),
    (Scope::Baseline, "x", Command::RejectPatches),
    (Scope::Baseline, "s", Command::ScanPatches),
    (Scope::Baseline, "i", Command::InstallPatches),
    (Scope::Baseline, "o", Command::SortNext),
    (Scope::Compliance, "enter", Command::Open),
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
        for (scope, chord, command) in DEFAULT_BINDINGS {
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
                    Scope::ALL.map(Scope::name).join(", ")
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
                        Command::ALL
                            .iter()
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
    fn built_in_bindings_have_no_conflicts() {
        assert_eq!(KeyMap::default().conflicts(), Vec::<String>::new());
    }

    #[test]
    fn chords_wait_for_their_second_key() {
        let map = KeyMap::default();
        let g = Key::parse("g").unwrap();
        let scopes = [Scope::Fleet, Scope::Table, Scope::Global];
        assert_eq!(map.lookup(&scopes, &[g]), Lookup::Pending);
        assert_eq!(map.lookup(&scopes, &[g, g]), Lookup::Command(Command::Top));
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
            map.lookup(&[Scope::Fleet], &[x]),
            Lookup::Command(Command::DeregisterNode)
        );
        map.merge(&user("global", "q", "none")).unwrap();
        assert_eq!(
            map.lookup(&[Scope::Global], &[Key::parse("q").unwrap()]),
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
