//! Request validation from the AWS service model.
//!
//! AWS checks every request against the constraints of its operation's
//! input shape before the service sees it: required members, lengths,
//! patterns, enums, ranges, list and map sizes. It reports every violation
//! of a request at once, as one `ValidationException`. The constraints are
//! generated from botocore's model into `model/rules.rs`
//! (`scripts/gen-model-rules.py`); this module walks a request's JSON
//! against them and words the answer as AWS does.

mod rules;

use std::fmt::Write;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;
use sysman_api::ApiError;

/// One shape of the model.
pub struct Shape {
    pub name: &'static str,
    /// AWS never echoes a sensitive value in its messages.
    pub sensitive: bool,
    pub kind: Kind,
}

/// A shape's type with its constraints. Shapes refer to others by their
/// index in `rules::SHAPES`.
pub enum Kind {
    Structure(&'static [Member]),
    /// `min` and `max` count items.
    List {
        member: usize,
        min: Option<i64>,
        max: Option<i64>,
    },
    /// `min` and `max` count entries.
    Map {
        key: usize,
        value: usize,
        min: Option<i64>,
        max: Option<i64>,
    },
    /// `min` and `max` count characters; `values` is the enum, if any.
    String {
        min: Option<i64>,
        max: Option<i64>,
        pattern: Option<usize>,
        values: &'static [&'static str],
    },
    /// An integer or long; `min` and `max` bound its value.
    Number {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// Booleans, timestamps, blobs: nothing to check beyond their type.
    Unconstrained,
}

/// A member of a structure, named as the wire spells it.
pub struct Member {
    pub name: &'static str,
    pub shape: usize,
    pub required: bool,
}

/// A pattern as AWS quotes it, and as the regex crate reads it.
pub struct Pattern {
    pub aws: &'static str,
    pub regex: &'static str,
}

/// How many violations one answer spells out. AWS lists them all; a
/// hostile body could hold millions, so past this many they are counted
/// but not worded.
const LISTED: usize = 100;

/// How many characters of one offending value a message quotes. AWS quotes
/// values whole; a 16 MiB value is cut here rather than copied.
const QUOTED: usize = 16 * 1024;

/// Every pattern, compiled once. A pattern that does not compile is not
/// checked (the generator translates those it knows, and a test compiles
/// them all), so no request can make it panic.
static REGEXES: LazyLock<Vec<Option<Regex>>> = LazyLock::new(|| {
    rules::PATTERNS
        .iter()
        .map(|p| Regex::new(p.regex).ok())
        .collect()
});

/// Checks the request `body` of the AmazonSSM operation `operation`
/// against its input shape. Operations the model lacks pass unchecked.
pub fn check(operation: &str, body: &Value) -> Result<(), ApiError> {
    let Some(input) = input_shape(operation) else {
        return Ok(());
    };
    let mut found = Violations::default();
    walk(input, body, "", &mut found);
    found.into_error().map_or(Ok(()), Err)
}

/// The input shape of a routed AmazonSSM operation, if the model has it.
fn input_shape(operation: &str) -> Option<usize> {
    rules::OPERATIONS
        .binary_search_by(|(name, _)| name.cmp(&operation))
        .ok()
        .map(|i| rules::OPERATIONS[i].1)
}

#[derive(Default)]
struct Violations {
    count: usize,
    listed: Vec<String>,
}

impl Violations {
    /// Whether the next violation will be worded: past `LISTED`, it is
    /// only counted, so its value need not be rendered.
    fn wording(&self) -> bool {
        self.listed.len() < LISTED
    }

