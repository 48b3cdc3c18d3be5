//! Users, access keys and policies through the gate: their lifecycle and
//! errors, policy evaluation on every kind of call, the access-key lookup
//! the server signs against, and secrets kept off the disk and the audit
//! trail.

use std::path::Path;
use std::sync::Arc;

use sysman_api::commands::{MessageBody, ReceiveMessages, SendCommand};
use sysman_api::fleet::{CreateActivation, DeregisterManagedInstance, PlatformType, RegisterNode};
use sysman_api::iam::{
    AccessKeyStatus, CreateAccessKey, CreateUser, DeleteAccessKey, DeleteUser, DeleteUserPolicy,
    GetUserPolicy, ListAccessKeys, ListUserPolicies, ListUsers, PutUserPolicy, UpdateAccessKey,
};
use sysman_api::kms::ListKeys;
use sysman_api::parameters::{DeleteParameters, GetParameter, GetParameters, PutParameter};
use sysman_api::{ApiError, Tag, Timestamp};
use sysman_backend::{Backend, Caller, Handler, ManualClock, Options, STORE_FILE};

const START: i64 = 1_795_435_200;
const ACCOUNT: &str = "000000000000";

fn options() -> Options {
    Options {
        clock: Arc::new(ManualClock::new(Timestamp::from_secs(START))),
        id_seed: Some(7),
        ..Options::default()
    }
}

fn open(dir: Option<&Path>) -> Backend {
    match dir {
        Some(d) => Backend::open(d, options()).unwrap(),
        None => Backend::open_in_memory(options()).unwrap(),
    }
}

fn admin() -> Caller {
    Caller::admin("ops")
}

fn alice() -> Caller {
    Caller::user("alice")
}

/// A one-statement policy document.
fn policy(effect: &str, actions: &[&str], resources: &[&str]) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": effect, "Action": actions, "Resource": resources }],
    })
    .to_string()
}

async fn ok<O: Handler>(b: &Backend, caller: &Caller, op: O) -> O::Output {
    match b.call(caller, op).await {
        Ok(out) => out,
        Err(e) => panic!("{} refused: {e}", std::any::type_name::<O>()),
    }
}

async fn refused<O: Handler>(b: &Backend, caller: &Caller, op: O) -> ApiError {
    match b.call(caller, op).await {
        Ok(_) => panic!("{} was allowed", std::any::type_name::<O>()),
        Err(e) => e,
    }
}

async fn create_user(b: &Backend, name: &str) {
    ok(
        b,
        &admin(),
        CreateUser {
            user_name: name.into(),
            tags: None,
        },
    )
    .await;
}

async fn put_policy(b: &Backend, user: &str, name: &str, document: String) {
    ok(
        b,
        &admin(),
        PutUserPolicy {
            user_name: user.into(),
            policy_name: name.into(),
            policy_document: document,
        },
    )
    .await;
}

async fn create_key(b: &Backend, user: &str) -> (String, String) {
    let key = ok(
        b,
        &admin(),
        CreateAccessKey {
            user_name: user.into(),
        },
    )
    .await
    .access_key;
    (key.access_key_id, key.secret_access_key)
}

fn put(name: &str, value: &str) -> PutParameter {
    PutParameter {
        name: name.into(),
        value: value.into(),
        r#type: Some("String".into()),
        overwrite: Some(true),
        ..PutParameter::default()
    }
}

fn get(name: &str) -> GetParameter {
    GetParameter {
        name: name.into(),
        with_decryption: None,
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

/// Every user with its keys (ids only) and policies (with documents).
async fn iam_state(b: &Backend) -> Vec<(String, Vec<String>, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for user in ok(b, &admin(), ListUsers {}).await.users {
        let name = user.user_name;
        let keys = ok(
            b,
            &admin(),
            ListAccessKeys {
                user_name: name.clone(),
            },
        )
        .await
        .access_key_metadata
        .into_iter()
        .map(|k| k.access_key_id)
        .collect();
        let mut policies = Vec::new();
        let listed = ok(
            b,
            &admin(),
            ListUserPolicies {
                user_name: name.clone(),
            },
        )
        .await;
        for policy_name in listed.policy_names {
            let doc = ok(
                b,
                &admin(),
                GetUserPolicy {
                    user_name: name.clone(),
                    policy_name: policy_name.clone(),
                },
            )
            .await
            .policy_document;
            policies.push((policy_name, doc));
        }
        out.push((name, keys, policies));
    }
    out
}

/// Nothing in `dir` holds `secret`: not the store, its WAL, nor anything
/// else. Files may vanish while we look (SQLite removes its WAL when the
/// last connection closes).
fn assert_not_on_disk(dir: &Path, secret: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        };
        let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "{} holds a secret", path.display());
    }
}

/// Registers one node; its id, access key id and secret.
async fn register_node(b: &Backend) -> (String, String, String) {
    let activation = ok(
        b,
        &admin(),
        CreateActivation {
            iam_role: "Role".into(),
            tags: Some(vec![Tag::new("Role", "web")]),
            ..CreateActivation::default()
        },
    )
    .await;
    let node = ok(
        b,
        &Caller::Anonymous,
        RegisterNode {
            activation_id: activation.activation_id,
            activation_code: activation.activation_code,
            agent_version: Some("3.3.1611.0".into()),
            platform_type: Some(PlatformType::Linux),
            ..RegisterNode::default()
        },
    )
    .await;
    (node.instance_id, node.access_key_id, node.secret_access_key)
}

// ---------------------------------------------------------------------------
// Lifecycle and errors

