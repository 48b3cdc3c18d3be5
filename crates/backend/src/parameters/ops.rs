//! The Parameter Store operations.

use std::collections::BTreeSet;
use std::ops::Bound;

use regex::Regex;
use sysman_api::parameters::rules::{self, Selector};
use sysman_api::parameters::{
    DeleteParameter, DeleteParameters, DeleteParametersResult, DescribeParameters,
    DescribeParametersResult, GetParameter, GetParameterHistory, GetParameterHistoryResult,
    GetParameterResult, GetParameters, GetParametersByPath, GetParametersByPathResult,
    GetParametersResult, LabelParameterVersion, LabelParameterVersionResult, Parameter,
    ParameterHistory, ParameterMetadata, ParameterStringFilter, ParameterTier, ParameterType,
    PutParameter, PutParameterResult, UnlabelParameterVersion, UnlabelParameterVersionResult,
    parameter_resource,
};
use sysman_api::{ApiError, Empty, Operation};

use super::{Head, Param, ParamState, StoredValue, Version};
use crate::gate::{Ctx, Handler};
use crate::store::Change;
use crate::{Event, Inner, kms, paging, validate};

const DATA_TYPES: [&str; 3] = ["text", "aws:ec2:image", "aws:ssm:integration"];

fn not_found(name: &str) -> ApiError {
    ApiError::new(
        "ParameterNotFound",
        format!("Parameter {name} not found; list parameters with DescribeParameters"),
    )
}

impl Inner {
    fn parameter_arn(&self, name: &str) -> String {
        let path = name.strip_prefix('/').unwrap_or(name);
        format!(
            "arn:aws:ssm:{}:{}:parameter/{path}",
            self.settings.region, self.settings.account_id
        )
    }

    /// Associated data that binds a sealed value to one parameter version.
    fn value_aad(&self, key: &str, version: i64) -> Vec<u8> {
        format!("{}#{version}", self.parameter_arn(key)).into_bytes()
    }

    fn reveal(&self, key: &str, v: &Version, decrypt: bool) -> Result<String, ApiError> {
        match &v.value {
            StoredValue::Plain(text) => Ok(text.clone()),
            StoredValue::Sealed(sealed) if !decrypt => Ok(sealed.clone()),
            StoredValue::Sealed(sealed) => {
                let bytes = self.kms.open(sealed, &self.value_aad(key, v.version))?;
                String::from_utf8(bytes)
                    .map_err(|_| ApiError::internal("a decrypted SecureString is not UTF-8"))
            }
        }
    }

    fn parameter(
        &self,
        key: &str,
        param: &Param,
        v: &Version,
        selector: Option<String>,
        decrypt: bool,
    ) -> Result<Parameter, ApiError> {
        Ok(Parameter {
            name: param.head.name.clone(),
            r#type: parse_type(&v.kind),
            value: self.reveal(key, v, decrypt)?,
            version: v.version,
            selector,
            source_result: None,
            last_modified_date: v.modified,
            arn: self.parameter_arn(&param.head.name),
            data_type: v.data_type.clone(),
        })
    }

    fn metadata(&self, param: &Param) -> ParameterMetadata {
        let v = param.current();
        ParameterMetadata {
            name: param.head.name.clone(),
            arn: self.parameter_arn(&param.head.name),
            r#type: parse_type(&v.kind),
            key_id: v.key_id.clone(),
            last_modified_date: v.modified,
            last_modified_user: v.modified_by.clone(),
            description: v.description.clone(),
            allowed_pattern: v.allowed_pattern.clone(),
            version: v.version,
            tier: parse_tier(&v.tier),
            policies: v
                .policies
                .iter()
                .map(super::policies::Policy::inline)
                .collect(),
            data_type: v.data_type.clone(),
        }
    }
}

fn parse_type(kind: &str) -> ParameterType {
    ParameterType::parse(kind).unwrap_or(ParameterType::String)
}

fn parse_tier(tier: &str) -> ParameterTier {
    ParameterTier::parse(tier).unwrap_or(ParameterTier::Standard)
}

/// Finds the version a selector names.
fn select<'p>(param: &'p Param, raw: &str, selector: &Selector) -> Result<&'p Version, ApiError> {
    match selector {
        Selector::Latest => Ok(param.current()),
        Selector::Version(n) => param.versions.get(n).ok_or_else(|| {
            ApiError::new(
                "ParameterVersionNotFound",
                format!(
                    "{raw}: version {n} does not exist (the newest is {})",
                    param.head.latest
                ),
            )
        }),
        Selector::Label(label) => param
            .versions
            .values()
            .find(|v| v.labels.contains(label))
            .ok_or_else(|| {
                ApiError::new(
                    "ParameterVersionNotFound",
                    format!("{raw}: no version carries the label '{label}'"),
                )
            }),
    }
}

