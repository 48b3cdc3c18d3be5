//! Putting parameter values into the step inputs: `{{ name }}` substitution.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::model::Step;
use super::values::ParamValue;

/// `{{ name }}`: a reference to a document parameter.
pub(super) static PARAM_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([a-zA-Z0-9_]+)\s*\}\}").expect("constant regex"));
/// A string that is one parameter reference and nothing else (but blanks).
static WHOLE_PARAM_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\{\{\s*([a-zA-Z0-9_]+)\s*\}\}\s*$").expect("constant regex"));

/// Replaces `{{ name }}` (any whitespace inside the braces) in every string
/// of the step inputs with the parameter's value. A string that is exactly
/// one reference to a StringList parameter becomes that JSON array (inside a
/// list, its items take the string's place); a StringList inside longer text
/// is joined with ",". `{{ssm:...}}` / `{{ssm-secure:...}}` references, and
/// references to names without a value, are left untouched.
pub(crate) fn interpolate(steps: &[&Step], values: &BTreeMap<String, ParamValue>) -> Vec<Step> {
    steps
        .iter()
        .map(|step| Step {
            name: step.name.clone(),
            action: step.action.clone(),
            inputs: interpolate_value(&step.inputs, values),
            precondition: step.precondition,
        })
        .collect()
}

fn interpolate_value(value: &Value, values: &BTreeMap<String, ParamValue>) -> Value {
    match value {
        Value::String(s) => match whole_list_reference(s, values) {
            Some(items) => Value::Array(items.iter().cloned().map(Value::String).collect()),
            None => Value::String(interpolate_text(s, values)),
        },
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => match whole_list_reference(s, values) {
                        Some(list) => out.extend(list.iter().cloned().map(Value::String)),
                        None => out.push(Value::String(interpolate_text(s, values))),
                    },
                    other => out.push(interpolate_value(other, values)),
                }
            }
            Value::Array(out)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), interpolate_value(v, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The items of the StringList a string refers to, when the string is that
/// one reference and nothing else.
fn whole_list_reference<'a>(
    s: &str,
    values: &'a BTreeMap<String, ParamValue>,
) -> Option<&'a Vec<String>> {
    let name = WHOLE_PARAM_REF.captures(s)?.get(1)?.as_str();
    match values.get(name)? {
        ParamValue::List(items) => Some(items),
        ParamValue::Text(_) => None,
    }
}

fn interpolate_text(s: &str, values: &BTreeMap<String, ParamValue>) -> String {
    PARAM_REF
        .replace_all(s, |caps: &regex::Captures<'_>| {
            let whole = caps.get(0).map_or("", |m| m.as_str());
            match caps.get(1).and_then(|m| values.get(m.as_str())) {
                Some(ParamValue::Text(text)) => text.clone(),
                Some(ParamValue::List(items)) => items.join(","),
                None => whole.to_owned(),
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use sysman_api::fleet::PlatformType;

    use super::*;
    use crate::documents::schema::fixtures::*;
    use crate::documents::schema::model::RUN_SHELL_SCRIPT;

    // -- interpolate --------------------------------------------------------

    fn step_with(inputs: Value) -> Step {
        Step {
            name: "s".to_owned(),
            action: RUN_SHELL_SCRIPT.to_owned(),
            inputs,
            precondition: Some(PlatformType::Linux),
        }
    }

    fn values() -> BTreeMap<String, ParamValue> {
        BTreeMap::from([
            ("name".to_owned(), text("world")),
            ("dollar".to_owned(), text("$1 ${name} {{ name }}")),
            ("commands".to_owned(), list(&["ls", "pwd"])),
            ("empty".to_owned(), list(&[])),
        ])
    }

    #[test]
    fn interpolates_text_in_every_string() {
        let step = step_with(json!({
            "runCommand": "echo {{name}} {{  name  }} {{\tname\n}}",
            "workingDirectory": "/home/{{ name }}",
            "timeoutSeconds": 60
        }));
        let out = interpolate(&[&step], &values());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].name, "s");
        assert_eq!(out[0].action, RUN_SHELL_SCRIPT);
        assert_eq!(out[0].precondition, Some(PlatformType::Linux));
        assert_eq!(
            out[0].inputs,
            json!({
                "runCommand": "echo world world world",
                "workingDirectory": "/home/world",
                "timeoutSeconds": 60
            })
        );
        // Values are inserted as they are: no `$` expansion, no second pass.
        let step = step_with(json!({"runCommand": "x {{ dollar }}"}));
        let out = interpolate(&[&step], &values());
        assert_eq!(out[0].inputs["runCommand"], "x $1 ${name} {{ name }}");
    }

    #[test]
    fn string_lists_expand_or_join() {
        let step = step_with(json!({"runCommand": "{{ commands }}"}));
        assert_eq!(
            interpolate(&[&step], &values())[0].inputs["runCommand"],
            json!(["ls", "pwd"])
        );
        let step =
            step_with(json!({"runCommand": ["set -e", "{{commands}}", "{{ empty }}", "done"]}));
        assert_eq!(
            interpolate(&[&step], &values())[0].inputs["runCommand"],
            json!(["set -e", "ls", "pwd", "done"])
        );
        let step = step_with(json!({"runCommand": "for c in {{ commands }}; do :; done"}));
        assert_eq!(
            interpolate(&[&step], &values())[0].inputs["runCommand"],
            "for c in ls,pwd; do :; done"
        );
    }

    #[test]
    fn parameter_store_and_unknown_references_stay() {
        let step = step_with(json!({
            "runCommand": ["{{ssm:/a/b}} {{ ssm-secure:pw }}", "{{ unknown }}", "{{.Names}}"]
        }));
        assert_eq!(
            interpolate(&[&step], &values())[0].inputs["runCommand"],
            json!([
                "{{ssm:/a/b}} {{ ssm-secure:pw }}",
                "{{ unknown }}",
                "{{.Names}}"
            ])
        );
    }

    #[test]
    fn builtin_shape_end_to_end() {
        let doc = command_doc(&json_doc(BUILTIN_SHAPE)).unwrap();
        let values =
            check_parameters(&doc, &given(&[("commands", &["uname -a", "uptime"])])).unwrap();
        let steps = interpolate(&doc.steps_for(PlatformType::Linux), &values);
        assert_eq!(
            steps[0].inputs,
            json!({
                "runCommand": ["uname -a", "uptime"],
                "workingDirectory": "",
                "timeoutSeconds": "3600"
            })
        );
        assert!(interpolate(&doc.steps_for(PlatformType::Windows), &values).is_empty());
    }
}