#[tokio::test]
async fn a_user_goes_from_creation_through_keys_and_policies_to_deletion() {
    let b = open(None);
    let created = ok(
        &b,
        &admin(),
        CreateUser {
            user_name: "alice".into(),
            tags: Some(vec![Tag::new("team", "core")]),
        },
    )
    .await
    .user;
    assert_eq!(created.user_name, "alice");
    assert_eq!(created.arn, format!("arn:aws:iam::{ACCOUNT}:user/alice"));
    assert!(created.user_id.starts_with("AIDA"), "{}", created.user_id);
    assert_eq!(created.create_date, Timestamp::from_secs(START));
    assert_eq!(created.tags, [Tag::new("team", "core")]);
    assert_eq!(ok(&b, &admin(), ListUsers {}).await.users, [created]);

    let first = ok(
        &b,
        &admin(),
        CreateAccessKey {
            user_name: "alice".into(),
        },
    )
    .await
    .access_key;
    assert_eq!(first.user_name, "alice");
    assert_eq!(first.status, AccessKeyStatus::Active);
    assert_eq!(first.access_key_id.len(), 20);
    assert!(first.access_key_id.starts_with("AKIA"));
    assert!(
        first.access_key_id[4..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert_eq!(first.secret_access_key.len(), 40);
    let (second_id, second_secret) = create_key(&b, "alice").await;
    assert_ne!(second_id, first.access_key_id);
    assert_ne!(second_secret, first.secret_access_key);
    let third = refused(
        &b,
        &admin(),
        CreateAccessKey {
            user_name: "alice".into(),
        },
    )
    .await;
    assert_eq!(third.code, "LimitExceeded");
    assert!(third.message.contains("AccessKeysPerUser: 2"), "{third}");

    let listed = ok(
        &b,
        &admin(),
        ListAccessKeys {
            user_name: "alice".into(),
        },
    )
    .await;
    let ids: Vec<&str> = listed
        .access_key_metadata
        .iter()
        .map(|k| k.access_key_id.as_str())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&first.access_key_id.as_str()) && ids.contains(&second_id.as_str()));
    let wire = serde_json::to_string(&listed).unwrap();
    assert!(!wire.contains(&first.secret_access_key), "{wire}");
    assert!(!wire.contains("Secret"), "{wire}");

    let read = policy("Allow", &["ssm:Get*"], &["*"]);
    put_policy(&b, "alice", "read", read.clone()).await;
    put_policy(&b, "alice", "write", policy("Allow", &["ssm:Put*"], &["*"])).await;
    let got = ok(
        &b,
        &admin(),
        GetUserPolicy {
            user_name: "alice".into(),
            policy_name: "read".into(),
        },
    )
    .await;
    assert_eq!(
        (got.user_name.as_str(), got.policy_name.as_str()),
        ("alice", "read")
    );
    assert_eq!(got.policy_document, read);
    // Putting a policy again replaces it.
    let replaced = policy("Allow", &["ssm:GetParameter"], &["*"]);
    put_policy(&b, "alice", "read", replaced.clone()).await;
    assert_eq!(
        iam_state(&b).await[0].2,
        [
            ("read".to_owned(), replaced),
            ("write".to_owned(), policy("Allow", &["ssm:Put*"], &["*"]))
        ]
    );

    // Keys, then policies, must go before the user does.
    let delete = || DeleteUser {
        user_name: "alice".into(),
    };
    let conflict = refused(&b, &admin(), delete()).await;
    assert_eq!(conflict.code, "DeleteConflict");
    assert!(conflict.message.contains("access keys"), "{conflict}");
    for id in [first.access_key_id.clone(), second_id] {
        ok(
            &b,
            &admin(),
            DeleteAccessKey {
                user_name: "alice".into(),
                access_key_id: id,
            },
        )
        .await;
    }
    let conflict = refused(&b, &admin(), delete()).await;
    assert_eq!(conflict.code, "DeleteConflict");
    assert!(conflict.message.contains("policies"), "{conflict}");
    for name in ["read", "write"] {
        ok(
            &b,
            &admin(),
            DeleteUserPolicy {
                user_name: "alice".into(),
                policy_name: name.into(),
            },
        )
        .await;
    }
    ok(&b, &admin(), delete()).await;
    assert!(ok(&b, &admin(), ListUsers {}).await.users.is_empty());
    assert!(b.access_key(&first.access_key_id).is_none());
}