/// Looks up `raw` (a name, ARN or selector) and returns what it names.
fn lookup<'s>(
    state: &'s ParamState,
    raw: &str,
) -> Result<(String, &'s Param, &'s Version, Option<String>), ApiError> {
    let (name, selector) = rules::split_selector(raw)?;
    let name = rules::strip_arn(name);
    let key = rules::canonical(name);
    let param = state.params.get(&key).ok_or_else(|| not_found(name))?;
    let version = select(param, raw, &selector)?;
    let shown = match selector {
        Selector::Latest => None,
        Selector::Version(n) => Some(format!(":{n}")),
        Selector::Label(l) => Some(format!(":{l}")),
    };
    Ok((key, param, version, shown))
}

/// The type and value of what `raw` names, decrypted if `decrypt`.
pub(crate) fn lookup_value(
    b: &Inner,
    raw: &str,
    decrypt: bool,
) -> Result<(ParameterType, String), ApiError> {
    let state = b.parameters.state.read();
    let (key, _, version, _) = lookup(&state, raw)?;
    Ok((parse_type(&version.kind), b.reveal(&key, version, decrypt)?))
}

fn check_optional_len(value: Option<&str>, field: &str, max: usize) -> Result<(), ApiError> {
    validate::length(value, field, 0, max)
}

