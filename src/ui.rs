//! Drawing: a pure function of the app's state, the theme and the area.
//! Nothing here calls the backend, blocks, or changes state.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::{App, Layer, Link};
use crate::keys::{Command, PaneKeys};
use crate::theme::Theme;

struct Areas {
    header: Rect,
    body: Rect,
    filter: Option<Rect>,
    footer: Rect,
}

fn layout(area: Rect, filter_visible: bool) -> Areas {
    let filter_height = u16::from(filter_visible);
    let [header, body, filter, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(filter_height),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas {
        header,
        body,
        filter: filter_visible.then_some(filter),
        footer,
    }
}

/// Data rows a table shows at this terminal size: the body less its
/// borders and column header.
pub fn table_rows(size: (u16, u16), filter_visible: bool) -> usize {
    usize::from(body_height(size, filter_visible).saturating_sub(3))
}

/// The height of the pane's body at this terminal size.
pub fn body_height(size: (u16, u16), filter_visible: bool) -> u16 {
    layout(Rect::new(0, 0, size.0, size.1), filter_visible)
        .body
        .height
}

pub fn render(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let theme = &app.theme;
    frame.render_widget(Block::default().style(theme.text), area);
    let areas = layout(area, app.filter_line_visible());
    render_header(frame, app, areas.header);
    app.pane(app.pane).render(frame, areas.body, theme, app.now);
    if let Some(filter) = areas.filter {
        render_filter(frame, app, filter);
    }
    render_footer(frame, app, areas.footer);
    match &app.layer {
        Some(Layer::Help) => render_help(frame, app, area),
        Some(Layer::Describe(describe)) => describe.render(frame, areas.body, theme),
        Some(Layer::Palette(palette)) => render_palette(frame, app, palette, area),
        Some(Layer::Confirm { prompt, .. }) => render_confirm(frame, app, prompt, area),
        Some(Layer::Dialog(dialog)) => app
            .pane(dialog.owner())
            .render_dialog(dialog, frame, area, theme),
        None => {}
    }
}

fn render_header(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.theme;
    let [online, lost, inactive] = app.panes.fleet.counts;
    // Narrow screens drop the backend label, then the words; the counts
    // always show.
    let counts = |long: bool| {
        let word = |w: &'static str| if long { w } else { "" };
        vec![
            Span::styled(format!("● {online}{}", word(" online")), theme.online),
            Span::raw("  "),
            Span::styled(format!("● {lost}{}", word(" lost")), theme.connection_lost),
            Span::raw("  "),
            Span::styled(format!("● {inactive}{}", word(" inactive")), theme.inactive),
            Span::raw(" "),
        ]
    };
    let width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
    // A server that is not heard from is said first: what the panes show
    // is as old as the break.
    let mut broken = match &app.link {
        Link::Up => Vec::new(),
        Link::Down { since, .. } => vec![Span::styled(
            format!(" ✗ reconnecting since {} ", clock_time(*since)),
            theme.error,
        )],
    };
    let shortest = width(&counts(false)) + width(&broken);
    let crumbs = fit_crumbs(
        app.breadcrumbs(),
        app.pane_crumb(),
        usize::from(area.width).saturating_sub(shortest + 1 + SYSMAN.len()),
    );
    let mut left = vec![Span::styled(SYSMAN, theme.accent)];
    for (i, crumb) in crumbs.into_iter().enumerate() {
        if i > 0 {
            left.push(Span::styled(CRUMB_GAP, theme.muted));
        }
        left.push(Span::styled(crumb, theme.breadcrumb));
    }
    let left_width = width(&left);
    let room = usize::from(area.width).saturating_sub(left_width + 1);
    let right = if let Link::Down { reason, .. } = &app.link {
        let mut right = broken.clone();
        right.extend(counts(false));
        // The reason, as much of it as fits.
        let spare = room.saturating_sub(width(&right) + 3);
        if spare > 8 {
            broken[0].content = format!("{}({}) ", broken[0].content, fit(reason, spare)).into();
            right = broken;
            right.extend(counts(false));
        }
        right
    } else {
        let mut right = counts(true);
        right.push(Span::styled(
            format!(" {} ", app.backend_label),
            theme.muted,
        ));
        if width(&right) > room {
            right = counts(true);
        }
        if width(&right) > room {
            right = counts(false);
        }
        right
    };
    let right_width = width(&right) as u16;
    let [l, r] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(right_width)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)).style(theme.bar), l);
    frame.render_widget(Paragraph::new(Line::from(right)).style(theme.bar), r);
}

