//! The parameter values a SendCommand gives, checked against the
//! document's definitions, with defaults filled in.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;
use sysman_api::ApiError;

use super::messages::{describe, params_err, quote};
use super::model::{CommandDoc, ParamDef, ParamKind};

/// Compiled `allowedPattern` programs stay below this many bytes.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;
/// A value that is one Parameter Store reference, resolved at delivery.
static SSM_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\{\{\s*ssm(?:-secure)?:[^\s{}]+\s*\}\}$").expect("constant regex")
});

/// A parameter value after validation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ParamValue {
    Text(String),
    List(Vec<String>),
}

/// Checks the values a SendCommand gives (wire shape: name -> list of
/// strings) against the document and fills defaults.
pub(crate) fn check_parameters(
    doc: &CommandDoc,
    given: &BTreeMap<String, Vec<String>>,
) -> Result<BTreeMap<String, ParamValue>, ApiError> {
    if let Some(unknown) = given.keys().find(|name| doc.param(name).is_none()) {
        let known = if doc.parameters.is_empty() {
            String::from("the document declares no parameters, so give none")
        } else {
            format!(
                "the document declares {}",
                doc.parameters
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(params_err(format!(
            "{} is not a parameter of this document; {known}.",
            quote(unknown)
        )));
    }

    let mut values = BTreeMap::new();
    for def in &doc.parameters {
        let name = &def.name;
        let value = match (given.get(name), &def.default) {
            (Some(given), _) => given_value(def, given)?,
            (None, Some(default)) => default_value(def.kind, default)
                .map_err(|why| params_err(format!("The default of parameter {name} {why}.")))?,
            (None, None) => {
                return Err(params_err(format!(
                    "Parameter {name} is required (the document gives it no default); give it \
                     a value."
                )));
            }
        };
        check_value(def, &value).map_err(|why| params_err(format!("Parameter {name} {why}.")))?;
        values.insert(name.clone(), value);
    }
    Ok(values)
}

/// The wire form of a value: a list for StringList, exactly one string for
/// every other kind.
fn given_value(def: &ParamDef, given: &[String]) -> Result<ParamValue, ApiError> {
    if def.kind == ParamKind::StringList {
        return Ok(ParamValue::List(given.to_vec()));
    }
    match given {
        [one] => Ok(ParamValue::Text(one.clone())),
        _ => Err(params_err(format!(
            "Parameter {} is a {} and takes exactly one value, but {} were given.",
            def.name,
            def.kind.as_str(),
            given.len()
        ))),
    }
}

/// A default as written in the document, in value form. The error
/// completes a sentence whose subject is the default.
pub(super) fn default_value(kind: ParamKind, default: &Value) -> Result<ParamValue, String> {
    match (kind, default) {
        (ParamKind::StringList, Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                scalar_text(item).ok_or_else(|| {
                    format!(
                        "must be a list of strings, but item {i} is {}",
                        describe(item)
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(ParamValue::List),
        (ParamKind::StringList, other) => Err(format!(
            "must be a list of strings (such as [\"a\", \"b\"]) for a StringList, but it is {}",
            describe(other)
        )),
        (ParamKind::StringMap, Value::Object(_)) | (ParamKind::MapList, Value::Array(_)) => {
            serde_json::to_string(default)
                .map(ParamValue::Text)
                .map_err(|e| format!("cannot be written as JSON: {e}"))
        }
        (ParamKind::StringMap | ParamKind::MapList, Value::String(s)) => {
            Ok(ParamValue::Text(s.clone()))
        }
        (ParamKind::StringMap, other) => Err(format!(
            "must be an object (or a string holding a JSON object) for a StringMap, but it is {}",
            describe(other)
        )),
        (ParamKind::MapList, other) => Err(format!(
            "must be a list of objects (or a string holding a JSON list of objects) for a \
             MapList, but it is {}",
            describe(other)
        )),
        (ParamKind::String | ParamKind::Integer | ParamKind::Boolean, other) => {
            scalar_text(other).map(ParamValue::Text).ok_or_else(|| {
                format!(
                    "must be a single value for a {}, but it is {}",
                    kind.as_str(),
                    describe(other)
                )
            })
        }
    }
}

/// The text of a string, number or boolean.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Checks a value against its definition. The error completes a sentence
/// whose subject is the parameter (or its default).
pub(super) fn check_value(def: &ParamDef, value: &ParamValue) -> Result<(), String> {
    let pattern = match &def.allowed_pattern {
        Some(p) => Some(
            compile_pattern(p).map_err(|why| format!("has an unusable allowedPattern: {why}"))?,
        ),
        None => None,
    };
    let kind = def.kind.as_str();
    match value {
        ParamValue::List(items) => {
            if def.kind != ParamKind::StringList {
                return Err(format!("is a {kind} and takes one value, not a list"));
            }
            check_count(def, items.len())?;
            for (i, item) in items.iter().enumerate() {
                if !is_ssm_reference(item) {
                    check_allowed(def, pattern.as_ref(), item).map_err(|why| {
                        format!("has the value {} (item {i}), which {why}", quote(item))
                    })?;
                }
            }
            Ok(())
        }
        ParamValue::Text(text) => {
            if def.kind == ParamKind::StringList {
                return Err(String::from("is a StringList and takes a list of values"));
            }
            if is_ssm_reference(text) {
                return Ok(());
            }
            let fault = |why: &str| format!("has the value {}, which {why}", quote(text));
            match def.kind {
                ParamKind::Integer if text.parse::<i64>().is_err() => {
                    return Err(fault("is not an integer; give a whole number such as 3600"));
                }
                ParamKind::Boolean if text != "true" && text != "false" => {
                    return Err(fault("is not a Boolean; give true or false"));
                }
                ParamKind::StringMap => match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(_)) => {}
                    _ => {
                        return Err(fault(
                            "is not a JSON object; give a StringMap as a JSON object such as \
                             {\"key\": \"value\"}",
                        ));
                    }
                },
                ParamKind::MapList => match serde_json::from_str::<Value>(text) {
                    Ok(Value::Array(items)) if items.iter().all(Value::is_object) => {
                        check_count(def, items.len())?;
                    }
                    _ => {
                        return Err(fault(
                            "is not a JSON list of objects; give a MapList as a JSON array of \
                             objects such as [{\"key\": \"value\"}]",
                        ));
                    }
                },
                _ => {}
            }
            check_allowed(def, pattern.as_ref(), text).map_err(|why| fault(&why))
        }
    }
}

/// `minItems`/`maxItems` against the number of items given.
fn check_count(def: &ParamDef, count: usize) -> Result<(), String> {
    if let Some(min) = def.min_items
        && count < min
    {
        return Err(format!(
            "lists {count} value(s) but needs at least {min} (minItems); give more"
        ));
    }
    if let Some(max) = def.max_items
        && count > max
    {
        return Err(format!(
            "lists {count} value(s) but allows at most {max} (maxItems); give fewer"
        ));
    }
    Ok(())
}

/// `minChars`/`maxChars`, `allowedValues` and `allowedPattern` against
/// one text.
fn check_allowed(def: &ParamDef, pattern: Option<&Regex>, text: &str) -> Result<(), String> {
    let chars = text.chars().count();
    if let Some(min) = def.min_chars
        && chars < min
    {
        return Err(format!(
            "has {chars} characters, but minChars asks for at least {min}"
        ));
    }
    if let Some(max) = def.max_chars
        && chars > max
    {
        return Err(format!(
            "has {chars} characters, but maxChars allows at most {max}"
        ));
    }
    if !def.allowed_values.is_empty() && !def.allowed_values.iter().any(|v| v == text) {
        let listed: Vec<String> = def.allowed_values.iter().map(|v| quote(v)).collect();
        return Err(format!(
            "is not one of the allowed values: {}",
            listed.join(", ")
        ));
    }
    if let (Some(re), Some(source)) = (pattern, &def.allowed_pattern)
        && !re.is_match(text)
    {
        return Err(format!(
            "does not match the allowed pattern {} (the whole value must match)",
            quote(source)
        ));
    }
    Ok(())
}

/// `allowedPattern` must match a whole value, as AWS matches it.
pub(super) fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|e| regex_fault(&e))
}

/// The one line of a regex error that says what is wrong.
fn regex_fault(e: &regex::Error) -> String {
    match e {
        regex::Error::CompiledTooBig(_) => String::from("it is too large once compiled"),
        _ => {
            let text = e.to_string();
            text.lines()
                .find_map(|l| l.trim().strip_prefix("error:").map(str::trim))
                .map(str::to_owned)
                .unwrap_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "))
        }
    }
}

/// A value that is exactly one `{{ssm:NAME}}` or `{{ssm-secure:NAME}}`
/// reference, resolved at delivery.
fn is_ssm_reference(value: &str) -> bool {
    SSM_REF.is_match(value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::documents::schema::fixtures::*;

    // -- check_parameters ---------------------------------------------------

    #[test]
    fn unknown_parameters_list_the_known_ones() {
        let doc = command_doc(&json_doc(BUILTIN_SHAPE)).unwrap();
        params_fail(
            &doc,
            &[("commands", &["ls"]), ("comands", &["ls"])],
            &[
                "'comands' is not a parameter",
                "commands, workingDirectory, executionTimeout",
            ],
        );
        let mut bare = without("/parameters");
        set(&mut bare, "/mainSteps/0/inputs/runCommand", json!("ls"));
        let bare = command_doc(&bare).unwrap();
        params_fail(&bare, &[("x", &["1"])], &["'x'", "declares no parameters"]);
        assert!(
            check_parameters(&bare, &BTreeMap::new())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn required_parameters_and_defaults() {
        let doc = command_doc(&json_doc(BUILTIN_SHAPE)).unwrap();
        params_fail(&doc, &[], &["Parameter commands is required", "no default"]);
        let values = check_parameters(&doc, &given(&[("commands", &["ls", "pwd"])])).unwrap();
        assert_eq!(
            values,
            BTreeMap::from([
                ("commands".to_owned(), list(&["ls", "pwd"])),
                ("executionTimeout".to_owned(), text("3600")),
                ("workingDirectory".to_owned(), text("")),
            ])
        );

        let doc = command_doc(&yaml_doc(EVERY_KIND_YAML)).unwrap();
        let values = check_parameters(&doc, &BTreeMap::new()).unwrap();
        assert_eq!(values["message"], text("hi"));
        assert_eq!(values["lines"], list(&["one", "two"]));
        assert_eq!(values["count"], text("3"));
        assert_eq!(values["verbose"], text("false"));
        assert_eq!(values["labels"], text(r#"{"team":"ops"}"#));
        assert_eq!(values["targets"], text(r#"[{"host":"a"},{"host":"b"}]"#));
        assert_eq!(values["secret"], text("{{ssm-secure:/db/password}}"));
    }

    #[test]
    fn single_value_kinds_take_exactly_one_value() {
        let doc = command_doc(&yaml_doc(EVERY_KIND_YAML)).unwrap();
        params_fail(
            &doc,
            &[("message", &["hi", "hello"])],
            &["Parameter message is a String and takes exactly one value, but 2 were given"],
        );
        params_fail(
            &doc,
            &[("count", &[])],
            &["Parameter count", "but 0 were given"],
        );
        for name in ["verbose", "labels", "targets"] {
            params_fail(&doc, &[(name, &["a", "b"])], &[name, "exactly one value"]);
        }
    }

    #[test]
    fn kind_rules() {
        let doc = command_doc(&yaml_doc(EVERY_KIND_YAML)).unwrap();
        params_fail(
            &doc,
            &[("count", &["3.5"])],
            &["Parameter count", "'3.5'", "not an integer"],
        );
        params_fail(
            &doc,
            &[("count", &["99999999999999999999"])],
            &["Parameter count", "not an integer"],
        );
        params_fail(
            &doc,
            &[("verbose", &["True"])],
            &["Parameter verbose", "not a Boolean"],
        );
        params_fail(
            &doc,
            &[("labels", &["a=b"])],
            &["Parameter labels", "not a JSON object"],
        );
        params_fail(&doc, &[("labels", &["[]"])], &["not a JSON object"]);
        params_fail(
            &doc,
            &[("targets", &["{}"])],
            &["Parameter targets", "not a JSON list"],
        );
        params_fail(
            &doc,
            &[("targets", &["[1]"])],
            &["not a JSON list of objects"],
        );
        params_fail(
            &doc,
            &[("targets", &["[{},{},{},{},{},{}]"])],
            &["at most 5 (maxItems)"],
        );
        let values = check_parameters(
            &doc,
            &given(&[
                ("count", &["12"]),
                ("verbose", &["true"]),
                ("labels", &[r#"{"a": "b"}"#]),
                ("targets", &[r#"[{"a": 1}]"#]),
                ("message", &["hello"]),
            ]),
        )
        .unwrap();
        assert_eq!(values["count"], text("12"));
        assert_eq!(values["verbose"], text("true"));
        assert_eq!(values["labels"], text(r#"{"a": "b"}"#));
        assert_eq!(values["targets"], text(r#"[{"a": 1}]"#));
    }

    #[test]
    fn allowed_values_and_pattern() {
        let doc = command_doc(&yaml_doc(EVERY_KIND_YAML)).unwrap();
        params_fail(
            &doc,
            &[("message", &["howdy"])],
            &[
                "Parameter message",
                "'howdy'",
                "allowed values: 'hi', 'hello'",
            ],
        );
        params_fail(
            &doc,
            &[("count", &["-1"])],
            &[
                "Parameter count",
                "'-1'",
                "allowed pattern '[0-9]+'",
                "whole value",
            ],
        );
        // The pattern must match the whole value, not a part of it.
        let doc = doc_with_params(json!({"p": {"type": "String", "allowedPattern": "a|b"}}));
        check_parameters(&doc, &given(&[("p", &["a"])])).unwrap();
        params_fail(&doc, &[("p", &["ab"])], &["does not match"]);
    }

    #[test]
    fn string_list_counts_and_items() {
        let doc = command_doc(&yaml_doc(EVERY_KIND_YAML)).unwrap();
        params_fail(
            &doc,
            &[("lines", &[])],
            &["Parameter lines", "lists 0", "at least 1"],
        );
        params_fail(
            &doc,
            &[("lines", &["a", "b", "c", "d"])],
            &["lists 4", "at most 3"],
        );
        let values = check_parameters(&doc, &given(&[("lines", &["a"])])).unwrap();
        assert_eq!(values["lines"], list(&["a"]));
        let doc = doc_with_params(json!({
            "p": {"type": "StringList", "allowedValues": ["x", "y"], "allowedPattern": "[a-z]"}
        }));
        params_fail(
            &doc,
            &[("p", &["x", "z"])],
            &["'z' (item 1)", "allowed values"],
        );
        check_parameters(&doc, &given(&[("p", &["x", "y", "x"])])).unwrap();
    }

    #[test]
    fn parameter_store_references_skip_value_checks() {
        let doc = command_doc(&yaml_doc(EVERY_KIND_YAML)).unwrap();
        let values = check_parameters(
            &doc,
            &given(&[
                ("count", &["{{ssm:/app/count}}"]),
                ("verbose", &["{{ ssm:/app/verbose }}"]),
                ("message", &["{{ssm-secure:/app/greeting}}"]),
                ("lines", &["{{ssm:/app/line}}", "two"]),
            ]),
        )
        .unwrap();
        assert_eq!(values["count"], text("{{ssm:/app/count}}"));
        assert_eq!(values["lines"], list(&["{{ssm:/app/line}}", "two"]));
        // A reference inside longer text is checked like any text.
        params_fail(
            &doc,
            &[("count", &["{{ssm:/app/count}}1"])],
            &["not an integer"],
        );
        params_fail(&doc, &[("message", &["x {{ssm:/a}}"])], &["allowed values"]);
    }
}
