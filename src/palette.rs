//! The `:` command palette: pane names and aliases with fuzzy completion,
//! and arguments (`:fleet Environment=prod` opens the fleet filtered).

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::input::TextInput;
use crate::panes::PaneId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteTarget {
    Pane(PaneId),
    Quit,
}

impl PaletteTarget {
    /// Every target, in the order the palette lists them.
    fn all() -> impl Iterator<Item = PaletteTarget> {
        PaneId::ALL
            .iter()
            .map(|&p| PaletteTarget::Pane(p))
            .chain([PaletteTarget::Quit])
    }

    /// The names that open it, the canonical one first.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            PaletteTarget::Pane(p) => p.aliases(),
            PaletteTarget::Quit => &["quit", "q"],
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            PaletteTarget::Pane(p) => p.title(),
            PaletteTarget::Quit => "Quit",
        }
    }
}

/// What a key in the palette leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaletteKey {
    /// The palette stays open.
    Stay,
    Close,
    /// Open the target, with the arguments typed after its name.
    Run(PaletteTarget, String),
}

/// Every name the palette knows, with what it opens.
fn entries() -> impl Iterator<Item = (&'static str, PaletteTarget)> {
    PaletteTarget::all().flat_map(|t| t.names().iter().map(move |n| (*n, t)))
}

#[derive(Debug, Clone, Default)]
pub struct Palette {
    pub input: TextInput,
    /// Suggestions for the first word, best first: (name, target).
    pub suggestions: Vec<(&'static str, PaletteTarget)>,
    /// The highlighted suggestion, which enter opens.
    pub selected: usize,
    /// `ctrl-a`: every target listed with all its names, as k9s's aliases.
    pub all_names: bool,
    /// Enter was pressed on a name nothing matches.
    pub refused: bool,
}

impl Palette {
    pub fn new() -> Self {
        let mut p = Palette::default();
        p.refresh();
        p
    }

    /// The name typed: the first word.
    pub fn word(&self) -> &str {
        self.input.split_whitespace().next().unwrap_or_default()
    }

    fn args(&self) -> String {
        let trimmed = self.input.trim_start();
        trimmed
            .split_once(char::is_whitespace)
            .map(|(_, rest)| rest.trim().to_owned())
            .unwrap_or_default()
    }

