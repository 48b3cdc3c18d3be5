//! Error codes and the pieces every fault message is made of.

use serde_json::Value;
use sysman_api::ApiError;
use sysman_api::fleet::PlatformType;

use super::model::ParamKind;

pub(super) const INVALID_CONTENT: &str = "InvalidDocumentContent";
pub(super) const INVALID_SCHEMA_VERSION: &str = "InvalidDocumentSchemaVersion";
pub(super) const INVALID_PARAMETERS: &str = "InvalidParameters";
/// Text from a document or a caller is cut to this many characters in messages.
const QUOTE_MAX_CHARS: usize = 80;

pub(super) fn content_err(message: impl Into<String>) -> ApiError {
    ApiError::new(INVALID_CONTENT, message)
}

pub(super) fn params_err(message: impl Into<String>) -> ApiError {
    ApiError::new(INVALID_PARAMETERS, message)
}

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

pub(super) fn kind_names() -> String {
    ParamKind::ALL.map(ParamKind::as_str).join(", ")
}

pub(super) fn platform_list(platforms: &[PlatformType]) -> String {
    platforms
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Text from a document or a caller, fit for a message: quoted, control
/// characters escaped, long text cut.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::from("'");
    for (i, c) in s.chars().enumerate() {
        if i == QUOTE_MAX_CHARS {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// What kind of JSON value this is, for messages.
pub(super) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty (null)",
        Value::Bool(_) => "a Boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A scalar as written (quoted), or what kind of value it is.
pub(super) fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => quote(s),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => describe(other).to_owned(),
    }
}
