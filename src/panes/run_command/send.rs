//! The send form: pick a Command document, fill in the parameters its
//! definition declares, say which nodes and how fast, confirm, send.
//!
//! Everything the console can check by itself is checked as you type
//! (required parameters, numbers, rates, the target syntax, limits); what
//! only the server knows (an `allowedPattern`, a parameter reference) comes
//! back as its error, shown under the field it names.

use std::collections::BTreeMap;

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use sysman_api::Target;
use sysman_api::commands::{Command, SendCommand, check_rate, limits};
use sysman_api::documents::{DocumentDescription, DocumentIdentifier};
use sysman_api::fleet::{PlatformType, is_instance_id};

use crate::input::{Edit, TextInput, line_spans};
use crate::panes::fleet::FleetRow;
use crate::theme::Theme;
use crate::ui::{centered, fit, popup_block as popup, wrap_words};

/// MaxConcurrency when none is given.
pub const DEFAULT_CONCURRENCY: &str = "50";
/// MaxErrors when none is given.
pub const DEFAULT_ERRORS: &str = "0";

/// The document Patch Manager scans and installs with.
pub const PATCH_DOCUMENT: &str = "AWS-RunPatchBaseline";
/// MaxConcurrency and MaxErrors of a scan or install from Patch Manager:
/// a fifth of the group at a time, stopping once a tenth has failed.
pub const PATCH_CONCURRENCY: &str = "20%";
pub const PATCH_ERRORS: &str = "10%";

/// Where the form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Choosing a document.
    Picking,
    /// Waiting for the document's definition.
    Loading,
    Editing,
    /// Asking before sending.
    Confirm,
}

/// A field of the form below the document's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Param(usize),
    Targets,
    Concurrency,
    Errors,
    Timeout,
    Comment,
}

/// One parameter the document declares, and what the user typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamField {
    pub name: String,
    /// `String`, `StringList`, `Integer`, `Boolean`, `StringMap`, `MapList`.
    pub kind: String,
    pub description: Option<String>,
    pub default: Option<String>,
    /// For a StringList, one item a line.
    pub value: TextInput,
}

impl ParamField {
    pub fn is_list(&self) -> bool {
        self.kind == "StringList"
    }

    /// Required: the document gives no default.
    pub fn required(&self) -> bool {
        self.default.is_none()
    }

    fn items(&self) -> Vec<String> {
        if self.is_list() {
            self.value
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect()
        } else {
            vec![self.value.to_string()]
        }
    }

    /// The value for the request, or `None` where the document's default
    /// does the same.
    fn wire(&self) -> Option<Vec<String>> {
        let items = self.items();
        let default = self.default.as_ref().map(|d| {
            if self.is_list() {
                d.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_owned)
                    .collect()
            } else {
                vec![d.clone()]
            }
        });
        (default.as_ref() != Some(&items)).then_some(items)
    }

    fn problem(&self) -> Option<String> {
        let empty = self.items().iter().all(|i| i.trim().is_empty());
        if empty && self.required() {
            return Some(if self.is_list() {
                "required: give at least one line".to_owned()
            } else {
                "required".to_owned()
            });
        }
        if empty || self.value.contains("{{") {
            return None;
        }
        match self.kind.as_str() {
            "Integer" if self.value.trim().parse::<i64>().is_err() => {
                Some("a whole number".to_owned())
            }
            "Boolean" if !matches!(self.value.trim(), "true" | "false") => {
                Some("true or false".to_owned())
            }
            _ => None,
        }
    }
}

/// Which nodes the targets field names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    Ids(Vec<String>),
    Tags(Vec<Target>),
}

/// Parses the targets field: node ids (spaces or commas between them), or
/// `tag:Key=v1,v2` and `tag-key=Key` terms that a node must all match.
pub fn parse_targets(text: &str) -> Result<Targets, String> {
    let mut ids: Vec<String> = Vec::new();
    let mut tags: Vec<Target> = Vec::new();
    for token in text.split_whitespace() {
        if let Some(rest) = token.strip_prefix("tag:") {
            let Some((key, values)) = rest.split_once('=') else {
                return Err(format!("'{token}' needs a value: tag:{rest}=VALUE"));
            };
            let values: Vec<String> = values
                .split(',')
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect();
            if key.is_empty() || values.is_empty() {
                return Err(format!("'{token}' needs a key and a value: tag:Role=web"));
            }
            tags.push(Target {
                key: format!("tag:{key}"),
                values,
            });
        } else if let Some(keys) = token.strip_prefix("tag-key=") {
            tags.push(Target {
                key: "tag-key".to_owned(),
                values: keys.split(',').map(str::to_owned).collect(),
            });
        } else {
            let list = token.strip_prefix("InstanceIds=").unwrap_or(token);
            for id in list.split(',').filter(|i| !i.is_empty()) {
                if !is_instance_id(id) {
                    return Err(format!(
                        "'{id}' is neither a node id (mi-…, i-…) nor tag:Key=Value"
                    ));
                }
                if ids.iter().any(|i| i == id) {
                    return Err(format!("{id} is given twice"));
                }
                ids.push(id.to_owned());
            }
        }
    }
    match (ids.is_empty(), tags.is_empty()) {
        (true, true) => Err("say which nodes: tag:Role=web, or node ids".to_owned()),
        (false, false) => Err("give node ids or tag targets, not both".to_owned()),
        (false, true) if ids.len() > limits::INSTANCE_IDS_MAX => Err(format!(
            "{} node ids; a command takes at most {}: use a tag target",
            ids.len(),
            limits::INSTANCE_IDS_MAX
        )),
        (false, true) => Ok(Targets::Ids(ids)),
        (true, false) if tags.len() > limits::TARGETS_MAX => Err(format!(
            "at most {} targets; a node must match them all",
            limits::TARGETS_MAX
        )),
        (true, false) => Ok(Targets::Tags(tags)),
    }
}

