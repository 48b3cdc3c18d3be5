//! Checking parsed content as a Command document: schemaVersion 2.2 here,
//! 1.2's `runtimeConfig` in `runtime_config`, and what both share.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};
use sysman_api::ApiError;
use sysman_api::fleet::PlatformType;

use super::interpolate::PARAM_REF;
use super::messages::{
    INVALID_SCHEMA_VERSION, content_err, describe, join, kind_names, platform_list, quote, shown,
};
use super::model::{
    CommandDoc, ParamDef, ParamKind, RUN_PATCH_BASELINE, RUN_POWERSHELL_SCRIPT, RUN_SHELL_SCRIPT,
    Step, action_platforms,
};
use super::runtime_config;
use super::values::{check_value, compile_pattern, default_value};

/// The schema version of Command documents with steps (`mainSteps`).
const SCHEMA_VERSION: &str = "2.2";
const MAX_STEPS: usize = 100;
const PATCH_INPUT_KEYS: &[&str] = &[
    "Operation",
    "SnapshotId",
    "InstallOverrideList",
    "RebootOption",
    "BaselineOverride",
];
/// The longest `timeoutSeconds` a step may ask for: two days, as AWS allows.
const MAX_TIMEOUT_SECONDS: u64 = 172_800;

const TOP_KEYS: &[&str] = &["schemaVersion", "description", "parameters", "mainSteps"];
const PARAM_KEYS: &[&str] = &[
    "type",
    "description",
    "default",
    "allowedValues",
    "allowedPattern",
    "minItems",
    "maxItems",
    "minChars",
    "maxChars",
    "displayType",
];
const STEP_KEYS: &[&str] = &["action", "name", "inputs", "precondition", "description"];
const RUN_INPUT_KEYS: &[&str] = &["runCommand", "workingDirectory", "timeoutSeconds"];

static PARAM_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9_]{1,128}$").expect("constant regex"));
static STEP_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9_.-]{1,128}$").expect("constant regex"));

/// Validates parsed content as a Command document.
pub(crate) fn command_doc(content: &Value) -> Result<CommandDoc, ApiError> {
    let Some(top) = content.as_object() else {
        return Err(content_err(format!(
            "The document content must be an object with schemaVersion and mainSteps at its \
             top level, but it is {}.",
            describe(content)
        )));
    };
    // The version first: a document of another schema has other keys, and
    // its version is what the author must change.
    let schema_version = schema_version(top)?;
    let top_keys = if schema_version == runtime_config::SCHEMA_VERSION {
        runtime_config::TOP_KEYS
    } else {
        TOP_KEYS
    };
    check_keys(top, "", top_keys)?;

    let description = optional_string(top, "", "description")?;

    let parameters = match top.get("parameters") {
        None => Vec::new(),
        Some(Value::Object(params)) => params
            .iter()
            .map(|(name, def)| param_def(name, def))
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(content_err(format!(
                "parameters must be an object mapping each parameter name to its definition \
                 (such as {{\"commands\": {{\"type\": \"StringList\"}}}}), but it is {}; \
                 remove it if the document takes no parameters.",
                describe(other)
            )));
        }
    };
    let declared: BTreeSet<&str> = parameters.iter().map(|p| p.name.as_str()).collect();

    let steps = if schema_version == runtime_config::SCHEMA_VERSION {
        runtime_config::plugins(top, &declared)?
    } else {
        main_steps(top, &declared)?
    };

    Ok(CommandDoc {
        schema_version,
        description,
        parameters,
        steps,
    })
}

/// The document's `schemaVersion`, when it is one sysman runs.
fn schema_version(top: &Map<String, Value>) -> Result<String, ApiError> {
    let known = |v: &str| [SCHEMA_VERSION, runtime_config::SCHEMA_VERSION].contains(&v);
    match top.get("schemaVersion") {
        None => Err(content_err(format!(
            "The document has no schemaVersion; add schemaVersion \"{SCHEMA_VERSION}\" \
             at its top level."
        ))),
        Some(Value::String(s)) if known(s) => Ok(s.clone()),
        // YAML reads an unquoted 2.2 as a number; it means the same.
        Some(Value::Number(n)) if known(&n.to_string()) => Ok(n.to_string()),
        Some(Value::String(s)) => Err(ApiError::new(
            INVALID_SCHEMA_VERSION,
            format!(
                "Command documents use schemaVersion {SCHEMA_VERSION} or {} here, but this \
                 document gives schemaVersion {}. Write the document in the \
                 {SCHEMA_VERSION} shape (steps under mainSteps) and set schemaVersion \
                 to \"{SCHEMA_VERSION}\".",
                runtime_config::SCHEMA_VERSION,
                quote(s)
            ),
        )),
        Some(other) => Err(content_err(format!(
            "schemaVersion must be a string, but it is {}; write it quoted: \
             \"{SCHEMA_VERSION}\" (in YAML: schemaVersion: '{SCHEMA_VERSION}').",
            describe(other)
        ))),
    }
}

