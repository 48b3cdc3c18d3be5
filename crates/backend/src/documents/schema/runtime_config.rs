//! Schema 1.2 Command documents: `runtimeConfig` maps each plugin to its
//! properties. Each plugin becomes one step named after the plugin (as AWS
//! names it on the wire: `aws:runShellScript`), so Run Command treats both
//! schemas alike from here on.

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use sysman_api::ApiError;

use super::check::{check_keys, check_references, optional_string, run_inputs};
use super::messages::{content_err, describe, quote};
use super::model::{RUN_POWERSHELL_SCRIPT, RUN_SHELL_SCRIPT, Step};

pub(super) const SCHEMA_VERSION: &str = "1.2";
pub(super) const TOP_KEYS: &[&str] = &[
    "schemaVersion",
    "description",
    "parameters",
    "runtimeConfig",
];
const PLUGIN_KEYS: &[&str] = &["properties"];
/// A plugin's properties: the inputs of a 2.2 step, and an `id` AWS's own
/// documents give (`0.aws:runShellScript`), which names nothing here.
const PROPERTY_KEYS: &[&str] = &["id", "runCommand", "workingDirectory", "timeoutSeconds"];

/// The plugins of a schema 1.2 document, as steps, in document order.
pub(super) fn plugins(
    top: &Map<String, Value>,
    declared: &BTreeSet<&str>,
) -> Result<Vec<Step>, ApiError> {
    let config = match top.get("runtimeConfig") {
        None => {
            return Err(content_err(format!(
                "The document has no runtimeConfig; a schemaVersion {SCHEMA_VERSION} document \
                 maps each plugin it runs ({RUN_SHELL_SCRIPT} or {RUN_POWERSHELL_SCRIPT}) to \
                 its properties under runtimeConfig."
            )));
        }
        Some(Value::Object(config)) => config,
        Some(other) => {
            return Err(content_err(format!(
                "runtimeConfig must be an object mapping each plugin ({RUN_SHELL_SCRIPT} or \
                 {RUN_POWERSHELL_SCRIPT}) to its properties, but it is {}.",
                describe(other)
            )));
        }
    };
    if config.is_empty() {
        return Err(content_err(format!(
            "runtimeConfig is empty; name at least one plugin ({RUN_SHELL_SCRIPT} or \
             {RUN_POWERSHELL_SCRIPT}) with its properties."
        )));
    }
    config
        .iter()
        .map(|(name, raw)| plugin(name, raw, declared))
        .collect()
}

