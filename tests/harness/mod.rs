//! What the tests that run the real `sysman serve` binary share: the
//! server as a child process that dies with its handle, started on a data
//! directory and waited for, and polling with a bound.

// Each test file uses its own part of this.
#![allow(dead_code)]

use std::fs::File;
use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sysman_api::client::Client;
use sysman_api::credentials;
use tokio::time::Instant;

/// Every wait for something that should come quickly ends by then.
pub const PATIENCE: Duration = Duration::from_secs(20);
pub const REGION: &str = "us-east-1";
/// The profile `sysman serve` writes its first key under.
pub const PROFILE: &str = "sysman";

/// `sysman serve` as a child process. Dropping it kills the process, so
/// none is left behind even when an assertion fails.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

impl ServerProcess {
    /// SIGKILL: no shutdown, no flush, no goodbye.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What the server wrote on stderr, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for `GET /healthz` to answer, or the process to end.
    async fn healthy(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("the server exited ({status})"));
            }
            if healthz(self.port).await {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("no answer on /healthz for {PATIENCE:?}"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port nobody listens on, as the kernel picks one.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Whether `GET /healthz` on `port` answers `ok`.
pub async fn healthz(port: u16) -> bool {
    tokio::task::spawn_blocking(move || {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let request =
            format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response.starts_with("HTTP/1.1 200") && response.ends_with("ok\n")
    })
    .await
    .unwrap_or(false)
}

/// Where a server keeps its store and its first key, and where its logs go.
#[derive(Debug, Clone)]
pub struct ServerDirs {
    /// Logs, one file a start: `{name}-{attempt}.log`.
    pub root: PathBuf,
    pub data_dir: PathBuf,
    pub credentials: PathBuf,
}

impl ServerDirs {
    pub fn new(dir: &Path) -> ServerDirs {
        ServerDirs {
            root: dir.to_owned(),
            data_dir: dir.join("data"),
            credentials: dir.join("credentials"),
        }
    }

    /// A client signing with the first key the server wrote.
    pub fn admin(&self, server: &ServerProcess) -> Client {
        let (_, key) = credentials::from_files(std::slice::from_ref(&self.credentials), PROFILE)
            .unwrap_or_else(|| {
                panic!(
                    "no admin key in {}:\n{}",
                    self.credentials.display(),
                    server.log()
                )
            });
        Client::new(&server.endpoint(), REGION, Some(key)).unwrap()
    }
}

/// Starts the server binary on `port` (a free one if `None`) and waits
/// until it answers. A port lost to someone else between picking and
/// binding is tried again: another free one, or the same one a little
/// later.
pub async fn start_server(dirs: &ServerDirs, port: Option<u16>, name: &str) -> ServerProcess {
    let mut failures = Vec::new();
    for attempt in 0..5 {
        let port = port.unwrap_or_else(free_port);
        let log = dirs.root.join(format!("{name}-{attempt}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_sysman"))
            .arg("serve")
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&dirs.data_dir)
            .arg("--credentials-file")
            .arg(&dirs.credentials)
            .args(["--profile", PROFILE])
            .env("SYSMAN_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("the server's log file"))
            .spawn()
            .expect("cannot start the sysman binary");
        let mut server = ServerProcess { child, port, log };
        match server.healthy().await {
            Ok(()) => return server,
            Err(why) => {
                server.kill();
                let log = server.log();
                let lost_port = log.contains("cannot listen");
                failures.push(format!("attempt {attempt} on port {port}: {why}\n{log}"));
                assert!(
                    lost_port,
                    "the server did not start:\n{}",
                    failures.join("\n")
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("the server never got a port:\n{}", failures.join("\n"));
}

/// Polls `check` every 50 ms until it gives a value, for `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "waited {limit:?} for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every invocation the server keeps, with its output, page by page.
pub async fn all_invocations(admin: &Client) -> Vec<sysman_api::commands::CommandInvocation> {
    let mut out = Vec::new();
    let mut next_token = None;
    loop {
        let page = admin
            .call(&sysman_api::commands::ListCommandInvocations {
                max_results: Some(50),
                next_token,
                details: Some(true),
                ..sysman_api::commands::ListCommandInvocations::default()
            })
            .await
            .expect("ListCommandInvocations");
        out.extend(page.command_invocations);
        match page.next_token {
            Some(token) => next_token = Some(token),
            None => return out,
        }
    }
}

/// Every command the server keeps, page by page.
pub async fn all_commands(admin: &Client) -> Vec<sysman_api::commands::Command> {
    let mut out = Vec::new();
    let mut next_token = None;
    loop {
        let page = admin
            .call(&sysman_api::commands::ListCommands {
                max_results: Some(50),
                next_token,
                ..sysman_api::commands::ListCommands::default()
            })
            .await
            .expect("ListCommands");
        out.extend(page.commands);
        match page.next_token {
            Some(token) => next_token = Some(token),
            None => return out,
        }
    }
}