/// How many nodes of the fleet the console holds the targets reach, and
/// which of the ids given it does not know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    pub nodes: usize,
    pub unknown: Vec<String>,
    /// Nodes reached whose platform the document does not run on: the
    /// server refuses ids of such nodes, and marks tagged ones Undeliverable.
    pub unsupported: Vec<String>,
}

/// What `targets` reach among `rows`, for a document that runs on
/// `platforms` (any, when empty).
pub fn reach<'r>(
    targets: &Targets,
    platforms: &[PlatformType],
    rows: impl Iterator<Item = &'r FleetRow>,
) -> Reach {
    let runs = |row: &FleetRow| {
        platforms.is_empty()
            || row
                .node
                .info
                .platform_type
                .is_some_and(|p| platforms.contains(&p))
    };
    match targets {
        Targets::Ids(ids) => {
            let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
            let mut found = std::collections::HashSet::new();
            let mut unsupported = Vec::new();
            for row in rows {
                let id = row.node.info.instance_id.as_str();
                if wanted.contains(id) {
                    found.insert(id.to_owned());
                    if !runs(row) {
                        unsupported.push(id.to_owned());
                    }
                }
            }
            let unknown: Vec<String> = ids
                .iter()
                .filter(|id| !found.contains(*id))
                .cloned()
                .collect();
            unsupported.sort_by_key(|id| ids.iter().position(|i| i == id));
            Reach {
                nodes: ids.len() - unknown.len(),
                unknown,
                unsupported,
            }
        }
        Targets::Tags(tags) => {
            let mut reach = Reach::default();
            for row in rows {
                let matched = tags.iter().all(|t| match t.key.strip_prefix("tag:") {
                    Some(key) => row
                        .node
                        .tags
                        .iter()
                        .any(|tag| tag.key == key && t.values.contains(&tag.value)),
                    None => row.node.tags.iter().any(|tag| t.values.contains(&tag.key)),
                });
                if matched {
                    reach.nodes += 1;
                    if !runs(row) {
                        reach.unsupported.push(row.node.info.instance_id.clone());
                    }
                }
            }
            reach
        }
    }
}

/// The document picker: fuzzy over the Command documents' names.
#[derive(Debug, Clone, Default)]
pub struct Picker {
    pub query: TextInput,
    /// Indices into the documents, best first.
    pub matches: Vec<usize>,
    pub selected: usize,
}

impl Picker {
    pub fn refresh(&mut self, documents: &[DocumentIdentifier]) {
        self.selected = 0;
        if self.query.trim().is_empty() {
            self.matches = (0..documents.len()).collect();
            return;
        }
        let pattern = Pattern::new(
            self.query.trim(),
            CaseMatching::Ignore,
            Normalization::Smart,
            AtomKind::Fuzzy,
        );
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let mut scored: Vec<(u32, usize)> = documents
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let score = pattern.score(Utf32Str::new(&d.name, &mut buf), &mut matcher)?;
                Some((score, i))
            })
            .collect();
        // On equal scores the shorter name is the closer match: `shell`
        // means AWS-RunShellScript before AWS-RunPowerShellScript.
        scored.sort_by(|a, b| {
            let (x, y) = (&documents[a.1].name, &documents[b.1].name);
            b.0.cmp(&a.0)
                .then_with(|| x.len().cmp(&y.len()))
                .then_with(|| x.cmp(y))
        });
        self.matches = scored.into_iter().map(|(_, i)| i).collect();
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.matches.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn chosen<'d>(
        &self,
        documents: &'d [DocumentIdentifier],
    ) -> Option<&'d DocumentIdentifier> {
        self.matches
            .get(self.selected)
            .and_then(|&i| documents.get(i))
    }
}

