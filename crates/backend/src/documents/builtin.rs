//! The built-in documents, owned by `Amazon`: AWS's documents of the same
//! names as far as a caller can tell (schema, parameters, plugin and step
//! names), and only those whose plugins sysman runs. Others arrive with
//! their capabilities.

use std::collections::BTreeMap;

use sysman_api::Timestamp;
use sysman_api::documents::{DocumentFormat, DocumentType};

use super::{AMAZON, Doc, Head, StoredVersion, Version};

/// 2026-01-01T00:00:00Z: when the built-in documents are said to be made.
const CREATED_SECS: i64 = 1_767_225_600;

// The three documents below have AWS's schema versions, parameters
// (names, types, defaults, allowed values and patterns) and plugin or step
// names; the descriptions are ours. AWS-RunPatchBaseline's steps run
// sysman's `aws:runPatchBaseline` action where AWS's run a script it
// downloads.

const RUN_SHELL_SCRIPT: &str = r#"{
  "schemaVersion": "1.2",
  "description": "Run a shell script or commands on Linux and macOS nodes.",
  "parameters": {
    "commands": {
      "type": "StringList",
      "description": "(Required) The commands to run, one per line.",
      "minItems": 1,
      "displayType": "textarea"
    },
    "workingDirectory": {
      "type": "String",
      "default": "",
      "description": "(Optional) The directory to run the commands in.",
      "maxChars": 4096
    },
    "executionTimeout": {
      "type": "String",
      "default": "3600",
      "description": "(Optional) Seconds the commands may run before they are stopped (1 to 172800).",
      "allowedPattern": "([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)"
    }
  },
  "runtimeConfig": {
    "aws:runShellScript": {
      "properties": [
        {
          "id": "0.aws:runShellScript",
          "runCommand": "{{ commands }}",
          "workingDirectory": "{{ workingDirectory }}",
          "timeoutSeconds": "{{ executionTimeout }}"
        }
      ]
    }
  }
}
"#;

const RUN_POWERSHELL_SCRIPT: &str = r#"{
  "schemaVersion": "1.2",
  "description": "Run a PowerShell script or commands on Windows nodes.",
  "parameters": {
    "commands": {
      "type": "StringList",
      "description": "(Required) The PowerShell commands to run, one per line.",
      "minItems": 1,
      "displayType": "textarea"
    },
    "workingDirectory": {
      "type": "String",
      "default": "",
      "description": "(Optional) The directory to run the commands in.",
      "maxChars": 4096
    },
    "executionTimeout": {
      "type": "String",
      "default": "3600",
      "description": "(Optional) Seconds the commands may run before they are stopped (1 to 172800).",
      "allowedPattern": "([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)"
    }
  },
  "runtimeConfig": {
    "aws:runPowerShellScript": {
      "properties": [
        {
          "id": "0.aws:runPowerShellScript",
          "runCommand": "{{ commands }}",
          "workingDirectory": "{{ workingDirectory }}",
          "timeoutSeconds": "{{ executionTimeout }}"
        }
      ]
    }
  }
}
"#;

