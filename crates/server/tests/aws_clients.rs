//! The real `aws` CLI and boto3 against a server with a simulated fleet:
//! tests/clients.py makes the calls and checks what the clients print.
//! `.ci/run` installs both from PyPI when they are missing.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use sysman_api::fleet::ListNodes;
use sysman_api::iam::{CreateAccessKey, CreateUser};
use sysman_api::parameters::PutParameter;
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Options, SystemClock};
use sysman_server::Settings;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_and_boto3_work_against_sysman() {
    let have = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    assert!(
        have("aws", "--version") && have("python3", "--version") && {
            Command::new("python3")
                .args(["-c", "import boto3"])
                .status()
                .is_ok_and(|s| s.success())
        },
        "this test needs the aws CLI and boto3: pip install awscli boto3"
    );

    let backend = Backend::open_in_memory(Options {
        clock: Arc::new(SystemClock),
        ..Options::default()
    })
    .unwrap();
    let (key_id, secret) = backend.bootstrap_admin("admin").await.unwrap().unwrap();
    let admin = Caller::admin("test");
    let mut spec = FleetSpec::new(24, 11);
    spec.flakiness = 0.0;
    spec.command_failure_rate = 0.0;
    let sim = Simulator::start(backend.clone(), &spec).await.unwrap();
    tokio::spawn(sim.run());

    for i in 0..23 {
        backend
            .call(
                &admin,
                PutParameter {
                    name: format!("/cli/many/p{i:02}"),
                    value: format!("v{i}"),
                    r#type: Some("String".into()),
                    ..PutParameter::default()
                },
            )
            .await
            .unwrap();
    }
    backend
        .call(
            &admin,
            CreateUser {
                user_name: "nobody".into(),
                tags: None,
            },
        )
        .await
        .unwrap();
    let denied = backend
        .call(
            &admin,
            CreateAccessKey {
                user_name: "nobody".into(),
            },
        )
        .await
        .unwrap()
        .access_key;
    let nodes = backend
        .call(&admin, ListNodes::default())
        .await
        .unwrap()
        .nodes;
    let prod = nodes
        .iter()
        .filter(|n| {
            n.tags
                .iter()
                .any(|t| t.key == "Environment" && t.value == "prod")
        })
        .count();
    assert!(prod > 0, "the fleet has prod nodes");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = sysman_server::start(backend.clone(), listener, Settings::default()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients.py");
    let endpoint = format!("http://{}", running.addr);
    let home = tempfile::tempdir().unwrap();
    let output = tokio::time::timeout(
        Duration::from_secs(300),
        tokio::process::Command::new("python3")
            .arg(script)
            .env("SYSMAN_ENDPOINT", &endpoint)
            .env("AWS_ACCESS_KEY_ID", &key_id)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
            .env("SYSMAN_DENIED_KEY_ID", &denied.access_key_id)
            .env("SYSMAN_DENIED_SECRET", &denied.secret_access_key)
            .env("SYSMAN_PROD_NODES", prod.to_string())
            // Nothing of the user's own AWS setup may leak in.
            .env("HOME", home.path())
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_SSM")
            .env("AWS_CONFIG_FILE", home.path().join("config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                home.path().join("credentials"),
            )
            .output(),
    )
    .await
    .expect("the client checks finish within 5 minutes")
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "client checks failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all client checks passed"));
    running.stop().await.unwrap();
}
