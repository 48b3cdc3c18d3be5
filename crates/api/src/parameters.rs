//! Parameter Store: names and values, their versions, labels and policies.
//!
//! Shapes follow the service model (`PutParameterRequest`, `Parameter`, ...).
//! Enum members of *requests* are plain strings so that the server can answer
//! an unknown value with a `ValidationException` in AWS's wording instead of
//! failing to decode the body; outputs use the Rust enums.
//!
//! The model marks every output member optional. As in `fleet`, members that
//! AWS always sends are plain fields here (lists default to empty when
//! decoding and are always sent, as AWS sends `"Policies": []`); members AWS
//! leaves out at times are `Option`s.
//!
//! Values (`PSParameterValue`) are `sensitive` in the model: the `Debug`
//! output of [`PutParameter`], [`Parameter`] and [`ParameterHistory`] and the
//! audit view of [`PutParameter`] never show a value that may be secret.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Empty, Operation, Tag, Timestamp};

/// What replaces a secret value in audit records and `Debug` output.
pub const REDACTED: &str = "**redacted**";

pub mod rules;
pub mod sharing;

pub use sharing::{DeleteResourcePolicy, GetResourcePolicies, PutResourcePolicy};

/// Limits of the service model (`min`/`max` of the shapes). Rules AWS adds
/// on top (1011 name characters, 15 levels, 4/8 KB values, 100 versions)
/// are in [`rules`].
pub mod limits {
    /// `PSParameterName`: 1–2048 (AWS accepts at most 1011 of them).
    pub const NAME_MAX: usize = 2048;
    /// `ParameterDescription`: 0–1024.
    pub const DESCRIPTION_MAX: usize = 1024;
    /// `AllowedPattern`: 0–1024.
    pub const ALLOWED_PATTERN_MAX: usize = 1024;
    /// `ParameterKeyId`: 1–256, matching [`KEY_ID_PATTERN`].
    pub const KEY_ID_MAX: usize = 256;
    pub const KEY_ID_PATTERN: &str = "^([a-zA-Z0-9:/_-]+)$";
    /// `ParameterPolicies` (a JSON array as a string): 1–4096.
    pub const POLICIES_MAX: usize = 4096;
    /// `ParameterDataType`: 0–128.
    pub const DATA_TYPE_MAX: usize = 128;
    /// `PSParameterSelector` (`name:version` / `name:label`): 0–128.
    pub const SELECTOR_MAX: usize = 128;
    /// `TagList` of PutParameter: at most 1000 (AWS allows 50 per resource).
    pub const TAGS_MAX: usize = 1000;
    /// `ParameterNameList` (GetParameters, DeleteParameters): 1–10 names.
    pub const NAMES_MAX: usize = 10;
    /// `ParameterLabelList`: 1–10 labels, each `ParameterLabel` 1–100.
    pub const LABELS_MAX: usize = 10;
    pub const LABEL_MAX: usize = 100;
    /// `GetParametersByPathMaxResults`: 1–10.
    pub const GET_PARAMETERS_BY_PATH_MAX_RESULTS: i64 = 10;
    /// `MaxResults` of DescribeParameters and GetParameterHistory: 1–50.
    pub const DESCRIBE_PARAMETERS_MAX_RESULTS: i64 = 50;
    pub const GET_PARAMETER_HISTORY_MAX_RESULTS: i64 = 50;
    /// `ParameterStringFilterKey`: 1–132, matching [`STRING_FILTER_KEY_PATTERN`].
    pub const STRING_FILTER_KEY_MAX: usize = 132;
    pub const STRING_FILTER_KEY_PATTERN: &str = "tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType";
    /// `ParameterStringQueryOption`: 1–10.
    pub const STRING_FILTER_OPTION_MAX: usize = 10;
    /// Values of a filter (both kinds): 1–50, each 1–1024.
    pub const FILTER_VALUES_MAX: usize = 50;
    pub const FILTER_VALUE_MAX: usize = 1024;
}

/// `ParameterType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ParameterType {
    String,
    StringList,
    SecureString,
}