const RUN_PATCH_BASELINE: &str = r#"{
  "schemaVersion": "2.2",
  "description": "Scan for or install patches by the node's patch baseline (its patch group's, or the default for its operating system).",
  "parameters": {
    "Operation": {
      "type": "String",
      "description": "(Required) Scan reports what is missing; Install installs the approved patches that are missing, then reports.",
      "allowedValues": ["Scan", "Install"]
    },
    "SnapshotId": {
      "type": "String",
      "default": "",
      "description": "(Optional) A UUID naming the snapshot of the baseline to use; nodes make one when empty.",
      "allowedPattern": "(^$)|^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$"
    },
    "InstallOverrideList": {
      "type": "String",
      "default": "",
      "description": "(Optional) An https or s3 URL of a YAML list of patches to install instead of the baseline's. Not supported by sysman yet: leave empty.",
      "allowedPattern": "(^https://.+/.+\\.yaml$)|(^s3://([^/]+)/(.*?([^/]+))\\.yaml$)|(^$)"
    },
    "RebootOption": {
      "type": "String",
      "default": "RebootIfNeeded",
      "description": "(Optional) RebootIfNeeded reboots after installing (simulated nodes; sysman-agent does not reboot machines yet); NoReboot leaves patches pending a reboot.",
      "allowedValues": ["RebootIfNeeded", "NoReboot"]
    },
    "BaselineOverride": {
      "type": "String",
      "default": "",
      "description": "(Optional) An https or s3 URL of a JSON list of patch baselines to use instead of the node's. Not supported by sysman yet: leave empty.",
      "allowedPattern": "(^https://.+/.+\\.json$)|(^s3://([^/]+)/(.*?([^/]+))\\.json$)|(^$)"
    }
  },
  "mainSteps": [
    {
      "precondition": {
        "StringEquals": ["platformType", "Windows"]
      },
      "action": "aws:runPatchBaseline",
      "name": "PatchWindows",
      "inputs": {
        "Operation": "{{ Operation }}",
        "SnapshotId": "{{ SnapshotId }}",
        "InstallOverrideList": "{{ InstallOverrideList }}",
        "RebootOption": "{{ RebootOption }}",
        "BaselineOverride": "{{ BaselineOverride }}"
      }
    },
    {
      "precondition": {
        "StringEquals": ["platformType", "Linux"]
      },
      "action": "aws:runPatchBaseline",
      "name": "PatchLinux",
      "inputs": {
        "Operation": "{{ Operation }}",
        "SnapshotId": "{{ SnapshotId }}",
        "InstallOverrideList": "{{ InstallOverrideList }}",
        "RebootOption": "{{ RebootOption }}",
        "BaselineOverride": "{{ BaselineOverride }}"
      }
    },
    {
      "precondition": {
        "StringEquals": ["platformType", "MacOS"]
      },
      "action": "aws:runPatchBaseline",
      "name": "PatchMacOS",
      "inputs": {
        "Operation": "{{ Operation }}",
        "SnapshotId": "{{ SnapshotId }}",
        "InstallOverrideList": "{{ InstallOverrideList }}",
        "RebootOption": "{{ RebootOption }}",
        "BaselineOverride": "{{ BaselineOverride }}"
      }
    }
  ]
}
"#;

