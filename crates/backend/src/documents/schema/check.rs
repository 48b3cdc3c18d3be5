//! Command documents (schemaVersion 2.2): parsing JSON and YAML content,
//! checking it, checking the parameter values a SendCommand gives against
//! it, and putting those values into the step inputs.
//!
//! Everything here is pure: no I/O, no clock, no async. Every fault is an
//! [`ApiError`] whose message names the path of the fault in the document
//! (`mainSteps[1].inputs.runCommand`) and says what to write instead. No
//! input panics: parsing runs under budgets (nesting depth, node count,
//! alias expansion), and nothing here indexes or unwraps untrusted data.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use sysman_api::ApiError;
use sysman_api::fleet::PlatformType;

const INVALID_CONTENT: &str = "InvalidDocumentContent";
const INVALID_SCHEMA_VERSION: &str = "InvalidDocumentSchemaVersion";
const INVALID_PARAMETERS: &str = "InvalidParameters";

/// The one schema version of Command documents sysman runs.
const SCHEMA_VERSION: &str = "2.2";
const MAX_STEPS: usize = 100;
const RUN_SHELL_SCRIPT: &str = "aws:runShellScript";
const RUN_POWERSHELL_SCRIPT: &str = "aws:runPowerShellScript";
/// Patch Manager's scan or install by the node's baseline. AWS's
/// AWS-RunPatchBaseline runs a script it downloads; sysman's agents run
/// this action instead.
pub(crate) const RUN_PATCH_BASELINE: &str = "aws:runPatchBaseline";
const PATCH_INPUT_KEYS: &[&str] = &[
    "Operation",
    "SnapshotId",
    "InstallOverrideList",
    "RebootOption",
    "BaselineOverride",
];
/// The longest `timeoutSeconds` a step may ask for: two days, as AWS allows.
const MAX_TIMEOUT_SECONDS: u64 = 172_800;
/// Compiled `allowedPattern` programs stay below this many bytes.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;
/// Text from a document or a caller is cut to this many characters in messages.
const QUOTE_MAX_CHARS: usize = 80;

const TOP_KEYS: &[&str] = &["schemaVersion", "description", "parameters", "mainSteps"];
const PARAM_KEYS: &[&str] = &[
    "type",
    "description",
    "default",
    "allowedValues",
    "allowedPattern",
    "minItems",
    "maxItems",
    "displayType",
];
const STEP_KEYS: &[&str] = &["action", "name", "inputs", "precondition", "description"];
const RUN_INPUT_KEYS: &[&str] = &["runCommand", "workingDirectory", "timeoutSeconds"];

static PARAM_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9_]{1,128}$").expect("constant regex"));
static STEP_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9_.-]{1,128}$").expect("constant regex"));
/// `{{ name }}`: a reference to a document parameter.
static PARAM_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([a-zA-Z0-9_]+)\s*\}\}").expect("constant regex"));
/// A string that is one parameter reference and nothing else (but blanks).
static WHOLE_PARAM_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\{\{\s*([a-zA-Z0-9_]+)\s*\}\}\s*$").expect("constant regex"));
/// A value that is one Parameter Store reference, resolved at delivery.
static SSM_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\{\{\s*ssm(?:-secure)?:[^\s{}]+\s*\}\}$").expect("constant regex")
});

// ---------------------------------------------------------------------------
// Parsing and rendering
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Yaml,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        }
    }
}

/// Parses document content in the given format into JSON. Errors:
/// `InvalidDocumentContent` naming the format and the line/column of the
/// syntax fault; the top level must be an object.
pub(crate) fn parse(content: &str, format: Format) -> Result<Value, ApiError> {
    if content.trim().is_empty() {
        return Err(content_err(
            "The document content is empty; give a Command document (schemaVersion 2.2) \
             in JSON or YAML with schemaVersion and mainSteps at its top level.",
        ));
    }
    let value = match format {
        Format::Json => parse_json(content)?,
        Format::Yaml => parse_yaml(content)?,
    };
    if value.is_object() {
        Ok(value)
    } else {
        Err(content_err(format!(
            "The document content ({}) must be an object (a mapping in YAML) with \
             schemaVersion and mainSteps at its top level, but it is {}.",
            format.name(),
            describe(&value)
        )))
    }
}

