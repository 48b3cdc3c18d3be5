//! The one time an activation's code is seen: right after it is created,
//! with the command line that registers a machine with it. AWS keeps no
//! copy of the code to show again, and neither does sysman.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::theme::Theme;
use crate::ui::{centered, popup_block};

/// What the embedded console puts where the server's address goes: it has
/// no HTTP server of its own for agents to reach.
pub const ENDPOINT_PLACEHOLDER: &str = "http://SERVER:4580";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDialog {
    pub activation_id: String,
    pub activation_code: String,
    /// The server the console drives, which agents register with; `None`
    /// for an embedded backend.
    pub endpoint: Option<String>,
}

impl CodeDialog {
    /// The lines an operator runs on the machine, as `sysman-agent`'s own
    /// flags have them (the code through the environment, which keeps it
    /// out of the process list).
    pub fn command(&self) -> [String; 4] {
        let endpoint = self.endpoint.as_deref().unwrap_or(ENDPOINT_PLACEHOLDER);
        [
            format!(
                "SYSMAN_ACTIVATION_CODE={} sysman-agent register \\",
                self.activation_code
            ),
            format!("    --endpoint {} \\", endpoint.trim_end_matches('/')),
            format!("    --activation-id {}", self.activation_id),
            "sysman-agent run".to_owned(),
        ]
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let mut lines = vec![
            Line::from(vec![
                Span::styled(" Activation ID  ", theme.muted),
                Span::raw(self.activation_id.clone()),
            ]),
            Line::from(vec![
                Span::styled(" Code           ", theme.muted),
                Span::styled(self.activation_code.clone(), theme.accent),
            ]),
            Line::raw(""),
            Line::styled(
                " Copy the code now: it cannot be shown again, here or by AWS.",
                theme.warn,
            ),
            Line::styled(" On the machine, run:", theme.muted),
            Line::raw(""),
        ];
        lines.extend(self.command().map(|l| Line::raw(format!(" {l}"))));
        lines.push(Line::raw(""));
        if self.endpoint.is_none() {
            lines.push(Line::styled(
                " This console embeds its backend: agents register over HTTP with",
                theme.muted,
            ));
            lines.push(Line::styled(
                " `sysman serve`; put its address in --endpoint.",
                theme.muted,
            ));
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(
            " select the lines with the mouse to copy · enter/esc close",
            theme.muted,
        ));
        let widest = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
        let width = (widest + 3).min(area.width);
        let rect = centered(area, width, lines.len() as u16 + 2);
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(lines).block(popup_block(theme, "Activation created")),
            rect,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_uses_the_agents_flags() {
        let dialog = CodeDialog {
            activation_id: "5f1e".into(),
            activation_code: "AbC".into(),
            endpoint: Some("https://box:4580/".into()),
        };
        let command = dialog.command().join("\n");
        assert!(command.contains("SYSMAN_ACTIVATION_CODE=AbC sysman-agent register"));
        assert!(command.contains("--endpoint https://box:4580 \\"));
        assert!(command.contains("--activation-id 5f1e"));
        let embedded = CodeDialog {
            endpoint: None,
            ..dialog
        };
        assert!(embedded.command()[1].contains(ENDPOINT_PLACEHOLDER));
    }
}
