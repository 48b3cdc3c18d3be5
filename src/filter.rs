//! The `/` filter: which rows a query keeps, and in what order.
//!
//! A query is matched against what a row *shows*: the text of its table
//! columns ([`RowText`]), never hidden fields such as ARNs or
//! descriptions, plus the row's tags for `Key=value` terms. Its grammar,
//! by the first characters of the query:
//!
//! ```text
//! query  = "~" REGEX        regex: a column matches REGEX
//!        | "!~" REGEX       no column matches REGEX
//!        | "=" TEXT         exact: a column equals TEXT
//!        | "!=" TEXT        no column equals TEXT
//!        | term { " " term } every term holds
//! term   = [ "!" ] ( KEY "=" VALUE | WORD )
//! ```
//!
//! - `~REGEX` is the `regex` crate's syntax, case-insensitive (`(?-i)`
//!   turns that off), tried on each column on its own, so `^` and `$`
//!   anchor to a column's ends. An invalid one keeps every row and says
//!   why ([`Query::error`]).
//! - `=TEXT` is the rest of the query, spaces and all, trimmed, compared
//!   with each column whole, ignoring case.
//! - `KEY=VALUE` holds when the row has that tag (both ignoring case).
//! - `WORD` holds when one column contains it, ignoring case unless it has
//!   a capital (smart case, as in helix and fzf), or else matches it
//!   fuzzily (nucleo, the matcher behind helix) within that one column and
//!   tightly enough (see [`FUZZY_FLOOR`]).
//! - `!` before a term means it must not hold.
//!
//! Rows that pass are ranked ([`Rank`]): a row whose words all equal a
//! column comes first, then prefixes of a column, then substrings, then
//! fuzzy matches by nucleo's score; a row ranks by its weakest word.
//! Rows of one rank keep the table's sort ([`Query::arrange`]).

use std::cmp::{Ordering, Reverse};

use nucleo_matcher::{Config, Utf32Str, Utf32String};
use regex::{Regex, RegexBuilder};

/// How a word matched a column, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Exact,
    Prefix,
    Substring,
    Fuzzy,
}

/// Where a passing row goes: lower ranks come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rank {
    /// The weakest match among the row's words.
    kind: Kind,
    /// nucleo's score summed over the fuzzy words, higher first.
    score: Reverse<u32>,
}

impl Rank {
    /// Every row of a query that does not rank (tags, regex, exact).
    const EVEN: Rank = Rank {
        kind: Kind::Exact,
        score: Reverse(0),
    };
}

/// A fuzzy match keeps a row only if nucleo scores it at least this much
/// per character of the word. nucleo gives 16 a matched character, adds
/// bonuses for word starts and runs, and takes 3 for each gap plus 1 per
/// skipped character; so a match must earn a quarter more than its bare
/// characters. Abbreviations of a column's parts earn that easily
/// (`wbprd` in `web-prod-014` scores 107 of 100, `wdbs` in `WIN-DBS-012`
/// 103 of 80), while letters strewn over a column do not (`web` in
/// `Win Server 2022 db` scores 49 of 60, `wdr` in `windows-server` 56 of
/// 60). Matching within one column keeps a word's letters from being
/// picked out of unrelated columns (`web` from a row's `Win…`, `staging`
/// and `db`); the floor keeps them from being strewn within one.
pub const FUZZY_FLOOR: u16 = 20;

/// What a row shows, column by column, and its tags: all the filter
/// reads of it. Built once per row change (a heartbeat rebuilds a fleet
/// row), so it is kept in one buffer and a lowercased copy: few
/// allocations.
#[derive(Debug, Clone, Default)]
pub struct RowText {
    /// The columns, then each tag's key and value, back to back.
    text: String,
    /// Where each piece of `text` ends.
    ends: Vec<u32>,
    /// `text` lowercased; `None` when it has no capital.
    lower: Option<String>,
    /// Where each piece of `lower` ends, when lowercasing changed a
    /// piece's length (never in ASCII).
    lower_ends: Option<Vec<u32>>,
    columns: usize,
    /// All ASCII: matching can take byte shortcuts.
    ascii: bool,
}

