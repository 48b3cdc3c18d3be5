//! Reviews of document versions (UpdateDocumentMetadata) and their history
//! (ListDocumentMetadataHistory) through the one gate: the review's steps,
//! the status DescribeDocument and ListDocuments show, refused steps that
//! change nothing, pages, and reviews surviving a restart.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use sysman_api::documents::{
    CreateDocument, DescribeDocument, DocumentDescription, DocumentReviewComment, DocumentReviews,
    ListDocumentMetadataHistory, ListDocumentMetadataHistoryResult, ListDocuments, ReviewStatus,
    UpdateDocument, UpdateDocumentMetadata,
};
use sysman_api::{ApiError, Timestamp};
use sysman_backend::{Backend, Caller, Handler, ManualClock, Options};

const START: Timestamp = Timestamp::from_secs(1_795_435_200);

struct Fx {
    clock: ManualClock,
    backend: Backend,
    admin: Caller,
}

impl Fx {
    fn open(dir: Option<&Path>) -> Self {
        let clock = ManualClock::new(START);
        let options = Options {
            clock: Arc::new(clock.clone()),
            id_seed: Some(7),
            ..Options::default()
        };
        let backend = match dir {
            Some(dir) => Backend::open(dir, options),
            None => Backend::open_in_memory(options),
        }
        .unwrap();
        Self {
            clock,
            backend,
            admin: Caller::admin("test"),
        }
    }

    async fn ok<O: Handler>(&self, op: O) -> O::Output {
        match self.backend.call(&self.admin, op).await {
            Ok(out) => out,
            Err(e) => panic!("{} failed: {e}", O::NAME),
        }
    }

    async fn refused<O: Handler>(&self, op: O, code: &str, message: &str) -> ApiError {
        let e = match self.backend.call(&self.admin, op).await {
            Ok(_) => panic!("{} succeeded; expected {code}", O::NAME),
            Err(e) => e,
        };
        assert_eq!(e.code, code, "{} refused with {e}", O::NAME);
        assert_eq!(e.message, message, "the message of {}", O::NAME);
        e
    }

    async fn create(&self, name: &str, line: &str) {
        self.ok(CreateDocument {
            name: name.to_owned(),
            content: content(line),
            ..Default::default()
        })
        .await;
    }

    async fn describe(&self, name: &str, version: &str) -> DocumentDescription {
        self.ok(DescribeDocument {
            name: name.to_owned(),
            document_version: Some(version.to_owned()),
            ..Default::default()
        })
        .await
        .document
    }

    async fn history(&self, name: &str, version: &str) -> ListDocumentMetadataHistoryResult {
        self.ok(history(name, version)).await
    }

    async fn statuses(&self, name: &str, version: &str) -> Vec<ReviewStatus> {
        self.history(name, version)
            .await
            .metadata
            .reviewer_response
            .iter()
            .map(|r| r.review_status)
            .collect()
    }
}

fn content(line: &str) -> String {
    json!({
        "schemaVersion": "2.2",
        "mainSteps": [{
            "action": "aws:runShellScript",
            "name": "run",
            "inputs": {"runCommand": [line]}
        }]
    })
    .to_string()
}

fn review(
    name: &str,
    version: &str,
    action: &str,
    comment: Option<&str>,
) -> UpdateDocumentMetadata {
    UpdateDocumentMetadata {
        name: name.to_owned(),
        document_version: Some(version.to_owned()),
        document_reviews: DocumentReviews {
            action: action.to_owned(),
            comment: comment.map(|c| {
                vec![DocumentReviewComment {
                    r#type: Some("Comment".into()),
                    content: Some(c.to_owned()),
                }]
            }),
        },
    }
}