#[tokio::test]
async fn every_refusal_has_its_iam_error_and_changes_nothing() {
    let b = open(None);
    create_user(&b, "alice").await;
    let (key, _) = create_key(&b, "alice").await;
    put_policy(&b, "alice", "read", policy("Allow", &["ssm:Get*"], &["*"])).await;
    let before = iam_state(&b).await;

    let user = |n: &str| n.to_owned();
    let long_user = "u".repeat(65);
    let long_policy = "p".repeat(129);
    let cases: Vec<(&str, ApiError)> = vec![
        // NoSuchEntity: the user, the key, the policy.
        (
            "NoSuchEntity",
            refused(
                &b,
                &admin(),
                DeleteUser {
                    user_name: user("bob"),
                },
            )
            .await,
        ),
        (
            "NoSuchEntity",
            refused(
                &b,
                &admin(),
                CreateAccessKey {
                    user_name: user("bob"),
                },
            )
            .await,
        ),
        (
            "NoSuchEntity",
            refused(
                &b,
                &admin(),
                ListAccessKeys {
                    user_name: user("bob"),
                },
            )
            .await,
        ),
        (
            "NoSuchEntity",
            refused(
                &b,
                &admin(),
                ListUserPolicies {
                    user_name: user("bob"),
                },
            )
            .await,
        ),
        (
            "NoSuchEntity",
            refused(
                &b,
                &admin(),
                DeleteAccessKey {
                    user_name: user("alice"),
                    access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
                },
            )
            .await,
        ),
        (
            "NoSuchEntity",
            refused(
                &b,
                &admin(),
                DeleteAccessKey {
                    user_name: user("bob"),
                    access_key_id: key.clone(),
                },
            )
            .await,
        ),
        (
            "NoSuchEntity",
            refused(
                &b,
                &admin(),
                GetUserPolicy {
                    user_name: user("alice"),
                    policy_name: "nope".into(),
                },
            )
            .await,
        ),
        (
            "NoSuchEntity",
            refused(
                &b,
                &admin(),
                DeleteUserPolicy {
                    user_name: user("alice"),
                    policy_name: "nope".into(),
                },
            )
            .await,
        ),
        (
            "NoSuchEntity",
            refused(
                &b,
                &admin(),
                PutUserPolicy {
                    user_name: user("bob"),
                    policy_name: "p".into(),
                    policy_document: policy("Allow", &["*"], &["*"]),
                },
            )
            .await,
        ),
        // EntityAlreadyExists, whatever the case.
        (
            "EntityAlreadyExists",
            refused(
                &b,
                &admin(),
                CreateUser {
                    user_name: user("alice"),
                    tags: None,
                },
            )
            .await,
        ),
        (
            "EntityAlreadyExists",
            refused(
                &b,
                &admin(),
                CreateUser {
                    user_name: user("ALICE"),
                    tags: None,
                },
            )
            .await,
        ),
        // DeleteConflict: alice has a key.
        (
            "DeleteConflict",
            refused(
                &b,
                &admin(),
                DeleteUser {
                    user_name: user("alice"),
                },
            )
            .await,
        ),
        // ValidationException: names and document size.
        (
            "ValidationException",
            refused(
                &b,
                &admin(),
                CreateUser {
                    user_name: user(""),
                    tags: None,
                },
            )
            .await,
        ),
        (
            "ValidationException",
            refused(
                &b,
                &admin(),
                CreateUser {
                    user_name: user("al/ice"),
                    tags: None,
                },
            )
            .await,
        ),
        (
            "ValidationException",
            refused(
                &b,
                &admin(),
                CreateUser {
                    user_name: user("al ice"),
                    tags: None,
                },
            )
            .await,
        ),
        (
            "ValidationException",
            refused(
                &b,
                &admin(),
                CreateUser {
                    user_name: long_user.clone(),
                    tags: None,
                },
            )
            .await,
        ),
        (
            "ValidationException",
            refused(
                &b,
                &admin(),
                CreateUser {
                    user_name: user("carol"),
                    tags: Some(vec![Tag::new("aws:x", "y")]),
                },
            )
            .await,
        ),
        (
            "ValidationException",
            refused(
                &b,
                &admin(),
                PutUserPolicy {
                    user_name: user("alice"),
                    policy_name: long_policy,
                    policy_document: policy("Allow", &["*"], &["*"]),
                },
            )
            .await,
        ),
        (
            "ValidationException",
            refused(
                &b,
                &admin(),
                PutUserPolicy {
                    user_name: user("alice"),
                    policy_name: "big".into(),
                    policy_document: policy(
                        "Allow",
                        &["*"],
                        &[&format!("arn:{}", "x".repeat(10_240))],
                    ),
                },
            )
            .await,
        ),
        (
            "ValidationException",
            refused(
                &b,
                &admin(),
                GetUserPolicy {
                    user_name: user("alice"),
                    policy_name: "a:b".into(),
                },
            )
            .await,
        ),
        // MalformedPolicyDocument, saying what is wrong.
        (
            "MalformedPolicyDocument",
            refused(
                &b,
                &admin(),
                PutUserPolicy {
                    user_name: user("alice"),
                    policy_name: "bad".into(),
                    policy_document:
                        r#"{"Statement":{"Effect":"Allow","NotAction":"ssm:*","Resource":"*"}}"#
                            .into(),
                },
            )
            .await,
        ),
        (
            "MalformedPolicyDocument",
            refused(
                &b,
                &admin(),
                PutUserPolicy {
                    user_name: user("alice"),
                    policy_name: "bad".into(),
                    policy_document: r#"{"Version":"2024-01-01","Statement":[]}"#.into(),
                },
            )
            .await,
        ),
        (
            "MalformedPolicyDocument",
            refused(
                &b,
                &admin(),
                PutUserPolicy {
                    user_name: user("alice"),
                    policy_name: "bad".into(),
                    policy_document: "{not json".into(),
                },
            )
            .await,
        ),
    ];
    for (code, err) in &cases {
        assert_eq!(err.code, *code, "{err}");
        assert!(!err.message.is_empty());
    }
    let messages: Vec<&str> = cases.iter().map(|(_, e)| e.message.as_str()).collect();
    assert!(messages[0].contains("bob"), "{}", messages[0]);
    assert!(
        messages[4].contains("AKIAAAAAAAAAAAAAAAAA"),
        "{}",
        messages[4]
    );
    assert!(messages[6].contains("nope"), "{}", messages[6]);
    assert!(
        messages
            .iter()
            .any(|m| m.contains("NotAction is not supported"))
    );
    assert!(messages.iter().any(|m| m.contains("Version")));
    assert!(messages.iter().any(|m| m.contains("not valid JSON")));
    assert!(messages.iter().any(|m| m.contains("10240")));
    assert!(messages.iter().any(|m| m.contains(r"[\w+=,.@-]+")));
    assert_eq!(iam_state(&b).await, before);
}

