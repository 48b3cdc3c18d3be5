//! The new-baseline form (`n` in the baselines): a name, an operating
//! system, a patch group to register it for, the baseline whose rules it
//! starts from — so a fleet of predefined baselines gets one of its own
//! that approvals can change — and the compliance level of the patches it
//! will list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use sysman_api::patch::{
    COMPLIANCE_LEVELS, OPERATING_SYSTEMS, PatchGroupPatchBaselineMapping, limits,
};

use crate::input::{Edit, TextInput};
use crate::theme::Theme;
use crate::ui::{centered, popup_block, wrap_words};

/// The operating system a new baseline has when nothing says otherwise.
pub const DEFAULT_OS: &str = "AMAZON_LINUX_2023";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Os,
    Group,
    Copy,
    Level,
}

impl Field {
    pub const ORDER: [Field; 5] = [
        Field::Name,
        Field::Os,
        Field::Group,
        Field::Copy,
        Field::Level,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::Os => "OS",
            Field::Group => "Patch group",
            Field::Copy => "Rules",
            Field::Level => "Listed at",
        }
    }

    /// Whether the field shapes the baseline itself, which a save whose
    /// registration failed has created already.
    fn fixed_once_created(self) -> bool {
        matches!(self, Field::Name | Field::Os | Field::Copy | Field::Level)
    }

    /// The field a server error names, if it names one.
    pub fn named_by(code: &str, message: &str) -> Option<Field> {
        let text = format!("{code} {message}").to_ascii_lowercase();
        if text.contains("patch group") || text.contains("patchgroup") {
            Some(Field::Group)
        } else if text.contains("operatingsystem") || text.contains("operating system") {
            Some(Field::Os)
        } else if text.contains("name") {
            Some(Field::Name)
        } else {
            None
        }
    }
}

/// The baseline whose rules a new one can copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub baseline_id: String,
    pub name: String,
    pub operating_system: String,
}

/// What the runtime does when the form is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateBaseline {
    pub name: String,
    pub operating_system: String,
    /// Copy the rules and lists of this baseline.
    pub copy_from: Option<String>,
    /// Register the new baseline for this patch group.
    pub patch_group: Option<String>,
    /// ApprovedPatchesComplianceLevel; `None` keeps the copied one (or
    /// AWS's default, UNSPECIFIED).
    pub approved_level: Option<String>,
    /// The baseline the group has for this OS now, deregistered first.
    pub replaces: Option<String>,
    /// Created by an earlier save whose registration failed: only register.
    pub existing: Option<String>,
}

/// Why a save failed, and what it did before failing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateError {
    pub field: Option<Field>,
    pub text: String,
    /// The baseline, if it was created before the failure.
    pub created: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BaselineForm {
    pub name: TextInput,
    /// Index into [`OPERATING_SYSTEMS`].
    pub os: usize,
    pub group: TextInput,
    pub source: Option<Source>,
    pub copy: bool,
    /// Index into [`COMPLIANCE_LEVELS`] of the listed patches' level;
    /// `None` keeps the copied baseline's (or UNSPECIFIED).
    pub level: Option<usize>,
    pub focus: Field,
    /// Every registration, to say what the group has now.
    pub mappings: Vec<PatchGroupPatchBaselineMapping>,
    /// The request in flight.
    pub pending: Option<u64>,
    /// A save was tried: every field's problem shows, typed in or not.
    pub tried: bool,
    /// What the server said, and under which field.
    pub error: Option<(Option<Field>, String)>,
    /// Created already by a save whose registration failed.
    pub created: Option<String>,
    /// The form is filled in and shows what saving will do: create the
    /// baseline, then register it for the group, replacing what the group
    /// patches by now. `y` goes ahead, `esc` goes back to the fields.
    pub previewing: bool,
}

fn os_index(os: &str) -> usize {
    OPERATING_SYSTEMS
        .iter()
        .position(|o| *o == os)
        .or_else(|| OPERATING_SYSTEMS.iter().position(|o| *o == DEFAULT_OS))
        .unwrap_or(0)
}

impl BaselineForm {
    pub fn new(
        source: Option<Source>,
        group: Option<String>,
        mappings: Vec<PatchGroupPatchBaselineMapping>,
    ) -> Self {
        let os = os_index(source.as_ref().map_or(DEFAULT_OS, |s| &s.operating_system));
        Self {
            name: TextInput::default(),
            os,
            group: group.unwrap_or_default().into(),
            copy: source.is_some(),
            source,
            level: None,
            focus: Field::Name,
            mappings,
            pending: None,
            tried: false,
            error: None,
            created: None,
            previewing: false,
        }
    }