impl Handler for PutParameter {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let key = rules::check_name(&self.name)?;
        check_optional_len(self.description.as_deref(), "description", 1024)?;
        check_optional_len(self.allowed_pattern.as_deref(), "allowedPattern", 1024)?;
        let requested_type = match self.r#type.as_deref() {
            None => None,
            Some(t) => Some(ParameterType::parse(t).ok_or_else(|| {
                ApiError::new(
                    "UnsupportedParameterType",
                    format!(
                        "'{t}' is not a parameter type; use String, StringList or SecureString"
                    ),
                )
            })?),
        };
        let requested_tier = match self.tier.as_deref() {
            // The account's default tier, when it has set one.
            None => b.service_settings.default_parameter_tier(),
            Some(t) => Some(ParameterTier::parse(t).ok_or_else(|| {
                ApiError::constraint(
                    "tier",
                    t,
                    "Member must satisfy enum value set: [Standard, Advanced, Intelligent-Tiering]",
                )
            })?),
        };
        if let Some(data_type) = self.data_type.as_deref()
            && !DATA_TYPES.contains(&data_type)
        {
            return Err(ApiError::validation(format!(
                "The data type '{data_type}' is not supported; use text, aws:ec2:image or \
                 aws:ssm:integration"
            )));
        }
        if self.value.is_empty() {
            return Err(ApiError::constraint(
                "value",
                "",
                "Member must have length greater than or equal to 1",
            ));
        }
        if self.value.contains("{{") && self.value.contains("}}") {
            return Err(ApiError::validation(
                "A parameter value can't contain a {{...}} reference to another parameter",
            ));
        }

        let new_policies = match self.policies.as_deref() {
            Some(text) => {
                validate::length(Some(text), "policies", 1, 4096)?;
                Some(super::policies::parse(text, ctx.now)?)
            }
            None => None,
        };
        let overwrite = self.overwrite.unwrap_or(false);
        let tags = self.tags.clone().unwrap_or_default();
        if overwrite && !tags.is_empty() {
            return Err(ApiError::validation(
                "Tags can't be given with Overwrite; change tags with AddTagsToResource",
            ));
        }
        validate::tags(&tags, "tags")?;
        if tags.len() > validate::MAX_TAGS_PER_RESOURCE {
            return Err(ApiError::new(
                "TooManyTagsError",
                format!(
                    "A parameter can carry at most 50 tags; this request has {}",
                    tags.len()
                ),
            ));
        }
        if let Some(pattern) = self.allowed_pattern.as_deref() {
            compile_pattern(pattern)?;
        }
        let value_len = self.value.len();
        if value_len > rules::ADVANCED_VALUE_MAX {
            return Err(ApiError::validation(format!(
                "The value is {value_len} bytes; a parameter value can be at most 8192 bytes \
                 (Advanced tier) or 4096 bytes (Standard tier)"
            )));
        }

        let modified_by = ctx.caller.arn(&b.settings.account_id);
        let (commit, name, version, tier, earliest) = {
            let mut state = b.parameters.state.write();
            let existing = state.params.get(&key);
            if existing.is_some() && !overwrite {
                return Err(ApiError::new(
                    "ParameterAlreadyExists",
                    format!(
                        "Parameter {} already exists; pass Overwrite to add a new version",
                        self.name
                    ),
                ));
            }
            let current = existing.map(Param::current);
            let kind = match (requested_type, current) {
                (Some(t), Some(cur)) if t.as_str() != cur.kind && key.contains('/') => {
                    return Err(ApiError::new(
                        "HierarchyTypeMismatchException",
                        format!(
                            "{} is a {} in a hierarchy; its type can't change to {}. Create a \
                             new parameter instead",
                            self.name,
                            cur.kind,
                            t.as_str()
                        ),
                    ));
                }
                (Some(t), _) => t,
                (None, Some(cur)) => parse_type(&cur.kind),
                (None, None) => {
                    return Err(ApiError::validation(format!(
                        "Type is required to create {}: String, StringList or SecureString",
                        self.name
                    )));
                }
            };
            let data_type = check_data_type(
                self.data_type.as_deref(),
                current.map(|c| c.data_type.as_str()),
                kind,
                &self.value,
            )?;
            if self.key_id.is_some() && kind != ParameterType::SecureString {
                return Err(ApiError::validation(
                    "KeyId applies only to SecureString parameters; leave it out for this type",
                ));
            }
            let policies = match (&new_policies, current) {
                (Some(given), _) => given.clone(),
                (None, Some(cur)) => super::policies::carried(&cur.policies, ctx.now),
                (None, None) => Vec::new(),
            };
            let (standard, advanced) = state.tier_counts();
            let limits = &b.parameters.limits;
            let standard_full = standard >= limits.max_standard;
            let tier = choose_tier(
                requested_tier,
                current.map(|c| c.tier.as_str()),
                value_len,
                !policies.is_empty(),
            )?;
            // Intelligent-Tiering moves to Advanced when Standard is full.
            let tier = if tier == ParameterTier::Standard
                && requested_tier == Some(ParameterTier::IntelligentTiering)
                && existing.is_none()
                && standard_full
            {
                ParameterTier::Advanced
            } else {
                tier
            };
            let allowed_pattern = self
                .allowed_pattern
                .clone()
                .or_else(|| current.and_then(|c| c.allowed_pattern.clone()));
            if let Some(pattern) = &allowed_pattern
                && !compile_pattern(pattern)?.is_match(&self.value)
            {
                return Err(ApiError::new(
                    "ParameterPatternMismatchException",
                    format!("The value does not match the parameter's AllowedPattern {pattern}"),
                ));
            }
            // A new parameter, or one moving to Advanced, takes a place on its tier.
            let moving = current.is_none_or(|c| c.tier != tier.as_str());
            if moving
                && (tier == ParameterTier::Standard && standard >= limits.max_standard
                    || tier == ParameterTier::Advanced && advanced >= limits.max_advanced)
            {
                return Err(ApiError::new(
                    "ParameterLimitExceeded",
                    format!(
                        "This store holds the most {} parameters it may ({}); delete some \
                             or use the other tier",
                        tier.as_str(),
                        if tier == ParameterTier::Standard {
                            limits.max_standard
                        } else {
                            limits.max_advanced
                        }
                    ),
                ));
            }
            let mut changes: Vec<Change> = Vec::new();
            // Everything is checked on the borrowed parameter; its history of
            // up to 100 versions is edited in place, never copied.
            let dropped = match existing {
                Some(param) if param.versions.len() >= rules::MAX_VERSIONS => {
                    let oldest = param.versions.values().next().expect("a full history");
                    if !oldest.labels.is_empty() {
                        return Err(ApiError::new(
                            "ParameterMaxVersionLimitExceeded",
                            format!(
                                "{} keeps at most {} versions and the oldest, version {}, \
                                 carries the labels {}; move or remove them first",
                                self.name,
                                rules::MAX_VERSIONS,
                                oldest.version,
                                oldest.labels.join(", ")
                            ),
                        ));
                    }
                    Some(oldest.version)
                }
                _ => None,
            };
            let number = existing.map_or(0, |p| p.head.latest) + 1;
            let key_ref = match kind {
                ParameterType::SecureString => Some(
                    self.key_id
                        .clone()
                        .or_else(|| current.and_then(|c| c.key_id.clone()))
                        .unwrap_or_else(|| kms::DEFAULT_ALIAS.to_owned()),
                ),
                _ => None,
            };
            let value = match &key_ref {
                Some(reference) => {
                    let key_id = resolve_key(b, reference, ctx, &mut changes)?;
                    StoredValue::Sealed(b.kms.seal(
                        &key_id,
                        self.value.as_bytes(),
                        &b.value_aad(&key, number),
                    )?)
                }
                None => StoredValue::Plain(self.value.clone()),
            };
            let version = Version {
                version: number,
                kind: kind.as_str().to_owned(),
                value,
                description: self
                    .description
                    .clone()
                    .or_else(|| current.and_then(|c| c.description.clone())),
                allowed_pattern,
                key_id: key_ref,
                tier: tier.as_str().to_owned(),
                data_type,
                labels: Vec::new(),
                modified: ctx.now,
                modified_by: modified_by.clone(),
                policies,
            };
            let mut param = state.remove(&key).unwrap_or_else(|| Param {
                head: Head {
                    name: self.name.clone(),
                    latest: 0,
                    tags: sorted(tags),
                },
                versions: Default::default(),
            });
            if let Some(dropped) = dropped {
                param.versions.remove(&dropped);
                changes.push(super::version_delete(&key, dropped));
            }
            param.head.latest = number;
            changes.push(super::version_change(&key, &version));
            param.versions.insert(number, version);
            changes.push(param.head_change(&key));
            let commit = ctx.commit(&b.store, changes);
            let name = param.head.name.clone();
            let earliest = state.insert(key.clone(), param);
            (commit, name, number, tier, earliest)
        };
        if earliest {
            b.scheduler.nudge();
        }
        commit.await?;
        ctx.publish(Event::ParameterChanged { name });
        Ok(PutParameterResult { version, tier })
    }
}

