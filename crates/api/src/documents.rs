//! SSM documents: their content, versions and default version.
//!
//! Shapes follow the service model (`CreateDocumentRequest`,
//! `DocumentDescription`, ...). As in `parameters`, enum members of requests
//! are plain strings, so an unknown value gets a `ValidationException` in
//! AWS's wording rather than a decoding failure.

use serde::{Deserialize, Serialize};

use crate::fleet::PlatformType;
use crate::{Empty, Operation, Tag, Timestamp};

/// Limits of the service model and of AWS's documentation.
pub mod limits {
    /// A document's content: at most 64 KB.
    pub const CONTENT_MAX: usize = 64 * 1024;
    /// `DocumentName`: `^[a-zA-Z0-9_\-.]{3,128}$`.
    pub const NAME_MIN: usize = 3;
    pub const NAME_MAX: usize = 128;
    /// `DocumentVersionName`: `^[a-zA-Z0-9_\-.]{1,128}$`.
    pub const VERSION_NAME_MAX: usize = 128;
    /// `DocumentDisplayName`: at most 1024.
    pub const DISPLAY_NAME_MAX: usize = 1024;
    /// Versions a document keeps (AWS: 1,000).
    pub const VERSIONS_MAX: usize = 1000;
    /// `MaxResults` of ListDocuments and ListDocumentVersions: 1–50.
    pub const LIST_MAX_RESULTS: i64 = 50;
    /// `DocumentKeyValuesFilterList`: at most 6 filters.
    pub const KEY_VALUES_FILTERS_MAX: usize = 6;
    /// `AccountIdList`: at most 20 accounts per ModifyDocumentPermission.
    pub const ACCOUNT_IDS_PER_CALL_MAX: usize = 20;
    /// Accounts one private document may be shared with (AWS: 1,000).
    pub const SHARED_ACCOUNTS_MAX: usize = 1000;
    /// Documents an account may share publicly (AWS: 5).
    pub const PUBLIC_DOCUMENTS_MAX: usize = 5;
    /// `DocumentPermissionMaxResults`: 1–200.
    pub const PERMISSION_MAX_RESULTS: i64 = 200;
}

/// `DocumentType`. sysman creates and runs `Command` documents; the other
/// types are modelled so that their documents can be named, and arrive with
/// the capabilities that run them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DocumentType {
    Command,
    Automation,
    Session,
    Package,
    ChangeCalendar,
}

