//! The HTTP front through the real client over 127.0.0.1: every operation
//! family, node credentials, authentication failures and bad input.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sysman_api::client::Client;
use sysman_api::commands::{
    AcknowledgeMessage, GetCommandInvocation, ReceiveMessages, SendCommand, SendReply, StepReport,
};
use sysman_api::documents::ListDocuments;
use sysman_api::fleet::{
    CreateActivation, DescribeInstanceInformation, PlatformType, RegisterNode,
    UpdateInstanceInformation,
};
use sysman_api::kms::ListKeys;
use sysman_api::parameters::{GetParameter, PutParameter};
use sysman_api::sigv4::{self, AccessKey};
use sysman_api::{ApiError, Timestamp};
use sysman_backend::{Backend, ManualClock, Options, SystemClock};
use sysman_server::{Running, Settings};

struct Server {
    backend: Backend,
    running: Running,
    admin: Client,
    key: AccessKey,
}

impl Server {
    fn url(&self) -> String {
        self.running.url()
    }

    fn client(&self, key: Option<AccessKey>) -> Client {
        common::client(&self.running, key)
    }
}

async fn server_on(backend: Backend, settings: Settings) -> Server {
    let (running, key) = common::serve(&backend, settings).await;
    let admin = common::client(&running, Some(key.clone()));
    Server {
        backend,
        running,
        admin,
        key,
    }
}

async fn server_with(options: Options) -> Server {
    server_on(
        Backend::open_in_memory(options).unwrap(),
        Settings::default(),
    )
    .await
}

async fn server() -> Server {
    server_on(common::in_memory(), Settings::default()).await
}

/// Posts `body` under `target`, signed over `signed_body` (the same body
/// unless a test tampers), at `time`; returns status, error type header
/// and body.
async fn raw(
    server: &Server,
    target: &str,
    body: &[u8],
    signing: Option<(&AccessKey, &[u8], SystemTime)>,
) -> (u16, Option<String>, serde_json::Value) {
    let url = format!("{}/", server.url());
    let mut request = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", target);
    if let Some((key, signed_body, time)) = signing {
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target),
        ];
        let signature = sigv4::signature(
            &sigv4::Request {
                method: "POST",
                url: &url,
                headers: &headers,
                body: signed_body,
            },
            key,
            "us-east-1",
            time,
            None,
        )
        .unwrap();
        for (name, value) in signature.headers {
            request = request.header(name, value);
        }
    }
    let response = request.body(body.to_vec()).send().await.unwrap();
    let status = response.status().as_u16();
    assert!(
        response.headers().contains_key("x-amzn-requestid"),
        "every answer carries a request id"
    );
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, error_type, json)
}

fn code(result: &Result<impl std::fmt::Debug, ApiError>) -> &str {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.code.as_ref(),
    }
}

