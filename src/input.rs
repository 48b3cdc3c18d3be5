//! One text field with a cursor, edited as in a shell. Every line the
//! console lets you type into — the `/` filter, the `:` palette, each
//! form's fields — is a [`TextInput`], and [`Edit::from_key`] is the one
//! place editing keys are mapped.
//!
//! We keep our own small model rather than `tui-input`: a shell's `ctrl-u`
//! deletes to the start of the line (tui-input's deletes the whole line),
//! and a StringList field of the send form holds several lines.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use unicode_width::UnicodeWidthChar;

/// What an editing key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Insert(char),
    Left,
    Right,
    /// To the start of the word before the cursor (`ctrl-←`, `alt-b`).
    WordLeft,
    /// To the end of the word after the cursor (`ctrl-→`, `alt-f`).
    WordRight,
    /// To the start of the line (`home`, `ctrl-a`).
    Home,
    /// To the end of the line (`end`, `ctrl-e`).
    End,
    Backspace,
    Delete,
    /// `ctrl-u`: everything before the cursor on its line.
    DeleteToStart,
    /// `ctrl-k`: everything after the cursor on its line.
    DeleteToEnd,
    /// `ctrl-w`: back to the whitespace before the cursor.
    DeleteWordBefore,
}

impl Edit {
    /// The edit a key makes in a text field, if it is an editing key.
    /// A field that gives `ctrl-a` a meaning of its own (the palette)
    /// takes it before asking here.
    pub fn from_key(event: &KeyEvent) -> Option<Edit> {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let alt = event.modifiers.contains(KeyModifiers::ALT);
        Some(match event.code {
            // AltGr arrives as ctrl-alt on some terminals: `@` on a German
            // keyboard is typed, not a command.
            KeyCode::Char(c) if ctrl && alt => Edit::Insert(c),
            KeyCode::Left if ctrl || alt => Edit::WordLeft,
            KeyCode::Right if ctrl || alt => Edit::WordRight,
            KeyCode::Left => Edit::Left,
            KeyCode::Right => Edit::Right,
            KeyCode::Home => Edit::Home,
            KeyCode::End => Edit::End,
            KeyCode::Backspace if ctrl || alt => Edit::DeleteWordBefore,
            KeyCode::Backspace => Edit::Backspace,
            KeyCode::Delete => Edit::Delete,
            KeyCode::Char(c) if ctrl => match c {
                'a' => Edit::Home,
                'e' => Edit::End,
                'u' => Edit::DeleteToStart,
                'k' => Edit::DeleteToEnd,
                'w' => Edit::DeleteWordBefore,
                _ => return None,
            },
            KeyCode::Char(c) if alt => match c {
                'b' => Edit::WordLeft,
                'f' => Edit::WordRight,
                _ => return None,
            },
            KeyCode::Char(c) => Edit::Insert(c),
            _ => return None,
        })
    }
}

/// Text being typed and where the cursor is in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    /// A byte offset on a char boundary.
    cursor: usize,
    /// The user has changed the text: a form shows what is wrong with a
    /// field only from then on (or once a save is tried).
    touched: bool,
}

