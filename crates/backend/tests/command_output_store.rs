//! Command output written to the object store (`OutputS3BucketName`):
//! whole, at AWS's keys, on a simulated node; names that would leave the
//! store refused; the location kept across a restart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sysman_api::commands::{
    GetCommandInvocation, InvocationStatus, ListCommandInvocations, ListCommands, SendCommand,
};
use sysman_api::documents::CreateDocument;
use sysman_api::fleet::{ListNodes, PlatformType};
use sysman_api::{ApiError, Timestamp};
use sysman_backend::objects::{ObjectStore, S3Config, S3Store};
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Clock, ManualClock, OBJECTS_DIR, Options};

const START: Timestamp = Timestamp::from_secs(1_795_435_200);

fn options(clock: &ManualClock) -> Options {
    Options {
        clock: Arc::new(clock.clone()),
        id_seed: Some(5),
        ..Options::default()
    }
}

fn admin() -> Caller {
    Caller::admin("ops")
}

/// A backend in `dir` (objects under `dir/objects`), a simulated fleet, and
/// one Linux node of it.
async fn fleet(dir: &Path, clock: &ManualClock) -> (Backend, Simulator, String) {
    fleet_writing_to(dir, clock, None).await
}

async fn fleet_writing_to(
    dir: &Path,
    clock: &ManualClock,
    store: Option<Arc<dyn ObjectStore>>,
) -> (Backend, Simulator, String) {
    let options = Options {
        output_store: store,
        ..options(clock)
    };
    let backend = Backend::open(dir, options).unwrap();
    let mut spec = FleetSpec::new(20, 3);
    spec.flakiness = 0.0;
    let sim = Simulator::start(backend.clone(), &spec).await.unwrap();
    let nodes = backend
        .call(&admin(), ListNodes::default())
        .await
        .unwrap()
        .nodes;
    let linux = nodes
        .into_iter()
        .find(|n| n.info.platform_type == Some(PlatformType::Linux))
        .expect("a Linux node")
        .info
        .instance_id;
    (backend, sim, linux)
}

fn shell(node: &str, commands: &[&str]) -> SendCommand {
    SendCommand {
        instance_ids: Some(vec![node.to_owned()]),
        document_name: "AWS-RunShellScript".into(),
        parameters: Some(BTreeMap::from([(
            "commands".to_owned(),
            commands.iter().map(|c| c.to_string()).collect(),
        )])),
        ..SendCommand::default()
    }
}

fn to_bucket(mut req: SendCommand, bucket: &str, prefix: Option<&str>) -> SendCommand {
    req.output_s3_bucket_name = Some(bucket.into());
    req.output_s3_key_prefix = prefix.map(str::to_owned);
    req
}

