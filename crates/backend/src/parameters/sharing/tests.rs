//! The policy grammar and its evaluation, and calls through the gate as
//! principals of other accounts, which only the crate can make.

use super::*;

const ARN: &str = "arn:aws:ssm:us-east-1:111111111111:parameter/app/db";

fn share(body: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{body}]}}"#)
}

fn allow(principal: &str, actions: &str) -> String {
    share(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":{principal}}},"Action":{actions},"Resource":"{ARN}"}}"#
    ))
}

fn malformed(text: &str) -> String {
    let e = Document::parse(text, ARN).unwrap_err();
    assert_eq!(e.code, "MalformedResourcePolicyDocumentException", "{e}");
    e.message
}

#[test]
fn a_share_grants_reads_to_the_accounts_it_names() {
    let doc = Document::parse(
        &allow(
            r#"["222222222222","arn:aws:iam::333333333333:root"]"#,
            r#"["ssm:GetParameter","ssm:getparameters"]"#,
        ),
        ARN,
    )
    .unwrap();
    let bob = "arn:aws:iam::222222222222:user/bob";
    assert_eq!(
        doc.decide("222222222222", bob, "ssm:getparameter"),
        Some(Effect::Allow)
    );
    assert_eq!(
        doc.decide(
            "333333333333",
            "arn:aws:iam::333333333333:user/x",
            "ssm:getparameters"
        ),
        Some(Effect::Allow)
    );
    // Another account, or an action the policy does not name: nothing.
    assert_eq!(
        doc.decide(
            "444444444444",
            "arn:aws:iam::444444444444:user/x",
            "ssm:getparameter"
        ),
        None
    );
    assert_eq!(
        doc.decide("222222222222", bob, "ssm:getparameterhistory"),
        None
    );
}

#[test]
fn a_user_principal_covers_that_user_only_and_deny_wins() {
    let text = share(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::222222222222:user/bob"}},"Action":"ssm:GetParameter","Resource":"{ARN}"}},
           {{"Effect":"Deny","Principal":{{"AWS":"222222222222"}},"Action":"ssm:GetParameter","Resource":["{ARN}"]}}"#
    ));
    let doc = Document::parse(&text, ARN).unwrap();
    let bob = "arn:aws:iam::222222222222:user/bob";
    assert_eq!(
        doc.decide("222222222222", bob, "ssm:getparameter"),
        Some(Effect::Deny)
    );
    let only_allow = Document::parse(
        &allow(
            r#""arn:aws:iam::222222222222:user/bob""#,
            r#""ssm:GetParameter""#,
        ),
        ARN,
    )
    .unwrap();
    assert_eq!(
        only_allow.decide("222222222222", bob, "ssm:getparameter"),
        Some(Effect::Allow)
    );
    let alice = "arn:aws:iam::222222222222:user/alice";
    assert_eq!(
        only_allow.decide("222222222222", alice, "ssm:getparameter"),
        None
    );
}

