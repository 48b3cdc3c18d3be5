//! The document operations.

use std::collections::BTreeMap;
use std::ops::Bound;

use sysman_api::documents::{
    CreateDocument, CreateDocumentResult, DeleteDocument, DescribeDocument, DescribeDocumentResult,
    DocumentDefaultVersionDescription, DocumentDescription, DocumentFormat, DocumentIdentifier,
    DocumentParameter, DocumentType, DocumentVersionInfo, GetDocument, GetDocumentResult,
    ListDocumentVersions, ListDocumentVersionsResult, ListDocuments, ListDocumentsResult,
    UpdateDocument, UpdateDocumentDefaultVersion, UpdateDocumentDefaultVersionResult,
    UpdateDocumentResult, limits,
};
use sysman_api::fleet::PlatformType;
use sysman_api::messages::document as msg;
use sysman_api::{ApiError, Empty, Operation, Tag};

use super::schema::{self, ParamDef};
use super::{
    AMAZON, Doc, Head, StoredVersion, Version, bare_name, head_delete, not_found,
    parse_version_number, version_change, version_delete,
};
use crate::gate::{Ctx, Handler};
use crate::{Event, Inner, paging, validate};

/// The model's enum of document types, for the wording of a bad one.
const MODEL_TYPES: &str = "Command, Policy, Automation, Session, Package, \
     ApplicationConfiguration, ApplicationConfigurationSchema, DeploymentStrategy, ChangeCalendar, \
     Automation.ChangeTemplate, ProblemAnalysis, ProblemAnalysisTemplate, CloudFormation, \
     ConformancePackTemplate, QuickSetup, ManualApprovalPolicy, AutoApprovalPolicy";

fn is_name_text(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

pub(super) fn check_name(name: &str) -> Result<(), ApiError> {
    let len = name.len();
    if !(limits::NAME_MIN..=limits::NAME_MAX).contains(&len) || !is_name_text(name) {
        return Err(ApiError::constraint(
            "name",
            name,
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.]{3,128}$",
        ));
    }
    Ok(())
}

/// A name or ARN as the read operations take it.
fn check_name_or_arn(name: &str) -> Result<&str, ApiError> {
    let bare = bare_name(name);
    check_name(bare)?;
    Ok(bare)
}

fn check_version_name(name: Option<&str>) -> Result<(), ApiError> {
    if let Some(n) = name
        && (n.is_empty() || n.len() > limits::VERSION_NAME_MAX || !is_name_text(n))
    {
        return Err(ApiError::constraint(
            "versionName",
            n,
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.]{1,128}$",
        ));
    }
    Ok(())
}

fn check_display_name(name: Option<&str>) -> Result<(), ApiError> {
    validate::length(name, "displayName", 0, limits::DISPLAY_NAME_MAX)?;
    if let Some(n) = name
        && !n
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | ':' | '/' | ' '))
    {
        return Err(ApiError::constraint(
            "displayName",
            n,
            "Member must satisfy regular expression pattern: ^[\\w\\.\\-\\:\\/ ]*$",
        ));
    }
    Ok(())
}

fn check_target_type(target_type: Option<&str>) -> Result<(), ApiError> {
    validate::length(target_type, "targetType", 0, 200)?;
    if let Some(t) = target_type
        && !(t.starts_with('/')
            && t.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | ':' | '/')))
    {
        return Err(ApiError::constraint(
            "targetType",
            t,
            "Member must satisfy regular expression pattern: ^\\/[\\w\\.\\-\\:\\/]*$",
        ));
    }
    Ok(())
}

fn parse_format(format: Option<&str>) -> Result<Option<DocumentFormat>, ApiError> {
    format
        .map(|f| {
            DocumentFormat::parse(f).ok_or_else(|| {
                ApiError::constraint(
                    "documentFormat",
                    f,
                    "Member must satisfy enum value set: [YAML, JSON, TEXT]",
                )
            })
        })
        .transpose()
}

fn check_content(content: &str) -> Result<(), ApiError> {
    if content.is_empty() {
        return Err(ApiError::constraint(
            "content",
            "",
            "Member must have length greater than or equal to 1",
        ));
    }
    if content.len() > limits::CONTENT_MAX {
        return Err(msg::too_large());
    }
    Ok(())
}

/// The parameters a version declares, as the wire describes them.
fn wire_parameters(defs: &[ParamDef]) -> Vec<DocumentParameter> {
    defs.iter()
        .map(|d| DocumentParameter {
            name: d.name.clone(),
            r#type: format!("{:?}", d.kind),
            description: d.description.clone(),
            default_value: d.default.as_ref().map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
        })
        .collect()
}