#[tokio::test]
async fn names_at_the_limits_are_accepted() {
    let b = open(None);
    let longest = "a".repeat(64);
    create_user(&b, &longest).await;
    create_user(&b, "x_+=,.@-1").await;
    put_policy(
        &b,
        "x_+=,.@-1",
        &"p".repeat(128),
        policy("Allow", &["*"], &["*"]),
    )
    .await;
    assert_eq!(ok(&b, &admin(), ListUsers {}).await.users.len(), 2);
}

// ---------------------------------------------------------------------------
// Policy evaluation

#[tokio::test]
async fn a_user_with_no_policy_is_denied_in_aws_words() {
    let b = open(None);
    create_user(&b, "alice").await;
    ok(&b, &admin(), put("/secret/x", "v")).await;
    let err = refused(&b, &alice(), get("/secret/x")).await;
    assert_eq!(err.code, "AccessDeniedException");
    assert_eq!(
        err.message,
        "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: \
         ssm:GetParameter on resource: arn:aws:ssm:us-east-1:000000000000:parameter/secret/x \
         because no identity-based policy allows the ssm:GetParameter action"
    );
    // An unknown user is no better off.
    let ghost = refused(&b, &Caller::user("ghost"), get("/secret/x")).await;
    assert_eq!(ghost.code, "AccessDeniedException");
    // Listing calls act on `*`.
    let list = refused(&b, &alice(), ListKeys {}).await;
    assert!(
        list.message.contains(
            "perform: sysman:ListKeys on resource: arn:aws:ssm:us-east-1:000000000000:key/*"
        ),
        "{list}"
    );
}

#[tokio::test]
async fn a_get_star_policy_on_a_path_allows_reads_under_it_only() {
    let b = open(None);
    create_user(&b, "alice").await;
    put_policy(
        &b,
        "alice",
        "app-read",
        policy("Allow", &["ssm:Get*"], &["arn:aws:ssm:*:*:parameter/app/*"]),
    )
    .await;
    for name in ["/app/x", "/other/x"] {
        ok(&b, &admin(), put(name, "v")).await;
    }
    let x = ok(&b, &alice(), get("/app/x")).await.parameter;
    assert_eq!(x.value, "v");
    // By ARN and with a selector, it is the same parameter.
    ok(
        &b,
        &alice(),
        get("arn:aws:ssm:us-east-1:000000000000:parameter/app/x:1"),
    )
    .await;

    let other = refused(&b, &alice(), get("/other/x")).await;
    assert_eq!(other.code, "AccessDeniedException");
    assert!(other.message.contains("parameter/other/x"), "{other}");
    let write = refused(&b, &alice(), put("/app/x", "changed")).await;
    assert_eq!(write.code, "AccessDeniedException");
    assert!(
        write.message.contains("perform: ssm:PutParameter on resource: arn:aws:ssm:us-east-1:000000000000:parameter/app/x"),
        "{write}"
    );
    assert_eq!(ok(&b, &admin(), get("/app/x")).await.parameter.value, "v");
    // Actions match whatever their case.
    put_policy(
        &b,
        "alice",
        "shouty",
        policy(
            "Allow",
            &["SSM:PUTPARAMETER"],
            &["arn:aws:ssm:*:*:parameter/app/*"],
        ),
    )
    .await;
    ok(&b, &alice(), put("/app/x", "changed")).await;
    // Resources match with theirs.
    let upper = refused(&b, &alice(), put("/APP/x", "v")).await;
    assert_eq!(upper.code, "AccessDeniedException");
}

#[tokio::test]
async fn an_explicit_deny_beats_any_allow() {
    let b = open(None);
    create_user(&b, "alice").await;
    put_policy(&b, "alice", "all", policy("Allow", &["*"], &["*"])).await;
    put_policy(
        &b,
        "alice",
        "no-secrets",
        policy(
            "Deny",
            &["ssm:GetParameter*"],
            &["arn:aws:ssm:*:*:parameter/secret/*"],
        ),
    )
    .await;
    ok(&b, &admin(), put("/secret/x", "v")).await;
    ok(&b, &alice(), put("/public/x", "v")).await;
    ok(&b, &alice(), get("/public/x")).await;
    let err = refused(&b, &alice(), get("/secret/x")).await;
    assert_eq!(err.code, "AccessDeniedException");
    assert_eq!(
        err.message,
        "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: \
         ssm:GetParameter on resource: arn:aws:ssm:us-east-1:000000000000:parameter/secret/x \
         with an explicit deny in an identity-based policy"
    );
    // The Deny covers only what it names.
    ok(&b, &alice(), put("/secret/x", "overwritten")).await;
}

#[tokio::test]
async fn a_call_on_several_parameters_needs_every_one_allowed() {
    let b = open(None);
    create_user(&b, "alice").await;
    put_policy(
        &b,
        "alice",
        "app",
        policy(
            "Allow",
            &["ssm:GetParameters", "ssm:DeleteParameters"],
            &["arn:aws:ssm:*:*:parameter/app/*"],
        ),
    )
    .await;
    for name in ["/app/a", "/app/b", "/other/x"] {
        ok(&b, &admin(), put(name, "v")).await;
    }
    let both = ok(
        &b,
        &alice(),
        GetParameters {
            names: names(&["/app/a", "/app/b"]),
            with_decryption: None,
        },
    )
    .await;
    assert_eq!(both.parameters.len(), 2);
    let mixed = refused(
        &b,
        &alice(),
        GetParameters {
            names: names(&["/app/a", "/other/x"]),
            with_decryption: None,
        },
    )
    .await;
    assert_eq!(mixed.code, "AccessDeniedException");
    assert!(mixed.message.contains("parameter/other/x"), "{mixed}");
    let delete = refused(
        &b,
        &alice(),
        DeleteParameters {
            names: names(&["/app/a", "/other/x"]),
        },
    )
    .await;
    assert_eq!(delete.code, "AccessDeniedException");
    // Nothing was deleted, not even the allowed one.
    ok(&b, &admin(), get("/app/a")).await;
    ok(&b, &admin(), get("/other/x")).await;
    // An empty list is a `*` request, not a free pass.
    let empty = refused(&b, &alice(), DeleteParameters { names: vec![] }).await;
    assert_eq!(empty.code, "AccessDeniedException");
}

