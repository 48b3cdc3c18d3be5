//! `d`: the row under the cursor, every field, as the API gives it — YAML
//! by default as `kubectl describe` and k9s show objects, `y` for JSON as
//! the `aws` CLI prints it.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use serde::Serialize;

use crate::theme::Theme;

/// What a pane offers to describe: a name for the title, and the object.
pub struct Described {
    pub title: String,
    pub value: serde_json::Value,
}

impl Described {
    /// `object` as the wire shows it (PascalCase fields, AWS's names).
    pub fn of(title: impl Into<String>, object: &impl Serialize) -> Option<Described> {
        let mut value = serde_json::to_value(object).ok()?;
        readable_times(&mut value);
        Some(Described {
            title: title.into(),
            value,
        })
    }
}

/// Times go on the wire as epoch seconds; the aws CLI prints them as ISO
/// 8601, and so does `d`: a number under a key that names a time
/// (`…Date`, `…DateTime`, `…Time`).
fn readable_times(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                let names_a_time =
                    key.ends_with("Date") || key.ends_with("DateTime") || key.ends_with("Time");
                match v {
                    Value::Number(n) if names_a_time => {
                        if let Some(secs) = n.as_f64() {
                            let millis = (secs * 1000.0).round() as i64;
                            let at = sysman_api::Timestamp::from_secs(0).plus_millis(millis);
                            *v = Value::String(at.iso8601());
                        }
                    }
                    other => readable_times(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(readable_times),
        _ => {}
    }
}

/// The open describe view.
#[derive(Debug)]
pub struct Describe {
    pub title: String,
    yaml: Vec<String>,
    json: Vec<String>,
    /// JSON instead of YAML.
    pub as_json: bool,
    pub scroll: usize,
}

/// What a key did to the view.
pub enum Keyed {
    Stay,
    Close,
}

impl Describe {
    pub fn new(described: Described) -> Self {
        let json = serde_json::to_string_pretty(&described.value).unwrap_or_default();
        // A value that came from JSON always renders as YAML; should it
        // not, JSON is still true to it.
        let yaml = serde_saphyr::to_string(&described.value).unwrap_or_else(|_| json.clone());
        Self {
            title: described.title,
            yaml: yaml.lines().map(str::to_owned).collect(),
            json: json.lines().map(str::to_owned).collect(),
            as_json: false,
            scroll: 0,
        }
    }

    pub fn lines(&self) -> &[String] {
        if self.as_json { &self.json } else { &self.yaml }
    }

    /// `height` is the number of lines the view shows.
    pub fn on_key(&mut self, event: KeyEvent, height: usize) -> Keyed {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let page = height.saturating_sub(1).max(1);
        let to = match event.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('d') => return Keyed::Close,
            KeyCode::Char('y') => {
                self.as_json = !self.as_json;
                0
            }
            KeyCode::Down | KeyCode::Char('j') => self.scroll + 1,
            KeyCode::Up | KeyCode::Char('k') => self.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll + page,
            KeyCode::Char('f') if ctrl => self.scroll + page,
            KeyCode::PageUp => self.scroll.saturating_sub(page),
            KeyCode::Char('u') if ctrl => self.scroll.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => usize::MAX,
            _ => self.scroll,
        };
        // No further than the last line at the bottom.
        self.scroll = to.min(self.lines().len().saturating_sub(height));
        Keyed::Stay
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let format = if self.as_json { "JSON" } else { "YAML" };
        let block = crate::ui::pane_block(theme, format!(" {} ({format}) ", self.title));
        let inner = block.inner(area);
        // Over the pane: nothing of it shows through.
        frame.render_widget(Clear, area);
        frame.render_widget(block, area);
        let height = usize::from(inner.height);
        let scroll = self.scroll.min(self.lines().len().saturating_sub(height));
        let lines: Vec<Line> = self
            .lines()
            .iter()
            .skip(scroll)
            .take(height)
            .map(|l| highlight(l, self.as_json, theme))
            .collect();
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// A key in the muted colour, its value plain: enough to read by.
fn highlight<'a>(line: &'a str, json: bool, theme: &Theme) -> Line<'a> {
    let split = if json {
        line.find("\": ").map(|i| i + 2)
    } else {
        line.find(": ")
            .map(|i| i + 1)
            .or_else(|| line.ends_with(':').then_some(line.len()))
    };
    match split {
        Some(i) => Line::from(vec![
            Span::styled(&line[..i], theme.muted),
            Span::raw(&line[i..]),
        ]),
        None => Line::raw(line),
    }
}