    /// What saving will do, step by step, for the preview.
    pub fn steps(&self) -> Vec<String> {
        let request = self.request();
        let mut steps = Vec::new();
        if self.created.is_none() {
            let from = match self.copies() {
                Some(s) => format!("copying the rules of {}", s.name),
                None => "with no rules: it approves only what you list".to_owned(),
            };
            steps.push(format!(
                "create {} for {}, {from}",
                self.name,
                self.operating_system()
            ));
        }
        if let Some(group) = &request.patch_group {
            let register = format!(
                "register it as patch group {group}'s baseline for {}",
                self.operating_system()
            );
            steps.push(match self.replaces() {
                Some(m) => format!(
                    "{register}, replacing {}: {group}'s {} nodes patch by the new one from then on",
                    m.baseline_identity.baseline_name,
                    self.operating_system()
                ),
                None => register,
            });
        }
        steps
    }

    pub fn operating_system(&self) -> &'static str {
        OPERATING_SYSTEMS[self.os]
    }

    fn fields(&self) -> Vec<Field> {
        Field::ORDER
            .into_iter()
            .filter(|f| !(self.created.is_some() && f.fixed_once_created()))
            .collect()
    }

    pub fn next_field(&mut self, forward: bool) {
        let order = self.fields();
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let len = order.len();
        self.focus = order[if forward {
            (at + 1) % len
        } else {
            (at + len - 1) % len
        }];
    }

    /// Left or right on a choice: the OS, or whether to copy the rules.
    pub fn cycle(&mut self, forward: bool) {
        match self.focus {
            Field::Os if self.created.is_none() => {
                let n = OPERATING_SYSTEMS.len();
                self.os = if forward {
                    (self.os + 1) % n
                } else {
                    (self.os + n - 1) % n
                };
            }
            Field::Copy if self.created.is_none() => self.copy = !self.copy,
            Field::Level if self.created.is_none() => {
                // None, then each level in turn, then None again.
                let n = COMPLIANCE_LEVELS.len() + 1;
                let at = self.level.map_or(0, |i| i + 1);
                let next = if forward {
                    (at + 1) % n
                } else {
                    (at + n - 1) % n
                };
                self.level = next.checked_sub(1);
            }
            _ => return,
        }
        self.error = None;
    }

    /// Whether the focused field is a choice (←→ and space change it)
    /// rather than text.
    pub fn choosing(&self) -> bool {
        matches!(self.focus, Field::Os | Field::Copy | Field::Level)
    }

    fn input_mut(&mut self) -> Option<&mut TextInput> {
        match self.focus {
            Field::Name if self.created.is_none() => Some(&mut self.name),
            Field::Group => Some(&mut self.group),
            _ => None,
        }
    }

    /// An editing key on the focused field: the text fields take it, a
    /// choice turns on space.
    pub fn apply(&mut self, edit: Edit) {
        if self.choosing() {
            if edit == Edit::Insert(' ') {
                self.cycle(true);
            }
            return;
        }
        if let Some(input) = self.input_mut()
            && input.apply(edit)
        {
            self.error = None;
        }
    }

    /// The copy applies: asked for, and of a baseline of the OS chosen.
    fn copies(&self) -> Option<&Source> {
        self.source
            .as_ref()
            .filter(|s| self.copy && s.operating_system == self.operating_system())
    }

    /// The baseline the group has for the OS chosen, other than ours.
    pub fn replaces(&self) -> Option<&PatchGroupPatchBaselineMapping> {
        let group = self.group.trim();
        self.mappings.iter().find(|m| {
            m.patch_group == group
                && m.baseline_identity.operating_system == self.operating_system()
                && Some(&m.baseline_identity.baseline_id) != self.created.as_ref()
        })
    }

    /// Problems the user can fix before saving, field by field.
    pub fn problems(&self) -> Vec<(Field, String)> {
        let mut out = Vec::new();
        let n = self.name.len();
        if !(limits::NAME_MIN..=limits::NAME_MAX).contains(&n) {
            out.push((
                Field::Name,
                format!(
                    "{}–{} characters, {n} now",
                    limits::NAME_MIN,
                    limits::NAME_MAX
                ),
            ));
        } else if let Some(c) = self
            .name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "_-.".contains(*c)))
        {
            out.push((
                Field::Name,
                format!("'{c}' is not allowed: letters, digits, '_', '-' and '.'"),
            ));
        }
        let group = self.group.trim();
        if group.len() > limits::PATCH_GROUP_MAX {
            out.push((
                Field::Group,
                format!("at most {} characters", limits::PATCH_GROUP_MAX),
            ));
        } else if let Some(c) = group
            .chars()
            .find(|c| !(c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(*c)))
        {
            out.push((
                Field::Group,
                format!("'{c}' is not allowed in a patch group"),
            ));
        }
        if self.copy
            && let Some(s) = &self.source
            && s.operating_system != self.operating_system()
        {
            out.push((
                Field::Copy,
                format!(
                    "{} is for {}: choose that OS, or start empty",
                    s.name, s.operating_system
                ),
            ));
        }
        out
    }

    /// A note under a field that is not a problem: what saving also does.
    fn note(&self, field: Field) -> Option<String> {
        match field {
            Field::Group if self.group.trim().is_empty() => {
                Some("optional: no node patches by it until a group or default does".to_owned())
            }
            Field::Group => self.replaces().map(|m| {
                format!(
                    "{} patches by {} now; saving moves it here",
                    m.patch_group, m.baseline_identity.baseline_name
                )
            }),
            Field::Copy if self.source.is_none() => {
                Some("no baseline under the cursor to copy".to_owned())
            }
            Field::Level => Some(
                "the compliance severity of a node that lacks a patch the baseline lists"
                    .to_owned(),
            ),
            _ => None,
        }
    }

    pub fn request(&self) -> CreateBaseline {
        let group = self.group.trim();
        CreateBaseline {
            name: self.name.to_string(),
            operating_system: self.operating_system().to_owned(),
            copy_from: self.copies().map(|s| s.baseline_id.clone()),
            patch_group: (!group.is_empty()).then(|| group.to_owned()),
            approved_level: self.level.map(|i| COMPLIANCE_LEVELS[i].to_owned()),
            replaces: self
                .replaces()
                .map(|m| m.baseline_identity.baseline_id.clone()),
            existing: self.created.clone(),
        }
    }

    fn value(&self, field: Field) -> String {
        match field {
            Field::Name => self.name.to_string(),
            Field::Os => format!("‹ {} ›", self.operating_system()),
            Field::Group => self.group.to_string(),
            Field::Copy => match (&self.source, self.copy) {
                (Some(s), true) => format!("‹ copy {} ›", s.name),
                _ => "‹ start empty: approve only what I list ›".to_owned(),
            },
            Field::Level => match (self.level, self.copies()) {
                (Some(i), _) => format!("‹ {} ›", COMPLIANCE_LEVELS[i]),
                (None, Some(s)) => format!("‹ as in {} ›", s.name),
                (None, None) => "‹ UNSPECIFIED ›".to_owned(),
            },
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let width = area.width.saturating_sub(4).min(84);
        let indent = " ".repeat(14);
        let problems = self.problems();
        let mut lines = Vec::new();
        for field in Field::ORDER {
            let focused = self.focus == field;
            let fixed = self.created.is_some() && field.fixed_once_created();
            let label_style = if focused { theme.key } else { theme.muted };
            let mut spans = vec![Span::styled(format!(" {:<13}", field.label()), label_style)];
            let room = usize::from(width.saturating_sub(2)).saturating_sub(indent.len());
            match field {
                Field::Name | Field::Group if !fixed => {
                    let input = if field == Field::Name {
                        &self.name
                    } else {
                        &self.group
                    };
                    let cursor = focused.then_some(theme.accent);
                    spans.extend(input.spans(room, Default::default(), cursor));
                }
                _ if fixed => spans.push(Span::styled(self.value(field), theme.muted)),
                _ => spans.push(Span::raw(self.value(field))),
            }
            lines.push(Line::from(spans));
            // A text field's problem shows once it is typed in, or a save
            // tried; a choice's, once made.
            let shown = self.tried
                || match field {
                    Field::Name => self.name.touched(),
                    Field::Group => self.group.touched(),
                    _ => true,
                };
            let problem = problems.iter().find(|(f, _)| *f == field).filter(|_| shown);
            let server = self
                .error
                .as_ref()
                .filter(|(f, _)| *f == Some(field))
                .map(|(_, e)| e);
            let under = match (server, problem, self.note(field)) {
                (Some(e), _, _) => Some((e.clone(), theme.error)),
                (None, Some((_, p)), _) => Some((p.clone(), theme.warn)),
                (None, None, Some(note)) => Some((note, theme.muted)),
                _ => None,
            };
            // Wrapped under the value, not under the label.
            if let Some((text, style)) = under {
                let room = usize::from(width.saturating_sub(2)).saturating_sub(indent.len());
                for line in wrap_words(&text, room.max(10), usize::MAX) {
                    lines.push(Line::styled(format!("{indent}{line}"), style));
                }
            }
        }
        lines.push(Line::raw(""));
        if self.previewing && self.pending.is_none() {
            lines.push(Line::styled(" Saving will:", theme.key));
            for (i, step) in self.steps().iter().enumerate() {
                let room = usize::from(width.saturating_sub(2)).saturating_sub(5);
                for (j, line) in wrap_words(step, room.max(10), usize::MAX)
                    .iter()
                    .enumerate()
                {
                    let lead = if j == 0 {
                        format!(" {}. ", i + 1)
                    } else {
                        "    ".to_owned()
                    };
                    lines.push(Line::raw(format!("{lead}{line}")));
                }
            }
            lines.push(Line::raw(""));
            lines.push(Line::from(vec![
                Span::styled(" y", theme.error),
                Span::raw(" go ahead   "),
                Span::styled("esc", theme.key),
                Span::raw(" back to the form"),
            ]));
        } else {
            match (&self.error, self.pending) {
                (_, Some(_)) => lines.push(Line::styled(" creating…", theme.muted)),
                (Some((None, error)), None) => {
                    lines.push(Line::styled(format!(" {error}"), theme.error))
                }
                _ if self.choosing() => lines.push(Line::styled(
                    " tab next field · space/←→ change · enter review · esc cancel",
                    theme.muted,
                )),
                _ => lines.push(Line::styled(
                    " tab next field · ←→ move · ctrl-u clear · enter review · esc cancel",
                    theme.muted,
                )),
            }
        }
        // Long notes wrap: count the rows they take.
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
        let rect = centered(area, width, rows as u16 + 2);
        frame.render_widget(Clear, rect);
        let title = if self.created.is_some() {
            "New patch baseline (created; register it)"
        } else {
            "New patch baseline"
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
    use sysman_api::patch::PatchBaselineIdentity;

    fn mapping(group: &str, os: &str, name: &str) -> PatchGroupPatchBaselineMapping {
        PatchGroupPatchBaselineMapping {
            patch_group: group.into(),
            baseline_identity: PatchBaselineIdentity {
                baseline_id: format!("pb-{name}"),
                baseline_name: name.into(),
                operating_system: os.into(),
                baseline_description: None,
                default_baseline: false,
            },
        }
    }

    #[test]
    fn the_form_checks_names_and_says_what_a_group_has_now() {
        let source = Source {
            baseline_id: "arn:aws:ssm:us-east-1:aws:patchbaseline/pb-x".into(),
            name: "AWS-AmazonLinux2023DefaultPatchBaseline".into(),
            operating_system: "AMAZON_LINUX_2023".into(),
        };
        let mut form = BaselineForm::new(
            Some(source.clone()),
            Some("prod-linux".into()),
            vec![mapping("prod-linux", "AMAZON_LINUX_2023", "old")],
        );
        assert_eq!(form.operating_system(), "AMAZON_LINUX_2023");
        for c in "my base".chars() {
            form.apply(Edit::Insert(c));
        }
        assert!(
            form.problems()
                .iter()
                .any(|(f, m)| *f == Field::Name && m.contains("' '"))
        );
        form.name = "my-base".into();
        assert!(form.problems().is_empty());
        let request = form.request();
        assert_eq!(
            request.copy_from.as_deref(),
            Some(source.baseline_id.as_str())
        );
        assert_eq!(request.patch_group.as_deref(), Some("prod-linux"));
        assert_eq!(request.replaces.as_deref(), Some("pb-old"));

        // Another OS: the copy no longer fits, and the group has none.
        form.focus = Field::Os;
        form.cycle(true);
        assert_ne!(form.operating_system(), "AMAZON_LINUX_2023");
        assert!(form.problems().iter().any(|(f, _)| *f == Field::Copy));
        form.focus = Field::Copy;
        form.apply(Edit::Insert(' '));
        assert!(form.problems().is_empty());
        assert_eq!(form.request().copy_from, None);
        assert_eq!(form.request().replaces, None);

        // The listed patches' level: AWS's default until chosen.
        assert_eq!(form.request().approved_level, None);
        form.focus = Field::Level;
        form.apply(Edit::Insert(' '));
        assert_eq!(form.request().approved_level.as_deref(), Some("CRITICAL"));
        form.cycle(false);
        assert_eq!(form.request().approved_level, None);
        assert_eq!(
            Field::named_by("AlreadyExistsException", "Patch group g already has x"),
            Some(Field::Group)
        );
    }

    #[test]
    fn ctrl_u_clears_the_focused_text_and_leaves_choices_alone() {
        let mut form = BaselineForm::new(None, Some("prod".into()), Vec::new());
        for c in "web".chars() {
            form.apply(Edit::Insert(c));
        }
        form.apply(Edit::DeleteToStart);
        assert_eq!(form.name, "");
        form.focus = Field::Group;
        form.apply(Edit::DeleteToStart);
        assert_eq!(form.group, "");
        form.focus = Field::Os;
        let os = form.operating_system();
        form.apply(Edit::DeleteToStart);
        assert_eq!(form.operating_system(), os);
    }
}
