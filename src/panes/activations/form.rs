//! The new-activation form (`n`): CreateActivation's fields, each a text
//! field, checked as you type against AWS's limits; what only the server
//! checks comes back under the field it names.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use sysman_api::fleet::CreateActivation;
use sysman_api::{Tag, Timestamp};

use crate::input::{Edit, TextInput};
use crate::theme::Theme;
use crate::ui::{centered, popup_block, wrap_words};

/// The role registered nodes get unless the form says otherwise: the one
/// AWS's hybrid-activation guide and this README name.
pub const DEFAULT_IAM_ROLE: &str = "SSMServiceRole";
/// How long a new activation lives unless the form says otherwise, as AWS.
pub const DEFAULT_EXPIRY: &str = "24h";
/// The longest an activation may live, as AWS: 30 days.
const MAX_LIFETIME_SECS: i64 = 30 * 86_400;
/// Most tags one resource may carry, as AWS.
const MAX_TAGS: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Description,
    DefaultName,
    IamRole,
    Limit,
    Expires,
    Tags,
}

impl Field {
    pub const ORDER: [Field; 6] = [
        Field::Description,
        Field::DefaultName,
        Field::IamRole,
        Field::Limit,
        Field::Expires,
        Field::Tags,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Description => "Description",
            Field::DefaultName => "Default name",
            Field::IamRole => "IAM role",
            Field::Limit => "Registrations",
            Field::Expires => "Expires in",
            Field::Tags => "Tags",
        }
    }

    /// What the field is for, under it while it has nothing to complain of.
    fn note(self) -> &'static str {
        match self {
            Field::Description => "optional",
            Field::DefaultName => "optional: the name its nodes show",
            Field::IamRole => "required: the role registered nodes get",
            Field::Limit => "how many machines may register with it (1–1000)",
            Field::Expires => "e.g. 30m, 24h, 7d; at most 30d",
            Field::Tags => "optional: Key=Value, separated by commas",
        }
    }

    /// The field a server error names, if it names one (AWS names the
    /// member: `at 'registrationLimit'`, `Tag key 'aws:x'`).
    pub fn named_by(message: &str) -> Option<Field> {
        let text = message.to_ascii_lowercase();
        [
            ("defaultinstancename", Field::DefaultName),
            ("iamrole", Field::IamRole),
            ("registrationlimit", Field::Limit),
            ("expirationdate", Field::Expires),
            ("tag", Field::Tags),
            ("description", Field::Description),
        ]
        .into_iter()
        .find(|(name, _)| text.contains(name))
        .map(|(_, field)| field)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivationForm {
    pub description: TextInput,
    pub default_name: TextInput,
    pub iam_role: TextInput,
    pub limit: TextInput,
    pub expires: TextInput,
    pub tags: TextInput,
    pub focus: Field,
    /// A save was tried: every field's problem shows, typed in or not.
    pub tried: bool,
    /// The request in flight, if saved and not yet answered.
    pub pending: Option<u64>,
    /// What the server said, and under which field.
    pub error: Option<(Option<Field>, String)>,
    /// The console's time at the last key, for when the expiry falls.
    pub now: Timestamp,
}

impl ActivationForm {
    /// A form filled in with AWS's defaults and sysman's role.
    pub fn new(now: Timestamp) -> Self {
        Self {
            description: TextInput::default(),
            default_name: TextInput::default(),
            iam_role: DEFAULT_IAM_ROLE.into(),
            limit: "1".into(),
            expires: DEFAULT_EXPIRY.into(),
            tags: TextInput::default(),
            focus: Field::Description,
            tried: false,
            pending: None,
            error: None,
            now,
        }
    }
}

/// `30m`, `24h`, `7d` in seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let unit = text.chars().last().unwrap_or(' ');
    let scale = match unit {
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err("a number and m, h or d: 30m, 24h, 7d".to_owned()),
    };
    let number = &text[..text.len() - 1];
    match number.trim().parse::<i64>() {
        Ok(n) if n > 0 => Ok(n.saturating_mul(scale)),
        _ => Err(format!("'{number}' is not a whole number above 0")),
    }
}

/// `Key=Value, Key2=Value2` as tags.
pub fn parse_tags(text: &str) -> Result<Vec<Tag>, String> {
    let mut tags: Vec<Tag> = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("'{pair}' has no '=': write Key=Value"));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() {
            return Err(format!("'{pair}' has no key"));
        }
        if key.chars().count() > 128 {
            return Err(format!("key '{key}' is over 128 characters"));
        }
        if value.chars().count() > 256 {
            return Err(format!("the value of {key} is over 256 characters"));
        }
        if tags.iter().any(|t| t.key == key) {
            return Err(format!("{key} is given twice"));
        }
        tags.push(Tag::new(key, value));
    }
    if tags.len() > MAX_TAGS {
        return Err(format!(
            "{} tags; an activation takes at most {MAX_TAGS}",
            tags.len()
        ));
    }
    Ok(tags)
}