/// The data type a new version gets: as requested, else the current one.
/// A parameter keeps its data type, and each data type goes with one kind.
fn check_data_type(
    requested: Option<&str>,
    current: Option<&str>,
    kind: ParameterType,
    value: &str,
) -> Result<String, ApiError> {
    let data_type = requested.or(current).unwrap_or("text");
    if let (Some(current), Some(requested)) = (current, requested)
        && current != requested
    {
        return Err(ApiError::validation(format!(
            "This parameter's data type is {current}; it can't change to {requested}. Create a \
             new parameter instead"
        )));
    }
    match (data_type, kind) {
        ("aws:ec2:image", ParameterType::String) => {
            if !is_ami_id(value) {
                // The value is not echoed: it might be someone's secret.
                return Err(ApiError::validation(
                    "The value is not an AMI id; data type aws:ec2:image wants ami- and 8 or 17 \
                     hex digits",
                ));
            }
        }
        ("aws:ec2:image", other) => {
            return Err(ApiError::validation(format!(
                "Data type aws:ec2:image goes with Type String only, not {}",
                other.as_str()
            )));
        }
        ("aws:ssm:integration", ParameterType::SecureString) | ("text", _) => {}
        (_, other) => {
            return Err(ApiError::validation(format!(
                "Data type aws:ssm:integration goes with Type SecureString only, not {}",
                other.as_str()
            )));
        }
    }
    Ok(data_type.to_owned())
}

fn sorted(mut tags: Vec<sysman_api::Tag>) -> Vec<sysman_api::Tag> {
    tags.sort();
    tags
}

fn is_ami_id(value: &str) -> bool {
    value.strip_prefix("ami-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn compile_pattern(pattern: &str) -> Result<Regex, ApiError> {
    Regex::new(pattern).map_err(|e| {
        ApiError::new(
            "InvalidAllowedPatternException",
            format!("AllowedPattern {pattern} is not a valid regular expression: {e}"),
        )
    })
}

/// The tier a new version gets.
fn choose_tier(
    requested: Option<ParameterTier>,
    current: Option<&str>,
    value_len: usize,
    has_policies: bool,
) -> Result<ParameterTier, ApiError> {
    let advanced_now = current == Some("Advanced");
    if has_policies && !advanced_now && matches!(requested, None | Some(ParameterTier::Standard)) {
        return Err(ApiError::validation(
            "Parameter policies need the Advanced tier; put it with Tier Advanced or \
             Intelligent-Tiering",
        ));
    }
    let needs_advanced = value_len > rules::STANDARD_VALUE_MAX || has_policies;
    match requested {
        Some(ParameterTier::Standard) if advanced_now => Err(ApiError::validation(
            "An Advanced parameter can't go back to the Standard tier; delete and recreate it",
        )),
        Some(ParameterTier::Standard) | None if needs_advanced && !advanced_now => {
            Err(ApiError::validation(format!(
                "The value is {value_len} bytes; Standard parameters hold at most 4096. Put it \
                 with Tier Advanced or Intelligent-Tiering"
            )))
        }
        Some(ParameterTier::Advanced) => Ok(ParameterTier::Advanced),
        Some(ParameterTier::IntelligentTiering) if needs_advanced || advanced_now => {
            Ok(ParameterTier::Advanced)
        }
        None if advanced_now => Ok(ParameterTier::Advanced),
        _ => Ok(ParameterTier::Standard),
    }
}

/// The key id a SecureString's key reference names, creating the default
/// key on first use.
fn resolve_key(
    b: &Inner,
    reference: &str,
    ctx: &Ctx,
    changes: &mut Vec<Change>,
) -> Result<String, ApiError> {
    validate::length(Some(reference), "keyId", 1, 256)?;
    if let Some(key) = b.kms.find(reference) {
        return Ok(key.key_id);
    }
    if reference != kms::DEFAULT_ALIAS {
        return Err(ApiError::new(
            "InvalidKeyId",
            format!("No key {reference}; give a key id, key ARN or alias that exists"),
        ));
    }
    let key_id = b.ids.uuid();
    let arn = format!(
        "arn:aws:kms:{}:{}:key/{key_id}",
        b.settings.region, b.settings.account_id
    );
    // The key's record commits with the first parameter sealed by it, so
    // neither reaches the disk without the other.
    let (record, ()) = b.kms.create_key(
        key_id,
        arn,
        vec![kms::DEFAULT_ALIAS.to_owned()],
        "Default key for SecureString parameters".to_owned(),
        ctx.now,
        |change| changes.push(change),
    );
    Ok(record.key_id)
}

impl Handler for GetParameter {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let state = b.parameters.state.read();
        let (key, param, version, selector) = lookup(&state, &self.name)?;
        let decrypt = self.with_decryption.unwrap_or(false);
        Ok(GetParameterResult {
            parameter: b.parameter(&key, param, version, selector, decrypt)?,
        })
    }
}

