//! Command output written to a real S3-compatible service on a loopback
//! port, with a temporary store and credentials of its own: MinIO when a
//! `minio` binary is on PATH, else moto's S3 server from the tests'
//! Python environment (tests/requirements.txt), so the S3 path runs on
//! every machine that runs the tests.

mod pyenv;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use object_store::ObjectStoreExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use sysman_api::Timestamp;
use sysman_api::commands::{GetCommandInvocation, ListCommands, SendCommand};
use sysman_api::fleet::{ListNodes, PlatformType};
use sysman_backend::objects::{S3Config, S3Store};
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Clock, ManualClock, Options};

const USER: &str = "sysman-test";
const PASSWORD: &str = "sysman-test-secret";
const BUCKET: &str = "command-output";

fn minio_on_path() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("minio"))
        .find(|path| path.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An S3-compatible server, stopped when dropped.
struct S3Server {
    what: &'static str,
    child: Child,
    endpoint: String,
    _dir: tempfile::TempDir,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// MinIO if it is on PATH, else moto's S3 server; the bucket made.
async fn start_s3() -> S3Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let server = match minio_on_path() {
        Some(minio) => {
            // A folder at the top of a single-drive MinIO's directory is a
            // bucket.
            std::fs::create_dir(dir.path().join(BUCKET)).unwrap();
            let child = Command::new(minio)
                .arg("server")
                .arg(dir.path())
                .args(["--address", &format!("127.0.0.1:{port}")])
                .args(["--console-address", &format!("127.0.0.1:{}", free_port())])
                .env("MINIO_ROOT_USER", USER)
                .env("MINIO_ROOT_PASSWORD", PASSWORD)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("minio starts");
            S3Server {
                what: "MinIO",
                child,
                endpoint,
                _dir: dir,
            }
        }
        None => {
            let venv = pyenv::python_env();
            let child = Command::new(venv.join("bin/moto_server"))
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("moto_server starts");
            S3Server {
                what: "moto's S3 server",
                child,
                endpoint,
                _dir: dir,
            }
        }
    };
    for _ in 0..400 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            if server.what != "MinIO" {
                make_bucket(&server.endpoint);
            }
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} did not listen on {port} within 20 s", server.what);
}

/// CreateBucket, through boto3 (object_store makes no buckets).
fn make_bucket(endpoint: &str) {
    let venv = pyenv::python_env();
    let script = format!(
        "import boto3\n\
         boto3.client('s3', endpoint_url='{endpoint}', region_name='us-east-1', \
         aws_access_key_id='{USER}', aws_secret_access_key='{PASSWORD}')\
         .create_bucket(Bucket='{BUCKET}')"
    );
    let made = pyenv::run(Command::new(venv.join("bin/python")).args(["-c", &script]));
    assert!(
        made.status.success(),
        "could not make the bucket: {}",
        String::from_utf8_lossy(&made.stderr)
    );
}

#[tokio::test]
async fn command_output_lands_in_an_s3_compatible_store() {
    let store = start_s3().await;
    eprintln!(
        "writing command output to {} at {}",
        store.what, store.endpoint
    );
    let config = S3Config {
        endpoint: Some(store.endpoint.clone()),
        region: "us-east-1".into(),
        access_key_id: Some(USER.into()),
        secret_access_key: Some(PASSWORD.into()),
    };
    let clock = ManualClock::new(Timestamp::from_secs(1_795_435_200));
    let b = Backend::open_in_memory(Options {
        clock: Arc::new(clock.clone()),
        id_seed: Some(8),
        output_store: Some(Arc::new(S3Store::new(config))),
        ..Options::default()
    })
    .unwrap();
    let mut spec = FleetSpec::new(20, 3);
    spec.flakiness = 0.0;
    let mut sim = Simulator::start(b.clone(), &spec).await.unwrap();
    let admin = Caller::admin("ops");
    let node = b
        .call(&admin, ListNodes::default())
        .await
        .unwrap()
        .nodes
        .into_iter()
        .find(|n| n.info.platform_type == Some(PlatformType::Linux))
        .unwrap()
        .info
        .instance_id;
    let id = b
        .call(
            &admin,
            SendCommand {
                instance_ids: Some(vec![node.clone()]),
                document_name: "AWS-RunShellScript".into(),
                parameters: Some(BTreeMap::from([(
                    "commands".to_owned(),
                    vec!["seq 1 6000".to_owned()],
                )])),
                output_s3_bucket_name: Some(BUCKET.into()),
                output_s3_key_prefix: Some("runs".into()),
                ..SendCommand::default()
            },
        )
        .await
        .unwrap()
        .command
        .command_id;
    for _ in 0..36_000 {
        sim.step_until(clock.now()).await.unwrap();
        let command = b
            .call(
                &admin,
                ListCommands {
                    command_id: Some(id.clone()),
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
    let key = format!("runs/{id}/{node}/awsrunShellScript/0.awsrunShellScript/stdout");
    let reader = AmazonS3Builder::new()
        .with_endpoint(&store.endpoint)
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_bucket_name(BUCKET)
        .with_access_key_id(USER)
        .with_secret_access_key(PASSWORD)
        .build()
        .unwrap();
    let mut body = None;
    for _ in 0..200 {
        if let Ok(got) = reader.get(&ObjectPath::parse(&key).unwrap()).await {
            body = Some(got.bytes().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body = body.unwrap_or_else(|| panic!("{key} never reached {}", store.what));
    let expected: String = (1..=6000).map(|i| format!("{i}\n")).collect();
    assert_eq!(String::from_utf8(body.to_vec()).unwrap(), expected);
    assert_eq!(b.output_write_failures(), 0);
    let inv = b
        .call(
            &admin,
            GetCommandInvocation {
                command_id: id,
                instance_id: node,
                plugin_name: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        inv.standard_output_url,
        format!("{}/{BUCKET}/{key}", store.endpoint)
    );
}
