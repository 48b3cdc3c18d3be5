//! Resource policies on parameters through the gate: putting, reading,
//! updating and deleting them, every refusal with its AWS error, what a
//! restart keeps, and what a call naming another account's parameter gets.
//!
//! sysman serves one account, so every caller here belongs to it; the
//! evaluation for principals of other accounts is tested inside the crate
//! (`parameters/sharing/tests.rs`), where a call can be made as one.

mod support;

use support::Fx;
use sysman_api::ApiError;
use sysman_api::iam::{CreateUser, PutUserPolicy};
use sysman_api::parameters::sharing::{
    DeleteResourcePolicy, GetResourcePolicies, PutResourcePolicy, PutResourcePolicyResult,
};
use sysman_api::parameters::{DeleteParameter, GetParameter, GetParameters, PutParameter};
use sysman_backend::Caller;

const ACCOUNT: &str = "000000000000";
const OTHER: &str = "222222222222";

fn arn(name: &str) -> String {
    format!(
        "arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/{}",
        name.trim_start_matches('/')
    )
}

/// A policy sharing `name` with `account` for GetParameter and GetParameters.
fn share(name: &str, account: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "Share",
            "Effect": "Allow",
            "Principal": { "AWS": account },
            "Action": ["ssm:GetParameter", "ssm:GetParameters"],
            "Resource": arn(name),
        }],
    })
    .to_string()
}

fn put_param(name: &str, tier: &str) -> PutParameter {
    PutParameter {
        name: name.into(),
        value: "v".into(),
        r#type: Some("String".into()),
        tier: Some(tier.into()),
        ..PutParameter::default()
    }
}

fn put_policy(name: &str, policy: String) -> PutResourcePolicy {
    PutResourcePolicy {
        resource_arn: arn(name),
        policy,
        ..PutResourcePolicy::default()
    }
}

fn get_policies(name: &str) -> GetResourcePolicies {
    GetResourcePolicies {
        resource_arn: arn(name),
        ..GetResourcePolicies::default()
    }
}

fn delete_policy(name: &str, put: &PutResourcePolicyResult) -> DeleteResourcePolicy {
    DeleteResourcePolicy {
        resource_arn: arn(name),
        policy_id: put.policy_id.clone(),
        policy_hash: put.policy_hash.clone(),
    }
}

/// The policies on `name` as (id, hash, document).
async fn policies(fx: &Fx, name: &str) -> Vec<(String, String, String)> {
    fx.ok(get_policies(name))
        .await
        .policies
        .into_iter()
        .map(|p| (p.policy_id, p.policy_hash, p.policy))
        .collect()
}

#[tokio::test]
async fn a_policy_is_put_read_updated_with_its_hash_and_deleted() {
    let fx = Fx::open(None);
    fx.ok(put_param("/app/db", "Advanced")).await;
    assert!(policies(&fx, "/app/db").await.is_empty());

    let first = fx.ok(put_policy("/app/db", share("/app/db", OTHER))).await;
    assert!(!first.policy_id.is_empty() && !first.policy_hash.is_empty());
    assert_eq!(
        policies(&fx, "/app/db").await,
        [(
            first.policy_id.clone(),
            first.policy_hash.clone(),
            share("/app/db", OTHER)
        )]
    );

    // An update names the policy and quotes its hash; the hash moves on.
    let updated = fx
        .ok(PutResourcePolicy {
            policy_id: Some(first.policy_id.clone()),
            policy_hash: Some(first.policy_hash.clone()),
            ..put_policy("/app/db", share("/app/db", "333333333333"))
        })
        .await;
    assert_eq!(updated.policy_id, first.policy_id);
    assert_ne!(updated.policy_hash, first.policy_hash);
    assert_eq!(
        policies(&fx, "/app/db").await,
        [(
            first.policy_id.clone(),
            updated.policy_hash.clone(),
            share("/app/db", "333333333333")
        )]
    );

    // A second policy sits beside the first.
    let second = fx.ok(put_policy("/app/db", share("/app/db", OTHER))).await;
    assert_ne!(second.policy_id, first.policy_id);
    assert_eq!(policies(&fx, "/app/db").await.len(), 2);

    fx.ok(delete_policy("/app/db", &updated)).await;
    let left = policies(&fx, "/app/db").await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].0, second.policy_id);
}