#[tokio::test]
async fn every_operation_family_answers_over_http() {
    let s = server().await;
    // Parameters, with a SecureString through kms.
    s.admin
        .call(&PutParameter {
            name: "/app/db/password".into(),
            value: "hunter2-over-http".into(),
            r#type: Some("SecureString".into()),
            ..PutParameter::default()
        })
        .await
        .unwrap();
    let got = s
        .admin
        .call(&GetParameter {
            name: "/app/db/password".into(),
            with_decryption: Some(true),
        })
        .await
        .unwrap();
    assert_eq!(got.parameter.value, "hunter2-over-http");
    let missing = s
        .admin
        .call(&GetParameter {
            name: "/nope".into(),
            with_decryption: None,
        })
        .await;
    assert_eq!(code(&missing), "ParameterNotFound");
    // Keys, documents.
    let keys = s.admin.call(&ListKeys::default()).await.unwrap();
    assert!(
        !keys.keys.is_empty(),
        "the default key exists after a SecureString"
    );
    let docs = s.admin.call(&ListDocuments::default()).await.unwrap();
    assert!(
        docs.document_identifiers
            .iter()
            .any(|d| d.name == "AWS-RunShellScript")
    );

    // Fleet: an activation, and an agent registering unsigned, then
    // acting with its own key.
    let activation = s
        .admin
        .call(&CreateActivation {
            iam_role: "SSMServiceRole".into(),
            ..CreateActivation::default()
        })
        .await
        .unwrap();
    let anonymous = s.client(None);
    let registered = anonymous
        .call(&RegisterNode {
            activation_id: activation.activation_id.clone(),
            activation_code: activation.activation_code.clone(),
            computer_name: Some("web-1".into()),
            platform_type: Some(PlatformType::Linux),
            platform_name: None,
            platform_version: None,
            agent_version: Some("0.1.0".into()),
            ip_address: None,
        })
        .await
        .unwrap();
    let node = s.client(Some(AccessKey {
        access_key_id: registered.access_key_id.clone(),
        secret_access_key: registered.secret_access_key.clone(),
        session_token: None,
    }));
    let id = registered.instance_id.clone();
    node.call(&UpdateInstanceInformation {
        instance_id: id.clone(),
        agent_version: Some("0.1.0".into()),
        platform_type: Some(PlatformType::Linux),
        platform_name: Some("Debian GNU/Linux".into()),
        platform_version: Some("13".into()),
        ip_address: None,
        computer_name: Some("web-1".into()),
    })
    .await
    .unwrap();
    let described = s
        .admin
        .call(&DescribeInstanceInformation::default())
        .await
        .unwrap();
    assert_eq!(described.instance_information_list.len(), 1);
    // A node may not read parameters or act for another node.
    let denied = node
        .call(&GetParameter {
            name: "/app/db/password".into(),
            with_decryption: Some(true),
        })
        .await;
    assert_eq!(code(&denied), "AccessDeniedException");

    // Run Command: the admin sends, the node takes it over the channel and
    // replies, the admin reads the result.
    let sent = s
        .admin
        .call(&SendCommand {
            instance_ids: Some(vec![id.clone()]),
            document_name: "AWS-RunShellScript".into(),
            parameters: Some([("commands".to_owned(), vec!["echo hi".to_owned()])].into()),
            ..SendCommand::default()
        })
        .await
        .unwrap();
    let command_id = sent.command.command_id.clone();
    let mail = node
        .call(&ReceiveMessages {
            instance_id: id.clone(),
            wait_seconds: Some(5),
            max_messages: None,
        })
        .await
        .unwrap();
    assert_eq!(mail.messages.len(), 1);
    let message_id = mail.messages[0].message_id.clone();
    node.call(&AcknowledgeMessage {
        instance_id: id.clone(),
        message_id: message_id.clone(),
    })
    .await
    .unwrap();
    let now = Timestamp::from_secs(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    node.call(&SendReply {
        instance_id: id.clone(),
        message_id,
        sequence: 1,
        steps: vec![StepReport {
            name: "aws:runShellScript".into(),
            status: "Success".into(),
            response_code: 0,
            started: Some(now),
            finished: Some(now),
            stdout: "hi\n".into(),
            stderr: String::new(),
        }],
    })
    .await
    .unwrap();
    let invocation = s
        .admin
        .call(&GetCommandInvocation {
            command_id,
            instance_id: id.clone(),
            plugin_name: None,
        })
        .await
        .unwrap();
    assert_eq!(invocation.standard_output_content, "hi\n");
    let metrics = reqwest::get(format!("{}/metrics", s.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("sysman_nodes{ping_status=\"Online\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sysman_command_invocations{status=\"Success\"} 1"),
        "{metrics}"
    );
    s.running.stop().await.unwrap();
}

#[tokio::test]
async fn authentication_failures_get_the_right_error_and_change_nothing() {
    let s = server().await;
    let put = br#"{"Name":"/auth/x","Value":"v","Type":"String"}"#;
    let now = SystemTime::now();

    let (status, header, body) = raw(&s, "AmazonSSM.PutParameter", put, None).await;
    assert_eq!(status, 400);
    assert_eq!(
        header.as_deref(),
        Some("MissingAuthenticationTokenException")
    );
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");

    let wrong = AccessKey {
        secret_access_key: "not-the-secret".into(),
        ..s.key.clone()
    };
    let (_, header, _) = raw(&s, "AmazonSSM.PutParameter", put, Some((&wrong, put, now))).await;
    assert_eq!(header.as_deref(), Some("InvalidSignatureException"));

    let unknown = AccessKey {
        access_key_id: "AKIAUNKNOWNUNKNOWN00".into(),
        ..s.key.clone()
    };
    let (_, header, _) = raw(
        &s,
        "AmazonSSM.PutParameter",
        put,
        Some((&unknown, put, now)),
    )
    .await;
    assert_eq!(header.as_deref(), Some("UnrecognizedClientException"));

    let stale = now - Duration::from_secs(16 * 60);
    let (_, header, body) = raw(
        &s,
        "AmazonSSM.PutParameter",
        put,
        Some((&s.key, put, stale)),
    )
    .await;
    assert_eq!(header.as_deref(), Some("InvalidSignatureException"));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature expired"),
        "{body}"
    );

    let tampered = br#"{"Name":"/auth/x","Value":"evil","Type":"String"}"#;
    let (_, header, _) = raw(
        &s,
        "AmazonSSM.PutParameter",
        tampered,
        Some((&s.key, put, now)),
    )
    .await;
    assert_eq!(header.as_deref(), Some("InvalidSignatureException"));

    // None of them wrote anything.
    let got = s
        .admin
        .call(&GetParameter {
            name: "/auth/x".into(),
            with_decryption: None,
        })
        .await;
    assert_eq!(code(&got), "ParameterNotFound");

    // The signed original goes through.
    let (status, _, _) = raw(&s, "AmazonSSM.PutParameter", put, Some((&s.key, put, now))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_clock_that_judges_signatures_is_the_backends() {
    // A server whose clock runs 20 minutes ahead of this machine's finds
    // every fresh signature expired.
    let ahead = SystemTime::now() + Duration::from_secs(20 * 60);
    let secs = ahead
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let s = server_with(Options {
        clock: Arc::new(ManualClock::new(Timestamp::from_secs(secs as i64))),
        ..Options::default()
    })
    .await;
    let result = s.admin.call(&ListKeys::default()).await;
    assert_eq!(code(&result), "InvalidSignatureException");
    let _ = &s.backend;
}

#[tokio::test]
async fn bad_input_gets_a_precise_error_and_never_a_500() {
    let s = server().await;
    let now = SystemTime::now();
    let signed = |body: &'static [u8]| Some((&s.key, body, now));
    let cases: [(&str, &[u8], &str); 7] = [
        (
            "AmazonSSM.GetParameter",
            b"{\"Name\": \"/x\"",
            "SerializationException",
        ),
        (
            "AmazonSSM.GetParameter",
            b"{\"Name\": 7}",
            "SerializationException",
        ),
        (
            "AmazonSSM.GetParameter",
            b"{\"Name\":\"/x\",\"Bogus\":1}",
            "SerializationException",
        ),
        (
            "AmazonSSM.GetParameter",
            b"{\"Name\":\"\xc3\x28\"}",
            "SerializationException",
        ),
        ("AmazonSSM.GetParameter", b"{}", "ValidationException"),
        ("AmazonSSM.NoSuchThing", b"{}", "UnknownOperationException"),
        ("", b"{}", "UnknownOperationException"),
    ];
    for (target, body, expected) in cases {
        let (status, header, json) = raw(&s, target, body, signed(body)).await;
        assert_eq!(status, 400, "{target} {body:?}: {json}");
        assert_eq!(
            header.as_deref(),
            Some(expected),
            "{target} {body:?}: {json}"
        );
        assert_eq!(json["__type"], expected);
        assert!(!json["message"].as_str().unwrap().is_empty());
    }
    // A body over the limit is refused before it is read whole.
    let huge = vec![b' '; sysman_server::MAX_BODY + 1];
    let (status, header, _) = raw(&s, "AmazonSSM.GetParameter", &huge, None).await;
    assert_eq!(status, 400);
    assert!(header.is_some());
    // A missing field uses AWS's wording.
    let (_, _, json) = raw(&s, "AmazonSSM.GetParameter", b"{}", signed(b"{}")).await;
    assert_eq!(
        json["message"],
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: \
         Member must not be null"
    );
    // Health and metrics.
    let health = reqwest::get(format!("{}/healthz", s.url())).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let metrics = reqwest::get(format!("{}/metrics", s.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "sysman_requests_total{operation=\"AmazonSSM.GetParameter\",outcome=\"SerializationException\"} 4"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("sysman_nodes{ping_status=\"Online\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sysman_command_invocations{status=\"Success\"} 0"),
        "{metrics}"
    );
    assert!(metrics.contains("sysman_long_polls_held 0"), "{metrics}");
}

#[tokio::test]
async fn a_request_breaking_the_model_gets_every_violation_in_aws_words_and_changes_nothing() {
    let s = server().await;
    let now = SystemTime::now();
    let body: &[u8] = br#"{"Name":"/app/x","Value":"v","Type":"Text","Tier":"Gold"}"#;
    let (status, header, json) = raw(
        &s,
        "AmazonSSM.PutParameter",
        body,
        Some((&s.key, body, now)),
    )
    .await;
    assert_eq!(status, 400, "{json}");
    assert_eq!(header.as_deref(), Some("ValidationException"));
    assert_eq!(json["__type"], "ValidationException");
    assert_eq!(
        json["message"],
        "2 validation errors detected: \
         Value 'Text' at 'type' failed to satisfy constraint: \
         Member must satisfy enum value set: [SecureString, StringList, String]; \
         Value 'Gold' at 'tier' failed to satisfy constraint: \
         Member must satisfy enum value set: [Intelligent-Tiering, Advanced, Standard]"
    );
    // A limit the typed decode alone would let through.
    let names: Vec<String> = (0..11).map(|i| format!("/p{i}")).collect();
    let body = serde_json::to_vec(&serde_json::json!({ "Names": names })).unwrap();
    let (status, _, json) = raw(
        &s,
        "AmazonSSM.GetParameters",
        &body,
        Some((&s.key, &body, now)),
    )
    .await;
    assert_eq!(status, 400, "{json}");
    assert_eq!(
        json["message"],
        "1 validation error detected: Value '[/p0, /p1, /p2, /p3, /p4, /p5, /p6, /p7, /p8, /p9, /p10]' \
         at 'names' failed to satisfy constraint: Member must have length less than or equal to 10"
    );
    let missing = s
        .admin
        .call(&GetParameter {
            name: "/app/x".into(),
            with_decryption: None,
        })
        .await;
    assert_eq!(code(&missing), "ParameterNotFound");
}

async fn next(
    stream: &mut sysman_api::client::Subscription,
) -> Option<sysman_api::client::StreamItem> {
    tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("an event arrives")
}

#[tokio::test]
async fn the_event_stream_shows_each_listener_what_it_may_read() {
    use sysman_api::client::StreamItem;
    use sysman_api::events::Event;
    use sysman_api::iam::{CreateAccessKey, CreateUser, PutUserPolicy};

    let s = server().await;
    s.admin
        .call(&CreateUser {
            user_name: "app-reader".into(),
            tags: None,
        })
        .await
        .unwrap();
    s.admin
        .call(&PutUserPolicy {
            user_name: "app-reader".into(),
            policy_name: "app".into(),
            policy_document: r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"sysman:Subscribe","Resource":"*"},
                {"Effect":"Allow","Action":"ssm:Get*","Resource":"arn:aws:ssm:*:*:parameter/app/*"}]}"#
                .into(),
        })
        .await
        .unwrap();
    let key = s
        .admin
        .call(&CreateAccessKey {
            user_name: "app-reader".into(),
        })
        .await
        .unwrap()
        .access_key;
    let reader = s.client(Some(AccessKey {
        access_key_id: key.access_key_id,
        secret_access_key: key.secret_access_key,
        session_token: None,
    }));
    let mut admin_stream = s.admin.subscribe().await.unwrap();
    let mut reader_stream = reader.subscribe().await.unwrap();
    for name in ["/other/y", "/app/x"] {
        s.admin
            .call(&PutParameter {
                name: name.into(),
                value: "v".into(),
                r#type: Some("String".into()),
                ..PutParameter::default()
            })
            .await
            .unwrap();
    }
    let changed = |name: &str| {
        Some(StreamItem::Event(Event::ParameterChanged {
            name: name.into(),
        }))
    };
    assert_eq!(next(&mut admin_stream).await, changed("/other/y"));
    assert_eq!(next(&mut admin_stream).await, changed("/app/x"));
    assert_eq!(
        next(&mut reader_stream).await,
        changed("/app/x"),
        "the reader never sees /other/y"
    );
    // A node may not subscribe at all.
    let unsigned = s.client(None).subscribe().await;
    assert_eq!(
        unsigned.err().map(|e| e.code.to_string()).as_deref(),
        Some("MissingAuthenticationTokenException")
    );
    // Stopping the server ends open streams rather than waiting on them.
    tokio::time::timeout(Duration::from_secs(5), s.running.stop())
        .await
        .expect("graceful shutdown does not wait for listeners")
        .unwrap();
    assert_eq!(next(&mut admin_stream).await, None);
}

#[tokio::test]
async fn reset_state_wipes_the_service_but_keeps_users_and_is_off_by_default() {
    use sysman_api::admin::ResetState;
    use sysman_api::fleet::DescribeActivations;

    let off = server().await;
    let refused = off.admin.call(&ResetState {}).await;
    assert_eq!(code(&refused), "UnsupportedOperationException");

    let s = server_with(Options {
        clock: Arc::new(SystemClock),
        allow_reset: true,
        ..Options::default()
    })
    .await;
    s.admin
        .call(&PutParameter {
            name: "/app/x".into(),
            value: "v".into(),
            r#type: Some("SecureString".into()),
            ..PutParameter::default()
        })
        .await
        .unwrap();
    s.admin
        .call(&CreateActivation {
            iam_role: "SSMServiceRole".into(),
            ..CreateActivation::default()
        })
        .await
        .unwrap();
    s.admin.call(&ResetState {}).await.unwrap();

    // The same key still signs: users and access keys stay.
    let gone = s
        .admin
        .call(&GetParameter {
            name: "/app/x".into(),
            with_decryption: Some(true),
        })
        .await;
    assert_eq!(code(&gone), "ParameterNotFound");
    let activations = s.admin.call(&DescribeActivations::default()).await.unwrap();
    assert!(activations.activation_list.is_empty());
    let keys = s.admin.call(&ListKeys::default()).await.unwrap();
    assert!(keys.keys.is_empty(), "customer keys are service state");
    let docs = s.admin.call(&ListDocuments::default()).await.unwrap();
    assert!(
        docs.document_identifiers
            .iter()
            .any(|d| d.name == "AWS-RunShellScript"),
        "built-in documents remain"
    );
    // The store agrees after a flush: nothing but users and keys is left.
    s.backend.flush().await;
    let records = s.backend.audit_records().await.unwrap();
    assert!(
        records
            .iter()
            .any(|r| r.operation == "ResetState" && r.outcome == "Success")
    );
}

// ---------------------------------------------------------------------------
// The attack on the front (issue 13): each hole found, kept as a test.

/// Sends raw `head` and `body` on a fresh connection; the status line and
/// the rest of the answer, or `None` if none came within `wait`.
async fn raw_tcp(server: &Server, head: &str, body: &[u8], wait: Duration) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.running.addr)
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = vec![0u8; 4096];
    match tokio::time::timeout(wait, stream.read(&mut answer)).await {
        Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&answer[..n]).into_owned()),
        _ => None,
    }
}

