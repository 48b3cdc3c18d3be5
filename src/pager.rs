//! A scrolling view of text lines, as `less` has it: lines wrapped to the
//! width or cut at it (`w`), a window that can follow the tail (`G`), and
//! a search (`/`) whose matches are highlighted and stepped through with
//! `n` and `N`. A node's command output is shown in one
//! (`panes/run_command/output.rs`); any other long text can be.
//!
//! Lines are kept as given (each tagged with how to draw it); the display
//! rows are cut from them for the width, so a search finds words that a
//! wrap splits, and toggling the wrap keeps the top line in view.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::input::TextInput;
use crate::theme::Theme;

/// A display row: a piece of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    line: usize,
    /// The row's first character in its line, and how many it shows.
    start: usize,
    len: usize,
}

/// A match: its line, first character and length in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hit {
    line: usize,
    start: usize,
    len: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pager<K> {
    lines: Vec<(K, String)>,
    rows: Vec<Row>,
    /// Each line's first row.
    first_row: Vec<usize>,
    width: usize,
    /// Long lines wrap; when they do not, they are cut at the width.
    pub wrap: bool,
    /// First row shown.
    pub scroll: usize,
    /// Rows on screen, as of the last layout.
    pub page: usize,
    /// At the end (`G`): stay there as lines are added, as `tail -f` does.
    pub follow: bool,
    /// The search as typed; empty: none.
    term: String,
    hits: Vec<Hit>,
    /// The match last moved to.
    current: Option<usize>,
}

impl<K: Copy> Default for Pager<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Copy> Pager<K> {
    pub fn new() -> Self {
        Self {
            lines: Vec::new(),
            rows: Vec::new(),
            first_row: Vec::new(),
            width: 0,
            wrap: true,
            scroll: 0,
            page: 20,
            follow: false,
            term: String::new(),
            hits: Vec::new(),
            current: None,
        }
    }

    /// Long lines cut at the width instead of wrapped, until `w`.
    pub fn cut(mut self) -> Self {
        self.wrap = false;
        self
    }

    /// Replaces the lines (new output arrived), keeping the window and the
    /// search where they can be.
    pub fn set_lines(&mut self, lines: Vec<(K, String)>) {
        self.lines = lines;
        self.cut_rows();
        let current = self.current.map(|i| self.hits[i]);
        self.find();
        self.current = current.and_then(|hit| self.hits.iter().position(|h| *h == hit));
        self.clamp();
    }

    /// The lines as given.
    pub fn lines(&self) -> &[(K, String)] {
        &self.lines
    }

    /// Display rows, as of the last layout.
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// Lays the rows out for `width` columns and `page` rows.
    pub fn layout(&mut self, width: usize, page: usize) {
        self.page = page.max(1);
        if width != self.width {
            let top = self.top_line();
            self.width = width;
            self.cut_rows();
            self.scroll = self.first_row.get(top).copied().unwrap_or(0);
        }
        self.clamp();
    }

    pub fn max_scroll(&self) -> usize {
        self.rows.len().saturating_sub(self.page)
    }

    pub fn scroll_by(&mut self, delta: isize) {
        self.follow = false;
        self.scroll = self
            .scroll
            .saturating_add_signed(delta)
            .min(self.max_scroll());
    }

    pub fn top(&mut self) {
        self.follow = false;
        self.scroll = 0;
    }

    /// To the end, and stay there as lines are added.
    pub fn bottom(&mut self) {
        self.follow = true;
        self.scroll = self.max_scroll();
    }

    /// Whether the window is within two screens of the last row.
    pub fn near_end(&self) -> bool {
        self.follow || self.rows.len().saturating_sub(self.scroll + self.page) < 2 * self.page
    }

    /// Wraps long lines, or cuts them; the line on top stays on top.
    pub fn toggle_wrap(&mut self) {
        let top = self.top_line();
        self.wrap = !self.wrap;
        self.cut_rows();
        self.scroll = self.first_row.get(top).copied().unwrap_or(0);
        self.clamp();
        if let Some(i) = self.current {
            self.show(self.hits[i]);
        }
    }

