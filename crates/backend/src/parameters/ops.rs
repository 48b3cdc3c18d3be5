//! The Parameter Store operations.

use std::collections::BTreeSet;
use std::ops::Bound;

use regex::Regex;
use sysman_api::messages::parameter as msg;
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

impl Inner {
    pub(super) fn parameter_arn(&self, name: &str) -> String {
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
fn select<'p>(param: &'p Param, name: &str, selector: &Selector) -> Result<&'p Version, ApiError> {
    match selector {
        Selector::Latest => Ok(param.current()),
        Selector::Version(n) => param
            .versions
            .get(n)
            .ok_or_else(|| msg::version_not_found(name, n)),
        Selector::Label(label) => param
            .versions
            .values()
            .find(|v| v.labels.contains(label))
            .ok_or_else(|| msg::version_not_found(name, label)),
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
    let param = state.params.get(&key).ok_or_else(|| msg::not_found(name))?;
    let version = select(param, name, &selector)?;
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
            Some(t) => Some(ParameterType::parse(t).ok_or_else(|| msg::unknown_type(t))?),
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
            return Err(msg::unsupported_data_type(data_type));
        }
        if self.value.is_empty() {
            return Err(ApiError::constraint(
                "value",
                "",
                "Member must have length greater than or equal to 1",
            ));
        }
        if self.value.contains("{{") && self.value.contains("}}") {
            return Err(msg::reference_in_value());
        }

        // AWS takes an empty Policies as no policies given.
        let new_policies = match self.policies.as_deref().filter(|p| !p.is_empty()) {
            Some(text) => {
                validate::length(Some(text), "policies", 1, 4096)?;
                Some(super::policies::parse(text, ctx.now)?)
            }
            None => None,
        };
        let overwrite = self.overwrite.unwrap_or(false);
        let tags = self.tags.clone().unwrap_or_default();
        if overwrite && !tags.is_empty() {
            return Err(msg::tags_with_overwrite());
        }
        validate::tags(&tags, "tags")?;
        if tags.len() > validate::MAX_TAGS_PER_RESOURCE {
            return Err(sysman_api::messages::tag::too_many(
                validate::MAX_TAGS_PER_RESOURCE,
            ));
        }
        if let Some(pattern) = self.allowed_pattern.as_deref() {
            compile_pattern(pattern)?;
        }
        let value_len = self.value.len();
        if value_len > rules::ADVANCED_VALUE_MAX {
            return Err(msg::value_too_long(rules::ADVANCED_VALUE_MAX));
        }