#[tokio::test]
async fn sysman_actions_cover_our_own_operations() {
    let b = open(None);
    create_user(&b, "alice").await;
    create_user(&b, "bob").await;
    put_policy(
        &b,
        "alice",
        "iam",
        policy(
            "Allow",
            &["sysman:*"],
            &["arn:aws:iam::*:user/bob", "arn:aws:ssm:*:*:key/*"],
        ),
    )
    .await;
    put_policy(
        &b,
        "alice",
        "lists",
        policy("Allow", &["sysman:List*"], &["*"]),
    )
    .await;
    // Alice manages bob, not herself, and cannot touch SSM.
    let (key, _) = create_key(&b, "bob").await;
    let listed = ok(
        &b,
        &alice(),
        ListAccessKeys {
            user_name: "bob".into(),
        },
    )
    .await;
    assert_eq!(listed.access_key_metadata[0].access_key_id, key);
    ok(
        &b,
        &alice(),
        CreateAccessKey {
            user_name: "bob".into(),
        },
    )
    .await;
    ok(&b, &alice(), ListUsers {}).await;
    ok(&b, &alice(), ListKeys {}).await;
    let own = refused(
        &b,
        &alice(),
        CreateAccessKey {
            user_name: "alice".into(),
        },
    )
    .await;
    assert_eq!(own.code, "AccessDeniedException");
    assert!(
        own.message.contains(
            "perform: sysman:CreateAccessKey on resource: arn:aws:iam::000000000000:user/alice"
        ),
        "{own}"
    );
    // Giving herself more rights is a sysman action on her own user: denied.
    let escalate = refused(
        &b,
        &alice(),
        PutUserPolicy {
            user_name: "alice".into(),
            policy_name: "all".into(),
            policy_document: policy("Allow", &["*"], &["*"]),
        },
    )
    .await;
    assert_eq!(escalate.code, "AccessDeniedException");
    let ssm = refused(&b, &alice(), put("/app/x", "v")).await;
    assert_eq!(ssm.code, "AccessDeniedException");
    // `ssm:*` does not reach sysman's operations.
    put_policy(&b, "bob", "ssm", policy("Allow", &["ssm:*"], &["*"])).await;
    ok(&b, &Caller::user("bob"), put("/app/x", "v")).await;
    let denied = refused(&b, &Caller::user("bob"), ListUsers {}).await;
    assert!(denied.message.contains("sysman:ListUsers"), "{denied}");
}

#[tokio::test]
async fn a_denied_call_changes_nothing_and_is_audited() {
    let b = open(None);
    create_user(&b, "alice").await;
    ok(&b, &admin(), put("/app/x", "before")).await;
    let err = refused(&b, &alice(), put("/app/x", "after")).await;
    assert_eq!(err.code, "AccessDeniedException");
    let denied_user = refused(
        &b,
        &alice(),
        CreateUser {
            user_name: "mallory".into(),
            tags: None,
        },
    )
    .await;
    assert_eq!(denied_user.code, "AccessDeniedException");
    let x = ok(&b, &admin(), get("/app/x")).await.parameter;
    assert_eq!((x.value.as_str(), x.version), ("before", 1));
    assert_eq!(ok(&b, &admin(), ListUsers {}).await.users.len(), 1);

    b.flush().await;
    let audit = b.audit_records().await.unwrap();
    let denied: Vec<_> = audit
        .iter()
        .filter(|r| r.outcome == "AccessDeniedException")
        .collect();
    assert_eq!(denied.len(), 2, "{audit:#?}");
    assert_eq!(denied[0].principal, "user:alice");
    assert_eq!(denied[0].operation, "PutParameter");
    assert_eq!(denied[0].resource, "parameter/app/x");
    assert_eq!(denied[1].operation, "CreateUser");
    assert_eq!(denied[1].resource, "user/mallory");
    assert_eq!(
        b.verify_audit_chain().await.unwrap(),
        Ok(audit.len() as u64)
    );
}