/// The steps of a schema 2.2 document.
fn main_steps(top: &Map<String, Value>, declared: &BTreeSet<&str>) -> Result<Vec<Step>, ApiError> {
    let steps = match top.get("mainSteps") {
        None => {
            return Err(content_err(
                "The document has no mainSteps; add mainSteps: a list of steps, each with \
                 action, name and inputs.",
            ));
        }
        Some(Value::Array(steps)) => steps,
        Some(other) => {
            return Err(content_err(format!(
                "mainSteps must be a list of steps, each with action, name and inputs, but it \
                 is {}.",
                describe(other)
            )));
        }
    };
    if steps.is_empty() {
        return Err(content_err(
            "mainSteps is empty; list at least one step with action, name and inputs.",
        ));
    }
    if steps.len() > MAX_STEPS {
        return Err(content_err(format!(
            "mainSteps lists {} steps; a document may have at most {MAX_STEPS}. Split it into \
             several documents.",
            steps.len()
        )));
    }

    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut checked = Vec::with_capacity(steps.len());
    for (index, raw) in steps.iter().enumerate() {
        let step = step(index, raw, declared)?;
        if let Some(first) = names.get(&step.name) {
            return Err(content_err(format!(
                "mainSteps[{index}].name {} is also the name of mainSteps[{first}]; give each \
                 step a name of its own.",
                quote(&step.name)
            )));
        }
        names.insert(step.name.clone(), index);
        checked.push(step);
    }
    Ok(checked)
}

fn param_def(name: &str, def: &Value) -> Result<ParamDef, ApiError> {
    if !PARAM_NAME.is_match(name) {
        return Err(content_err(format!(
            "parameters: {} is not a valid parameter name; a name is 1 to 128 letters, digits \
             or underscores.",
            quote(name)
        )));
    }
    let path = format!("parameters.{name}");
    let Some(obj) = def.as_object() else {
        return Err(content_err(format!(
            "{path} must be an object with at least a type (such as {{\"type\": \"String\"}}), \
             but it is {}.",
            describe(def)
        )));
    };
    check_keys(obj, &path, PARAM_KEYS)?;

    let kind = match obj.get("type") {
        None => {
            return Err(content_err(format!(
                "{path} has no type; add type: one of {}.",
                kind_names()
            )));
        }
        Some(Value::String(t)) => ParamKind::parse(t).ok_or_else(|| {
            content_err(format!(
                "{path}.type {} is not a parameter type; use one of {}.",
                quote(t),
                kind_names()
            ))
        })?,
        Some(other) => {
            return Err(content_err(format!(
                "{path}.type must be a string (one of {}), but it is {}.",
                kind_names(),
                describe(other)
            )));
        }
    };

    let description = optional_string(obj, &path, "description")?;

    match obj.get("displayType") {
        None => {}
        Some(Value::String(d)) if d == "textarea" || d == "textfield" => {}
        Some(other) => {
            return Err(content_err(format!(
                "{path}.displayType must be \"textarea\" or \"textfield\", but it is {}.",
                shown(other)
            )));
        }
    }

    let allowed_values = match obj.get("allowedValues") {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            if items.is_empty() {
                return Err(content_err(format!(
                    "{path}.allowedValues is empty, so no value would do; list the values \
                     allowed, or remove allowedValues."
                )));
            }
            // AWS takes numbers and Booleans too (an Integer allowing
            // [1, 2, 3], a Boolean allowing [true, false]); a value is
            // compared as the text a SendCommand would give.
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) => values.push(s.clone()),
                    Value::Number(n) => values.push(n.to_string()),
                    Value::Bool(b) => values.push(b.to_string()),
                    other => {
                        return Err(content_err(format!(
                            "{path}.allowedValues[{i}] must be a string, but it is {}; quote \
                             it.",
                            describe(other)
                        )));
                    }
                }
            }
            values
        }
        Some(other) => {
            return Err(content_err(format!(
                "{path}.allowedValues must be a list of strings, but it is {}.",
                describe(other)
            )));
        }
    };

    let allowed_pattern = match obj.get("allowedPattern") {
        None => None,
        Some(Value::String(p)) => {
            compile_pattern(p).map_err(|why| {
                content_err(format!(
                    "{path}.allowedPattern {} is not a regular expression sysman can use: \
                     {why}. Write it in the syntax of the Rust regex crate (no look-around, \
                     no backreferences).",
                    quote(p)
                ))
            })?;
            Some(p.clone())
        }
        Some(other) => {
            return Err(content_err(format!(
                "{path}.allowedPattern must be a string holding a regular expression, but it \
                 is {}.",
                describe(other)
            )));
        }
    };

    let min_items = item_count(obj, &path, "minItems", kind)?;
    let max_items = item_count(obj, &path, "maxItems", kind)?;
    if let (Some(min), Some(max)) = (min_items, max_items)
        && min > max
    {
        return Err(content_err(format!(
            "{path}.minItems ({min}) is greater than {path}.maxItems ({max}); no list could \
             satisfy both. Lower minItems or raise maxItems."
        )));
    }

    let min_chars = whole_number(obj, &path, "minChars")?;
    let max_chars = whole_number(obj, &path, "maxChars")?;
    if let (Some(min), Some(max)) = (min_chars, max_chars)
        && min > max
    {
        return Err(content_err(format!(
            "{path}.minChars ({min}) is greater than {path}.maxChars ({max}); no value could \
             satisfy both. Lower minChars or raise maxChars."
        )));
    }

    let mut def = ParamDef {
        name: name.to_owned(),
        kind,
        description,
        default: None,
        allowed_values,
        allowed_pattern,
        min_items,
        max_items,
        min_chars,
        max_chars,
    };
    if let Some(default) = obj.get("default") {
        default_value(kind, default)
            .and_then(|value| check_value(&def, &value))
            .map_err(|why| content_err(format!("{path}.default {why}.")))?;
        def.default = Some(default.clone());
    }
    Ok(def)
}