impl RowText {
    pub fn new<'a>(columns: impl IntoIterator<Item = &'a str>) -> Self {
        Self::with_tags(columns, std::iter::empty())
    }

    pub fn with_tags<'a>(
        columns: impl IntoIterator<Item = &'a str>,
        tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let mut text = String::with_capacity(128);
        let mut ends = Vec::with_capacity(16);
        let mut push = |piece: &str| {
            text.push_str(piece);
            ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
            ends.len()
        };
        let mut count = 0;
        for column in columns {
            count = push(column);
        }
        for (key, value) in tags {
            push(key);
            push(value);
        }
        let ascii = text.is_ascii();
        let (lower, lower_ends) = if !text.chars().any(char::is_uppercase) {
            (None, None)
        } else if ascii {
            (Some(text.to_ascii_lowercase()), None)
        } else {
            let mut lower = String::with_capacity(text.len());
            let mut lower_ends = Vec::with_capacity(ends.len());
            for piece in pieces(&text, &ends) {
                lower.extend(piece.chars().flat_map(char::to_lowercase));
                lower_ends.push(u32::try_from(lower.len()).unwrap_or(u32::MAX));
            }
            (Some(lower), Some(lower_ends))
        };
        Self {
            text,
            ends,
            lower,
            lower_ends,
            columns: count,
            ascii,
        }
    }

    /// Every column's text together, as shown or lowercased: a word whose
    /// characters are not all in it, in order, matches no column.
    fn all_columns(&self, lowercased: bool) -> &str {
        let (text, ends) = if lowercased {
            (self.lowered_text(), self.lowered_ends())
        } else {
            (self.text.as_str(), self.ends.as_slice())
        };
        let end = self
            .columns
            .checked_sub(1)
            .map_or(0, |last| ends[last] as usize);
        text.get(..end).unwrap_or_default()
    }

    /// The columns as shown.
    fn columns(&self) -> impl Iterator<Item = &str> {
        pieces(&self.text, &self.ends).take(self.columns)
    }

    /// The columns lowercased.
    fn lower_columns(&self) -> impl Iterator<Item = &str> {
        self.lowered().take(self.columns)
    }

    /// The tags lowercased, as (key, value).
    fn lower_tags(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut rest = pieces_from(self.lowered_text(), self.lowered_ends(), self.columns);
        std::iter::from_fn(move || Some((rest.next()?, rest.next()?)))
    }

    fn lowered(&self) -> impl Iterator<Item = &str> {
        pieces(self.lowered_text(), self.lowered_ends())
    }

    fn lowered_text(&self) -> &str {
        self.lower.as_deref().unwrap_or(&self.text)
    }

    fn lowered_ends(&self) -> &[u32] {
        self.lower_ends.as_deref().unwrap_or(&self.ends)
    }
}

fn pieces<'a>(text: &'a str, ends: &'a [u32]) -> impl Iterator<Item = &'a str> {
    pieces_from(text, ends, 0)
}

/// The pieces from the `first` on.
fn pieces_from<'a>(text: &'a str, ends: &'a [u32], first: usize) -> impl Iterator<Item = &'a str> {
    let mut start = first
        .checked_sub(1)
        .map_or(0, |before| ends[before] as usize);
    ends[first.min(ends.len())..].iter().map(move |&end| {
        let piece = text.get(start..end as usize).unwrap_or_default();
        start = end as usize;
        piece
    })
}

/// A word of the query, ready for matching.
#[derive(Debug)]
struct Word {
    /// As typed if it has a capital, else lowercased.
    text: String,
    utf32: Utf32String,
    case_sensitive: bool,
}

#[derive(Debug)]
enum Term {
    Word(Word),
    /// Lowercased key and value.
    Tag {
        key: String,
        value: String,
    },
}

#[derive(Debug)]
enum Mode {
    /// Every term holds (`true`: it must not).
    Terms(Vec<(bool, Term)>),
    Regex {
        negated: bool,
        regex: Regex,
    },
    /// Lowercased.
    Exact {
        negated: bool,
        text: String,
    },
    /// A regex that does not compile: every row passes.
    Invalid(String),
}

/// A parsed filter query.
#[derive(Debug)]
pub struct Query {
    text: String,
    mode: Mode,
}