#[test]
fn documents_that_would_share_more_or_other_than_meant_are_refused() {
    let m = malformed(&allow(r#""*""#, r#""ssm:GetParameter""#));
    assert!(m.contains("can't be shared publicly"), "{m}");
    let m = malformed(&allow(r#""222222222222""#, r#""ssm:PutParameter""#));
    assert!(m.contains("Action ssm:PutParameter can't be shared"), "{m}");
    let m = malformed(&allow(r#""222222222222""#, r#""ssm:Get*""#));
    assert!(m.contains("Action ssm:Get* can't be shared"), "{m}");
    let m = malformed(&allow(r#""22222""#, r#""ssm:GetParameter""#));
    assert!(m.contains("Principal 22222 is not valid"), "{m}");
    let other = share(
        r#"{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"ssm:GetParameter","Resource":"arn:aws:ssm:us-east-1:111111111111:parameter/other"}"#,
    );
    let m = malformed(&other);
    assert!(
        m.contains("is not the parameter the policy is attached to"),
        "{m}"
    );
    let condition = share(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"222222222222"}},"Action":"ssm:GetParameter","Resource":"{ARN}","Condition":{{}}}}"#
    ));
    assert!(malformed(&condition).contains("Statement element Condition is not supported"));
}

#[test]
fn wrong_types_and_shapes_are_named() {
    assert!(malformed("").contains("not valid JSON"));
    assert!(malformed("[]").contains("must be a JSON object"));
    assert!(malformed(r#"{"Version":"2012-10-17"}"#).contains("no Statement"));
    assert!(malformed(r#"{"Statement":[]}"#).contains("at least one statement"));
    assert!(malformed(r#"{"Statement":7}"#).contains("statement object or a list"));
    assert!(malformed(r#"{"Statement":[7]}"#).contains("must be a JSON object"));
    assert!(malformed(r#"{"Version":1,"Statement":[]}"#).contains("Version 1 is not"));
    assert!(malformed(&allow("7", r#""ssm:GetParameter""#)).contains("Principal AWS must be"));
    assert!(malformed(&allow("[]", r#""ssm:GetParameter""#)).contains("Principal AWS must be"));
    assert!(malformed(&allow(r#""222222222222""#, "[1]")).contains("Action must be a string"));
    assert!(malformed(&allow(r#""222222222222""#, "[]")).contains("Action must be a string"));
    let no_effect = share(&format!(
        r#"{{"Principal":{{"AWS":"222222222222"}},"Action":"ssm:GetParameter","Resource":"{ARN}"}}"#
    ));
    assert!(malformed(&no_effect).contains("needs an Effect"));
}

#[test]
fn deep_nesting_is_refused_without_recursing_without_bound() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(malformed(&deep).contains("not valid JSON"));
    let nested = format!(r#"{{"Statement":{}{}}}"#, "[".repeat(500), "]".repeat(500));
    assert!(malformed(&nested).contains("not valid JSON"));
}

mod cross_account {
    use std::sync::Arc;

    use sysman_api::iam::{CreateUser, PutUserPolicy};
    use sysman_api::parameters::sharing::PutResourcePolicy;
    use sysman_api::parameters::{
        GetParameter, GetParameterHistory, GetParameters, GetParametersByPath, PutParameter,
    };
    use sysman_api::{ApiError, Timestamp};

    use crate::gate::{self, Handler};
    use crate::{Backend, Caller, ManualClock, Options};

    /// Two accounts besides the server's own (000000000000).
    const FRIEND: &str = "222222222222";
    const STRANGER: &str = "333333333333";
    const SHARED: &str = "arn:aws:ssm:us-east-1:000000000000:parameter/app/db";

    fn backend() -> Backend {
        Backend::open_in_memory(Options {
            clock: Arc::new(ManualClock::new(Timestamp::from_secs(1_795_435_200))),
            id_seed: Some(3),
            ..Options::default()
        })
        .unwrap()
    }

    async fn as_owner<O: Handler>(b: &Backend, op: O) -> O::Output {
        b.call(&Caller::admin("owner"), op).await.unwrap()
    }

    /// `op` by `caller` of `account`.
    async fn from<O: Handler>(
        b: &Backend,
        caller: &Caller,
        account: &str,
        op: O,
    ) -> Result<O::Output, ApiError> {
        gate::call_from(&b.inner, caller, account, op).await
    }

    fn get(name: &str) -> GetParameter {
        GetParameter {
            name: name.into(),
            with_decryption: None,
        }
    }

    fn get_all(name: &str) -> GetParameters {
        GetParameters {
            names: vec![name.into()],
            with_decryption: None,
        }
    }

    /// `/app/db` (Advanced, shared by `policy`) and `/app/other`.
    async fn shared(policy: serde_json::Value) -> Backend {
        let b = backend();
        for name in ["/app/db", "/app/other"] {
            as_owner(
                &b,
                PutParameter {
                    name: name.into(),
                    value: format!("value of {name}"),
                    r#type: Some("String".into()),
                    tier: Some("Advanced".into()),
                    ..PutParameter::default()
                },
            )
            .await;
        }
        as_owner(
            &b,
            PutResourcePolicy {
                resource_arn: SHARED.into(),
                policy: policy.to_string(),
                ..PutResourcePolicy::default()
            },
        )
        .await;
        b
    }

    fn sharing_with(principal: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "AWS": principal },
                "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                "Resource": SHARED,
            }],
        })
    }

    #[tokio::test]
    async fn an_account_a_parameter_is_shared_with_reads_it_by_its_full_arn() {
        let b = shared(sharing_with(FRIEND.into())).await;
        let friend = Caller::admin("friend-admin");
        let read = from(&b, &friend, FRIEND, get(SHARED)).await.unwrap();
        assert_eq!(read.parameter.value, "value of /app/db");
        assert_eq!(read.parameter.arn, SHARED);
        let read = from(&b, &friend, FRIEND, get(&format!("{SHARED}:1")))
            .await
            .unwrap();
        assert_eq!(read.parameter.version, 1);
        let both = from(&b, &friend, FRIEND, get_all(SHARED)).await.unwrap();
        assert_eq!(both.parameters.len(), 1);
    }

    #[tokio::test]
    async fn everything_the_policy_does_not_grant_stays_refused() {
        let b = shared(sharing_with(FRIEND.into())).await;
        let friend = Caller::admin("friend-admin");
        let denied = |e: ApiError, action: &str, resource: &str, account: &str| {
            assert_eq!(e.code, "AccessDeniedException");
            assert_eq!(
                e.message,
                format!(
                    "User: arn:aws:iam::{account}:user/friend-admin is not authorized to \
                     perform: {action} on resource: {resource} because no resource-based \
                     policy allows the {action} action"
                )
            );
        };
        // Another account than the one shared with.
        let e = from(&b, &friend, STRANGER, get(SHARED)).await.unwrap_err();
        denied(e, "ssm:GetParameter", SHARED, STRANGER);
        // A parameter the policy is not on.
        let other = "arn:aws:ssm:us-east-1:000000000000:parameter/app/other";
        let e = from(&b, &friend, FRIEND, get(other)).await.unwrap_err();
        denied(e, "ssm:GetParameter", other, FRIEND);
        // A read the policy does not name.
        let e = from(
            &b,
            &friend,
            FRIEND,
            GetParameterHistory {
                name: SHARED.into(),
                ..GetParameterHistory::default()
            },
        )
        .await
        .unwrap_err();
        denied(e, "ssm:GetParameterHistory", SHARED, FRIEND);
        // A write.
        let e = from(
            &b,
            &friend,
            FRIEND,
            PutParameter {
                name: SHARED.into(),
                value: "taken".into(),
                overwrite: Some(true),
                ..PutParameter::default()
            },
        )
        .await
        .unwrap_err();
        denied(e, "ssm:PutParameter", SHARED, FRIEND);
        // One name of several that is not shared refuses them all.
        let e = from(
            &b,
            &friend,
            FRIEND,
            GetParameters {
                names: vec![SHARED.into(), other.into()],
                with_decryption: None,
            },
        )
        .await
        .unwrap_err();
        denied(e, "ssm:GetParameters", other, FRIEND);
        // Nothing changed.
        assert_eq!(
            as_owner(&b, get("/app/db")).await.parameter.value,
            "value of /app/db"
        );
    }

    #[tokio::test]
    async fn a_shared_parameter_is_reached_only_by_its_arn() {
        let b = shared(sharing_with(FRIEND.into())).await;
        let friend = Caller::admin("friend-admin");
        // Plain names and paths name this server's parameters, which to a
        // caller of another account are another account's: as on AWS, only
        // the full ARN reaches a shared parameter.
        let e = from(&b, &friend, FRIEND, get("/app/db")).await.unwrap_err();
        assert_eq!(e.code, "AccessDeniedException");
        assert!(
            e.message.ends_with(
                "on resource: arn:aws:ssm:us-east-1:000000000000:parameter/app/db because no \
                 resource-based policy allows the ssm:GetParameter action"
            ),
            "{e}"
        );
        let e = from(
            &b,
            &friend,
            FRIEND,
            GetParametersByPath {
                path: "/app".into(),
                ..GetParametersByPath::default()
            },
        )
        .await
        .unwrap_err();
        assert!(e.message.contains("ssm:GetParametersByPath"), "{e}");
    }

    #[tokio::test]
    async fn a_user_of_the_other_account_needs_its_own_policy_too() {
        let user_principal = "arn:aws:iam::222222222222:user/bob";
        let b = shared(sharing_with(serde_json::json!([user_principal]))).await;
        for (name, actions) in [
            ("bob", "ssm:GetParameter"),
            ("carol", "ssm:GetParameter"),
            ("dave", "ssm:PutParameter"),
        ] {
            as_owner(
                &b,
                CreateUser {
                    user_name: name.into(),
                    tags: None,
                },
            )
            .await;
            as_owner(
                &b,
                PutUserPolicy {
                    user_name: name.into(),
                    policy_name: "own".into(),
                    policy_document: serde_json::json!({"Statement": [
                        {"Effect": "Allow", "Action": actions, "Resource": "*"}]})
                    .to_string(),
                },
            )
            .await;
        }
        // Bob is named by the share and allowed by his own policy.
        let read = from(&b, &Caller::user("bob"), FRIEND, get(SHARED)).await;
        assert_eq!(read.unwrap().parameter.value, "value of /app/db");
        // Carol's own policy allows it, but the share names Bob only.
        let e = from(&b, &Caller::user("carol"), FRIEND, get(SHARED))
            .await
            .unwrap_err();
        assert!(
            e.message
                .ends_with("because no resource-based policy allows the ssm:GetParameter action"),
            "{e}"
        );
        // Dave (were he Bob) has no identity policy for the read: IAM's
        // identity-based wording.
        let b2 = shared(sharing_with(serde_json::json!([
            "arn:aws:iam::222222222222:user/dave"
        ])))
        .await;
        as_owner(
            &b2,
            CreateUser {
                user_name: "dave".into(),
                tags: None,
            },
        )
        .await;
        let e = from(&b2, &Caller::user("dave"), FRIEND, get(SHARED))
            .await
            .unwrap_err();
        assert!(
            e.message
                .ends_with("because no identity-based policy allows the ssm:GetParameter action"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_deny_in_any_policy_takes_the_share_back() {
        let b = shared(sharing_with(FRIEND.into())).await;
        as_owner(
            &b,
            PutResourcePolicy {
                resource_arn: SHARED.into(),
                policy: serde_json::json!({"Statement": [{
                    "Effect": "Deny",
                    "Principal": {"AWS": format!("arn:aws:iam::{FRIEND}:root")},
                    "Action": "ssm:GetParameter",
                    "Resource": SHARED,
                }]})
                .to_string(),
                ..PutResourcePolicy::default()
            },
        )
        .await;
        let friend = Caller::admin("friend-admin");
        assert!(from(&b, &friend, FRIEND, get(SHARED)).await.is_err());
        // GetParameters is not denied, so it still reads.
        let read = from(&b, &friend, FRIEND, get_all(SHARED)).await.unwrap();
        assert_eq!(read.parameters.len(), 1);
    }

    #[tokio::test]
    async fn a_shared_secure_string_is_read_sealed_but_never_decrypted() {
        let b = backend();
        as_owner(
            &b,
            sysman_api::kms::CreateKey {
                description: None,
                alias: Some("alias/shared".into()),
            },
        )
        .await;
        as_owner(
            &b,
            PutParameter {
                name: "/app/db".into(),
                value: "s3cret-value".into(),
                r#type: Some("SecureString".into()),
                key_id: Some("alias/shared".into()),
                tier: Some("Advanced".into()),
                ..PutParameter::default()
            },
        )
        .await;
        let mut policy = sharing_with(FRIEND.into());
        policy["Statement"][0]["Action"] =
            serde_json::json!(["ssm:GetParameter", "ssm:GetParameterHistory"]);
        as_owner(
            &b,
            PutResourcePolicy {
                resource_arn: SHARED.into(),
                policy: policy.to_string(),
                ..PutResourcePolicy::default()
            },
        )
        .await;
        let friend = Caller::admin("friend-admin");
        let sealed = from(&b, &friend, FRIEND, get(SHARED)).await.unwrap();
        assert!(!sealed.parameter.value.contains("s3cret"));
        let kms_denied = |e: &ApiError| {
            assert_eq!(e.code, "AccessDeniedException");
            let start = format!(
                "User: arn:aws:iam::{FRIEND}:user/friend-admin is not authorized to perform: \
                 kms:Decrypt on resource: arn:aws:kms:us-east-1:000000000000:key/"
            );
            assert!(e.message.starts_with(&start), "{e}");
            assert!(
                e.message
                    .ends_with("because no resource-based policy allows the kms:Decrypt action"),
                "{e}"
            );
        };
        let decrypting = GetParameter {
            name: SHARED.into(),
            with_decryption: Some(true),
        };
        let e = from(&b, &friend, FRIEND, decrypting.clone())
            .await
            .unwrap_err();
        kms_denied(&e);
        let e = from(
            &b,
            &friend,
            FRIEND,
            GetParameterHistory {
                name: SHARED.into(),
                with_decryption: Some(true),
                ..GetParameterHistory::default()
            },
        )
        .await
        .unwrap_err();
        kms_denied(&e);
        // The owner decrypts as ever.
        let own = as_owner(&b, decrypting).await;
        assert_eq!(own.parameter.value, "s3cret-value");
    }
}