#[tokio::test]
async fn a_signature_must_cover_the_host_the_date_and_the_operation() {
    let s = server().await;
    s.admin
        .call(&PutParameter {
            name: "/app/keep".into(),
            value: "v".into(),
            r#type: Some("String".into()),
            ..PutParameter::default()
        })
        .await
        .unwrap();
    // A valid signature over content-type alone, made for a GetParameter;
    // the unsigned X-Amz-Target is then switched to DeleteParameter.
    let body = br#"{"Name":"/app/keep"}"#;
    let time = SystemTime::now();
    let amz_date = sigv4::format_amz_date(time);
    let key = sigv4::signing_key(&s.key.secret_access_key, time, "us-east-1");
    let content_type = "application/x-amz-json-1.1";
    let signature = sigv4::signature_with_key(
        &key,
        &amz_date,
        "us-east-1",
        &[("content-type", vec![content_type])],
        body,
    );
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{}/us-east-1/ssm/aws4_request, \
         SignedHeaders=content-type, Signature={signature}",
        s.key.access_key_id,
        &amz_date[..8]
    );
    let response = reqwest::Client::new()
        .post(format!("{}/", s.url()))
        .header("content-type", content_type)
        .header("x-amz-target", "AmazonSSM.DeleteParameter")
        .header("x-amz-date", &amz_date)
        .header("authorization", authorization)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let text = response.text().await.unwrap();
    assert!(text.contains("IncompleteSignatureException"), "{text}");
    assert!(text.contains("must be a 'SignedHeader'"), "{text}");
    let kept = s
        .admin
        .call(&GetParameter {
            name: "/app/keep".into(),
            with_decryption: None,
        })
        .await;
    assert_eq!(kept.unwrap().parameter.value, "v");
}