#[derive(Debug, Clone)]
pub struct SendForm {
    pub stage: Stage,
    pub picker: Picker,
    pub document: String,
    pub document_description: Option<String>,
    pub platforms: Vec<PlatformType>,
    pub params: Vec<ParamField>,
    pub targets: TextInput,
    pub concurrency: TextInput,
    pub errors: TextInput,
    pub timeout: TextInput,
    pub comment: TextInput,
    pub focus: Field,
    /// A send was tried: every field's problem shows, typed in or not.
    pub tried: bool,
    /// What the targets reach in the fleet the console holds.
    pub reach: Option<Reach>,
    /// What the server said about the last send, and the field it names.
    pub error: Option<(Option<Field>, String)>,
    /// DescribeDocument in flight.
    pub describe: Option<u64>,
    /// SendCommand in flight.
    pub pending: Option<u64>,
    /// Values to put in the parameter fields once the definition arrives
    /// (a re-run).
    pub prefill: Option<BTreeMap<String, Vec<String>>>,
    /// What the form is for, when it is more than "Run a command" (a patch
    /// scan): its title and the first words of the confirmation.
    pub title: Option<String>,
    /// Parameters the form fills in itself and does not show.
    pub hidden: Vec<String>,
    /// Parameters that take one of a few values, chosen with space or
    /// the arrows rather than typed.
    pub choices: BTreeMap<String, Vec<String>>,
}

impl SendForm {
    /// A form that starts at the document picker.
    pub fn new(targets: String) -> Self {
        Self {
            stage: Stage::Picking,
            picker: Picker::default(),
            document: String::new(),
            document_description: None,
            platforms: Vec::new(),
            params: Vec::new(),
            targets: targets.into(),
            concurrency: DEFAULT_CONCURRENCY.into(),
            errors: DEFAULT_ERRORS.into(),
            timeout: TextInput::default(),
            comment: TextInput::default(),
            focus: Field::Targets,
            tried: false,
            reach: None,
            error: None,
            describe: None,
            pending: None,
            prefill: None,
            title: None,
            hidden: Vec::new(),
            choices: BTreeMap::new(),
        }
    }

    /// A Patch Manager scan or install (`operation`) of the nodes `targets`
    /// name: AWS-RunPatchBaseline with only what matters showing — the
    /// reboot option of an install, the targets and the rate.
    pub fn patch(operation: &str, targets: String, comment: String) -> Self {
        let mut form = Self::new(targets);
        form.document = PATCH_DOCUMENT.to_owned();
        form.stage = Stage::Loading;
        form.concurrency = PATCH_CONCURRENCY.into();
        form.errors = PATCH_ERRORS.into();
        form.comment = comment.into();
        form.prefill = Some(BTreeMap::from([(
            "Operation".to_owned(),
            vec![operation.to_owned()],
        )]));
        form.hidden = [
            "Operation",
            "SnapshotId",
            "InstallOverrideList",
            "BaselineOverride",
        ]
        .map(str::to_owned)
        .to_vec();
        if operation == "Install" {
            form.title = Some("Install approved patches".to_owned());
            form.choices.insert(
                "RebootOption".to_owned(),
                vec!["RebootIfNeeded".to_owned(), "NoReboot".to_owned()],
            );
        } else {
            form.title = Some("Scan for missing patches".to_owned());
            form.hidden.push("RebootOption".to_owned());
        }
        form
    }

    /// A form for `command` sent again: same document, parameters,
    /// targets and limits.
    pub fn rerun(command: &Command) -> Self {
        let mut form = Self::new(super::targets_text(command));
        form.document = command.document_name.clone();
        form.stage = Stage::Loading;
        form.concurrency = command.max_concurrency.as_str().into();
        form.errors = command.max_errors.as_str().into();
        form.timeout = command.timeout_seconds.to_string().into();
        form.comment = command.comment.clone().unwrap_or_default().into();
        form.prefill = Some(command.parameters.clone());
        form
    }

    /// The document's definition arrived: one field per parameter.
    pub fn describe(&mut self, doc: &DocumentDescription) {
        self.document = doc.name.clone();
        self.document_description = doc.description.clone();
        self.platforms = doc.platform_types.clone();
        let prefill = self.prefill.take().unwrap_or_default();
        self.params = doc
            .parameters
            .iter()
            .map(|p| {
                let value = match prefill.get(&p.name) {
                    Some(items) => items.join("\n"),
                    None => p.default_value.clone().unwrap_or_default(),
                };
                ParamField {
                    name: p.name.clone(),
                    kind: p.r#type.clone(),
                    description: p.description.clone(),
                    default: p.default_value.clone(),
                    value: value.into(),
                }
            })
            .collect();
        self.stage = Stage::Editing;
        self.focus = self.fields()[0];
    }

    pub fn fields(&self) -> Vec<Field> {
        (0..self.params.len())
            .filter(|&i| !self.hidden.contains(&self.params[i].name))
            .map(Field::Param)
            .chain([
                Field::Targets,
                Field::Concurrency,
                Field::Errors,
                Field::Timeout,
                Field::Comment,
            ])
            .collect()
    }

