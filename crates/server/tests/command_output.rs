//! Command output to the object store, over the wire: SendCommand's
//! OutputS3* members pass the model check, and the answers carry AWS's
//! member names for the location and the URLs.

mod common;

use serde_json::{Value, json};
use sysman_api::commands::{AcknowledgeMessage, ReceiveMessages, SendReply, StepReport};
use sysman_api::fleet::{CreateActivation, PlatformType, RegisterNode};
use sysman_api::sigv4::AccessKey;
use sysman_server::Settings;

async fn post(client: &sysman_api::client::Client, target: &str, body: Value) -> Value {
    let answer = client
        .post(
            &format!("AmazonSSM.{target}"),
            body.to_string().into_bytes(),
        )
        .await
        .unwrap();
    serde_json::from_slice(&answer).unwrap()
}

#[tokio::test]
async fn output_location_and_urls_travel_with_aws_names() {
    let backend = common::in_memory();
    let (running, key) = common::serve(&backend, Settings::default()).await;
    let admin = common::client(&running, Some(key));
    let activation = admin
        .call(&CreateActivation {
            iam_role: "SSMServiceRole".into(),
            ..CreateActivation::default()
        })
        .await
        .unwrap();
    let registered = common::client(&running, None)
        .call(&RegisterNode {
            activation_id: activation.activation_id,
            activation_code: activation.activation_code,
            computer_name: Some("web-1".into()),
            platform_type: Some(PlatformType::Linux),
            platform_name: None,
            platform_version: None,
            agent_version: Some("0.1.0".into()),
            ip_address: None,
        })
        .await
        .unwrap();
    let id = registered.instance_id.clone();
    let node = common::client(
        &running,
        Some(AccessKey {
            access_key_id: registered.access_key_id,
            secret_access_key: registered.secret_access_key,
            session_token: None,
        }),
    );

    let sent = post(
        &admin,
        "SendCommand",
        json!({
            "InstanceIds": [id],
            "DocumentName": "AWS-RunShellScript",
            "Parameters": {"commands": ["echo hi"]},
            "OutputS3BucketName": "logs-bucket",
            "OutputS3KeyPrefix": "nightly/",
            "OutputS3Region": "eu-west-1",
            "CloudWatchOutputConfig": {"CloudWatchOutputEnabled": true}
        }),
    )
    .await;
    let command = &sent["Command"];
    assert_eq!(command["OutputS3BucketName"], "logs-bucket", "{sent}");
    assert_eq!(command["OutputS3KeyPrefix"], "nightly/");
    assert_eq!(command["OutputS3Region"], "eu-west-1");
    let command_id = command["CommandId"].as_str().unwrap().to_owned();

    let mail = node
        .call(&ReceiveMessages {
            instance_id: id.clone(),
            wait_seconds: Some(5),
            max_messages: None,
        })
        .await
        .unwrap();
    let message_id = mail.messages[0].message_id.clone();
    node.call(&AcknowledgeMessage {
        instance_id: id.clone(),
        message_id: message_id.clone(),
    })
    .await
    .unwrap();
    node.call(&SendReply {
        instance_id: id.clone(),
        message_id,
        sequence: 1,
        steps: vec![StepReport {
            name: "aws:runShellScript".into(),
            status: "Success".into(),
            response_code: 0,
            started: None,
            finished: None,
            stdout: "hi\n".into(),
            stderr: String::new(),
        }],
    })
    .await
    .unwrap();

    let key = format!("nightly/{command_id}/{id}/awsrunShellScript/0.awsrunShellScript");
    let invocation = post(
        &admin,
        "GetCommandInvocation",
        json!({"CommandId": command_id, "InstanceId": id}),
    )
    .await;
    assert_eq!(
        invocation["StandardOutputUrl"],
        format!("memory:///logs-bucket/{key}/stdout"),
        "{invocation}"
    );
    assert_eq!(
        invocation["StandardErrorUrl"],
        format!("memory:///logs-bucket/{key}/stderr")
    );
    let listed = post(
        &admin,
        "ListCommandInvocations",
        json!({"CommandId": command_id, "Details": true}),
    )
    .await;
    let plugin = &listed["CommandInvocations"][0]["CommandPlugins"][0];
    assert_eq!(plugin["OutputS3BucketName"], "logs-bucket", "{listed}");
    assert_eq!(
        plugin["OutputS3KeyPrefix"],
        format!("nightly/{command_id}/{id}/awsrunShellScript")
    );
    assert_eq!(plugin["OutputS3Region"], "eu-west-1");
    assert_eq!(plugin["StandardOutputUrl"], invocation["StandardOutputUrl"]);

    // A bucket that would leave the store is refused on the wire too.
    let refused = admin
        .post(
            "AmazonSSM.SendCommand",
            json!({
                "InstanceIds": [id],
                "DocumentName": "AWS-RunShellScript",
                "Parameters": {"commands": ["echo hi"]},
                "OutputS3BucketName": "../../etc"
            })
            .to_string()
            .into_bytes(),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, "ValidationException", "{}", refused.message);
    running.stop().await.unwrap();
}