#[tokio::test]
async fn a_body_is_not_read_before_its_key_and_date_are_known() {
    let s = server().await;
    let amz_date = sigv4::format_amz_date(SystemTime::now());
    // An unknown key announcing 15 MB and sending none of it is answered
    // at once; the server never waits for, nor holds, the body.
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {}\r\ncontent-type: application/x-amz-json-1.1\r\n\
         x-amz-target: AmazonSSM.GetParameter\r\nx-amz-date: {amz_date}\r\n\
         authorization: AWS4-HMAC-SHA256 Credential=AKIANOBODY/{}/us-east-1/ssm/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00\r\n\
         content-length: 15000000\r\n\r\n",
        s.running.addr,
        &amz_date[..8]
    );
    let answer = raw_tcp(&s, &head, b"{", Duration::from_secs(5)).await;
    let answer = answer.expect("an answer before the body");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("UnrecognizedClientException"), "{answer}");
    // The unsigned operation takes small bodies only, refused unread.
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {}\r\ncontent-type: application/x-amz-json-1.1\r\n\
         x-amz-target: Sysman.RegisterNode\r\ncontent-length: 7000000\r\n\r\n",
        s.running.addr
    );
    let answer = raw_tcp(&s, &head, b"{", Duration::from_secs(5)).await;
    let answer = answer.expect("an answer before the body");
    assert!(answer.contains("larger than 65536 bytes"), "{answer}");
}