    pub fn next_field(&mut self, forward: bool) {
        let fields = self.fields();
        let at = fields.iter().position(|f| *f == self.focus).unwrap_or(0);
        let len = fields.len();
        self.focus = fields[if forward {
            (at + 1) % len
        } else {
            (at + len - 1) % len
        }];
    }

    pub fn label(&self, field: Field) -> String {
        match field {
            Field::Param(i) => {
                let p = &self.params[i];
                if p.required() {
                    format!("{} *", p.name)
                } else {
                    p.name.clone()
                }
            }
            Field::Targets => "Targets".to_owned(),
            Field::Concurrency => "Concurrency".to_owned(),
            Field::Errors => "Error threshold".to_owned(),
            Field::Timeout => "Timeout (s)".to_owned(),
            Field::Comment => "Comment".to_owned(),
        }
    }

    pub fn input(&self, field: Field) -> &TextInput {
        match field {
            Field::Param(i) => &self.params[i].value,
            Field::Targets => &self.targets,
            Field::Concurrency => &self.concurrency,
            Field::Errors => &self.errors,
            Field::Timeout => &self.timeout,
            Field::Comment => &self.comment,
        }
    }

    fn input_mut(&mut self) -> &mut TextInput {
        match self.focus {
            Field::Param(i) => &mut self.params[i].value,
            Field::Targets => &mut self.targets,
            Field::Concurrency => &mut self.concurrency,
            Field::Errors => &mut self.errors,
            Field::Timeout => &mut self.timeout,
            Field::Comment => &mut self.comment,
        }
    }

    /// The dialog's title.
    pub fn popup_title(&self) -> &str {
        self.title.as_deref().unwrap_or("Run a command")
    }

    /// Whether the focused field takes several lines (enter adds one).
    pub fn focus_is_list(&self) -> bool {
        matches!(self.focus, Field::Param(i) if self.params[i].is_list())
    }

    /// The values `field` takes, if it is chosen rather than typed.
    pub fn choices_of(&self, field: Field) -> Option<&[String]> {
        match field {
            Field::Param(i) => self.choices.get(&self.params[i].name).map(Vec::as_slice),
            _ => None,
        }
    }

    /// Moves the focused choice field to its next (or previous) value.
    pub fn cycle_choice(&mut self, forward: bool) {
        let Some(values) = self.choices_of(self.focus).map(<[String]>::to_vec) else {
            return;
        };
        let Field::Param(i) = self.focus else { return };
        let at = values
            .iter()
            .position(|v| self.params[i].value == v.as_str());
        let n = values.len();
        let next = match (at, forward) {
            (None, _) => 0,
            (Some(at), true) => (at + 1) % n,
            (Some(at), false) => (at + n - 1) % n,
        };
        self.params[i].value.set(values[next].clone());
        self.edited();
    }

    /// An editing key on the focused field: text fields take it (a list
    /// takes line breaks too), a choice turns on space.
    pub fn apply(&mut self, edit: Edit) {
        if self.choices_of(self.focus).is_some() {
            if edit == Edit::Insert(' ') {
                self.cycle_choice(true);
            }
            return;
        }
        if self.input_mut().apply(edit) {
            self.edited();
        }
    }

    fn edited(&mut self) {
        if self
            .error
            .as_ref()
            .is_some_and(|(f, _)| *f == Some(self.focus) || f.is_none())
        {
            self.error = None;
        }
        if self.focus == Field::Targets {
            self.reach = None;
        }
    }

    /// Problems the user can fix before sending, field by field.
    pub fn problems(&self) -> Vec<(Field, String)> {
        let mut out = Vec::new();
        for (i, p) in self.params.iter().enumerate() {
            if let Some(problem) = p.problem() {
                out.push((Field::Param(i), problem));
            } else if let Some(values) = self.choices.get(&p.name)
                && !values.iter().any(|v| p.value == v.as_str())
            {
                out.push((Field::Param(i), format!("one of {}", values.join(", "))));
            }
        }
        match parse_targets(&self.targets) {
            Err(e) => out.push((Field::Targets, e)),
            Ok(Targets::Ids(_)) => {
                if let Some(r) = self.reach.as_ref().filter(|r| !r.unsupported.is_empty()) {
                    let platforms: Vec<&str> = self.platforms.iter().map(|p| p.as_str()).collect();
                    out.push((
                        Field::Targets,
                        format!(
                            "{} runs on {} only; take out {}",
                            self.document,
                            platforms.join(" and "),
                            r.unsupported.join(", ")
                        ),
                    ));
                }
            }
            Ok(Targets::Tags(_)) => {}
        }
        if let Err(rule) = check_rate(self.concurrency.trim(), false) {
            out.push((Field::Concurrency, rule.hint.to_owned()));
        }
        if let Err(rule) = check_rate(self.errors.trim(), true) {
            out.push((Field::Errors, rule.hint.to_owned()));
        }
        let timeout = self.timeout.trim();
        if !timeout.is_empty() {
            let ok = timeout
                .parse::<i64>()
                .is_ok_and(|t| (limits::TIMEOUT_MIN..=limits::TIMEOUT_MAX).contains(&t));
            if !ok {
                out.push((
                    Field::Timeout,
                    format!(
                        "seconds from {} to {} (30 days)",
                        limits::TIMEOUT_MIN,
                        limits::TIMEOUT_MAX
                    ),
                ));
            }
        }
        if self.comment.chars().count() > limits::COMMENT_MAX {
            out.push((
                Field::Comment,
                format!("at most {} characters", limits::COMMENT_MAX),
            ));
        }
        out
    }

