//! `sysman serve`: open the backend, make sure an administrator can get
//! in, optionally simulate a fleet, serve until told to stop, then close
//! the store cleanly.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use sysman_api::credentials::{self, SYSMAN_PROFILE};
use sysman_api::sigv4::AccessKey;
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Options, SystemClock};
use tokio::net::TcpListener;

use crate::Settings;

/// The user created on first start.
pub const ADMIN_USER: &str = "admin";

/// Everything `sysman serve` is told.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    /// `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    pub region: String,
    pub account_id: String,
    /// Enables `Sysman.ResetState`.
    pub allow_reset: bool,
    /// A simulated fleet to run inside the server.
    pub fleet: Option<FleetSpec>,
    pub settings: Settings,
    /// Where the first administrator key is written (profile `sysman`).
    pub credentials_file: PathBuf,
}

/// Raises this process's soft limit on open files to its hard limit: each
/// agent holds a long poll, so a fleet of 1,000 needs over 1,000 sockets,
/// and a soft limit of 1,024 (the usual default) would stop the server
/// accepting. Returns the limits before and after, or why it could not.
pub fn raise_open_file_limit() -> Result<(u64, u64), String> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)
        .map_err(|e| format!("cannot read the open-file limit: {e}"))?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard)
            .map_err(|e| format!("cannot raise the open-file limit from {soft} to {hard}: {e}"))?;
    }
    Ok((soft, hard.max(soft)))
}

/// Runs the server until `shutdown` resolves. `ready` hears the address
/// once it listens (the port is known only then when asked for port 0).
pub async fn run(
    config: ServeConfig,
    shutdown: impl Future<Output = ()>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), String> {
    if !valid_account_id(&config.account_id) {
        return Err(format!(
            "--account-id must be 12 digits, not '{}'",
            config.account_id
        ));
    }
    match raise_open_file_limit() {
        Ok((before, after)) if after > before => {
            tracing::info!("raised the open-file limit from {before} to {after}")
        }
        Ok((_, limit)) => tracing::info!("open-file limit: {limit}"),
        Err(e) => tracing::warn!("{e}; each agent's long poll holds a socket"),
    }
    let options = Options {
        clock: Arc::new(SystemClock),
        region: config.region.clone(),
        account_id: config.account_id.clone(),
        allow_reset: config.allow_reset,
        ..Options::default()
    };
    let backend = match &config.data_dir {
        Some(dir) => Backend::open(dir, options)?,
        None => Backend::open_in_memory(options)?,
    };
    if let Some((access_key_id, secret_access_key)) = backend
        .bootstrap_admin(ADMIN_USER)
        .await
        .map_err(|e| format!("cannot create the administrator: {e}"))?
    {
        let key = AccessKey {
            access_key_id,
            secret_access_key,
            session_token: None,
        };
        credentials::write_profile(&config.credentials_file, SYSMAN_PROFILE, &key)?;
        // Printed once, and only where the key is, never the key.
        eprintln!(
            "sysman: created the administrator '{ADMIN_USER}'; its access key is in {} \
             (profile '{SYSMAN_PROFILE}')",
            config.credentials_file.display()
        );
    }
    if let Some(spec) = config.fleet.as_ref().filter(|s| s.nodes > 0) {
        let sim = Simulator::start(backend.clone(), spec)
            .await
            .map_err(|e| format!("cannot start the simulated fleet: {e}"))?;
        tracing::info!("simulating {} nodes (seed {})", sim.len(), spec.seed);
        tokio::spawn(sim.run());
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let running = crate::start(backend.clone(), listener, config.settings.clone())?;
    tracing::info!("listening on http://{}", running.addr);
    ready(running.addr);
    shutdown.await;
    tracing::info!("shutting down: finishing requests in flight");
    let result = running.stop().await;
    backend.flush().await;
    tracing::info!("store closed");
    result
}

fn valid_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};

    use super::*;

    #[test]
    fn the_open_file_soft_limit_is_raised_to_the_hard_one() {
        let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        // Lower the soft limit as a default system would have it.
        setrlimit(Resource::RLIMIT_NOFILE, hard.min(1024), hard).unwrap();
        let (before, after) = raise_open_file_limit().unwrap();
        assert_eq!((before, after), (hard.min(1024), hard));
        assert_eq!(getrlimit(Resource::RLIMIT_NOFILE).unwrap(), (hard, hard));
    }
}
