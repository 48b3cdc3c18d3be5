//! The built-in documents, owned by `Amazon` and written for sysman: only
//! those whose plugins sysman runs. Others arrive with their capabilities.

use std::collections::BTreeMap;

use sysman_api::Timestamp;
use sysman_api::documents::{DocumentFormat, DocumentType};

use super::{AMAZON, Doc, Head, StoredVersion, Version};

/// 2026-01-01T00:00:00Z: when the built-in documents are said to be made.
const CREATED_SECS: i64 = 1_767_225_600;

const RUN_SHELL_SCRIPT: &str = r#"{
  "schemaVersion": "2.2",
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
      "description": "(Optional) The directory to run the commands in."
    },
    "executionTimeout": {
      "type": "String",
      "default": "3600",
      "description": "(Optional) Seconds the commands may run before they are stopped (1 to 172800).",
      "allowedPattern": "^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[01][0-9]{3}|172[0-7][0-9]{2}|172800)$"
    }
  },
  "mainSteps": [
    {
      "action": "aws:runShellScript",
      "name": "runShellScript",
      "inputs": {
        "runCommand": "{{ commands }}",
        "workingDirectory": "{{ workingDirectory }}",
        "timeoutSeconds": "{{ executionTimeout }}"
      }
    }
  ]
}
"#;

const RUN_POWERSHELL_SCRIPT: &str = r#"{
  "schemaVersion": "2.2",
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
      "description": "(Optional) The directory to run the commands in."
    },
    "executionTimeout": {
      "type": "String",
      "default": "3600",
      "description": "(Optional) Seconds the commands may run before they are stopped (1 to 172800).",
      "allowedPattern": "^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[01][0-9]{3}|172[0-7][0-9]{2}|172800)$"
    }
  },
  "mainSteps": [
    {
      "action": "aws:runPowerShellScript",
      "name": "runPowerShellScript",
      "inputs": {
        "runCommand": "{{ commands }}",
        "workingDirectory": "{{ workingDirectory }}",
        "timeoutSeconds": "{{ executionTimeout }}"
      }
    }
  ]
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
      "description": "(Optional) Not supported by sysman yet: leave empty."
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
      "description": "(Optional) Not supported by sysman yet: leave empty."
    }
  },
  "mainSteps": [
    {
      "action": "aws:runPatchBaseline",
      "name": "PatchBaselineOperation",
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
            },
            versions: BTreeMap::from([(1, version)]),
        })
    })
    .collect()
}