fn description(doc: &Doc, version: &Version) -> DocumentDescription {
    DocumentDescription {
        hash: version.hash.clone(),
        hash_type: "Sha256".to_owned(),
        name: doc.head.name.clone(),
        display_name: version.stored.display_name.clone(),
        version_name: version.stored.version_name.clone(),
        owner: doc.owner.clone(),
        created_date: version.stored.created,
        status: "Active".to_owned(),
        document_version: version.stored.version.to_string(),
        description: version.command.description.clone(),
        parameters: wire_parameters(&version.command.parameters),
        platform_types: version.command.platform_types(),
        document_type: doc.head.document_type,
        schema_version: version.command.schema_version.clone(),
        latest_version: doc.latest().stored.version.to_string(),
        default_version: doc.head.default_version.to_string(),
        document_format: version.stored.format,
        tags: doc.head.tags.clone(),
        review_status: super::reviews::status(&version.stored),
        approved_version: super::reviews::approved_version(doc),
        pending_review_version: super::reviews::pending_version(doc),
    }
}

/// Refuses the names AWS reserves for its own documents.
fn check_not_reserved(name: &str) -> Result<(), ApiError> {
    let lower = name.to_ascii_lowercase();
    if ["aws", "amazon", "amzn"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Err(msg::reserved_name());
    }
    Ok(())
}

fn check_type(document_type: Option<&str>) -> Result<DocumentType, ApiError> {
    let Some(t) = document_type else {
        return Ok(DocumentType::Command);
    };
    match DocumentType::parse(t) {
        Some(DocumentType::Command) => Ok(DocumentType::Command),
        _ if MODEL_TYPES.split(", ").any(|m| m.trim() == t) => Err(msg::unsupported_type(t)),
        _ => Err(ApiError::constraint(
            "documentType",
            t,
            &format!("Member must satisfy enum value set: [{MODEL_TYPES}]"),
        )),
    }
}

impl Handler for CreateDocument {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_name(&self.name)?;
        check_not_reserved(&self.name)?;
        check_version_name(self.version_name.as_deref())?;
        check_display_name(self.display_name.as_deref())?;
        check_target_type(self.target_type.as_deref())?;
        let document_type = check_type(self.document_type.as_deref())?;
        let format = parse_format(self.document_format.as_deref())?.unwrap_or(DocumentFormat::Json);
        let tags = self.tags.clone().unwrap_or_default();
        validate::tags(&tags, "tags")?;
        if tags.len() > validate::MAX_TAGS_PER_RESOURCE {
            return Err(sysman_api::messages::tag::too_many(
                validate::MAX_TAGS_PER_RESOURCE,
            ));
        }
        check_content(&self.content)?;
        let version = Version::check(StoredVersion {
            version: 1,
            version_name: self.version_name.clone(),
            display_name: self.display_name.clone(),
            format,
            content: self.content.clone(),
            created: ctx.now,
            reviews: Vec::new(),
        })?;

        let (commit, result) = {
            let mut docs = b.documents.state.write();
            if docs.contains_key(&self.name) {
                return Err(msg::already_exists());
            }
            let own = docs.values().filter(|d| !d.is_builtin()).count();
            if own >= b.documents.limit {
                return Err(msg::too_many(b.documents.limit));
            }
            let mut sorted_tags = tags;
            sorted_tags.sort();
            let doc = Doc {
                owner: b.settings.account_id.clone(),
                head: Head {
                    name: self.name.clone(),
                    document_type,
                    created: ctx.now,
                    last_number: 1,
                    default_version: 1,
                    target_type: self.target_type.clone(),
                    tags: sorted_tags,
                    shares: Vec::new(),
                },
                versions: BTreeMap::from([(1, version)]),
            };
            let changes = vec![
                doc.head_change(),
                version_change(&self.name, &doc.latest().stored),
            ];
            let result = description(&doc, doc.latest());
            docs.insert(self.name.clone(), doc);
            (ctx.commit(&b.store, changes), result)
        };
        commit.await?;
        ctx.publish(Event::DocumentChanged { name: self.name });
        Ok(CreateDocumentResult {
            document_description: result,
        })
    }
}

pub(super) fn check_selector(version: Option<&str>, name: Option<&str>) -> Result<(), ApiError> {
    if let Some(v) = version
        && v != "$LATEST"
        && v != "$DEFAULT"
    {
        parse_version_number(v, "documentVersion")?;
    }
    check_version_name(name)
}