/// Matchers for filtering rows, one per case mode, and scratch space.
/// Reuse one across rows: it keeps its memory.
pub struct Matcher {
    ignoring_case: nucleo_matcher::Matcher,
    respecting_case: nucleo_matcher::Matcher,
    chars: Vec<char>,
}

/// A matcher configured for filtering rows.
pub fn matcher() -> Matcher {
    let mut respecting = Config::DEFAULT;
    respecting.ignore_case = false;
    Matcher {
        ignoring_case: nucleo_matcher::Matcher::new(Config::DEFAULT),
        respecting_case: nucleo_matcher::Matcher::new(respecting),
        chars: Vec::new(),
    }
}

/// Regexes bigger than this once compiled are refused: a filter is typed
/// by hand, and a huge one would stall every keystroke.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Query {
    pub fn parse(text: &str) -> Query {
        let (negated, body) = match text.trim_start().strip_prefix('!') {
            Some(rest) if rest.starts_with(['~', '=']) => (true, rest),
            _ => (false, text.trim_start()),
        };
        let mode = if let Some(pattern) = body.strip_prefix('~') {
            let regex = RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .build();
            match regex {
                _ if pattern.is_empty() => Mode::Terms(Vec::new()),
                Ok(regex) => Mode::Regex { negated, regex },
                Err(e) => Mode::Invalid(regex_error(&e)),
            }
        } else if let Some(exact) = body.strip_prefix('=') {
            match exact.trim() {
                "" => Mode::Terms(Vec::new()),
                exact => Mode::Exact {
                    negated,
                    text: exact.to_lowercase(),
                },
            }
        } else {
            Mode::Terms(text.split_whitespace().filter_map(term).collect())
        };
        Query {
            text: text.to_owned(),
            mode,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the query keeps every row.
    pub fn is_empty(&self) -> bool {
        match &self.mode {
            Mode::Terms(terms) => terms.is_empty(),
            Mode::Invalid(_) => true,
            Mode::Regex { .. } | Mode::Exact { .. } => false,
        }
    }

    /// Why the query cannot filter (an invalid regex), if it cannot.
    pub fn error(&self) -> Option<&str> {
        match &self.mode {
            Mode::Invalid(why) => Some(why),
            _ => None,
        }
    }

    /// The query's `Key=value` terms as typed, when it has nothing else
    /// (no word, nothing negated): what a tag target could say.
    pub fn as_tags(&self) -> Option<Vec<(&str, &str)>> {
        let Mode::Terms(terms) = &self.mode else {
            return None;
        };
        if terms.is_empty()
            || !terms
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

    /// Whether a row passes.
    pub fn matches(&self, matcher: &mut Matcher, row: &RowText) -> bool {
        self.rank(matcher, row).is_some()
    }

    /// Where a row goes among those that pass, or `None` if it does not.
    pub fn rank(&self, matcher: &mut Matcher, row: &RowText) -> Option<Rank> {
        match &self.mode {
            Mode::Terms(terms) => {
                let mut rank = Rank::EVEN;
                for (negated, term) in terms {
                    let found = match term {
                        Term::Word(word) => word.find(matcher, row),
                        Term::Tag { key, value } => row
                            .lower_tags()
                            .any(|(k, v)| k == key && v == value)
                            .then_some((Kind::Exact, 0)),
                    };
                    match (found, negated) {
                        (Some((kind, score)), false) => {
                            rank.kind = rank.kind.max(kind);
                            rank.score.0 += u32::from(score);
                        }
                        (None, true) => {}
                        _ => return None,
                    }
                }
                Some(rank)
            }
            Mode::Regex { negated, regex } => {
                (row.columns().any(|c| regex.is_match(c)) != *negated).then_some(Rank::EVEN)
            }
            Mode::Exact { negated, text } => {
                (row.lower_columns().any(|c| c == text) != *negated).then_some(Rank::EVEN)
            }
            Mode::Invalid(_) => Some(Rank::EVEN),
        }
    }

    /// The rows among `candidates` that pass, in the order to show them:
    /// best rank first, rows of one rank (every row, when the query is
    /// empty) by `compare`, the table's sort. `text` gives a row's text.
    pub fn arrange<'r>(
        &self,
        matcher: &mut Matcher,
        candidates: impl IntoIterator<Item = usize>,
        text: impl Fn(usize) -> &'r RowText,
        compare: impl Fn(usize, usize) -> Ordering,
    ) -> Arranged {
        let mut considered = 0;
        let every = self.is_empty();
        let mut ranked: Vec<(Rank, usize)> = candidates
            .into_iter()
            .inspect(|_| considered += 1)
            .filter_map(|i| {
                let rank = if every {
                    Some(Rank::EVEN)
                } else {
                    self.rank(matcher, text(i))
                };
                rank.map(|rank| (rank, i))
            })
            .collect();
        // Candidates come by ascending index: the index as the last
        // tie-break keeps their order, as a stable sort would, without its
        // buffer.
        ranked.sort_unstable_by(|(ra, a), (rb, b)| {
            ra.cmp(rb).then_with(|| compare(*a, *b)).then(a.cmp(b))
        });
        Arranged {
            rows: ranked.into_iter().map(|(_, i)| i).collect(),
            considered,
        }
    }
}

/// Rows to show, in order, and how many the filter looked at: the two
/// numbers of "12 of 500".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arranged {
    pub rows: Vec<usize>,
    pub considered: usize,
}

