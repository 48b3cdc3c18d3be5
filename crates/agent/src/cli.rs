//! The command line: `sysman-agent register` and `sysman-agent run`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::channel::{self, RunConfig};
use crate::registration::{self, DEFAULT_REGION, DEFAULT_STATE_DIR, RegisterOptions};

#[derive(Debug, Parser)]
#[command(
    name = "sysman-agent",
    version,
    about = "The sysman agent: makes this machine a managed node of a sysman server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register this machine with a hybrid activation (once).
    Register {
        /// The server, e.g. http://sysman.example:4566
        #[arg(long)]
        endpoint: String,
        #[arg(long)]
        activation_id: String,
        /// Also read from SYSMAN_ACTIVATION_CODE, which keeps it out of
        /// the process list.
        #[arg(long, env = "SYSMAN_ACTIVATION_CODE", hide_env_values = true)]
        activation_code: String,
        #[arg(long, default_value = DEFAULT_REGION)]
        region: String,
        #[arg(long, default_value = DEFAULT_STATE_DIR)]
        state_dir: PathBuf,
        /// Register again as a new node, replacing the registration kept.
        #[arg(long)]
        force: bool,
        /// Also trust the certificates in this PEM file for an https://
        /// endpoint (a private CA, or the server's self-signed
        /// certificate); `run` keeps using it.
        #[arg(long, value_name = "FILE")]
        ca_file: Option<PathBuf>,
    },
    /// Run the agent: report in, take commands, run them, reply.
    Run {
        #[arg(long, default_value = DEFAULT_STATE_DIR)]
        state_dir: PathBuf,
        /// Seconds between heartbeats.
        #[arg(
            long,
            default_value_t = channel::DEFAULT_HEARTBEAT.as_secs(),
            value_parser = clap::value_parser!(u64).range(1..=86_400)
        )]
        heartbeat_seconds: u64,
        /// Run as root, so every command sent to this node runs as root.
        #[arg(long)]
        allow_root: bool,
        /// Let AWS-RunPatchBaseline with Operation=Install install the
        /// approved patches (apt-get install --only-upgrade, as root only).
        /// Without it an Install only scans, reports the scan, and fails
        /// saying so. sysman-agent never reboots the machine: patches that
        /// need a reboot are reported pending one.
        #[arg(long)]
        allow_patch_install: bool,
        /// Trust the certificates in this PEM file instead of the one given
        /// at registration.
        #[arg(long, value_name = "FILE")]
        ca_file: Option<PathBuf>,
    },
}

/// The binary: parses the command line, runs it on a single-threaded
/// runtime (the agent waits far more than it works) and reports errors.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal, plain lines for journald.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sysman-agent: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sysman-agent: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command) -> Result<(), String> {
    match command {
        Command::Register {
            endpoint,
            activation_id,
            activation_code,
            region,
            state_dir,
            force,
            ca_file,
        } => {
            let registration = registration::register(&RegisterOptions {
                endpoint,
                activation_id,
                activation_code,
                region,
                state_dir: state_dir.clone(),
                force,
                ca_file,
            })
            .await?;
            println!(
                "Registered as {} with {}; the credentials are in {}.\n\
                 Start the agent with: sysman-agent run --state-dir {}",
                registration.instance_id,
                registration.endpoint,
                state_dir.join(registration::REGISTRATION_FILE).display(),
                state_dir.display()
            );
            Ok(())
        }
        Command::Run {
            state_dir,
            heartbeat_seconds,
            allow_root,
            allow_patch_install,
            ca_file,
        } => {
            let config = RunConfig {
                heartbeat: Duration::from_secs(heartbeat_seconds),
                allow_root,
                allow_patch_install,
                ca_file,
                ..RunConfig::new(state_dir)
            };
            channel::run(config, termination()).await
        }
    }
}

/// Resolves on SIGTERM (systemd's stop) or SIGINT (Ctrl-C).
async fn termination() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(term) => term,
        Err(e) => {
            tracing::warn!("cannot watch for SIGTERM: {e}");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_takes_its_defaults() {
        let cli = Cli::try_parse_from(["sysman-agent", "run"]).unwrap();
        match cli.command {
            Command::Run {
                state_dir,
                heartbeat_seconds,
                allow_root,
                allow_patch_install,
                ca_file,
            } => {
                assert_eq!(ca_file, None);
                assert_eq!(state_dir, PathBuf::from(DEFAULT_STATE_DIR));
                assert_eq!(heartbeat_seconds, 300);
                assert!(!allow_root);
                assert!(!allow_patch_install);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["sysman-agent", "run", "--heartbeat-seconds", "0"]).is_err());
    }

    #[test]
    fn installing_patches_takes_its_own_flag() {
        let cli = Cli::try_parse_from(["sysman-agent", "run", "--allow-patch-install"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Run {
                allow_patch_install: true,
                allow_root: false,
                ..
            }
        ));
        let help = Cli::command()
            .find_subcommand_mut("run")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(help.contains("--allow-patch-install"), "{help}");
        assert!(help.contains("never reboots"), "{help}");
    }

    #[test]
    fn register_needs_an_endpoint_and_an_activation() {
        assert!(
            Cli::try_parse_from(["sysman-agent", "register", "--endpoint", "http://h"]).is_err()
        );
        let cli = Cli::try_parse_from([
            "sysman-agent",
            "register",
            "--endpoint",
            "http://h:1",
            "--activation-id",
            "id",
            "--activation-code",
            "code",
            "--state-dir",
            "/tmp/x",
            "--force",
            "--ca-file",
            "/etc/sysman/cert.pem",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Register { force: true, ref region, ref ca_file, .. }
                if region == DEFAULT_REGION
                    && ca_file.as_deref() == Some(std::path::Path::new("/etc/sysman/cert.pem"))
        ));
    }
}
