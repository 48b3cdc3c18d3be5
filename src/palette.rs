//! The `:` command palette: pane names and aliases with fuzzy completion,
//! and arguments (`:fleet Environment=prod` opens the fleet filtered).

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::panes::PaneId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteTarget {
    Pane(PaneId),
    Quit,
}

/// Every name the palette knows, with what it opens.
fn entries() -> Vec<(&'static str, PaletteTarget)> {
    let mut out: Vec<(&str, PaletteTarget)> = PaneId::ALL
        .iter()
        .flat_map(|p| {
            p.aliases()
                .iter()
                .map(move |a| (*a, PaletteTarget::Pane(*p)))
        })
        .collect();
    out.push(("quit", PaletteTarget::Quit));
    out.push(("q", PaletteTarget::Quit));
    out
}

#[derive(Debug, Clone, Default)]
pub struct Palette {
    pub input: String,
    /// Suggestions for the first word, best first: (name, target).
    pub suggestions: Vec<(&'static str, PaletteTarget)>,
    pub selected: usize,
}

impl Palette {
    pub fn new() -> Self {
        let mut p = Palette::default();
        p.refresh();
        p
    }

    fn word(&self) -> &str {
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
        if word.is_empty() {
            for &pane in PaneId::ALL {
                scored.push((0, pane.aliases()[0], PaletteTarget::Pane(pane)));
            }
            scored.push((0, "quit", PaletteTarget::Quit));
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

    /// Replaces the first word with the selected suggestion.
    pub fn complete(&mut self) {
        if let Some((name, _)) = self.suggestions.get(self.selected) {
            let args = self.args();
            self.input = if args.is_empty() {
                format!("{name} ")
            } else {
                format!("{name} {args}")
            };
        }
    }

    /// What Enter runs: the selected suggestion and the arguments.
    pub fn resolve(&self) -> Option<(PaletteTarget, String)> {
        if self.word().is_empty() {
            return None;
        }
        self.suggestions
            .get(self.selected)
            .map(|(_, t)| (*t, self.args()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> Palette {
        let mut p = Palette::new();
        p.input = text.to_owned();
        p.refresh();
        p
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
    }
}
