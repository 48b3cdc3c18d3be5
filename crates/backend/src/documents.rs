//! SSM documents: Command documents with versions, a default version and
//! tags, and the built-in documents owned by `Amazon`.
//!
//! Each document is a head record (name, owner, type, default and tags) and
//! one record per version holding the content exactly as it was given. The
//! parsed, checked form of every version is kept in memory beside it, so
//! Run Command never parses a document twice.

mod builtin;
mod ops;
mod reviews;
pub(crate) mod schema;
mod sharing;

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sysman_api::documents::{DocumentFormat, DocumentType};
use sysman_api::messages::document as msg;
use sysman_api::{ApiError, Tag, Timestamp};

use crate::capability::{Capability, Settings, Source};
use crate::gate::Ctx;
use crate::store::{Change, Snapshot};
use crate::{Event, Inner};

const HEAD_KIND: &str = "document";
const VERSION_KIND: &str = "document_version";

/// The owner of the built-in documents.
pub(crate) const AMAZON: &str = "Amazon";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Head {
    pub name: String,
    pub document_type: DocumentType,
    pub created: Timestamp,
    /// The number the newest version got; numbers are never reused.
    pub last_number: i64,
    pub default_version: i64,
    pub target_type: Option<String>,
    pub tags: Vec<Tag>,
    /// The accounts it is shared with, in the order they were added, or
    /// `all` alone when it is public.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<sharing::Share>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredVersion {
    pub version: i64,
    pub version_name: Option<String>,
    pub display_name: Option<String>,
    pub format: DocumentFormat,
    /// The content exactly as given.
    pub content: String,
    pub created: Timestamp,
    /// Its review, step by step, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<reviews::ReviewStep>,
}

/// One version with its checked form.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub stored: StoredVersion,
    /// SHA-256 of the content, in hex.
    pub hash: String,
    pub parsed: Arc<serde_json::Value>,
    pub command: Arc<schema::CommandDoc>,
}

impl Version {
    /// Checks `stored` and keeps its parsed form.
    pub fn check(stored: StoredVersion) -> Result<Version, ApiError> {
        let format = schema_format(stored.format)?;
        let parsed = schema::parse(&stored.content, format)?;
        let command = schema::command_doc(&parsed)?;
        Ok(Version {
            hash: hex::encode(Sha256::digest(stored.content.as_bytes())),
            stored,
            parsed: Arc::new(parsed),
            command: Arc::new(command),
        })
    }
}

/// The parser's format for a wire format; TEXT is not a Command format.
pub(crate) fn schema_format(format: DocumentFormat) -> Result<schema::Format, ApiError> {
    match format {
        DocumentFormat::Json => Ok(schema::Format::Json),
        DocumentFormat::Yaml => Ok(schema::Format::Yaml),
        DocumentFormat::Text => Err(msg::text_command()),
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Doc {
    /// `Amazon`, or the account id for documents created here.
    pub owner: String,
    pub head: Head,
    pub versions: BTreeMap<i64, Version>,
}

impl Doc {
    pub fn latest(&self) -> &Version {
        self.versions
            .values()
            .next_back()
            .expect("a document always has a version")
    }

    pub fn default(&self) -> &Version {
        self.versions
            .get(&self.head.default_version)
            .unwrap_or_else(|| self.latest())
    }

    pub fn is_builtin(&self) -> bool {
        self.owner == AMAZON
    }

    /// The version a request names by number (`$LATEST`, `$DEFAULT`) or by
    /// version name; the default version when it names none.
    pub fn select(
        &self,
        document_version: Option<&str>,
        version_name: Option<&str>,
    ) -> Result<&Version, ApiError> {
        let by_number = match document_version {
            None => None,
            Some("$LATEST") => Some(self.latest()),
            Some("$DEFAULT") => Some(self.default()),
            Some(v) => {
                let number = parse_version_number(v, "documentVersion")?;
                Some(
                    self.versions
                        .get(&number)
                        .ok_or_else(msg::invalid_version)?,
                )
            }
        };
        let by_name = match version_name {
            None => None,
            Some(name) => Some(
                self.versions
                    .values()
                    .find(|v| v.stored.version_name.as_deref() == Some(name))
                    .ok_or_else(msg::invalid_version)?,
            ),
        };
        match (by_number, by_name) {
            (Some(a), Some(b)) if a.stored.version != b.stored.version => {
                Err(msg::invalid_version())
            }
            (Some(v), _) | (None, Some(v)) => Ok(v),
            (None, None) => Ok(self.default()),
        }
    }

    fn head_change(&self) -> Change {
        Change::Put {
            kind: HEAD_KIND,
            id: self.head.name.clone(),
            body: serde_json::to_string(&self.head).unwrap_or_default(),
        }
    }
}

/// `^[1-9][0-9]*$` as a number. `$LATEST` and `$DEFAULT` match the
/// model's pattern, so where only a number will do the message says so.
pub(crate) fn parse_version_number(v: &str, field: &str) -> Result<i64, ApiError> {
    if v == "$LATEST" || v == "$DEFAULT" {
        return Err(msg::number_required(field, v));
    }
    if v.starts_with('0') || v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::constraint(
            field,
            v,
            "Member must satisfy regular expression pattern: ([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)",
        ));
    }
    v.parse().map_err(|_| msg::invalid_version())
}

fn version_id(name: &str, version: i64) -> String {
    // '#' cannot appear in a document name.
    format!("{name}#{version:010}")
}