#[tokio::test]
async fn a_user_sends_commands_whose_references_resolve_with_their_rights() {
    let b = open(None);
    let (node, _, _) = register_node(&b).await;
    create_user(&b, "alice").await;
    put_policy(
        &b,
        "alice",
        "run",
        policy("Allow", &["ssm:SendCommand"], &["*"]),
    )
    .await;
    put_policy(
        &b,
        "alice",
        "read",
        policy(
            "Allow",
            &["ssm:GetParameter"],
            &["arn:aws:ssm:*:*:parameter/app/*"],
        ),
    )
    .await;
    ok(&b, &admin(), put("/app/greeting", "hello")).await;
    ok(&b, &admin(), put("/other/x", "private")).await;
    let send = |text: &str| SendCommand {
        instance_ids: Some(vec![node.clone()]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(
            [("commands".to_owned(), vec![text.to_owned()])]
                .into_iter()
                .collect(),
        ),
        ..SendCommand::default()
    };
    // A reference alice may not read is refused when she sends it.
    let err = refused(&b, &alice(), send("echo {{ssm:/other/x}}")).await;
    assert!(err.message.contains("not authorized"), "{err}");
    let delivered = || async {
        let messages = ok(
            &b,
            &Caller::node(&node),
            ReceiveMessages {
                instance_id: node.clone(),
                wait_seconds: Some(0),
                max_messages: None,
            },
        )
        .await
        .messages;
        match &messages[..] {
            [message] => match &message.body {
                MessageBody::RunCommand { steps, .. } => steps[0].inputs.to_string(),
                other => panic!("a run message: {other:?}"),
            },
            _ => panic!("one message: {messages:?}"),
        }
    };
    ok(&b, &alice(), send("echo {{ssm:/app/greeting}}")).await;
    let inputs = delivered().await;
    assert!(inputs.contains("echo hello"), "{inputs}");
    // References resolve again at delivery, still as alice: once she may
    // no longer read the parameter, the step carries the refusal instead.
    ok(&b, &alice(), send("echo {{ssm:/app/greeting}}")).await;
    ok(
        &b,
        &admin(),
        DeleteUserPolicy {
            user_name: "alice".into(),
            policy_name: "read".into(),
        },
    )
    .await;
    let inputs = delivered().await;
    assert!(!inputs.contains("hello"), "{inputs}");
    assert!(
        inputs.contains("ResolveError") && inputs.contains("user/alice"),
        "{inputs}"
    );
    b.flush().await;
    let audit = b.audit_records().await.unwrap();
    assert!(audit.iter().any(|r| r.operation == "SendCommand"
        && r.principal == "user:alice"
        && r.outcome == "Success"));
}

#[tokio::test]
async fn sending_a_command_needs_every_node_allowed_by_id_or_by_tag() {
    let b = open(None);
    let (allowed, _, _) = register_node(&b).await;
    let (other, _, _) = register_node(&b).await;
    create_user(&b, "alice").await;
    put_policy(
        &b,
        "alice",
        "run",
        policy(
            "Allow",
            &["ssm:SendCommand"],
            &[
                "arn:aws:ssm:*:*:document/AWS-RunShellScript",
                &format!("arn:aws:ssm:*:*:managed-instance/{allowed}"),
            ],
        ),
    )
    .await;
    let send =
        |instance_ids: Option<Vec<String>>, targets: Option<Vec<sysman_api::Target>>| SendCommand {
            instance_ids,
            targets,
            document_name: "AWS-RunShellScript".into(),
            parameters: Some(
                [("commands".to_owned(), vec!["uptime".to_owned()])]
                    .into_iter()
                    .collect(),
            ),
            ..SendCommand::default()
        };
    ok(&b, &alice(), send(Some(vec![allowed.clone()]), None)).await;
    let err = refused(
        &b,
        &alice(),
        send(Some(vec![allowed.clone(), other.clone()]), None),
    )
    .await;
    assert_eq!(err.code, "AccessDeniedException");
    assert!(err.message.contains(&other), "{err}");
    // Both nodes carry Role=web: found by tag, the one not allowed refuses
    // the whole command, and nothing is sent.
    let by_tag = Some(vec![sysman_api::Target {
        key: "tag:Role".into(),
        values: vec!["web".into()],
    }]);
    let err = refused(&b, &alice(), send(None, by_tag)).await;
    assert_eq!(err.code, "AccessDeniedException");
    assert!(err.message.contains(&other), "{err}");
    let sent = ok(&b, &admin(), sysman_api::commands::ListCommands::default())
        .await
        .commands;
    assert_eq!(sent.len(), 1, "only the allowed send: {sent:?}");
}

#[tokio::test]
async fn an_inactive_key_signs_nothing_until_it_is_turned_back_on() {
    let dir = tempfile::tempdir().unwrap();
    let key = {
        let b = open(Some(dir.path()));
        create_user(&b, "alice").await;
        let (key, secret) = create_key(&b, "alice").await;
        let found = b
            .access_key(&key)
            .map(|(caller, s)| (caller.to_string(), s));
        assert_eq!(found, Some(("user:alice".to_owned(), secret)));
        let update = |status| UpdateAccessKey {
            user_name: "alice".into(),
            access_key_id: key.clone(),
            status,
        };
        ok(&b, &admin(), update(AccessKeyStatus::Inactive)).await;
        assert!(b.access_key(&key).is_none());
        let listed = ok(
            &b,
            &admin(),
            ListAccessKeys {
                user_name: "alice".into(),
            },
        )
        .await
        .access_key_metadata;
        assert_eq!(listed[0].status, AccessKeyStatus::Inactive);
        // Another user's key, or none: NoSuchEntity, and nothing changes.
        let err = refused(
            &b,
            &admin(),
            UpdateAccessKey {
                user_name: "admin-nobody".into(),
                ..update(AccessKeyStatus::Active)
            },
        )
        .await;
        assert_eq!(err.code, "NoSuchEntity");
        assert!(b.access_key(&key).is_none());
        b.flush().await;
        key
    };
    // Inactive across a restart, then active again.
    let b = open(Some(dir.path()));
    assert!(b.access_key(&key).is_none());
    ok(
        &b,
        &admin(),
        UpdateAccessKey {
            user_name: "alice".into(),
            access_key_id: key.clone(),
            status: AccessKeyStatus::Active,
        },
    )
    .await;
    assert!(b.access_key(&key).is_some());
}

// ---------------------------------------------------------------------------
// Access keys for the server

#[tokio::test]
async fn access_keys_name_their_user_or_node_and_their_secret() {
    let b = open(None);
    create_user(&b, "alice").await;
    let (key, secret) = create_key(&b, "alice").await;
    let (node, node_key, node_secret) = register_node(&b).await;

    assert_eq!(b.access_key(&key), Some((Caller::user("alice"), secret)));
    assert_eq!(
        b.access_key(&node_key),
        Some((Caller::node(node.clone()), node_secret))
    );
    assert_eq!(b.access_key("AKIAAAAAAAAAAAAAAAAA"), None);
    assert_eq!(b.access_key(""), None);

    ok(
        &b,
        &admin(),
        DeleteAccessKey {
            user_name: "alice".into(),
            access_key_id: key.clone(),
        },
    )
    .await;
    assert_eq!(b.access_key(&key), None);
    ok(
        &b,
        &admin(),
        DeregisterManagedInstance { instance_id: node },
    )
    .await;
    assert_eq!(b.access_key(&node_key), None);
}

#[tokio::test]
async fn secrets_never_reach_the_disk_or_the_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let mut secrets = Vec::new();
    {
        let b = open(Some(dir.path()));
        let (_, admin_secret) = b.bootstrap_admin("root").await.unwrap().unwrap();
        secrets.push(admin_secret);
        create_user(&b, "alice").await;
        secrets.push(create_key(&b, "alice").await.1);
        secrets.push(register_node(&b).await.2);
        b.flush().await;
        assert!(dir.path().join(STORE_FILE).exists());
        for secret in &secrets {
            assert_not_on_disk(dir.path(), secret);
        }
        let audit = b.audit_records().await.unwrap();
        assert!(audit.iter().any(|r| r.operation == "CreateAccessKey"));
        for record in &audit {
            for secret in &secrets {
                assert!(!record.request.contains(secret.as_str()), "{record:?}");
            }
        }
    }
    for secret in &secrets {
        assert_not_on_disk(dir.path(), secret);
    }
}