    /// Recomputes suggestions for the current input: one per target, the
    /// best-scoring name of each, canonical names when nothing is typed.
    pub fn refresh(&mut self) {
        let word = self.word().to_owned();
        let mut scored: Vec<(u32, &'static str, PaletteTarget)> = Vec::new();
        self.all_names = false;
        self.refused = false;
        if word.is_empty() {
            scored.extend(PaletteTarget::all().map(|t| (0, t.names()[0], t)));
        } else {
            let pattern = Pattern::new(
                &word,
                CaseMatching::Ignore,
                Normalization::Smart,
                AtomKind::Fuzzy,
            );
            let mut matcher = Matcher::new(Config::DEFAULT);
            let mut buf = Vec::new();
            for (name, target) in entries() {
                let Some(score) = pattern.score(Utf32Str::new(name, &mut buf), &mut matcher) else {
                    continue;
                };
                // An exact name beats any fuzzy score.
                let score = if name == word { u32::MAX } else { score };
                match scored.iter_mut().find(|(_, _, t)| *t == target) {
                    Some(best) if best.0 >= score => {}
                    Some(best) => *best = (score, name, target),
                    None => scored.push((score, name, target)),
                }
            }
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        }
        self.suggestions = scored.into_iter().map(|(_, n, t)| (n, t)).collect();
        self.selected = 0;
    }

    pub fn select_next(&mut self) {
        if !self.suggestions.is_empty() {
            self.selected = (self.selected + 1) % self.suggestions.len();
        }
    }

    pub fn select_prev(&mut self) {
        if !self.suggestions.is_empty() {
            self.selected = (self.selected + self.suggestions.len() - 1) % self.suggestions.len();
        }
    }

    /// `ctrl-a`: lists every target with all its names, the highlight
    /// staying on the same target; again, back to the matches.
    pub fn toggle_all_names(&mut self) {
        if self.all_names {
            return self.refresh();
        }
        let highlighted = self.suggestions.get(self.selected).map(|(_, t)| *t);
        self.suggestions = PaletteTarget::all().map(|t| (t.names()[0], t)).collect();
        self.selected = highlighted
            .and_then(|h| self.suggestions.iter().position(|(_, t)| *t == h))
            .unwrap_or(0);
        self.all_names = true;
        self.refused = false;
    }

    /// Replaces the first word with the selected suggestion.
    pub fn complete(&mut self) {
        if let Some((name, _)) = self.suggestions.get(self.selected) {
            let args = self.args();
            self.input.set(if args.is_empty() {
                format!("{name} ")
            } else {
                format!("{name} {args}")
            });
        }
    }

    /// What Enter runs: the highlighted suggestion and the arguments.
    pub fn resolve(&self) -> Option<(PaletteTarget, String)> {
        self.suggestions
            .get(self.selected)
            .map(|(_, t)| (*t, self.args()))
    }

    /// A key while the palette is open: arrows (and `ctrl-p`/`ctrl-n`)
    /// move the highlight, `tab` completes, `ctrl-a` lists every name,
    /// enter opens; the rest edit the line.
    pub fn on_key(&mut self, event: &KeyEvent) -> PaletteKey {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match event.code {
            KeyCode::Esc => return PaletteKey::Close,
            KeyCode::Enter => match self.resolve() {
                Some((target, args)) => return PaletteKey::Run(target, args),
                // Said in the palette, which stays open to fix the name.
                None => self.refused = true,
            },
            KeyCode::Tab => self.complete(),
            KeyCode::Down => self.select_next(),
            KeyCode::Up => self.select_prev(),
            KeyCode::Char('n') if ctrl => self.select_next(),
            KeyCode::Char('p') if ctrl => self.select_prev(),
            KeyCode::Char('a') if ctrl => self.toggle_all_names(),
            _ => {
                if self.input.handle(event) == Some(true) {
                    self.refresh();
                }
            }
        }
        PaletteKey::Stay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> Palette {
        let mut p = Palette::new();
        p.input = text.into();
        p.refresh();
        p
    }

    fn press(p: &mut Palette, code: KeyCode, modifiers: KeyModifiers) -> PaletteKey {
        p.on_key(&KeyEvent::new(code, modifiers))
    }

    #[test]
    fn aliases_and_fuzzy_prefixes_find_their_pane() {
        assert_eq!(
            typed("fm").resolve().unwrap().0,
            PaletteTarget::Pane(PaneId::Fleet)
        );
        assert_eq!(
            typed("act").resolve().unwrap().0,
            PaletteTarget::Pane(PaneId::Activations)
        );
        assert_eq!(
            typed("actv").resolve().unwrap().0,
            PaletteTarget::Pane(PaneId::Activations)
        );
        assert_eq!(typed("q").resolve().unwrap().0, PaletteTarget::Quit);
        assert!(typed("zzz").resolve().is_none());
    }

    #[test]
    fn arrows_and_ctrl_n_p_move_the_highlight_that_enter_opens() {
        let mut p = Palette::new();
        let none = KeyModifiers::NONE;
        press(&mut p, KeyCode::Down, none);
        press(&mut p, KeyCode::Char('n'), KeyModifiers::CONTROL);
        press(&mut p, KeyCode::Char('p'), KeyModifiers::CONTROL);
        assert_eq!(
            press(&mut p, KeyCode::Enter, none),
            PaletteKey::Run(PaletteTarget::Pane(PaneId::ALL[1]), String::new())
        );
        press(&mut p, KeyCode::Up, none);
        press(&mut p, KeyCode::Up, none);
        assert_eq!(p.resolve().unwrap().0, PaletteTarget::Quit, "up wraps");
    }

    #[test]
    fn an_unknown_name_keeps_the_palette_open() {
        let mut p = typed("zzz");
        assert_eq!(
            press(&mut p, KeyCode::Enter, KeyModifiers::NONE),
            PaletteKey::Stay
        );
        assert!(p.refused);
        press(&mut p, KeyCode::Backspace, KeyModifiers::NONE);
        assert!(!p.refused, "editing the name takes the refusal back");
    }

    #[test]
    fn ctrl_a_lists_every_target_and_keeps_the_highlight() {
        let mut p = typed("docs");
        press(&mut p, KeyCode::Char('a'), KeyModifiers::CONTROL);
        assert!(p.all_names);
        assert_eq!(p.suggestions.len(), PaneId::ALL.len() + 1);
        assert_eq!(
            p.resolve().unwrap().0,
            PaletteTarget::Pane(PaneId::Documents)
        );
    }

    #[test]
    fn arguments_follow_the_name() {
        let (target, args) = typed("fleet Environment=prod  Role=web").resolve().unwrap();
        assert_eq!(target, PaletteTarget::Pane(PaneId::Fleet));
        assert_eq!(args, "Environment=prod  Role=web");
    }

    #[test]
    fn tab_completes_the_first_word_and_keeps_arguments() {
        let mut p = typed("flt Role=db");
        p.complete();
        assert_eq!(p.input, "fleet Role=db");
        assert_eq!(p.input.cursor(), p.input.len(), "the cursor after it");
    }
}
