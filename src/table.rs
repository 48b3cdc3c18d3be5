//! The state of a filtered, sorted table that renders only what is visible.
//!
//! It holds *indices* into the pane's rows, recomputed only when the data,
//! the filter or the sort changes, and keeps the selection on the same item
//! (by key) across recomputes.

use std::cmp::Ordering;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Row, Table};

use crate::filter::{Arranged, Query};
use crate::theme::Theme;

#[derive(Debug)]
pub struct TableView {
    /// Indices of the rows that pass the filter, best match first, then
    /// in sort order.
    pub order: Vec<usize>,
    /// How many rows the filter looked at: the "500" of "12 of 500".
    pub considered: usize,
    /// Position of the selected row in `order`.
    pub selected: usize,
    /// Position in `order` of the first row drawn.
    pub offset: usize,
    pub sort_column: usize,
    pub ascending: bool,
    pub filter: Query,
    /// Rows that fit on screen, as of the last layout.
    pub page: usize,
    /// The data, the filter or the sort changed: `order` must be recomputed.
    pub dirty: bool,
    /// The key of the highlighted item, taken before the pane replaced its
    /// rows: row indices then name other items, so the next order finds
    /// this one by its key.
    held: Option<String>,
    /// The filter or the sort changed since the last order.
    reordered: bool,
    /// The columns' titles: what a shift-letter sorts by.
    titles: Vec<&'static str>,
    /// `ctrl-w`: the wide columns show however narrow the terminal.
    pub wide: bool,
}

impl TableView {
    pub fn new(titles: &[&'static str]) -> Self {
        Self {
            order: Vec::new(),
            considered: 0,
            selected: 0,
            offset: 0,
            sort_column: 0,
            ascending: true,
            filter: Query::parse(""),
            page: 20,
            dirty: false,
            held: None,
            reordered: false,
            titles: titles.to_vec(),
            wide: false,
        }
    }

    /// Index of the selected row in the pane's data, if any.
    pub fn selected_row(&self) -> Option<usize> {
        self.order.get(self.selected).copied()
    }

    /// Before the pane replaces its rows: `key` names the highlighted
    /// item, so that [`TableView::kept_row`] finds it among the new rows.
    /// `key` is `selected()`'s key, read before the rows change.
    pub fn hold(&mut self, key: Option<String>) {
        // A second replacement before the order was rebuilt: the first
        // one's key still names what the user saw highlighted.
        if self.held.is_none() {
            self.held = key;
        }
        self.dirty = true;
    }

    /// The next order starts with the cursor on its first row, wherever
    /// it was: a jump to a pane with a filter (`:fleet web`) means its
    /// best match.
    pub fn from_the_top(&mut self) {
        self.held = None;
        self.selected = 0;
        self.offset = 0;
        self.order.clear();
        self.reordered = true;
        self.dirty = true;
    }

    /// The row (in the pane's data) to keep highlighted in the next
    /// order: the held item, found with `find`, if the rows were
    /// replaced; otherwise the highlighted row.
    pub fn kept_row(&mut self, find: impl FnOnce(&str) -> Option<usize>) -> Option<usize> {
        match self.held.take() {
            Some(key) => find(&key),
            None => self.selected_row(),
        }
    }

    /// Replaces the order, keeping the cursor on `keep` if it is still
    /// shown. If it is not, a filter or sort change puts the cursor on the
    /// first row; a change in the data leaves it as close to where it was
    /// as it can.
    pub fn set_order(&mut self, order: impl Into<Arranged>, keep: Option<usize>) {
        let Arranged {
            rows: order,
            considered,
        } = order.into();
        self.considered = considered;
        let position = keep.and_then(|row| order.iter().position(|r| *r == row));
        let fallback = if std::mem::take(&mut self.reordered) {
            0
        } else {
            self.selected
        };
        self.order = order;
        self.selected = position
            .unwrap_or(fallback)
            .min(self.order.len().saturating_sub(1));
        self.scroll_into_view();
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.order.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_into_view();
    }

    pub fn top(&mut self) {
        self.selected = 0;
        self.scroll_into_view();
    }

    pub fn bottom(&mut self) {
        self.selected = self.order.len().saturating_sub(1);
        self.scroll_into_view();
    }

    pub fn set_page(&mut self, rows: usize) {
        self.page = rows.max(1);
        self.scroll_into_view();
    }

    /// Moves the window so the selection is on screen, scrolling as little
    /// as possible.
    fn scroll_into_view(&mut self) {
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + self.page {
            self.offset = self.selected + 1 - self.page;
        }
        let max_offset = self.order.len().saturating_sub(self.page);
        self.offset = self.offset.min(max_offset);
    }

    /// The visible slice of `order`.
    pub fn visible(&self) -> &[usize] {
        let end = (self.offset + self.page).min(self.order.len());
        &self.order[self.offset.min(end)..end]
    }

    pub fn set_filter(&mut self, text: &str) {
        if self.filter.text() != text {
            self.filter = Query::parse(text);
            self.dirty = true;
            self.reordered = true;
        }
    }

    fn columns(&self) -> usize {
        self.titles.len().max(1)
    }

    pub fn sort_next(&mut self) {
        self.sort_column = (self.sort_column + 1) % self.columns();
        self.dirty = true;
        self.reordered = true;
    }

    pub fn sort_prev(&mut self) {
        self.sort_column = (self.sort_column + self.columns() - 1) % self.columns();
        self.dirty = true;
        self.reordered = true;
    }

    /// A shift-letter, as in k9s: sorts by the column whose title starts
    /// with `letter`; the same letter again moves to the next such column,
    /// or reverses the order when there is only one. The column's title,
    /// or `None` when no column starts with it.
    pub fn sort_by_letter(&mut self, letter: char) -> Option<&'static str> {
        let starts = |title: &str| {
            title
                .chars()
                .next()
                .is_some_and(|c| c.eq_ignore_ascii_case(&letter))
        };
        let matching: Vec<usize> = (0..self.titles.len())
            .filter(|&c| starts(self.titles[c]))
            .collect();
        let first = *matching.first()?;
        match matching.iter().position(|&c| c == self.sort_column) {
            Some(_) if matching.len() == 1 => self.ascending = !self.ascending,
            Some(i) => {
                self.sort_column = matching[(i + 1) % matching.len()];
                self.ascending = true;
            }
            None => {
                self.sort_column = first;
                self.ascending = true;
            }
        }
        self.dirty = true;
        self.reordered = true;
        Some(self.titles[self.sort_column])
    }

