//! Reviews of document versions (UpdateDocumentMetadata) and their
//! history (ListDocumentMetadataHistory).
//!
//! A version is sent for review, commented on while pending, then approved
//! or rejected; a rejected version may be sent again. Each step is kept in
//! the version's record, so the history is stored, restored and deleted
//! with the version. AWS reviews Change Manager templates this way; sysman
//! has only Command documents, so it reviews those.

use serde::{Deserialize, Serialize};
use sysman_api::documents::{
    DocumentMetadataResponseInfo, DocumentReviewComment, DocumentReviewerResponse,
    ListDocumentMetadataHistory, ListDocumentMetadataHistoryResult, REVIEW_ACTIONS, ReviewStatus,
    UpdateDocumentMetadata, limits,
};
use sysman_api::{ApiError, Empty, Operation, Timestamp};

use super::ops::{check_name, check_selector, owned_by_amazon};
use super::{Doc, StoredVersion, not_found, version_change};
use crate::gate::{Ctx, Handler};
use crate::{Caller, Event, Inner, validate};

/// `DocumentReviewComment`: 1–1024 characters, not only blanks.
const COMMENT_MAX: usize = 1024;
/// `Reviewer`: at most 50 characters.
const REVIEWER_MAX: usize = 50;

/// One step of a review: who did what, when, and what they said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReviewStep {
    pub time: Timestamp,
    pub status: ReviewStatus,
    pub reviewer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The review status of a version, once it was sent for review.
pub(crate) fn status(version: &StoredVersion) -> Option<ReviewStatus> {
    version.reviews.last().map(|s| s.status)
}

/// The newest version approved, if any.
pub(crate) fn approved_version(doc: &Doc) -> Option<String> {
    doc.versions
        .values()
        .rev()
        .find(|v| status(&v.stored) == Some(ReviewStatus::Approved))
        .map(|v| v.stored.version.to_string())
}

/// The version under review, if one is.
pub(crate) fn pending_version(doc: &Doc) -> Option<String> {
    doc.versions
        .values()
        .rev()
        .find(|v| status(&v.stored) == Some(ReviewStatus::Pending))
        .map(|v| v.stored.version.to_string())
}

/// The comment of a request: at most one, of type `Comment`.
fn comment(comments: Option<&[DocumentReviewComment]>) -> Result<Option<String>, ApiError> {
    let comments = comments.unwrap_or_default();
    validate::count(comments.len(), "documentReviews.comment", 0, 1)?;
    let Some(c) = comments.first() else {
        return Ok(None);
    };
    if let Some(t) = c.r#type.as_deref()
        && t != "Comment"
    {
        return Err(ApiError::constraint(
            "documentReviews.comment.1.member.type",
            t,
            "Member must satisfy enum value set: [Comment]",
        ));
    }
    let Some(content) = c.content.as_deref() else {
        return Ok(None);
    };
    validate::length(
        Some(content),
        "documentReviews.comment.1.member.content",
        1,
        COMMENT_MAX,
    )?;
    if content.trim().is_empty() {
        return Err(ApiError::constraint(
            "documentReviews.comment.1.member.content",
            content,
            "Member must satisfy regular expression pattern: ^(?!\\s*$).+",
        ));
    }
    Ok(Some(content.to_owned()))
}

/// The caller as a review names it: the user's or node's name.
fn reviewer(caller: &Caller) -> String {
    let shown = caller.to_string();
    let name = shown.rsplit_once(':').map_or(shown.as_str(), |(_, n)| n);
    name.chars().take(REVIEWER_MAX).collect()
}

fn refused(message: String) -> ApiError {
    ApiError::new("InvalidDocumentOperation", message)
}