impl TextInput {
    /// `text` with the cursor at its end, as typed so far by nobody.
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        Self {
            cursor: text.len(),
            text,
            touched: false,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// [`TextInput::text`], named as `String`'s.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The cursor's byte offset into [`TextInput::text`].
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn touched(&self) -> bool {
        self.touched
    }

    /// Replaces the text (a completion, a choice), cursor at the end.
    pub fn set(&mut self, text: impl Into<String>) {
        self.text = text.into();
        self.cursor = self.text.len();
    }

    /// The key's edit, if it is an editing key: `Some(true)` when the text
    /// changed, `Some(false)` when only the cursor moved (or nothing did).
    pub fn handle(&mut self, event: &KeyEvent) -> Option<bool> {
        Edit::from_key(event).map(|edit| self.apply(edit))
    }

    /// Makes `edit`; whether the text changed.
    pub fn apply(&mut self, edit: Edit) -> bool {
        let at = self.cursor;
        match edit {
            Edit::Insert(c) => {
                self.text.insert(at, c);
                self.cursor += c.len_utf8();
                self.touched = true;
                return true;
            }
            Edit::Left => self.cursor = self.prev(at),
            Edit::Right => self.cursor = self.next(at),
            Edit::WordLeft => self.cursor = self.word_start(at, char::is_alphanumeric),
            Edit::WordRight => self.cursor = self.word_end(at),
            Edit::Home => self.cursor = self.line_start(at),
            Edit::End => self.cursor = self.line_end(at),
            Edit::Backspace => return self.delete(self.prev(at)..at),
            Edit::Delete => return self.delete(at..self.next(at)),
            Edit::DeleteToStart => return self.delete(self.line_start(at)..at),
            Edit::DeleteToEnd => return self.delete(at..self.line_end(at)),
            Edit::DeleteWordBefore => {
                // A line break goes alone: the word before it is another line's.
                let start = if self.text[..at].ends_with('\n') {
                    self.prev(at)
                } else {
                    self.word_start(at, |c| !c.is_whitespace())
                };
                return self.delete(start..at);
            }
        }
        false
    }

    fn delete(&mut self, range: std::ops::Range<usize>) -> bool {
        if range.is_empty() {
            return false;
        }
        self.cursor = range.start;
        self.text.replace_range(range, "");
        self.touched = true;
        true
    }

    fn prev(&self, at: usize) -> usize {
        self.text[..at].char_indices().last().map_or(0, |(i, _)| i)
    }

    fn next(&self, at: usize) -> usize {
        self.text[at..]
            .chars()
            .next()
            .map_or(at, |c| at + c.len_utf8())
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    fn line_end(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i)
    }

    /// The start of the word before `at`: past what is not `in_word`, then
    /// past what is, stopping at the line's start.
    fn word_start(&self, at: usize, in_word: fn(char) -> bool) -> usize {
        let stop = self.line_start(at);
        let before = &self.text[stop..at];
        let mut chars = before.char_indices().rev().peekable();
        while chars.next_if(|&(_, c)| !in_word(c)).is_some() {}
        let mut start = at;
        for (i, c) in chars {
            if !in_word(c) {
                break;
            }
            start = stop + i;
        }
        // Only separators before the cursor: go to the line's start.
        if start == at { stop } else { start }
    }

    /// The end of the word after `at`, as readline's `forward-word`.
    fn word_end(&self, at: usize) -> usize {
        let end = self.line_end(at);
        let after = &self.text[at..end];
        let mut seen_word = false;
        for (i, c) in after.char_indices() {
            if c.is_alphanumeric() {
                seen_word = true;
            } else if seen_word {
                return at + i;
            }
        }
        end
    }

    /// The field's lines, each with the cursor's byte offset in it if the
    /// cursor is on that line.
    pub fn cursor_lines(&self) -> impl Iterator<Item = (&str, Option<usize>)> {
        let mut start = 0;
        self.text.split('\n').map(move |line| {
            let end = start + line.len();
            let cursor = (start..=end)
                .contains(&self.cursor)
                .then(|| self.cursor - start);
            start = end + 1;
            (line, cursor)
        })
    }

    /// The field drawn in `width` columns: the text in `style` and, if
    /// `cursor` is given (the field has focus), the cursor in it.
    pub fn spans(&self, width: usize, style: Style, cursor: Option<Style>) -> Vec<Span<'static>> {
        line_spans(
            &self.text,
            cursor.map(|s| (self.cursor, s)),
            width,
            style,
            false,
        )
    }
}

