//! The parameter form: create a parameter or add a version, checked as
//! you type with the backend's own naming rules.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use sysman_api::parameters::rules;
use sysman_api::parameters::{ParameterType, PutParameter};

use crate::theme::Theme;
use crate::ui::{centered, popup_block};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Type,
    Value,
    Description,
}

impl Field {
    const ORDER: [Field; 4] = [Field::Name, Field::Type, Field::Value, Field::Description];

    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::Type => "Type",
            Field::Value => "Value",
            Field::Description => "Description",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamForm {
    /// Editing adds a version to this existing parameter; the name is fixed.
    pub editing: bool,
    pub name: String,
    pub kind: ParameterType,
    pub value: String,
    pub description: String,
    pub focus: Field,
    /// The request in flight, if saved and not yet answered.
    pub pending: Option<u64>,
    /// What the backend said about the last save.
    pub error: Option<String>,
}

impl ParamForm {
    pub fn new() -> Self {
        Self {
            editing: false,
            name: String::new(),
            kind: ParameterType::String,
            value: String::new(),
            description: String::new(),
            focus: Field::Name,
            pending: None,
            error: None,
        }
    }

    /// A form that adds a version to `name`, whose value is `current`. A
    /// SecureString starts empty: its old value would sit behind the mask,
    /// and whatever is typed would be added to it unseen.
    pub fn edit(name: &str, kind: ParameterType, current: &str) -> Self {
        let value = if kind == ParameterType::SecureString {
            String::new()
        } else {
            current.to_owned()
        };
        Self {
            editing: true,
            name: name.to_owned(),
            kind,
            value,
            focus: Field::Value,
            ..Self::new()
        }
    }

    /// The value is shown as dots, not as typed.
    pub fn masked(&self) -> bool {
        self.kind == ParameterType::SecureString
    }

    pub fn next_field(&mut self, forward: bool) {
        let order: Vec<Field> = Field::ORDER
            .into_iter()
            .filter(|f| !(self.editing && *f == Field::Name))
            .collect();
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let len = order.len();
        self.focus = order[if forward {
            (at + 1) % len
        } else {
            (at + len - 1) % len
        }];
    }

    /// Cycles the type on the Type field.
    pub fn cycle_type(&mut self) {
        let all = ParameterType::ALL;
        let at = all.iter().position(|t| *t == self.kind).unwrap_or(0);
        self.kind = all[(at + 1) % all.len()];
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self.focus {
            Field::Name if !self.editing => Some(&mut self.name),
            Field::Value => Some(&mut self.value),
            Field::Description => Some(&mut self.description),
            _ => None,
        }
    }

    pub fn type_char(&mut self, c: char) {
        if self.focus == Field::Type {
            if c == ' ' {
                self.cycle_type();
            }
            return;
        }
        if let Some(text) = self.text_mut() {
            text.push(c);
        }
        self.error = None;
    }

    pub fn backspace(&mut self) {
        if let Some(text) = self.text_mut() {
            text.pop();
        }
        self.error = None;
    }

    /// Empties the focused text field (`ctrl-u`).
    pub fn clear(&mut self) {
        if let Some(text) = self.text_mut() {
            text.clear();
        }
        self.error = None;
    }

    /// Problems the user can fix before saving, field by field.
    pub fn problems(&self) -> Vec<(Field, String)> {
        let mut out = Vec::new();
        if let Some(problem) = rules::name_problem(&self.name) {
            out.push((Field::Name, problem.explain()));
        }
        if self.value.is_empty() {
            out.push((Field::Value, "a value is required".to_owned()));
        } else if self.value.len() > rules::STANDARD_VALUE_MAX {
            out.push((
                Field::Value,
                format!(
                    "{} bytes; Standard parameters hold at most 4096",
                    self.value.len()
                ),
            ));
        }
        if self.description.chars().count() > 1024 {
            out.push((Field::Description, "at most 1024 characters".to_owned()));
        }
        out
    }

