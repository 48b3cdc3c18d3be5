//! Parameter Store through the gate: the main flows a user notices.

use std::sync::Arc;

use sysman_api::Timestamp;
use sysman_api::parameters::{
    GetParameter, GetParameterHistory, GetParametersByPath, LabelParameterVersion, ParameterTier,
    PutParameter,
};
use sysman_backend::{Backend, Caller, ManualClock, Options};

fn put(name: &str, value: &str, kind: &str) -> PutParameter {
    PutParameter {
        name: name.into(),
        value: value.into(),
        r#type: Some(kind.into()),
        ..PutParameter::default()
    }
}

fn get(name: &str, decrypt: bool) -> GetParameter {
    GetParameter {
        name: name.into(),
        with_decryption: Some(decrypt),
    }
}

/// Nothing on disk holds the plaintext: not the store, its WAL, nor the
/// audit trail. Files may vanish while we look (SQLite removes its WAL and
/// shared-memory files when the last connection closes).
fn assert_no_plaintext(dir: &std::path::Path, secret: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        };
        let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "{} holds the plaintext", path.display());
    }
}

async fn backend_in(dir: Option<&std::path::Path>) -> Backend {
    let options = Options {
        clock: Arc::new(ManualClock::new(Timestamp::from_secs(1_795_435_200))),
        id_seed: Some(5),
        ..Options::default()
    };
    match dir {
        Some(d) => Backend::open(d, options).unwrap(),
        None => Backend::open_in_memory(options).unwrap(),
    }
}

#[tokio::test]
async fn a_secure_string_is_sealed_at_rest_and_readable_with_decryption() {
    let dir = tempfile::tempdir().unwrap();
    let admin = Caller::admin("ops");
    let secret = "correct-horse-battery-staple-7731";
    {
        let b = backend_in(Some(dir.path())).await;
        let out = b
            .call(&admin, put("/app/db/password", secret, "SecureString"))
            .await
            .unwrap();
        assert_eq!((out.version, out.tier), (1, ParameterTier::Standard));

        let plain = b
            .call(&admin, get("/app/db/password", true))
            .await
            .unwrap()
            .parameter;
        assert_eq!(plain.value, secret);
        assert_eq!(
            plain.arn,
            "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/password"
        );
        let sealed = b
            .call(&admin, get("/app/db/password", false))
            .await
            .unwrap()
            .parameter;
        assert_ne!(
            sealed.value, secret,
            "without WithDecryption the value stays sealed"
        );
        assert!(!sealed.value.contains("horse"));
        b.flush().await;
        // While open, the WAL holds the newest pages.
        assert_no_plaintext(dir.path(), secret);
    }
    // Closed, the WAL is checkpointed into the store file.
    assert_no_plaintext(dir.path(), secret);
    // A reopened backend still decrypts with the master key in the data dir.
    let b = backend_in(Some(dir.path())).await;
    let plain = b
        .call(&admin, get("/app/db/password", true))
        .await
        .unwrap()
        .parameter;
    assert_eq!(plain.value, secret);
}