impl std::ops::Deref for TextInput {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl From<&str> for TextInput {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for TextInput {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl PartialEq<str> for TextInput {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for TextInput {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl PartialEq<String> for TextInput {
    fn eq(&self, other: &String) -> bool {
        self.text == *other
    }
}

impl std::fmt::Display for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// One line of a field in `width` columns: `line` in `style` (each char a
/// `•` if `mask`), with the cursor at byte `cursor.0` drawn in `cursor.1`
/// reversed — a `█` after the text. A line too long to fit shows the part
/// around the cursor, with `…` where it is cut.
pub fn line_spans(
    line: &str,
    cursor: Option<(usize, Style)>,
    width: usize,
    style: Style,
    mask: bool,
) -> Vec<Span<'static>> {
    // Cells: (what is drawn, its width, whether the cursor is on it).
    let mut cells: Vec<(char, usize, bool)> = line
        .char_indices()
        .map(|(i, c)| {
            let c = if mask { '•' } else { c };
            let w = c.width().unwrap_or(0);
            (c, w, cursor.is_some_and(|(at, _)| at == i))
        })
        .collect();
    if cursor.is_some_and(|(at, _)| at >= line.len()) {
        cells.push(('█', 1, true));
    }
    let (start, end) = window(&cells, width);
    let mut spans = Vec::new();
    if start > 0 {
        spans.push(Span::styled("…", style));
    }
    let mut run = String::new();
    for &(c, _, on) in &cells[start..end] {
        if !on {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        let cursor_style = cursor.map_or(style, |(_, s)| s);
        spans.push(if c == '█' {
            Span::styled("█", cursor_style)
        } else {
            Span::styled(c.to_string(), cursor_style.add_modifier(Modifier::REVERSED))
        });
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, style));
    }
    if end < cells.len() {
        spans.push(Span::styled("…", style));
    }
    spans
}

/// The cells `[start, end)` to draw in `width` columns: all that fit from
/// the left, or, if that would leave the cursor out, the cells before it.
/// A cut side takes a column for its `…`.
fn window(cells: &[(char, usize, bool)], width: usize) -> (usize, usize) {
    let total: usize = cells.iter().map(|c| c.1).sum();
    if total <= width {
        return (0, cells.len());
    }
    let cursor = cells.iter().position(|c| c.2).unwrap_or(0);
    let fill_right = |start: usize, room: usize| {
        let mut used = 0;
        let mut end = start;
        while end < cells.len() && used + cells[end].1 <= room {
            used += cells[end].1;
            end += 1;
        }
        end
    };
    let end = fill_right(0, width.saturating_sub(1));
    if cursor < end {
        return (0, end);
    }
    // The cursor at the right edge; a `…` on the left, and on the right
    // when text follows.
    let end = cursor + 1;
    let room = width.saturating_sub(1 + usize::from(end < cells.len()));
    let mut used = 0;
    let mut start = end;
    while start > 0 && used + cells[start - 1].1 <= room {
        used += cells[start - 1].1;
        start -= 1;
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` with the cursor where `|` is.
    fn at(text: &str) -> TextInput {
        let cursor = text.find('|').expect("a | for the cursor");
        TextInput {
            text: text.replace('|', ""),
            cursor,
            touched: false,
        }
    }

    /// The field as text, with `|` at the cursor.
    fn shown(input: &TextInput) -> String {
        let mut s = input.text.clone();
        s.insert(input.cursor, '|');
        s
    }

    fn after(text: &str, edits: &[Edit]) -> String {
        let mut input = at(text);
        for &e in edits {
            input.apply(e);
        }
        shown(&input)
    }

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn typing_inserts_at_the_cursor() {
        assert_eq!(after("ab|cd", &[Edit::Insert('X')]), "abX|cd");
        assert_eq!(after("|", &[Edit::Insert('é'), Edit::Insert('z')]), "éz|");
    }

    #[test]
    fn arrows_move_by_chars_and_stop_at_the_ends() {
        assert_eq!(after("aé|b", &[Edit::Left]), "a|éb");
        assert_eq!(after("a|éb", &[Edit::Right]), "aé|b");
        assert_eq!(after("|ab", &[Edit::Left]), "|ab");
        assert_eq!(after("ab|", &[Edit::Right]), "ab|");
    }

    #[test]
    fn home_and_end_go_to_the_ends_of_the_line() {
        assert_eq!(after("ab|cd", &[Edit::Home]), "|abcd");
        assert_eq!(after("ab|cd", &[Edit::End]), "abcd|");
        assert_eq!(after("one\ntw|o\nthree", &[Edit::Home]), "one\n|two\nthree");
        assert_eq!(after("one\ntw|o\nthree", &[Edit::End]), "one\ntwo|\nthree");
    }

    #[test]
    fn word_jumps_stop_at_word_edges() {
        assert_eq!(after("/app/db/host|", &[Edit::WordLeft]), "/app/db/|host");
        assert_eq!(
            after("/app/db/host|", &[Edit::WordLeft, Edit::WordLeft]),
            "/app/|db/host"
        );
        assert_eq!(after("|tag:Role=web", &[Edit::WordRight]), "tag|:Role=web");
        assert_eq!(
            after("tag|:Role=web", &[Edit::WordRight, Edit::WordRight]),
            "tag:Role=web|"
        );
        assert_eq!(after("  |x", &[Edit::WordLeft]), "|  x");
    }

    #[test]
    fn backspace_and_delete_take_one_char_at_the_cursor() {
        assert_eq!(after("aé|b", &[Edit::Backspace]), "a|b");
        assert_eq!(after("a|éb", &[Edit::Delete]), "a|b");
        assert_eq!(after("|ab", &[Edit::Backspace]), "|ab");
        assert_eq!(after("ab|", &[Edit::Delete]), "ab|");
    }

    #[test]
    fn ctrl_u_and_ctrl_k_cut_to_the_ends_of_the_line() {
        assert_eq!(after("ab|cd", &[Edit::DeleteToStart]), "|cd");
        assert_eq!(after("ab|cd", &[Edit::DeleteToEnd]), "ab|");
        assert_eq!(after("x\nab|cd", &[Edit::DeleteToStart]), "x\n|cd");
        assert_eq!(after("ab|cd\ny", &[Edit::DeleteToEnd]), "ab|\ny");
    }

    #[test]
    fn ctrl_w_deletes_back_to_whitespace() {
        assert_eq!(
            after("Role=db env=prod|", &[Edit::DeleteWordBefore]),
            "Role=db |"
        );
        assert_eq!(after("Role=db   |x", &[Edit::DeleteWordBefore]), "|x");
        assert_eq!(after("a\n|b", &[Edit::DeleteWordBefore]), "a|b");
    }

    #[test]
    fn keys_map_to_edits_as_in_a_shell() {
        let none = KeyModifiers::NONE;
        let ctrl = KeyModifiers::CONTROL;
        let alt = KeyModifiers::ALT;
        let cases = [
            (key(KeyCode::Char('x'), none), Some(Edit::Insert('x'))),
            (
                key(KeyCode::Char('X'), KeyModifiers::SHIFT),
                Some(Edit::Insert('X')),
            ),
            (key(KeyCode::Left, none), Some(Edit::Left)),
            (key(KeyCode::Right, none), Some(Edit::Right)),
            (key(KeyCode::Left, ctrl), Some(Edit::WordLeft)),
            (key(KeyCode::Right, ctrl), Some(Edit::WordRight)),
            (key(KeyCode::Char('b'), alt), Some(Edit::WordLeft)),
            (key(KeyCode::Char('f'), alt), Some(Edit::WordRight)),
            (key(KeyCode::Home, none), Some(Edit::Home)),
            (key(KeyCode::End, none), Some(Edit::End)),
            (key(KeyCode::Char('a'), ctrl), Some(Edit::Home)),
            (key(KeyCode::Char('e'), ctrl), Some(Edit::End)),
            (key(KeyCode::Backspace, none), Some(Edit::Backspace)),
            (key(KeyCode::Delete, none), Some(Edit::Delete)),
            (key(KeyCode::Char('u'), ctrl), Some(Edit::DeleteToStart)),
            (key(KeyCode::Char('k'), ctrl), Some(Edit::DeleteToEnd)),
            (key(KeyCode::Char('w'), ctrl), Some(Edit::DeleteWordBefore)),
            (key(KeyCode::Char('s'), ctrl), None),
            (key(KeyCode::Char('@'), ctrl | alt), Some(Edit::Insert('@'))),
            (key(KeyCode::Enter, none), None),
            (key(KeyCode::Tab, none), None),
        ];
        for (event, edit) in cases {
            assert_eq!(Edit::from_key(&event), edit, "{event:?}");
        }
    }

    #[test]
    fn a_field_is_touched_once_its_text_changes() {
        let mut input = TextInput::new("abc");
        assert_eq!(input.cursor(), 3, "a new field's cursor is at its end");
        input.apply(Edit::Left);
        input.apply(Edit::Delete);
        assert!(input.touched());
        let mut moved = TextInput::new("abc");
        moved.apply(Edit::Home);
        assert!(!moved.touched(), "moving the cursor changes nothing");
    }

    #[test]
    fn a_list_field_puts_the_cursor_on_its_line() {
        let list = at("uname -a\nup|time");
        let lines: Vec<_> = list.cursor_lines().collect();
        assert_eq!(lines, [("uname -a", None), ("uptime", Some(2))]);
        let fresh = at("one\n|");
        let lines: Vec<_> = fresh.cursor_lines().collect();
        assert_eq!(lines, [("one", None), ("", Some(0))]);
    }

    fn drawn(spans: &[Span]) -> String {
        spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn the_cursor_is_a_reversed_cell_or_a_block_after_the_text() {
        let style = Style::default();
        let mid = line_spans("abc", Some((1, style)), 20, style, false);
        assert_eq!(drawn(&mid), "abc");
        assert!(mid[1].style.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(mid[1].content, "b");
        let end = line_spans("abc", Some((3, style)), 20, style, false);
        assert_eq!(drawn(&end), "abc█");
        let secret = line_spans("hunter2", Some((7, style)), 20, style, true);
        assert_eq!(drawn(&secret), "•••••••█");
    }

    #[test]
    fn a_long_line_shows_the_part_around_the_cursor() {
        let style = Style::default();
        let text = "0123456789abcdefghij";
        assert_eq!(
            drawn(&line_spans(text, Some((2, style)), 10, style, false)),
            "012345678…"
        );
        assert_eq!(
            drawn(&line_spans(text, Some((20, style)), 10, style, false)),
            "…cdefghij█"
        );
        let middle = drawn(&line_spans(text, Some((15, style)), 10, style, false));
        assert_eq!(middle, "…89abcdef…");
        // Wide characters count as two columns.
        let wide = drawn(&line_spans(
            "日本語テキスト",
            Some((0, style)),
            6,
            style,
            false,
        ));
        assert_eq!(wide, "日本…");
    }
}