    /// The request that saves the form.
    pub fn request(&self) -> PutParameter {
        PutParameter {
            name: self.name.clone(),
            value: self.value.clone(),
            r#type: Some(self.kind.as_str().to_owned()),
            overwrite: Some(self.editing),
            description: (!self.description.is_empty()).then(|| self.description.clone()),
            ..PutParameter::default()
        }
    }
}

impl Default for ParamForm {
    fn default() -> Self {
        Self::new()
    }
}

impl ParamForm {
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let form = self;
        let problems = form.problems();
        let mut lines = Vec::new();
        for field in [Field::Name, Field::Type, Field::Value, Field::Description] {
            let focused = form.focus == field;
            let text = match field {
                Field::Name => form.name.clone(),
                Field::Type => format!("‹ {} ›", form.kind.as_str()),
                // A secret being typed is not shown on screen.
                Field::Value if form.masked() => "•".repeat(form.value.chars().count()),
                Field::Value => form.value.clone(),
                Field::Description => form.description.clone(),
            };
            let label_style = if focused { theme.key } else { theme.muted };
            let mut spans = vec![
                Span::styled(format!(" {:<12}", field.label()), label_style),
                Span::raw(text),
            ];
            if focused && field != Field::Type {
                spans.push(Span::styled("█", theme.accent));
            }
            // Dots hide what will be saved; its length at least shows.
            if field == Field::Value && form.masked() {
                let n = form.value.chars().count();
                let plural = if n == 1 { "" } else { "s" };
                let mut note = format!("  {n} character{plural}");
                if n == 0 && form.editing {
                    note.push_str(": type the whole new value");
                }
                spans.push(Span::styled(note, theme.muted));
            }
            lines.push(Line::from(spans));
            // An empty value is not worth a warning until the user saves.
            if let Some((_, problem)) = problems.iter().find(|(f, _)| *f == field)
                && !(field == Field::Value && form.value.is_empty())
            {
                lines.push(Line::styled(format!("              {problem}"), theme.warn));
            }
        }
        lines.push(Line::raw(""));
        match (&form.error, form.pending) {
            (_, Some(_)) => lines.push(Line::styled(" saving…", theme.muted)),
            (Some(error), None) => lines.push(Line::styled(format!(" {error}"), theme.error)),
            (None, None) => lines.push(Line::styled(
                " tab next field · space/←→ type · ctrl-u clear · enter save · esc cancel",
                theme.muted,
            )),
        }
        let height = lines.len() as u16 + 2;
        let rect = centered(area, 76, height);
        frame.render_widget(Clear, rect);
        let title = if form.editing {
            "New version"
        } else {
            "New parameter"
        };
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(popup_block(theme, title)),
            rect,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_checks_names_with_the_backend_rules() {
        let mut form = ParamForm::new();
        for c in "/app/db host".chars() {
            form.type_char(c);
        }
        let problems = form.problems();
        assert!(
            problems
                .iter()
                .any(|(f, m)| *f == Field::Name && m.contains("' '")),
            "{problems:?}"
        );
        assert!(problems.iter().any(|(f, _)| *f == Field::Value));
        form.name = "/app/db/host".into();
        form.value = "db.internal".into();
        assert!(form.problems().is_empty());
    }

    #[test]
    fn tab_moves_through_the_fields_and_space_cycles_the_type() {
        let mut form = ParamForm::new();
        form.next_field(true);
        assert_eq!(form.focus, Field::Type);
        form.type_char(' ');
        assert_eq!(form.kind, ParameterType::StringList);
        form.next_field(false);
        form.next_field(false);
        assert_eq!(form.focus, Field::Description);
        let edit = ParamForm::edit("/x", ParameterType::String, "v");
        let mut e = edit.clone();
        e.next_field(true);
        e.next_field(true);
        e.next_field(true);
        assert_ne!(e.focus, Field::Name, "an edit never focuses the fixed name");
        assert!(e.request().overwrite == Some(true));
    }

    #[test]
    fn a_secret_is_typed_whole_and_ctrl_u_clears_the_field() {
        let mut secret = ParamForm::edit("/db/pw", ParameterType::SecureString, "hunter2");
        assert!(secret.masked());
        assert_eq!(
            secret.value, "",
            "the old secret is not kept behind the mask"
        );
        for c in "hunter3".chars() {
            secret.type_char(c);
        }
        assert_eq!(secret.request().value, "hunter3");

        let mut plain = ParamForm::edit("/db/host", ParameterType::String, "db-1");
        assert_eq!(plain.value, "db-1", "a plain value is there to edit");
        plain.clear();
        assert_eq!(plain.value, "");
        let mut new = ParamForm::new();
        for c in "/a".chars() {
            new.type_char(c);
        }
        new.clear();
        assert_eq!(new.name, "", "ctrl-u clears whichever text field has focus");
    }
}