#[tokio::test]
async fn users_keys_and_policies_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (key, secret, node, node_key, node_secret) = {
        let b = open(Some(dir.path()));
        create_user(&b, "alice").await;
        let (key, secret) = create_key(&b, "alice").await;
        put_policy(
            &b,
            "alice",
            "app",
            policy("Allow", &["ssm:*"], &["arn:aws:ssm:*:*:parameter/app/*"]),
        )
        .await;
        put_policy(
            &b,
            "alice",
            "deny",
            policy("Deny", &["ssm:DeleteParameter"], &["*"]),
        )
        .await;
        let (node, node_key, node_secret) = register_node(&b).await;
        b.flush().await;
        (key, secret, node, node_key, node_secret)
    };
    let b = open(Some(dir.path()));
    assert_eq!(b.access_key(&key), Some((Caller::user("alice"), secret)));
    assert_eq!(
        b.access_key(&node_key),
        Some((Caller::node(node), node_secret))
    );
    let state = iam_state(&b).await;
    assert_eq!(state.len(), 1);
    assert_eq!(state[0].1, [key]);
    assert_eq!(state[0].2.len(), 2);
    ok(&b, &alice(), put("/app/x", "v")).await;
    let denied = refused(
        &b,
        &alice(),
        sysman_api::parameters::DeleteParameter {
            name: "/app/x".into(),
        },
    )
    .await;
    assert!(denied.message.contains("explicit deny"), "{denied}");
    // The key-id index came back too: a third key is still over the limit
    // only after a second.
    create_key(&b, "alice").await;
    let over = refused(
        &b,
        &admin(),
        CreateAccessKey {
            user_name: "alice".into(),
        },
    )
    .await;
    assert_eq!(over.code, "LimitExceeded");
}

#[tokio::test]
async fn nodes_registered_before_sealed_secrets_still_load_but_cannot_sign() {
    let dir = tempfile::tempdir().unwrap();
    let (node, node_key) = {
        let b = open(Some(dir.path()));
        let (node, node_key, _) = register_node(&b).await;
        b.flush().await;
        (node, node_key)
    };
    // Rewrite the node record as the previous version wrote it: a SHA-256
    // of the secret and no sealed secret.
    {
        let conn = rusqlite::Connection::open(dir.path().join(STORE_FILE)).unwrap();
        let body: String = conn
            .query_row(
                "SELECT body FROM records WHERE kind = 'node' AND id = ?1",
                [&node],
                |r| r.get(0),
            )
            .unwrap();
        let mut record: serde_json::Value = serde_json::from_str(&body).unwrap();
        let fields = record.as_object_mut().unwrap();
        assert!(fields.remove("secret_sealed").is_some());
        fields.insert("secret_sha256".into(), "ab".repeat(32).into());
        conn.execute(
            "UPDATE records SET body = ?1 WHERE kind = 'node' AND id = ?2",
            [record.to_string(), node.clone()],
        )
        .unwrap();
    }
    let b = open(Some(dir.path()));
    let nodes = ok(&b, &admin(), sysman_api::fleet::ListNodes::default()).await;
    assert_eq!(nodes.nodes[0].info.instance_id, node);
    assert_eq!(b.access_key(&node_key), None);
}

// ---------------------------------------------------------------------------
// The first administrator