/// Runs the simulator until the command ends, then waits (in real time)
/// for the object store's writes, which follow the end on a task.
async fn run(b: &Backend, sim: &mut Simulator, clock: &ManualClock, id: &str, expect: &[PathBuf]) {
    for _ in 0..36_000 {
        sim.step_until(clock.now()).await.unwrap();
        let command = b
            .call(
                &admin(),
                ListCommands {
                    command_id: Some(id.into()),
                    ..ListCommands::default()
                },
            )
            .await
            .unwrap()
            .commands
            .remove(0);
        if command.status.is_terminal() {
            break;
        }
        clock.advance(Duration::from_millis(100));
    }
    for _ in 0..200 {
        if expect.iter().all(|p| p.exists()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("not written: {expect:?}");
}

fn object(dir: &Path, bucket: &str, key: &str) -> PathBuf {
    let mut path = dir.join(OBJECTS_DIR).join(bucket);
    path.extend(key.split('/'));
    path
}

#[tokio::test]
async fn whole_output_lands_in_the_directory_store_at_aws_keys() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let (b, mut sim, node) = fleet(dir.path(), &clock).await;
    // About 28,900 characters of stdout: more than the 24,000 the API shows.
    let req = to_bucket(
        shell(&node, &["seq 1 6000", "seq 1 3000 >&2"]),
        "my-bucket",
        Some("runs/nightly/"),
    );
    let id = b.call(&admin(), req).await.unwrap().command.command_id;
    let folder = format!("runs/nightly/{id}/{node}/awsrunShellScript/0.awsrunShellScript");
    let stdout_key = format!("{folder}/stdout");
    let stderr_key = format!("{folder}/stderr");
    let files = [
        object(dir.path(), "my-bucket", &stdout_key),
        object(dir.path(), "my-bucket", &stderr_key),
    ];
    run(&b, &mut sim, &clock, &id, &files).await;

    let numbers = |n: u32| (1..=n).map(|i| format!("{i}\n")).collect::<String>();
    let stdout = std::fs::read_to_string(&files[0]).unwrap();
    assert!(stdout.chars().count() > 24_000);
    assert_eq!(stdout, numbers(6000));
    assert_eq!(std::fs::read_to_string(&files[1]).unwrap(), numbers(3000));

    let inv = b
        .call(
            &admin(),
            GetCommandInvocation {
                command_id: id.clone(),
                instance_id: node.clone(),
                plugin_name: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(inv.status, InvocationStatus::Success);
    assert_eq!(inv.standard_output_content.chars().count(), 24_000);
    assert_eq!(
        inv.standard_output_url,
        format!("file://{}", files[0].display())
    );
    assert_eq!(
        inv.standard_error_url,
        format!("file://{}", files[1].display())
    );

    let listed = b
        .call(
            &admin(),
            ListCommandInvocations {
                command_id: Some(id.clone()),
                details: Some(true),
                ..ListCommandInvocations::default()
            },
        )
        .await
        .unwrap()
        .command_invocations;
    let plugin = &listed[0].command_plugins[0];
    assert_eq!(plugin.output_s3_bucket_name, "my-bucket");
    // The plugin's folder, as AWS's agent reports it.
    assert_eq!(
        plugin.output_s3_key_prefix,
        format!("runs/nightly/{id}/{node}/awsrunShellScript")
    );
    assert_eq!(plugin.standard_output_url, inv.standard_output_url);
    assert_eq!(plugin.standard_error_url, inv.standard_error_url);
}

#[tokio::test]
async fn a_schema_2_2_step_writes_under_its_own_name() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let (b, mut sim, node) = fleet(dir.path(), &clock).await;
    let content = serde_json::json!({
        "schemaVersion": "2.2",
        "description": "two steps",
        "mainSteps": [
            {"action": "aws:runShellScript", "name": "First",
             "inputs": {"runCommand": ["echo one"]}},
            {"action": "aws:runShellScript", "name": "Second",
             "inputs": {"runCommand": ["echo two"]}}
        ]
    });
    b.call(
        &admin(),
        CreateDocument {
            content: content.to_string(),
            name: "Two-Steps".into(),
            ..CreateDocument::default()
        },
    )
    .await
    .unwrap();
    let req = SendCommand {
        instance_ids: Some(vec![node.clone()]),
        document_name: "Two-Steps".into(),
        output_s3_bucket_name: Some("out".into()),
        ..SendCommand::default()
    };
    let id = b.call(&admin(), req).await.unwrap().command.command_id;
    // No prefix: the keys begin with the command id.
    let key = |step: &str| format!("{id}/{node}/awsrunShellScript/{step}/stdout");
    let files = [
        object(dir.path(), "out", &key("First")),
        object(dir.path(), "out", &key("Second")),
    ];
    run(&b, &mut sim, &clock, &id, &files).await;
    assert_eq!(std::fs::read_to_string(&files[0]).unwrap(), "one\n");
    assert_eq!(std::fs::read_to_string(&files[1]).unwrap(), "two\n");
}

/// Every file under `root`, relative to it.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_owned()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_owned());
            }
        }
    }
    out.sort();
    out
}

fn refused(result: Result<impl std::fmt::Debug, ApiError>) -> ApiError {
    let err = result.expect_err("refused");
    assert_eq!(err.code, "ValidationException", "{}", err.message);
    err
}