fn plugin(name: &str, raw: &Value, declared: &BTreeSet<&str>) -> Result<Step, ApiError> {
    if name != RUN_SHELL_SCRIPT && name != RUN_POWERSHELL_SCRIPT {
        return Err(content_err(format!(
            "runtimeConfig names the plugin {}, which sysman does not run; schemaVersion \
             {SCHEMA_VERSION} documents here use {RUN_SHELL_SCRIPT} (Linux, macOS) or \
             {RUN_POWERSHELL_SCRIPT} (Windows).",
            quote(name)
        )));
    }
    let path = format!("runtimeConfig.{name}");
    let Some(obj) = raw.as_object() else {
        return Err(content_err(format!(
            "{path} must be an object with properties, but it is {}.",
            describe(raw)
        )));
    };
    check_keys(obj, &path, PLUGIN_KEYS)?;
    let (properties, at) = match obj.get("properties") {
        None => {
            return Err(content_err(format!(
                "{path} has no properties; add properties: a list holding one object with \
                 runCommand (the lines of the script to run)."
            )));
        }
        Some(Value::Array(items)) => match items.as_slice() {
            [] => {
                return Err(content_err(format!(
                    "{path}.properties is an empty list; give one object with runCommand."
                )));
            }
            [one] => (one, format!("{path}.properties[0]")),
            // The SSM agent runs several in turn inside one plugin; sysman
            // reports a plugin as one run, so it takes one.
            many => {
                return Err(content_err(format!(
                    "{path}.properties lists {} sets of properties; sysman runs one set per \
                     plugin, so put all the lines in the runCommand of one.",
                    many.len()
                )));
            }
        },
        Some(one @ Value::Object(_)) => (one, format!("{path}.properties")),
        Some(other) => {
            return Err(content_err(format!(
                "{path}.properties must be a list holding one object with runCommand, but it \
                 is {}.",
                describe(other)
            )));
        }
    };
    let Some(inputs) = properties.as_object() else {
        return Err(content_err(format!(
            "{at} must be an object with runCommand, but it is {}.",
            describe(properties)
        )));
    };
    check_keys(inputs, &at, PROPERTY_KEYS)?;
    optional_string(inputs, &at, "id")?;
    run_inputs(inputs, &at, PROPERTY_KEYS)?;
    check_references(properties, &at, declared)?;
    Ok(Step {
        name: name.to_owned(),
        action: name.to_owned(),
        inputs: properties.clone(),
        precondition: None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use sysman_api::fleet::PlatformType;

    use crate::documents::schema::fixtures::*;
    use crate::documents::schema::interpolate;

    /// A schema 1.2 document shaped like AWS-RunShellScript.
    fn shell_doc() -> serde_json::Value {
        json!({
            "schemaVersion": "1.2",
            "description": "Run a shell script.",
            "parameters": {
                "commands": {"type": "StringList", "minItems": 1},
                "workingDirectory": {"type": "String", "default": "", "maxChars": 4096}
            },
            "runtimeConfig": {
                "aws:runShellScript": {
                    "properties": [{
                        "id": "0.aws:runShellScript",
                        "runCommand": "{{ commands }}",
                        "workingDirectory": "{{ workingDirectory }}",
                        "timeoutSeconds": "600"
                    }]
                }
            }
        })
    }

    fn with_12(pointer: &str, new: serde_json::Value) -> serde_json::Value {
        let mut doc = shell_doc();
        set(&mut doc, pointer, new);
        doc
    }

    #[test]
    fn plugins_become_steps_named_after_the_plugin() {
        let doc = command_doc(&shell_doc()).unwrap();
        assert_eq!(doc.schema_version, "1.2");
        assert_eq!(doc.steps.len(), 1);
        let step = &doc.steps[0];
        assert_eq!(step.name, "aws:runShellScript");
        assert_eq!(step.action, "aws:runShellScript");
        assert_eq!(step.precondition, None);
        assert_eq!(
            doc.platform_types(),
            [PlatformType::Linux, PlatformType::MacOS]
        );

        // Parameters go into the properties as into 2.2 inputs.
        let values = check_parameters(&doc, &given(&[("commands", &["uname -a", "id"])])).unwrap();
        let steps: Vec<_> = doc.steps.iter().collect();
        let filled = interpolate(&steps, &values);
        assert_eq!(filled[0].inputs["runCommand"], json!(["uname -a", "id"]));
        assert_eq!(filled[0].inputs["workingDirectory"], "");
        assert_eq!(filled[0].name, "aws:runShellScript");
    }

    #[test]
    fn both_plugins_and_a_single_properties_object_and_yaml() {
        let doc = command_doc(&yaml_doc(
            "schemaVersion: 1.2\nruntimeConfig:\n  aws:runPowerShellScript:\n    properties:\n      \
             runCommand: [Get-Date]\n  aws:runShellScript:\n    properties:\n      - runCommand: \
             date\n",
        ))
        .unwrap();
        assert_eq!(doc.schema_version, "1.2");
        let names: Vec<&str> = doc.steps.iter().map(|s| s.name.as_str()).collect();
        // In the order the document gives them.
        assert_eq!(names, ["aws:runPowerShellScript", "aws:runShellScript"]);
        assert_eq!(doc.platform_types(), PlatformType::ALL.to_vec());
    }

    #[test]
    fn runtime_config_faults() {
        content_fails(
            &json!({"schemaVersion": "1.2"}),
            &["no runtimeConfig", "aws:runShellScript"],
        );
        content_fails(
            &with_12("/runtimeConfig", json!([])),
            &["runtimeConfig must be an object", "a list"],
        );
        content_fails(
            &with_12("/runtimeConfig", json!({})),
            &["runtimeConfig is empty"],
        );
        content_fails(
            &with_12("/runtimeConfig/aws:runDocument", json!({"properties": []})),
            &["the plugin 'aws:runDocument'", "does not run"],
        );
        content_fails(
            &with_12("/runtimeConfig/aws:runShellScript", json!("ls")),
            &["runtimeConfig.aws:runShellScript must be an object"],
        );
        content_fails(
            &with_12("/runtimeConfig/aws:runShellScript", json!({})),
            &["runtimeConfig.aws:runShellScript has no properties"],
        );
        content_fails(
            &with_12(
                "/runtimeConfig/aws:runShellScript/settings",
                json!({"x": 1}),
            ),
            &["runtimeConfig.aws:runShellScript has the unknown key 'settings'"],
        );
        content_fails(
            &with_12("/runtimeConfig/aws:runShellScript/properties", json!([])),
            &["properties is an empty list"],
        );
        content_fails(
            &with_12("/runtimeConfig/aws:runShellScript/properties", json!("ls")),
            &["properties must be a list", "a string"],
        );
        content_fails(
            &with_12("/runtimeConfig/aws:runShellScript/properties", json!([1])),
            &["runtimeConfig.aws:runShellScript.properties[0] must be an object"],
        );
        content_fails(
            &with_12(
                "/runtimeConfig/aws:runShellScript/properties",
                json!([{"runCommand": "a"}, {"runCommand": "b"}]),
            ),
            &["lists 2 sets of properties", "one set per plugin"],
        );
        content_fails(
            &with_12(
                "/runtimeConfig/aws:runShellScript/properties/0/runcommand",
                json!("x"),
            ),
            &[
                "properties[0] has the unknown key 'runcommand'",
                "did you mean runCommand?",
            ],
        );
        content_fails(
            &with_12(
                "/runtimeConfig/aws:runShellScript/properties/0/id",
                json!(0),
            ),
            &["properties[0].id must be a string"],
        );
        content_fails(
            &with_12(
                "/runtimeConfig/aws:runShellScript/properties/0/timeoutSeconds",
                json!("0"),
            ),
            &["properties[0].timeoutSeconds", "1 to 172800"],
        );
        content_fails(
            &with_12(
                "/runtimeConfig/aws:runShellScript/properties/0/runCommand",
                json!("echo {{ nope }}"),
            ),
            &[
                "runtimeConfig.aws:runShellScript.properties[0].runCommand refers to the \
                 parameter {{ nope }}",
            ],
        );
        // Each schema keeps to its own keys.
        content_fails(
            &with_12("/mainSteps", json!([])),
            &["unknown top-level key 'mainSteps'", "runtimeConfig"],
        );
        content_fails(
            &with("/runtimeConfig", json!({})),
            &["unknown top-level key 'runtimeConfig'", "mainSteps"],
        );
    }
}
