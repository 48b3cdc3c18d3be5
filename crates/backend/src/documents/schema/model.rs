//! A checked Command document: its parameters and steps, and where each
//! step runs.

use serde_json::Value;
use sysman_api::fleet::PlatformType;

pub(super) const RUN_SHELL_SCRIPT: &str = "aws:runShellScript";
pub(super) const RUN_POWERSHELL_SCRIPT: &str = "aws:runPowerShellScript";
/// Patch Manager's scan or install by the node's baseline. AWS's
/// AWS-RunPatchBaseline runs a script it downloads; sysman's agents run
/// this action instead.
pub(crate) const RUN_PATCH_BASELINE: &str = "aws:runPatchBaseline";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    String,
    StringList,
    Integer,
    Boolean,
    StringMap,
    MapList,
}

impl ParamKind {
    pub(super) const ALL: [ParamKind; 6] = [
        ParamKind::String,
        ParamKind::StringList,
        ParamKind::Integer,
        ParamKind::Boolean,
        ParamKind::StringMap,
        ParamKind::MapList,
    ];

    pub(super) fn as_str(self) -> &'static str {
        match self {
            ParamKind::String => "String",
            ParamKind::StringList => "StringList",
            ParamKind::Integer => "Integer",
            ParamKind::Boolean => "Boolean",
            ParamKind::StringMap => "StringMap",
            ParamKind::MapList => "MapList",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether `minItems`/`maxItems` mean anything for this kind.
    pub(super) fn counts_items(self) -> bool {
        matches!(self, ParamKind::StringList | ParamKind::MapList)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParamDef {
    pub name: String,
    pub kind: ParamKind,
    pub description: Option<String>,
    /// As written in the document (a string, list, number, bool, object...).
    pub default: Option<Value>,
    pub allowed_values: Vec<String>,
    pub allowed_pattern: Option<String>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    /// The fewest and most characters each value (each item of a list) may have.
    pub min_chars: Option<usize>,
    pub max_chars: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    /// The step's name; in a schema 1.2 document, the plugin's name.
    pub name: String,
    /// e.g. `aws:runShellScript`.
    pub action: String,
    pub inputs: Value,
    /// `precondition: {StringEquals: [platformType, Linux]}` narrows the step to one platform.
    pub precondition: Option<PlatformType>,
}

impl Step {
    /// Whether this step runs on `platform`: its action and its
    /// precondition both allow it.
    fn runs_on(&self, platform: PlatformType) -> bool {
        action_platforms(&self.action).contains(&platform)
            && self.precondition.is_none_or(|p| p == platform)
    }
}

/// The platforms an action runs on.
pub(crate) fn action_platforms(action: &str) -> &'static [PlatformType] {
    match action {
        RUN_SHELL_SCRIPT => &[PlatformType::Linux, PlatformType::MacOS],
        RUN_POWERSHELL_SCRIPT => &[PlatformType::Windows],
        RUN_PATCH_BASELINE => &[
            PlatformType::Linux,
            PlatformType::MacOS,
            PlatformType::Windows,
        ],
        _ => &[],
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CommandDoc {
    /// `2.2` (steps under `mainSteps`) or `1.2` (plugins under `runtimeConfig`).
    pub schema_version: String,
    pub description: Option<String>,
    /// In the order the document lists them (name order unless serde_json
    /// keeps object order).
    pub parameters: Vec<ParamDef>,
    /// The steps, or a schema 1.2 document's plugins, in document order.
    pub steps: Vec<Step>,
}

impl CommandDoc {
    /// Platforms at least one step can run on, in `PlatformType::ALL` order.
    pub(crate) fn platform_types(&self) -> Vec<PlatformType> {
        PlatformType::ALL
            .into_iter()
            .filter(|&p| self.steps.iter().any(|s| s.runs_on(p)))
            .collect()
    }

    /// The steps that run on `platform` (precondition and action both allow it).
    #[cfg(test)]
    pub(crate) fn steps_for(&self, platform: PlatformType) -> Vec<&Step> {
        self.steps.iter().filter(|s| s.runs_on(platform)).collect()
    }

    pub(super) fn param(&self, name: &str) -> Option<&ParamDef> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::documents::schema::fixtures::*;

    // -- platforms ----------------------------------------------------------

    #[test]
    fn platform_types_and_steps_for() {
        let doc = command_doc(&yaml_doc(EVERY_KIND_YAML)).unwrap();
        assert_eq!(doc.platform_types(), PlatformType::ALL.to_vec());
        let names = |p| {
            doc.steps_for(p)
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(PlatformType::Linux), ["unix"]);
        assert_eq!(names(PlatformType::MacOS), ["unix", "mac.only"]);
        assert_eq!(names(PlatformType::Windows), ["win-only"]);

        let linux_only = command_doc(&with(
            "/mainSteps/0/precondition",
            json!({"StringEquals": ["platformType", "Linux"]}),
        ))
        .unwrap();
        assert_eq!(linux_only.platform_types(), [PlatformType::Linux]);
        assert!(linux_only.steps_for(PlatformType::MacOS).is_empty());

        let shell = command_doc(&base()).unwrap();
        assert_eq!(
            shell.platform_types(),
            [PlatformType::Linux, PlatformType::MacOS]
        );
        let windows = command_doc(&with(
            "/mainSteps/0/action",
            json!("aws:runPowerShellScript"),
        ))
        .unwrap();
        assert_eq!(windows.platform_types(), [PlatformType::Windows]);
    }
}