fn history(name: &str, version: &str) -> ListDocumentMetadataHistory {
    ListDocumentMetadataHistory {
        name: name.to_owned(),
        document_version: Some(version.to_owned()),
        metadata: "DocumentReviews".to_owned(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_version_is_sent_for_review_commented_and_approved() {
    let fx = Fx::open(None);
    fx.create("Deploy", "one").await;
    let fresh = fx.describe("Deploy", "1").await;
    assert_eq!(fresh.review_status, None);
    assert_eq!(fresh.approved_version, None);
    assert!(
        fx.history("Deploy", "1")
            .await
            .metadata
            .reviewer_response
            .is_empty()
    );

    fx.ok(review("Deploy", "1", "SendForReview", Some("Please look")))
        .await;
    let pending = fx.describe("Deploy", "1").await;
    assert_eq!(pending.review_status, Some(ReviewStatus::Pending));
    assert_eq!(pending.pending_review_version.as_deref(), Some("1"));

    fx.clock.advance(Duration::from_secs(60));
    fx.ok(review("Deploy", "1", "UpdateReview", Some("Looks fine")))
        .await;
    fx.clock.advance(Duration::from_secs(60));
    fx.ok(review("Deploy", "1", "Approve", None)).await;

    let approved = fx.describe("Deploy", "1").await;
    assert_eq!(approved.review_status, Some(ReviewStatus::Approved));
    assert_eq!(approved.approved_version.as_deref(), Some("1"));
    assert_eq!(approved.pending_review_version, None);

    let history = fx.history("Deploy", "1").await;
    assert_eq!(history.name, "Deploy");
    assert_eq!(history.document_version, "1");
    let steps = &history.metadata.reviewer_response;
    assert_eq!(
        steps.iter().map(|s| s.review_status).collect::<Vec<_>>(),
        [
            ReviewStatus::Pending,
            ReviewStatus::Pending,
            ReviewStatus::Approved
        ]
    );
    assert_eq!(steps[1].create_time, Timestamp::from_secs(1_795_435_260));
    assert_eq!(steps[1].comment[0].content.as_deref(), Some("Looks fine"));
    assert!(steps[2].comment.is_empty());
    assert!(steps.iter().all(|s| s.reviewer == "test"), "{steps:?}");

    let listed = fx.ok(ListDocuments::default()).await.document_identifiers;
    let deploy = listed.iter().find(|d| d.name == "Deploy").unwrap();
    assert_eq!(deploy.review_status, Some(ReviewStatus::Approved));
}

#[tokio::test]
async fn a_rejected_version_may_be_sent_again_and_versions_are_reviewed_apart() {
    let fx = Fx::open(None);
    fx.create("Deploy", "one").await;
    fx.ok(UpdateDocument {
        name: "Deploy".into(),
        content: content("two"),
        ..Default::default()
    })
    .await;
    fx.ok(review("Deploy", "2", "SendForReview", None)).await;
    fx.ok(review("Deploy", "2", "Reject", Some("Not yet")))
        .await;
    assert_eq!(
        fx.describe("Deploy", "2").await.review_status,
        Some(ReviewStatus::Rejected)
    );
    // $LATEST names version 2.
    fx.ok(review("Deploy", "$LATEST", "SendForReview", None))
        .await;
    fx.ok(review("Deploy", "2", "Approve", None)).await;
    assert_eq!(
        fx.statuses("Deploy", "2").await,
        [
            ReviewStatus::Pending,
            ReviewStatus::Rejected,
            ReviewStatus::Pending,
            ReviewStatus::Approved
        ]
    );
    assert!(fx.statuses("Deploy", "1").await.is_empty());
    assert_eq!(fx.describe("Deploy", "1").await.review_status, None);
    assert_eq!(
        fx.describe("Deploy", "1").await.approved_version.as_deref(),
        Some("2"),
        "the document's approved version is named on every version"
    );
}

#[tokio::test]
async fn steps_out_of_order_and_bad_requests_are_refused_and_change_nothing() {
    let fx = Fx::open(None);
    fx.create("Deploy", "one").await;
    fx.ok(UpdateDocument {
        name: "Deploy".into(),
        content: content("two"),
        ..Default::default()
    })
    .await;
    for action in ["UpdateReview", "Approve", "Reject"] {
        fx.refused(
            review("Deploy", "1", action, None),
            "InvalidDocumentOperation",
            "Version 1 of Deploy is not pending review; send it for review first",
        )
        .await;
    }
    fx.ok(review("Deploy", "1", "SendForReview", None)).await;
    fx.refused(
        review("Deploy", "1", "SendForReview", None),
        "InvalidDocumentOperation",
        "Version 1 of Deploy is already pending review",
    )
    .await;
    fx.refused(
        review("Deploy", "2", "SendForReview", None),
        "InvalidDocumentOperation",
        "Version 1 of Deploy is pending review; approve or reject it before sending another",
    )
    .await;
    fx.refused(
        review("Deploy", "1", "Merge", None),
        "ValidationException",
        "1 validation error detected: Value 'Merge' at 'documentReviews.action' failed to \
         satisfy constraint: Member must satisfy enum value set: [SendForReview, UpdateReview, \
         Approve, Reject]",
    )
    .await;
    fx.refused(
        review("Deploy", "1", "UpdateReview", Some("   ")),
        "ValidationException",
        "1 validation error detected: Value '   ' at 'documentReviews.comment.1.member.content' \
         failed to satisfy constraint: Member must satisfy regular expression pattern: \
         ^(?!\\s*$).+",
    )
    .await;
    let mut two = review("Deploy", "1", "UpdateReview", Some("a"));
    let comments = two.document_reviews.comment.as_mut().unwrap();
    comments.push(comments[0].clone());
    fx.refused(
        two,
        "ValidationException",
        "1 validation error detected: Value '2 documentReviews.comment' at \
         'documentReviews.comment' failed to satisfy constraint: Member must have length \
         between 0 and 1",
    )
    .await;
    let e = fx
        .backend
        .call(&fx.admin, review("Deploy", "9", "Approve", None))
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidDocumentVersion");
    let e = fx
        .backend
        .call(&fx.admin, review("Missing", "1", "Approve", None))
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidDocument");
    let e = fx
        .backend
        .call(
            &fx.admin,
            review("AWS-RunShellScript", "1", "SendForReview", None),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidDocumentOperation");
    fx.refused(
        ListDocumentMetadataHistory {
            metadata: "Tags".into(),
            ..history("Deploy", "1")
        },
        "ValidationException",
        "1 validation error detected: Value 'Tags' at 'metadata' failed to satisfy constraint: \
         Member must satisfy enum value set: [DocumentReviews]",
    )
    .await;

    assert_eq!(fx.statuses("Deploy", "1").await, [ReviewStatus::Pending]);
    assert!(fx.statuses("Deploy", "2").await.is_empty());
}

#[tokio::test]
async fn the_history_comes_in_pages_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let fx = Fx::open(Some(dir.path()));
        fx.create("Deploy", "one").await;
        fx.ok(review("Deploy", "1", "SendForReview", None)).await;
        for i in 0..6 {
            fx.ok(review(
                "Deploy",
                "1",
                "UpdateReview",
                Some(&format!("note {i}")),
            ))
            .await;
        }
        fx.backend.flush().await;
    }
    let fx = Fx::open(Some(dir.path()));
    let mut op = ListDocumentMetadataHistory {
        max_results: Some(3),
        ..history("Deploy", "1")
    };
    let mut comments = Vec::new();
    let mut pages = 0;
    loop {
        let page = fx.ok(op.clone()).await;
        pages += 1;
        assert!(page.metadata.reviewer_response.len() <= 3);
        for step in page.metadata.reviewer_response {
            comments.extend(step.comment.into_iter().filter_map(|c| c.content));
        }
        match page.next_token {
            Some(token) => op.next_token = Some(token),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let wanted: Vec<String> = (0..6).map(|i| format!("note {i}")).collect();
    assert_eq!(comments, wanted);
    assert_eq!(
        fx.describe("Deploy", "1").await.review_status,
        Some(ReviewStatus::Pending)
    );
}