fn item_count(
    obj: &Map<String, Value>,
    path: &str,
    key: &str,
    kind: ParamKind,
) -> Result<Option<usize>, ApiError> {
    if !obj.contains_key(key) {
        return Ok(None);
    }
    if !kind.counts_items() {
        return Err(content_err(format!(
            "{path}.{key} applies only to StringList and MapList parameters, and this one is \
             a {}; remove {key}.",
            kind.as_str()
        )));
    }
    whole_number(obj, path, key)
}

/// An optional member that must be a whole number of 0 or more.
fn whole_number(
    obj: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<Option<usize>, ApiError> {
    let Some(raw) = obj.get(key) else {
        return Ok(None);
    };
    raw.as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| {
            content_err(format!(
                "{path}.{key} must be a whole number of 0 or more, but it is {}.",
                shown(raw)
            ))
        })
}

fn step(index: usize, raw: &Value, declared: &BTreeSet<&str>) -> Result<Step, ApiError> {
    let path = format!("mainSteps[{index}]");
    let Some(obj) = raw.as_object() else {
        return Err(content_err(format!(
            "{path} must be an object with action, name and inputs, but it is {}.",
            describe(raw)
        )));
    };
    check_keys(obj, &path, STEP_KEYS)?;

    let action = match obj.get("action") {
        None => {
            return Err(content_err(format!(
                "{path} has no action; add action: {RUN_SHELL_SCRIPT} (Linux, macOS) or \
                 {RUN_POWERSHELL_SCRIPT} (Windows)."
            )));
        }
        Some(Value::String(a))
            if a == RUN_SHELL_SCRIPT || a == RUN_POWERSHELL_SCRIPT || a == RUN_PATCH_BASELINE =>
        {
            a.clone()
        }
        Some(other) => {
            return Err(content_err(format!(
                "{path}.action {} is not an action sysman runs; Command documents here use \
                 {RUN_SHELL_SCRIPT} (Linux, macOS), {RUN_POWERSHELL_SCRIPT} (Windows) or \
                 {RUN_PATCH_BASELINE} (patching, everywhere).",
                shown(other)
            )));
        }
    };

    let name = match obj.get("name") {
        None => {
            return Err(content_err(format!(
                "{path} has no name; add name: 1 to 128 letters, digits, '_', '.' or '-', \
                 unique among the steps."
            )));
        }
        Some(Value::String(n)) if STEP_NAME.is_match(n) => n.clone(),
        Some(other) => {
            return Err(content_err(format!(
                "{path}.name {} is not a valid step name; a name is 1 to 128 letters, digits, \
                 '_', '.' or '-'.",
                shown(other)
            )));
        }
    };

    optional_string(obj, &path, "description")?;

    let inputs_path = format!("{path}.inputs");
    let inputs = match obj.get("inputs") {
        None => {
            return Err(content_err(format!(
                "{path} has no inputs; add inputs with at least runCommand (the lines of the \
                 script to run)."
            )));
        }
        Some(inputs @ Value::Object(map)) if action == RUN_PATCH_BASELINE => {
            patch_inputs(map, &inputs_path)?;
            inputs
        }
        Some(inputs @ Value::Object(map)) => {
            run_inputs(map, &inputs_path, RUN_INPUT_KEYS)?;
            inputs
        }
        Some(other) => {
            return Err(content_err(format!(
                "{inputs_path} must be an object with at least runCommand, but it is {}.",
                describe(other)
            )));
        }
    };
    check_references(inputs, &inputs_path, declared)?;

    let precondition = match obj.get("precondition") {
        None => None,
        Some(p) => Some(precondition(p, &format!("{path}.precondition"))?),
    };
    if let Some(platform) = precondition
        && !action_platforms(&action).contains(&platform)
    {
        return Err(content_err(format!(
            "{path}.precondition selects {} nodes, but {action} runs only on {}, so the step \
             would never run; remove the precondition or change the action.",
            platform.as_str(),
            platform_list(action_platforms(&action))
        )));
    }

    Ok(Step {
        name,
        action,
        inputs: inputs.clone(),
        precondition,
    })
}

/// Checks the inputs of `aws:runPatchBaseline`: an Operation, and strings
/// (or parameter references) for the rest.
fn patch_inputs(inputs: &Map<String, Value>, path: &str) -> Result<(), ApiError> {
    check_keys(inputs, path, PATCH_INPUT_KEYS)?;
    match inputs.get("Operation") {
        Some(Value::String(op)) if op == "Scan" || op == "Install" || PARAM_REF.is_match(op) => {}
        Some(other) => {
            return Err(content_err(format!(
                "{path}.Operation {} is not Scan or Install.",
                shown(other)
            )));
        }
        None => {
            return Err(content_err(format!(
                "{path} has no Operation; add Operation: Scan or Install."
            )));
        }
    }
    for key in [
        "SnapshotId",
        "InstallOverrideList",
        "RebootOption",
        "BaselineOverride",
    ] {
        optional_string(inputs, path, key)?;
    }
    Ok(())
}

