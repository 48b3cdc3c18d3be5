//! Documents and helpers the tests of every part share.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sysman_api::ApiError;

use super::{CommandDoc, Format, ParamValue, parse};

// What the tests of every part call, whichever part they test.
pub(super) use super::messages::{INVALID_CONTENT, INVALID_PARAMETERS};
pub(super) use super::{check_parameters, command_doc};

// -- helpers ------------------------------------------------------------

pub(super) fn json_doc(content: &str) -> Value {
    parse(content, Format::Json).unwrap()
}

pub(super) fn yaml_doc(content: &str) -> Value {
    parse(content, Format::Yaml).unwrap()
}

#[track_caller]
pub(super) fn assert_err(err: &ApiError, code: &str, needles: &[&str]) {
    assert_eq!(err.code, code, "wrong code: {err}");
    for needle in needles {
        assert!(err.message.contains(needle), "{needle:?} is not in: {err}");
    }
}

#[track_caller]
pub(super) fn doc_fails(content: &Value, code: &str, needles: &[&str]) {
    match command_doc(content) {
        Ok(doc) => panic!("expected {code}, got {doc:?}"),
        Err(err) => assert_err(&err, code, needles),
    }
}

#[track_caller]
pub(super) fn content_fails(content: &Value, needles: &[&str]) {
    doc_fails(content, INVALID_CONTENT, needles);
}

/// A small valid document: one shell step, one parameter.
pub(super) fn base() -> Value {
    json!({
        "schemaVersion": "2.2",
        "description": "Say hello.",
        "parameters": {
            "greeting": {"type": "String", "default": "hello"}
        },
        "mainSteps": [{
            "action": "aws:runShellScript",
            "name": "hello",
            "inputs": {"runCommand": ["echo {{ greeting }}"]}
        }]
    })
}

/// `base()` with the value at a JSON pointer set (an object member is
/// added when missing).
pub(super) fn with(pointer: &str, new: Value) -> Value {
    let mut doc = base();
    set(&mut doc, pointer, new);
    doc
}

pub(super) fn set(doc: &mut Value, pointer: &str, new: Value) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    match doc.pointer_mut(parent).unwrap() {
        Value::Object(map) => {
            map.insert(last.to_owned(), new);
        }
        Value::Array(items) => items[last.parse::<usize>().unwrap()] = new,
        other => panic!("cannot set under {other}"),
    }
}

pub(super) fn without(pointer: &str) -> Value {
    let mut doc = base();
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    doc.pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(last)
        .unwrap();
    doc
}

/// `base()` with one parameter definition replaced.
pub(super) fn with_param(def: Value) -> Value {
    with("/parameters/p", def)
}

pub(super) fn doc_with_params(params: Value) -> CommandDoc {
    let mut doc = base();
    set(&mut doc, "/parameters", params);
    set(&mut doc, "/mainSteps/0/inputs/runCommand", json!("echo"));
    command_doc(&doc).unwrap()
}

pub(super) fn given(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect()
}

#[track_caller]
pub(super) fn params_fail(doc: &CommandDoc, values: &[(&str, &[&str])], needles: &[&str]) {
    match check_parameters(doc, &given(values)) {
        Ok(v) => panic!("expected InvalidParameters, got {v:?}"),
        Err(err) => assert_err(&err, INVALID_PARAMETERS, needles),
    }
}

pub(super) fn text(s: &str) -> ParamValue {
    ParamValue::Text(s.to_owned())
}

pub(super) fn list(items: &[&str]) -> ParamValue {
    ParamValue::List(items.iter().map(|s| s.to_string()).collect())
}

pub(super) const BUILTIN_SHAPE: &str = r#"{
      "schemaVersion": "2.2",
      "description": "Run a shell script.",
      "parameters": {
        "commands": {"type": "StringList", "minItems": 1, "displayType": "textarea"},
        "workingDirectory": {"type": "String", "default": ""},
        "executionTimeout": {
          "type": "String",
          "default": "3600",
          "allowedPattern": "^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[01][0-9]{3}|172[0-7][0-9]{2}|172800)$"
        }
      },
      "mainSteps": [{
        "action": "aws:runShellScript",
        "name": "runShellScript",
        "inputs": {
          "runCommand": "{{ commands }}",
          "workingDirectory": "{{ workingDirectory }}",
          "timeoutSeconds": "{{ executionTimeout }}"
        }
      }]
    }"#;

pub(super) const EVERY_KIND_YAML: &str = r#"
schemaVersion: '2.2'
description: Every parameter kind, both platforms.
parameters:
  message:
    type: String
    description: What to say.
    default: hi
    allowedValues: [hi, hello]
    displayType: textfield
  lines:
    type: StringList
    default: [one, two]
    minItems: 1
    maxItems: 3
  count:
    type: Integer
    default: 3
    allowedPattern: '[0-9]+'
  verbose:
    type: Boolean
    default: false
  labels:
    type: StringMap
    default: {team: ops}
  targets:
    type: MapList
    default:
      - {host: a}
      - {host: b}
    maxItems: 5
  secret:
    type: String
    default: '{{ssm-secure:/db/password}}'
mainSteps:
  - action: aws:runShellScript
    name: unix
    description: Runs on Linux and macOS.
    inputs:
      runCommand:
        - echo {{ message }} {{count}} {{ verbose }}
        - '{{ lines }}'
      workingDirectory: /tmp
      timeoutSeconds: 600
  - action: aws:runShellScript
    name: mac.only
    precondition:
      StringEquals: [platformType, MacOS]
    inputs:
      runCommand: echo {{ labels }} {{ targets }} {{ secret }}
  - action: aws:runPowerShellScript
    name: win-only
    precondition:
      StringEquals: [platformType, Windows]
    inputs:
      runCommand: Write-Output "{{ message }}"
      timeoutSeconds: '120'
"#;
