//! `sysman serve`: open the backend, make sure an administrator can get
//! in, optionally simulate a fleet, serve until told to stop, then close
//! the store cleanly.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use sysman_api::credentials;
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
    /// Where the first administrator key is written, and under which
    /// profile.
    pub credentials_file: PathBuf,
    pub profile: String,
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
    let (file, profile) = (&config.credentials_file, config.profile.as_str());
    let before = read_credentials(file)?;
    // The key is written before the administrator is committed; if the
    // commit fails, the file is put back as it was.
    let made = backend
        .bootstrap_admin_keeping(ADMIN_USER, |access_key_id, secret_access_key| {
            if let Some(held) = credentials::parse_profile(&before, profile)
                && config.data_dir.is_some()
            {
                return Err(format!(
                    "profile '{profile}' in {} already holds the key {} (another \
                     server's?); pass --profile NAME to write this server's first key under \
                     another name, or remove that profile",
                    file.display(),
                    held.access_key_id
                ));
            }
            let key = AccessKey {
                access_key_id: access_key_id.to_owned(),
                secret_access_key: secret_access_key.to_owned(),
                session_token: None,
            };
            credentials::write_profile(file, profile, &key)
        })
        .await;
    match made {
        Ok(Some(_)) => {
            // Printed once, and only where the key is, never the key.
            eprintln!(
                "sysman: created the administrator '{ADMIN_USER}'; its access key is in {} \
                 (profile '{profile}')",
                file.display()
            );
        }
        Ok(None) => {}
        Err(e) => {
            if credentials::parse_profile(&read_credentials(file)?, profile)
                != credentials::parse_profile(&before, profile)
            {
                credentials::write_private(file, before.as_bytes())?;
            }
            return Err(format!("cannot create the administrator: {}", e.message));
        }
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

/// The text of the credentials file, empty if there is none yet.
fn read_credentials(path: &std::path::Path) -> Result<String, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
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