/// Checks the inputs of `aws:runShellScript` and `aws:runPowerShellScript`.
pub(super) fn run_inputs(
    inputs: &Map<String, Value>,
    path: &str,
    allowed: &[&str],
) -> Result<(), ApiError> {
    check_keys(inputs, path, allowed)?;
    match inputs.get("runCommand") {
        None => {
            return Err(content_err(format!(
                "{path} has no runCommand; add runCommand: the script as a string, or a list \
                 of its lines."
            )));
        }
        Some(Value::String(_)) => {}
        Some(Value::Array(lines)) => {
            if lines.is_empty() {
                return Err(content_err(format!(
                    "{path}.runCommand is an empty list; list at least one line to run."
                )));
            }
            for (i, line) in lines.iter().enumerate() {
                if !line.is_string() {
                    return Err(content_err(format!(
                        "{path}.runCommand[{i}] is {}; runCommand must be a string or a list \
                         of strings, so quote it.",
                        describe(line)
                    )));
                }
            }
        }
        Some(other) => {
            return Err(content_err(format!(
                "{path}.runCommand must be a string or a list of strings, but it is {}.",
                describe(other)
            )));
        }
    }
    optional_string(inputs, path, "workingDirectory")?;
    match inputs.get("timeoutSeconds") {
        None => {}
        Some(Value::String(s)) if PARAM_REF.is_match(s) => {}
        Some(raw @ (Value::String(_) | Value::Number(_))) => {
            let seconds = match raw {
                Value::String(s) => s.parse::<u64>().ok(),
                other => other.as_u64(),
            };
            if !seconds.is_some_and(|n| (1..=MAX_TIMEOUT_SECONDS).contains(&n)) {
                return Err(content_err(format!(
                    "{path}.timeoutSeconds {} is not a whole number of seconds from 1 to \
                     {MAX_TIMEOUT_SECONDS}; give one, or a parameter reference such as \
                     \"{{{{ executionTimeout }}}}\".",
                    shown(raw)
                )));
            }
        }
        Some(other) => {
            return Err(content_err(format!(
                "{path}.timeoutSeconds must be a whole number of seconds (or a string holding \
                 one), but it is {}.",
                describe(other)
            )));
        }
    }
    Ok(())
}

/// Every `{{ name }}` in the strings under `value` must name a declared
/// parameter.
pub(super) fn check_references(
    value: &Value,
    path: &str,
    declared: &BTreeSet<&str>,
) -> Result<(), ApiError> {
    match value {
        Value::String(s) => {
            for caps in PARAM_REF.captures_iter(s) {
                let Some(name) = caps.get(1).map(|m| m.as_str()) else {
                    continue;
                };
                if !declared.contains(name) {
                    let known = if declared.is_empty() {
                        String::from("the document declares no parameters")
                    } else {
                        format!(
                            "it declares {}",
                            declared.iter().copied().collect::<Vec<_>>().join(", ")
                        )
                    };
                    return Err(content_err(format!(
                        "{path} refers to the parameter {{{{ {name} }}}}, which the document \
                         does not declare ({known}); declare it under parameters, or fix the \
                         name."
                    )));
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_references(item, &format!("{path}[{i}]"), declared)),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, v)| check_references(v, &format!("{path}.{k}"), declared)),
        _ => Ok(()),
    }
}

fn precondition(raw: &Value, path: &str) -> Result<PlatformType, ApiError> {
    let wrong = |what: String| {
        content_err(format!(
            "{path} {what}; the one precondition sysman knows is {{\"StringEquals\": \
             [\"platformType\", \"Linux\"]}}, with Linux, Windows or MacOS."
        ))
    };
    let Some(obj) = raw.as_object() else {
        return Err(wrong(format!(
            "must be an object, but it is {}",
            describe(raw)
        )));
    };
    if let Some(other) = obj.keys().find(|k| *k != "StringEquals") {
        return Err(wrong(format!("has the unknown operator {}", quote(other))));
    }
    let Some(operands) = obj.get("StringEquals") else {
        return Err(wrong(String::from("is empty")));
    };
    match operands.as_array().map(Vec::as_slice) {
        Some([Value::String(variable), Value::String(platform)]) => {
            if variable != "platformType" {
                return Err(wrong(format!(
                    "compares {}, which is not a variable sysman knows",
                    quote(variable)
                )));
            }
            PlatformType::parse(platform).ok_or_else(|| {
                wrong(format!(
                    "names {}, which is not a platform",
                    quote(platform)
                ))
            })
        }
        _ => Err(wrong(format!(
            "has StringEquals {}, not a list of two strings",
            shown(operands)
        ))),
    }
}

/// Names any key of `obj` not in `allowed`.
pub(super) fn check_keys(
    obj: &Map<String, Value>,
    path: &str,
    allowed: &[&str],
) -> Result<(), ApiError> {
    let Some(unknown) = obj.keys().find(|k| !allowed.contains(&k.as_str())) else {
        return Ok(());
    };
    let hint = allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(unknown))
        .map(|a| format!(" (did you mean {a}?)"))
        .unwrap_or_default();
    let place = if path.is_empty() {
        String::from("The document has the unknown top-level key")
    } else {
        format!("{path} has the unknown key")
    };
    Err(content_err(format!(
        "{place} {}{hint}; the keys allowed there are {}.",
        quote(unknown),
        allowed.join(", ")
    )))
}