impl From<Vec<usize>> for Arranged {
    fn from(rows: Vec<usize>) -> Self {
        let considered = rows.len();
        Self { rows, considered }
    }
}

/// One space-separated term of a query, `None` for a bare `!`.
fn term(raw: &str) -> Option<(bool, Term)> {
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
        _ => {
            let case_sensitive = body.chars().any(char::is_uppercase);
            let text = if case_sensitive {
                body.to_owned()
            } else {
                body.to_lowercase()
            };
            Term::Word(Word {
                utf32: Utf32String::from(text.as_str()),
                text,
                case_sensitive,
            })
        }
    };
    Some((negated, term))
}

/// Whether `needle`'s bytes are all in `haystack`, in order.
fn has_in_order(haystack: &[u8], needle: &[u8]) -> bool {
    let mut rest = haystack;
    needle
        .iter()
        .all(|b| match rest.iter().position(|h| h == b) {
            Some(at) => {
                rest = &rest[at + 1..];
                true
            }
            None => false,
        })
}

/// The regex crate's message, on one line: the filter line has one.
fn regex_error(e: &regex::Error) -> String {
    let message = e.to_string();
    let last = message
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid regex");
    format!(
        "invalid regex: {}",
        last.trim().trim_start_matches("error: ")
    )
}

impl Word {
    /// How well the word matches the row's best column, and nucleo's score
    /// for a fuzzy match.
    fn find(&self, matcher: &mut Matcher, row: &RowText) -> Option<(Kind, u16)> {
        // Most rows of 100,000 match no word: each test is made once on
        // all the columns together before column by column (a hit there
        // may straddle two columns; a miss is a miss in each).
        let all = row.all_columns(!self.case_sensitive);
        let best = if !all.contains(&self.text) {
            None
        } else if self.case_sensitive {
            self.best_literal(row.columns())
        } else {
            self.best_literal(row.lower_columns())
        };
        if let Some(kind) = best {
            return Some((kind, 0));
        }
        // nucleo is the costly part: in ASCII (where it normalises
        // nothing) skip the rows and columns that do not hold the word's
        // characters in order.
        let ascii = row.ascii && self.text.is_ascii();
        let in_order =
            |column: &str| !ascii || has_in_order(column.as_bytes(), self.text.as_bytes());
        if !in_order(all) {
            return None;
        }
        let nucleo = if self.case_sensitive {
            &mut matcher.respecting_case
        } else {
            &mut matcher.ignoring_case
        };
        let floor = FUZZY_FLOOR.saturating_mul(u16::try_from(self.utf32.len()).unwrap_or(u16::MAX));
        row.columns()
            .zip(row.lower_columns())
            .filter(|(column, lower)| in_order(if self.case_sensitive { column } else { lower }))
            .filter_map(|(column, _)| {
                let haystack = Utf32Str::new(column, &mut matcher.chars);
                nucleo.fuzzy_match(haystack, self.utf32.slice(..))
            })
            .max()
            .filter(|&score| score >= floor)
            .map(|score| (Kind::Fuzzy, score))
    }

