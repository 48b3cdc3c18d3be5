//! One patch's details, opened with `enter` in a baseline's matrix:
//! every field the catalogue has, what the baseline says of it, and how
//! the nodes in scope have it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use sysman_api::Timestamp;

use super::matrix::{PatchRow, approval_text};
use crate::theme::Theme;
use crate::ui::{centered, popup_block, wrap_words};

/// The patch shown, as its row had it when `enter` was pressed.
#[derive(Debug, Clone)]
pub struct PatchDetail {
    pub row: PatchRow,
    pub now: Timestamp,
}

impl PatchDetail {
    fn fields(&self) -> Vec<(&'static str, String)> {
        let p = &self.row.patch;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let list = |v: &Vec<String>| v.join(", ");
        let mut fields = vec![
            ("Id", p.id.clone()),
            ("Title", text(&p.title)),
            ("Classification", self.row.classification().to_owned()),
            ("Severity", self.row.severity().to_owned()),
            (
                "Released",
                p.release_date.map(|d| d.iso8601()).unwrap_or_default(),
            ),
            ("Product", text(&p.product)),
            ("Vendor", text(&p.vendor)),
            ("KB", text(&p.kb_number)),
            ("CVEs", list(&p.cve_ids)),
            ("Advisories", list(&p.advisory_ids)),
            (
                "Baseline",
                approval_text(self.row.status.as_ref(), self.now),
            ),
            ("Deployment", self.row.deployment.label().to_owned()),
        ];
        if let Some(c) = &self.row.count {
            fields.push((
                "Nodes",
                format!(
                    "{} missing · {} installed · {} pending reboot · {} failed",
                    c.missing, c.installed, c.installed_pending_reboot, c.failed
                ),
            ));
        }
        fields.push(("Description", text(&p.description)));
        fields.retain(|(_, v)| !v.is_empty());
        fields
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let width = area.width.saturating_sub(4).min(96);
        let room = usize::from(width).saturating_sub(18).max(10);
        let mut lines = Vec::new();
        for (label, value) in self.fields() {
            for (i, part) in wrap_words(&value, room, 6).into_iter().enumerate() {
                let lead = if i == 0 { label } else { "" };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {lead:<15} "), theme.muted),
                    Span::raw(part),
                ]));
            }
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(" esc or enter closes", theme.muted));
        let rect = centered(area, width, lines.len() as u16 + 2);
        frame.render_widget(Clear, rect);
        let title = format!("Patch {}", self.row.label());
        frame.render_widget(
            Paragraph::new(lines).block(popup_block(theme, &title)),
            rect,
        );
    }
}