    /// Searches for `term` (ignoring case unless it has a capital) and
    /// moves to its first match from the top of the window on.
    pub fn search(&mut self, term: &str) {
        self.term = term.to_owned();
        self.find();
        let here = self
            .rows
            .get(self.scroll)
            .map_or((0, 0), |r| (r.line, r.start));
        self.current = (!self.hits.is_empty()).then(|| {
            self.hits
                .iter()
                .position(|h| (h.line, h.start) >= here)
                .unwrap_or(0)
        });
        if let Some(i) = self.current {
            self.show(self.hits[i]);
        }
    }

    pub fn clear_search(&mut self) {
        self.search("");
    }

    pub fn term(&self) -> &str {
        &self.term
    }

    /// Moves to the next match (`forward`) or the previous one, round the
    /// ends.
    pub fn step_match(&mut self, forward: bool) {
        let n = self.hits.len();
        if n == 0 {
            return;
        }
        let i = match (self.current, forward) {
            (None, _) => 0,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        self.current = Some(i);
        self.show(self.hits[i]);
    }

    /// The match moved to (counting from 1) and how many there are: "3/17".
    pub fn matches(&self) -> Option<(usize, usize)> {
        (!self.term.is_empty()).then(|| (self.current.map_or(0, |i| i + 1), self.hits.len()))
    }

    /// The search for a frame's title: `/error 3/17`, `/error 17 found`
    /// (another node's output, searched alike, before `n` moved to one),
    /// `/error: no match`.
    pub fn search_status(&self) -> Option<String> {
        let (at, of) = self.matches()?;
        Some(match (at, of) {
            (_, 0) => format!("/{}: no match", self.term),
            (0, _) => format!("/{} {of} found", self.term),
            _ => format!("/{} {at}/{of}", self.term),
        })
    }

    /// The rows on screen, drawn: `style` for each kind of line, `matched`
    /// on matches, `current` on the match moved to.
    pub fn render(
        &self,
        style: impl Fn(K) -> Style,
        matched: Style,
        current: Style,
    ) -> Vec<Line<'static>> {
        let end = (self.scroll + self.page).min(self.rows.len());
        let current_hit = self.current.map(|i| self.hits[i]);
        self.rows[self.scroll.min(end)..end]
            .iter()
            .map(|row| {
                let (kind, text) = &self.lines[row.line];
                // A cut line ends in `…` where it goes on.
                let cut = !self.wrap && self.width > 0 && row.len > self.width;
                let (from, len) = if cut {
                    (0, self.width - 1)
                } else {
                    (row.start, row.len)
                };
                let chars: Vec<char> = text.chars().skip(from).take(len).collect();
                let hits = self.hits_on(row.line);
                let mut spans = Vec::new();
                let mut at = 0;
                while at < chars.len() {
                    let column = from + at;
                    let hit = hits
                        .iter()
                        .find(|h| h.start <= column && column < h.start + h.len);
                    let run_end = match hit {
                        Some(h) => (h.start + h.len - from).min(chars.len()),
                        None => hits
                            .iter()
                            .filter(|h| h.start > column)
                            .map(|h| h.start - from)
                            .min()
                            .unwrap_or(chars.len())
                            .min(chars.len()),
                    };
                    let piece: String = chars[at..run_end].iter().collect();
                    let piece_style = match hit {
                        Some(h) if Some(*h) == current_hit => current,
                        Some(_) => matched,
                        None => style(*kind),
                    };
                    spans.push(Span::styled(piece, piece_style));
                    at = run_end;
                }
                if cut {
                    spans.push(Span::styled("…", style(*kind)));
                }
                Line::from(spans).style(style(*kind))
            })
            .collect()
    }