const SYSMAN: &str = " sysman ";

/// `12:03:04 UTC`, the time of day of `at`.
fn clock_time(at: sysman_api::Timestamp) -> String {
    let iso = at.iso8601();
    format!("{} UTC", &iso[11..19])
}
const CRUMB_GAP: &str = " › ";

/// The breadcrumbs that fit in `room` columns. The trail before the pane
/// in view (`crumbs[pane]`) goes first, from the left, behind a `…`; then
/// what is open in the pane is cut from its left. The pane's own name
/// always shows.
fn fit_crumbs(mut crumbs: Vec<String>, mut pane: usize, room: usize) -> Vec<String> {
    let width = |crumbs: &[String]| {
        crumbs.iter().map(|c| c.chars().count()).sum::<usize>()
            + CRUMB_GAP.chars().count() * crumbs.len().saturating_sub(1)
    };
    let mut elided = false;
    while pane > 0 && width(&crumbs) + usize::from(elided) * 4 > room {
        crumbs.remove(0);
        pane -= 1;
        elided = true;
    }
    if elided {
        crumbs.insert(0, "…".to_owned());
        pane += 1;
    }
    // Still too wide: shorten what is open in the pane, last first.
    for i in (pane + 1..crumbs.len()).rev() {
        let over = width(&crumbs).saturating_sub(room);
        if over == 0 {
            break;
        }
        let keep = crumbs[i].chars().count().saturating_sub(over + 1).max(4);
        let tail: String = crumbs[i]
            .chars()
            .rev()
            .take(keep)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        crumbs[i] = format!("…{tail}");
    }
    crumbs
}

fn render_filter(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.theme;
    let mut spans = vec![Span::styled(" / ", theme.key)];
    if let Some(input) = &app.filter_input {
        let hint = "   enter keep · esc clear · ~regex =exact !not";
        // The text first: the count and the hint give way to it.
        let room = usize::from(area.width).saturating_sub(3);
        spans.extend(input.spans(room, Style::default(), Some(theme.accent)));
        spans.push(filter_outcome(app));
        spans.push(Span::styled(hint, theme.muted));
    } else {
        spans.push(Span::raw(app.current_filter().to_owned()));
        spans.push(filter_outcome(app));
        spans.push(Span::styled("   esc clears", theme.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// What the filter does to the table in focus: "  12 of 500", or why it
/// cannot filter.
fn filter_outcome(app: &App) -> Span<'static> {
    let table = app.pane(app.pane).table();
    match table.filter.error() {
        Some(why) => Span::styled(format!("  {why}"), app.theme.error),
        None if table.filter.is_empty() => Span::raw(""),
        None => Span::styled(
            format!("  {} of {}", table.order.len(), table.considered),
            app.theme.accent,
        ),
    }
}

/// Commands worth a place in the footer, in this order: opening, the
/// pane's own, filtering and sorting, the pane's removals, leaving.
fn footer(keys: &PaneKeys) -> impl Iterator<Item = Command> + '_ {
    [Command::OPEN]
        .iter()
        .chain(keys.footer)
        .chain(&[Command::FILTER, Command::SORT_NEXT, Command::SORT_REVERSE])
        .chain(keys.footer_after)
        .chain(&[Command::BACK, Command::PALETTE, Command::QUIT])
        .copied()
}

fn render_footer(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.theme;
    if let Some(status) = app.status.as_ref().filter(|s| s.pane == app.pane) {
        let style = if status.error {
            theme.error
        } else {
            theme.accent
        };
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {}", status.text), style)))
                .style(theme.bar),
            area,
        );
        return;
    }
    let bindings = app.visible_bindings();
    // The shortest chord for each command is the one worth showing.
    let hint = |command: Command| {
        bindings
            .iter()
            .filter(|(_, c)| *c == command)
            .map(|(chord, _)| chord.to_string())
            .min_by_key(|text| text.len())
            .map(|chord| {
                let pane = app.pane(app.pane);
                (chord, pane.hint(command).unwrap_or(command.hint()))
            })
    };
    // Help always shows, last: it lists whatever did not fit.
    let help = hint(Command::HELP);
    let mut room = usize::from(area.width);
    room -= help.as_ref().map_or(0, |(c, l)| c.len() + l.len() + 3);
    if app.readonly {
        room = room.saturating_sub(11);
    }
    let mut spans = Vec::new();
    for (chord, label) in footer(app.pane.keys()).filter_map(hint) {
        let width = chord.chars().count() + label.len() + 3;
        if width > room {
            continue;
        }
        room -= width;
        spans.push(Span::styled(format!(" {chord}"), theme.key));
        spans.push(Span::raw(format!(" {label} ")));
    }
    if let Some((chord, label)) = help {
        spans.push(Span::styled(format!(" {chord}"), theme.key));
        spans.push(Span::raw(format!(" {label} ")));
    }
    if app.readonly {
        spans.push(Span::styled(" read-only ", theme.warn));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.bar), area);
}