#[tokio::test]
async fn what_a_stranger_sends_is_stored_bounded_and_its_refusals_are_throttled() {
    let s = server().await;
    // Under the unsigned body limit but far over what a field may keep.
    let id = "A".repeat(60_000);
    let body = serde_json::json!({ "ActivationId": id, "ActivationCode": "x" }).to_string();
    let (status, kind, _) = raw(&s, "Sysman.RegisterNode", body.as_bytes(), None).await;
    assert_eq!(status, 400, "{kind:?}");
    s.backend.flush().await;
    let audit = s.backend.audit_records().await.unwrap();
    let record = audit
        .iter()
        .find(|r| r.operation == "RegisterNode")
        .expect("the refusal is audited");
    assert!(record.resource.len() < 200, "{}", record.resource.len());
    assert!(record.request.len() < 400, "{}", record.request.len());
    assert!(
        record.resource.contains("60011 bytes, sha256"),
        "{}",
        record.resource
    );
    // Refused again and again from one address, it is turned away unheard.
    let mut throttled = 0;
    for _ in 0..40 {
        let body = br#"{"ActivationId":"nope","ActivationCode":"nope"}"#;
        let (_, kind, _) = raw(&s, "Sysman.RegisterNode", body, None).await;
        throttled += usize::from(kind.as_deref() == Some("ThrottlingException"));
    }
    assert!((15..40).contains(&throttled), "{throttled} of 40 throttled");
    // A caller with a key, from the same address, is served as ever.
    let keys = s.admin.call(&ListKeys::default()).await;
    assert!(keys.is_ok(), "{keys:?}");
}

