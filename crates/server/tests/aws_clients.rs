//! The real `aws` CLI and boto3 against a server with a simulated fleet:
//! tests/clients.py makes the calls and checks what the clients print.
//!
//! The tests bring their own clients: the versions pinned in
//! tests/requirements.txt, installed from PyPI into a Python virtual
//! environment under target/ the first time they run (some seconds), then
//! reused. All they need from the machine is python3 with its venv module.

mod pyenv;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use pyenv::{python_env, search_path};

use sysman_api::fleet::ListNodes;
use sysman_api::iam::{CreateAccessKey, CreateUser};
use sysman_api::parameters::PutParameter;
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Options, SystemClock};
use sysman_server::Settings;

/// The virtual environment with the pinned aws CLI and boto3, made before
/// the test starts its server (blocking a worker the first time, while
/// nothing else runs yet) and shared by the tests of this process.
fn require_clients() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(python_env)
}

/// Runs tests/clients.py with `args` against `endpoint`, signing with the
/// given key, in a home of its own; returns what it printed.
async fn clients_py(
    args: &[&str],
    endpoint: &str,
    key: (&str, &str),
    env: &[(&str, String)],
) -> String {
    let venv = require_clients();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients.py");
    let home = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(venv.join("bin/python"));
    command
        .arg(script)
        .args(args)
        // clients.py runs `aws` from the environment too.
        .env("PATH", search_path(venv))
        .env("SYSMAN_ENDPOINT", endpoint)
        .env("AWS_ACCESS_KEY_ID", key.0)
        .env("AWS_SECRET_ACCESS_KEY", key.1)
        // Nothing of the user's own AWS setup may leak in.
        .env("HOME", home.path())
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_SSM")
        .env_remove("AWS_CA_BUNDLE")
        .env_remove("REQUESTS_CA_BUNDLE")
        .env("AWS_CONFIG_FILE", home.path().join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("credentials"),
        );
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::time::timeout(Duration::from_secs(300), command.output())
        .await
        .expect("the client checks finish within 5 minutes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "client checks failed:\n{stdout}\n{stderr}"
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_and_boto3_work_against_sysman() {
    require_clients();

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
    let stdout = clients_py(
        &[],
        &running.url(),
        (&key_id, &secret),
        &[
            ("SYSMAN_DENIED_KEY_ID", denied.access_key_id.clone()),
            ("SYSMAN_DENIED_SECRET", denied.secret_access_key.clone()),
            ("SYSMAN_PROD_NODES", prod.to_string()),
        ],
    )
    .await;
    assert!(stdout.contains("all client checks passed"));
    // AWS-RunShellScript's plugin answers to AWS's name for it.
    assert!(stdout.contains("get-command-invocation --plugin-name aws:runShellScript"));
    assert!(stdout.contains("cli: modify-document-permission and describe-document-permission"));
    assert!(stdout.contains("boto3: reset_service_setting, ServiceSettingNotFound raised by name"));
    running.stop().await.unwrap();
}

/// The table in tests/conformance.py: boto3 gets AWS's error name and AWS's
/// exact message for each bad request of the parameter, resource policy,
/// document, command, patch, compliance, node, activation, service setting
/// and tag operations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_gets_aws_error_names_and_messages() {
    require_clients();
    let backend = Backend::open_in_memory(Options {
        clock: Arc::new(SystemClock),
        ..Options::default()
    })
    .unwrap();
    let (key_id, secret) = backend.bootstrap_admin("admin").await.unwrap().unwrap();
    let mut spec = FleetSpec::new(6, 5);
    spec.flakiness = 0.0;
    spec.command_failure_rate = 0.0;
    let sim = Simulator::start(backend.clone(), &spec).await.unwrap();
    tokio::spawn(sim.run());
    let node = backend
        .call(&Caller::admin("test"), ListNodes::default())
        .await
        .unwrap()
        .nodes
        .into_iter()
        .find(|n| n.info.platform_type == Some(sysman_api::fleet::PlatformType::Linux))
        .expect("the fleet has a Linux node")
        .info
        .instance_id;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = sysman_server::start(backend.clone(), listener, Settings::default()).unwrap();
    let stdout = clients_py(
        &["errors"],
        &running.url(),
        (&key_id, &secret),
        &[
            ("SYSMAN_ACCOUNT", Options::default().account_id),
            ("SYSMAN_NODE", node),
        ],
    )
    .await;
    assert!(stdout.contains("all error checks passed"));
    running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_and_boto3_trust_a_self_signed_certificate_given_to_them() {
    require_clients();
    let backend = Backend::open_in_memory(Options {
        clock: Arc::new(SystemClock),
        ..Options::default()
    })
    .unwrap();
    let (key_id, secret) = backend.bootstrap_admin("admin").await.unwrap().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let names = ["localhost".to_owned(), "127.0.0.1".to_owned()];
    let made = sysman_server::Tls::self_signed_in(dir.path(), &names).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let settings = Settings {
        tls: Some(made.tls),
        ..Settings::default()
    };
    let running = sysman_server::start(backend, listener, settings).unwrap();
    let bundle = made.cert_file.display().to_string();
    let stdout = clients_py(
        &["tls"],
        &running.url(),
        (&key_id, &secret),
        &[("SYSMAN_CA_BUNDLE", bundle)],
    )
    .await;
    assert!(stdout.contains("all TLS client checks passed"));
    running.stop().await.unwrap();
}