    fn add(&mut self, value: Quoted, path: &str, constraint: &str) {
        self.count += 1;
        if !self.wording() {
            return;
        }
        let value = match value {
            Quoted::Null => "Value null".to_owned(),
            Quoted::Hidden => "Value".to_owned(),
            Quoted::Text(text) => format!("Value '{text}'"),
        };
        self.listed.push(format!(
            "{value} at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }

    fn into_error(self) -> Option<ApiError> {
        let plural = if self.count == 1 { "" } else { "s" };
        (self.count > 0).then(|| {
            ApiError::validation(format!(
                "{} validation error{plural} detected: {}",
                self.count,
                self.listed.join("; ")
            ))
        })
    }
}

/// A value as a message shows it.
enum Quoted {
    Null,
    /// A sensitive value: `Value at 'x' ...`.
    Hidden,
    Text(String),
}

fn walk(shape: usize, value: &Value, path: &str, found: &mut Violations) {
    let Some(s) = rules::SHAPES.get(shape) else {
        return;
    };
    // A value of the wrong JSON type is left to the typed decode, which
    // names it as a SerializationException.
    match (&s.kind, value) {
        (Kind::Structure(members), Value::Object(object)) => {
            for member in members.iter() {
                match object.get(member.name) {
                    None | Some(Value::Null) if member.required => {
                        let at = join(path, member.name);
                        found.add(Quoted::Null, &at, "Member must not be null");
                    }
                    None | Some(Value::Null) => {}
                    Some(child) => walk(member.shape, child, &join(path, member.name), found),
                }
            }
        }
        (&Kind::List { member, min, max }, Value::Array(items)) => {
            check_size(shape, value, items.len(), min, max, path, found);
            if is_primitive(member) {
                let failing = items.iter().any(|item| !violated(member, item).is_empty());
                if failing {
                    let all = constraints(member).join(", ");
                    let constraint = format!("Member must satisfy constraint: [{all}]");
                    found.add(quote(shape, value, found), path, &constraint);
                }
            } else {
                for (i, item) in items.iter().enumerate() {
                    walk(member, item, &format!("{path}.{}.member", i + 1), found);
                }
            }
        }
        (
            &Kind::Map {
                key,
                value: of,
                min,
                max,
            },
            Value::Object(entries),
        ) => {
            check_size(shape, value, entries.len(), min, max, path, found);
            if entries
                .keys()
                .any(|k| !violated(key, &Value::String(k.clone())).is_empty())
            {
                let all = constraints(key).join(", ");
                let constraint = format!("Map key must satisfy constraint: [{all}]");
                found.add(quote(shape, value, found), path, &constraint);
            }
            if is_primitive(of) {
                if entries.values().any(|v| !violated(of, v).is_empty()) {
                    let all = constraints(of).join(", ");
                    let constraint = format!("Map value must satisfy constraint: [{all}]");
                    found.add(quote(shape, value, found), path, &constraint);
                }
            } else {
                for (k, v) in entries {
                    walk(of, v, &format!("{path}.{k}"), found);
                }
            }
        }
        (Kind::String { .. } | Kind::Number { .. }, _) => {
            for constraint in violated(shape, value) {
                found.add(quote(shape, value, found), path, &constraint);
            }
        }
        _ => {}
    }
}

/// `path.member`, with the member named as AWS's messages name it:
/// `ParameterFilters` is `parameterFilters`.
fn join(path: &str, member: &str) -> String {
    let mut at = String::with_capacity(path.len() + member.len() + 1);
    if !path.is_empty() {
        at.push_str(path);
        at.push('.');
    }
    let mut chars = member.chars();
    if let Some(first) = chars.next() {
        at.extend(first.to_lowercase());
        at.push_str(chars.as_str());
    }
    at
}

/// A list's or map's item count against its bounds. AWS words these as
/// lengths, as it does for strings.
fn check_size(
    shape: usize,
    value: &Value,
    len: usize,
    min: Option<i64>,
    max: Option<i64>,
    path: &str,
    found: &mut Violations,
) {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    if let Some(max) = max.filter(|&max| len > max) {
        let constraint = format!("Member must have length less than or equal to {max}");
        found.add(quote(shape, value, found), path, &constraint);
    }
    if let Some(min) = min.filter(|&min| len < min) {
        let constraint = format!("Member must have length greater than or equal to {min}");
        found.add(quote(shape, value, found), path, &constraint);
    }
}

fn is_primitive(shape: usize) -> bool {
    matches!(
        rules::SHAPES.get(shape).map(|s| &s.kind),
        Some(Kind::String { .. } | Kind::Number { .. } | Kind::Unconstrained)
    )
}

/// Every constraint of a string or number shape, worded, in the order AWS
/// lists them: maximum, minimum, pattern, enum.
fn constraints(shape: usize) -> Vec<String> {
    let Some(s) = rules::SHAPES.get(shape) else {
        return Vec::new();
    };
    let mut all = Vec::new();
    match s.kind {
        Kind::String {
            min,
            max,
            pattern,
            values,
        } => {
            if let Some(max) = max {
                all.push(format!(
                    "Member must have length less than or equal to {max}"
                ));
            }
            if let Some(min) = min {
                all.push(format!(
                    "Member must have length greater than or equal to {min}"
                ));
            }
            if let Some(p) = pattern.and_then(|p| rules::PATTERNS.get(p)) {
                all.push(format!(
                    "Member must satisfy regular expression pattern: {}",
                    p.aws
                ));
            }
            if !values.is_empty() {
                all.push(enum_constraint(values));
            }
        }
        Kind::Number { min, max } => {
            if let Some(max) = max {
                all.push(format!(
                    "Member must have value less than or equal to {max}"
                ));
            }
            if let Some(min) = min {
                all.push(format!(
                    "Member must have value greater than or equal to {min}"
                ));
            }
        }
        _ => {}
    }
    all
}

/// AWS lists an enum's values in the reverse of the model's order.
fn enum_constraint(values: &[&str]) -> String {
    let mut listed = values.to_vec();
    listed.reverse();
    format!(
        "Member must satisfy enum value set: [{}]",
        listed.join(", ")
    )
}

/// The constraints of a string or number shape that `value` breaks,
/// worded. A value of another JSON type breaks none here.
fn violated(shape: usize, value: &Value) -> Vec<String> {
    let Some(s) = rules::SHAPES.get(shape) else {
        return Vec::new();
    };
    let mut broken = Vec::new();
    match (&s.kind, value) {
        (
            &Kind::String {
                min,
                max,
                pattern,
                values,
            },
            Value::String(text),
        ) => {
            let len = i64::try_from(text.chars().count()).unwrap_or(i64::MAX);
            if let Some(max) = max.filter(|&max| len > max) {
                broken.push(format!(
                    "Member must have length less than or equal to {max}"
                ));
            }
            if let Some(min) = min.filter(|&min| len < min) {
                broken.push(format!(
                    "Member must have length greater than or equal to {min}"
                ));
            }
            if let Some(p) = pattern
                && let (Some(Some(regex)), Some(aws)) = (REGEXES.get(p), rules::PATTERNS.get(p))
                && !regex.is_match(text)
            {
                broken.push(format!(
                    "Member must satisfy regular expression pattern: {}",
                    aws.aws
                ));
            }
            if !values.is_empty() && !values.contains(&text.as_str()) {
                broken.push(enum_constraint(values));
            }
        }
        (&Kind::Number { min, max }, Value::Number(n)) => {
            let above = |bound: i64| match n.as_i64() {
                Some(i) => i > bound,
                None => n.as_u64().is_some() || n.as_f64().is_some_and(|f| f > bound as f64),
            };
            let below = |bound: i64| match n.as_i64() {
                Some(i) => i < bound,
                None => n.as_f64().is_some_and(|f| f < bound as f64),
            };
            if let Some(max) = max.filter(|&max| above(max)) {
                broken.push(format!(
                    "Member must have value less than or equal to {max}"
                ));
            }
            if let Some(min) = min.filter(|&min| below(min)) {
                broken.push(format!(
                    "Member must have value greater than or equal to {min}"
                ));
            }
        }
        _ => {}
    }
    broken
}

/// `value` as AWS quotes it: strings bare, lists as `[a, b]`, maps as
/// `{k=v}`, structures as `Shape(member=value)`; a sensitive value not at
/// all. Only rendered when the message will be worded.
fn quote(shape: usize, value: &Value, found: &Violations) -> Quoted {
    if !found.wording() {
        return Quoted::Hidden;
    }
    if rules::SHAPES.get(shape).is_some_and(|s| s.sensitive) {
        return Quoted::Hidden;
    }
    let mut text = String::new();
    render(Some(shape), value, &mut text);
    if text.len() > QUOTED {
        let mut cut = QUOTED;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    Quoted::Text(text)
}

/// Writes `value` as Java's `toString` would, stopping soon after `QUOTED`
/// characters. Sensitive parts show as `***`.
fn render(shape: Option<usize>, value: &Value, out: &mut String) {
    if out.len() > QUOTED {
        return;
    }
    let s = shape.and_then(|i| rules::SHAPES.get(i));
    if s.is_some_and(|s| s.sensitive) {
        out.push_str("***");
        return;
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(text) => {
            let room = QUOTED.saturating_sub(out.len()) + 1;
            out.extend(text.chars().take(room));
        }
        Value::Array(items) => {
            let member = match s.map(|s| &s.kind) {
                Some(&Kind::List { member, .. }) => Some(member),
                _ => None,
            };
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if out.len() > QUOTED {
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                render(member, item, out);
            }
            out.push(']');
        }
        Value::Object(object) => match s.map(|s| (s.name, &s.kind)) {
            Some((name, Kind::Structure(members))) => {
                out.push_str(name);
                out.push('(');
                let present = members
                    .iter()
                    .filter_map(|m| Some((m, object.get(m.name)?)));
                for (i, (member, v)) in present.enumerate() {
                    if out.len() > QUOTED {
                        break;
                    }
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&join("", member.name));
                    out.push('=');
                    render(Some(member.shape), v, out);
                }
                out.push(')');
            }
            kind => {
                let of = match kind {
                    Some((_, &Kind::Map { value, .. })) => Some(value),
                    _ => None,
                };
                out.push('{');
                for (i, (k, v)) in object.iter().enumerate() {
                    if out.len() > QUOTED {
                        break;
                    }
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push('=');
                    render(of, v, out);
                }
                out.push('}');
            }
        },
    }
}

#[cfg(test)]
mod tests;