#[tokio::test]
async fn a_stale_hash_is_a_conflict_and_changes_nothing() {
    let fx = Fx::open(None);
    fx.ok(put_param("/app/db", "Advanced")).await;
    let first = fx.ok(put_policy("/app/db", share("/app/db", OTHER))).await;
    let newer = fx
        .ok(PutResourcePolicy {
            policy_id: Some(first.policy_id.clone()),
            policy_hash: Some(first.policy_hash.clone()),
            ..put_policy("/app/db", share("/app/db", "333333333333"))
        })
        .await;
    let before = policies(&fx, "/app/db").await;

    // The first writer's hash is stale now, for an update and a delete.
    let e = fx
        .refused(
            PutResourcePolicy {
                policy_id: Some(first.policy_id.clone()),
                policy_hash: Some(first.policy_hash.clone()),
                ..put_policy("/app/db", share("/app/db", "444444444444"))
            },
            "ResourcePolicyConflictException",
        )
        .await;
    assert_eq!(
        e.message,
        "The hash provided in the call doesn't match the stored hash."
    );
    fx.refused(
        delete_policy("/app/db", &first),
        "ResourcePolicyConflictException",
    )
    .await;
    assert_eq!(policies(&fx, "/app/db").await, before);
    fx.ok(delete_policy("/app/db", &newer)).await;
}

#[tokio::test]
async fn every_refusal_names_its_aws_error_and_changes_nothing() {
    let fx = Fx::open(None);
    fx.ok(put_param("/app/db", "Advanced")).await;
    fx.ok(put_param("/app/std", "Standard")).await;
    let kept = fx.ok(put_policy("/app/db", share("/app/db", OTHER))).await;
    let before = policies(&fx, "/app/db").await;

    // Only Advanced parameters can be shared.
    let e = fx
        .refused(
            put_policy("/app/std", share("/app/std", OTHER)),
            "ResourcePolicyInvalidParameterException",
        )
        .await;
    assert_eq!(
        e.message,
        "Parameter /app/std is in the Standard tier. Only parameters in the Advanced tier can \
         be shared."
    );
    // Nor a SecureString under the AWS managed key.
    fx.ok(PutParameter {
        r#type: Some("SecureString".into()),
        ..put_param("/app/secret", "Advanced")
    })
    .await;
    let e = fx
        .refused(
            put_policy("/app/secret", share("/app/secret", OTHER)),
            "ResourcePolicyInvalidParameterException",
        )
        .await;
    assert!(e.message.contains("AWS managed key"), "{e}");

    // Parameters that are not there, here or anywhere.
    let e = fx
        .refused(
            put_policy("/app/none", share("/app/none", OTHER)),
            "ResourceNotFoundException",
        )
        .await;
    assert_eq!(
        e.message,
        "The specified parameter to be shared could not be found."
    );
    fx.refused(get_policies("/app/none"), "ResourceNotFoundException")
        .await;
    fx.refused(
        delete_policy("/app/none", &kept),
        "ResourceNotFoundException",
    )
    .await;
    let elsewhere = "arn:aws:ssm:eu-west-1:000000000000:parameter/app/db";
    fx.refused(
        GetResourcePolicies {
            resource_arn: elsewhere.into(),
            ..GetResourcePolicies::default()
        },
        "ResourceNotFoundException",
    )
    .await;

    // ARNs of other things, or none at all.
    for bad in [
        "arn:aws:ssm:us-east-1:000000000000:document/Deploy",
        "arn:aws:ssm:us-east-1:000000000000:opsitemgroup/default",
        "arn:aws:ssm:us-east-1:000000000000:parameter/",
        "not an arn but long enough",
    ] {
        let e = fx
            .refused(
                GetResourcePolicies {
                    resource_arn: bad.into(),
                    ..GetResourcePolicies::default()
                },
                "ResourcePolicyInvalidParameterException",
            )
            .await;
        assert_eq!(
            e.message,
            format!(
                "{bad} is not a valid parameter ARN. Only parameters can have resource policies."
            )
        );
    }
    // The model's lengths, checked by the handler too.
    let e = fx
        .refused(
            GetResourcePolicies {
                resource_arn: "arn:short".into(),
                ..GetResourcePolicies::default()
            },
            "ValidationException",
        )
        .await;
    assert!(
        e.message
            .contains("Member must have length between 20 and 2048")
    );
    fx.refused(
        GetResourcePolicies {
            max_results: Some(51),
            ..get_policies("/app/db")
        },
        "ValidationException",
    )
    .await;

    // An update names both the policy and its hash, and a policy that exists.
    let e = fx
        .refused(
            PutResourcePolicy {
                policy_id: Some(kept.policy_id.clone()),
                ..put_policy("/app/db", share("/app/db", OTHER))
            },
            "ResourcePolicyInvalidParameterException",
        )
        .await;
    assert!(e.message.starts_with("PolicyHash is required"), "{e}");
    let e = fx
        .refused(
            PutResourcePolicy {
                policy_hash: Some(kept.policy_hash.clone()),
                ..put_policy("/app/db", share("/app/db", OTHER))
            },
            "ResourcePolicyInvalidParameterException",
        )
        .await;
    assert_eq!(
        e.message,
        "PolicyId is required when PolicyHash is specified."
    );
    let gone = PutResourcePolicyResult {
        policy_id: "no-such-policy".into(),
        policy_hash: kept.policy_hash.clone(),
    };
    let e = fx
        .refused(
            PutResourcePolicy {
                policy_id: Some(gone.policy_id.clone()),
                policy_hash: Some(gone.policy_hash.clone()),
                ..put_policy("/app/db", share("/app/db", OTHER))
            },
            "ResourcePolicyNotFoundException",
        )
        .await;
    assert_eq!(
        e.message,
        "No policies with the specified policy ID and hash could be found."
    );
    fx.refused(
        delete_policy("/app/db", &gone),
        "ResourcePolicyNotFoundException",
    )
    .await;

    // A malformed document.
    let e = fx
        .refused(
            put_policy("/app/db", "{\"Statement\": [".into()),
            "MalformedResourcePolicyDocumentException",
        )
        .await;
    assert!(
        e.message.starts_with(
            "The specified policy document is malformed or invalid. The policy is not valid JSON"
        ),
        "{e}"
    );
    let write = share("/app/db", OTHER).replace("ssm:GetParameters", "ssm:PutParameter");
    let e = fx
        .refused(
            put_policy("/app/db", write),
            "MalformedResourcePolicyDocumentException",
        )
        .await;
    assert!(
        e.message
            .contains("Action ssm:PutParameter can't be shared"),
        "{e}"
    );

    assert_eq!(policies(&fx, "/app/db").await, before);
}