/// A `width` x `height` rectangle in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// The frame of a dialog over a pane.
pub fn popup_block(theme: &Theme, title: &str) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent)
        .title(Span::styled(format!(" {title} "), theme.title))
        .style(theme.overlay)
}

/// `text` cut to `width` characters, with an ellipsis when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// `text` cut to `width` characters in the middle, keeping its start and
/// its end: `linux-image-gen…5.15.0-91.101`.
pub fn fit_middle(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len <= width {
        return text.to_owned();
    }
    let keep = width.saturating_sub(1);
    let head = keep.div_ceil(2);
    let tail = keep - head;
    let mut s: String = text.chars().take(head).collect();
    s.push('…');
    s.extend(text.chars().skip(len - tail));
    s
}

/// `text` in lines of at most `width` characters, broken between words, at
/// most `max` lines (the last one cut with an ellipsis).
pub fn wrap_words(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max {
        let rest = lines[max - 1..].join(" ");
        lines.truncate(max - 1);
        lines.push(rest);
    }
    lines.into_iter().map(|l| fit(&l, width)).collect()
}

/// The bordered frame of a pane's table or view, with its title.
pub fn pane_block(theme: &Theme, title: String) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title, theme.title))
        .style(theme.text)
}

/// A pane with nothing to list yet: `text` (loading, or empty) in `block`.
pub fn placeholder(
    frame: &mut Frame,
    area: Rect,
    block: Block<'static>,
    text: &str,
    theme: &Theme,
) {
    let p = Paragraph::new(text.to_owned())
        .style(theme.muted)
        .wrap(Wrap { trim: true })
        .block(block);
    frame.render_widget(p, area);
}

fn popup(app: &App, title: &str) -> Block<'static> {
    popup_block(&app.theme, title)
}