    pub fn reverse(&mut self) {
        self.ascending = !self.ascending;
        self.dirty = true;
        self.reordered = true;
    }

    /// A column's heading, with an arrow on the sorted one.
    pub fn heading(&self, column: usize, title: &str) -> Line<'static> {
        let arrow = match (column == self.sort_column, self.ascending) {
            (true, true) => "▲",
            (true, false) => "▼",
            _ => "",
        };
        Line::from(format!("{title}{arrow}"))
    }

    /// Applies the direction to an ascending comparison.
    pub fn directed(&self, ordering: Ordering) -> Ordering {
        if self.ascending {
            ordering
        } else {
            ordering.reverse()
        }
    }
}

/// The columns (minimum width, priority; lower stays longer) that fit in
/// `width`, in table order: taken by priority until one does not fit, so a
/// narrow screen never shows a minor column without the major ones.
pub fn fit_columns(columns: &[(u16, u8)], width: u16) -> Vec<usize> {
    let mut by_priority: Vec<usize> = (0..columns.len()).collect();
    by_priority.sort_by_key(|&c| columns[c].1);
    let mut chosen = Vec::new();
    let mut used = 0u16;
    for c in by_priority {
        let need = columns[c].0 + u16::from(!chosen.is_empty());
        if used + need > width {
            break;
        }
        used += need;
        chosen.push(c);
    }
    chosen.sort_unstable();
    chosen
}

/// A column of a drawn table: its title, minimum width and priority (lower
/// stays longer on narrow terminals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
    pub priority: u8,
    /// Text too long is cut in the middle, keeping both ends: for ids
    /// whose start and end both tell rows apart (package and version).
    pub cut_middle: bool,
    /// Shown where there is room to spare, or always with `ctrl-w`.
    pub wide: bool,
}

impl Column {
    pub const fn new(title: &'static str, width: u16, priority: u8) -> Self {
        Self {
            title,
            width,
            priority,
            cut_middle: false,
            wide: false,
        }
    }

