//! One node's whole output of a command: standard output, then standard
//! error, fetched a page at a time (Sysman.GetCommandOutput) as the reader
//! scrolls towards what is not loaded yet.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use sysman_api::Timestamp;

use super::{InvRow, duration, timing};
use crate::pager::Pager;
use crate::theme::Theme;

/// Characters asked for per page.
pub const PAGE_CHARS: i64 = 65_536;

/// Which stream a page is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn wire(self) -> &'static str {
        match self {
            Stream::Stdout => "Stdout",
            Stream::Stderr => "Stderr",
        }
    }
}

/// What has been read of one stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamText {
    pub text: String,
    /// Characters read so far: the offset of the next page.
    pub loaded: i64,
    pub total: i64,
    /// Everything there was, as of the last read.
    pub complete: bool,
    /// Read at least once.
    pub fetched: bool,
}

/// How a display line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Out,
    Err,
    /// The rule between the streams, or a note.
    Rule,
}

#[derive(Debug, Clone)]
pub struct OutputView {
    pub command_id: String,
    pub instance_id: String,
    pub stdout: StreamText,
    pub stderr: StreamText,
    /// The lines shown: scrolling, wrapping, searching, following.
    pub pager: Pager<LineKind>,
    /// The page fetch in flight.
    pub request: Option<u64>,
    /// The node's invocation moved on: what was complete may have grown.
    pub stale: bool,
    pub error: Option<String>,
    dirty: bool,
}