    fn hits_on(&self, line: usize) -> &[Hit] {
        let from = self.hits.partition_point(|h| h.line < line);
        let to = self.hits.partition_point(|h| h.line <= line);
        &self.hits[from..to]
    }

    /// The line the window starts at.
    fn top_line(&self) -> usize {
        self.rows.get(self.scroll).map_or(0, |r| r.line)
    }

    fn clamp(&mut self) {
        self.scroll = if self.follow {
            self.max_scroll()
        } else {
            self.scroll.min(self.max_scroll())
        };
    }

    fn cut_rows(&mut self) {
        self.rows.clear();
        self.first_row.clear();
        for (line, (_, text)) in self.lines.iter().enumerate() {
            self.first_row.push(self.rows.len());
            let chars = text.chars().count();
            if !self.wrap || self.width == 0 || chars <= self.width {
                self.rows.push(Row {
                    line,
                    start: 0,
                    len: chars,
                });
                continue;
            }
            for start in (0..chars).step_by(self.width) {
                self.rows.push(Row {
                    line,
                    start,
                    len: self.width.min(chars - start),
                });
            }
        }
    }

    fn find(&mut self) {
        self.hits.clear();
        if self.term.is_empty() {
            self.current = None;
            return;
        }
        let case_sensitive = self.term.chars().any(char::is_uppercase);
        let fold = |c: char| {
            if case_sensitive {
                c
            } else {
                c.to_lowercase().next().unwrap_or(c)
            }
        };
        let term: Vec<char> = self.term.chars().map(fold).collect();
        let mut text = Vec::new();
        for (line, (_, raw)) in self.lines.iter().enumerate() {
            text.clear();
            text.extend(raw.chars().map(fold));
            let mut start = 0;
            while start + term.len() <= text.len() {
                if text[start..start + term.len()] == term[..] {
                    self.hits.push(Hit {
                        line,
                        start,
                        len: term.len(),
                    });
                    start += term.len();
                } else {
                    start += 1;
                }
            }
        }
        if self.current.is_some_and(|i| i >= self.hits.len()) {
            self.current = None;
        }
    }

    /// Scrolls so that `hit`'s row shows, a third of the way down if it
    /// was off screen. (A match past the width of a cut line stays out of
    /// sight: `w` wraps it into view.)
    fn show(&mut self, hit: Hit) {
        self.follow = false;
        let row = self.first_row[hit.line]
            + if self.wrap && self.width > 0 {
                hit.start / self.width
            } else {
                0
            };
        if row < self.scroll || row >= self.scroll + self.page {
            self.scroll = row.saturating_sub(self.page / 3).min(self.max_scroll());
        }
    }
}

/// The search being typed (`/`), a dialog of the pane whose pager it
/// searches: each key searches again; `enter` keeps the search, `esc`
/// clears it.
#[derive(Debug, Clone, Default)]
pub struct SearchPrompt {
    /// Edited as every input line is (a cursor, ctrl-w, ctrl-u, …).
    pub input: TextInput,
}

impl SearchPrompt {
    /// Takes a key typed into the prompt and searches `pager` again;
    /// returns whether the prompt stays open.
    pub fn key<K: Copy>(&mut self, event: KeyEvent, pager: &mut Pager<K>) -> bool {
        match event.code {
            KeyCode::Enter => return false,
            KeyCode::Esc => {
                pager.clear_search();
                return false;
            }
            _ => {
                if self.input.handle(&event) == Some(true) {
                    pager.search(self.input.text());
                }
            }
        }
        true
    }