fn version_change(name: &str, version: &StoredVersion) -> Change {
    Change::Put {
        kind: VERSION_KIND,
        id: version_id(name, version.version),
        body: serde_json::to_string(version).unwrap_or_default(),
    }
}

fn head_delete(name: &str) -> Change {
    Change::Delete {
        kind: HEAD_KIND,
        id: name.to_owned(),
    }
}

fn version_delete(name: &str, version: i64) -> Change {
    Change::Delete {
        kind: VERSION_KIND,
        id: version_id(name, version),
    }
}

/// Documents by name, the built-in ones among them.
pub(crate) struct Documents {
    state: RwLock<BTreeMap<String, Doc>>,
    /// How many documents an account may create (AWS: 500).
    pub limit: usize,
}

impl Capability for Documents {
    fn load(from: &Source<'_>) -> Result<Documents, String> {
        Documents::from_records(from.snapshot, &from.settings.account_id)
    }

    /// Takes `fresh`'s documents.
    fn replace_with(&self, fresh: Documents) {
        *self.state.write() = fresh.state.into_inner();
    }

    /// Forgets every document but the built-in ones.
    fn forget_all(&self, settings: &Settings) -> Result<(), String> {
        let fresh = Documents::from_records(&Snapshot::new(), &settings.account_id)?;
        *self.state.write() = fresh.state.into_inner();
        Ok(())
    }
}

impl Documents {
    fn from_records(snapshot: &Snapshot, account_id: &str) -> Result<Documents, String> {
        let mut docs: BTreeMap<String, Doc> = builtin::documents()?
            .into_iter()
            .map(|d| (d.head.name.clone(), d))
            .collect();
        for (name, body) in snapshot.get(HEAD_KIND).into_iter().flatten() {
            let head: Head = serde_json::from_str(body)
                .map_err(|e| format!("stored document {name} cannot be read: {e}"))?;
            docs.insert(
                name.clone(),
                Doc {
                    owner: account_id.to_owned(),
                    head,
                    versions: BTreeMap::new(),
                },
            );
        }
        for (id, body) in snapshot.get(VERSION_KIND).into_iter().flatten() {
            let stored: StoredVersion = serde_json::from_str(body)
                .map_err(|e| format!("stored document version {id} cannot be read: {e}"))?;
            let name = id.rsplit_once('#').map_or(id.as_str(), |(n, _)| n);
            let doc = docs
                .get_mut(name)
                .ok_or_else(|| format!("stored document version {id} has no document"))?;
            let version = Version::check(stored)
                .map_err(|e| format!("stored document version {id} no longer checks: {e}"))?;
            doc.versions.insert(version.stored.version, version);
        }
        if let Some(name) = docs
            .iter()
            .find(|(_, d)| d.versions.is_empty())
            .map(|(n, _)| n)
        {
            return Err(format!("stored document {name} has no versions"));
        }
        Ok(Documents {
            state: RwLock::new(docs),
            limit: 500,
        })
    }
}

/// The name a request gives, without an ARN's prefix.
pub(crate) fn bare_name(name: &str) -> &str {
    name.rsplit_once(":document/").map_or(name, |(_, n)| n)
}

pub(crate) fn not_found(_name: &str) -> ApiError {
    msg::not_found()
}

/// A version of a document, checked and ready to run: what Run Command
/// takes from this module.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub name: String,
    pub version: i64,
    pub hash: String,
    pub document_type: DocumentType,
    pub command: Arc<schema::CommandDoc>,
}

/// Looks up the version of `name` that `document_version` selects.
pub(crate) fn resolve(
    b: &Inner,
    name: &str,
    document_version: Option<&str>,
) -> Result<Resolved, ApiError> {
    let docs = b.documents.state.read();
    let name = bare_name(name);
    let doc = docs.get(name).ok_or_else(|| not_found(name))?;
    let version = doc.select(document_version, None)?;
    Ok(Resolved {
        name: doc.head.name.clone(),
        version: version.stored.version,
        hash: version.hash.clone(),
        document_type: doc.head.document_type,
        command: version.command.clone(),
    })
}

fn tags_not_found(_id: &str) -> ApiError {
    sysman_api::messages::tag::invalid_resource_id()
}

/// Applies `edit` to a document's tags and commits its head.
pub(crate) async fn edit_tags(
    b: &Inner,
    ctx: &mut Ctx,
    id: &str,
    edit: impl FnOnce(&mut Vec<Tag>) -> Result<(), ApiError>,
) -> Result<sysman_api::Empty, ApiError> {
    let (commit, name) = {
        let mut docs = b.documents.state.write();
        let doc = docs
            .get_mut(bare_name(id))
            .filter(|d| !d.is_builtin())
            .ok_or_else(|| tags_not_found(id))?;
        let mut tags = doc.head.tags.clone();
        edit(&mut tags)?;
        tags.sort();
        doc.head.tags = tags;
        (
            ctx.commit(&b.store, vec![doc.head_change()]),
            doc.head.name.clone(),
        )
    };
    commit.await?;
    ctx.publish(Event::DocumentChanged { name });
    Ok(sysman_api::Empty {})
}

/// A document's tags.
pub(crate) fn list_tags(b: &Inner, id: &str) -> Result<Vec<Tag>, ApiError> {
    let docs = b.documents.state.read();
    let doc = docs.get(bare_name(id)).ok_or_else(|| tags_not_found(id))?;
    Ok(doc.head.tags.clone())
}