fn check_names(names: &[String]) -> Result<(), ApiError> {
    validate::count(names.len(), "names", 1, 10)
}

impl Handler for GetParameters {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_names(&self.names)?;
        let decrypt = self.with_decryption.unwrap_or(false);
        let state = b.parameters.state.read();
        let mut parameters = Vec::new();
        let mut invalid = Vec::new();
        for raw in &self.names {
            match lookup(&state, raw) {
                Ok((key, param, version, selector)) => {
                    parameters.push(b.parameter(&key, param, version, selector, decrypt)?)
                }
                Err(e) if e.code == "InternalServerError" || e.code == "InvalidKeyId" => {
                    return Err(e);
                }
                Err(_) => invalid.push(raw.clone()),
            }
        }
        parameters.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(GetParametersResult {
            parameters,
            invalid_parameters: invalid,
        })
    }
}

/// One checked ParameterStringFilter.
struct Filter {
    key: String,
    option: String,
    values: Vec<String>,
}

fn check_filters(
    filters: &[ParameterStringFilter],
    allowed: &[&str],
    operation: &str,
) -> Result<Vec<Filter>, ApiError> {
    filters
        .iter()
        .map(|f| {
            let key = f.key.as_str();
            let known = (allowed.contains(&key) && key != "tag:")
                || (allowed.contains(&"tag:") && key.starts_with("tag:") && key.len() > 4);
            if !known {
                return Err(ApiError::new(
                    "InvalidFilterKey",
                    format!(
                        "'{key}' is not a filter key {operation} takes; use one of {}",
                        allowed.join(", ")
                    ),
                ));
            }
            let default_option = if key == "Path" { "Recursive" } else { "Equals" };
            let option = f
                .option
                .clone()
                .unwrap_or_else(|| default_option.to_owned());
            let options: &[&str] = match key {
                "Path" => &["Recursive", "OneLevel"],
                "Name" if operation == "DescribeParameters" => {
                    &["Equals", "BeginsWith", "Contains"]
                }
                "Label" => &["Equals"],
                k if k.starts_with("tag:") => &["Equals", "BeginsWith"],
                _ => &["Equals", "BeginsWith"],
            };
            if !options.contains(&option.as_str()) {
                return Err(ApiError::new(
                    "InvalidFilterOption",
                    format!(
                        "Filter {key} takes the option {}, not '{option}'",
                        options.join(" or ")
                    ),
                ));
            }
            let values = f.values.clone().unwrap_or_default();
            if values.len() > 50 || values.iter().any(|v| v.is_empty() || v.len() > 1024) {
                return Err(ApiError::new(
                    "InvalidFilterValue",
                    format!("Filter {key} takes 1 to 50 values of 1 to 1024 characters"),
                ));
            }
            if values.is_empty() && !key.starts_with("tag:") {
                return Err(ApiError::new(
                    "InvalidFilterValue",
                    format!("Filter {key} needs at least one value"),
                ));
            }
            if key == "Type"
                && let Some(bad) = values.iter().find(|v| ParameterType::parse(v).is_none())
            {
                return Err(ApiError::new(
                    "InvalidFilterValue",
                    format!(
                        "'{bad}' is not a parameter type; use String, StringList or SecureString"
                    ),
                ));
            }
            if key == "Tier"
                && let Some(bad) = values
                    .iter()
                    .find(|v| !matches!(v.as_str(), "Standard" | "Advanced"))
            {
                return Err(ApiError::new(
                    "InvalidFilterValue",
                    format!("'{bad}' is not a tier; use Standard or Advanced"),
                ));
            }
            Ok(Filter {
                key: key.to_owned(),
                option,
                values,
            })
        })
        .collect()
}