impl Handler for GetDocument {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let name = check_name_or_arn(&self.name)?;
        check_selector(
            self.document_version.as_deref(),
            self.version_name.as_deref(),
        )?;
        let wanted = parse_format(self.document_format.as_deref())?;
        let docs = b.documents.state.read();
        let doc = docs.get(name).ok_or_else(|| not_found(name))?;
        let version = doc.select(
            self.document_version.as_deref(),
            self.version_name.as_deref(),
        )?;
        let format = wanted.unwrap_or(version.stored.format);
        let content = if format == version.stored.format {
            version.stored.content.clone()
        } else {
            schema::render(&version.parsed, super::schema_format(format)?)
        };
        Ok(GetDocumentResult {
            name: doc.head.name.clone(),
            created_date: version.stored.created,
            display_name: version.stored.display_name.clone(),
            version_name: version.stored.version_name.clone(),
            document_version: version.stored.version.to_string(),
            status: "Active".to_owned(),
            content,
            document_type: doc.head.document_type,
            document_format: format,
        })
    }
}

impl Handler for DescribeDocument {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let name = check_name_or_arn(&self.name)?;
        check_selector(
            self.document_version.as_deref(),
            self.version_name.as_deref(),
        )?;
        let docs = b.documents.state.read();
        let doc = docs.get(name).ok_or_else(|| not_found(name))?;
        let version = doc.select(
            self.document_version.as_deref(),
            self.version_name.as_deref(),
        )?;
        Ok(DescribeDocumentResult {
            document: description(doc, version),
        })
    }
}

/// One condition of ListDocuments, from either filter form.
enum Filter {
    /// `Self`/`Private`: this account's; `Amazon`: built-in; `All`: any.
    Owner(Vec<String>),
    Type(Vec<DocumentType>),
    /// Names that begin with one of these.
    NamePrefix(Vec<String>),
    Platform(Vec<PlatformType>),
    /// `tag:Key` with values (any of them), or any value when none given.
    Tag(String, Vec<String>),
    /// Words the name or description contains, ignoring case.
    Keyword(Vec<String>),
}

