//! SVG screenshots of a rendered [`Buffer`] (e.g. from `TestBackend::buffer()`),
//! so README images are regenerated from test fixtures instead of going stale.
//!
//! The layout is a fixed monospace grid: 14 px DejaVu Sans Mono (with
//! fallbacks), each cell 8.4 x 16.3 px, no margin. Output is deterministic:
//! the same buffer always gives the same bytes.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell, CellWidth};
use ratatui::style::{Color, Modifier};

/// Width of one cell, in tenths of a pixel (8.4 px).
const CELL_WIDTH_TENTHS: u32 = 84;
/// Height of one cell, in tenths of a pixel (16.3 px): DejaVu Sans Mono's
/// ascent + descent (0.928 + 0.236 em) at 14 px.
const CELL_HEIGHT_TENTHS: u32 = 163;
/// Text baseline below the top of its row, in tenths of a pixel (the ascent).
const BASELINE_TENTHS: u32 = 130;
const FONT_FAMILY: &str = "DejaVu Sans Mono, Menlo, Consolas, monospace";
const FONT_SIZE_PX: u32 = 14;
/// Opacity of text with [`Modifier::DIM`].
const DIM_OPACITY: &str = "0.5";

/// Colours used where a cell says [`Color::Reset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvgColours {
    pub foreground: (u8, u8, u8),
    pub background: (u8, u8, u8),
}

impl Default for SvgColours {
    /// A dark terminal: foreground `#d6dbe5` on background `#1b1e28`.
    fn default() -> Self {
        Self {
            foreground: (0xd6, 0xdb, 0xe5),
            background: (0x1b, 0x1e, 0x28),
        }
    }
}

type Rgb = (u8, u8, u8);

/// xterm's default colours for the 16 ANSI indices.
const ANSI: [Rgb; 16] = [
    (0x00, 0x00, 0x00), // 0 black
    (0xcd, 0x00, 0x00), // 1 red
    (0x00, 0xcd, 0x00), // 2 green
    (0xcd, 0xcd, 0x00), // 3 yellow
    (0x00, 0x00, 0xee), // 4 blue
    (0xcd, 0x00, 0xcd), // 5 magenta
    (0x00, 0xcd, 0xcd), // 6 cyan
    (0xe5, 0xe5, 0xe5), // 7 white (ratatui's Gray)
    (0x7f, 0x7f, 0x7f), // 8 bright black (ratatui's DarkGray)
    (0xff, 0x00, 0x00), // 9 bright red
    (0x00, 0xff, 0x00), // 10 bright green
    (0xff, 0xff, 0x00), // 11 bright yellow
    (0x5c, 0x5c, 0xff), // 12 bright blue
    (0xff, 0x00, 0xff), // 13 bright magenta
    (0x00, 0xff, 0xff), // 14 bright cyan
    (0xff, 0xff, 0xff), // 15 bright white (ratatui's White)
];

/// Levels of the 6x6x6 colour cube (indices 16–231).
const CUBE_LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The xterm 256-colour palette.
fn xterm_256(index: u8) -> Rgb {
    match index {
        0..=15 => ANSI[usize::from(index)],
        16..=231 => {
            let i = index - 16;
            (
                CUBE_LEVELS[usize::from(i / 36)],
                CUBE_LEVELS[usize::from((i / 6) % 6)],
                CUBE_LEVELS[usize::from(i % 6)],
            )
        }
        232..=255 => {
            let grey = 8 + 10 * (index - 232);
            (grey, grey, grey)
        }
    }
}

/// Resolves a ratatui colour to RGB; `Reset` becomes `default`.
fn resolve(colour: Color, default: Rgb) -> Rgb {
    let ansi = |i: usize| ANSI[i];
    match colour {
        Color::Reset => default,
        Color::Black => ansi(0),
        Color::Red => ansi(1),
        Color::Green => ansi(2),
        Color::Yellow => ansi(3),
        Color::Blue => ansi(4),
        Color::Magenta => ansi(5),
        Color::Cyan => ansi(6),
        Color::Gray => ansi(7),
        Color::DarkGray => ansi(8),
        Color::LightRed => ansi(9),
        Color::LightGreen => ansi(10),
        Color::LightYellow => ansi(11),
        Color::LightBlue => ansi(12),
        Color::LightMagenta => ansi(13),
        Color::LightCyan => ansi(14),
        Color::White => ansi(15),
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) => xterm_256(i),
    }
}

fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Formats a length given in tenths of a pixel: `84` → `8.4`, `840` → `84`.
fn px(tenths: u32) -> String {
    if tenths.is_multiple_of(10) {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// Appends `text` XML-escaped. Control characters (not allowed in XML 1.0,
/// or collapsed by the renderer) become spaces.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

/// How the text of a cell is drawn; consecutive cells with equal styles share
/// one `<text>` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TextStyle {
    fill: Rgb,
    bold: bool,
    italic: bool,
    dim: bool,
    underlined: bool,
    crossed_out: bool,
    hidden: bool,
}

impl TextStyle {
    /// Whether spaces in this style draw anything.
    fn decorates_spaces(&self) -> bool {
        !self.hidden && (self.underlined || self.crossed_out)
    }
}

/// One column of a row, after resolving colours and wide characters.
struct Column<'a> {
    /// The glyph starting in this column, or `None` where the column is
    /// covered by a wide glyph to its left.
    symbol: Option<&'a str>,
    /// Columns the glyph occupies (at least 1; 0 for covered columns).
    width: u32,
    text: TextStyle,
    background: Rgb,
}

/// Resolves the cells of one row into columns. A glyph wider than one cell
/// covers the next cells, which take its style (a terminal draws it that way)
/// and contribute no text of their own.
fn resolve_row<'a>(cells: &'a [Cell], colours: &SvgColours) -> Vec<Column<'a>> {
    let mut columns: Vec<Column<'a>> = Vec::with_capacity(cells.len());
    let mut covered = 0u32;
    for cell in cells {
        if covered > 0 {
            covered -= 1;
            if let Some(owner) = columns.iter().rev().find(|c| c.symbol.is_some()) {
                let (text, background) = (owner.text, owner.background);
                columns.push(Column {
                    symbol: None,
                    width: 0,
                    text,
                    background,
                });
                continue;
            }
        }
        let mut fg = resolve(cell.fg, colours.foreground);
        let mut bg = resolve(cell.bg, colours.background);
        let m = cell.modifier;
        if m.contains(Modifier::REVERSED) {
            std::mem::swap(&mut fg, &mut bg);
        }
        let symbol = match cell.symbol() {
            "" => " ",
            s => s,
        };
        let width = u32::from(cell.cell_width()).max(1);
        covered = width - 1;
        columns.push(Column {
            symbol: Some(symbol),
            width,
            text: TextStyle {
                fill: fg,
                bold: m.contains(Modifier::BOLD),
                italic: m.contains(Modifier::ITALIC),
                dim: m.contains(Modifier::DIM),
                underlined: m.contains(Modifier::UNDERLINED),
                crossed_out: m.contains(Modifier::CROSSED_OUT),
                hidden: m.contains(Modifier::HIDDEN),
            },
            background: bg,
        });
    }
    columns
}

