//! The `/` filter: a query of space-separated terms that must all hold.
//!
//! - `web prod` — fuzzy terms, matched against a row's text;
//! - `Environment=prod` — a tag whose key and value match (case-insensitive);
//! - `!term` or `!Key=value` — the term must *not* hold.
//!
//! Fuzzy matching is nucleo's (the matcher behind helix), kept behind this
//! module so the rest of the console never sees it.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32String};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Fuzzy(String),
    Tag { key: String, value: String },
}

/// A parsed filter query.
#[derive(Debug)]
pub struct Query {
    text: String,
    terms: Vec<(bool, Term)>,
    patterns: Vec<Option<Pattern>>,
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
        let patterns = terms
            .iter()
            .map(|(_, term)| match term {
                Term::Fuzzy(text) => Some(Pattern::new(
                    text,
                    CaseMatching::Smart,
                    Normalization::Smart,
                    AtomKind::Fuzzy,
                )),
                Term::Tag { .. } => None,
            })
            .collect();
        Query {
            text: text.to_owned(),
            terms,
            patterns,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
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
            .zip(&self.patterns)
            .all(|((negated, term), pattern)| {
                let hit = match (term, pattern) {
                    (Term::Fuzzy(_), Some(p)) => p.score(haystack.slice(..), matcher).is_some(),
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
    Matcher::new(Config::DEFAULT)
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
    fn an_empty_query_matches_everything() {
        let q = Query::parse("   ! ");
        assert!(q.is_empty());
        assert!(hit("", "anything", &[]));
    }
}