impl ActivationForm {
    pub fn input(&self, field: Field) -> &TextInput {
        match field {
            Field::Description => &self.description,
            Field::DefaultName => &self.default_name,
            Field::IamRole => &self.iam_role,
            Field::Limit => &self.limit,
            Field::Expires => &self.expires,
            Field::Tags => &self.tags,
        }
    }

    fn input_mut(&mut self, field: Field) -> &mut TextInput {
        match field {
            Field::Description => &mut self.description,
            Field::DefaultName => &mut self.default_name,
            Field::IamRole => &mut self.iam_role,
            Field::Limit => &mut self.limit,
            Field::Expires => &mut self.expires,
            Field::Tags => &mut self.tags,
        }
    }

    /// The focus is on the last field, where `enter` creates.
    pub fn on_last_field(&self) -> bool {
        self.focus == Field::ORDER[Field::ORDER.len() - 1]
    }

    pub fn next_field(&mut self, forward: bool) {
        let order = Field::ORDER;
        let at = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let len = order.len();
        self.focus = order[if forward {
            (at + 1) % len
        } else {
            (at + len - 1) % len
        }];
    }

    /// An editing key on the focused field. A change answers the
    /// server's error about it, or one that named no field; another
    /// field's stays in sight under it.
    pub fn apply(&mut self, edit: Edit) {
        let focus = self.focus;
        if self.input_mut(focus).apply(edit)
            && self
                .error
                .as_ref()
                .is_some_and(|e| e.0.is_none_or(|f| f == focus))
        {
            self.error = None;
        }
    }