    /// The column's text, when too long, loses its middle.
    pub const fn cut_in_the_middle(self) -> Self {
        Self {
            cut_middle: true,
            ..self
        }
    }

    /// A column of the wide view: shown on wide terminals, or anywhere
    /// with `ctrl-w` (before the least important others).
    pub const fn wide(self) -> Self {
        Self { wide: true, ..self }
    }
}

/// Draws the visible rows of `view` inside `block`, with the columns that
/// fit. `cell(row, column)` gives a cell's text and its style when the row
/// is not the selected one; the selected row is highlighted when the table
/// has the focus, and merely marked when it has not.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    block: Block<'static>,
    view: &TableView,
    columns: &[Column],
    theme: &Theme,
    focused: bool,
    cell: impl Fn(usize, usize) -> (String, Style),
) {
    let room = block.inner(area).width;
    let shown = fit(columns, room, view.wide);
    let headings: Vec<Line> = shown
        .iter()
        .map(|&c| view.heading(c, columns[c].title))
        .collect();
    let cells: Vec<Vec<(String, Style)>> = view
        .visible()
        .iter()
        .map(|&r| shown.iter().map(|&c| cell(r, c)).collect())
        .collect();
    let content = content_widths(
        &headings,
        cells
            .iter()
            .map(|row| row.iter().map(|(text, _)| text.as_str())),
    );
    let widths = fit_widths(columns, &shown, &content, room);
    let header = Row::new(headings).style(theme.header);
    let rows = cells.into_iter().enumerate().map(|(i, row)| {
        let selected = view.offset + i == view.selected;
        let highlight = selected && focused;
        let cells = row.into_iter().zip(&widths).zip(&shown);
        Row::new(cells.map(|(((text, style), &width), &c)| {
            let width = usize::from(width);
            let text = if columns[c].cut_middle {
                crate::ui::fit_middle(&text, width)
            } else {
                crate::ui::fit(&text, width)
            };
            Line::styled(text, if highlight { Style::default() } else { style })
        }))
        .style(match (selected, focused) {
            (true, true) => theme.selection,
            (true, false) => theme.accent,
            _ => Style::default(),
        })
    });
    let constraints: Vec<Constraint> = widths.iter().copied().map(Constraint::Length).collect();
    frame.render_widget(
        Table::new(rows, constraints).header(header).block(block),
        area,
    );
}

/// The columns that fit in `room`; with `wide`, the wide columns come
/// right after the most important ones.
pub fn fit(columns: &[Column], room: u16, wide: bool) -> Vec<usize> {
    let fit: Vec<(u16, u8)> = columns
        .iter()
        .map(|c| (c.width, if wide && c.wide { 1 } else { c.priority }))
        .collect();
    fit_columns(&fit, room)
}

/// What each shown column's text needs on screen now: its heading and its
/// cells in `rows` (each row's cells in the order of `headings`).
pub fn content_widths<'a, R>(headings: &[Line], rows: impl Iterator<Item = R>) -> Vec<u16>
where
    R: Iterator<Item = &'a str>,
{
    let mut widths: Vec<usize> = headings.iter().map(Line::width).collect();
    for row in rows {
        for (width, text) in widths.iter_mut().zip(row) {
            *width = (*width).max(text.chars().count());
        }
    }
    widths
        .into_iter()
        .map(|w| u16::try_from(w).unwrap_or(u16::MAX))
        .collect()
}