fn text_matches(option: &str, candidate: &str, wanted: &str) -> bool {
    match option {
        "BeginsWith" => candidate.starts_with(wanted),
        "Contains" => candidate.contains(wanted),
        _ => candidate == wanted,
    }
}

fn under_path(name: &str, path: &str, recursive: bool) -> bool {
    // A top-level `flat` is `/flat`, and so under `/`.
    let rooted;
    let name = if name.starts_with('/') {
        name
    } else {
        rooted = format!("/{name}");
        &rooted
    };
    let path = path.trim_end_matches('/');
    let Some(rest) = name.strip_prefix(path).and_then(|r| r.strip_prefix('/')) else {
        return false;
    };
    !rest.is_empty() && (recursive || !rest.contains('/'))
}

impl Filter {
    fn matches(&self, param: &Param) -> bool {
        let v = param.current();
        let any = |candidate: &str| {
            self.values
                .iter()
                .any(|w| text_matches(&self.option, candidate, w))
        };
        match self.key.as_str() {
            "Name" => {
                let bare = param.head.name.trim_start_matches('/');
                self.values.iter().any(|w| {
                    text_matches(&self.option, &param.head.name, w)
                        || text_matches(&self.option, bare, w.trim_start_matches('/'))
                })
            }
            "Type" => any(&v.kind),
            "KeyId" => v.key_id.as_deref().is_some_and(any),
            "Tier" => any(&v.tier),
            "DataType" => any(&v.data_type),
            "Label" => param
                .versions
                .values()
                .any(|ver| ver.labels.iter().any(|l| any(l))),
            "Path" => self
                .values
                .iter()
                .any(|p| under_path(&param.head.name, p, self.option == "Recursive")),
            tag => {
                let tag_key = &tag[4..];
                param
                    .head
                    .tags
                    .iter()
                    .any(|t| t.key == tag_key && (self.values.is_empty() || any(&t.value)))
            }
        }
    }
}

impl Handler for GetParametersByPath {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, 10, 10)?;
        if !self.path.starts_with('/') {
            return Err(ApiError::validation(format!(
                "Path '{}' must begin with '/', as in /app/db",
                self.path
            )));
        }
        let filters = check_filters(
            self.parameter_filters.as_deref().unwrap_or_default(),
            &["Type", "KeyId", "Label"],
            "GetParametersByPath",
        )?;
        let recursive = self.recursive.unwrap_or(false);
        let scope = (&self.path, recursive, &self.parameter_filters);
        let start = b
            .pager
            .start(Self::NAME, &scope, self.next_token.as_deref())?;
        let decrypt = self.with_decryption.unwrap_or(false);
        let state = b.parameters.state.read();
        let mut failure = None;
        // Names under a path are one run of keys: `/a/b/` up to `/a/b0`
        // ('0' follows '/'), so a page never scans the rest of the store.
        // The root also holds top-level names stored without their '/'.
        let prefix = format!("{}/", self.path.trim_end_matches('/'));
        let end = format!("{}0", self.path.trim_end_matches('/'));
        let (from, to) = match (start.range().0, prefix.as_str()) {
            (_, "/") => (start.range().0, Bound::Unbounded),
            (Bound::Excluded(after), _) => (Bound::Excluded(after), Bound::Excluded(end.as_str())),
            (_, prefix) => (Bound::Included(prefix), Bound::Excluded(end.as_str())),
        };
        let (parameters, more) = paging::collect(
            state.params.range::<str, _>((from, to)),
            limit,
            |(key, param)| {
                // Access to a path is access to what is under it, as in
                // AWS, except where a Deny names a parameter: unlike AWS,
                // that Deny wins here too, so the parameter is left out.
                let wanted = under_path(&param.head.name, &self.path, recursive)
                    && filters.iter().all(|f| f.matches(param))
                    && !crate::auth::explicitly_denied(
                        b,
                        &ctx.caller,
                        Self::PREFIX,
                        Self::NAME,
                        &parameter_resource(&param.head.name),
                    );
                if !wanted {
                    return None;
                }
                match b.parameter(key, param, param.current(), None, decrypt) {
                    Ok(p) => Some((key.clone(), p)),
                    Err(e) => {
                        failure.get_or_insert(e);
                        None
                    }
                }
            },
        );
        if let Some(e) = failure {
            return Err(e);
        }
        let next_token = match parameters.last() {
            Some((key, _)) if more => Some(b.pager.issue(Self::NAME, &scope, key)),
            _ => None,
        };
        Ok(GetParametersByPathResult {
            parameters: parameters.into_iter().map(|(_, p)| p).collect(),
            next_token,
        })
    }
}