    /// Problems the user can fix before saving, field by field, against
    /// AWS's limits.
    pub fn problems(&self) -> Vec<(Field, String)> {
        let mut out = Vec::new();
        let too_long = |text: &str, max: usize| {
            let n = text.chars().count();
            (n > max).then(|| format!("{n} characters; AWS takes at most {max}"))
        };
        if let Some(p) = too_long(self.description.trim(), 256) {
            out.push((Field::Description, p));
        }
        if let Some(p) = too_long(self.default_name.trim(), 256) {
            out.push((Field::DefaultName, p));
        }
        if self.iam_role.trim().is_empty() {
            out.push((
                Field::IamRole,
                "required: name the role registered nodes get".to_owned(),
            ));
        } else if let Some(p) = too_long(self.iam_role.trim(), 64) {
            out.push((Field::IamRole, p));
        }
        match self.limit.trim().parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => {}
            _ => out.push((
                Field::Limit,
                format!("'{}' is not a number from 1 to 1000", self.limit.trim()),
            )),
        }
        match parse_duration(&self.expires) {
            Ok(secs) if secs > MAX_LIFETIME_SECS => out.push((
                Field::Expires,
                "more than 30 days; AWS allows at most 30d".to_owned(),
            )),
            Ok(_) => {}
            Err(e) => out.push((Field::Expires, e)),
        }
        if let Err(e) = parse_tags(&self.tags) {
            out.push((Field::Tags, e));
        }
        out
    }

    /// The request that creates the activation, expiring from the form's
    /// `now`; call only once [`ActivationForm::problems`] is empty.
    pub fn request(&self) -> CreateActivation {
        let now = self.now;
        let text = |input: &TextInput| {
            let t = input.trim();
            (!t.is_empty()).then(|| t.to_owned())
        };
        let tags = parse_tags(&self.tags).unwrap_or_default();
        CreateActivation {
            description: text(&self.description),
            default_instance_name: text(&self.default_name),
            iam_role: self.iam_role.trim().to_owned(),
            registration_limit: self.limit.trim().parse().ok(),
            expiration_date: parse_duration(&self.expires)
                .ok()
                .map(|secs| now.plus_secs(secs)),
            tags: (!tags.is_empty()).then_some(tags),
            registration_metadata: None,
        }
    }

    /// When an activation made now would expire, for the note under the
    /// field.
    fn expiry(&self) -> Option<String> {
        let now = self.now;
        let secs = parse_duration(&self.expires).ok()?;
        (secs <= MAX_LIFETIME_SECS).then(|| format!("until {}", now.plus_secs(secs).iso8601()))
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        const LABEL: usize = 15;
        let width = area.width.saturating_sub(4).min(80);
        let room = usize::from(width.saturating_sub(2)).saturating_sub(LABEL);
        let indent = " ".repeat(LABEL);
        let problems = self.problems();
        let mut lines = Vec::new();
        for field in Field::ORDER {
            let focused = self.focus == field;
            let label_style = if focused { theme.key } else { theme.muted };
            let mut spans = vec![Span::styled(
                format!(" {:<width$}", field.label(), width = LABEL - 1),
                label_style,
            )];
            let cursor = focused.then_some(theme.accent);
            spans.extend(self.input(field).spans(room, Default::default(), cursor));
            lines.push(Line::from(spans));
            // A field's problem shows once it is typed in, or a save tried.
            let shown = self.tried || self.input(field).touched();
            let problem = problems.iter().find(|(f, _)| *f == field).filter(|_| shown);
            let server = self
                .error
                .as_ref()
                .filter(|(f, _)| *f == Some(field))
                .map(|(_, e)| e);
            let note = match field {
                Field::Expires => self.expiry().unwrap_or_else(|| field.note().to_owned()),
                _ => field.note().to_owned(),
            };
            let (text, style) = match (server, problem) {
                (Some(e), _) => (e.clone(), theme.error),
                (None, Some((_, p))) => (p.clone(), theme.warn),
                (None, None) => (note, theme.muted),
            };
            // Wrapped under the value, not under the label.
            for line in wrap_words(&text, room.max(10), 4) {
                lines.push(Line::styled(format!("{indent}{line}"), style));
            }
        }
        lines.push(Line::raw(""));
        let hint = if self.on_last_field() {
            " tab next field · ctrl-u clear · enter/ctrl-s create · esc cancel"
        } else {
            " tab/enter next field · ctrl-u clear · ctrl-s create · esc cancel"
        };
        match (&self.error, self.pending) {
            (_, Some(_)) => lines.push(Line::styled(" creating…", theme.muted)),
            (Some((None, error)), None) => {
                for line in wrap_words(error, usize::from(width.saturating_sub(3)), 4) {
                    lines.push(Line::styled(format!(" {line}"), theme.error));
                }
            }
            _ => lines.push(Line::styled(hint, theme.muted)),
        }
        let rect = centered(area, width, lines.len() as u16 + 2);
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(popup_block(theme, "New activation")),
            rect,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_make_a_valid_request() {
        let now = Timestamp::from_secs(1_000_000);
        let form = ActivationForm::new(now);
        assert!(form.problems().is_empty(), "{:?}", form.problems());
        let request = form.request();
        assert_eq!(request.iam_role, DEFAULT_IAM_ROLE);
        assert_eq!(request.registration_limit, Some(1));
        assert_eq!(request.expiration_date, Some(now.plus_secs(86_400)));
        assert_eq!(request.tags, None);
        assert_eq!(request.description, None);
    }

    #[test]
    fn durations_and_tags_parse_as_an_operator_writes_them() {
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration(" 7d "), Ok(7 * 86_400));
        assert!(parse_duration("7").is_err());
        assert!(parse_duration("0h").is_err());
        assert!(parse_duration("h").is_err());
        assert_eq!(
            parse_tags("Env=prod, Team = ops ,"),
            Ok(vec![Tag::new("Env", "prod"), Tag::new("Team", "ops")])
        );
        assert!(parse_tags("Env").is_err());
        assert!(parse_tags("Env=a,Env=b").is_err());
        assert_eq!(parse_tags(""), Ok(vec![]));
    }

    #[test]
    fn each_limit_is_a_problem_of_its_field() {
        let form = ActivationForm {
            iam_role: "".into(),
            limit: "1001".into(),
            expires: "31d".into(),
            tags: "Env".into(),
            ..ActivationForm::new(Timestamp::from_secs(0))
        };
        let fields: Vec<Field> = form.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [Field::IamRole, Field::Limit, Field::Expires, Field::Tags]
        );
        assert_eq!(
            Field::named_by("Tag key 'aws:x' starts with 'aws:'"),
            Some(Field::Tags)
        );
        assert_eq!(
            Field::named_by("Value 'a b' at 'defaultInstanceName' failed"),
            Some(Field::DefaultName)
        );
    }

    #[test]
    fn typing_clears_the_servers_error_about_that_field_only() {
        let mut form = ActivationForm::new(Timestamp::from_secs(0));
        form.error = Some((Some(Field::Tags), "reserved".into()));
        form.apply(Edit::Insert('x'));
        assert!(
            form.error.is_some(),
            "a Description edit leaves the Tags error"
        );
        form.focus = Field::Tags;
        form.apply(Edit::Insert('x'));
        assert_eq!(form.error, None);
        form.error = Some((None, "throttled".into()));
        form.focus = Field::Limit;
        form.apply(Edit::Backspace);
        assert_eq!(
            form.error, None,
            "an error of no field goes with any change"
        );
    }
}