    /// Draws the prompt over the footer, the screen's last line.
    pub fn render<K: Copy>(&self, frame: &mut Frame, area: Rect, theme: &Theme, pager: &Pager<K>) {
        let Some(line) = area.rows().next_back() else {
            return;
        };
        let found = match pager.matches() {
            Some((_, 0)) => Span::styled("  no match", theme.error),
            Some((0, of)) => Span::styled(format!("  {of} found"), theme.accent),
            Some((at, of)) => Span::styled(format!("  {at}/{of}"), theme.accent),
            None => Span::raw(""),
        };
        let room = usize::from(line.width).saturating_sub(3);
        let mut spans = vec![Span::styled(" / ", theme.key)];
        spans.extend(self.input.spans(room, Style::default(), Some(theme.accent)));
        spans.push(found);
        spans.push(Span::styled(
            "   enter keep · esc clear · n/N next/previous",
            theme.muted,
        ));
        frame.render_widget(Clear, line);
        frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.bar), line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pager(lines: &[&str], width: usize, page: usize) -> Pager<()> {
        let mut p = Pager::new();
        p.set_lines(lines.iter().map(|l| ((), (*l).to_owned())).collect());
        p.layout(width, page);
        p
    }

    /// The rows on screen as text, matches in [brackets], the current one
    /// in <angles>.
    fn shown(p: &Pager<()>) -> Vec<String> {
        let plain = Style::default();
        let matched = Style::default().bold();
        let current = Style::default().italic();
        p.render(|_| plain, matched, current)
            .into_iter()
            .map(|line| {
                line.spans
                    .iter()
                    .map(|s| match s.style {
                        x if x == matched => format!("[{}]", s.content),
                        x if x == current => format!("<{}>", s.content),
                        _ => s.content.to_string(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn long_lines_wrap_or_are_cut_and_the_top_line_stays() {
        let mut p = pager(&["a", "0123456789abcdef", "z"], 10, 2);
        assert_eq!(shown(&p), ["a", "0123456789"]);
        p.scroll_by(2);
        assert_eq!(shown(&p), ["abcdef", "z"]);
        p.toggle_wrap();
        assert_eq!(shown(&p), ["012345678…", "z"], "the line on top stays, cut");
        p.toggle_wrap();
        assert_eq!(p.row_count(), 4);
    }

    #[test]
    fn search_highlights_and_steps_round_the_ends() {
        let mut p = pager(&["error one", "fine", "Error two error"], 40, 2);
        p.search("error");
        assert_eq!(p.matches(), Some((1, 3)));
        assert_eq!(shown(&p), ["<error> one", "fine"]);
        p.step_match(true);
        p.step_match(true);
        assert_eq!(p.matches(), Some((3, 3)));
        assert_eq!(
            shown(&p),
            ["fine", "[Error] two <error>"],
            "it scrolls to it"
        );
        p.step_match(true);
        assert_eq!(p.matches(), Some((1, 3)), "round the end");
        p.step_match(false);
        assert_eq!(p.matches(), Some((3, 3)), "and back");
        p.search("Error");
        assert_eq!(p.matches(), Some((1, 1)), "a capital: case matters");
        p.search("nothing");
        assert_eq!(p.matches(), Some((0, 0)));
        p.clear_search();
        assert_eq!(p.matches(), None);
    }

    #[test]
    fn a_match_split_by_the_wrap_is_found_and_cut_lines_say_so() {
        let mut p = pager(&["xxxxxxxneedle", "short"], 10, 5);
        p.search("needle");
        assert_eq!(shown(&p), ["xxxxxxx<nee>", "<dle>", "short"]);
        p.toggle_wrap();
        assert_eq!(shown(&p), ["xxxxxxx<ne>…", "short"]);
    }

    #[test]
    fn the_tail_is_followed_as_lines_arrive() {
        let mut p = pager(&["1", "2", "3"], 10, 2);
        p.bottom();
        assert_eq!(shown(&p), ["2", "3"]);
        p.set_lines((1..=5).map(|i| ((), i.to_string())).collect());
        assert_eq!(shown(&p), ["4", "5"]);
        p.scroll_by(-1);
        p.set_lines((1..=7).map(|i| ((), i.to_string())).collect());
        assert_eq!(shown(&p), ["3", "4"], "scrolled away: it stays put");
    }
}
