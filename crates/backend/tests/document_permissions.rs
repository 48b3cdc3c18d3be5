//! Sharing documents (ModifyDocumentPermission, DescribeDocumentPermission)
//! through the one gate: private and public sharing, the versions shared,
//! AWS's limits and errors, pages, and shares surviving a restart.
//!
//! Every refused request is checked for its code, AWS's message, and the
//! shares left as they were.

use serde_json::json;
use sysman_api::ApiError;
use sysman_api::documents::{
    AccountSharingInfo, CreateDocument, DeleteDocument, DescribeDocumentPermission,
    DescribeDocumentPermissionResult, ModifyDocumentPermission,
};
use sysman_backend::Handler;

mod support;
use support::Fx;

const ALICE: &str = "111122223333";
const BOB: &str = "444455556666";

impl Fx {
    /// The error `op` is refused with: `code`, saying `message`.
    async fn refused_saying<O: Handler>(&self, op: O, code: &str, message: &str) -> ApiError {
        let e = self.refused(op, code).await;
        assert_eq!(e.message, message, "the message of {}", O::NAME);
        e
    }

    async fn create(&self, name: &str) {
        let content = json!({
            "schemaVersion": "2.2",
            "mainSteps": [{
                "action": "aws:runShellScript",
                "name": "run",
                "inputs": {"runCommand": ["true"]}
            }]
        })
        .to_string();
        self.ok(CreateDocument {
            name: name.to_owned(),
            content,
            ..Default::default()
        })
        .await;
    }

    async fn shares(&self, name: &str) -> DescribeDocumentPermissionResult {
        self.ok(describe(name)).await
    }

    async fn account_ids(&self, name: &str) -> Vec<String> {
        self.shares(name).await.account_ids
    }
}