impl ParameterType {
    pub const ALL: [ParameterType; 3] = [
        ParameterType::String,
        ParameterType::StringList,
        ParameterType::SecureString,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ParameterType::String => "String",
            ParameterType::StringList => "StringList",
            ParameterType::SecureString => "SecureString",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// `ParameterTier`. A parameter's own tier is only ever `Standard` or
/// `Advanced`; `Intelligent-Tiering` is a request to pick one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ParameterTier {
    Standard,
    Advanced,
    #[serde(rename = "Intelligent-Tiering")]
    IntelligentTiering,
}

impl ParameterTier {
    pub const ALL: [ParameterTier; 3] = [
        ParameterTier::Standard,
        ParameterTier::Advanced,
        ParameterTier::IntelligentTiering,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ParameterTier::Standard => "Standard",
            ParameterTier::Advanced => "Advanced",
            ParameterTier::IntelligentTiering => "Intelligent-Tiering",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// `ParametersFilterKey`: the keys of the deprecated [`ParametersFilter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ParametersFilterKey {
    Name,
    Type,
    KeyId,
}

impl ParametersFilterKey {
    pub const ALL: [ParametersFilterKey; 3] = [
        ParametersFilterKey::Name,
        ParametersFilterKey::Type,
        ParametersFilterKey::KeyId,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ParametersFilterKey::Name => "Name",
            ParametersFilterKey::Type => "Type",
            ParametersFilterKey::KeyId => "KeyId",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A parameter's value as GetParameter, GetParameters and
/// GetParametersByPath return it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    pub name: String,
    pub r#type: ParameterType,
    /// The plaintext, or for a SecureString read without decryption the
    /// ciphertext.
    pub value: String,
    pub version: i64,
    /// The `:version` or `:label` suffix the caller asked by, as given
    /// (`":3"`, `":prod"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// For values read from another service (`/aws/reference/...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_result: Option<String>,
    pub last_modified_date: Timestamp,
    #[serde(rename = "ARN")]
    pub arn: String,
    /// `text` (the default), `aws:ec2:image` or `aws:ssm:integration`.
    pub data_type: String,
}

impl fmt::Debug for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parameter")
            .field("name", &self.name)
            .field("type", &self.r#type)
            .field("value", &shown(Some(self.r#type.as_str()), &self.value))
            .field("version", &self.version)
            .field("selector", &self.selector)
            .field("source_result", &self.source_result)
            .field("last_modified_date", &self.last_modified_date)
            .field("arn", &self.arn)
            .field("data_type", &self.data_type)
            .finish()
    }
}

/// A parameter policy as DescribeParameters and GetParameterHistory show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterInlinePolicy {
    /// The policy's JSON, as given to PutParameter.
    pub policy_text: String,
    /// `Expiration`, `ExpirationNotification` or `NoChangeNotification`.
    pub policy_type: String,
    /// `Pending`, `InProgress`, `Finished` or `Failed`.
    pub policy_status: String,
}

/// A parameter without its value, as DescribeParameters lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterMetadata {
    pub name: String,
    #[serde(rename = "ARN")]
    pub arn: String,
    pub r#type: ParameterType,
    /// SecureStrings only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    pub last_modified_date: Timestamp,
    pub last_modified_user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    pub version: i64,
    pub tier: ParameterTier,
    #[serde(default)]
    pub policies: Vec<ParameterInlinePolicy>,
    pub data_type: String,
}

/// One version of a parameter, as GetParameterHistory lists it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterHistory {
    pub name: String,
    pub r#type: ParameterType,
    /// SecureStrings only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    pub last_modified_date: Timestamp,
    pub last_modified_user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The plaintext, or for a SecureString read without decryption the
    /// ciphertext.
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    pub version: i64,
    #[serde(default)]
    pub labels: Vec<String>,
    pub tier: ParameterTier,
    #[serde(default)]
    pub policies: Vec<ParameterInlinePolicy>,
    pub data_type: String,
}

impl fmt::Debug for ParameterHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParameterHistory")
            .field("name", &self.name)
            .field("type", &self.r#type)
            .field("key_id", &self.key_id)
            .field("last_modified_date", &self.last_modified_date)
            .field("last_modified_user", &self.last_modified_user)
            .field("description", &self.description)
            .field("value", &shown(Some(self.r#type.as_str()), &self.value))
            .field("allowed_pattern", &self.allowed_pattern)
            .field("version", &self.version)
            .field("labels", &self.labels)
            .field("tier", &self.tier)
            .field("policies", &self.policies)
            .field("data_type", &self.data_type)
            .finish()
    }
}

/// `ParameterStringFilter`, of DescribeParameters and GetParametersByPath.
///
/// Key: `Name`, `Type`, `KeyId`, `Path`, `Label`, `Tier`, `DataType` or
/// `tag:<key>` (pattern [`limits::STRING_FILTER_KEY_PATTERN`]).
/// DescribeParameters takes all but `Label`; GetParametersByPath takes only
/// `Type`, `KeyId` and `Label`. Option: `Equals` (the default) or
/// `BeginsWith`, plus `Contains` for `Name` in DescribeParameters; `Path`
/// takes `Recursive` or `OneLevel`; `Label` only `Equals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParameterStringFilter {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// `ParametersFilter`, deprecated in favour of [`ParameterStringFilter`]:
/// DescribeParameters' `Filters`. Key is a [`ParametersFilterKey`], kept as
/// a string so an unknown key is a ValidationException.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParametersFilter {
    pub key: String,
    pub values: Vec<String>,
}

/// Creates a parameter, or with `Overwrite` adds a version to it.
///
/// `Type` is required to create and may be left out to update (the type is
/// kept). `Policies` is a JSON array in a string.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutParameter {
    /// A name, not an ARN.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub value: String,
    /// A [`ParameterType`] name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overwrite: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// A [`ParameterTier`] name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
}

impl PutParameter {
    /// Whether the value may be a secret: unless the request says `String`
    /// or `StringList`. A missing type counts, since an overwrite keeps the
    /// type it replaces, which may be SecureString; so does a misspelled one,
    /// since a rejected call is audited too.
    pub fn value_is_secret(&self) -> bool {
        value_is_secret(self.r#type.as_deref())
    }
}

impl fmt::Debug for PutParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PutParameter")
            .field("name", &self.name)
            .field("description", &self.description)
            .field("value", &shown(self.r#type.as_deref(), &self.value))
            .field("type", &self.r#type)
            .field("key_id", &self.key_id)
            .field("overwrite", &self.overwrite)
            .field("allowed_pattern", &self.allowed_pattern)
            .field("tags", &self.tags)
            .field("tier", &self.tier)
            .field("policies", &self.policies)
            .field("data_type", &self.data_type)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutParameterResult {
    pub version: i64,
    /// The tier the parameter ended up in (never Intelligent-Tiering).
    pub tier: ParameterTier,
}

impl Operation for PutParameter {
    const NAME: &'static str = "PutParameter";
    const READ_ONLY: bool = false;
    type Output = PutParameterResult;

    fn resource(&self) -> String {
        parameter_resource(&self.name)
    }

    /// The request with `Value` replaced by [`REDACTED`] whenever
    /// [`PutParameter::value_is_secret`]: always for SecureString and for a
    /// missing or unknown type; a `String`/`StringList` value is recorded
    /// as CloudTrail records it.
    fn audit_view(&self) -> String {
        if !self.value_is_secret() {
            return serde_json::to_string(self).unwrap_or_default();
        }
        let redacted = PutParameter {
            value: REDACTED.to_owned(),
            ..self.clone()
        };
        serde_json::to_string(&redacted).unwrap_or_default()
    }
}

/// Reads one parameter. `Name` may be an ARN and may end in a selector,
/// `name:version` or `name:label`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParameter {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_decryption: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParameterResult {
    pub parameter: Parameter,
}

impl Operation for GetParameter {
    const NAME: &'static str = "GetParameter";
    const READ_ONLY: bool = true;
    type Output = GetParameterResult;

    fn resource(&self) -> String {
        parameter_resource(&self.name)
    }
}

/// Reads 1–10 parameters by name (ARNs and selectors allowed); names not
/// found come back in `InvalidParameters`, not as an error. AWS lists the
/// results in alphabetical order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParameters {
    pub names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_decryption: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParametersResult {
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    #[serde(default)]
    pub invalid_parameters: Vec<String>,
}

impl Operation for GetParameters {
    const NAME: &'static str = "GetParameters";
    const READ_ONLY: bool = true;
    type Output = GetParametersResult;

    /// See [`names_resource`].
    fn resource(&self) -> String {
        names_resource(&self.names)
    }

    /// See [`names_resources`].
    fn resources(&self) -> Vec<String> {
        names_resources(&self.names)
    }
}

/// Reads the parameters under a path, one level or (`Recursive`) all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParametersByPath {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recursive: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_filters: Option<Vec<ParameterStringFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_decryption: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParametersByPathResult {
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for GetParametersByPath {
    const NAME: &'static str = "GetParametersByPath";
    const READ_ONLY: bool = true;
    type Output = GetParametersByPathResult;

    /// The path itself (`/app` gives `parameter/app`, `/` gives
    /// `parameter/`): as in AWS, access to a path is access to everything
    /// under it.
    fn resource(&self) -> String {
        parameter_resource(&self.path)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteParameter {
    pub name: String,
}

impl Operation for DeleteParameter {
    const NAME: &'static str = "DeleteParameter";
    const READ_ONLY: bool = false;
    /// `DeleteParameterResult` has no members.
    type Output = Empty;

    fn resource(&self) -> String {
        parameter_resource(&self.name)
    }
}

/// Deletes 1–10 parameters; names not found come back in
/// `InvalidParameters`, not as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteParameters {
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteParametersResult {
    #[serde(default)]
    pub deleted_parameters: Vec<String>,
    #[serde(default)]
    pub invalid_parameters: Vec<String>,
}

impl Operation for DeleteParameters {
    const NAME: &'static str = "DeleteParameters";
    const READ_ONLY: bool = false;
    type Output = DeleteParametersResult;

    /// See [`names_resource`].
    fn resource(&self) -> String {
        names_resource(&self.names)
    }

    /// See [`names_resources`].
    fn resources(&self) -> Vec<String> {
        names_resources(&self.names)
    }
}

/// Lists parameters without their values. `Filters` (deprecated) and
/// `ParameterFilters` can't be used together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeParameters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<ParametersFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_filters: Option<Vec<ParameterStringFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// Parameters shared from other accounts (RAM); sysman has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeParametersResult {
    #[serde(default)]
    pub parameters: Vec<ParameterMetadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribeParameters {
    const NAME: &'static str = "DescribeParameters";
    const READ_ONLY: bool = true;
    type Output = DescribeParametersResult;
}

/// Every version of a parameter, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParameterHistory {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_decryption: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParameterHistoryResult {
    #[serde(default)]
    pub parameters: Vec<ParameterHistory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for GetParameterHistory {
    const NAME: &'static str = "GetParameterHistory";
    const READ_ONLY: bool = true;
    type Output = GetParameterHistoryResult;

    fn resource(&self) -> String {
        parameter_resource(&self.name)
    }
}

/// Attaches labels to a version (the latest when `ParameterVersion` is
/// absent); a label already on another version moves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LabelParameterVersion {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_version: Option<i64>,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LabelParameterVersionResult {
    /// Labels that break the label rules; the valid ones are still attached.
    #[serde(default)]
    pub invalid_labels: Vec<String>,
    /// The version the labels went to.
    pub parameter_version: i64,
}

impl Operation for LabelParameterVersion {
    const NAME: &'static str = "LabelParameterVersion";
    const READ_ONLY: bool = false;
    type Output = LabelParameterVersionResult;

    fn resource(&self) -> String {
        parameter_resource(&self.name)
    }
}

/// Removes labels from a version; here `ParameterVersion` is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnlabelParameterVersion {
    pub name: String,
    pub parameter_version: i64,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnlabelParameterVersionResult {
    #[serde(default)]
    pub removed_labels: Vec<String>,
    /// Labels that were not on that version.
    #[serde(default)]
    pub invalid_labels: Vec<String>,
}

impl Operation for UnlabelParameterVersion {
    const NAME: &'static str = "UnlabelParameterVersion";
    const READ_ONLY: bool = false;
    type Output = UnlabelParameterVersionResult;

    fn resource(&self) -> String {
        parameter_resource(&self.name)
    }
}

/// The resource a parameter name stands for: `parameter/` + the name without
/// its leading `/`, as in the parameter's ARN, so `/app/db` gives
/// `parameter/app/db` and both `foo` and `/foo` give `parameter/foo`.
///
/// An ARN (`arn:aws:ssm:us-east-1:123456789012:parameter/app/db`) stays an
/// ARN, since the account it names decides whose parameter is asked for: the
/// gate judges a call on another account's parameter by that parameter's
/// resource policies. A selector (`/app/db:3`, `/app/db:prod`) is dropped:
/// names can't hold `:`, and a policy on `/app/db` must cover every way of
/// asking for it.
pub fn parameter_resource(name: &str) -> String {
    if let Some((prefix, tail)) = arn_parts(name) {
        let bare = tail.split_once(':').map_or(tail, |(bare, _)| bare);
        return format!("{prefix}:parameter/{}", bare.trim_start_matches('/'));
    }
    let name = match name.strip_prefix("arn:") {
        Some(rest) => match rest.split_once(":parameter/") {
            Some((_, tail)) => tail,
            None => name,
        },
        None => name,
    };
    let name = name.split_once(':').map_or(name, |(bare, _)| bare);
    format!("parameter/{}", name.trim_start_matches('/'))
}

/// A parameter ARN's `arn:partition:service:region:account` and what follows
/// `:parameter/`, when `name` has all six fields of an ARN.
fn arn_parts(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("arn:")?;
    let (head, tail) = rest.split_once(":parameter/")?;
    // partition, service, region, account: exactly four fields before it.
    (head.split(':').count() == 4).then(|| (&name[..4 + head.len()], tail))
}

/// The resource of a call on several names: that of the name when all of
/// them name one parameter, else `*`, so that the gate asks for access to
/// every parameter rather than trusting one name for all. The gate
/// authorizes each name through [`Operation::resources`].
pub fn names_resource(names: &[String]) -> String {
    let mut resources = names.iter().map(|n| parameter_resource(n));
    match resources.next() {
        Some(first) if resources.all(|r| r == first) => first,
        _ => "*".to_owned(),
    }
}

/// Each parameter a list of names stands for, once each, in order: a call
/// on several parameters must be allowed on every one. An empty list stands
/// for `*`, so it is never allowed by default.
fn names_resources(names: &[String]) -> Vec<String> {
    if names.is_empty() {
        return vec!["*".to_owned()];
    }
    let mut resources: Vec<String> = Vec::with_capacity(names.len());
    for resource in names.iter().map(|n| parameter_resource(n)) {
        if !resources.contains(&resource) {
            resources.push(resource);
        }
    }
    resources
}

fn value_is_secret(ty: Option<&str>) -> bool {
    !matches!(ty, Some("String" | "StringList"))
}

/// The value as `Debug` may show it.
fn shown<'a>(ty: Option<&str>, value: &'a str) -> &'a str {
    if value_is_secret(ty) { REDACTED } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_parameter_decodes_as_the_cli_sends_it() {
        // aws ssm put-parameter --name /app/db/password --value hunter2 \
        //   --type SecureString --key-id alias/app --overwrite --tier Advanced \
        //   --tags Key=team,Value=core --data-type text
        let body = r#"{"Name": "/app/db/password", "Value": "hunter2",
            "Type": "SecureString", "KeyId": "alias/app", "Overwrite": true,
            "Tags": [{"Key": "team", "Value": "core"}], "Tier": "Advanced",
            "DataType": "text"}"#;
        let put: PutParameter = serde_json::from_str(body).unwrap();
        assert_eq!(
            put,
            PutParameter {
                name: "/app/db/password".into(),
                value: "hunter2".into(),
                r#type: Some("SecureString".into()),
                key_id: Some("alias/app".into()),
                overwrite: Some(true),
                tags: Some(vec![Tag::new("team", "core")]),
                tier: Some("Advanced".into()),
                data_type: Some("text".into()),
                ..Default::default()
            }
        );
        let again: serde_json::Value = serde_json::to_value(&put).unwrap();
        let sent: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(again, sent);
        assert_eq!(put.resource(), "parameter/app/db/password");
    }

    #[test]
    fn unknown_enum_values_in_requests_still_decode() {
        let put: PutParameter = serde_json::from_str(
            r#"{"Name": "a", "Value": "b", "Type": "Secret", "Tier": "Gold"}"#,
        )
        .unwrap();
        assert_eq!(put.r#type.as_deref(), Some("Secret"));
        assert_eq!(put.tier.as_deref(), Some("Gold"));
        let filter: ParametersFilter =
            serde_json::from_str(r#"{"Key": "Color", "Values": ["red"]}"#).unwrap();
        assert_eq!(ParametersFilterKey::parse(&filter.key), None);
    }

    #[test]
    fn outputs_leave_out_absent_members() {
        let out = GetParameterResult {
            parameter: Parameter {
                name: "/app/db/host".into(),
                r#type: ParameterType::String,
                value: "db.internal".into(),
                version: 3,
                selector: None,
                source_result: None,
                last_modified_date: Timestamp(1_700_000_000_250),
                arn: "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/host".into(),
                data_type: "text".into(),
            },
        };
        let json = serde_json::to_string(&out).unwrap();
        assert_eq!(
            json,
            r#"{"Parameter":{"Name":"/app/db/host","Type":"String","Value":"db.internal","Version":3,"LastModifiedDate":1700000000.25,"ARN":"arn:aws:ssm:us-east-1:123456789012:parameter/app/db/host","DataType":"text"}}"#
        );
        let back: GetParameterResult = serde_json::from_str(&json).unwrap();
        assert_eq!(back, out);

        let put = PutParameterResult {
            version: 1,
            tier: ParameterTier::Standard,
        };
        assert_eq!(
            serde_json::to_string(&put).unwrap(),
            r#"{"Version":1,"Tier":"Standard"}"#
        );
        assert_eq!(
            serde_json::to_string(&DescribeParametersResult::default()).unwrap(),
            r#"{"Parameters":[]}"#
        );
    }

    #[test]
    fn metadata_and_history_always_send_their_lists() {
        let meta = ParameterMetadata {
            name: "flag".into(),
            arn: "arn:aws:ssm:us-east-1:123456789012:parameter/flag".into(),
            r#type: ParameterType::StringList,
            key_id: None,
            last_modified_date: Timestamp::from_secs(1_700_000_000),
            last_modified_user: "arn:aws:iam::123456789012:user/ada".into(),
            description: None,
            allowed_pattern: None,
            version: 1,
            tier: ParameterTier::Standard,
            policies: vec![],
            data_type: "text".into(),
        };
        let json = serde_json::to_value(&meta).unwrap();
        assert_eq!(json["Policies"], serde_json::json!([]));
        assert!(json.get("KeyId").is_none());
        assert!(json.get("Description").is_none());
        assert_eq!(json["Type"], "StringList");
    }

    #[test]
    fn audit_view_redacts_secret_values() {
        let secure = PutParameter {
            name: "/app/db/password".into(),
            value: "hunter2".into(),
            r#type: Some("SecureString".into()),
            ..Default::default()
        };
        let view = secure.audit_view();
        assert!(!view.contains("hunter2"), "{view}");
        assert!(view.contains(REDACTED));
        assert!(view.contains("/app/db/password"));
        assert!(!format!("{secure:?}").contains("hunter2"));

        // An overwrite without a type may keep a SecureString type.
        let untyped = PutParameter {
            r#type: None,
            ..secure.clone()
        };
        assert!(!untyped.audit_view().contains("hunter2"));
        let misspelled = PutParameter {
            r#type: Some("securestring".into()),
            ..secure.clone()
        };
        assert!(!misspelled.audit_view().contains("hunter2"));

        for plain in ["String", "StringList"] {
            let put = PutParameter {
                r#type: Some(plain.into()),
                ..secure.clone()
            };
            assert!(put.audit_view().contains("hunter2"));
        }
    }

    #[test]
    fn debug_hides_secure_values_of_outputs() {
        let history = ParameterHistory {
            name: "token".into(),
            r#type: ParameterType::SecureString,
            key_id: Some("alias/aws/ssm".into()),
            last_modified_date: Timestamp(0),
            last_modified_user: "root".into(),
            description: None,
            value: "s3cret".into(),
            allowed_pattern: None,
            version: 1,
            labels: vec!["prod".into()],
            tier: ParameterTier::Standard,
            policies: vec![],
            data_type: "text".into(),
        };
        let shown = format!("{history:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("prod"),
            "{shown}"
        );
    }

    #[test]
    fn enum_names_are_the_models() {
        assert_eq!(
            serde_json::to_string(&ParameterTier::IntelligentTiering).unwrap(),
            r#""Intelligent-Tiering""#
        );
        assert_eq!(
            serde_json::from_str::<ParameterTier>(r#""Intelligent-Tiering""#).unwrap(),
            ParameterTier::IntelligentTiering
        );
        for tier in ParameterTier::ALL {
            assert_eq!(ParameterTier::parse(tier.as_str()), Some(tier));
            assert_eq!(
                serde_json::to_string(&tier).unwrap(),
                format!("\"{}\"", tier.as_str())
            );
        }
        for ty in ParameterType::ALL {
            assert_eq!(ParameterType::parse(ty.as_str()), Some(ty));
            assert_eq!(
                serde_json::to_string(&ty).unwrap(),
                format!("\"{}\"", ty.as_str())
            );
        }
        for key in ParametersFilterKey::ALL {
            assert_eq!(ParametersFilterKey::parse(key.as_str()), Some(key));
        }
        assert_eq!(ParameterType::parse("securestring"), None);
        assert_eq!(ParameterTier::parse("IntelligentTiering"), None);
    }

    #[test]
    fn resources_name_the_parameter() {
        assert_eq!(parameter_resource("/app/db"), "parameter/app/db");
        assert_eq!(parameter_resource("foo"), "parameter/foo");
        assert_eq!(parameter_resource("/foo"), "parameter/foo");
        assert_eq!(parameter_resource("/app/db:3"), "parameter/app/db");
        assert_eq!(parameter_resource("/app/db:prod"), "parameter/app/db");
        // An ARN keeps the account it names; only the selector goes.
        assert_eq!(
            parameter_resource("arn:aws:ssm:us-east-1:123456789012:parameter/app/db:prod"),
            "arn:aws:ssm:us-east-1:123456789012:parameter/app/db"
        );
        assert_eq!(
            parameter_resource("arn:aws:ssm:us-east-1:123456789012:parameter/foo"),
            "arn:aws:ssm:us-east-1:123456789012:parameter/foo"
        );
        // Something short of an ARN names what follows `parameter/`.
        assert_eq!(parameter_resource("arn:x:parameter/foo"), "parameter/foo");

        let get = GetParameters {
            names: vec!["/a".into(), "a:2".into()],
            with_decryption: None,
        };
        assert_eq!(get.resource(), "parameter/a");
        let get = GetParameters {
            names: vec!["/a".into(), "/b".into()],
            with_decryption: None,
        };
        assert_eq!(get.resource(), "*");
        assert_eq!(DeleteParameters { names: vec![] }.resource(), "*");
        assert_eq!(get.resources(), ["parameter/a", "parameter/b"]);
        let delete = DeleteParameters {
            names: vec!["/a".into(), "a:2".into(), "/c".into()],
        };
        assert_eq!(delete.resources(), ["parameter/a", "parameter/c"]);
        assert_eq!(DeleteParameters { names: vec![] }.resources(), ["*"]);
        assert_eq!(
            GetParameter {
                name: "/a".into(),
                with_decryption: None
            }
            .resources(),
            ["parameter/a"]
        );
        let by_path = GetParametersByPath {
            path: "/app".into(),
            ..Default::default()
        };
        assert_eq!(by_path.resource(), "parameter/app");
        assert_eq!(DescribeParameters::default().resource(), "*");
    }

    #[test]
    fn reads_are_read_only() {
        let read_only = [
            GetParameter::READ_ONLY,
            GetParameters::READ_ONLY,
            GetParametersByPath::READ_ONLY,
            DescribeParameters::READ_ONLY,
            GetParameterHistory::READ_ONLY,
        ];
        let changes = [
            PutParameter::READ_ONLY,
            DeleteParameter::READ_ONLY,
            DeleteParameters::READ_ONLY,
            LabelParameterVersion::READ_ONLY,
            UnlabelParameterVersion::READ_ONLY,
        ];
        assert_eq!(read_only, [true; 5]);
        assert_eq!(changes, [false; 5]);
    }

    #[test]
    fn label_requests_match_the_model() {
        let label: LabelParameterVersion =
            serde_json::from_str(r#"{"Name": "/a", "Labels": ["prod"]}"#).unwrap();
        assert_eq!(label.parameter_version, None);
        assert!(
            serde_json::from_str::<UnlabelParameterVersion>(
                r#"{"Name": "/a", "Labels": ["prod"]}"#
            )
            .is_err(),
            "ParameterVersion is required by UnlabelParameterVersion"
        );
        assert_eq!(
            serde_json::to_string(&UnlabelParameterVersionResult {
                removed_labels: vec!["prod".into()],
                invalid_labels: vec![],
            })
            .unwrap(),
            r#"{"RemovedLabels":["prod"],"InvalidLabels":[]}"#
        );
    }
}
