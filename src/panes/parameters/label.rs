//! The dialog that puts a label on one version of a parameter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::theme::Theme;
use crate::ui::{centered, popup_block};

/// A label being typed for version `version` of parameter `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelInput {
    pub name: String,
    pub version: i64,
    pub input: String,
}

impl LabelInput {
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let rect = centered(area, 64, 5);
        frame.render_widget(Clear, rect);
        let lines = vec![
            Line::from(vec![
                Span::styled(" Label ", theme.key),
                Span::raw(self.input.clone()),
                Span::styled("█", theme.accent),
            ]),
            Line::raw(""),
            Line::styled(
                " enter attach (moves it from any other version) · esc cancel",
                theme.muted,
            ),
        ];
        let title = format!("Label version {} of {}", self.version, self.name);
        frame.render_widget(
            Paragraph::new(lines).block(popup_block(theme, &title)),
            rect,
        );
    }
}