impl DocumentType {
    pub const ALL: [DocumentType; 5] = [
        DocumentType::Command,
        DocumentType::Automation,
        DocumentType::Session,
        DocumentType::Package,
        DocumentType::ChangeCalendar,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            DocumentType::Command => "Command",
            DocumentType::Automation => "Automation",
            DocumentType::Session => "Session",
            DocumentType::Package => "Package",
            DocumentType::ChangeCalendar => "ChangeCalendar",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// `DocumentFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DocumentFormat {
    #[serde(rename = "JSON")]
    Json,
    #[serde(rename = "YAML")]
    Yaml,
    #[serde(rename = "TEXT")]
    Text,
}

impl DocumentFormat {
    pub const ALL: [DocumentFormat; 3] = [
        DocumentFormat::Json,
        DocumentFormat::Yaml,
        DocumentFormat::Text,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            DocumentFormat::Json => "JSON",
            DocumentFormat::Yaml => "YAML",
            DocumentFormat::Text => "TEXT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// `DocumentParameter`: one parameter a document declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentParameter {
    pub name: String,
    /// `String` or `StringList` in the model; sysman also reports the kinds
    /// schema 2.2 adds (`Integer`, `Boolean`, `StringMap`, `MapList`).
    pub r#type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// `DocumentDescription`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentDescription {
    /// SHA-256 of the content, in hex.
    pub hash: String,
    pub hash_type: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// `Amazon` for built-in documents, else the account id.
    pub owner: String,
    pub created_date: Timestamp,
    /// Always `Active`: a document is checked before it is stored.
    pub status: String,
    pub document_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub parameters: Vec<DocumentParameter>,
    #[serde(default)]
    pub platform_types: Vec<PlatformType>,
    pub document_type: DocumentType,
    pub schema_version: String,
    pub latest_version: String,
    pub default_version: String,
    pub document_format: DocumentFormat,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// The review status of this version, once it was sent for review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_status: Option<ReviewStatus>,
    /// The newest version approved in a review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_version: Option<String>,
    /// The version under review, if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_review_version: Option<String>,
}

/// `DocumentIdentifier`, as ListDocuments returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentIdentifier {
    pub name: String,
    pub created_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    #[serde(default)]
    pub platform_types: Vec<PlatformType>,
    /// The default version.
    pub document_version: String,
    pub document_type: DocumentType,
    pub schema_version: String,
    pub document_format: DocumentFormat,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// The review status of the default version, once it was sent for
    /// review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_status: Option<ReviewStatus>,
}

/// `DocumentVersionInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentVersionInfo {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub document_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    pub created_date: Timestamp,
    pub is_default_version: bool,
    pub document_format: DocumentFormat,
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateDocument {
    pub content: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    /// `Command` unless given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// `JSON` unless given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateDocumentResult {
    pub document_description: DocumentDescription,
}

impl Operation for CreateDocument {
    const NAME: &'static str = "CreateDocument";
    const READ_ONLY: bool = false;
    type Output = CreateDocumentResult;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

/// Reads one version's content: `DocumentVersion` (a number, `$LATEST` or
/// `$DEFAULT`) or `VersionName`; the default version when neither is given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetDocument {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    /// The format to return the content in; the stored one unless given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_format: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetDocumentResult {
    pub name: String,
    pub created_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    pub document_version: String,
    pub status: String,
    pub content: String,
    pub document_type: DocumentType,
    pub document_format: DocumentFormat,
}

impl Operation for GetDocument {
    const NAME: &'static str = "GetDocument";
    const READ_ONLY: bool = true;
    type Output = GetDocumentResult;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDocument {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDocumentResult {
    pub document: DocumentDescription,
}

impl Operation for DescribeDocument {
    const NAME: &'static str = "DescribeDocument";
    const READ_ONLY: bool = true;
    type Output = DescribeDocumentResult;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

/// The older filter form: `{"key": "Owner", "value": "Self"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentFilter {
    pub key: String,
    pub value: String,
}

/// The newer filter form, which also takes `tag:Key` and `Owner`,
/// `DocumentType`, `Name`, `PlatformTypes`, `SearchKeyword`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentKeyValuesFilter {
    pub key: String,
    #[serde(default)]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDocuments {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_filter_list: Option<Vec<DocumentFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<DocumentKeyValuesFilter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDocumentsResult {
    pub document_identifiers: Vec<DocumentIdentifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListDocuments {
    const NAME: &'static str = "ListDocuments";
    const READ_ONLY: bool = true;
    type Output = ListDocumentsResult;
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDocumentVersions {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDocumentVersionsResult {
    pub document_versions: Vec<DocumentVersionInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListDocumentVersions {
    const NAME: &'static str = "ListDocumentVersions";
    const READ_ONLY: bool = true;
    type Output = ListDocumentVersionsResult;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

/// Adds a version. `DocumentVersion` (a number or `$LATEST`), when given,
/// must be the latest version: an update is made against what one saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDocument {
    pub content: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDocumentResult {
    pub document_description: DocumentDescription,
}

impl Operation for UpdateDocument {
    const NAME: &'static str = "UpdateDocument";
    const READ_ONLY: bool = false;
    type Output = UpdateDocumentResult;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDocumentDefaultVersion {
    pub name: String,
    pub document_version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentDefaultVersionDescription {
    pub name: String,
    pub default_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_version_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDocumentDefaultVersionResult {
    pub description: DocumentDefaultVersionDescription,
}

impl Operation for UpdateDocumentDefaultVersion {
    const NAME: &'static str = "UpdateDocumentDefaultVersion";
    const READ_ONLY: bool = false;
    type Output = UpdateDocumentDefaultVersionResult;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

/// Deletes a whole document, or one version of it (not the default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteDocument {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

impl Operation for DeleteDocument {
    const NAME: &'static str = "DeleteDocument";
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

/// `DocumentPermissionType`: `Share` is the only one.
pub const PERMISSION_SHARE: &str = "Share";

/// Shares a document with other accounts, or with everyone (`All`), or
/// stops sharing it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyDocumentPermission {
    pub name: String,
    pub permission_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_ids_to_add: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_ids_to_remove: Option<Vec<String>>,
    /// `$DEFAULT` (when absent), `$LATEST` or `$ALL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_document_version: Option<String>,
}

impl Operation for ModifyDocumentPermission {
    const NAME: &'static str = "ModifyDocumentPermission";
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDocumentPermission {
    pub name: String,
    pub permission_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `AccountSharingInfo`: one account and the version shared with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountSharingInfo {
    pub account_id: String,
    pub shared_document_version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDocumentPermissionResult {
    #[serde(default)]
    pub account_ids: Vec<String>,
    #[serde(default)]
    pub account_sharing_info_list: Vec<AccountSharingInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for DescribeDocumentPermission {
    const NAME: &'static str = "DescribeDocumentPermission";
    const READ_ONLY: bool = true;
    type Output = DescribeDocumentPermissionResult;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

/// `ReviewStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewStatus {
    Approved,
    NotReviewed,
    Pending,
    Rejected,
}

/// `DocumentReviewAction`.
pub const REVIEW_ACTIONS: [&str; 4] = ["SendForReview", "UpdateReview", "Approve", "Reject"];

/// `DocumentReviewCommentSource`: `Type` is `Comment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentReviewComment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// `DocumentReviews`: the action, and at most one comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentReviews {
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<Vec<DocumentReviewComment>>,
}

/// Sends a version for review, comments on the review, approves or
/// rejects it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateDocumentMetadata {
    pub name: String,
    /// A number, `$LATEST` or `$DEFAULT`; the default version when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    pub document_reviews: DocumentReviews,
}

impl Operation for UpdateDocumentMetadata {
    const NAME: &'static str = "UpdateDocumentMetadata";
    const READ_ONLY: bool = false;
    type Output = Empty;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDocumentMetadataHistory {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_version: Option<String>,
    /// `DocumentReviews`, the one kind of metadata there is.
    pub metadata: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i64>,
}

/// `DocumentReviewerResponseSource`: one step of a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentReviewerResponse {
    pub create_time: Timestamp,
    pub updated_time: Timestamp,
    pub review_status: ReviewStatus,
    #[serde(default)]
    pub comment: Vec<DocumentReviewComment>,
    pub reviewer: String,
}

/// `DocumentMetadataResponseInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentMetadataResponseInfo {
    #[serde(default)]
    pub reviewer_response: Vec<DocumentReviewerResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListDocumentMetadataHistoryResult {
    pub name: String,
    pub document_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    pub metadata: DocumentMetadataResponseInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl Operation for ListDocumentMetadataHistory {
    const NAME: &'static str = "ListDocumentMetadataHistory";
    const READ_ONLY: bool = true;
    type Output = ListDocumentMetadataHistoryResult;

    fn resource(&self) -> String {
        document_resource(&self.name)
    }
}

/// The resource a document call acts on: `document/NAME`, from a name or
/// an ARN.
pub fn document_resource(name: &str) -> String {
    let bare = name.rsplit_once(":document/").map_or(name, |(_, n)| n);
    format!("document/{bare}")
}
