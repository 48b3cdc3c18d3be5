//! `R` with a choice: the selected nodes, the rows the filter shows, or the
//! node under the cursor. Each choice says how many nodes it reaches, how
//! many the filter hides, and how many have lost their connection.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use sysman_api::commands::limits;
use sysman_api::fleet::PingStatus;

use super::{FleetPane, FleetRow};
use crate::theme::Theme;
use crate::ui::{centered, fit, popup_block};

/// One set of nodes `R` may run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunChoice {
    /// The key that picks it.
    pub key: char,
    pub label: String,
    /// What the send form's targets field gets.
    pub targets: String,
    /// Nodes of the choice whose ping status is ConnectionLost.
    pub lost: usize,
}

/// The chooser, open over the Fleet pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunChooser {
    pub choices: Vec<RunChoice>,
    pub selected: usize,
}

/// What a key in the chooser does.
pub enum Picked {
    Stay(RunChooser),
    Run(String),
    Cancel,
}

impl FleetPane {
    /// The sets of nodes `R` may run on now, in the chooser's order.
    pub fn run_choices(&self) -> Vec<RunChoice> {
        let mut choices = Vec::new();
        let lost = |ids: &mut dyn Iterator<Item = &FleetRow>| {
            ids.filter(|r| r.status() == PingStatus::ConnectionLost)
                .count()
        };
        if !self.marked.is_empty() {
            let shown = self
                .table
                .order
                .iter()
                .filter(|&&i| self.marked.contains(&self.rows[i].node.info.instance_id))
                .count();
            let hidden = self.marked.len() - shown;
            let mut label = format!(
                "the {} selected {}",
                self.marked.len(),
                nodes(self.marked.len())
            );
            if hidden > 0 && !self.table.filter.is_empty() {
                label.push_str(&format!(" ({hidden} hidden by the filter)"));
            }
            let rows = self.marked.iter().filter_map(|id| self.row(id));
            choices.push(RunChoice {
                key: 's',
                label,
                targets: self.marked.iter().cloned().collect::<Vec<_>>().join(" "),
                lost: lost(&mut rows.into_iter()),
            });
        }
        if !self.table.filter.is_empty() && !self.table.order.is_empty() {
            let n = self.table.order.len();
            let rows: Vec<&FleetRow> = self.table.order.iter().map(|&i| &self.rows[i]).collect();
            let (targets, how) = match self.filter_as_tag_target() {
                Some(tags) => (tags.clone(), format!("sent as {tags}")),
                None if n <= limits::INSTANCE_IDS_MAX => (
                    rows.iter()
                        .map(|r| r.node.info.instance_id.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                    "sent as node ids".to_owned(),
                ),
                None => (
                    String::new(),
                    format!(
                        "too many for node ids (at most {}): filter by Key=value to send a tag target",
                        limits::INSTANCE_IDS_MAX
                    ),
                ),
            };
            if !targets.is_empty() || n > limits::INSTANCE_IDS_MAX {
                choices.push(RunChoice {
                    key: 'f',
                    label: format!("the {n} {} the filter shows, {how}", nodes(n)),
                    targets,
                    lost: lost(&mut rows.into_iter()),
                });
            }
        }
        if let Some(id) = self.selected_id()
            && let Some(row) = self.row(&id)
        {
            choices.push(RunChoice {
                key: 'c',
                label: format!("{} ({id}), the node under the cursor", row.name),
                targets: id.clone(),
                lost: usize::from(row.status() == PingStatus::ConnectionLost),
            });
        }
        choices
    }

    /// The filter as a tag target, when it is only `Key=value` terms and
    /// the target, matched exactly as the server will, reaches the very
    /// rows the filter shows.
    fn filter_as_tag_target(&self) -> Option<String> {
        let tags = self.table.filter.as_tags()?;
        let reach = self
            .rows
            .iter()
            .filter(|r| {
                tags.iter()
                    .all(|(k, v)| r.node.tags.iter().any(|t| t.key == *k && t.value == *v))
            })
            .count();
        (reach == self.table.order.len()).then(|| {
            tags.iter()
                .map(|(k, v)| format!("tag:{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
    }
}

fn nodes(n: usize) -> &'static str {
    if n == 1 { "node" } else { "nodes" }
}

impl RunChooser {
    pub fn on_key(mut self, event: KeyEvent) -> Picked {
        let pick = |c: &RunChoice| {
            if c.targets.is_empty() {
                Picked::Stay(self.clone())
            } else {
                Picked::Run(c.targets.clone())
            }
        };
        match event.code {
            KeyCode::Esc => Picked::Cancel,
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(self.choices.len().saturating_sub(1));
                Picked::Stay(self)
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1);
                Picked::Stay(self)
            }
            KeyCode::Enter => match self.choices.get(self.selected) {
                Some(c) => pick(c),
                None => Picked::Cancel,
            },
            KeyCode::Char(k) => match self.choices.iter().find(|c| c.key == k) {
                Some(c) => pick(c),
                None => Picked::Stay(self),
            },
            _ => Picked::Stay(self),
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let width = 76.min(area.width);
        let text_width = usize::from(width).saturating_sub(8);
        let mut lines = Vec::new();
        for (i, c) in self.choices.iter().enumerate() {
            let style = if i == self.selected {
                theme.selection
            } else {
                theme.text
            };
            lines.push(Line::from(vec![
                Span::styled(format!(" {} ", c.key), theme.key),
                Span::styled(fit(&c.label, text_width), style),
            ]));
            if c.lost > 0 {
                lines.push(Line::styled(
                    fit(
                        &if c.lost == 1 {
                            "     ⚠ 1 of them lost its connection: the command waits for it"
                                .to_owned()
                        } else {
                            format!(
                                "     ⚠ {} of them lost their connection: the command waits for them",
                                c.lost
                            )
                        },
                        text_width + 3,
                    ),
                    theme.warn,
                ));
            }
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            " the key or enter picks · esc cancels",
            theme.muted,
        ));
        let rect = centered(area, width, lines.len() as u16 + 2);
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(lines).block(popup_block(theme, "Run a command on")),
            rect,
        );
    }
}