fn parse_json(content: &str) -> Result<Value, ApiError> {
    match serde_json::from_str::<StrictJson>(content) {
        Ok(StrictJson(value)) => Ok(value),
        Err(e) => {
            let text = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let what = text.strip_suffix(&suffix).unwrap_or(&text);
            Err(content_err(format!(
                "The document content is not valid JSON: {what} at line {}, column {}. Fix \
                 the content there; if the document is written in YAML, give it with \
                 DocumentFormat YAML.",
                e.line(),
                e.column()
            )))
        }
    }
}

fn parse_yaml(content: &str) -> Result<Value, ApiError> {
    // Budgets far above any real Command document (AWS caps content at
    // 64 KB), low enough that an alias bomb or a deep nest fails in
    // milliseconds instead of eating memory and time.
    let options = serde_saphyr::options! {
        with_snippet: false,
        // YAML 1.2 scalars: `yes`, `no`, `on`, `y` stay text (no "Norway
        // problem" in allowedValues), and `0755` or `1_000` stay as written.
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_nodes: 100_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_recorded_anchor_events: 10_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 10_000,
        },
    };
    match serde_saphyr::from_str_with_options::<Value>(content, options) {
        Ok(value) => Ok(value),
        Err(e) => {
            use serde_saphyr::MessageFormatter as _;
            let plain = e.without_snippet();
            let what: String = serde_saphyr::UserMessageFormatter
                .format_message(plain)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let at = match e.location() {
                Some(l) => format!(" at line {}, column {}", l.line(), l.column()),
                None => String::new(),
            };
            Err(content_err(format!(
                "The document content is not valid YAML: {what}{at}. Fix the content there."
            )))
        }
    }
}

/// A JSON value read like `serde_json::Value`, except that a key given
/// twice in one object is an error instead of the last one silently winning.
struct StrictJson(Value);

