//! The parameter form: create a parameter or add a version, checked as
//! you type with the backend's own naming rules.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use sysman_api::parameters::rules;
use sysman_api::parameters::{ParameterType, PutParameter};

use crate::input::{Edit, TextInput, line_spans};
use crate::theme::Theme;
use crate::ui::{centered, popup_block, wrap_words};

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
    pub name: TextInput,
    pub kind: ParameterType,
    pub value: TextInput,
    pub description: TextInput,
    pub focus: Field,
    /// A save was tried: every field's problem shows, typed in or not.
    pub tried: bool,
    /// The request in flight, if saved and not yet answered.
    pub pending: Option<u64>,
    /// What the backend said about the last save.
    pub error: Option<String>,
}

impl ParamForm {
    pub fn new() -> Self {
        Self {
            editing: false,
            name: TextInput::default(),
            kind: ParameterType::String,
            value: TextInput::default(),
            description: TextInput::default(),
            focus: Field::Name,
            tried: false,
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
            name: name.into(),
            kind,
            value: value.into(),
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

    fn input_mut(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            Field::Name if !self.editing => Some(&mut self.name),
            Field::Value => Some(&mut self.value),
            Field::Description => Some(&mut self.description),
            _ => None,
        }
    }

    fn input(&self, field: Field) -> Option<&TextInput> {
        match field {
            Field::Name => Some(&self.name),
            Field::Value => Some(&self.value),
            Field::Description => Some(&self.description),
            Field::Type => None,
        }
    }

    /// An editing key on the focused field: the text fields take it, the
    /// type turns on space.
    pub fn apply(&mut self, edit: Edit) {
        if self.focus == Field::Type {
            if edit == Edit::Insert(' ') {
                self.cycle_type();
            }
            return;
        }
        if let Some(input) = self.input_mut()
            && input.apply(edit)
        {
            self.error = None;
        }
    }

    /// Problems the user can fix before saving, field by field.
    pub fn problems(&self) -> Vec<(Field, String)> {
        let mut out = Vec::new();
        if let Some(problem) = rules::name_problem(self.name.text()) {
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
            name: self.name.to_string(),
            value: self.value.to_string(),
            r#type: Some(self.kind.as_str().to_owned()),
            overwrite: Some(self.editing),
            description: (!self.description.is_empty()).then(|| self.description.to_string()),
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
        const WIDTH: u16 = 76;
        const LABEL: usize = 13;
        let form = self;
        let problems = form.problems();
        let room = usize::from(WIDTH - 2) - LABEL;
        let mut lines = Vec::new();
        for field in Field::ORDER {
            let focused = form.focus == field;
            let cursor =
                (focused && !(field == Field::Name && form.editing)).then_some(theme.accent);
            let label_style = if focused { theme.key } else { theme.muted };
            let mut spans = vec![Span::styled(
                format!(" {:<width$}", field.label(), width = LABEL - 1),
                label_style,
            )];
            // Dots hide what will be saved; its length at least shows.
            let mut note = String::new();
            if field == Field::Value && form.masked() {
                let n = form.value.chars().count();
                let plural = if n == 1 { "" } else { "s" };
                note = format!("  {n} character{plural}");
                if n == 0 && form.editing {
                    note.push_str(": type the whole new value");
                }
            }
            let value_room = room.saturating_sub(note.chars().count());
            match field {
                Field::Type => spans.push(Span::raw(format!("‹ {} ›", form.kind.as_str()))),
                // A secret being typed is not shown on screen.
                Field::Value if form.masked() => spans.extend(line_spans(
                    &form.value,
                    cursor.map(|style| (form.value.cursor(), style)),
                    value_room,
                    Default::default(),
                    true,
                )),
                _ => {
                    let input = form.input(field).expect("a text field");
                    spans.extend(input.spans(value_room, Default::default(), cursor));
                }
            }
            if !note.is_empty() {
                spans.push(Span::styled(note, theme.muted));
            }
            lines.push(Line::from(spans));
            // A field's problem shows once it is typed in, or a save tried.
            let shown = form.tried || form.input(field).is_some_and(TextInput::touched);
            if let Some((_, problem)) = problems.iter().find(|(f, _)| *f == field)
                && shown
            {
                // Under the value, wrapped there: the popup counts lines.
                for piece in wrap_words(problem, room, 3) {
                    let indent = " ".repeat(LABEL);
                    lines.push(Line::styled(format!("{indent}{piece}"), theme.warn));
                }
            }
        }
        lines.push(Line::raw(""));
        let hint = if form.focus == Field::Type {
            " tab next field · space/←→ change type · enter save · esc cancel"
        } else {
            " tab next field · ←→ move · ctrl-u clear · enter save · esc cancel"
        };
        match (&form.error, form.pending) {
            (_, Some(_)) => lines.push(Line::styled(" saving…", theme.muted)),
            (Some(error), None) => lines.push(Line::styled(format!(" {error}"), theme.error)),
            (None, None) => lines.push(Line::styled(hint, theme.muted)),
        }
        let height = lines.len() as u16 + 2;
        let rect = centered(area, WIDTH, height);
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

    fn type_text(form: &mut ParamForm, text: &str) {
        for c in text.chars() {
            form.apply(Edit::Insert(c));
        }
    }

    #[test]
    fn the_form_checks_names_with_the_backend_rules() {
        let mut form = ParamForm::new();
        type_text(&mut form, "/app/db host");
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
        form.apply(Edit::Insert(' '));
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
        type_text(&mut secret, "hunter3");
        assert_eq!(secret.request().value, "hunter3");

        let mut plain = ParamForm::edit("/db/host", ParameterType::String, "db-1");
        assert_eq!(plain.value, "db-1", "a plain value is there to edit");
        plain.apply(Edit::DeleteToStart);
        assert_eq!(plain.value, "");
        let mut new = ParamForm::new();
        type_text(&mut new, "/a");
        new.apply(Edit::DeleteToStart);
        assert_eq!(new.name, "", "ctrl-u clears whichever text field has focus");
    }
}