fn strs(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn add(name: &str, ids: &[&str]) -> ModifyDocumentPermission {
    ModifyDocumentPermission {
        name: name.to_owned(),
        permission_type: "Share".to_owned(),
        account_ids_to_add: Some(strs(ids)),
        ..Default::default()
    }
}

fn remove(name: &str, ids: &[&str]) -> ModifyDocumentPermission {
    ModifyDocumentPermission {
        name: name.to_owned(),
        permission_type: "Share".to_owned(),
        account_ids_to_remove: Some(strs(ids)),
        ..Default::default()
    }
}

fn describe(name: &str) -> DescribeDocumentPermission {
    DescribeDocumentPermission {
        name: name.to_owned(),
        permission_type: "Share".to_owned(),
        ..Default::default()
    }
}

fn info(account_id: &str, version: &str) -> AccountSharingInfo {
    AccountSharingInfo {
        account_id: account_id.to_owned(),
        shared_document_version: version.to_owned(),
    }
}

#[tokio::test]
async fn a_document_is_shared_with_accounts_and_unshared() {
    let fx = Fx::open(None);
    fx.create("Deploy").await;
    assert_eq!(
        fx.shares("Deploy").await,
        DescribeDocumentPermissionResult::default(),
        "a new document is shared with nobody"
    );

    fx.ok(add("Deploy", &[ALICE])).await;
    fx.ok(ModifyDocumentPermission {
        shared_document_version: Some("$LATEST".into()),
        ..add("Deploy", &[BOB])
    })
    .await;
    let shares = fx.shares("Deploy").await;
    assert_eq!(shares.account_ids, [ALICE, BOB]);
    assert_eq!(
        shares.account_sharing_info_list,
        [info(ALICE, "$DEFAULT"), info(BOB, "$LATEST")]
    );

    // Sharing again with an account changes the version shared with it.
    fx.ok(ModifyDocumentPermission {
        shared_document_version: Some("$ALL".into()),
        ..add("Deploy", &[ALICE])
    })
    .await;
    assert_eq!(
        fx.shares("Deploy").await.account_sharing_info_list,
        [info(ALICE, "$ALL"), info(BOB, "$LATEST")]
    );

    fx.ok(remove("Deploy", &[ALICE])).await;
    assert_eq!(fx.account_ids("Deploy").await, [BOB]);
    // Removing an account it is not shared with changes nothing.
    fx.ok(remove("Deploy", &[ALICE])).await;
    assert_eq!(fx.account_ids("Deploy").await, [BOB]);
}

#[tokio::test]
async fn a_document_is_shared_either_publicly_or_with_a_group() {
    let fx = Fx::open(None);
    fx.create("Deploy").await;
    fx.ok(add("Deploy", &[ALICE, BOB])).await;

    // `All` in any case makes it public and replaces the group.
    fx.ok(add("Deploy", &["All"])).await;
    assert_eq!(
        fx.shares("Deploy").await.account_sharing_info_list,
        [info("all", "$DEFAULT")]
    );

    // Sharing with one account ends public sharing.
    fx.ok(add("Deploy", &[ALICE])).await;
    assert_eq!(fx.account_ids("Deploy").await, [ALICE]);

    fx.ok(add("Deploy", &["ALL"])).await;
    fx.ok(remove("Deploy", &["all"])).await;
    assert!(fx.account_ids("Deploy").await.is_empty());

    fx.refused_saying(
        add("Deploy", &["All", ALICE]),
        "DocumentPermissionLimit",
        "Accounts can either be all or a group of AWS accounts",
    )
    .await;
    fx.refused_saying(
        remove("Deploy", &[BOB, "all"]),
        "DocumentPermissionLimit",
        "Accounts can either be all or a group of AWS accounts",
    )
    .await;
    assert!(fx.account_ids("Deploy").await.is_empty());
}

#[tokio::test]
async fn bad_requests_are_refused_with_aws_errors_and_change_nothing() {
    let fx = Fx::open(None);
    fx.create("Deploy").await;
    fx.ok(add("Deploy", &[ALICE])).await;
    let before = fx.shares("Deploy").await;

    fx.refused_saying(
        ModifyDocumentPermission {
            permission_type: "Own".into(),
            ..add("Deploy", &[BOB])
        },
        "InvalidPermissionType",
        "Value 'Own' at 'permissionType' failed to satisfy constraint: Member must satisfy \
         enum value set: [Share].",
    )
    .await;
    fx.refused_saying(
        DescribeDocumentPermission {
            permission_type: "share".into(),
            ..describe("Deploy")
        },
        "InvalidPermissionType",
        "Value 'share' at 'permissionType' failed to satisfy constraint: Member must satisfy \
         enum value set: [Share].",
    )
    .await;
    fx.refused_saying(
        add("Deploy", &[BOB, "12345"]),
        "ValidationException",
        "1 validation error detected: Value '[444455556666, 12345]' at 'accountIdsToAdd' failed \
         to satisfy constraint: Member must satisfy constraint: [Member must satisfy regular \
         expression pattern: (?i)all|[0-9]{12}]",
    )
    .await;
    fx.refused_saying(
        remove("Deploy", &["everyone"]),
        "ValidationException",
        "1 validation error detected: Value '[everyone]' at 'accountIdsToRemove' failed to \
         satisfy constraint: Member must satisfy constraint: [Member must satisfy regular \
         expression pattern: (?i)all|[0-9]{12}]",
    )
    .await;
    let many: Vec<String> = (0..21).map(|i| format!("{:012}", 100 + i)).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    fx.refused_saying(
        add("Deploy", &many),
        "ValidationException",
        "1 validation error detected: Value '21 accountIdsToAdd' at 'accountIdsToAdd' failed to \
         satisfy constraint: Member must have length between 0 and 20",
    )
    .await;
    fx.refused_saying(
        ModifyDocumentPermission {
            shared_document_version: Some("2".into()),
            ..add("Deploy", &[BOB])
        },
        "ValidationException",
        "1 validation error detected: Value '2' at 'sharedDocumentVersion' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: \
         ([$]LATEST|[$]DEFAULT|[$]ALL)",
    )
    .await;
    fx.refused_saying(
        DescribeDocumentPermission {
            max_results: Some(201),
            ..describe("Deploy")
        },
        "ValidationException",
        "1 validation error detected: Value '201' at 'maxResults' failed to satisfy constraint: \
         Member must have value less than or equal to 200",
    )
    .await;
    assert_eq!(fx.shares("Deploy").await, before);

    let missing = fx
        .backend
        .call(&fx.admin, add("Missing", &[BOB]))
        .await
        .unwrap_err();
    assert_eq!(missing.code, "InvalidDocument");
    let missing = fx
        .backend
        .call(&fx.admin, describe("Missing"))
        .await
        .unwrap_err();
    assert_eq!(missing.code, "InvalidDocument");

    let builtin = fx
        .backend
        .call(&fx.admin, add("AWS-RunShellScript", &[BOB]))
        .await
        .unwrap_err();
    assert_eq!(builtin.code, "InvalidDocumentOperation", "{builtin}");
    assert!(
        fx.account_ids("AWS-RunShellScript").await.is_empty(),
        "Amazon's documents are not shared by this account"
    );
}

#[tokio::test]
async fn at_most_five_documents_are_public() {
    let fx = Fx::open(None);
    for i in 0..6 {
        fx.create(&format!("doc-{i}")).await;
    }
    for i in 0..5 {
        fx.ok(add(&format!("doc-{i}"), &["All"])).await;
    }
    let e = fx
        .backend
        .call(&fx.admin, add("doc-5", &["All"]))
        .await
        .unwrap_err();
    assert_eq!(e.code, "DocumentPermissionLimit", "{e}");
    assert!(fx.account_ids("doc-5").await.is_empty());
    // A public document may be shared publicly again, with another version.
    fx.ok(ModifyDocumentPermission {
        shared_document_version: Some("$LATEST".into()),
        ..add("doc-0", &["All"])
    })
    .await;
    // Once one stops being public another may be.
    fx.ok(remove("doc-0", &["All"])).await;
    fx.ok(add("doc-5", &["All"])).await;
    assert_eq!(fx.account_ids("doc-5").await, ["all"]);
}

#[tokio::test]
async fn at_most_a_thousand_accounts_share_a_document() {
    let fx = Fx::open(None);
    fx.create("Deploy").await;
    let ids: Vec<String> = (0..1000).map(|i| format!("{:012}", 100_000 + i)).collect();
    for chunk in ids.chunks(20) {
        let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
        fx.ok(add("Deploy", &chunk)).await;
    }
    let e = fx
        .backend
        .call(&fx.admin, add("Deploy", &[ALICE]))
        .await
        .unwrap_err();
    assert_eq!(e.code, "DocumentPermissionLimit", "{e}");

    // The thousand come back in pages of at most 200, each once, in order.
    let mut op = describe("Deploy");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = fx.ok(op.clone()).await;
        pages += 1;
        assert!(page.account_ids.len() <= 200);
        assert_eq!(page.account_ids.len(), page.account_sharing_info_list.len());
        seen.extend(page.account_ids);
        match page.next_token {
            Some(token) => op.next_token = Some(token),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(seen, ids);

    let mut small = describe("Deploy");
    small.max_results = Some(3);
    let first = fx.ok(small.clone()).await;
    assert_eq!(first.account_ids, ids[..3]);
    small.next_token = first.next_token;
    assert_eq!(fx.ok(small).await.account_ids, ids[3..6]);
}

#[tokio::test]
async fn shares_survive_a_restart_and_go_with_the_document() {
    let dir = tempfile::tempdir().unwrap();
    {
        let fx = Fx::open(Some(dir.path()));
        fx.create("Deploy").await;
        fx.create("Public").await;
        fx.ok(add("Deploy", &[ALICE, BOB])).await;
        fx.ok(add("Public", &["all"])).await;
        fx.backend.flush().await;
    }
    let fx = Fx::open(Some(dir.path()));
    assert_eq!(fx.account_ids("Deploy").await, [ALICE, BOB]);
    assert_eq!(fx.account_ids("Public").await, ["all"]);

    fx.ok(DeleteDocument {
        name: "Deploy".into(),
        ..Default::default()
    })
    .await;
    fx.create("Deploy").await;
    assert!(
        fx.account_ids("Deploy").await.is_empty(),
        "a document made again under the same name is not shared"
    );
}