/// Appends `<rect>`s for runs of columns whose background differs from the
/// default.
fn push_background_rects(out: &mut String, row: u32, columns: &[Column<'_>], default: Rgb) {
    let y = px(row * CELL_HEIGHT_TENTHS);
    let height = px(CELL_HEIGHT_TENTHS);
    let mut start = 0;
    while start < columns.len() {
        let background = columns[start].background;
        let mut end = start + 1;
        while end < columns.len() && columns[end].background == background {
            end += 1;
        }
        if background != default {
            let _ = writeln!(
                out,
                r#"<rect x="{}" y="{y}" width="{}" height="{height}" fill="{}"/>"#,
                px(to_u32(start) * CELL_WIDTH_TENTHS),
                px(to_u32(end - start) * CELL_WIDTH_TENTHS),
                hex(background),
            );
        }
        start = end;
    }
}

/// Appends one `<text>` per run of equally styled columns, positioned by its
/// starting column (so wide glyphs never shift what follows). Runs with nothing
/// visible — only spaces and no underline/strike-through, or hidden — are
/// skipped; undecorated runs lose their leading and trailing spaces.
fn push_text_runs(out: &mut String, row: u32, columns: &[Column<'_>]) {
    let y = px(row * CELL_HEIGHT_TENTHS + BASELINE_TENTHS);
    let mut start = 0;
    while start < columns.len() {
        let style = columns[start].text;
        let mut end = start + 1;
        while end < columns.len() && columns[end].text == style {
            end += 1;
        }
        let run = &columns[start..end];
        let first = start;
        start = end;
        if style.hidden {
            continue;
        }
        // Glyphs of the run, as (column, symbol, width).
        let mut glyphs: Vec<(usize, &str, u32)> = run
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.symbol.map(|s| (first + i, s, c.width)))
            .collect();
        if !style.decorates_spaces() {
            while glyphs.last().is_some_and(|g| g.1 == " ") {
                glyphs.pop();
            }
            let leading = glyphs.iter().take_while(|g| g.1 == " ").count();
            glyphs.drain(..leading);
        }
        let (Some(&(column, ..)), Some(&(last, _, last_width))) = (glyphs.first(), glyphs.last())
        else {
            continue;
        };
        // A wide glyph at the end of the row may claim more than is left.
        let span = (to_u32(last - column) + last_width).min(to_u32(columns.len() - column));

        let _ = write!(
            out,
            r#"<text x="{}" y="{y}" textLength="{}" fill="{}""#,
            px(to_u32(column) * CELL_WIDTH_TENTHS),
            px(span * CELL_WIDTH_TENTHS),
            hex(style.fill),
        );
        if style.bold {
            out.push_str(r#" font-weight="bold""#);
        }
        if style.italic {
            out.push_str(r#" font-style="italic""#);
        }
        if style.dim {
            let _ = write!(out, r#" opacity="{DIM_OPACITY}""#);
        }
        match (style.underlined, style.crossed_out) {
            (true, true) => out.push_str(r#" text-decoration="underline line-through""#),
            (true, false) => out.push_str(r#" text-decoration="underline""#),
            (false, true) => out.push_str(r#" text-decoration="line-through""#),
            (false, false) => {}
        }
        out.push_str(r#" xml:space="preserve">"#);
        for (_, symbol, _) in &glyphs {
            push_escaped(out, symbol);
        }
        out.push_str("</text>\n");
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Renders `buffer` as a standalone SVG document (ending in `</svg>` and a
/// newline): a full-size background, background rects for cells whose
/// background is not the default (in a `crispEdges` group), then one `<text>`
/// per run of equally styled cells on a row.
pub fn buffer_to_svg(buffer: &Buffer, colours: &SvgColours) -> String {
    let cols = u32::from(buffer.area.width);
    let rows = u32::from(buffer.area.height);
    let width = px(cols * CELL_WIDTH_TENTHS);
    let height = px(rows * CELL_HEIGHT_TENTHS);

    let resolved: Vec<Vec<Column<'_>>> = if cols == 0 {
        Vec::new()
    } else {
        buffer
            .content()
            .chunks(usize::from(buffer.area.width))
            .map(|cells| resolve_row(cells, colours))
            .collect()
    };

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" font-size="{FONT_SIZE_PX}">"#,
    );
    let _ = writeln!(
        out,
        r#"<rect x="0" y="0" width="{width}" height="{height}" fill="{}"/>"#,
        hex(colours.background),
    );
    out.push_str("<g shape-rendering=\"crispEdges\">\n");
    for (row, columns) in resolved.iter().enumerate() {
        push_background_rects(&mut out, to_u32(row), columns, colours.background);
    }
    out.push_str("</g>\n");
    for (row, columns) in resolved.iter().enumerate() {
        push_text_runs(&mut out, to_u32(row), columns);
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::layout::Rect;
    use ratatui::style::Style;
    use ratatui::text::Line;
    use ratatui::widgets::Paragraph;

    fn svg_of(buffer: &Buffer) -> String {
        buffer_to_svg(buffer, &SvgColours::default())
    }

    /// The `<text>` elements of an SVG, whole.
    fn texts(svg: &str) -> Vec<&str> {
        svg.lines().filter(|l| l.starts_with("<text")).collect()
    }

    /// The `<text>` element whose content is exactly `content`.
    fn text_with<'a>(svg: &'a str, content: &str) -> &'a str {
        texts(svg)
            .into_iter()
            .find(|l| l.ends_with(&format!(">{content}</text>")))
            .unwrap_or_else(|| panic!("no <text> with {content:?} in\n{svg}"))
    }

    /// The background `<rect>`s inside the crispEdges group.
    fn background_rects(svg: &str) -> Vec<&str> {
        let group = svg
            .split_once("<g shape-rendering=\"crispEdges\">\n")
            .and_then(|(_, rest)| rest.split_once("</g>"))
            .expect("a crispEdges group")
            .0;
        group.lines().collect()
    }

    /// A small well-formedness check: tags nest and close, attribute values
    /// are quoted, and text holds no raw `<` or stray `&`.
    fn assert_xmlish(svg: &str) {
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            let text = &rest[..open];
            assert_entities(text);
            let close = rest[open..].find('>').expect("unterminated tag") + open;
            let tag = &rest[open + 1..close];
            assert!(!tag.contains('<'), "'<' inside tag {tag:?}");
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in {tag:?}"
            );
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().expect("tag name");
                stack.push(name);
            }
            rest = &rest[close + 1..];
        }
        assert!(rest.trim().is_empty());
        assert!(stack.is_empty(), "unclosed {stack:?}");
    }

    fn assert_entities(text: &str) {
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "stray '&' in {text:?}"
            );
        }
    }

    fn styled_buffer() -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 24, 3));
        buf.set_string(0, 0, "a<b & \"c\" 'd'>", Style::new());
        buf.set_string(0, 1, "rgb", Style::new().fg(Color::Rgb(0x12, 0xab, 0xef)));
        buf.set_string(4, 1, "red", Style::new().fg(Color::Red));
        buf.set_string(8, 1, "lblue", Style::new().fg(Color::LightBlue));
        buf.set_string(14, 1, "i196", Style::new().fg(Color::Indexed(196)));
        buf.set_string(19, 1, "i244", Style::new().fg(Color::Indexed(244)));
        buf.set_string(0, 2, "bold", Style::new().bold());
        buf.set_string(5, 2, "ital", Style::new().italic());
        buf.set_string(10, 2, "dim", Style::new().dim());
        buf.set_string(14, 2, "under", Style::new().underlined());
        buf
    }

    #[test]
    fn document_is_xmlish_and_sized_by_the_grid() {
        let svg = svg_of(&styled_buffer());
        assert_xmlish(&svg);
        // 24 x 8.4 = 201.6, 3 x 16.3 = 48.9.
        assert!(svg.starts_with(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="201.6" height="48.9" viewBox="0 0 201.6 48.9""#
        ));
        assert!(svg.contains(r#"font-family="DejaVu Sans Mono, Menlo, Consolas, monospace""#));
        assert!(svg.contains(r#"font-size="14""#));
        // Full-size background in the default colour comes first.
        assert_eq!(
            svg.lines().nth(1),
            Some(r##"<rect x="0" y="0" width="201.6" height="48.9" fill="#1b1e28"/>"##)
        );
        assert!(svg.contains("<g shape-rendering=\"crispEdges\">"));
        for text in texts(&svg) {
            assert!(text.contains(r#"xml:space="preserve""#), "{text}");
        }
    }

    #[test]
    fn text_is_escaped() {
        let svg = svg_of(&styled_buffer());
        let text = text_with(&svg, "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
        assert!(text.starts_with(r##"<text x="0" y="13" "##), "{text}");
        assert!(
            text.contains(r##"fill="#d6dbe5""##),
            "Reset fg → default: {text}"
        );
    }

    #[test]
    fn colours_resolve_rgb_named_and_indexed() {
        let svg = svg_of(&styled_buffer());
        assert!(text_with(&svg, "rgb").contains(r##"fill="#12abef""##));
        assert!(text_with(&svg, "red").contains(r##"fill="#cd0000""##));
        assert!(text_with(&svg, "lblue").contains(r##"fill="#5c5cff""##));
        assert!(text_with(&svg, "i196").contains(r##"fill="#ff0000""##));
        assert!(text_with(&svg, "i244").contains(r##"fill="#808080""##));
        // Positioned by starting column: 4 x 8.4, row 1 baseline 16.3 + 13.
        assert!(text_with(&svg, "red").starts_with(r#"<text x="33.6" y="29.3" "#));
    }

    #[test]
    fn palette_edges() {
        assert_eq!(xterm_256(0), (0, 0, 0));
        assert_eq!(xterm_256(9), (0xff, 0, 0));
        assert_eq!(xterm_256(15), (0xff, 0xff, 0xff));
        assert_eq!(xterm_256(16), (0, 0, 0));
        assert_eq!(xterm_256(110), (135, 175, 215));
        assert_eq!(xterm_256(196), (255, 0, 0));
        assert_eq!(xterm_256(231), (255, 255, 255));
        assert_eq!(xterm_256(232), (8, 8, 8));
        assert_eq!(xterm_256(244), (128, 128, 128));
        assert_eq!(xterm_256(255), (238, 238, 238));
        assert_eq!(resolve(Color::Gray, (1, 2, 3)), xterm_256(7));
        assert_eq!(resolve(Color::DarkGray, (1, 2, 3)), xterm_256(8));
        assert_eq!(resolve(Color::White, (1, 2, 3)), xterm_256(15));
        assert_eq!(resolve(Color::Reset, (1, 2, 3)), (1, 2, 3));
    }

    #[test]
    fn modifiers_become_attributes() {
        let svg = svg_of(&styled_buffer());
        let bold = text_with(&svg, "bold");
        assert!(bold.contains(r#"font-weight="bold""#), "{bold}");
        assert!(!bold.contains("font-style"), "{bold}");
        assert!(text_with(&svg, "ital").contains(r#"font-style="italic""#));
        assert!(text_with(&svg, "dim").contains(r#"opacity="0.5""#));
        assert!(text_with(&svg, "under").contains(r#"text-decoration="underline""#));
        let plain = text_with(&svg, "rgb");
        for attr in ["font-weight", "font-style", "opacity", "text-decoration"] {
            assert!(!plain.contains(attr), "{plain}");
        }
    }

    #[test]
    fn reversed_swaps_resolved_colours() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        buf.set_string(0, 0, "R", Style::new().reversed());
        buf.set_string(
            2,
            0,
            "S",
            Style::new()
                .fg(Color::Red)
                .bg(Color::Indexed(21))
                .reversed(),
        );
        let svg = svg_of(&buf);
        assert_xmlish(&svg);
        // Reset/Reset reversed: default background as text, default foreground behind.
        assert!(text_with(&svg, "R").contains(r##"fill="#1b1e28""##));
        assert!(text_with(&svg, "S").contains(r##"fill="#0000ff""##));
        assert_eq!(
            background_rects(&svg),
            [
                r##"<rect x="0" y="0" width="8.4" height="16.3" fill="#d6dbe5"/>"##,
                r##"<rect x="16.8" y="0" width="8.4" height="16.3" fill="#cd0000"/>"##,
            ]
        );
    }

    #[test]
    fn background_runs_share_one_rect() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 2));
        buf.set_string(2, 1, "ab  ", Style::new().bg(Color::Rgb(1, 2, 3)));
        buf.set_string(6, 1, "c", Style::new().bg(Color::Blue));
        let svg = svg_of(&buf);
        assert_eq!(
            background_rects(&svg),
            [
                r##"<rect x="16.8" y="16.3" width="33.6" height="16.3" fill="#010203"/>"##,
                r##"<rect x="50.4" y="16.3" width="8.4" height="16.3" fill="#0000ee"/>"##,
            ]
        );
        // Text runs follow the text style only: one run across both backgrounds.
        assert_eq!(texts(&svg), [text_with(&svg, "ab  c")], "{svg}");
        assert!(text_with(&svg, "ab  c").starts_with(r#"<text x="16.8" y="29.3" "#));
    }

    #[test]
    fn runs_of_plain_spaces_are_not_text() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 2));
        buf.set_string(0, 0, "    ", Style::new().fg(Color::Red));
        buf.set_string(4, 0, "   ", Style::new().bg(Color::Green));
        buf.set_string(0, 1, "x", Style::new());
        buf.set_string(5, 1, "y", Style::new());
        let svg = svg_of(&buf);
        assert_xmlish(&svg);
        // Only row 1 has text: "x    y", trimmed of the trailing blanks.
        assert_eq!(texts(&svg), [text_with(&svg, "x    y")], "{svg}");
        assert!(!svg.contains("> </text>") && !svg.contains(">  "), "{svg}");

        // An empty buffer has no text at all.
        let empty = svg_of(&Buffer::empty(Rect::new(0, 0, 5, 2)));
        assert!(texts(&empty).is_empty(), "{empty}");
        assert!(background_rects(&empty).is_empty(), "{empty}");
    }

    #[test]
    fn underlined_spaces_are_kept() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        buf.set_string(1, 0, "   ", Style::new().underlined());
        let svg = svg_of(&buf);
        let text = text_with(&svg, "   ");
        assert!(text.starts_with(r#"<text x="8.4" "#), "{text}");
        assert!(text.contains(r#"textLength="25.2""#), "{text}");
    }

    #[test]
    fn wide_characters_do_not_shift_following_text() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        buf.set_string(0, 0, "日本b", Style::new());
        buf.set_string(5, 0, "z", Style::new().fg(Color::Green));
        let svg = svg_of(&buf);
        assert_xmlish(&svg);
        // Covered cells add no text; the run spans 5 cells.
        let wide = text_with(&svg, "日本b");
        assert!(wide.starts_with(r#"<text x="0" "#), "{wide}");
        assert!(wide.contains(r#"textLength="42""#), "{wide}");
        // The next run starts at column 5 regardless of the wide glyphs.
        assert!(text_with(&svg, "z").starts_with(r#"<text x="42" "#));
    }

    #[test]
    fn wide_character_takes_its_background_across_covered_cells() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf.set_string(0, 0, "日", Style::new().bg(Color::Red));
        let svg = svg_of(&buf);
        assert_eq!(
            background_rects(&svg),
            [r##"<rect x="0" y="0" width="16.8" height="16.3" fill="#cd0000"/>"##]
        );
    }

    #[test]
    fn renders_a_test_backend_buffer_deterministically() {
        let mut terminal = Terminal::new(TestBackend::new(20, 2)).expect("terminal");
        terminal
            .draw(|frame| {
                let text = vec![
                    Line::styled("Fleet <3 & co", Style::new().fg(Color::Cyan).bold()),
                    Line::styled("ok", Style::new().bg(Color::Indexed(28))),
                ];
                frame.render_widget(Paragraph::new(text), frame.area());
            })
            .expect("draw");
        let buffer = terminal.backend().buffer().clone();
        let svg = svg_of(&buffer);
        assert_xmlish(&svg);
        assert_eq!(svg, svg_of(&buffer));
        assert_eq!(svg, svg_of(&buffer.clone()));
        let title = text_with(&svg, "Fleet &lt;3 &amp; co");
        assert!(title.contains(r##"fill="#00cdcd""##) && title.contains("bold"));
        assert!(svg.contains(r##"fill="#008700""##), "{svg}");
    }

    #[test]
    fn offset_areas_and_custom_colours() {
        let mut buf = Buffer::empty(Rect::new(3, 5, 4, 1));
        buf.set_string(4, 5, "hi", Style::new());
        let colours = SvgColours {
            foreground: (0, 0, 0),
            background: (255, 255, 255),
        };
        let svg = buffer_to_svg(&buf, &colours);
        assert!(svg.contains(r##"width="33.6" height="16.3" fill="#ffffff""##));
        let text = text_with(&svg, "hi");
        assert!(text.starts_with(r##"<text x="8.4" y="13" "##), "{text}");
        assert!(text.contains(r##"fill="#000000""##), "{text}");
    }
}