    /// The request that sends the form. Parameters equal to the document's
    /// defaults are left out, as the AWS console does.
    pub fn request(&self) -> Result<SendCommand, String> {
        let targets = parse_targets(&self.targets)?;
        let parameters: BTreeMap<String, Vec<String>> = self
            .params
            .iter()
            .filter_map(|p| p.wire().map(|v| (p.name.clone(), v)))
            .collect();
        let (instance_ids, targets) = match targets {
            Targets::Ids(ids) => (Some(ids), None),
            Targets::Tags(tags) => (None, Some(tags)),
        };
        let trimmed = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        Ok(SendCommand {
            instance_ids,
            targets,
            document_name: self.document.clone(),
            timeout_seconds: self.timeout.trim().parse().ok(),
            comment: trimmed(&self.comment),
            parameters: (!parameters.is_empty()).then_some(parameters),
            max_concurrency: Some(self.concurrency.trim().to_owned()),
            max_errors: Some(self.errors.trim().to_owned()),
            ..SendCommand::default()
        })
    }

    /// A server error, put under the field it names: a parameter by name,
    /// else the field its wire name points at.
    pub fn server_error(&mut self, text: String) {
        let field = self
            .params
            .iter()
            .position(|p| {
                text.contains(&format!("Parameter {} ", p.name))
                    || text.contains(&format!("'{}'", p.name))
                    || text.contains(&format!("\"{}\"", p.name))
            })
            .map(Field::Param)
            .or_else(|| {
                let lower = text.to_lowercase();
                [
                    ("maxconcurrency", Field::Concurrency),
                    ("maxerrors", Field::Errors),
                    ("timeoutseconds", Field::Timeout),
                    ("comment", Field::Comment),
                    ("target", Field::Targets),
                    ("instanceid", Field::Targets),
                    ("unsupportedplatformtype", Field::Targets),
                    ("managed node", Field::Targets),
                ]
                .into_iter()
                .find(|(word, _)| lower.contains(word))
                .map(|(_, f)| f)
            });
        if let Some(f) = field {
            self.focus = f;
        }
        self.error = Some((field, text));
        self.stage = Stage::Editing;
        self.pending = None;
    }

    /// The line that says what sending will do, for the confirmation.
    pub fn summary(&self) -> Vec<String> {
        let reach = match &self.reach {
            Some(r) if r.unknown.is_empty() => format!("{} nodes", r.nodes),
            Some(r) => format!(
                "{} nodes ({} ids this console does not know: {})",
                r.nodes,
                r.unknown.len(),
                r.unknown.join(", ")
            ),
            None => "an unknown number of nodes".to_owned(),
        };
        let timeout = if self.timeout.trim().is_empty() {
            limits::TIMEOUT_DEFAULT.to_string()
        } else {
            self.timeout.trim().to_owned()
        };
        let what = match &self.title {
            Some(title) => title.clone(),
            None => format!("Run {}", self.document),
        };
        let chosen: Vec<String> = self
            .params
            .iter()
            .filter(|p| self.choices.contains_key(&p.name))
            .map(|p| format!("{}: {}", p.name, p.value))
            .collect();
        let mut targets = format!("Targets: {}", self.targets.trim());
        if !chosen.is_empty() {
            targets.push_str(&format!(" · {}", chosen.join(" · ")));
        }
        vec![
            format!("{what} on {reach}?"),
            targets,
            format!(
                "{} at a time · stop after {} errors · delivery timeout {timeout}s",
                self.concurrency.trim(),
                self.errors.trim()
            ),
        ]
    }
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    form: &SendForm,
    documents: &[DocumentIdentifier],
    documents_loaded: bool,
) {
    match form.stage {
        Stage::Picking => render_picker(frame, area, theme, form, documents, documents_loaded),
        Stage::Loading => {
            let rect = centered(area, 60, 5);
            frame.render_widget(Clear, rect);
            let text = Paragraph::new(format!("Reading the parameters of {}…", form.document))
                .style(theme.muted)
                .block(popup(theme, form.popup_title()));
            frame.render_widget(text, rect);
        }
        Stage::Editing | Stage::Confirm => {
            render_fields(frame, area, theme, form);
            if form.stage == Stage::Confirm {
                render_confirm(frame, area, theme, form);
            }
        }
    }
}