#[tokio::test]
async fn policies_are_bounded_in_size_and_number() {
    let fx = Fx::open(None);
    fx.ok(put_param("/app/db", "Advanced")).await;

    // A huge policy is refused by its size before it is read.
    let huge = format!("{{\"Statement\":\"{}\"}}", "x".repeat(10_000_000));
    let e = fx
        .refused(
            put_policy("/app/db", huge),
            "ResourcePolicyLimitExceededException",
        )
        .await;
    assert_eq!(
        e.message,
        "A policy can't be greater than 1024 bytes in size."
    );
    // Nesting deeper than the JSON reader follows, within the size.
    let nested = format!("{}{}", "[".repeat(500), "]".repeat(500));
    let e = fx
        .refused(
            put_policy("/app/db", nested),
            "MalformedResourcePolicyDocumentException",
        )
        .await;
    assert!(e.message.contains("not valid JSON"), "{e}");

    // Ten policies, then no more.
    for i in 0..10 {
        fx.ok(put_policy(
            "/app/db",
            share("/app/db", &format!("{:012}", i + 1)),
        ))
        .await;
    }
    let e = fx
        .refused(
            put_policy("/app/db", share("/app/db", OTHER)),
            "ResourcePolicyLimitExceededException",
        )
        .await;
    assert_eq!(
        e.message,
        "A parameter can have a maximum of 10 resource policies."
    );

    // Pages of three cover all ten once each.
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = fx
            .ok(GetResourcePolicies {
                next_token: token,
                max_results: Some(3),
                ..get_policies("/app/db")
            })
            .await;
        assert!(page.policies.len() <= 3);
        seen.extend(page.policies.into_iter().map(|p| p.policy_id));
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (10, 10));
}