impl Handler for DescribeParameters {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, 50, 50)?;
        let mut filters = check_filters(
            self.parameter_filters.as_deref().unwrap_or_default(),
            &["Name", "Type", "KeyId", "Path", "Tier", "DataType", "tag:"],
            "DescribeParameters",
        )?;
        if self.filters.as_ref().is_some_and(|f| !f.is_empty())
            && self
                .parameter_filters
                .as_ref()
                .is_some_and(|f| !f.is_empty())
        {
            return Err(ApiError::validation(
                "Give either Filters or ParameterFilters, not both",
            ));
        }
        for legacy in self.filters.as_deref().unwrap_or_default() {
            if !matches!(legacy.key.as_str(), "Name" | "Type" | "KeyId") {
                return Err(ApiError::new(
                    "InvalidFilterKey",
                    format!(
                        "'{}' is not a key of Filters; use Name, Type or KeyId",
                        legacy.key
                    ),
                ));
            }
            filters.push(Filter {
                key: legacy.key.clone(),
                option: if legacy.key == "Name" {
                    "BeginsWith"
                } else {
                    "Equals"
                }
                .to_owned(),
                values: legacy.values.clone(),
            });
        }
        let scope = (&self.filters, &self.parameter_filters);
        let start = b
            .pager
            .start(Self::NAME, &scope, self.next_token.as_deref())?;
        let state = b.parameters.state.read();
        let (found, more) = paging::collect(
            state.params.range::<str, _>(start.range()),
            limit,
            |(key, p)| {
                filters
                    .iter()
                    .all(|f| f.matches(p))
                    .then(|| (key.clone(), b.metadata(p)))
            },
        );
        let next_token = match found.last() {
            Some((key, _)) if more => Some(b.pager.issue(Self::NAME, &scope, key)),
            _ => None,
        };
        Ok(DescribeParametersResult {
            parameters: found.into_iter().map(|(_, m)| m).collect(),
            next_token,
        })
    }
}

impl Handler for GetParameterHistory {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, 50, 50)?;
        let decrypt = self.with_decryption.unwrap_or(false);
        let name = rules::strip_arn(&self.name);
        let key = rules::canonical(name);
        let start = b
            .pager
            .start(Self::NAME, &key, self.next_token.as_deref())?;
        let after: Option<i64> = match start.range().0 {
            Bound::Excluded(v) => v.parse().ok(),
            _ => None,
        };
        let state = b.parameters.state.read();
        let param = state.params.get(&key).ok_or_else(|| not_found(name))?;
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut failure = None;
        let (history, more) = paging::collect(
            param
                .versions
                .range((from, Bound::Unbounded))
                .map(|(_, v)| v),
            limit,
            |v| match b.reveal(&key, v, decrypt) {
                Ok(value) => Some(ParameterHistory {
                    name: param.head.name.clone(),
                    r#type: parse_type(&v.kind),
                    key_id: v.key_id.clone(),
                    last_modified_date: v.modified,
                    last_modified_user: v.modified_by.clone(),
                    description: v.description.clone(),
                    value,
                    allowed_pattern: v.allowed_pattern.clone(),
                    version: v.version,
                    labels: v.labels.clone(),
                    tier: parse_tier(&v.tier),
                    policies: v
                        .policies
                        .iter()
                        .map(super::policies::Policy::inline)
                        .collect(),
                    data_type: v.data_type.clone(),
                }),
                Err(e) => {
                    failure.get_or_insert(e);
                    None
                }
            },
        );
        if let Some(e) = failure {
            return Err(e);
        }
        let next_token = match history.last() {
            Some(last) if more => Some(b.pager.issue(Self::NAME, &key, &last.version.to_string())),
            _ => None,
        };
        Ok(GetParameterHistoryResult {
            parameters: history,
            next_token,
        })
    }
}

/// Removes a parameter: its name as created and the changes that delete it.
pub(crate) fn remove(state: &mut ParamState, key: &str) -> Option<(String, Vec<Change>)> {
    let param = state.remove(key)?;
    let mut changes: Vec<Change> = param
        .versions
        .keys()
        .map(|v| super::version_delete(key, *v))
        .collect();
    changes.push(super::head_delete(key));
    Some((param.head.name, changes))
}

impl Handler for DeleteParameter {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let name = rules::strip_arn(&self.name);
        let key = rules::canonical(name);
        let (commit, shown) = {
            let mut state = b.parameters.state.write();
            let (shown, changes) = remove(&mut state, &key).ok_or_else(|| not_found(name))?;
            (ctx.commit(&b.store, changes), shown)
        };
        commit.await?;
        ctx.publish(Event::ParameterDeleted { name: shown });
        Ok(Empty {})
    }
}