fn render_picker(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    form: &SendForm,
    documents: &[DocumentIdentifier],
    loaded: bool,
) {
    let height = (form.picker.matches.len() as u16 + 5).clamp(7, 16);
    let rect = centered(area, 72, height);
    frame.render_widget(Clear, rect);
    let mut lines = vec![Line::from(vec![Span::styled(" Document ", theme.key)])];
    lines[0].spans.extend(
        form.picker
            .query
            .spans(60, Default::default(), Some(theme.accent)),
    );
    lines.push(Line::raw(""));
    let room = usize::from(height.saturating_sub(5));
    let first = form.picker.selected.saturating_sub(room.saturating_sub(1));
    for (i, &d) in form
        .picker
        .matches
        .iter()
        .enumerate()
        .skip(first)
        .take(room)
    {
        let doc = &documents[d];
        let platforms: Vec<&str> = doc.platform_types.iter().map(|p| p.as_str()).collect();
        let style = if i == form.picker.selected {
            theme.selection
        } else {
            Style::default()
        };
        lines.push(Line::styled(
            format!(
                " {:<34} {:<22} {}",
                fit(&doc.name, 34),
                fit(&platforms.join(", "), 22),
                doc.owner
            ),
            style,
        ));
    }
    if form.picker.matches.is_empty() {
        let text = if loaded {
            " no Command document matches"
        } else {
            " loading documents…"
        };
        lines.push(Line::styled(text, theme.muted));
    }
    let hint = " type to search · ↑↓ choose · enter use it · esc cancel";
    let [body, foot] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(
        rect.inner(ratatui::layout::Margin {
            horizontal: 1,
            vertical: 1,
        }),
    );
    frame.render_widget(popup(theme, "Run a command: choose a document"), rect);
    frame.render_widget(Paragraph::new(lines), body);
    frame.render_widget(Paragraph::new(Line::styled(hint, theme.muted)), foot);
}