#[tokio::test]
async fn bootstrap_admin_creates_the_first_user_once() {
    let dir = tempfile::tempdir().unwrap();
    let (key, secret) = {
        let b = open(Some(dir.path()));
        let (key, secret) = b.bootstrap_admin("root").await.unwrap().unwrap();
        assert!(key.starts_with("AKIA"), "{key}");
        assert_eq!(secret.len(), 40);
        assert_eq!(b.bootstrap_admin("root").await.unwrap(), None);
        assert_eq!(b.bootstrap_admin("other").await.unwrap(), None);
        b.flush().await;
        let audit = b.audit_records().await.unwrap();
        let boot: Vec<_> = audit.iter().filter(|r| r.principal == "system").collect();
        assert_eq!(boot.len(), 1, "{audit:#?}");
        assert_eq!(boot[0].resource, "user/root");
        assert_eq!(boot[0].outcome, "Success");
        (key, secret)
    };
    // Durable: after a reopen the key still works and nothing is created.
    let b = open(Some(dir.path()));
    assert_eq!(b.bootstrap_admin("root").await.unwrap(), None);
    let (caller, again) = b.access_key(&key).unwrap();
    assert_eq!((caller.clone(), again), (Caller::user("root"), secret));
    let doc = ok(
        &b,
        &admin(),
        GetUserPolicy {
            user_name: "root".into(),
            policy_name: "AdministratorAccess".into(),
        },
    )
    .await
    .policy_document;
    assert_eq!(
        doc,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
    );
    // It may do anything, as that user.
    ok(&b, &caller, put("/any/thing", "v")).await;
    ok(
        &b,
        &caller,
        CreateUser {
            user_name: "alice".into(),
            tags: None,
        },
    )
    .await;
    ok(&b, &caller, ListKeys {}).await;
}

#[tokio::test]
async fn bootstrap_admin_does_nothing_once_a_user_exists() {
    let b = open(None);
    create_user(&b, "alice").await;
    assert_eq!(b.bootstrap_admin("root").await.unwrap(), None);
    assert_eq!(ok(&b, &admin(), ListUsers {}).await.users.len(), 1);
    let bad = open(None).bootstrap_admin("no/slash").await.unwrap_err();
    assert_eq!(bad.code, "ValidationException");
}

/// alice, allowed every ssm action but denied reading `/prod/*`.
async fn alice_denied_prod(b: &Backend) {
    create_user(b, "alice").await;
    put_policy(b, "alice", "all", policy("Allow", &["ssm:*"], &["*"])).await;
    put_policy(
        b,
        "alice",
        "no-prod",
        policy(
            "Deny",
            &["ssm:GetParameter*"],
            &["arn:aws:ssm:*:*:parameter/prod/*"],
        ),
    )
    .await;
}

/// Every way of naming a parameter in a reference is held to the same
/// Deny as GetParameter: by name, with a version or label, by ARN, and by
/// ARN with a version. An ARN used to be authorized as the parameter
/// `arn`, so a denied secret came back in the command's output.
#[tokio::test]
async fn a_reference_in_any_form_is_held_to_an_explicit_deny() {
    let b = open(None);
    let (node, _, _) = register_node(&b).await;
    alice_denied_prod(&b).await;
    ok(
        &b,
        &admin(),
        PutParameter {
            name: "/prod/db".into(),
            value: "TOPSECRET-123".into(),
            r#type: Some("SecureString".into()),
            ..PutParameter::default()
        },
    )
    .await;
    ok(
        &b,
        &admin(),
        sysman_api::parameters::LabelParameterVersion {
            name: "/prod/db".into(),
            parameter_version: Some(1),
            labels: vec!["live".into()],
        },
    )
    .await;
    let arn = format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/prod/db");
    let forms = [
        "/prod/db".to_owned(),
        "/prod/db:1".to_owned(),
        "/prod/db:live".to_owned(),
        arn.clone(),
        format!("{arn}:1"),
        format!("{arn}:live"),
    ];
    for form in &forms {
        let text = format!("echo {{{{ssm-secure:{form}}}}}");
        let err = b.resolve_references(&alice(), &text).await.unwrap_err();
        assert_eq!(err.code, "AccessDeniedException", "{form}: {err}");
        assert!(
            err.message
                .contains("parameter/prod/db with an explicit deny"),
            "{form}: {err}"
        );
        let err = refused(
            &b,
            &alice(),
            SendCommand {
                instance_ids: Some(vec![node.clone()]),
                document_name: "AWS-RunShellScript".into(),
                parameters: Some([("commands".to_owned(), vec![text])].into_iter().collect()),
                ..SendCommand::default()
            },
        )
        .await;
        assert!(
            err.message
                .contains("parameter/prod/db with an explicit deny"),
            "{form}: {err}"
        );
        // The admin, who may read it, gets the secret by every form.
        let reference = format!("{{{{ssm-secure:{form}}}}}");
        let resolved = b.resolve_references(&admin(), &reference).await;
        assert_eq!(resolved.unwrap(), "TOPSECRET-123", "{form}");
    }
}

/// A recursive read of "/" reaches everything, but a parameter that a Deny
/// names is left out: here an explicit Deny always wins (AWS would return
/// it, since it authorizes the path alone).
#[tokio::test]
async fn a_recursive_read_leaves_out_what_a_deny_names() {
    use sysman_api::parameters::GetParametersByPath;
    let b = open(None);
    alice_denied_prod(&b).await;
    for name in ["/app/x", "/prod/db", "/prod/deep/key", "/top"] {
        ok(&b, &admin(), put(name, "v")).await;
    }
    let by_path = |path: &str| GetParametersByPath {
        path: path.into(),
        recursive: Some(true),
        ..GetParametersByPath::default()
    };
    let names = |out: sysman_api::parameters::GetParametersByPathResult| -> Vec<String> {
        out.parameters.into_iter().map(|p| p.name).collect()
    };
    assert_eq!(
        names(ok(&b, &alice(), by_path("/")).await),
        ["/app/x", "/top"]
    );
    // The admin, with no Deny, sees all four.
    assert_eq!(names(ok(&b, &admin(), by_path("/")).await).len(), 4);
    // The denied path itself is refused by the gate, as ever.
    let err = refused(&b, &alice(), by_path("/prod/deep")).await;
    assert_eq!(err.code, "AccessDeniedException");
}
