//! The `/` filter: a query of space-separated terms that must all hold.
//!
//! - `web prod` — fuzzy terms, matched against a row's text;
//! - `Environment=prod` — a tag whose key and value match (case-insensitive);
//! - `!term` or `!Key=value` — the term must *not* hold.
//!
//! Fuzzy matching is nucleo's (the matcher behind helix), kept behind this
//! module so the rest of the console never sees it.

use nucleo_matcher::{Config, Utf32String};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Fuzzy(String),
    Tag { key: String, value: String },
}

/// A fuzzy term ready for matching: smart case, as in helix and fzf (a
/// term with an upper-case letter matches case-sensitively).
#[derive(Debug)]
struct Needle {
    text: Utf32String,
    case_sensitive: bool,
}

/// A parsed filter query.
#[derive(Debug)]
pub struct Query {
    text: String,
    terms: Vec<(bool, Term)>,
    needles: Vec<Option<Needle>>,
}

/// Matchers for filtering rows, one per case mode. Reuse one across rows:
/// it keeps its scratch memory.
pub struct Matcher {
    ignoring_case: nucleo_matcher::Matcher,
    respecting_case: nucleo_matcher::Matcher,
}

impl Query {
    pub fn parse(text: &str) -> Query {
        let terms: Vec<(bool, Term)> = text
            .split_whitespace()
            .filter_map(|raw| {
                let (negated, body) = match raw.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, raw),
                };
                if body.is_empty() {
                    return None;
                }
                let term = match body.split_once('=') {
                    Some((key, value)) if !key.is_empty() => Term::Tag {
                        key: key.to_lowercase(),
                        value: value.to_lowercase(),
                    },
                    _ => Term::Fuzzy(body.to_owned()),
                };
                Some((negated, term))
            })
            .collect();
        let needles = terms
            .iter()
            .map(|(_, term)| match term {
                Term::Fuzzy(text) => {
                    let case_sensitive = text.chars().any(char::is_uppercase);
                    let text = if case_sensitive {
                        text.clone()
                    } else {
                        text.to_lowercase()
                    };
                    Some(Needle {
                        text: Utf32String::from(text),
                        case_sensitive,
                    })
                }
                Term::Tag { .. } => None,
            })
            .collect();
        Query {
            text: text.to_owned(),
            terms,
            needles,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The query's `Key=value` terms as typed, when it has nothing else
    /// (no fuzzy term, nothing negated): what a tag target could say.
    pub fn as_tags(&self) -> Option<Vec<(&str, &str)>> {
        if self.terms.is_empty()
            || !self
                .terms
                .iter()
                .all(|(negated, term)| !negated && matches!(term, Term::Tag { .. }))
        {
            return None;
        }
        self.text
            .split_whitespace()
            .map(|raw| raw.split_once('='))
            .collect()
    }

    /// Whether a row with this searchable `haystack` and these tags passes.
    pub fn matches<'t>(
        &self,
        matcher: &mut Matcher,
        haystack: &Utf32String,
        tags: impl Iterator<Item = (&'t str, &'t str)> + Clone,
    ) -> bool {
        self.terms
            .iter()
            .zip(&self.needles)
            .all(|((negated, term), needle)| {
                let hit = match (term, needle) {
                    // Whether a row matches is all a filter needs, and the
                    // greedy matcher answers that in one linear pass; the
                    // optimal one would also rank the match, several times
                    // slower.
                    (Term::Fuzzy(_), Some(n)) => {
                        let m = if n.case_sensitive {
                            &mut matcher.respecting_case
                        } else {
                            &mut matcher.ignoring_case
                        };
                        m.fuzzy_match_greedy(haystack.slice(..), n.text.slice(..))
                            .is_some()
                    }
                    (Term::Tag { key, value }, _) => tags
                        .clone()
                        .any(|(k, v)| k.eq_ignore_ascii_case(key) && v.eq_ignore_ascii_case(value)),
                    (Term::Fuzzy(_), None) => true,
                };
                hit != *negated
            })
    }
}

/// A matcher configured for filtering rows.
pub fn matcher() -> Matcher {
    let mut respecting = Config::DEFAULT;
    respecting.ignore_case = false;
    Matcher {
        ignoring_case: nucleo_matcher::Matcher::new(Config::DEFAULT),
        respecting_case: nucleo_matcher::Matcher::new(respecting),
    }
}

/// Precomputed searchable text of a row.
pub fn haystack(parts: &[&str]) -> Utf32String {
    Utf32String::from(parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(query: &str, text: &str, tags: &[(&str, &str)]) -> bool {
        Query::parse(query).matches(&mut matcher(), &haystack(&[text]), tags.iter().copied())
    }

    #[test]
    fn fuzzy_terms_match_in_order_and_all_must_hold() {
        assert!(hit("wbprd", "web-prod-014 Ubuntu", &[]));
        assert!(hit("web ubuntu", "web-prod-014 Ubuntu", &[]));
        assert!(!hit("web windows", "web-prod-014 Ubuntu", &[]));
    }

    #[test]
    fn key_value_terms_match_tags_case_insensitively() {
        let tags = [("Environment", "prod"), ("Role", "web")];
        assert!(hit("environment=PROD", "x", &tags));
        assert!(!hit("Environment=dev", "x", &tags));
        assert!(hit("Role=web Environment=prod", "x", &tags));
    }

    #[test]
    fn a_bang_inverts_a_term() {
        let tags = [("Environment", "prod")];
        assert!(!hit("!Environment=prod", "x", &tags));
        assert!(hit("!Environment=dev", "x", &tags));
        assert!(hit("!windows", "web-prod-014 Ubuntu", &[]));
        assert!(!hit("!ubuntu", "web-prod-014 Ubuntu", &[]));
    }

    #[test]
    fn case_matters_only_when_the_term_has_capitals() {
        assert!(hit("win", "WIN-DBP-007", &[]));
        assert!(hit("WIN", "WIN-DBP-007", &[]));
        assert!(!hit("Win", "WIN-DBP-007", &[]));
    }

    #[test]
    fn an_empty_query_matches_everything() {
        let q = Query::parse("   ! ");
        assert!(q.is_empty());
        assert!(hit("", "anything", &[]));
    }
}