fn render_fields(frame: &mut Frame, area: Rect, theme: &Theme, form: &SendForm) {
    let width = area.width.saturating_sub(4).min(100);
    let label_width = form
        .fields()
        .into_iter()
        .map(|f| form.label(f).chars().count())
        .max()
        .unwrap_or(10)
        .clamp(12, 22);
    let value_width = usize::from(width).saturating_sub(label_width + 5);
    let indent = " ".repeat(label_width + 2);
    let problems = form.problems();
    let mut lines = Vec::new();
    let platforms: Vec<&str> = form.platforms.iter().map(|p| p.as_str()).collect();
    let mut doc = vec![
        Span::styled(format!(" {:<label_width$} ", "Document"), theme.muted),
        Span::styled(form.document.clone(), theme.accent),
    ];
    if !platforms.is_empty() {
        doc.push(Span::styled(
            format!("  ({})", platforms.join(", ")),
            theme.muted,
        ));
    }
    lines.push(Line::from(doc));
    if let Some(d) = &form.document_description {
        lines.push(Line::styled(
            format!("{indent}{}", fit(d, value_width)),
            theme.muted,
        ));
    }
    lines.push(Line::raw(""));
    for field in form.fields() {
        // Targets and the rest apart from the document's parameters.
        if field == Field::Targets && form.fields()[0] != Field::Targets {
            lines.push(Line::raw(""));
        }
        let focused = form.focus == field;
        let label_style = if focused { theme.key } else { theme.muted };
        let input = form.input(field);
        let text = input.text();
        let values: Vec<(&str, Option<usize>)> = input.cursor_lines().collect();
        let placeholder = match field {
            Field::Timeout if text.is_empty() => Some(format!(
                "{} (default: seconds a node has to pick it up)",
                limits::TIMEOUT_DEFAULT
            )),
            Field::Param(i) if text.is_empty() && !focused => form.params[i]
                .default
                .as_ref()
                .map(|_| "(default: empty)".to_owned()),
            _ => None,
        };
        for (n, &(value, cursor)) in values.iter().enumerate() {
            let lead = if n == 0 {
                Span::styled(
                    format!(" {:<label_width$} ", form.label(field)),
                    label_style,
                )
            } else {
                Span::raw(indent.clone())
            };
            let mut spans = vec![lead];
            if form.choices_of(field).is_some() {
                spans.push(Span::raw(fit(&format!("‹ {value} ›"), value_width)));
            } else {
                let cursor = cursor.filter(|_| focused).map(|at| (at, theme.accent));
                spans.extend(line_spans(
                    value,
                    cursor,
                    value_width,
                    Default::default(),
                    false,
                ));
            }
            if n == 0
                && let Some(p) = &placeholder
            {
                spans.push(Span::styled(fit(p, value_width), theme.muted));
            }
            if field == Field::Targets
                && n + 1 == values.len()
                && let Some(reach) = &form.reach
            {
                let mut text = format!("  → {} nodes", reach.nodes);
                if !reach.unknown.is_empty() {
                    text.push_str(&format!(", {} unknown", reach.unknown.len()));
                }
                if !reach.unsupported.is_empty() {
                    text.push_str(&format!(", {} can't run it", reach.unsupported.len()));
                }
                let style = if reach.nodes == 0 {
                    theme.warn
                } else {
                    theme.online
                };
                spans.push(Span::styled(text, style));
            }
            lines.push(Line::from(spans));
        }
        let problem = problems.iter().find(|(f, _)| *f == field).map(|(_, p)| p);
        let server = form
            .error
            .as_ref()
            .filter(|(f, _)| *f == Some(field))
            .map(|(_, e)| e);
        // A field's problem shows once it is typed in, or a send tried; a
        // choice's always (the form made it).
        let shown = form.tried || input.touched() || form.choices_of(field).is_some();
        if let Some(error) = server {
            for piece in wrap_words(error, value_width, 3) {
                lines.push(Line::styled(format!("{indent}{piece}"), theme.error));
            }
        } else if let Some(problem) = problem.filter(|_| shown) {
            lines.push(Line::styled(format!("{indent}{problem}"), theme.warn));
        } else if let Field::Param(i) = field
            && let Some(d) = &form.params[i].description
        {
            lines.push(Line::styled(
                format!("{indent}{}", fit(d, value_width)),
                theme.muted,
            ));
        } else if field == Field::Targets && focused {
            lines.push(Line::styled(
                format!(
                    "{indent}{}",
                    fit(
                        "tag:Role=web,api tag:Environment=prod (all must match), or node ids",
                        value_width
                    )
                ),
                theme.muted,
            ));
        }
    }
    lines.push(Line::raw(""));
    match (&form.error, form.pending) {
        (_, Some(_)) => lines.push(Line::styled(" sending…", theme.muted)),
        (Some((None, error)), None) => {
            for piece in wrap_words(error, usize::from(width.saturating_sub(3)), 3) {
                lines.push(Line::styled(format!(" {piece}"), theme.error));
            }
        }
        _ => {
            // The keys of the focused field; ctrl-s sends from any.
            let keys = if form.focus_is_list() {
                "←→ move · enter new line · ctrl-s send"
            } else if form.choices_of(form.focus).is_some() {
                "space/←→ change · enter review"
            } else {
                "←→ move · ctrl-u clear · enter review"
            };
            lines.push(Line::styled(
                fit(
                    &format!(" tab next · {keys} · esc cancel"),
                    usize::from(width.saturating_sub(2)),
                ),
                theme.muted,
            ));
        }
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(popup(theme, form.popup_title())),
        rect,
    );
}