#[tokio::test]
async fn names_that_would_leave_the_store_are_refused_and_nothing_is_written() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let clock = ManualClock::new(START);
    let (b, mut sim, node) = fleet(&data, &clock).await;
    let before = files_under(root.path());
    let attacks: [(&str, Option<&str>); 12] = [
        ("..", None),
        ("../escaped", None),
        ("/tmp", None),
        ("bucket/../..", None),
        ("buck\0et", None),
        ("my-bucket", Some("../../../escaped")),
        ("my-bucket", Some("a/../../..")),
        ("my-bucket", Some("/etc/cron.d")),
        ("my-bucket", Some("logs\0/x")),
        ("my-bucket", Some("logs//x")),
        ("my-bucket", Some("..\\..\\escaped")),
        ("my-bucket", Some("./.")),
    ];
    for (bucket, prefix) in attacks {
        let err = refused(
            b.call(
                &admin(),
                to_bucket(shell(&node, &["echo hi"]), bucket, prefix),
            )
            .await,
        );
        assert!(
            err.message.contains("S3 bucket name") || err.message.contains("OutputS3KeyPrefix"),
            "{bucket:?} {prefix:?}: {}",
            err.message
        );
    }
    // A 2.2 step named `..` would make a key segment of its own.
    let content = serde_json::json!({
        "schemaVersion": "2.2",
        "description": "a step named ..",
        "mainSteps": [{"action": "aws:runShellScript", "name": "..",
                       "inputs": {"runCommand": ["echo escaped"]}}]
    });
    b.call(
        &admin(),
        CreateDocument {
            content: content.to_string(),
            name: "Dot-Dot".into(),
            ..CreateDocument::default()
        },
    )
    .await
    .unwrap();
    let req = SendCommand {
        instance_ids: Some(vec![node.clone()]),
        document_name: "Dot-Dot".into(),
        output_s3_bucket_name: Some("my-bucket".into()),
        ..SendCommand::default()
    };
    let err = refused(b.call(&admin(), req).await);
    assert!(err.message.contains("output key"), "{}", err.message);
    // Nothing was sent, so nothing runs and nothing is written anywhere.
    let commands = b
        .call(&admin(), ListCommands::default())
        .await
        .unwrap()
        .commands;
    assert!(commands.is_empty(), "{commands:?}");
    for _ in 0..20 {
        sim.step_until(clock.now()).await.unwrap();
        clock.advance(Duration::from_millis(100));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!data.join(OBJECTS_DIR).exists());
    let after: Vec<PathBuf> = files_under(root.path())
        .into_iter()
        .filter(|p| !before.contains(p) && !p.starts_with("data"))
        .collect();
    assert!(after.is_empty(), "written outside the store: {after:?}");
}

#[tokio::test]
async fn the_output_location_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let id = {
        let (b, _sim, node) = fleet(dir.path(), &clock).await;
        let mut req = to_bucket(shell(&node, &["echo hi"]), "kept", Some("p"));
        req.output_s3_region = Some("eu-west-1".into());
        // Accepted, though sysman writes no CloudWatch Logs.
        req.cloud_watch_output_config = Some(serde_json::json!({
            "CloudWatchOutputEnabled": true
        }));
        let id = b.call(&admin(), req).await.unwrap().command.command_id;
        b.flush().await;
        id
    };
    let b = Backend::open(dir.path(), options(&clock)).unwrap();
    let command = b
        .call(
            &admin(),
            ListCommands {
                command_id: Some(id),
                ..ListCommands::default()
            },
        )
        .await
        .unwrap()
        .commands
        .remove(0);
    assert_eq!(command.output_s3_bucket_name, "kept");
    assert_eq!(command.output_s3_key_prefix, "p");
    assert_eq!(command.output_s3_region, "eu-west-1");
}

#[tokio::test]
async fn a_write_that_fails_is_counted_and_the_result_stands() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    // An S3 endpoint where nothing listens: every write fails.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = S3Store::new(S3Config {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        access_key_id: Some("key".into()),
        secret_access_key: Some("secret".into()),
    });
    let (b, mut sim, node) = fleet_writing_to(dir.path(), &clock, Some(Arc::new(dead))).await;
    let req = to_bucket(shell(&node, &["echo kept"]), "my-bucket", None);
    let id = b.call(&admin(), req).await.unwrap().command.command_id;
    run(&b, &mut sim, &clock, &id, &[]).await;
    for _ in 0..600 {
        if b.output_write_failures() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        b.output_write_failures(),
        2,
        "stdout and stderr both failed"
    );
    let inv = b
        .call(
            &admin(),
            GetCommandInvocation {
                command_id: id,
                instance_id: node,
                plugin_name: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(inv.status, InvocationStatus::Success);
    assert_eq!(inv.standard_output_content, "kept\n");
}