        let modified_by = ctx.caller.arn(&b.settings.account_id);
        let (commit, name, version, tier, earliest) = {
            let mut state = b.parameters.state.write();
            let existing = state.params.get(&key);
            if existing.is_some() && !overwrite {
                return Err(msg::already_exists());
            }
            let current = existing.map(Param::current);
            let kind = match (requested_type, current) {
                (Some(t), Some(cur)) if t.as_str() != cur.kind && key.contains('/') => {
                    return Err(msg::hierarchy_type_mismatch());
                }
                (Some(t), _) => t,
                (None, Some(cur)) => parse_type(&cur.kind),
                (None, None) => {
                    return Err(msg::type_required());
                }
            };
            let data_type = check_data_type(
                self.data_type.as_deref(),
                current.map(|c| c.data_type.as_str()),
                kind,
                &self.value,
            )?;
            if self.key_id.is_some() && kind != ParameterType::SecureString {
                return Err(msg::key_id_not_secure());
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
                return Err(msg::pattern_mismatch(pattern));
            }
            // A new parameter, or one moving to Advanced, takes a place on its tier.
            let moving = current.is_none_or(|c| c.tier != tier.as_str());
            if moving
                && (tier == ParameterTier::Standard && standard >= limits.max_standard
                    || tier == ParameterTier::Advanced && advanced >= limits.max_advanced)
            {
                return Err(msg::limit_exceeded());
            }
            let mut changes: Vec<Change> = Vec::new();
            // Everything is checked on the borrowed parameter; its history of
            // up to 100 versions is edited in place, never copied.
            let dropped = match existing {
                Some(param) if param.versions.len() >= rules::MAX_VERSIONS => {
                    let oldest = param.versions.values().next().expect("a full history");
                    if !oldest.labels.is_empty() {
                        return Err(msg::oldest_version_labelled(&self.name, oldest.version));
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
                    shares: Vec::new(),
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
        return Err(msg::data_type_change());
    }
    match (data_type, kind) {
        ("aws:ec2:image", ParameterType::String) => {
            if !is_ami_id(value) {
                // The value is not echoed: it might be someone's secret.
                return Err(msg::not_an_image_id());
            }
        }
        ("aws:ec2:image", _) => return Err(msg::data_type_needs_type("aws:ec2:image", "String")),
        ("aws:ssm:integration", ParameterType::SecureString) | ("text", _) => {}
        (_, _) => {
            return Err(msg::data_type_needs_type(
                "aws:ssm:integration",
                "SecureString",
            ));
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
    Regex::new(pattern).map_err(|_| msg::invalid_allowed_pattern(pattern))
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
        return Err(msg::policies_need_advanced());
    }
    let needs_advanced = value_len > rules::STANDARD_VALUE_MAX || has_policies;
    match requested {
        Some(ParameterTier::Standard) if advanced_now => Err(msg::no_downgrade_to_standard()),
        Some(ParameterTier::Standard) | None if needs_advanced && !advanced_now => {
            Err(if value_len > rules::STANDARD_VALUE_MAX {
                msg::standard_value_too_long()
            } else {
                msg::policies_need_advanced()
            })
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
        return Err(msg::no_such_key(reference));
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

/// Refuses to decrypt `v` for a caller of another account. A shared
/// SecureString may be read, but on AWS its key must be shared as well, and
/// sysman's keys have no key policy to share them by, so no other account
/// may use one: IAM's words for the kms:Decrypt that is not allowed.
fn check_decrypt(b: &Inner, ctx: &Ctx, v: &Version, decrypt: bool) -> Result<(), ApiError> {
    if !decrypt
        || ctx.caller_account == b.settings.account_id
        || !matches!(v.value, StoredValue::Sealed(_))
    {
        return Ok(());
    }
    let key = v.key_id.as_deref().unwrap_or(kms::DEFAULT_ALIAS);
    let key_arn = b.kms.find(key).map_or_else(|| key.to_owned(), |k| k.arn);
    Err(sysman_api::messages::resource_policy::cross_account_denied(
        &ctx.caller.arn(&ctx.caller_account),
        "kms:Decrypt",
        &key_arn,
    ))
}

impl Handler for GetParameter {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let state = b.parameters.state.read();
        let (key, param, version, selector) = lookup(&state, &self.name)?;
        let decrypt = self.with_decryption.unwrap_or(false);
        check_decrypt(b, ctx, version, decrypt)?;
        Ok(GetParameterResult {
            parameter: b.parameter(&key, param, version, selector, decrypt)?,
        })
    }
}

fn check_names(names: &[String]) -> Result<(), ApiError> {
    validate::count(names.len(), "names", 1, 10)
}

impl Handler for GetParameters {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_names(&self.names)?;
        let decrypt = self.with_decryption.unwrap_or(false);
        let state = b.parameters.state.read();
        let mut parameters = Vec::new();
        let mut invalid = Vec::new();
        let mut asked = BTreeSet::new();
        // A name asked for twice is answered once, as AWS does.
        for raw in self.names.iter().filter(|n| asked.insert(n.as_str())) {
            match lookup(&state, raw) {
                Ok((key, param, version, selector)) => {
                    check_decrypt(b, ctx, version, decrypt)?;
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

/// The filter keys an operation takes, and how AWS lists them when it
/// refuses another.
struct FilterKeys {
    allowed: &'static [&'static str],
    listed: &'static str,
}

const DESCRIBE_KEYS: FilterKeys = FilterKeys {
    allowed: &["Name", "Type", "KeyId", "Path", "Tier", "DataType", "tag:"],
    listed: "[Path, Name, Type, KeyId, Tier]",
};

const BY_PATH_KEYS: FilterKeys = FilterKeys {
    allowed: &["Type", "KeyId", "Label"],
    listed: "[Type, KeyId]",
};

/// The service model's pattern for a ParameterStringFilter key.
fn is_model_filter_key(key: &str) -> bool {
    matches!(
        key,
        "Name" | "Type" | "KeyId" | "Path" | "Label" | "Tier" | "DataType"
    ) || key.strip_prefix("tag:").is_some_and(|k| !k.is_empty())
}

/// Whether `path` is formed as a path: `/`, then levels of letters,
/// digits, `.`, `-` and `_`.
fn is_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains("//")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
}

fn check_filters(
    filters: &[ParameterStringFilter],
    keys: &FilterKeys,
) -> Result<Vec<Filter>, ApiError> {
    let mut checked: Vec<Filter> = Vec::new();
    for (i, f) in filters.iter().enumerate() {
        let key = f.key.as_str();
        let at = format!("parameterFilters.{}.member", i + 1);
        if key.chars().count() > 132 {
            return Err(ApiError::constraint(
                &format!("{at}.key"),
                key,
                "Member must have length less than or equal to 132",
            ));
        }
        if !is_model_filter_key(key) {
            return Err(ApiError::constraint(
                &format!("{at}.key"),
                key,
                "Member must satisfy regular expression pattern: \
                 tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType",
            ));
        }
        let is_tag = key.starts_with("tag:");
        if !(keys.allowed.contains(&key) || is_tag && keys.allowed.contains(&"tag:")) {
            return Err(msg::filter_key_not_valid(key, keys.listed));
        }
        let values = f.values.clone().unwrap_or_default();
        if values.is_empty() && !is_tag {
            return Err(msg::filter_values_missing(key));
        }
        if checked.iter().any(|c| c.key == key) {
            return Err(msg::filter_key_twice(key));
        }
        if values.len() > 50 {
            return Err(ApiError::constraint(
                &format!("{at}.values"),
                format!("[{}]", values.join(", ")),
                "Member must have length less than or equal to 50",
            ));
        }
        if let Some(bad) = values
            .iter()
            .find(|v| v.is_empty() || v.chars().count() > 1024)
        {
            return Err(ApiError::constraint(
                &format!("{at}.values"),
                bad,
                "[Member must have length less than or equal to 1024, Member must have length \
                 greater than or equal to 1]",
            ));
        }
        let (default_option, options, listed): (&str, &[&str], &str) = match key {
            "Path" => (
                "OneLevel",
                &["Recursive", "OneLevel"],
                "[Recursive, OneLevel]",
            ),
            "Name" => (
                "Equals",
                &["Equals", "BeginsWith", "Contains"],
                "[BeginsWith, Equals, Contains]",
            ),
            "Label" => ("Equals", &["Equals"], "[Equals]"),
            _ => ("Equals", &["Equals", "BeginsWith"], "[BeginsWith, Equals]"),
        };
        let option = f.option.as_deref().unwrap_or(default_option);
        if option.chars().count() > 10 {
            return Err(ApiError::constraint(
                &format!("{at}.option"),
                option,
                "Member must have length less than or equal to 10",
            ));
        }
        if !options.contains(&option) {
            return Err(msg::filter_option_not_valid(option, listed));
        }
        let valid_values: Option<(&[&str], &str)> = match key {
            "Type" => Some((
                &["String", "StringList", "SecureString"],
                "[String, StringList, SecureString]",
            )),
            "Tier" => Some((
                &["Standard", "Advanced", "Intelligent-Tiering"],
                "[Standard, Advanced, Intelligent-Tiering]",
            )),
            _ => None,
        };
        if let Some((valid, listed)) = valid_values
            && let Some(bad) = values.iter().find(|v| !valid.contains(&v.as_str()))
        {
            return Err(msg::filter_value_not_valid(bad, listed));
        }
        if key == "Path" {
            for path in &values {
                let lower = path.to_ascii_lowercase();
                if lower.starts_with("/aws") || lower.starts_with("/ssm") {
                    return Err(msg::path_filter_reserved());
                }
                if !is_path(path) {
                    return Err(msg::invalid_path());
                }
            }
        }
        checked.push(Filter {
            key: key.to_owned(),
            option: option.to_owned(),
            values,
        });
    }
    Ok(checked)
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
        if !is_path(&self.path) {
            return Err(msg::invalid_path());
        }
        let filters = check_filters(
            self.parameter_filters.as_deref().unwrap_or_default(),
            &BY_PATH_KEYS,
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
        // AWS's page is 10 items unless MaxResults says otherwise.
        let limit = validate::max_results(self.max_results, 1, 50, 10)?;
        if self.filters.as_ref().is_some_and(|f| !f.is_empty())
            && self
                .parameter_filters
                .as_ref()
                .is_some_and(|f| !f.is_empty())
        {
            return Err(msg::filters_and_parameter_filters());
        }
        let mut filters = check_filters(
            self.parameter_filters.as_deref().unwrap_or_default(),
            &DESCRIBE_KEYS,
        )?;
        for (i, legacy) in self.filters.iter().flatten().enumerate() {
            if !matches!(legacy.key.as_str(), "Name" | "Type" | "KeyId") {
                return Err(ApiError::constraint(
                    &format!("filters.{}.member.key", i + 1),
                    &legacy.key,
                    "Member must satisfy enum value set: [Name, Type, KeyId]",
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
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
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
        let param = state.params.get(&key).ok_or_else(|| msg::not_found(name))?;
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut failure = None;
        let (history, more) = paging::collect(
            param
                .versions
                .range((from, Bound::Unbounded))
                .map(|(_, v)| v),
            limit,
            |v| match check_decrypt(b, ctx, v, decrypt).and_then(|()| b.reveal(&key, v, decrypt)) {
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
            let (shown, changes) = remove(&mut state, &key).ok_or_else(|| msg::not_found(name))?;
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
        if let Some(long) = self.labels.iter().find(|l| l.chars().count() > 100) {
            return Err(ApiError::constraint(
                "labels",
                format!("[{long}]"),
                "Member must satisfy constraint: [Member must have length less than or equal \
                 to 100, Member must have length greater than or equal to 1]",
            ));
        }
        let name = rules::strip_arn(&self.name);
        let key = rules::canonical(name);
        let (valid, invalid): (Vec<String>, Vec<String>) = self
            .labels
            .iter()
            .cloned()
            .partition(|l| rules::is_valid_label(l));
        let (commit, version, shown) = {
            let mut state = b.parameters.state.write();
            let param = state.params.get(&key).ok_or_else(|| msg::not_found(name))?;
            let number = self.parameter_version.unwrap_or(param.head.latest);
            let target = param
                .versions
                .get(&number)
                .ok_or_else(|| msg::version_not_found(name, number))?;
            let mut labels: BTreeSet<String> = target.labels.iter().cloned().collect();
            labels.extend(valid.iter().cloned());
            if labels.len() > rules::MAX_LABELS_PER_VERSION {
                return Err(msg::label_limit());
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
            let param = state
                .params
                .get_mut(&key)
                .ok_or_else(|| msg::not_found(name))?;
            let version = param
                .versions
                .get_mut(&self.parameter_version)
                .ok_or_else(|| msg::version_not_found(name, self.parameter_version))?;
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