/// Makes a line safe and plain for the terminal: tabs become spaces,
/// a carriage return keeps what was drawn last (progress bars), and every
/// other control character shows in caret notation (`^[`), so output can
/// never drive the console's terminal.
pub fn clean_line(raw: &str) -> String {
    let raw = raw.rsplit('\r').find(|s| !s.is_empty()).unwrap_or_default();
    let mut out = String::with_capacity(raw.len());
    let mut column = 0;
    for c in raw.chars() {
        match c {
            '\t' => {
                let to = (column / 8 + 1) * 8;
                out.extend(std::iter::repeat_n(' ', to - column));
                column = to;
            }
            c if (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
                column += 2;
            }
            '\u{7f}' => {
                out.push_str("^?");
                column += 2;
            }
            c if ('\u{80}'..='\u{9f}').contains(&c) => {
                out.push_str(&format!("<U+{:04X}>", c as u32));
                column += 8;
            }
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

impl OutputView {
    /// The view of another node's output of the same command, wrapped and
    /// searched as this one is.
    pub fn for_node(&self, instance_id: String) -> Self {
        let mut view = Self::new(self.command_id.clone(), instance_id);
        view.pager.wrap = self.pager.wrap;
        view.pager.search(self.pager.term());
        view
    }

    pub fn new(command_id: String, instance_id: String) -> Self {
        Self {
            command_id,
            instance_id,
            stdout: StreamText::default(),
            stderr: StreamText::default(),
            pager: Pager::new(),
            request: None,
            stale: false,
            error: None,
            dirty: true,
        }
    }

    /// The lines, as of the last [`OutputView::layout`].
    pub fn lines(&self) -> &[(LineKind, String)] {
        self.pager.lines()
    }

    /// A page arrived.
    pub fn append(&mut self, stream: Stream, content: &str, next: Option<i64>, total: i64) {
        let s = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        s.text.push_str(content);
        s.loaded += content.chars().count() as i64;
        s.total = total;
        s.complete = next.is_none();
        s.fetched = true;
        self.dirty = true;
    }

    /// The invocation moved on: read on from where reading stopped.
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    /// Rebuilds the lines if the text changed, and lays them out for
    /// `width` columns and `page` rows.
    pub fn layout(&mut self, width: usize, page: usize) {
        if self.dirty {
            self.dirty = false;
            let mut lines = Vec::new();
            let body = |text: &str, kind, lines: &mut Vec<_>| {
                // A final newline ends the last line; it does not start one.
                let text = text.strip_suffix('\n').unwrap_or(text);
                for raw in text.split('\n') {
                    lines.push((kind, clean_line(raw)));
                }
            };
            if !self.stdout.text.is_empty() {
                body(&self.stdout.text, LineKind::Out, &mut lines);
            }
            if !self.stdout.complete && self.stdout.fetched {
                lines.push((
                    LineKind::Rule,
                    format!(
                        "… {} more characters of output; scroll on to read them",
                        self.stdout.total - self.stdout.loaded
                    ),
                ));
            }
            if !self.stderr.text.is_empty() {
                lines.push((LineKind::Rule, "──── standard error ────".to_owned()));
                body(&self.stderr.text, LineKind::Err, &mut lines);
                if !self.stderr.complete {
                    lines.push((LineKind::Rule, "… more standard error".to_owned()));
                }
            }
            self.pager.set_lines(lines);
        }
        self.pager.layout(width, page);
    }

    /// Whether the next page is wanted: the reader is within two screens
    /// of the end of what is loaded, follows the end (`G`), or searches
    /// (a search counts its matches in the whole output).
    fn near_end(&self) -> bool {
        self.pager.near_end() || !self.pager.term().is_empty()
    }

    /// The next page worth reading, if any: standard output first, then
    /// standard error; beyond the first page only as the reader nears it.
    pub fn next_fetch(&mut self) -> Option<(Stream, i64)> {
        if self.request.is_some() || self.error.is_some() {
            return None;
        }
        if self.stale {
            self.stale = false;
            if self.stdout.fetched {
                self.stdout.complete = false;
            }
            if self.stderr.fetched {
                self.stderr.complete = false;
            }
        }
        let out = &self.stdout;
        if !out.complete && (!out.fetched || self.near_end()) {
            return Some((Stream::Stdout, out.loaded));
        }
        let err = &self.stderr;
        if out.complete && !err.complete && (!err.fetched || self.near_end()) {
            return Some((Stream::Stderr, err.loaded));
        }
        None
    }

    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        now: Timestamp,
        row: Option<&InvRow>,
    ) {
        let name = row
            .and_then(|r| r.inv.instance_name.clone())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let pager = &self.pager;
        let rows = pager.row_count();
        let end = (pager.scroll + pager.page).min(rows);
        let mut position = String::from(" ");
        if let Some(search) = pager.search_status() {
            position.push_str(&format!("{search} · "));
        }
        if !pager.wrap {
            position.push_str("no wrap · ");
        }
        if rows > 0 {
            position.push_str(&format!(
                "lines {}–{end} of {}{} ",
                pager.scroll + 1,
                rows,
                if self.stdout.complete && self.stderr.complete {
                    ""
                } else {
                    "+"
                }
            ));
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(
                format!(" Output — {}{name} ", self.instance_id),
                theme.title,
            ))
            .title_bottom(Line::styled(position, theme.muted).right_aligned())
            .style(theme.text);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [head, _, body] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        let label = |text: &str| Span::styled(format!("{text} "), theme.muted);
        let mut spans = Vec::new();
        if let Some(row) = row {
            let t = timing(&row.inv);
            spans.push(label("Status"));
            spans.push(Span::styled(
                row.inv.status.as_str().to_owned(),
                row.shown.style(theme),
            ));
            if row.inv.status_details != row.inv.status.as_str() {
                spans.push(Span::styled(
                    format!(" ({})", row.inv.status_details),
                    theme.muted,
                ));
            }
            spans.push(Span::raw("   "));
            spans.push(label("Exit"));
            let code = t.code.map_or("—".to_owned(), |c| c.to_string());
            let code_style = if t.code.is_some_and(|c| c != 0) {
                theme.error
            } else {
                Style::default()
            };
            spans.push(Span::styled(code, code_style));
            if let Some(started) = t.started {
                spans.push(Span::raw("   "));
                spans.push(label("Started"));
                spans.push(Span::raw(started.iso8601()));
                spans.push(Span::raw("   "));
                match t.finished {
                    Some(f) => {
                        spans.push(label("Took"));
                        spans.push(Span::raw(duration(f.millis_since(started))));
                    }
                    None => {
                        spans.push(label("Running"));
                        spans.push(Span::raw(duration(now.millis_since(started))));
                    }
                }
            }
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), head);
        if let Some(error) = &self.error {
            frame.render_widget(Paragraph::new(error.clone()).style(theme.error), body);
            return;
        }
        if rows == 0 {
            let text = if self.stdout.fetched && self.stderr.fetched {
                "No output."
            } else {
                "Loading output…"
            };
            frame.render_widget(Paragraph::new(text).style(theme.muted), body);
            return;
        }
        let lines = pager.render(
            |kind| match kind {
                LineKind::Out => Style::default(),
                LineKind::Err => theme.warn,
                LineKind::Rule => theme.muted,
            },
            theme.matched,
            theme.selection,
        );
        frame.render_widget(Paragraph::new(lines), body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_never_reach_the_terminal() {
        assert_eq!(clean_line("\x1b[31mred\x1b[0m"), "^[[31mred^[[0m");
        assert_eq!(clean_line("a\tb"), "a       b");
        assert_eq!(clean_line("10%\r50%\r100%"), "100%");
        assert_eq!(clean_line("bell\x07"), "bell^G");
        assert_eq!(clean_line("\u{9b}x"), "<U+009B>x");
    }

    #[test]
    fn pages_are_read_as_the_reader_nears_them() {
        let mut v = OutputView::new("c".into(), "mi-1".into());
        assert_eq!(v.next_fetch(), Some((Stream::Stdout, 0)));
        v.request = Some(1);
        assert_eq!(v.next_fetch(), None, "one page at a time");
        v.request = None;
        let page: String = (0..2000).map(|i| format!("line {i}\n")).collect();
        v.append(Stream::Stdout, &page, Some(20_000), 40_000);
        v.layout(80, 20);
        assert_eq!(v.next_fetch(), None, "far from the end of what is loaded");
        v.pager.scroll_by(1990);
        assert_eq!(
            v.next_fetch(),
            Some((Stream::Stdout, page.chars().count() as i64))
        );
        v.append(Stream::Stdout, "last\n", None, 40_000);
        v.layout(80, 20);
        assert_eq!(v.next_fetch(), Some((Stream::Stderr, 0)));
        v.append(Stream::Stderr, "warning\n", None, 8);
        v.layout(80, 20);
        assert_eq!(v.next_fetch(), None);
        assert_eq!(v.lines().last().unwrap().1, "warning");
        // G reads to the very end and stays there.
        v.pager.top();
        v.pager.bottom();
        v.layout(80, 20);
        assert_eq!(v.pager.scroll, v.pager.max_scroll());
        // The node wrote more: read on from where reading stopped.
        v.mark_stale();
        assert!(matches!(v.next_fetch(), Some((Stream::Stdout, n)) if n > 0));
    }

    #[test]
    fn long_lines_wrap_to_the_width() {
        let mut v = OutputView::new("c".into(), "mi-1".into());
        v.append(Stream::Stdout, &"x".repeat(25), None, 25);
        v.append(Stream::Stderr, "", None, 0);
        v.layout(10, 5);
        let plain = Style::default();
        let rows = v.pager.render(|_| plain, plain, plain);
        let lens: Vec<usize> = rows.iter().map(Line::width).collect();
        assert_eq!(lens, [10, 10, 5]);
    }
}