impl Filter {
    fn parse(key: &str, values: Vec<String>) -> Result<Filter, ApiError> {
        if values.is_empty() && !key.starts_with("tag:") {
            return Err(msg::filter_values_missing(key));
        }
        Ok(match key {
            "Owner" => {
                for v in &values {
                    if !["Self", "Private", "Amazon", "All", "Public", "ThirdParty"]
                        .contains(&v.as_str())
                    {
                        return Err(msg::filter_value_not_valid(
                            key,
                            v,
                            "[Self, Private, Amazon, All, Public, ThirdParty]",
                        ));
                    }
                }
                Filter::Owner(values)
            }
            "DocumentType" => Filter::Type(
                values
                    .iter()
                    .map(|v| {
                        DocumentType::parse(v).ok_or_else(|| {
                            msg::filter_value_not_valid(
                                key,
                                v,
                                &format!("[{}]", DocumentType::ALL.map(|t| t.as_str()).join(", ")),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "Name" => Filter::NamePrefix(values),
            "PlatformTypes" => Filter::Platform(
                values
                    .iter()
                    .map(|v| {
                        PlatformType::parse(v).ok_or_else(|| {
                            msg::filter_value_not_valid(key, v, "[Windows, Linux, MacOS]")
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "SearchKeyword" => Filter::Keyword(values.iter().map(|v| v.to_lowercase()).collect()),
            key if key.starts_with("tag:") && key.len() > 4 => {
                Filter::Tag(key["tag:".len()..].to_owned(), values)
            }
            other => return Err(msg::filter_key_not_valid(other)),
        })
    }

    fn matches(&self, doc: &Doc, account_id: &str) -> bool {
        match self {
            Filter::Owner(owners) => owners.iter().any(|o| match o.as_str() {
                "All" => true,
                "Amazon" => doc.owner == AMAZON,
                "Self" | "Private" => doc.owner == account_id,
                _ => false,
            }),
            Filter::Type(types) => types.contains(&doc.head.document_type),
            Filter::NamePrefix(prefixes) => prefixes.iter().any(|p| doc.head.name.starts_with(p)),
            Filter::Platform(platforms) => {
                let own = doc.default().command.platform_types();
                platforms.iter().any(|p| own.contains(p))
            }
            Filter::Tag(key, values) => {
                doc.head.tags.iter().any(|t: &Tag| {
                    &t.key == key && (values.is_empty() || values.contains(&t.value))
                })
            }
            Filter::Keyword(words) => {
                let name = doc.head.name.to_lowercase();
                let text = doc
                    .default()
                    .command
                    .description
                    .as_deref()
                    .unwrap_or_default()
                    .to_lowercase();
                words.iter().all(|w| name.contains(w) || text.contains(w))
            }
        }
    }
}

impl Handler for ListDocuments {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, limits::LIST_MAX_RESULTS, 50)?;
        let mut filters = Vec::new();
        if let Some(list) = &self.document_filter_list {
            validate::count(list.len(), "documentFilterList", 1, usize::MAX)?;
            for f in list {
                if !["Name", "Owner", "PlatformTypes", "DocumentType"].contains(&f.key.as_str()) {
                    return Err(ApiError::constraint(
                        "documentFilterList.member.key",
                        &f.key,
                        "Member must satisfy enum value set: [Name, Owner, PlatformTypes, \
                         DocumentType]",
                    ));
                }
                filters.push(Filter::parse(&f.key, vec![f.value.clone()])?);
            }
        }
        if let Some(list) = &self.filters {
            validate::count(list.len(), "filters", 0, limits::KEY_VALUES_FILTERS_MAX)?;
            for f in list {
                validate::length(Some(&f.key), "filters.member.key", 1, 128)?;
                filters.push(Filter::parse(&f.key, f.values.clone())?);
            }
        }
        let scope = (&self.document_filter_list, &self.filters);
        let start = b
            .pager
            .start(Self::NAME, &scope, self.next_token.as_deref())?;
        let docs = b.documents.state.read();
        let (page, more) =
            paging::collect(docs.range::<str, _>(start.range()), limit, |(name, doc)| {
                filters
                    .iter()
                    .all(|f| f.matches(doc, &b.settings.account_id))
                    .then(|| (name.clone(), identifier(doc)))
            });
        let next_token = match page.last() {
            Some((name, _)) if more => Some(b.pager.issue(Self::NAME, &scope, name)),
            _ => None,
        };
        Ok(ListDocumentsResult {
            document_identifiers: page.into_iter().map(|(_, d)| d).collect(),
            next_token,
        })
    }
}

fn identifier(doc: &Doc) -> DocumentIdentifier {
    let version = doc.default();
    DocumentIdentifier {
        name: doc.head.name.clone(),
        created_date: doc.head.created,
        display_name: version.stored.display_name.clone(),
        owner: doc.owner.clone(),
        version_name: version.stored.version_name.clone(),
        platform_types: version.command.platform_types(),
        document_version: version.stored.version.to_string(),
        document_type: doc.head.document_type,
        schema_version: version.command.schema_version.clone(),
        document_format: version.stored.format,
        tags: doc.head.tags.clone(),
        review_status: super::reviews::status(&version.stored),
    }
}

impl Handler for ListDocumentVersions {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let name = check_name_or_arn(&self.name)?;
        let limit = validate::max_results(self.max_results, 1, limits::LIST_MAX_RESULTS, 50)?;
        let start = b
            .pager
            .start(Self::NAME, &name, self.next_token.as_deref())?;
        let after = match start.range().0 {
            Bound::Excluded(v) => v.parse::<i64>().ok(),
            _ => None,
        };
        let docs = b.documents.state.read();
        let doc = docs.get(name).ok_or_else(|| not_found(name))?;
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        let (page, more) = paging::collect(
            doc.versions.range((from, Bound::Unbounded)),
            limit,
            |(number, v)| {
                Some((
                    *number,
                    DocumentVersionInfo {
                        name: doc.head.name.clone(),
                        display_name: v.stored.display_name.clone(),
                        document_version: number.to_string(),
                        version_name: v.stored.version_name.clone(),
                        created_date: v.stored.created,
                        is_default_version: *number == doc.head.default_version,
                        document_format: v.stored.format,
                        status: "Active".to_owned(),
                    },
                ))
            },
        );
        let next_token = match page.last() {
            Some((number, _)) if more => {
                Some(b.pager.issue(Self::NAME, &name, &number.to_string()))
            }
            _ => None,
        };
        Ok(ListDocumentVersionsResult {
            document_versions: page.into_iter().map(|(_, v)| v).collect(),
            next_token,
        })
    }
}

pub(super) fn owned_by_amazon(_name: &str) -> ApiError {
    msg::owned_by_amazon()
}

impl Handler for UpdateDocument {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_name(&self.name)?;
        check_version_name(self.version_name.as_deref())?;
        check_display_name(self.display_name.as_deref())?;
        check_target_type(self.target_type.as_deref())?;
        if let Some(v) = self.document_version.as_deref()
            && v != "$LATEST"
        {
            if v == "$DEFAULT" {
                return Err(msg::latest_or_number(v));
            }
            parse_version_number(v, "documentVersion")?;
        }
        let format = parse_format(self.document_format.as_deref())?.unwrap_or(DocumentFormat::Json);
        check_content(&self.content)?;

        let (commit, result) = {
            let mut docs = b.documents.state.write();
            let doc = docs
                .get_mut(&self.name)
                .ok_or_else(|| not_found(&self.name))?;
            if doc.is_builtin() {
                return Err(owned_by_amazon(&self.name));
            }
            let latest = doc.latest().stored.version;
            if let Some(v) = self.document_version.as_deref()
                && v != "$LATEST"
                && v != latest.to_string()
            {
                return Err(msg::invalid_version());
            }
            if doc.versions.len() >= limits::VERSIONS_MAX {
                return Err(msg::too_many_versions());
            }
            if let Some(name) = self.version_name.as_deref()
                && doc
                    .versions
                    .values()
                    .any(|v| v.stored.version_name.as_deref() == Some(name))
            {
                return Err(msg::version_name_taken());
            }
            let number = doc.head.last_number + 1;
            let version = Version::check(StoredVersion {
                version: number,
                version_name: self.version_name.clone(),
                display_name: self
                    .display_name
                    .clone()
                    .or_else(|| doc.latest().stored.display_name.clone()),
                format,
                content: self.content.clone(),
                created: ctx.now,
                reviews: Vec::new(),
            })?;
            if doc.versions.values().any(|v| v.hash == version.hash) {
                return Err(msg::same_content());
            }
            doc.head.last_number = number;
            if self.target_type.is_some() {
                doc.head.target_type = self.target_type.clone();
            }
            let changes = vec![
                doc.head_change(),
                version_change(&self.name, &version.stored),
            ];
            doc.versions.insert(number, version);
            let result = description(doc, doc.latest());
            (ctx.commit(&b.store, changes), result)
        };
        commit.await?;
        ctx.publish(Event::DocumentChanged { name: self.name });
        Ok(UpdateDocumentResult {
            document_description: result,
        })
    }
}

impl Handler for UpdateDocumentDefaultVersion {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_name(&self.name)?;
        let number = parse_version_number(&self.document_version, "documentVersion")?;
        let (commit, result) = {
            let mut docs = b.documents.state.write();
            let doc = docs
                .get_mut(&self.name)
                .ok_or_else(|| not_found(&self.name))?;
            if doc.is_builtin() {
                return Err(owned_by_amazon(&self.name));
            }
            let version_name = doc
                .select(Some(&self.document_version), None)?
                .stored
                .version_name
                .clone();
            doc.head.default_version = number;
            (
                ctx.commit(&b.store, vec![doc.head_change()]),
                DocumentDefaultVersionDescription {
                    name: doc.head.name.clone(),
                    default_version: number.to_string(),
                    default_version_name: version_name,
                },
            )
        };
        commit.await?;
        ctx.publish(Event::DocumentChanged { name: self.name });
        Ok(UpdateDocumentDefaultVersionResult {
            description: result,
        })
    }
}

impl Handler for DeleteDocument {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_name(&self.name)?;
        check_selector(
            self.document_version.as_deref(),
            self.version_name.as_deref(),
        )?;
        let (commit, whole) = {
            let mut docs = b.documents.state.write();
            let doc = docs
                .get_mut(&self.name)
                .ok_or_else(|| not_found(&self.name))?;
            if doc.is_builtin() {
                return Err(owned_by_amazon(&self.name));
            }
            if self.document_version.is_none() && self.version_name.is_none() {
                let mut changes: Vec<_> = doc
                    .versions
                    .keys()
                    .map(|v| version_delete(&self.name, *v))
                    .collect();
                changes.push(head_delete(&self.name));
                docs.remove(&self.name);
                (ctx.commit(&b.store, changes), true)
            } else {
                let number = doc
                    .select(
                        self.document_version.as_deref(),
                        self.version_name.as_deref(),
                    )?
                    .stored
                    .version;
                if number == doc.head.default_version {
                    return Err(msg::default_version_kept());
                }
                doc.versions.remove(&number);
                (
                    ctx.commit(&b.store, vec![version_delete(&self.name, number)]),
                    false,
                )
            }
        };
        commit.await?;
        ctx.publish(if whole {
            Event::DocumentDeleted { name: self.name }
        } else {
            Event::DocumentChanged { name: self.name }
        });
        Ok(Empty {})
    }
}