impl<'de> Deserialize<'de> for StrictJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        StrictJson::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "the key {} appears twice in one object; keep only one of them",
                    quote(&key)
                )));
            }
            let StrictJson(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Renders parsed content in a format: JSON pretty-printed with 2-space
/// indent; YAML via serde-saphyr. Rendering then parsing gives the same value.
pub(crate) fn render(value: &Value, format: Format) -> String {
    let json = || serde_json::to_string_pretty(value).unwrap_or_else(|_| String::from("null"));
    match format {
        Format::Json => json(),
        // A `Value` always serializes; should the emitter refuse anyway,
        // JSON is valid YAML and parses back to the same value.
        Format::Yaml => serde_saphyr::to_string(value).unwrap_or_else(|_| json()),
    }
}

// ---------------------------------------------------------------------------
// The document model
// ---------------------------------------------------------------------------

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
    const ALL: [ParamKind; 6] = [
        ParamKind::String,
        ParamKind::StringList,
        ParamKind::Integer,
        ParamKind::Boolean,
        ParamKind::StringMap,
        ParamKind::MapList,
    ];

    fn as_str(self) -> &'static str {
        match self {
            ParamKind::String => "String",
            ParamKind::StringList => "StringList",
            ParamKind::Integer => "Integer",
            ParamKind::Boolean => "Boolean",
            ParamKind::StringMap => "StringMap",
            ParamKind::MapList => "MapList",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether `minItems`/`maxItems` mean anything for this kind.
    fn counts_items(self) -> bool {
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
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
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
    pub schema_version: String,
    pub description: Option<String>,
    /// In the order the document lists them (name order unless serde_json
    /// keeps object order).
    pub parameters: Vec<ParamDef>,
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

    fn param(&self, name: &str) -> Option<&ParamDef> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

// ---------------------------------------------------------------------------
// Checking a document
// ---------------------------------------------------------------------------

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
    let schema_version = match top.get("schemaVersion") {
        None => {
            return Err(content_err(format!(
                "The document has no schemaVersion; add schemaVersion \"{SCHEMA_VERSION}\" \
                 at its top level."
            )));
        }
        Some(Value::String(s)) if s == SCHEMA_VERSION => s.clone(),
        // YAML reads an unquoted 2.2 as a number; it means the same.
        Some(Value::Number(n)) if n.to_string() == SCHEMA_VERSION => SCHEMA_VERSION.to_owned(),
        Some(Value::String(s)) => {
            return Err(ApiError::new(
                INVALID_SCHEMA_VERSION,
                format!(
                    "Command documents use schemaVersion {SCHEMA_VERSION} here, but this \
                     document gives schemaVersion {}. Write the document in the \
                     {SCHEMA_VERSION} shape (steps under mainSteps) and set schemaVersion \
                     to \"{SCHEMA_VERSION}\".",
                    quote(s)
                ),
            ));
        }
        Some(other) => {
            return Err(content_err(format!(
                "schemaVersion must be a string, but it is {}; write it quoted: \
                 \"{SCHEMA_VERSION}\" (in YAML: schemaVersion: '{SCHEMA_VERSION}').",
                describe(other)
            )));
        }
    };
    check_keys(top, "", TOP_KEYS)?;

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

    let declared: BTreeSet<&str> = parameters.iter().map(|p| p.name.as_str()).collect();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut checked = Vec::with_capacity(steps.len());
    for (index, raw) in steps.iter().enumerate() {
        let step = step(index, raw, &declared)?;
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

    Ok(CommandDoc {
        schema_version,
        description,
        parameters,
        steps: checked,
    })
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
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) => values.push(s.clone()),
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

    let mut def = ParamDef {
        name: name.to_owned(),
        kind,
        description,
        default: None,
        allowed_values,
        allowed_pattern,
        min_items,
        max_items,
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
    let Some(raw) = obj.get(key) else {
        return Ok(None);
    };
    if !kind.counts_items() {
        return Err(content_err(format!(
            "{path}.{key} applies only to StringList and MapList parameters, and this one is \
             a {}; remove {key}.",
            kind.as_str()
        )));
    }
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
            run_inputs(map, &inputs_path)?;
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
fn run_inputs(inputs: &Map<String, Value>, path: &str) -> Result<(), ApiError> {
    check_keys(inputs, path, RUN_INPUT_KEYS)?;
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
fn check_references(value: &Value, path: &str, declared: &BTreeSet<&str>) -> Result<(), ApiError> {
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
fn check_keys(obj: &Map<String, Value>, path: &str, allowed: &[&str]) -> Result<(), ApiError> {
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
fn optional_string(
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

// ---------------------------------------------------------------------------
// Parameter values
// ---------------------------------------------------------------------------

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
fn default_value(kind: ParamKind, default: &Value) -> Result<ParamValue, String> {
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
fn check_value(def: &ParamDef, value: &ParamValue) -> Result<(), String> {
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

/// `allowedValues` and `allowedPattern` against one text.
fn check_allowed(def: &ParamDef, pattern: Option<&Regex>, text: &str) -> Result<(), String> {
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
fn compile_pattern(pattern: &str) -> Result<Regex, String> {
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

// ---------------------------------------------------------------------------
// Interpolation
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

fn content_err(message: impl Into<String>) -> ApiError {
    ApiError::new(INVALID_CONTENT, message)
}

fn params_err(message: impl Into<String>) -> ApiError {
    ApiError::new(INVALID_PARAMETERS, message)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn kind_names() -> String {
    ParamKind::ALL.map(ParamKind::as_str).join(", ")
}

fn platform_list(platforms: &[PlatformType]) -> String {
    platforms
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Text from a document or a caller, fit for a message: quoted, control
/// characters escaped, long text cut.
fn quote(s: &str) -> String {
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
fn describe(value: &Value) -> &'static str {
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
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => quote(s),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => describe(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::json;

    use super::*;

    // -- helpers ------------------------------------------------------------

    fn json_doc(content: &str) -> Value {
        parse(content, Format::Json).unwrap()
    }

    fn yaml_doc(content: &str) -> Value {
        parse(content, Format::Yaml).unwrap()
    }

    #[track_caller]
    fn assert_err(err: &ApiError, code: &str, needles: &[&str]) {
        assert_eq!(err.code, code, "wrong code: {err}");
        for needle in needles {
            assert!(err.message.contains(needle), "{needle:?} is not in: {err}");
        }
    }

    #[track_caller]
    fn doc_fails(content: &Value, code: &str, needles: &[&str]) {
        match command_doc(content) {
            Ok(doc) => panic!("expected {code}, got {doc:?}"),
            Err(err) => assert_err(&err, code, needles),
        }
    }

    #[track_caller]
    fn content_fails(content: &Value, needles: &[&str]) {
        doc_fails(content, INVALID_CONTENT, needles);
    }

    /// A small valid document: one shell step, one parameter.
    fn base() -> Value {
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
    fn with(pointer: &str, new: Value) -> Value {
        let mut doc = base();
        set(&mut doc, pointer, new);
        doc
    }

    fn set(doc: &mut Value, pointer: &str, new: Value) {
        let (parent, last) = pointer.rsplit_once('/').unwrap();
        match doc.pointer_mut(parent).unwrap() {
            Value::Object(map) => {
                map.insert(last.to_owned(), new);
            }
            Value::Array(items) => items[last.parse::<usize>().unwrap()] = new,
            other => panic!("cannot set under {other}"),
        }
    }

    fn without(pointer: &str) -> Value {
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
    fn with_param(def: Value) -> Value {
        with("/parameters/p", def)
    }

    fn doc_with_params(params: Value) -> CommandDoc {
        let mut doc = base();
        set(&mut doc, "/parameters", params);
        set(&mut doc, "/mainSteps/0/inputs/runCommand", json!("echo"));
        command_doc(&doc).unwrap()
    }

    fn given(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[track_caller]
    fn params_fail(doc: &CommandDoc, values: &[(&str, &[&str])], needles: &[&str]) {
        match check_parameters(doc, &given(values)) {
            Ok(v) => panic!("expected InvalidParameters, got {v:?}"),
            Err(err) => assert_err(&err, INVALID_PARAMETERS, needles),
        }
    }

    fn text(s: &str) -> ParamValue {
        ParamValue::Text(s.to_owned())
    }

    fn list(items: &[&str]) -> ParamValue {
        ParamValue::List(items.iter().map(|s| s.to_string()).collect())
    }

    const BUILTIN_SHAPE: &str = r#"{
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

    const EVERY_KIND_YAML: &str = r#"
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

    // -- parse --------------------------------------------------------------

    #[test]
    fn parses_json_and_yaml_objects() {
        assert_eq!(json_doc(r#"{"a": [1, "b"]}"#), json!({"a": [1, "b"]}));
        assert_eq!(yaml_doc("a:\n  - 1\n  - b\n"), json!({"a": [1, "b"]}));
        // JSON is YAML too.
        assert_eq!(yaml_doc(r#"{"a": [1, "b"]}"#), json!({"a": [1, "b"]}));
    }

    #[test]
    fn json_syntax_error_names_format_line_and_column() {
        let err = parse("{\n  \"a\": 1,\n  \"b\" 2\n}", Format::Json).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["not valid JSON", "line 3, column 7"],
        );
        assert!(!err.message.contains("line 3 column 7"), "{err}");
    }

    #[test]
    fn yaml_syntax_error_names_format_line_and_column() {
        let err = parse("a: b\n  c: d: e\n", Format::Yaml).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["not valid YAML", "line 2, column 4"],
        );
        let err = parse("a: [1, 2\nb: 3\n", Format::Yaml).unwrap_err();
        assert_err(&err, INVALID_CONTENT, &["not valid YAML", "line 2"]);
    }

    #[test]
    fn duplicate_keys_are_errors_in_both_formats() {
        let err = parse("{\n  \"a\": 1,\n  \"a\": 2\n}", Format::Json).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["not valid JSON", "'a' appears twice", "line 3"],
        );
        let err = parse("a: 1\na: 2\n", Format::Yaml).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["not valid YAML", "duplicate", "line 2"],
        );
    }

    #[test]
    fn top_level_must_be_an_object() {
        for format in [Format::Json, Format::Yaml] {
            for (content, needle) in [
                ("", "empty"),
                ("  \n ", "empty"),
                ("null", "empty (null)"),
                ("[1, 2]", "a list"),
                ("\"text\"", "a string"),
                ("42", "a number"),
                ("true", "a Boolean"),
            ] {
                let err = parse(content, format).unwrap_err();
                assert_err(&err, INVALID_CONTENT, &[needle]);
            }
        }
        let err = parse("- a\n- b\n", Format::Yaml).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["YAML", "must be an object", "a list"],
        );
        let err = command_doc(&json!([1])).unwrap_err();
        assert_err(&err, INVALID_CONTENT, &["must be an object", "a list"]);
    }

    // -- hostile input ------------------------------------------------------

    #[test]
    fn deep_nesting_fails_quickly_without_panicking() {
        let started = Instant::now();
        let flow = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_err(
            &parse(&flow, Format::Json).unwrap_err(),
            INVALID_CONTENT,
            &["JSON"],
        );
        assert_err(
            &parse(&flow, Format::Yaml).unwrap_err(),
            INVALID_CONTENT,
            &["YAML"],
        );
        let objects = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
        assert_err(
            &parse(&objects, Format::Json).unwrap_err(),
            INVALID_CONTENT,
            &["JSON"],
        );
        let mut block = String::new();
        for depth in 0..10_000 {
            block.push_str(&" ".repeat(depth));
            block.push_str("a:\n");
        }
        assert_err(
            &parse(&block, Format::Yaml).unwrap_err(),
            INVALID_CONTENT,
            &["YAML"],
        );
        let mut seqs = String::new();
        for depth in 0..10_000 {
            seqs.push_str(&" ".repeat(depth));
            seqs.push_str("-\n");
        }
        assert_err(
            &parse(&seqs, Format::Yaml).unwrap_err(),
            INVALID_CONTENT,
            &["YAML"],
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn alias_bomb_fails_quickly() {
        let mut bomb = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for pair in names.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            let refs = vec![format!("*{prev}"); 9].join(", ");
            bomb.push_str(&format!("{next}: &{next} [{refs}]\n"));
        }
        let started = Instant::now();
        let err = parse(&bomb, Format::Yaml).unwrap_err();
        assert_err(&err, INVALID_CONTENT, &["YAML", "too large or too complex"]);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        // Light use of anchors and merge keys still works.
        let merged = yaml_doc("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\nd: *b\n");
        assert_eq!(
            merged,
            json!({"base": {"x": 1}, "c": {"x": 1, "y": 2}, "d": {"x": 1}})
        );
    }

    #[test]
    fn odd_yaml_keys_and_scalars_do_not_panic() {
        // Scalar keys become their text.
        assert_eq!(yaml_doc("1: a\ntrue: b\n"), json!({"1": "a", "true": "b"}));
        // Keys that have no text are errors.
        for content in ["? [a, b]\n: c\n", "? {a: 1}\n: c\n", "null: x\n", "~: x\n"] {
            let err = parse(content, Format::Yaml).unwrap_err();
            assert_err(&err, INVALID_CONTENT, &["not valid YAML", "line 1"]);
        }
        // Several documents in one stream.
        let err = parse("a: 1\n---\nb: 2\n", Format::Yaml).unwrap_err();
        assert_err(&err, INVALID_CONTENT, &["YAML", "line 3"]);
        // Numbers beyond every integer type, non-finite floats, tags.
        let big = yaml_doc("a: 123456789012345678901234567890\nb: !!binary aGk=\nc: !x y\n");
        assert_eq!(big["b"], "hi");
        assert_eq!(big["c"], "y");
        // YAML 1.2 scalars: only true/false are Booleans; numbers stay as
        // written when YAML 1.2 has no number of that spelling.
        let scalars = yaml_doc("a: [yes, no, on, off, y, n, True, FALSE, 0755, 1_000, 0x1F, 2.2]");
        assert_eq!(
            scalars["a"],
            json!([
                "yes", "no", "on", "off", "y", "n", true, false, "0755", "1_000", 31, 2.2
            ])
        );
        assert!(parse("a: .inf\n", Format::Yaml).is_err());
        let err = parse("a: 1e400\n", Format::Yaml).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["YAML", "not a finite number", "line 1, column 4"],
        );
        let err = parse(r#"{"a": 1e400}"#, Format::Json).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["JSON", "number out of range", "line 1"],
        );
        // A huge minItems is an error, not an overflow.
        let content = yaml_doc(
            "schemaVersion: '2.2'\nparameters:\n  p:\n    type: StringList\n    minItems: \
             99999999999999999999999999\nmainSteps:\n  - action: aws:runShellScript\n    \
             name: s\n    inputs: {runCommand: x}\n",
        );
        content_fails(&content, &["parameters.p.minItems"]);
        // Control characters in names are escaped in messages.
        let err = command_doc(&with("/mainSteps/0/bad\nkey\u{1b}", json!(1))).unwrap_err();
        assert!(err.message.contains("'bad\\nkey\\u{1b}'"), "{err}");
        // Long names are cut.
        let long = "x".repeat(10_000);
        let err = command_doc(&with(&format!("/{long}"), json!(1))).unwrap_err();
        assert!(err.message.len() < 400, "{err}");
    }

    // -- render -------------------------------------------------------------

    #[test]
    fn json_renders_pretty_with_two_spaces() {
        let rendered = render(&json!({"a": {"b": [1]}}), Format::Json);
        assert_eq!(
            rendered,
            "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}"
        );
    }

    #[test]
    fn render_then_parse_gives_the_same_value() {
        let strings = [
            "2.2",
            "true",
            "null",
            "0755",
            "",
            "~",
            "line1\nline2\n",
            "multi\nline\n\n",
            "no trailing\nnewline",
            " lead",
            "trail ",
            "1_000",
            "0x1F",
            "yes",
            "- x",
            "a: b",
            "#c",
            "tab\there",
            "\u{1}ctl",
            "2001-12-14",
            ".inf",
            "NaN",
            "*alias",
            "&anc",
            "!tag",
            "\"dq\"",
            "'q'",
            "\r\n",
            " ",
            "\u{feff}bom",
            "\u{85}nel",
            "\u{2028}",
            "trailing\n  ",
            "  leading spaces\nx",
            "<<",
            "{{ commands }}",
            "1e3",
            ".5",
            "NO",
            "12:30:00",
            "---",
            "...",
            "% dir",
            "@at",
            "`bt",
            "? q",
            "a #b",
        ];
        let mut tricky = Map::new();
        for (i, s) in strings.iter().enumerate() {
            tricky.insert(format!("s{i}"), json!(s));
            // The same texts as keys.
            tricky.insert((*s).to_owned(), json!(i));
        }
        let others = json!({
            "list": [], "object": {}, "float": 1.0, "huge": 1e300, "neg": -5,
            "max": 18446744073709551615u64, "nothing": null, "t": true,
            "nested": [{"a": ["b", {"c": "d"}]}, [[]], [null, 1.5, "x"]]
        });
        tricky.extend(others.as_object().unwrap().clone());
        let tricky = Value::Object(tricky);
        for format in [Format::Json, Format::Yaml] {
            let rendered = render(&tricky, format);
            assert_eq!(parse(&rendered, format).unwrap(), tricky, "{rendered}");
            let builtin = json_doc(BUILTIN_SHAPE);
            assert_eq!(parse(&render(&builtin, format), format).unwrap(), builtin);
            let every = yaml_doc(EVERY_KIND_YAML);
            let back = parse(&render(&every, format), format).unwrap();
            assert_eq!(back, every);
            assert_eq!(command_doc(&back).unwrap(), command_doc(&every).unwrap());
        }
    }

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
            &json!({"schemaVersion": "1.2", "runtimeConfig": {}}),
            INVALID_SCHEMA_VERSION,
            &["'1.2'"],
        );
        doc_fails(
            &with("/schemaVersion", json!("1.2")),
            INVALID_SCHEMA_VERSION,
            &["schemaVersion 2.2 here", "'1.2'"],
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
            &with_param(json!({"type": "String", "minChars": 1})),
            &[
                "parameters.p has the unknown key 'minChars'",
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
            &with_param(json!({"type": "String", "allowedValues": ["a", 2]})),
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
