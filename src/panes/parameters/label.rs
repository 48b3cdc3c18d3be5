//! The dialog that puts a label on one version of a parameter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::input::TextInput;
use crate::theme::Theme;
use crate::ui::{centered, popup_block};

/// A label being typed for version `version` of parameter `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelInput {
    pub name: String,
    pub version: i64,
    pub input: TextInput,
}

impl LabelInput {
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let rect = centered(area, 64, 6);
        frame.render_widget(Clear, rect);
        let mut label = vec![Span::styled(" Label ", theme.key)];
        label.extend(self.input.spans(
            usize::from(rect.width) - 9,
            Default::default(),
            Some(theme.accent),
        ));
        let lines = vec![
            Line::from(label),
            Line::styled(" it moves here from any other version", theme.muted),
            Line::raw(""),
            Line::styled(
                " ←→ move · ctrl-u clear · enter attach · esc cancel",
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