#[tokio::test]
async fn healthz_reports_a_failing_store_and_its_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::open(dir.path(), Options::default()).unwrap();
    let s = server_on(backend.clone(), Settings::default()).await;
    let (url, admin) = (s.url(), &s.admin);
    let health = || async {
        let response = reqwest::get(format!("{url}/healthz")).await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    assert_eq!(health().await, (200, "ok\n".to_owned()));
    backend.limit_store_pages(Some(1)).await.unwrap();
    let mut failure = None;
    for i in 0..500 {
        let put = PutParameter {
            name: format!("/fill/{i}"),
            value: "x".repeat(4000),
            r#type: Some("String".into()),
            ..PutParameter::default()
        };
        if let Err(e) = admin.call(&put).await {
            failure = Some(e);
            break;
        }
    }
    assert_eq!(failure.expect("the disk fills").code, "InternalServerError");
    let (status, text) = health().await;
    assert_eq!(status, 503, "{text}");
    assert!(
        text.starts_with("store failing:") && text.contains("full"),
        "{text}"
    );
    let refused = admin.call(&ListKeys::default()).await.unwrap_err();
    assert_eq!(refused.code, "ServiceUnavailable");
    backend.limit_store_pages(None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(health().await, (200, "ok\n".to_owned()));
    assert!(admin.call(&ListKeys::default()).await.is_ok());
}

#[tokio::test]
async fn metrics_can_be_kept_behind_a_token() {
    let s = server_on(
        common::in_memory(),
        Settings {
            metrics_token: Some(sysman_server::Token("s3cret-scrape".into())),
            ..Settings::default()
        },
    )
    .await;
    let url = format!("{}/metrics", s.url());
    let scrape = |token: Option<&str>| {
        let mut request = reqwest::Client::new().get(&url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, text) = scrape(None).await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("Bearer"), "{text}");
    assert_eq!(scrape(Some("s3cret-scrap")).await.0, 401);
    let (status, text) = scrape(Some("s3cret-scrape")).await;
    assert_eq!(status, 200);
    assert!(text.contains("sysman_nodes{"), "{text}");
    // Health stays open to probes.
    let health = reqwest::get(format!("{}/healthz", s.url())).await;
    assert_eq!(health.unwrap().status().as_u16(), 200);
}

#[tokio::test]
async fn aws_list_nodes_and_sysmans_own_are_told_apart_by_prefix() {
    let s = server().await;
    let now = SystemTime::now();
    let send = |target: &'static str, body: &'static [u8]| {
        let s = &s;
        async move { raw(s, target, body, Some((&s.key, body, now))).await }
    };
    // AWS's ListNodes takes Filters and pages by at most 50.
    let filtered = br#"{"Filters":[{"Key":"PlatformType","Values":["Linux"]}]}"#;
    let (status, _, body) = send("AmazonSSM.ListNodes", filtered).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, serde_json::json!({"Nodes": []}));
    let (status, header, body) = send("AmazonSSM.ListNodes", br#"{"MaxResults":5000}"#).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(header.as_deref(), Some("ValidationException"));
    // sysman's own takes pages of up to 5,000 and no filters.
    let (status, _, body) = send("Sysman.ListNodes", br#"{"MaxResults":5000}"#).await;
    assert_eq!(status, 200, "{body}");
    let (status, header, _) = send("Sysman.ListNodes", filtered).await;
    assert_eq!(status, 400);
    assert_eq!(header.as_deref(), Some("SerializationException"));
}