#[tokio::test]
async fn policies_survive_a_restart_and_go_with_their_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let put = {
        let fx = Fx::open(Some(dir.path()));
        fx.ok(put_param("/app/db", "Advanced")).await;
        fx.ok(put_param("/app/gone", "Advanced")).await;
        fx.ok(put_policy("/app/gone", share("/app/gone", OTHER)))
            .await;
        fx.ok(put_policy("/app/db", share("/app/db", OTHER))).await
    };
    let fx = Fx::open(Some(dir.path()));
    assert_eq!(
        policies(&fx, "/app/db").await,
        [(put.policy_id, put.policy_hash, share("/app/db", OTHER))]
    );
    // An overwrite keeps them; a delete takes them along.
    fx.ok(PutParameter {
        overwrite: Some(true),
        ..put_param("/app/db", "Advanced")
    })
    .await;
    assert_eq!(policies(&fx, "/app/db").await.len(), 1);
    fx.ok(DeleteParameter {
        name: "/app/gone".into(),
    })
    .await;
    fx.ok(put_param("/app/gone", "Advanced")).await;
    assert!(policies(&fx, "/app/gone").await.is_empty());
}

async fn user_with_policy(fx: &Fx, name: &str, document: serde_json::Value) -> Caller {
    fx.ok(CreateUser {
        user_name: name.into(),
        tags: None,
    })
    .await;
    fx.ok(PutUserPolicy {
        user_name: name.into(),
        policy_name: "p".into(),
        policy_document: document.to_string(),
    })
    .await;
    Caller::user(name)
}

#[tokio::test]
async fn another_accounts_parameter_is_refused_in_iams_words() {
    let fx = Fx::open(None);
    fx.ok(put_param("/app/db", "Advanced")).await;
    fx.ok(put_policy("/app/db", share("/app/db", ACCOUNT)))
        .await;
    let reader = user_with_policy(
        &fx,
        "reader",
        serde_json::json!({"Statement": [
            {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]}),
    )
    .await;
    let foreign = format!("arn:aws:ssm:us-east-1:{OTHER}:parameter/app/db");

    // Naming it by another account's ARN reads nothing here, whoever asks:
    // that account's parameter has no policy on this server.
    for caller in [&fx.admin, &reader] {
        let e = fx
            .backend
            .call(
                caller,
                GetParameter {
                    name: format!("{foreign}:1"),
                    with_decryption: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "AccessDeniedException");
        let who = caller.arn(ACCOUNT);
        assert_eq!(
            e.message,
            format!(
                "User: {who} is not authorized to perform: ssm:GetParameter on resource: \
                 {foreign} because no resource-based policy allows the ssm:GetParameter action"
            )
        );
        let e: ApiError = fx
            .backend
            .call(
                caller,
                GetParameters {
                    names: vec!["/app/db".into(), foreign.clone()],
                    with_decryption: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "AccessDeniedException");
        // Nor can it be written or have policies put on it.
        let e = fx
            .backend
            .call(
                caller,
                PutResourcePolicy {
                    resource_arn: foreign.clone(),
                    policy: share("/app/db", ACCOUNT),
                    ..PutResourcePolicy::default()
                },
            )
            .await
            .unwrap_err();
        assert!(e.message.contains("ssm:PutResourcePolicy"), "{e}");
    }

    // The server's own account, by ARN or by name, is read as before: a
    // policy naming that account neither adds nor takes away.
    let own = fx
        .backend
        .call(
            &reader,
            GetParameter {
                name: arn("/app/db"),
                with_decryption: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(own.parameter.value, "v");
    let limited = user_with_policy(
        &fx,
        "limited",
        serde_json::json!({"Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "arn:aws:ssm:*:*:parameter/other"}]}),
    )
    .await;
    let e = fx
        .backend
        .call(
            &limited,
            GetParameter {
                name: arn("/app/db"),
                with_decryption: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        e.message
            .ends_with("because no identity-based policy allows the ssm:GetParameter action"),
        "{e}"
    );
}