#[tokio::test]
async fn versions_labels_and_selectors() {
    let b = backend_in(None).await;
    let admin = Caller::admin("ops");
    b.call(&admin, put("/app/url", "v1", "String"))
        .await
        .unwrap();
    let again = b
        .call(&admin, put("/app/url", "v2", "String"))
        .await
        .unwrap_err();
    assert_eq!(again.code, "ParameterAlreadyExists");
    let v2 = PutParameter {
        overwrite: Some(true),
        ..put("/app/url", "v2", "String")
    };
    assert_eq!(b.call(&admin, v2).await.unwrap().version, 2);

    let label = LabelParameterVersion {
        name: "/app/url".into(),
        parameter_version: Some(1),
        labels: vec!["stable".into(), "1bad".into()],
    };
    let out = b.call(&admin, label).await.unwrap();
    assert_eq!(out.invalid_labels, ["1bad"]);
    assert_eq!(
        b.call(&admin, get("/app/url:stable", false))
            .await
            .unwrap()
            .parameter
            .value,
        "v1"
    );
    assert_eq!(
        b.call(&admin, get("/app/url:2", false))
            .await
            .unwrap()
            .parameter
            .value,
        "v2"
    );
    assert_eq!(
        b.call(&admin, get("/app/url:9", false))
            .await
            .unwrap_err()
            .code,
        "ParameterVersionNotFound"
    );

    // Reattaching moves the label.
    let moved = LabelParameterVersion {
        name: "/app/url".into(),
        parameter_version: Some(2),
        labels: vec!["stable".into()],
    };
    b.call(&admin, moved).await.unwrap();
    let history = b
        .call(
            &admin,
            GetParameterHistory {
                name: "/app/url".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .parameters;
    let labels: Vec<_> = history
        .iter()
        .map(|h| (h.version, h.labels.clone()))
        .collect();
    assert_eq!(labels, [(1, vec![]), (2, vec!["stable".to_owned()])]);
    assert_eq!(
        history[1].last_modified_user,
        "arn:aws:iam::000000000000:user/ops"
    );
}

#[tokio::test]
async fn paths_page_through_a_hierarchy() {
    let b = backend_in(None).await;
    let admin = Caller::admin("ops");
    for i in 0..25 {
        b.call(&admin, put(&format!("/svc/app{i:02}/port"), "80", "String"))
            .await
            .unwrap();
    }
    b.call(&admin, put("/svc/top", "x", "String"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut next_token = None;
    loop {
        let page = b
            .call(
                &admin,
                GetParametersByPath {
                    path: "/svc".into(),
                    recursive: Some(true),
                    next_token,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(page.parameters.len() <= 10);
        seen.extend(page.parameters.into_iter().map(|p| p.name));
        match page.next_token {
            Some(t) => next_token = Some(t),
            None => break,
        }
    }
    assert_eq!(seen.len(), 26);
    let one_level = b
        .call(
            &admin,
            GetParametersByPath {
                path: "/svc".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let names: Vec<_> = one_level
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["/svc/top"]);
}

#[tokio::test]
async fn references_resolve_at_delivery_and_guard_secrets() {
    let b = backend_in(None).await;
    let admin = Caller::admin("ops");
    b.call(&admin, put("/app/host", "db.internal", "String"))
        .await
        .unwrap();
    b.call(
        &admin,
        PutParameter {
            overwrite: Some(true),
            ..put("/app/host", "db2.internal", "String")
        },
    )
    .await
    .unwrap();
    b.call(&admin, put("/app/pass", "hunter22", "SecureString"))
        .await
        .unwrap();

    let text = "psql -h {{ssm:/app/host}} -p {{ ssm-secure:/app/pass }} # was {{ssm:/app/host:1}} {{ commands }}";
    let resolved = b.resolve_references(&admin, text).await.unwrap();
    assert_eq!(
        resolved,
        "psql -h db2.internal -p hunter22 # was db.internal {{ commands }}"
    );

    let err = b
        .resolve_references(&admin, "{{ssm:/app/pass}}")
        .await
        .unwrap_err();
    assert!(err.message.contains("ssm-secure"), "{err}");
    let err = b
        .resolve_references(&admin, "{{ssm-secure:/app/host}}")
        .await
        .unwrap_err();
    assert!(err.message.contains("{{ssm:/app/host}}"), "{err}");
    assert_eq!(
        b.resolve_references(&admin, "{{ssm:/nope}}")
            .await
            .unwrap_err()
            .code,
        "ParameterNotFound"
    );
    let node = Caller::node("mi-0123456789abcdef0");
    let denied = b
        .resolve_references(&node, "{{ssm:/app/host}}")
        .await
        .unwrap_err();
    assert_eq!(denied.code, "AccessDeniedException");

    b.flush().await;
    let audit = b.audit_records().await.unwrap();
    assert!(
        audit.iter().all(|r| !r.request.contains("hunter22")),
        "no resolved secret audited"
    );
    assert!(
        audit
            .iter()
            .any(|r| r.operation == "Sysman.ResolveReferences")
    );
}

#[tokio::test]
async fn keys_can_be_made_rotated_and_disabled() {
    use sysman_api::kms::{CreateKey, DescribeKey, DisableKey, EnableKey, ListKeys, RotateKey};
    let b = backend_in(None).await;
    let admin = Caller::admin("ops");
    let key = b
        .call(
            &admin,
            CreateKey {
                description: Some("app".into()),
                alias: Some("alias/app".into()),
            },
        )
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert!(key.arn.ends_with(&format!(":key/{}", key.key_id)));
    let secret = PutParameter {
        key_id: Some("alias/app".into()),
        ..put("/app/token", "t0k3n", "SecureString")
    };
    b.call(&admin, secret).await.unwrap();

    let rotated = b
        .call(
            &admin,
            RotateKey {
                key_id: key.key_id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(rotated.key_metadata.unwrap().material_versions, 2);
    let newer = PutParameter {
        overwrite: Some(true),
        ..put("/app/token", "t0k3n-2", "SecureString")
    };
    b.call(&admin, newer).await.unwrap();
    assert_eq!(
        b.call(&admin, get("/app/token:1", true))
            .await
            .unwrap()
            .parameter
            .value,
        "t0k3n"
    );
    assert_eq!(
        b.call(&admin, get("/app/token", true))
            .await
            .unwrap()
            .parameter
            .value,
        "t0k3n-2"
    );

    b.call(
        &admin,
        DisableKey {
            key_id: "alias/app".into(),
        },
    )
    .await
    .unwrap();
    let refused = b.call(&admin, get("/app/token", true)).await.unwrap_err();
    assert_eq!(refused.code, "InvalidKeyId");
    assert!(refused.message.contains("disabled"), "{refused}");
    b.call(
        &admin,
        EnableKey {
            key_id: key.arn.clone(),
        },
    )
    .await
    .unwrap();
    assert!(b.call(&admin, get("/app/token", true)).await.is_ok());

    // The default key exists once a SecureString used it.
    b.call(&admin, put("/app/other", "x", "SecureString"))
        .await
        .unwrap();
    let keys = b.call(&admin, ListKeys {}).await.unwrap().keys;
    assert!(
        keys.iter()
            .any(|k| k.aliases.contains(&"alias/aws/ssm".to_owned()))
    );
    for bad in ["app", "alias/aws/mine", "alias/has space"] {
        let err = b
            .call(
                &admin,
                CreateKey {
                    alias: Some(bad.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, "ValidationException", "{bad}");
    }
    let taken = b
        .call(
            &admin,
            CreateKey {
                alias: Some("alias/app".into()),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(taken.unwrap_err().code, "AlreadyExistsException");
    let missing = b
        .call(
            &admin,
            DescribeKey {
                key_id: "alias/nope".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(missing.code, "InvalidKeyId");
}

/// Rotations, disables and enables of one key, raced from many tasks:
/// each stores the whole key, so the store must receive them in the order
/// they changed memory, or an older record lands last and a restart loses
/// material that sealed values need.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn raced_key_changes_reach_the_disk_in_the_order_they_were_made() {
    use sysman_api::kms::{CreateKey, DescribeKey, DisableKey, EnableKey, RotateKey};
    let dir = tempfile::tempdir().unwrap();
    let admin = Caller::admin("ops");
    let b = backend_in(Some(dir.path())).await;
    let key = b
        .call(
            &admin,
            CreateKey {
                description: None,
                alias: Some("alias/raced".into()),
            },
        )
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let mut sealed = Vec::new();
    for round in 0..20 {
        let mut tasks = Vec::new();
        for i in 0..16 {
            let (b, admin, key) = (b.clone(), admin.clone(), key.clone());
            tasks.push(tokio::spawn(async move {
                match i % 4 {
                    0 => b.call(&admin, DisableKey { key_id: key }).await.map(drop),
                    1 => b.call(&admin, EnableKey { key_id: key }).await.map(drop),
                    _ => b.call(&admin, RotateKey { key_id: key }).await.map(drop),
                }
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        b.call(
            &admin,
            EnableKey {
                key_id: key.clone(),
            },
        )
        .await
        .unwrap();
        let name = format!("/raced/{round}");
        let put = PutParameter {
            key_id: Some("alias/raced".into()),
            ..put(&name, &format!("value {round}"), "SecureString")
        };
        b.call(&admin, put).await.unwrap();
        sealed.push(name);
    }
    let described = |b: Backend, key: String| async move {
        b.call(&Caller::admin("ops"), DescribeKey { key_id: key })
            .await
            .unwrap()
            .key_metadata
            .unwrap()
    };
    let before = described(b.clone(), key.clone()).await;
    assert_eq!(before.material_versions, 1 + 20 * 8);
    b.flush().await;
    drop(b);
    let reopened = backend_in(Some(dir.path())).await;
    assert_eq!(described(reopened.clone(), key).await, before);
    for (round, name) in sealed.iter().enumerate() {
        let got = reopened.call(&admin, get(name, true)).await.unwrap();
        assert_eq!(got.parameter.value, format!("value {round}"));
    }
}

/// A full disk, as SQLite's page cap makes one: the write that does not
/// fit fails, nothing it changed is ever served, every acknowledged write
/// stays, and once there is room the backend serves again by itself.
#[tokio::test]
async fn a_failed_commit_is_never_served_and_the_store_recovers_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let admin = Caller::admin("ops");
    let b = backend_in(Some(dir.path())).await;
    b.call(&admin, put("/kept/0", "before", "String"))
        .await
        .unwrap();
    // No room beyond the pages the store has now.
    b.limit_store_pages(Some(1)).await.unwrap();
    let big = "x".repeat(4000);
    let mut acknowledged = vec!["/kept/0".to_owned()];
    let mut failed = None;
    for i in 1..500 {
        let name = format!("/kept/{i}");
        match b.call(&admin, put(&name, &big, "String")).await {
            Ok(_) => acknowledged.push(name),
            Err(e) => {
                assert_eq!(e.code, "InternalServerError", "{e}");
                failed = Some(name);
                break;
            }
        }
    }
    let failed = failed.expect("the page cap stops a write");
    // The write that failed is not served, and neither is anything else
    // while memory may be ahead of the disk.
    let refused = b.call(&admin, get(&failed, false)).await.unwrap_err();
    assert_eq!(refused.code, "ServiceUnavailable");
    assert!(refused.message.contains("full"), "{refused}");
    let refused = b.call(&admin, get("/kept/0", false)).await.unwrap_err();
    assert_eq!(refused.code, "ServiceUnavailable");
    assert!(b.health().await.unwrap_err().contains("full"));
    // Room again: the next call after a second finds the store working,
    // with every acknowledged write and without the failed one.
    b.limit_store_pages(None).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(b.health().await, Ok(()));
    let gone = b.call(&admin, get(&failed, false)).await.unwrap_err();
    assert_eq!(gone.code, "ParameterNotFound");
    for name in &acknowledged {
        assert!(b.call(&admin, get(name, false)).await.is_ok(), "{name}");
    }
    b.call(&admin, put(&failed, "after", "String"))
        .await
        .unwrap();
    // And a restart agrees with what was served.
    b.flush().await;
    drop(b);
    let reopened = backend_in(Some(dir.path())).await;
    let got = reopened.call(&admin, get(&failed, false)).await.unwrap();
    assert_eq!(got.parameter.value, "after");
    assert_eq!(got.parameter.version, 1);
    assert!(
        reopened
            .call(&admin, get(&acknowledged[acknowledged.len() - 1], false))
            .await
            .is_ok()
    );
}
