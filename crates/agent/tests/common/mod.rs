//! What the agent's integration tests share: a real server on 127.0.0.1
//! with an admin client, and agents run in-process.

// Each test file uses its own part of this.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sysman_agent::{RegisterOptions, Registration, RunConfig};
use sysman_api::client::Client;
use sysman_api::commands::{
    GetCommandInvocation, GetCommandInvocationResult, InvocationStatus, SendCommand,
};
use sysman_api::fleet::{CreateActivation, DescribeInstanceInformation, PingStatus, PlatformType};
use sysman_api::sigv4::AccessKey;
use sysman_backend::{Backend, Options};
use sysman_server::{Running, Settings};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Every wait in these tests ends by then.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct Server {
    pub backend: Backend,
    pub running: Option<Running>,
    pub addr: SocketAddr,
    pub admin: Client,
    /// The certificate agents are told to trust, for a server on HTTPS.
    pub ca_file: Option<PathBuf>,
    settings: Settings,
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with(Settings::default(), None).await
    }

    /// A server on HTTPS with a self-signed certificate kept in `dir`.
    pub async fn start_tls(dir: &Path) -> Server {
        let names = ["localhost".to_owned(), "127.0.0.1".to_owned()];
        let made = sysman_server::Tls::self_signed_in(dir, &names).unwrap();
        let settings = Settings {
            tls: Some(made.tls),
            ..Settings::default()
        };
        Server::start_with(settings, Some(made.cert_file)).await
    }

    async fn start_with(settings: Settings, ca_file: Option<PathBuf>) -> Server {
        let backend = Backend::open_in_memory(Options::default()).expect("backend");
        let (access_key_id, secret_access_key) = backend
            .bootstrap_admin("admin")
            .await
            .expect("bootstrap")
            .expect("a fresh backend has no admin yet");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = sysman_server::start(backend.clone(), listener, settings.clone()).unwrap();
        let addr = running.addr;
        let mut admin = Client::new(
            &running.url(),
            "us-east-1",
            Some(AccessKey {
                access_key_id,
                secret_access_key,
                session_token: None,
            }),
        )
        .unwrap();
        if let Some(ca_file) = &ca_file {
            admin = admin.trusting_file(ca_file).unwrap();
        }
        Server {
            backend,
            running: Some(running),
            addr,
            admin,
            ca_file,
            settings,
        }
    }

    pub fn endpoint(&self) -> String {
        let scheme = if self.settings.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    pub async fn activation(&self) -> (String, String) {
        let created = self
            .admin
            .call(&CreateActivation {
                iam_role: "SSMServiceRole".into(),
                registration_limit: Some(5),
                ..CreateActivation::default()
            })
            .await
            .unwrap();
        (created.activation_id, created.activation_code)
    }

    /// Registers a node into a fresh state dir under `dir`.
    pub async fn register(&self, dir: &Path) -> (PathBuf, Registration) {
        let (activation_id, activation_code) = self.activation().await;
        let state_dir = dir.join("state");
        let registration = sysman_agent::register(&RegisterOptions {
            endpoint: self.endpoint(),
            activation_id,
            activation_code,
            region: "us-east-1".into(),
            state_dir: state_dir.clone(),
            force: false,
            ca_file: self.ca_file.clone(),
        })
        .await
        .unwrap();
        (state_dir, registration)
    }

    pub async fn send(&self, instance_id: &str, lines: &[&str], timeout: Option<&str>) -> String {
        let mut parameters = vec![("commands", lines)];
        let timeout = timeout.map(|t| [t]);
        if let Some(t) = &timeout {
            parameters.push(("executionTimeout", t.as_slice()));
        }
        self.send_document(instance_id, "AWS-RunShellScript", &parameters)
            .await
    }

    /// Sends `document` with `parameters` to one node.
    pub async fn send_document(
        &self,
        instance_id: &str,
        document: &str,
        parameters: &[(&str, &[&str])],
    ) -> String {
        let parameters = parameters
            .iter()
            .map(|(k, values)| {
                let values = values.iter().map(|v| (*v).to_owned()).collect();
                ((*k).to_owned(), values)
            })
            .collect();
        self.admin
            .call(&SendCommand {
                instance_ids: Some(vec![instance_id.to_owned()]),
                document_name: document.into(),
                parameters: Some(parameters),
                ..SendCommand::default()
            })
            .await
            .unwrap()
            .command
            .command_id
    }

    pub async fn invocation(
        &self,
        command_id: &str,
        instance_id: &str,
    ) -> GetCommandInvocationResult {
        self.admin
            .call(&GetCommandInvocation {
                command_id: command_id.to_owned(),
                instance_id: instance_id.to_owned(),
                plugin_name: None,
            })
            .await
            .unwrap()
    }

    /// Waits for the invocation to reach `status` (or any end).
    pub async fn wait_for(
        &self,
        command_id: &str,
        instance_id: &str,
        status: InvocationStatus,
    ) -> GetCommandInvocationResult {
        eventually(&format!("{command_id} to be {status:?}"), || async {
            let inv = self.invocation(command_id, instance_id).await;
            (inv.status == status || inv.status.is_terminal()).then_some(inv)
        })
        .await
    }

    pub async fn restart_on_same_port(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.running = Some(
            sysman_server::start(self.backend.clone(), listener, self.settings.clone()).unwrap(),
        );
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            let _ = tokio::time::timeout(PATIENCE, running.stop()).await;
        }
    }
}

/// Polls `check` every 50 ms until it gives a value, for [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited {PATIENCE:?} for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub struct Agent {
    pub stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<Result<(), String>>,
}

impl Agent {
    /// The agent as the tests run it: quick heartbeats and retries.
    pub fn config(state_dir: &Path) -> RunConfig {
        RunConfig {
            heartbeat: Duration::from_secs(1),
            // Tests may run as root; the agent's commands here are harmless.
            allow_root: true,
            retry_max: Duration::from_millis(500),
            ..RunConfig::new(state_dir)
        }
    }

    pub fn start(state_dir: &Path) -> Agent {
        Agent::start_with(Agent::config(state_dir))
    }

    pub fn start_with(config: RunConfig) -> Agent {
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(sysman_agent::run(config, async move {
            let _ = stopped.await;
        }));
        Agent {
            stop: Some(stop),
            task,
        }
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the agent took too long to stop")
            .expect("the agent task failed");
        assert_eq!(result, Ok(()));
    }
}

pub async fn online(server: &Server, instance_id: &str) {
    eventually("the node to be Online", || async {
        let described = server
            .admin
            .call(&DescribeInstanceInformation::default())
            .await
            .unwrap();
        described
            .instance_information_list
            .into_iter()
            .find(|n| n.instance_id == instance_id)
            .filter(|n| {
                n.ping_status == PingStatus::Online
                    && n.platform_type == Some(PlatformType::Linux)
                    && n.agent_version.as_deref() == Some(sysman_agent::AGENT_VERSION)
            })
    })
    .await;
}