/// An optional string member; present but not a string is an error.
pub(super) fn optional_string(
    obj: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<Option<String>, ApiError> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(content_err(format!(
            "{} must be a string, but it is {}.",
            join(path, key),
            describe(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::documents::schema::fixtures::*;

    // -- valid documents ----------------------------------------------------

    #[test]
    fn builtin_shaped_json_document_checks() {
        let doc = command_doc(&json_doc(BUILTIN_SHAPE)).unwrap();
        assert_eq!(doc.schema_version, "2.2");
        assert_eq!(doc.description.as_deref(), Some("Run a shell script."));
        let names: Vec<&str> = doc.parameters.iter().map(|p| p.name.as_str()).collect();
        // In the order the document declares them.
        assert_eq!(names, ["commands", "workingDirectory", "executionTimeout"]);
        let commands = doc.param("commands").unwrap();
        assert_eq!(commands.kind, ParamKind::StringList);
        assert_eq!(commands.min_items, Some(1));
        assert_eq!(commands.default, None);
        assert_eq!(doc.steps.len(), 1);
        assert_eq!(doc.steps[0].name, "runShellScript");
        assert_eq!(doc.steps[0].action, RUN_SHELL_SCRIPT);
        assert_eq!(doc.steps[0].precondition, None);
        assert_eq!(doc.steps[0].inputs["runCommand"], "{{ commands }}");
    }

    #[test]
    fn yaml_document_with_every_kind_checks() {
        let doc = command_doc(&yaml_doc(EVERY_KIND_YAML)).unwrap();
        let kind = |name: &str| doc.param(name).unwrap().kind;
        assert_eq!(kind("message"), ParamKind::String);
        assert_eq!(kind("lines"), ParamKind::StringList);
        assert_eq!(kind("count"), ParamKind::Integer);
        assert_eq!(kind("verbose"), ParamKind::Boolean);
        assert_eq!(kind("labels"), ParamKind::StringMap);
        assert_eq!(kind("targets"), ParamKind::MapList);
        let message = doc.param("message").unwrap();
        assert_eq!(message.description.as_deref(), Some("What to say."));
        assert_eq!(message.allowed_values, ["hi", "hello"]);
        assert_eq!(message.default, Some(json!("hi")));
        let lines = doc.param("lines").unwrap();
        assert_eq!((lines.min_items, lines.max_items), (Some(1), Some(3)));
        assert_eq!(lines.default, Some(json!(["one", "two"])));
        assert_eq!(doc.param("count").unwrap().default, Some(json!(3)));
        assert_eq!(
            doc.param("count").unwrap().allowed_pattern.as_deref(),
            Some("[0-9]+")
        );
        assert_eq!(
            doc.param("labels").unwrap().default,
            Some(json!({"team": "ops"}))
        );
        let steps: Vec<(&str, Option<PlatformType>)> = doc
            .steps
            .iter()
            .map(|s| (s.name.as_str(), s.precondition))
            .collect();
        assert_eq!(
            steps,
            [
                ("unix", None),
                ("mac.only", Some(PlatformType::MacOS)),
                ("win-only", Some(PlatformType::Windows))
            ]
        );
        assert!(doc.steps[0].inputs["runCommand"].is_array());
        assert!(doc.steps[1].inputs["runCommand"].is_string());
    }

    #[test]
    fn run_command_may_be_a_string_or_a_list() {
        command_doc(&with("/mainSteps/0/inputs/runCommand", json!("echo one"))).unwrap();
        command_doc(&with("/mainSteps/0/inputs/runCommand", json!(["a", "b"]))).unwrap();
        command_doc(&with("/mainSteps/0/inputs/timeoutSeconds", json!(172_800))).unwrap();
        command_doc(&with("/mainSteps/0/inputs/timeoutSeconds", json!("60"))).unwrap();
        command_doc(&with("/mainSteps/0/inputs/workingDirectory", json!("/srv"))).unwrap();
        command_doc(&with("/mainSteps/0/description", json!("says hello"))).unwrap();
        // A document without parameters.
        let mut doc = without("/parameters");
        set(&mut doc, "/mainSteps/0/inputs/runCommand", json!("uptime"));
        assert!(command_doc(&doc).unwrap().parameters.is_empty());
        // Parameter Store references need no declaration.
        command_doc(&with(
            "/mainSteps/0/inputs/runCommand",
            json!("echo {{ssm:/app/url}} {{ ssm-secure:pw }}"),
        ))
        .unwrap();
    }

    // -- invalid documents --------------------------------------------------

    #[test]
    fn top_level_faults() {
        content_fails(
            &with("/assumeRole", json!("x")),
            &["top-level key 'assumeRole'"],
        );
        content_fails(
            &with("/mainsteps", json!([])),
            &["'mainsteps'", "did you mean mainSteps?"],
        );
        content_fails(
            &with("/description", json!(3)),
            &["description must be a string"],
        );
        content_fails(
            &with("/parameters", json!(["a"])),
            &["parameters must be an object"],
        );
        content_fails(&without("/mainSteps"), &["no mainSteps"]);
        content_fails(
            &with("/mainSteps", json!({})),
            &["mainSteps must be a list"],
        );
        content_fails(&with("/mainSteps", json!([])), &["mainSteps is empty"]);
        let step = base()["mainSteps"][0].clone();
        let many: Vec<Value> = (0..101)
            .map(|i| {
                let mut s = step.clone();
                s["name"] = json!(format!("s{i}"));
                s
            })
            .collect();
        content_fails(
            &with("/mainSteps", json!(many)),
            &["101 steps", "at most 100"],
        );
    }

    #[test]
    fn schema_version_faults() {
        content_fails(&without("/schemaVersion"), &["no schemaVersion", "\"2.2\""]);
        content_fails(
            &with("/schemaVersion", json!(true)),
            &["schemaVersion must be a string"],
        );
        assert_eq!(
            command_doc(&with("/schemaVersion", json!(2.2)))
                .unwrap()
                .schema_version,
            "2.2"
        );
        // Another schema's keys do not hide that its version is the fault.
        doc_fails(
            &json!({"schemaVersion": "0.3", "assumeRole": "x"}),
            INVALID_SCHEMA_VERSION,
            &["'0.3'"],
        );
        doc_fails(
            &with("/schemaVersion", json!("2.0")),
            INVALID_SCHEMA_VERSION,
            &["schemaVersion 2.2 or 1.2 here", "'2.0'"],
        );
        // 1.2 is a schema of its own: its document has runtimeConfig, not
        // mainSteps.
        content_fails(
            &with("/schemaVersion", json!("1.2")),
            &["unknown top-level key 'mainSteps'"],
        );
        content_fails(
            &json!({"schemaVersion": "1.2", "runtimeConfig": {}}),
            &["runtimeConfig is empty"],
        );
        doc_fails(
            &with("/schemaVersion", json!("0.3")),
            INVALID_SCHEMA_VERSION,
            &["'0.3'"],
        );
        // Unquoted in YAML, 2.2 is a number, and means 2.2.
        let unquoted = yaml_doc(
            "schemaVersion: 2.2\nmainSteps:\n  - {action: aws:runShellScript, name: s, inputs: \
             {runCommand: x}}\n",
        );
        assert_eq!(command_doc(&unquoted).unwrap().schema_version, "2.2");
    }

    #[test]
    fn parameter_definition_faults() {
        content_fails(
            &with("/parameters/bad-name", json!({"type": "String"})),
            &["parameters: 'bad-name' is not a valid parameter name"],
        );
        let long = "p".repeat(129);
        content_fails(
            &with(&format!("/parameters/{long}"), json!({"type": "String"})),
            &["not a valid parameter name"],
        );
        content_fails(
            &with_param(json!("String")),
            &["parameters.p must be an object"],
        );
        content_fails(
            &with_param(json!({})),
            &["parameters.p has no type", "StringList"],
        );
        content_fails(
            &with_param(json!({"type": "Str"})),
            &["parameters.p.type 'Str' is not a parameter type", "MapList"],
        );
        content_fails(
            &with_param(json!({"type": 1})),
            &["parameters.p.type must be a string"],
        );
        content_fails(
            &with_param(json!({"type": "String", "minLength": 1})),
            &[
                "parameters.p has the unknown key 'minLength'",
                "allowedPattern",
            ],
        );
        content_fails(
            &with_param(json!({"type": "String", "Default": "x"})),
            &["'Default'", "did you mean default?"],
        );
        content_fails(
            &with_param(json!({"type": "String", "description": ["x"]})),
            &["parameters.p.description must be a string"],
        );
        content_fails(
            &with_param(json!({"type": "String", "displayType": "big"})),
            &["parameters.p.displayType", "textarea"],
        );
        content_fails(
            &with_param(json!({"type": "String", "allowedValues": "a"})),
            &["parameters.p.allowedValues must be a list of strings"],
        );
        content_fails(
            &with_param(json!({"type": "String", "allowedValues": ["a", null]})),
            &["parameters.p.allowedValues[1] must be a string"],
        );
        content_fails(
            &with_param(json!({"type": "String", "allowedValues": []})),
            &["parameters.p.allowedValues is empty"],
        );
        content_fails(
            &with_param(json!({"type": "String", "allowedPattern": "(a"})),
            &[
                "parameters.p.allowedPattern '(a' is not a regular expression",
                "unclosed group",
            ],
        );
        content_fails(
            &with_param(json!({"type": "String", "allowedPattern": "(?=a)"})),
            &["parameters.p.allowedPattern", "look-around"],
        );
        content_fails(
            &with_param(json!({"type": "String", "allowedPattern": "a{1000}{1000}"})),
            &["parameters.p.allowedPattern", "too large"],
        );
        content_fails(
            &with_param(json!({"type": "String", "allowedPattern": 5})),
            &["parameters.p.allowedPattern must be a string"],
        );
        content_fails(
            &with_param(json!({"type": "StringList", "minItems": -1})),
            &["parameters.p.minItems must be a whole number", "-1"],
        );
        content_fails(
            &with_param(json!({"type": "StringList", "maxItems": 1.5})),
            &["parameters.p.maxItems must be a whole number"],
        );
        content_fails(
            &with_param(json!({"type": "StringList", "minItems": 3, "maxItems": 2})),
            &["parameters.p.minItems (3) is greater than parameters.p.maxItems (2)"],
        );
        content_fails(
            &with_param(json!({"type": "String", "maxItems": 2})),
            &["parameters.p.maxItems applies only to StringList and MapList"],
        );
        content_fails(
            &with_param(json!({"type": "String", "maxChars": "10"})),
            &["parameters.p.maxChars must be a whole number"],
        );
        content_fails(
            &with_param(json!({"type": "String", "minChars": 3, "maxChars": 2})),
            &["parameters.p.minChars (3) is greater than parameters.p.maxChars (2)"],
        );
        content_fails(
            &with_param(json!({"type": "String", "default": "abc", "maxChars": 2})),
            &[
                "parameters.p.default",
                "has 3 characters, but maxChars allows at most 2",
            ],
        );
    }

    #[test]
    fn allowed_values_may_be_numbers_and_booleans_as_aws_takes_them() {
        let doc = doc_with_params(json!({
            "level": {"type": "Integer", "allowedValues": [1, 2, 3, 4], "default": 1},
            "force": {"type": "Boolean", "allowedValues": [true, false], "default": false},
            "mode": {"type": "String", "allowedValues": ["fast", 2]}
        }));
        let level = doc.param("level").unwrap();
        assert_eq!(level.allowed_values, ["1", "2", "3", "4"]);
        assert_eq!(level.default, Some(json!(1)));
        assert_eq!(
            doc.param("force").unwrap().allowed_values,
            ["true", "false"]
        );
        assert_eq!(doc.param("mode").unwrap().allowed_values, ["fast", "2"]);
        let values = check_parameters(
            &doc,
            &given(&[("level", &["3"]), ("force", &["true"]), ("mode", &["2"])]),
        )
        .unwrap();
        assert_eq!(values["level"], text("3"));
        assert_eq!(values["force"], text("true"));
        let defaults = check_parameters(&doc, &given(&[("mode", &["fast"])])).unwrap();
        assert_eq!(defaults["level"], text("1"));
        assert_eq!(defaults["force"], text("false"));
        params_fail(
            &doc,
            &[("level", &["5"]), ("mode", &["fast"])],
            &[
                "Parameter level",
                "'5'",
                "allowed values: '1', '2', '3', '4'",
            ],
        );
        // A default outside the allowed values is still a fault.
        content_fails(
            &with_param(json!({"type": "Integer", "allowedValues": [1, 2], "default": 3})),
            &[
                "parameters.p.default",
                "not one of the allowed values: '1', '2'",
            ],
        );
    }

    #[test]
    fn chars_limits_apply_to_each_value() {
        let doc = doc_with_params(json!({
            "dir": {"type": "String", "default": "", "maxChars": 4},
            "names": {"type": "StringList", "minChars": 2, "default": ["ab"]}
        }));
        check_parameters(
            &doc,
            &given(&[("dir", &["/tmp"]), ("names", &["ab", "cd"])]),
        )
        .unwrap();
        params_fail(
            &doc,
            &[("dir", &["/tmp/x"])],
            &[
                "Parameter dir",
                "has 6 characters, but maxChars allows at most 4",
            ],
        );
        params_fail(
            &doc,
            &[("names", &["ab", "c"])],
            &[
                "Parameter names",
                "'c' (item 1)",
                "minChars asks for at least 2",
            ],
        );
    }

    #[test]
    fn defaults_must_satisfy_their_definition() {
        let cases = [
            (
                json!({"type": "Integer", "default": "abc"}),
                "is not an integer",
            ),
            (
                json!({"type": "Integer", "default": 1.5}),
                "is not an integer",
            ),
            (
                json!({"type": "Boolean", "default": "yes"}),
                "is not a Boolean",
            ),
            (
                json!({"type": "String", "default": null}),
                "must be a single value",
            ),
            (
                json!({"type": "String", "default": ["a"]}),
                "must be a single value",
            ),
            (
                json!({"type": "String", "default": "c", "allowedValues": ["a", "b"]}),
                "not one of the allowed values: 'a', 'b'",
            ),
            (
                json!({"type": "String", "default": "abc", "allowedPattern": "[a-z]{2}"}),
                "does not match the allowed pattern '[a-z]{2}'",
            ),
            (
                json!({"type": "StringList", "default": "a"}),
                "must be a list of strings",
            ),
            (
                json!({"type": "StringList", "default": [{}]}),
                "item 0 is an object",
            ),
            (
                json!({"type": "StringList", "default": [], "minItems": 1}),
                "needs at least 1 (minItems)",
            ),
            (
                json!({"type": "StringList", "default": ["x"], "allowedValues": ["y"]}),
                "(item 0)",
            ),
            (
                json!({"type": "StringMap", "default": ["a"]}),
                "must be an object",
            ),
            (
                json!({"type": "StringMap", "default": "[1]"}),
                "is not a JSON object",
            ),
            (
                json!({"type": "MapList", "default": [1]}),
                "is not a JSON list of objects",
            ),
            (
                json!({"type": "MapList", "default": {}}),
                "must be a list of objects",
            ),
            (
                json!({"type": "MapList", "default": [{}, {}], "maxItems": 1}),
                "allows at most 1 (maxItems)",
            ),
        ];
        for (def, needle) in cases {
            content_fails(&with_param(def), &["parameters.p.default", needle]);
        }
        // Defaults of every kind that do satisfy their definition.
        for def in [
            json!({"type": "Integer", "default": 5}),
            json!({"type": "Integer", "default": "-5"}),
            json!({"type": "Boolean", "default": true}),
            json!({"type": "Boolean", "default": "false"}),
            json!({"type": "String", "default": 3600}),
            json!({"type": "StringMap", "default": "{\"a\": \"b\"}"}),
            json!({"type": "MapList", "default": "[{\"a\": 1}]"}),
            json!({"type": "String", "default": "{{ssm:/x}}", "allowedValues": ["a"]}),
        ] {
            command_doc(&with_param(def.clone())).unwrap_or_else(|e| panic!("{def}: {e}"));
        }
    }

    #[test]
    fn step_faults() {
        content_fails(
            &with("/mainSteps/0", json!("x")),
            &["mainSteps[0] must be an object"],
        );
        content_fails(
            &with("/mainSteps/0/onFailure", json!("exit")),
            &[
                "mainSteps[0] has the unknown key 'onFailure'",
                "precondition",
            ],
        );
        content_fails(
            &without("/mainSteps/0/action"),
            &["mainSteps[0] has no action"],
        );
        content_fails(
            &with("/mainSteps/0/action", json!("aws:runDocument")),
            &[
                "mainSteps[0].action 'aws:runDocument' is not an action sysman runs",
                "aws:runShellScript",
                "aws:runPowerShellScript",
            ],
        );
        content_fails(
            &with("/mainSteps/0/action", json!(7)),
            &["mainSteps[0].action 7"],
        );
        content_fails(&without("/mainSteps/0/name"), &["mainSteps[0] has no name"]);
        content_fails(
            &with("/mainSteps/0/name", json!("has space")),
            &["mainSteps[0].name 'has space' is not a valid step name"],
        );
        content_fails(
            &with("/mainSteps/0/name", json!("")),
            &["mainSteps[0].name ''"],
        );
        content_fails(
            &with("/mainSteps/0/description", json!(1)),
            &["mainSteps[0].description must be a string"],
        );
        let mut twice = base();
        let step = twice["mainSteps"][0].clone();
        let mut other = step.clone();
        other["name"] = json!("other");
        set(&mut twice, "/mainSteps", json!([step, other, step]));
        content_fails(
            &twice,
            &["mainSteps[2].name 'hello' is also the name of mainSteps[0]"],
        );
        content_fails(
            &without("/mainSteps/0/inputs"),
            &["mainSteps[0] has no inputs"],
        );
        content_fails(
            &with("/mainSteps/0/inputs", json!(["echo"])),
            &["mainSteps[0].inputs must be an object"],
        );
    }

    #[test]
    fn input_faults() {
        content_fails(
            &with("/mainSteps/0/inputs/RunCommand", json!("x")),
            &[
                "mainSteps[0].inputs has the unknown key 'RunCommand'",
                "did you mean runCommand?",
            ],
        );
        content_fails(
            &with("/mainSteps/0/inputs", json!({"workingDirectory": "/"})),
            &["mainSteps[0].inputs has no runCommand"],
        );
        content_fails(
            &with("/mainSteps/0/inputs/runCommand", json!(5)),
            &["mainSteps[0].inputs.runCommand must be a string or a list of strings"],
        );
        content_fails(
            &with("/mainSteps/0/inputs/runCommand", json!(["a", 2])),
            &["mainSteps[0].inputs.runCommand[1] is a number"],
        );
        content_fails(
            &with("/mainSteps/0/inputs/runCommand", json!([])),
            &["mainSteps[0].inputs.runCommand is an empty list"],
        );
        content_fails(
            &with("/mainSteps/0/inputs/workingDirectory", json!(["/"])),
            &["mainSteps[0].inputs.workingDirectory must be a string"],
        );
        for bad in [
            json!(0),
            json!(172_801),
            json!("ten"),
            json!(-1),
            json!(1.5),
        ] {
            content_fails(
                &with("/mainSteps/0/inputs/timeoutSeconds", bad),
                &["mainSteps[0].inputs.timeoutSeconds", "1 to 172800"],
            );
        }
        content_fails(
            &with("/mainSteps/0/inputs/timeoutSeconds", json!(true)),
            &["mainSteps[0].inputs.timeoutSeconds must be a whole number"],
        );
    }

    #[test]
    fn undeclared_references_are_errors_at_their_path() {
        content_fails(
            &with(
                "/mainSteps/0/inputs/runCommand",
                json!(["ls", "echo {{ nope }}"]),
            ),
            &[
                "mainSteps[0].inputs.runCommand[1] refers to the parameter {{ nope }}",
                "it declares greeting",
            ],
        );
        content_fails(
            &with("/mainSteps/0/inputs/workingDirectory", json!("{{dir}}")),
            &["mainSteps[0].inputs.workingDirectory refers to the parameter {{ dir }}"],
        );
        let mut doc = without("/parameters");
        set(&mut doc, "/mainSteps/0/inputs/runCommand", json!("{{ x }}"));
        content_fails(
            &doc,
            &["mainSteps[0].inputs.runCommand", "declares no parameters"],
        );
        // Text that merely looks like braces is no reference.
        command_doc(&with(
            "/mainSteps/0/inputs/runCommand",
            json!("docker ps --format '{{.Names}}' {{ not a ref }}"),
        ))
        .unwrap();
    }

    #[test]
    fn precondition_faults() {
        let cases = [
            (json!("Linux"), "must be an object"),
            (json!({}), "is empty"),
            (
                json!({"StringLike": ["platformType", "Linux"]}),
                "unknown operator 'StringLike'",
            ),
            (
                json!({"StringEquals": ["platformType"]}),
                "not a list of two strings",
            ),
            (
                json!({"StringEquals": "Linux"}),
                "not a list of two strings",
            ),
            (
                json!({"StringEquals": ["platformType", 1]}),
                "not a list of two strings",
            ),
            (
                json!({"StringEquals": ["platformName", "Linux"]}),
                "'platformName'",
            ),
            (
                json!({"StringEquals": ["platformType", "linux"]}),
                "'linux', which is not",
            ),
        ];
        for (precondition, needle) in cases {
            content_fails(
                &with("/mainSteps/0/precondition", precondition),
                &["mainSteps[0].precondition", needle, "StringEquals"],
            );
        }
        content_fails(
            &with(
                "/mainSteps/0/precondition",
                json!({"StringEquals": ["platformType", "Windows"]}),
            ),
            &[
                "mainSteps[0].precondition selects Windows",
                "runs only on Linux and MacOS",
            ],
        );
    }
}