fn render_confirm(frame: &mut Frame, area: Rect, theme: &Theme, form: &SendForm) {
    let width = area.width.saturating_sub(8).min(76);
    let mut lines: Vec<Line> = form
        .summary()
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                Line::styled(l, theme.title)
            } else {
                Line::raw(l)
            }
        })
        .collect();
    if let Some(r) = form.reach.as_ref().filter(|r| !r.unsupported.is_empty()) {
        lines.push(Line::styled(
            format!(
                "{} of them can't run {}: they will be Undeliverable.",
                r.unsupported.len(),
                form.document
            ),
            theme.warn,
        ));
    }
    if form.reach.as_ref().is_some_and(|r| r.nodes == 0) {
        lines.push(Line::styled(
            "No node this console knows matches; the server decides.",
            theme.warn,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("y", theme.error),
        Span::raw(" send   "),
        Span::styled("n", theme.key),
        Span::raw(" / "),
        Span::styled("esc", theme.key),
        Span::raw(" back to the form"),
    ]));
    let height = lines.len() as u16 + 4;
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(popup(theme, "Confirm").padding(ratatui::widgets::Padding::uniform(1))),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closer_name_comes_first_on_equal_scores() {
        let doc = |name: &str| DocumentIdentifier {
            name: name.into(),
            created_date: sysman_api::Timestamp::from_secs(0),
            display_name: None,
            owner: "Amazon".into(),
            version_name: None,
            platform_types: Vec::new(),
            document_version: "1".into(),
            document_type: sysman_api::documents::DocumentType::Command,
            schema_version: "2.2".into(),
            document_format: sysman_api::documents::DocumentFormat::Json,
            tags: Vec::new(),
            review_status: None,
        };
        let documents = [doc("AWS-RunPowerShellScript"), doc("AWS-RunShellScript")];
        let mut picker = Picker {
            query: "shell".into(),
            ..Picker::default()
        };
        picker.refresh(&documents);
        assert_eq!(picker.matches, [1, 0]);
    }

    fn shell_form() -> SendForm {
        let mut form = SendForm::new(String::new());
        form.document = "AWS-RunShellScript".into();
        form.params = vec![
            ParamField {
                name: "commands".into(),
                kind: "StringList".into(),
                description: None,
                default: None,
                value: TextInput::default(),
            },
            ParamField {
                name: "executionTimeout".into(),
                kind: "String".into(),
                description: None,
                default: Some("3600".into()),
                value: "3600".into(),
            },
        ];
        form.stage = Stage::Editing;
        form.focus = Field::Param(0);
        form
    }

    #[test]
    fn targets_are_ids_or_tags_and_say_what_is_wrong() {
        assert_eq!(
            parse_targets("tag:Role=web,api tag:Environment=prod").unwrap(),
            Targets::Tags(vec![
                Target {
                    key: "tag:Role".into(),
                    values: vec!["web".into(), "api".into()]
                },
                Target {
                    key: "tag:Environment".into(),
                    values: vec!["prod".into()]
                },
            ])
        );
        let ids = "mi-0123456789abcdef0, mi-0123456789abcdef1";
        assert_eq!(
            parse_targets(ids).unwrap(),
            Targets::Ids(vec![
                "mi-0123456789abcdef0".into(),
                "mi-0123456789abcdef1".into()
            ])
        );
        assert!(parse_targets("").unwrap_err().contains("which nodes"));
        assert!(parse_targets("web").unwrap_err().contains("'web'"));
        assert!(parse_targets("tag:Role").unwrap_err().contains("value"));
        assert!(
            parse_targets("tag:Role=web mi-0123456789abcdef0")
                .unwrap_err()
                .contains("not both")
        );
    }

    #[test]
    fn the_request_leaves_out_defaults_and_splits_lists_into_lines() {
        let mut form = shell_form();
        for c in "uname -a\nuptime".chars() {
            form.apply(Edit::Insert(c));
        }
        form.targets = "tag:Role=web".into();
        form.concurrency = "25%".into();
        assert_eq!(form.problems(), Vec::new());
        let req = form.request().unwrap();
        assert_eq!(
            req.parameters.unwrap(),
            BTreeMap::from([(
                "commands".to_owned(),
                vec!["uname -a".to_owned(), "uptime".to_owned()]
            )])
        );
        assert_eq!(req.max_concurrency.as_deref(), Some("25%"));
        assert_eq!(req.timeout_seconds, None);
        assert_eq!(req.targets.unwrap()[0].key, "tag:Role");
    }

    #[test]
    fn local_problems_and_server_errors_land_on_their_field() {
        let mut form = shell_form();
        form.timeout = "5".into();
        let problems = form.problems();
        let fields: Vec<Field> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, [Field::Param(0), Field::Targets, Field::Timeout]);
        form.server_error(
            "InvalidParameters: Parameter executionTimeout must match the pattern ...".into(),
        );
        assert_eq!(form.focus, Field::Param(1));
        assert_eq!(form.error.as_ref().unwrap().0, Some(Field::Param(1)));
    }

    #[test]
    fn a_rerun_fills_the_parameters_once_the_definition_arrives() {
        let command: Command = serde_json::from_value(serde_json::json!({
            "CommandId": "0".repeat(36), "DocumentName": "AWS-RunShellScript",
            "DocumentVersion": "1", "ExpiresAfter": 0,
            "Parameters": {"commands": ["a", "b"]},
            "Targets": [{"Key": "tag:Role", "Values": ["db"]}],
            "RequestedDateTime": 0, "Status": "Success", "StatusDetails": "Success",
            "MaxConcurrency": "10%", "MaxErrors": "2", "TargetCount": 1,
            "CompletedCount": 1, "ErrorCount": 0, "DeliveryTimedOutCount": 0,
            "TimeoutSeconds": 600, "Comment": "again"
        }))
        .unwrap();
        let mut form = SendForm::rerun(&command);
        assert_eq!(form.stage, Stage::Loading);
        let desc: DocumentDescription = serde_json::from_value(serde_json::json!({
            "Hash": "", "HashType": "Sha256", "Name": "AWS-RunShellScript", "Owner": "Amazon",
            "CreatedDate": 0, "Status": "Active", "DocumentVersion": "1",
            "Parameters": [{"Name": "commands", "Type": "StringList"}],
            "PlatformTypes": ["Linux"], "DocumentType": "Command", "SchemaVersion": "1.2",
            "LatestVersion": "1", "DefaultVersion": "1", "DocumentFormat": "JSON"
        }))
        .unwrap();
        form.describe(&desc);
        assert_eq!(form.params[0].value, "a\nb");
        assert_eq!(form.targets, "tag:Role=db");
        assert_eq!((form.concurrency.text(), form.errors.text()), ("10%", "2"));
    }
}
