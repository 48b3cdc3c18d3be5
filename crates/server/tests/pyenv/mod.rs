//! The Python virtual environment the tests bring their own clients in:
//! the aws CLI, boto3 and moto's S3 server at the versions
//! tests/requirements.txt pins, installed from PyPI under target/ the
//! first time a test needs them (under a minute), then reused. All they
//! need from the machine is python3 with its venv module.

#![allow(dead_code)] // each test file uses its own part

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// What tests/requirements.txt pins; the environment is rebuilt when it
/// changes.
const REQUIREMENTS: &str = include_str!("../requirements.txt");
/// A copy of the requirements, written into the environment once they are
/// installed: one whose building was cut short is never taken for finished.
const STAMP: &str = "sysman-installed.txt";

/// The virtual environment with the pinned aws CLI and boto3: `target/pyenv`,
/// built the first time and reused. A file lock keeps parallel test
/// processes from building it at once; the second waits for the first.
pub fn python_env() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory holds tmp/");
    let venv = target.join("pyenv");
    if ready(&venv) {
        return venv;
    }
    let lock = File::create(target.join("pyenv.lock")).unwrap();
    lock.lock().unwrap();
    if ready(&venv) {
        return venv;
    }
    let started = Instant::now();
    if venv.exists() {
        fs::remove_dir_all(&venv).unwrap();
    }
    create_venv(&venv);
    let pip = run(Command::new(venv.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--no-input", "--require-virtualenv", "--requirement"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/requirements.txt"
        )));
    assert!(
        pip.status.success(),
        "could not install the aws CLI and boto3 from PyPI into {}:\n{}",
        venv.display(),
        String::from_utf8_lossy(&pip.stderr)
    );
    fs::write(venv.join(STAMP), REQUIREMENTS).unwrap();
    assert!(
        ready(&venv),
        "the new environment at {} cannot import awscli and boto3",
        venv.display()
    );
    eprintln!(
        "made the Python environment for the aws CLI and boto3 at {} in {:.0?}",
        venv.display(),
        started.elapsed()
    );
    venv
}

/// Whether `venv` holds exactly the pinned clients, and its python runs.
fn ready(venv: &Path) -> bool {
    fs::read_to_string(venv.join(STAMP)).is_ok_and(|r| r == REQUIREMENTS)
        && Command::new(venv.join("bin/python"))
            .args(["-c", "import awscli, boto3, moto.server"])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// `python3 -m venv`; where Python comes without ensurepip (Debian without
/// python3-venv), an environment without pip that the system's pip fills.
fn create_venv(venv: &Path) {
    let python = Command::new("python3").arg("--version").output();
    assert!(
        python.is_ok_and(|o| o.status.success()),
        "this test runs the aws CLI and boto3, which need python3 (3.10 or newer) on PATH"
    );
    let made = run(Command::new("python3").args(["-m", "venv"]).arg(venv));
    if made.status.success() {
        return;
    }
    let without_pip = run(Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(venv));
    let system_pip = run(Command::new("python3").args(["-m", "pip", "--version"]));
    if without_pip.status.success() && system_pip.status.success() {
        // pip 22.3 and later install into another environment with --python.
        let bootstrap = run(Command::new("python3")
            .args(["-m", "pip", "--python"])
            .arg(venv.join("bin/python"))
            .args(["install", "--quiet", "--disable-pip-version-check", "pip"]));
        if bootstrap.status.success() {
            return;
        }
    }
    panic!(
        "could not make a Python virtual environment at {} for the aws CLI and boto3: \
         `python3 -m venv` said:\n{}\nOn Debian or Ubuntu, install python3-venv \
         (apt-get install python3-venv) and run the tests again.",
        venv.display(),
        String::from_utf8_lossy(&made.stderr).trim()
    );
}

pub fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

/// PATH with the environment's bin/ first.
pub fn search_path(venv: &Path) -> std::ffi::OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(venv.join("bin")).chain(std::env::split_paths(&rest)))
        .unwrap()
}