/// The status `action` leaves a version in, from `now` (its current one).
fn next_status(
    action: &str,
    now: Option<ReviewStatus>,
    name: &str,
    version: i64,
) -> Result<ReviewStatus, ApiError> {
    let pending = now == Some(ReviewStatus::Pending);
    match action {
        "SendForReview" => match now {
            Some(ReviewStatus::Pending) => Err(refused(format!(
                "Version {version} of {name} is already pending review"
            ))),
            Some(ReviewStatus::Approved) => Err(refused(format!(
                "Version {version} of {name} is already approved"
            ))),
            _ => Ok(ReviewStatus::Pending),
        },
        "UpdateReview" | "Approve" | "Reject" if !pending => Err(refused(format!(
            "Version {version} of {name} is not pending review; send it for review first"
        ))),
        "UpdateReview" => Ok(ReviewStatus::Pending),
        "Approve" => Ok(ReviewStatus::Approved),
        "Reject" => Ok(ReviewStatus::Rejected),
        other => Err(ApiError::constraint(
            "documentReviews.action",
            other,
            &format!(
                "Member must satisfy enum value set: [{}]",
                REVIEW_ACTIONS.join(", ")
            ),
        )),
    }
}

impl Handler for UpdateDocumentMetadata {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_name(&self.name)?;
        check_selector(self.document_version.as_deref(), None)?;
        let action = self.document_reviews.action.as_str();
        if !REVIEW_ACTIONS.contains(&action) {
            next_status(action, None, &self.name, 0)?;
        }
        let comment = comment(self.document_reviews.comment.as_deref())?;
        let commit = {
            let mut docs = b.documents.state.write();
            let doc = docs
                .get_mut(&self.name)
                .ok_or_else(|| not_found(&self.name))?;
            if doc.is_builtin() {
                return Err(owned_by_amazon(&self.name));
            }
            let number = doc
                .select(self.document_version.as_deref(), None)?
                .stored
                .version;
            let other_pending = pending_version(doc).filter(|v| *v != number.to_string());
            if action == "SendForReview"
                && let Some(other) = other_pending
            {
                return Err(refused(format!(
                    "Version {other} of {} is pending review; approve or reject it before \
                     sending another",
                    self.name
                )));
            }
            let Some(version) = doc.versions.get_mut(&number) else {
                return Err(not_found(&self.name));
            };
            let status = next_status(action, status(&version.stored), &self.name, number)?;
            version.stored.reviews.push(ReviewStep {
                time: ctx.now,
                status,
                reviewer: reviewer(&ctx.caller),
                comment,
            });
            let change = version_change(&self.name, &version.stored);
            ctx.commit(&b.store, vec![change])
        };
        commit.await?;
        ctx.publish(Event::DocumentChanged { name: self.name });
        Ok(Empty {})
    }
}

impl Handler for ListDocumentMetadataHistory {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_name(&self.name)?;
        check_selector(self.document_version.as_deref(), None)?;
        if self.metadata != "DocumentReviews" {
            return Err(ApiError::constraint(
                "metadata",
                &self.metadata,
                "Member must satisfy enum value set: [DocumentReviews]",
            ));
        }
        let limit = validate::max_results(self.max_results, 1, limits::LIST_MAX_RESULTS, 50)?;
        let docs = b.documents.state.read();
        let doc = docs.get(&self.name).ok_or_else(|| not_found(&self.name))?;
        let version = &doc.select(self.document_version.as_deref(), None)?.stored;
        let scope = (&self.name, version.version);
        let start = b
            .pager
            .start(Self::NAME, &scope, self.next_token.as_deref())?;
        let from = match start.range().0 {
            std::ops::Bound::Excluded(at) => at.parse::<usize>().unwrap_or(0),
            _ => 0,
        };
        let page: Vec<DocumentReviewerResponse> = version
            .reviews
            .iter()
            .skip(from)
            .take(limit)
            .map(|step| DocumentReviewerResponse {
                create_time: step.time,
                updated_time: step.time,
                review_status: step.status,
                comment: step
                    .comment
                    .iter()
                    .map(|c| DocumentReviewComment {
                        r#type: Some("Comment".to_owned()),
                        content: Some(c.clone()),
                    })
                    .collect(),
                reviewer: step.reviewer.clone(),
            })
            .collect();
        let end = from + page.len();
        let next_token = (end < version.reviews.len())
            .then(|| b.pager.issue(Self::NAME, &scope, &end.to_string()));
        Ok(ListDocumentMetadataHistoryResult {
            name: doc.head.name.clone(),
            document_version: version.version.to_string(),
            author: None,
            metadata: DocumentMetadataResponseInfo {
                reviewer_response: page,
            },
            next_token,
        })
    }
}