fn render_help(frame: &mut Frame, app: &App, area: Rect) {
    let bindings = app.visible_bindings();
    // One line per command, with every key bound to it, in the order
    // commands are declared (moving, then acting, then leaving).
    let rows: Vec<(String, Command)> = Command::all()
        .filter_map(|command| {
            let chords: Vec<String> = bindings
                .iter()
                .filter(|(_, c)| *c == command)
                .map(|(chord, _)| chord.to_string())
                .collect();
            (!chords.is_empty()).then(|| (chords.join(", "), command))
        })
        .collect();
    let chord_width = rows
        .iter()
        .map(|(c, _)| c.chars().count())
        .max()
        .unwrap_or(0);
    // Wide enough for the longest line where the screen allows; longer
    // descriptions wrap under themselves instead of being cut.
    let longest = rows
        .iter()
        .map(|(_, c)| c.description().chars().count())
        .max()
        .unwrap_or(0);
    let width = (chord_width + longest + 5)
        .max(58)
        .min(usize::from(area.width));
    let room = width.saturating_sub(chord_width + 5).max(10);
    let mut lines: Vec<Line> = Vec::new();
    for (chords, command) in &rows {
        let style = if command.dangerous() {
            app.theme.error
        } else {
            app.theme.key
        };
        for (i, part) in wrap_words(command.description(), room, usize::MAX)
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 {
                Span::styled(format!(" {chords:>chord_width$}  "), style)
            } else {
                Span::raw(" ".repeat(chord_width + 3))
            };
            lines.push(Line::from(vec![lead, Span::raw(part)]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        " Keys are set in config.toml [keys.*]; esc closes",
        app.theme.muted,
    ));
    let height = lines.len() as u16 + 2;
    let rect = centered(area, width as u16, height);
    frame.render_widget(Clear, rect);
    let title = format!("Keys — {}", app.pane.title());
    frame.render_widget(Paragraph::new(lines).block(popup(app, &title)), rect);
}

fn render_palette(frame: &mut Frame, app: &App, palette: &crate::app::Palette, area: Rect) {
    let theme = &app.theme;
    // The input, the entries, a blank line and the keys, in the border.
    let height = palette.suggestions.len().max(1) as u16 + 5;
    let [_, top] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(height)]).areas(area);
    let rect = centered(top, 64, height);
    frame.render_widget(Clear, rect);
    let inner = usize::from(rect.width.saturating_sub(2));
    let mut line = vec![Span::styled(":", theme.key)];
    line.extend(palette.input.spans(
        inner.saturating_sub(1),
        Style::default(),
        Some(theme.accent),
    ));
    let mut lines = vec![Line::from(line)];
    // Keep the highlight in view when the list is taller than the room.
    let room = usize::from(rect.height.saturating_sub(5)).max(1);
    let first = palette.selected.saturating_sub(room - 1);
    for (i, (name, target)) in palette
        .suggestions
        .iter()
        .enumerate()
        .skip(first)
        .take(room)
    {
        let style = if i == palette.selected {
            theme.selection
        } else {
            Style::default()
        };
        let text = if palette.all_names {
            format!(" {:<14}{}", target.title(), target.names().join(", "))
        } else {
            format!(" {name}")
        };
        lines.push(Line::styled(fit(&text, inner), style));
    }
    if palette.suggestions.is_empty() {
        let style = if palette.refused {
            theme.error
        } else {
            theme.muted
        };
        let text = format!(" no pane named {}", palette.word());
        lines.push(Line::styled(fit(&text, inner), style));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        " ↑↓ choose · tab complete · enter open · ctrl-a all names",
        theme.muted,
    ));
    frame.render_widget(
        Paragraph::new(lines).block(popup(app, "Go to · esc close")),
        rect,
    );
}

fn render_confirm(frame: &mut Frame, app: &App, prompt: &str, area: Rect) {
    let rect = centered(area, 64, 7);
    frame.render_widget(Clear, rect);
    let lines = vec![
        Line::raw(prompt.to_owned()),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", app.theme.error),
            Span::raw(" confirm   "),
            Span::styled("n", app.theme.key),
            Span::raw(" / "),
            Span::styled("esc", app.theme.key),
            Span::raw(" cancel"),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(popup(app, "Confirm")),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_middle_cut_keeps_both_ends() {
        let id = "linux-image-generic.amd64:0:5.15.0-91.101";
        assert_eq!(fit_middle(id, 100), id);
        let cut = fit_middle(id, 21);
        assert_eq!(cut.chars().count(), 21);
        assert_eq!(cut, "linux-imag…5.0-91.101");
        assert_eq!(fit_middle(id, 1), "…");
    }

    fn crumbs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn crumbs_shorten_from_the_left_and_keep_the_pane_in_view() {
        let all = crumbs(&[
            "Fleet",
            "Patch Manager",
            "Compliance",
            "mi-0123456789abcdef0",
        ]);
        assert_eq!(fit_crumbs(all.clone(), 2, 80), all);
        assert_eq!(
            fit_crumbs(all.clone(), 2, 40),
            crumbs(&["…", "Compliance", "mi-0123456789abcdef0"])
        );
        let tight = fit_crumbs(all, 2, 24);
        assert_eq!(tight[..2], crumbs(&["…", "Compliance"]));
        assert!(
            tight[2].starts_with('…') && tight[2].ends_with("cdef0"),
            "{tight:?}"
        );
    }
}
