//! `sysman serve --tls-self-signed` as the real binary: it prints the
//! certificate's fingerprint and where it is, `sysman call --ca-file`
//! trusts it (and nothing else does), the fingerprint survives a restart
//! on the same data directory, and SIGTERM stops the server promptly even
//! with a connection left half open.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SYSMAN: &str = env!("CARGO_BIN_EXE_sysman");

/// `sysman serve` as a child; dropping it kills the process.
struct Serve {
    child: Child,
    /// Every line it wrote on stderr up to `listening on`.
    said: Vec<String>,
    url: String,
}

impl Serve {
    fn start(home: &Path, args: &[&str]) -> Serve {
        let mut child = Command::new(SYSMAN)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--shutdown-grace-secs", "2"])
            .arg("--credentials-file")
            .arg(home.join("credentials"))
            // The profile the console looks for by default.
            .args(["--profile", "sysman"])
            .args(args)
            .env("HOME", home)
            .env("SYSMAN_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (lines, heard) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if lines.send(line).is_err() {
                    return;
                }
            }
        });
        let mut said = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = heard
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no 'listening on' within 30 s: {said:#?}"));
            if let Some(url) = line.strip_prefix("sysman: listening on ") {
                break url.to_owned();
            }
            said.push(line);
        };
        Serve { child, said, url }
    }

    /// The fingerprint it printed, the line after the one naming it.
    fn fingerprint(&self) -> String {
        let at = self
            .said
            .iter()
            .position(|l| l.contains("SHA-256 fingerprint"))
            .unwrap_or_else(|| panic!("no fingerprint: {:#?}", self.said));
        self.said[at + 1].trim().to_owned()
    }

    /// The file it said clients trust it with.
    fn ca_file(&self) -> PathBuf {
        let line = self
            .said
            .iter()
            .find_map(|l| l.split("--ca-file ").nth(1))
            .unwrap_or_else(|| panic!("no --ca-file: {:#?}", self.said));
        PathBuf::from(line.split(" (aws").next().unwrap())
    }

    fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// SIGTERM, then how long it took to exit.
    fn terminate(&mut self) -> Duration {
        let started = Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exited with {status}");
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "still running 15 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sysman --endpoint URL [--ca-file FILE] call Sysman.ListUsers`, with the
/// key `sysman serve` wrote.
fn list_users(home: &Path, url: &str, ca_file: Option<&Path>) -> Output {
    let mut command = Command::new(SYSMAN);
    command.args(["--endpoint", url]);
    if let Some(file) = ca_file {
        command.arg("--ca-file").arg(file);
    }
    command
        .args(["call", "Sysman.ListUsers"])
        .env("HOME", home)
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_self_signed_server_is_trusted_through_its_certificate_file() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let data_dir = data.to_str().unwrap();
    let mut serve = Serve::start(home.path(), &["--data-dir", data_dir, "--tls-self-signed"]);
    assert!(serve.url.starts_with("https://127.0.0.1:"), "{}", serve.url);
    let fingerprint = serve.fingerprint();
    assert_eq!(fingerprint.len(), 95, "{fingerprint}");
    let ca_file = serve.ca_file();
    assert!(ca_file.starts_with(&data), "{}", ca_file.display());

    let trusted = list_users(home.path(), &serve.url, Some(&ca_file));
    let stdout = String::from_utf8_lossy(&trusted.stdout);
    assert!(
        trusted.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(stdout.contains("\"admin\""), "{stdout}");
    let wary = list_users(home.path(), &serve.url, None);
    let stderr = String::from_utf8_lossy(&wary.stderr);
    assert!(!wary.status.success());
    assert!(stderr.contains("certificate"), "{stderr}");
    let missing = list_users(home.path(), &serve.url, Some(&home.path().join("none.pem")));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("cannot read the CA file"), "{stderr}");

    // A connection that never finishes its head does not hold up SIGTERM.
    let mut half = TcpStream::connect(("127.0.0.1", serve.port())).unwrap();
    half.write_all(b"\x16\x03\x01").unwrap();
    let took = serve.terminate();
    assert!(took < Duration::from_secs(5), "SIGTERM took {took:?}");

    // The same data directory, the same certificate.
    let again = Serve::start(home.path(), &["--data-dir", data_dir, "--tls-self-signed"]);
    assert_eq!(again.fingerprint(), fingerprint);
    assert!(
        again
            .said
            .iter()
            .any(|l| l.contains("using the self-signed")),
        "{:#?}",
        again.said
    );
}

#[test]
fn an_ephemeral_server_keeps_its_key_in_memory_and_hands_out_its_certificate() {
    let home = tempfile::tempdir().unwrap();
    let serve = Serve::start(home.path(), &["--ephemeral", "--tls-self-signed"]);
    let ca_file = serve.ca_file();
    assert_eq!(ca_file, home.path().join("ephemeral-cert.pem"));
    let pem = std::fs::read_to_string(&ca_file).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert!(!pem.contains("PRIVATE KEY"));
    // No key was written anywhere under the home.
    let mut stack = vec![home.path().to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                assert!(!text.contains("PRIVATE KEY"), "{}", path.display());
            }
        }
    }
    let trusted = list_users(home.path(), &serve.url, Some(&ca_file));
    assert!(
        trusted.status.success(),
        "{}",
        String::from_utf8_lossy(&trusted.stderr)
    );
}

#[test]
fn tls_flags_are_checked_before_anything_starts() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(SYSMAN)
            .arg("serve")
            .args(["--ephemeral", "--listen", "127.0.0.1:0"])
            .arg("--credentials-file")
            .arg(home.path().join("credentials"))
            .args(args)
            .env("HOME", home.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&["--tls-cert", "cert.pem"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-key"));
    let out = run(&[
        "--tls-cert",
        "c.pem",
        "--tls-key",
        "k.pem",
        "--tls-self-signed",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
    let missing = home.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let out = run(&["--tls-cert", missing, "--tls-key", missing]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read") && stderr.contains("missing.pem"),
        "{stderr}"
    );
    let out = run(&["--max-connections", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-connections"));
}
