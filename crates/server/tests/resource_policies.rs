//! Resource policies on parameters over HTTP: the bodies a client library
//! would never send (wrong types, huge or deeply nested policies) get a
//! precise error, bounded work, and change nothing.

mod common;

use sysman_api::ApiError;
use sysman_api::parameters::PutParameter;
use sysman_api::parameters::sharing::{GetResourcePolicies, PutResourcePolicy};
use sysman_server::Settings;

const ARN: &str = "arn:aws:ssm:us-east-1:000000000000:parameter/app/db";
const PUT: &str = "AmazonSSM.PutResourcePolicy";

fn share() -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "222222222222"},
            "Action": "ssm:GetParameter",
            "Resource": ARN,
        }],
    })
}

#[tokio::test]
async fn bad_policies_and_bodies_are_refused_precisely_and_change_nothing() {
    let backend = common::in_memory();
    let (running, key) = common::serve(&backend, Settings::default()).await;
    let client = common::client(&running, Some(key));
    client
        .call(&PutParameter {
            name: "/app/db".into(),
            value: "v".into(),
            r#type: Some("String".into()),
            tier: Some("Advanced".into()),
            ..PutParameter::default()
        })
        .await
        .unwrap();
    let post = |body: serde_json::Value| {
        let client = &client;
        async move {
            client
                .post(PUT, body.to_string().into_bytes())
                .await
                .unwrap_err()
        }
    };
    let refused = |e: &ApiError, code: &str, text: &str| {
        assert_eq!(e.code, code, "{e}");
        assert!(e.message.contains(text), "{e}");
    };

    // Wrong types never reach the handler.
    for body in [
        serde_json::json!({"ResourceArn": ARN, "Policy": share()}),
        serde_json::json!({"ResourceArn": ARN, "Policy": 7}),
        serde_json::json!({"ResourceArn": [ARN], "Policy": "{}"}),
        serde_json::json!({"ResourceArn": ARN, "Policy": "{}", "PolicyHash": false}),
    ] {
        let e = post(body).await;
        assert_eq!(e.code, "SerializationException", "{e}");
    }
    // The model's constraints, in AWS's words.
    let e = post(serde_json::json!({"Policy": share().to_string()})).await;
    refused(
        &e,
        "ValidationException",
        "Value null at 'resourceArn' failed to satisfy constraint: Member must not be null",
    );
    let e = post(serde_json::json!({"ResourceArn": ARN, "Policy": "   "})).await;
    refused(
        &e,
        "ValidationException",
        "at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
    let e = post(serde_json::json!({"ResourceArn": "arn:short", "Policy": "{}"})).await;
    refused(
        &e,
        "ValidationException",
        "Member must have length greater than or equal to 20",
    );

    // A policy of a megabyte is refused by its size, unread.
    let huge = format!("{{\"Statement\":[{}]}}", "{}, ".repeat(250_000));
    let e = post(serde_json::json!({"ResourceArn": ARN, "Policy": huge})).await;
    refused(
        &e,
        "ResourcePolicyLimitExceededException",
        "A policy can't be greater than 1024 bytes in size.",
    );
    // Nesting past what the JSON reader follows, within the size.
    let deep = format!("{}{}", "{\"a\":".repeat(150), "}".repeat(150));
    let e = post(serde_json::json!({"ResourceArn": ARN, "Policy": deep})).await;
    refused(
        &e,
        "MalformedResourcePolicyDocumentException",
        "The policy is not valid JSON",
    );
    // Types inside the document are named.
    let mut wrong = share();
    wrong["Statement"][0]["Principal"] = serde_json::json!({"AWS": 222222222222u64});
    let e = post(serde_json::json!({"ResourceArn": ARN, "Policy": wrong.to_string()})).await;
    refused(
        &e,
        "MalformedResourcePolicyDocumentException",
        "Principal AWS must be an account or a non-empty list of accounts.",
    );

    let left = client
        .call(&GetResourcePolicies {
            resource_arn: ARN.into(),
            ..GetResourcePolicies::default()
        })
        .await
        .unwrap();
    assert!(left.policies.is_empty());

    // And a good one goes through.
    let put = client
        .call(&PutResourcePolicy {
            resource_arn: ARN.into(),
            policy: share().to_string(),
            ..PutResourcePolicy::default()
        })
        .await
        .unwrap();
    assert_eq!(put.policy_hash.len(), 64);
}