    /// The best literal match (exact, prefix, substring) among `columns`.
    fn best_literal<'a>(&self, columns: impl Iterator<Item = &'a str>) -> Option<Kind> {
        let mut best: Option<Kind> = None;
        for column in columns {
            let kind = if column == self.text {
                return Some(Kind::Exact);
            } else if column.starts_with(&self.text) {
                Kind::Prefix
            } else if column.contains(&self.text) {
                Kind::Substring
            } else {
                continue;
            };
            best = Some(best.map_or(kind, |b| b.min(kind)));
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(columns: &[&str], tags: &[(&str, &str)]) -> RowText {
        RowText::with_tags(columns.iter().copied(), tags.iter().copied())
    }

    fn hit(query: &str, text: &str, tags: &[(&str, &str)]) -> bool {
        Query::parse(query).matches(&mut matcher(), &row(&[text], tags))
    }

    /// The rows' first columns in the order the query shows them, the
    /// table sorted by the first column.
    fn arranged(query: &str, rows: &[&[&str]]) -> Vec<String> {
        let texts: Vec<RowText> = rows.iter().map(|r| row(r, &[])).collect();
        Query::parse(query)
            .arrange(
                &mut matcher(),
                0..rows.len(),
                |i| &texts[i],
                |a, b| rows[a][0].cmp(rows[b][0]),
            )
            .rows
            .into_iter()
            .map(|i| rows[i][0].to_owned())
            .collect()
    }

    #[test]
    fn words_match_in_order_and_all_must_hold() {
        assert!(hit("wbprd", "web-prod-014", &[]));
        assert!(hit("web prod", "web-prod-014", &[]));
        assert!(!hit("web windows", "web-prod-014", &[]));
    }

    #[test]
    fn key_value_terms_match_tags_case_insensitively() {
        let tags = [("Environment", "prod"), ("Role", "web")];
        assert!(hit("environment=PROD", "x", &tags));
        assert!(!hit("Environment=dev", "x", &tags));
        assert!(hit("Role=web Environment=prod", "x", &tags));
        assert!(!hit("prod", "x", &tags), "tags are not text");
    }

    #[test]
    fn a_bang_inverts_a_term() {
        let tags = [("Environment", "prod")];
        assert!(!hit("!Environment=prod", "x", &tags));
        assert!(hit("!Environment=dev", "x", &tags));
        assert!(hit("!windows", "web-prod-014", &[]));
        assert!(!hit("!web", "web-prod-014", &[]));
    }

    #[test]
    fn case_matters_only_when_the_word_has_capitals() {
        assert!(hit("win", "WIN-DBP-007", &[]));
        assert!(hit("WIN", "WIN-DBP-007", &[]));
        assert!(!hit("Win", "WIN-DBP-007", &[]));
    }

    #[test]
    fn an_empty_query_matches_everything() {
        for text in ["", "   ! ", "~", "="] {
            let q = Query::parse(text);
            assert!(q.is_empty(), "{text:?}");
            assert!(hit(text, "anything", &[]));
        }
    }

    #[test]
    fn a_word_must_match_within_one_column() {
        // The user's report: `web prod` kept a staging database whose
        // columns together hold w…e…b and p…r…o…d.
        let staging_db = row(
            &["WIN-DBS-012", "Online", "Win Server 2022", "staging", "db"],
            &[("Environment", "staging"), ("Role", "db")],
        );
        let q = Query::parse("web prod");
        assert!(!q.matches(&mut matcher(), &staging_db));
        assert!(!hit("web", "Win Server 2022 db", &[]));
    }

    #[test]
    fn a_fuzzy_match_must_be_tight() {
        assert!(hit("wbprd", "web-prod-014", &[]), "abbreviation");
        assert!(hit("wdbs", "WIN-DBS-012", &[]), "initials and a run");
        assert!(!hit("wdr", "windows-server", &[]), "strewn letters");
        assert!(!hit("pod", "app-web-cold-02", &[]), "strewn letters");
    }

    #[test]
    fn exact_then_prefix_then_substring_then_fuzzy_each_in_sort_order() {
        let rows: &[&[&str]] = &[
            &["a-fuzzy", "m-i-8-1-7-f"],
            &["b-substring", "node mi-817f"],
            &["c-exact", "mi-817f"],
            &["d-prefix", "mi-817f0a"],
            &["e-none", "web"],
            &["f-prefix", "mi-817fff"],
            &["g-exact", "MI-817F"],
        ];
        assert_eq!(
            arranged("mi-817f", rows),
            [
                "c-exact",
                "g-exact",
                "d-prefix",
                "f-prefix",
                "b-substring",
                "a-fuzzy"
            ]
        );
    }

    #[test]
    fn a_row_ranks_by_its_weakest_word_and_fuzzy_rows_by_score() {
        let rows: &[&[&str]] = &[
            &["a", "my-web", "prod"],
            &["b", "web", "prod"],
            &["c", "web", "production"],
        ];
        assert_eq!(arranged("web prod", rows), ["b", "c", "a"]);
        // `w-eb` scores 81 and `w-x-e-b` 76: the better match first.
        let rows: &[&[&str]] = &[&["a", "w-x-e-b"], &["b", "webby"], &["c", "w-eb"]];
        assert_eq!(arranged("web", rows), ["b", "c", "a"]);
    }

    #[test]
    fn without_a_query_the_sort_alone_orders() {
        let rows: &[&[&str]] = &[&["b"], &["c"], &["a"]];
        assert_eq!(arranged("", rows), ["a", "b", "c"]);
        let texts: Vec<RowText> = rows.iter().map(|r| row(r, &[])).collect();
        let all = Query::parse("").arrange(&mut matcher(), [0, 2], |i| &texts[i], |a, b| a.cmp(&b));
        assert_eq!(
            all,
            Arranged {
                rows: vec![0, 2],
                considered: 2
            }
        );
    }

    #[test]
    fn regex_mode_matches_each_column_ignoring_case() {
        assert!(hit("~^web-.*-01\\d$", "WEB-prod-014", &[]));
        assert!(!hit("~^prod", "web-prod-014", &[]));
        let r = row(&["web-prod-014", "prod"], &[]);
        assert!(Query::parse("~^prod$").matches(&mut matcher(), &r));
        assert!(!Query::parse("!~^prod$").matches(&mut matcher(), &r));
        assert!(Query::parse("!~^dev").matches(&mut matcher(), &r));
        assert!(
            !hit("~staging", "x", &[("Environment", "staging")]),
            "not tags"
        );
    }

    #[test]
    fn an_invalid_regex_keeps_every_row_and_says_why() {
        for bad in ["~web(", "~[a-", "~*", "~x{99999999}"] {
            let q = Query::parse(bad);
            let why = q.error().unwrap_or_else(|| panic!("{bad} is invalid"));
            assert!(why.starts_with("invalid regex: "), "{why}");
            assert!(!why.contains('\n'), "{why}");
            assert!(q.is_empty());
            assert!(hit(bad, "anything", &[]));
        }
        assert_eq!(Query::parse("~web").error(), None);
    }

    #[test]
    fn exact_mode_compares_whole_columns_ignoring_case() {
        let r = row(&["web-prod-014", "Win Server 2022"], &[]);
        let hits = |q: &str| Query::parse(q).matches(&mut matcher(), &r);
        assert!(hits("=WEB-prod-014"));
        assert!(hits("=win server 2022 "), "spaces belong to the text");
        assert!(!hits("=web-prod"), "a prefix is not equal");
        assert!(!hits("!=web-prod-014"));
        assert!(hits("!=web-prod"));
    }

    #[test]
    fn tags_alone_read_as_a_target() {
        let q = Query::parse("Role=web Environment=prod");
        assert_eq!(
            q.as_tags(),
            Some(vec![("Role", "web"), ("Environment", "prod")])
        );
        assert_eq!(Query::parse("Role=web x").as_tags(), None);
        assert_eq!(Query::parse("=Role=web").as_tags(), None);
    }
}