impl Handler for DeleteParameters {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_names(&self.names)?;
        let mut deleted = Vec::new();
        let mut invalid = Vec::new();
        let commit = {
            let mut state = b.parameters.state.write();
            let mut changes = Vec::new();
            for raw in &self.names {
                let key = rules::canonical(rules::strip_arn(raw));
                match remove(&mut state, &key) {
                    Some((_, c)) => {
                        changes.extend(c);
                        deleted.push(raw.clone());
                    }
                    None => invalid.push(raw.clone()),
                }
            }
            (!deleted.is_empty()).then(|| ctx.commit(&b.store, changes))
        };
        if let Some(commit) = commit {
            commit.await?;
        }
        for name in &deleted {
            ctx.publish(Event::ParameterDeleted { name: name.clone() });
        }
        Ok(DeleteParametersResult {
            deleted_parameters: deleted,
            invalid_parameters: invalid,
        })
    }
}

fn check_label_count(labels: &[String]) -> Result<(), ApiError> {
    validate::count(labels.len(), "labels", 1, 10)
}

impl Handler for LabelParameterVersion {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_label_count(&self.labels)?;
        let name = rules::strip_arn(&self.name);
        let key = rules::canonical(name);
        let (valid, invalid): (Vec<String>, Vec<String>) = self
            .labels
            .iter()
            .cloned()
            .partition(|l| rules::is_valid_label(l));
        let (commit, version, shown) = {
            let mut state = b.parameters.state.write();
            let param = state.params.get(&key).ok_or_else(|| not_found(name))?;
            let number = self.parameter_version.unwrap_or(param.head.latest);
            let target = param.versions.get(&number).ok_or_else(|| {
                ApiError::new(
                    "ParameterVersionNotFound",
                    format!(
                        "{name} has no version {number} (the newest is {})",
                        param.head.latest
                    ),
                )
            })?;
            let mut labels: BTreeSet<String> = target.labels.iter().cloned().collect();
            labels.extend(valid.iter().cloned());
            if labels.len() > rules::MAX_LABELS_PER_VERSION {
                return Err(ApiError::new(
                    "ParameterVersionLabelLimitExceeded",
                    format!(
                        "Version {number} of {name} would carry {} labels; a version can carry at \
                         most {}",
                        labels.len(),
                        rules::MAX_LABELS_PER_VERSION
                    ),
                ));
            }
            let mut param = param.clone();
            let mut changes = Vec::new();
            // A label moves: it leaves whichever version carried it.
            for v in param.versions.values_mut() {
                let before = v.labels.len();
                if v.version == number {
                    v.labels = labels.iter().cloned().collect();
                } else {
                    v.labels.retain(|l| !valid.contains(l));
                }
                if v.version == number || v.labels.len() != before {
                    changes.push(super::version_change(&key, v));
                }
            }
            let shown = param.head.name.clone();
            let commit = (!valid.is_empty()).then(|| ctx.commit(&b.store, changes));
            state.insert(key.clone(), param);
            (commit, number, shown)
        };
        if let Some(commit) = commit {
            commit.await?;
            ctx.publish(Event::ParameterChanged { name: shown });
        }
        Ok(LabelParameterVersionResult {
            invalid_labels: invalid,
            parameter_version: version,
        })
    }
}

impl Handler for UnlabelParameterVersion {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_label_count(&self.labels)?;
        let name = rules::strip_arn(&self.name);
        let key = rules::canonical(name);
        let (commit, removed, invalid, shown) = {
            let mut state = b.parameters.state.write();
            let param = state.params.get_mut(&key).ok_or_else(|| not_found(name))?;
            let latest = param.head.latest;
            let version = param
                .versions
                .get_mut(&self.parameter_version)
                .ok_or_else(|| {
                    ApiError::new(
                        "ParameterVersionNotFound",
                        format!(
                            "{name} has no version {} (the newest is {latest})",
                            self.parameter_version
                        ),
                    )
                })?;
            let (removed, invalid): (Vec<String>, Vec<String>) = self
                .labels
                .iter()
                .cloned()
                .partition(|l| version.labels.contains(l));
            version.labels.retain(|l| !removed.contains(l));
            let change = super::version_change(&key, version);
            let shown = param.head.name.clone();
            let commit = (!removed.is_empty()).then(|| ctx.commit(&b.store, vec![change]));
            (commit, removed, invalid, shown)
        };
        if let Some(commit) = commit {
            commit.await?;
            ctx.publish(Event::ParameterChanged { name: shown });
        }
        Ok(UnlabelParameterVersionResult {
            removed_labels: removed,
            invalid_labels: invalid,
        })
    }
}
