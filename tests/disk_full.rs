//! A full disk and a read-only data directory under the real `sysman
//! serve`: the write that does not fit fails plainly, nothing it touched
//! is served, every acknowledged write survives, and when there is room
//! again the server carries on by itself. Killed, it will not start on a
//! read-only directory and says why; made writable, it starts with every
//! acknowledged write.
//!
//! The data directory is a small tmpfs in a mount namespace of the test's
//! own (`unshare -m`), held open by a `sleep` so the server can be killed
//! and started again on the same files, and resized or made read-only
//! from outside with `nsenter`. Where namespaces cannot be made (no root,
//! no util-linux), the test says so and passes without running.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sysman_api::client::Client;
use sysman_api::credentials;
use sysman_api::parameters::{GetParameter, PutParameter};

/// Every wait for something that should come quickly ends by then.
const PATIENCE: Duration = Duration::from_secs(20);

/// A child that is killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A mount namespace holding a tmpfs at `dir`.
struct Namespace {
    holder: Killed,
    dir: PathBuf,
}

impl Namespace {
    /// `None`, with a message, where one cannot be made here.
    fn new(dir: &Path, size: &str) -> Option<Namespace> {
        std::fs::create_dir_all(dir).unwrap();
        let script = format!(
            "mount -t tmpfs -o size={size},mode=0700 tmpfs '{}' && echo ready && exec sleep 600",
            dir.display()
        );
        let child = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(child) => Killed(child),
            Err(e) => {
                eprintln!("skipped: cannot run unshare ({e})");
                return None;
            }
        };
        let mut line = String::new();
        let stdout = child.0.stdout.take().unwrap();
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
        if line.trim() != "ready" {
            eprintln!("skipped: cannot make a mount namespace with a tmpfs here (needs root)");
            return None;
        }
        Some(Namespace {
            holder: child,
            dir: dir.to_owned(),
        })
    }

    /// Runs `args` inside the namespace.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new("nsenter");
        command
            .arg("-t")
            .arg(self.holder.0.id().to_string())
            .arg("-m")
            .arg(program);
        command
    }

    /// Remounts the tmpfs with `options` (`size=64m`, `ro`, `rw`).
    fn remount(&self, options: &str) {
        let status = self
            .command("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success(), "remount {options}");
    }

    /// Starts `sysman serve` on the tmpfs and waits until it answers.
    async fn serve(&self, root: &Path) -> (Killed, Client, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let credentials = root.join("credentials");
        let child = self
            .command(env!("CARGO_BIN_EXE_sysman"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&self.dir)
            .arg("--credentials-file")
            .arg(&credentials)
            .args(["--profile", "sysman"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(root.join(format!("serve-{port}.log"))).unwrap())
            .spawn()
            .unwrap();
        let server = Killed(child);
        let url = format!("http://127.0.0.1:{port}");
        wait_for(&url, 200).await;
        let (_, key) =
            credentials::from_files(std::slice::from_ref(&credentials), "sysman").unwrap();
        (
            server,
            Client::new(&url, "us-east-1", Some(key)).unwrap(),
            url,
        )
    }
}

/// GET /healthz: status and text.
async fn health(url: &str) -> Option<(u16, String)> {
    let response = reqwest::get(format!("{url}/healthz")).await.ok()?;
    Some((response.status().as_u16(), response.text().await.ok()?))
}

/// Waits until /healthz answers `status`; its text then.
async fn wait_for(url: &str, status: u16) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some((got, text)) = health(url).await
            && got == status
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "/healthz never answered {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn put(name: &str, value: &str) -> PutParameter {
    PutParameter {
        name: name.into(),
        value: value.into(),
        r#type: Some("SecureString".into()),
        overwrite: Some(true),
        ..PutParameter::default()
    }
}

async fn value(client: &Client, name: &str) -> Result<String, String> {
    client
        .call(&GetParameter {
            name: name.into(),
            with_decryption: Some(true),
        })
        .await
        .map(|out| out.parameter.value)
        .map_err(|e| e.code.to_string())
}

#[tokio::test]
async fn a_full_or_read_only_data_directory_loses_nothing_and_recovers() {
    sysman_api::client::install_crypto_provider();
    let root = tempfile::tempdir().unwrap();
    let Some(ns) = Namespace::new(&root.path().join("data"), "2m") else {
        return;
    };
    let (server, client, url) = ns.serve(root.path()).await;
    // Fill the disk; every write acknowledged is logged.
    let mut acknowledged = Vec::new();
    let mut failed = None;
    for i in 0..5_000 {
        let (name, text) = (
            format!("/fill/{i:05}"),
            format!("{i:05}{}", "v".repeat(3000)),
        );
        match client.call(&put(&name, &text)).await {
            Ok(_) => acknowledged.push((name, text)),
            Err(e) => {
                assert_eq!(e.code, "InternalServerError", "{e}");
                assert!(e.message.contains("full"), "{e}");
                failed = Some(name);
                break;
            }
        }
    }
    let failed = failed.expect("a 2 MB disk fills up");
    assert!(acknowledged.len() > 10, "{} writes fit", acknowledged.len());
    // Plain errors while it is full, and nothing half-written served.
    let text = wait_for(&url, 503).await;
    assert!(text.contains("full"), "{text}");
    assert_eq!(
        value(&client, &acknowledged[0].0).await,
        Err("ServiceUnavailable".into())
    );
    // Room again: the server carries on by itself.
    ns.remount("size=64m");
    wait_for(&url, 200).await;
    assert_eq!(
        value(&client, &failed).await,
        Err("ParameterNotFound".into())
    );
    for (name, text) in &acknowledged {
        assert_eq!(
            value(&client, name).await.as_deref(),
            Ok(text.as_str()),
            "{name}"
        );
    }
    client.call(&put(&failed, "after")).await.unwrap();

    // SIGKILL, then a read-only data directory: the server refuses to
    // start and says why, changing nothing.
    drop(server);
    ns.remount("ro");
    let refused = ns
        .command(env!("CARGO_BIN_EXE_sysman"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&ns.dir)
        .arg("--credentials-file")
        .arg(root.path().join("credentials"))
        .args(["--profile", "sysman"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("Read-only file system"), "{said}");
    // Writable again: a new server on the same files agrees with what was
    // acknowledged, nothing lost and nothing corrupt.
    ns.remount("rw");
    let (_server, client, _) = ns.serve(root.path()).await;
    for (name, text) in &acknowledged {
        assert_eq!(
            value(&client, name).await.as_deref(),
            Ok(text.as_str()),
            "{name}"
        );
    }
    assert_eq!(value(&client, &failed).await.as_deref(), Ok("after"));
}