/// Widths of the `shown` columns in `room`, fitted to their `content`:
/// each starts at its minimum; the spare room widens them towards what
/// their text needs, the most important first. A column never takes room
/// its text does not need while another's text is cut. What is left is
/// spread between the columns, as k9s spreads them, rather than padding
/// one of them out to half the screen.
pub fn fit_widths(columns: &[Column], shown: &[usize], content: &[u16], room: u16) -> Vec<u16> {
    let mut widths: Vec<u16> = shown.iter().map(|&c| columns[c].width).collect();
    let gaps = u16::try_from(shown.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let mut spare = room.saturating_sub(widths.iter().sum::<u16>() + gaps);
    let mut by_priority: Vec<usize> = (0..shown.len()).collect();
    by_priority.sort_by_key(|&i| columns[shown[i]].priority);
    for i in by_priority {
        let more = content[i].saturating_sub(widths[i]).min(spare);
        widths[i] += more;
        spare -= more;
    }
    // The last column needs no room after it.
    let spread = widths.len().saturating_sub(1).max(1);
    let each = spare / u16::try_from(spread).unwrap_or(u16::MAX);
    for width in widths.iter_mut().take(spread) {
        *width += each;
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spare_room_goes_to_text_that_would_be_cut_first() {
        let columns = [
            Column::new("PATCH", 10, 0),
            Column::new("TITLE", 8, 2),
            Column::new("SEVERITY", 9, 1),
        ];
        let shown = [0, 1, 2];
        // Room for everything: each gets its text, the rest is spread
        // between the columns but the last.
        assert_eq!(
            fit_widths(&columns, &shown, &[20, 16, 9], 60),
            vec![26, 22, 9]
        );
        // Not enough: PATCH (priority 0) widens first, TITLE gets the rest.
        assert_eq!(
            fit_widths(&columns, &shown, &[20, 16, 9], 44),
            vec![20, 13, 9]
        );
        // Less than the minimums: the minimums stand.
        assert_eq!(
            fit_widths(&columns, &shown, &[20, 16, 9], 20),
            vec![10, 8, 9]
        );
    }

    fn view(rows: usize, page: usize) -> TableView {
        let mut t = TableView::new(&["A", "B", "C"]);
        t.set_page(page);
        t.set_order((0..rows).collect::<Vec<_>>(), None);
        t
    }

    #[test]
    fn the_window_follows_the_selection() {
        let mut t = view(100, 10);
        t.move_by(9);
        assert_eq!((t.selected, t.offset), (9, 0));
        t.move_by(1);
        assert_eq!((t.selected, t.offset), (10, 1));
        t.bottom();
        assert_eq!((t.selected, t.offset), (99, 90));
        assert_eq!(t.visible(), (90..100).collect::<Vec<_>>());
        t.move_by(-95);
        assert_eq!((t.selected, t.offset), (4, 4));
        t.move_by(-100);
        assert_eq!((t.selected, t.offset), (0, 0));
    }

    #[test]
    fn a_new_order_keeps_the_selected_item() {
        let mut t = view(50, 10);
        t.move_by(30);
        let reversed: Vec<usize> = (0..50).rev().collect();
        t.set_order(reversed, Some(30));
        assert_eq!(t.selected_row(), Some(30));
        assert_eq!(t.selected, 19);
        t.set_order(vec![1, 2, 3], Some(30));
        assert_eq!(
            t.selected, 2,
            "a vanished item leaves the selection in range"
        );
    }

    #[test]
    fn a_filter_that_hides_the_highlighted_item_puts_the_cursor_on_the_first_row() {
        let mut t = view(50, 10);
        t.move_by(30);
        t.set_filter("x");
        t.set_order(vec![5, 6, 7, 30], Some(30));
        assert_eq!(t.selected_row(), Some(30), "still shown: it stays");
        t.set_filter("y");
        t.set_order(vec![5, 6, 7, 8], Some(30));
        assert_eq!(t.selected_row(), Some(5), "hidden: the first row");
    }

    #[test]
    fn replaced_rows_keep_the_item_by_its_key_not_its_index() {
        let names = ["a", "b", "c", "d"];
        let mut t = view(4, 10);
        t.move_by(2);
        t.hold(Some(names[t.selected_row().unwrap()].to_owned()));
        // The new rows hold "c" at index 0.
        let new = ["c", "a", "b", "d"];
        let keep = t.kept_row(|key| new.iter().position(|n| *n == key));
        assert_eq!(keep, Some(0));
        t.set_order(vec![1, 2, 0, 3], keep);
        assert_eq!(new[t.selected_row().unwrap()], "c");
    }

    #[test]
    fn an_empty_table_is_safe() {
        let mut t = view(0, 10);
        t.move_by(5);
        t.bottom();
        assert_eq!(t.selected_row(), None);
        assert!(t.visible().is_empty());
    }

    #[test]
    fn sorting_cycles_through_the_columns() {
        let mut t = TableView::new(&["A", "B", "C"]);
        t.sort_prev();
        assert_eq!(t.sort_column, 2);
        t.sort_next();
        t.sort_next();
        assert_eq!(t.sort_column, 1);
    }
}