/// The built-in documents, checked like any other.
pub(crate) fn documents() -> Result<Vec<Doc>, String> {
    [
        ("AWS-RunShellScript", RUN_SHELL_SCRIPT),
        ("AWS-RunPowerShellScript", RUN_POWERSHELL_SCRIPT),
        ("AWS-RunPatchBaseline", RUN_PATCH_BASELINE),
    ]
    .into_iter()
    .map(|(name, content)| {
        let created = Timestamp::from_secs(CREATED_SECS);
        let version = Version::check(StoredVersion {
            version: 1,
            version_name: None,
            display_name: None,
            format: DocumentFormat::Json,
            content: content.to_owned(),
            created,
            reviews: Vec::new(),
        })
        .map_err(|e| format!("built-in document {name} does not check: {e}"))?;
        Ok(Doc {
            owner: AMAZON.to_owned(),
            head: Head {
                name: name.to_owned(),
                document_type: DocumentType::Command,
                created,
                last_number: 1,
                default_version: 1,
                target_type: Some("/AWS::EC2::Instance".to_owned()),
                tags: Vec::new(),
                shares: Vec::new(),
            },
            versions: BTreeMap::from([(1, version)]),
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A parameter as AWS's document declares it.
    struct AwsParam {
        name: &'static str,
        kind: &'static str,
        default: Option<&'static str>,
        allowed_values: &'static [&'static str],
        allowed_pattern: Option<&'static str>,
    }

    struct AwsDoc {
        name: &'static str,
        schema_version: &'static str,
        parameters: &'static [AwsParam],
        /// Plugin names (schema 1.2) or step names (2.2), in order.
        steps: &'static [&'static str],
    }

    const EXECUTION_TIMEOUT_PATTERN: &str =
        "([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)";

    const SCRIPT_PARAMETERS: &[AwsParam] = &[
        AwsParam {
            name: "commands",
            kind: "StringList",
            default: None,
            allowed_values: &[],
            allowed_pattern: None,
        },
        AwsParam {
            name: "workingDirectory",
            kind: "String",
            default: Some(""),
            allowed_values: &[],
            allowed_pattern: None,
        },
        AwsParam {
            name: "executionTimeout",
            kind: "String",
            default: Some("3600"),
            allowed_values: &[],
            allowed_pattern: Some(EXECUTION_TIMEOUT_PATTERN),
        },
    ];

    /// AWS's predefined documents, written from AWS's documentation:
    /// - AWS-RunShellScript and AWS-RunPowerShellScript: the schema 1.2
    ///   syntax of the aws:runShellScript and aws:runPowerShellScript
    ///   plugins in "Command document plugin reference"
    ///   (https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html),
    ///   and the documents' content as the Systems Manager console shows it
    ///   (Documents > Owned by Amazon > Content), which AWS's Terraform
    ///   provider also quotes in its acceptance tests.
    /// - AWS-RunPatchBaseline: "SSM Command document for patching:
    ///   AWS-RunPatchBaseline"
    ///   (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-aws-runpatchbaseline.html)
    ///   for the parameters, their options and defaults, and the document's
    ///   content for the step names.
    const AWS_DOCUMENTS: &[AwsDoc] = &[
        AwsDoc {
            name: "AWS-RunShellScript",
            schema_version: "1.2",
            parameters: SCRIPT_PARAMETERS,
            steps: &["aws:runShellScript"],
        },
        AwsDoc {
            name: "AWS-RunPowerShellScript",
            schema_version: "1.2",
            parameters: SCRIPT_PARAMETERS,
            steps: &["aws:runPowerShellScript"],
        },
        AwsDoc {
            name: "AWS-RunPatchBaseline",
            schema_version: "2.2",
            parameters: &[
                AwsParam {
                    name: "Operation",
                    kind: "String",
                    default: None,
                    allowed_values: &["Scan", "Install"],
                    allowed_pattern: None,
                },
                AwsParam {
                    name: "SnapshotId",
                    kind: "String",
                    default: Some(""),
                    allowed_values: &[],
                    allowed_pattern: Some(
                        "(^$)|^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$",
                    ),
                },
                AwsParam {
                    name: "InstallOverrideList",
                    kind: "String",
                    default: Some(""),
                    allowed_values: &[],
                    allowed_pattern: Some(
                        r"(^https://.+/.+\.yaml$)|(^s3://([^/]+)/(.*?([^/]+))\.yaml$)|(^$)",
                    ),
                },
                AwsParam {
                    name: "RebootOption",
                    kind: "String",
                    default: Some("RebootIfNeeded"),
                    allowed_values: &["RebootIfNeeded", "NoReboot"],
                    allowed_pattern: None,
                },
                AwsParam {
                    name: "BaselineOverride",
                    kind: "String",
                    default: Some(""),
                    allowed_values: &[],
                    allowed_pattern: Some(
                        r"(^https://.+/.+\.json$)|(^s3://([^/]+)/(.*?([^/]+))\.json$)|(^$)",
                    ),
                },
            ],
            steps: &["PatchWindows", "PatchLinux", "PatchMacOS"],
        },
    ];

    #[test]
    fn predefined_documents_are_aws_own() {
        let docs = documents().unwrap();
        let names: Vec<&str> = docs.iter().map(|d| d.head.name.as_str()).collect();
        let aws_names: Vec<&str> = AWS_DOCUMENTS.iter().map(|d| d.name).collect();
        assert_eq!(
            names, aws_names,
            "every predefined document is in the table"
        );
        for (doc, aws) in docs.iter().zip(AWS_DOCUMENTS) {
            let command = &doc.latest().command;
            let name = aws.name;
            assert_eq!(command.schema_version, aws.schema_version, "{name}");
            let steps: Vec<&str> = command.steps.iter().map(|s| s.name.as_str()).collect();
            assert_eq!(steps, aws.steps, "{name}");
            let params: Vec<&str> = command.parameters.iter().map(|p| p.name.as_str()).collect();
            let aws_params: Vec<&str> = aws.parameters.iter().map(|p| p.name).collect();
            assert_eq!(params, aws_params, "{name}");
            for (p, a) in command.parameters.iter().zip(aws.parameters) {
                let what = format!("{name} {}", a.name);
                assert_eq!(format!("{:?}", p.kind), a.kind, "{what}");
                assert_eq!(p.default, a.default.map(|d| json!(d)), "{what}");
                assert_eq!(p.allowed_values, a.allowed_values, "{what}");
                assert_eq!(p.allowed_pattern.as_deref(), a.allowed_pattern, "{what}");
                let described = p.description.as_deref().unwrap_or_default();
                let marker = if a.default.is_some() {
                    "(Optional) "
                } else {
                    "(Required) "
                };
                assert!(described.starts_with(marker), "{what}: {described}");
            }
        }
    }

    #[test]
    fn script_documents_take_the_timeouts_aws_takes() {
        let docs = documents().unwrap();
        let shell = &docs[0].latest().command;
        let timeout = |t: &str| {
            let given = BTreeMap::from([
                ("commands".to_owned(), vec!["ls".to_owned()]),
                ("executionTimeout".to_owned(), vec![t.to_owned()]),
            ]);
            super::super::schema::check_parameters(shell, &given).is_ok()
        };
        for good in ["1", "3600", "99999", "100000", "169999", "172799", "172800"] {
            assert!(timeout(good), "{good}");
        }
        for bad in ["0", "172801", "200000", "-1", "1e3", "", "036"] {
            assert!(!timeout(bad), "{bad}");
        }
    }
}
