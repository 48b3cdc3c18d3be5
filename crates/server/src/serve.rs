//! `sysman serve`: open the backend, make sure an administrator can get
//! in, optionally simulate a fleet, serve until told to stop, then close
//! the store cleanly.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use sysman_api::credentials;
use sysman_api::sigv4::AccessKey;
use sysman_backend::objects::{S3Config, S3Store};
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Options, SystemClock};
use tokio::net::TcpListener;

use crate::Settings;
use crate::tls::Tls;

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
    /// Serve HTTPS: with this certificate, or one made here.
    pub tls: Option<TlsSource>,
    /// Write command output (`OutputS3BucketName`) to this S3-compatible
    /// service; `None` keeps it in `<data dir>/objects` (or in memory).
    pub output_s3: Option<S3Config>,
}

/// Where the HTTPS certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// A certificate chain and its private key, PEM files.
    Files { cert: PathBuf, key: PathBuf },
    /// A certificate signed by itself, for the listening address, kept in
    /// the data directory (or in memory with no data directory).
    SelfSigned,
}

/// The name of the certificate file an ephemeral self-signed server
/// writes beside the credentials file, for clients to trust.
pub const EPHEMERAL_CERT_FILE: &str = "ephemeral-cert.pem";

/// Open files kept for the store, logs and the listener, beyond the
/// connections.
const FILES_KEPT: u64 = 64;

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
    let mut settings = config.settings.clone();
    match raise_open_file_limit() {
        Ok((before, after)) => {
            if after > before {
                tracing::info!("raised the open-file limit from {before} to {after}");
            } else {
                tracing::info!("open-file limit: {after}");
            }
            // Past the limit accept() fails; keep room for the store's files.
            let room = usize::try_from(after.saturating_sub(FILES_KEPT)).unwrap_or(usize::MAX);
            if settings.max_connections > room {
                tracing::warn!(
                    "serving at most {room} connections at once, not {}: the open-file limit \
                     is {after}",
                    settings.max_connections
                );
                settings.max_connections = room.max(1);
            }
        }
        Err(e) => tracing::warn!("{e}; each agent's long poll holds a socket"),
    }
    // Certificate files are read before the store opens, so a bad one
    // changes nothing.
    if let Some(source @ TlsSource::Files { .. }) = &config.tls {
        settings.tls = Some(certificate(&config, source)?);
    }
    let options = Options {
        clock: Arc::new(SystemClock),
        region: config.region.clone(),
        account_id: config.account_id.clone(),
        allow_reset: config.allow_reset,
        output_store: config.output_s3.clone().map(|s3| {
            tracing::info!(
                "command output goes to {}",
                s3.endpoint.as_deref().unwrap_or("AWS S3")
            );
            Arc::new(S3Store::new(s3)) as Arc<dyn sysman_backend::objects::ObjectStore>
        }),
        ..Options::default()
    };
    let backend = match &config.data_dir {
        Some(dir) => Backend::open(dir, options)?,
        None => Backend::open_in_memory(options)?,
    };
    // A self-signed one is kept in the data directory, which is ours only
    // once the store holds it.
    if let Some(source @ TlsSource::SelfSigned) = &config.tls {
        settings.tls = Some(certificate(&config, source)?);
    }
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
    let running = crate::start(backend.clone(), listener, settings)?;
    tracing::info!("listening on {}", running.url());
    ready(running.addr);
    shutdown.await;
    tracing::info!(
        "shutting down: finishing requests in flight (for up to {:?})",
        config.settings.shutdown_grace
    );
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

/// The certificate `source` names, or makes; for a self-signed one, says
/// its fingerprint and the file clients trust it with.
fn certificate(config: &ServeConfig, source: &TlsSource) -> Result<Tls, String> {
    let (tls, cert_file, made) = match source {
        TlsSource::Files { cert, key } => {
            let tls = Tls::from_pem_files(cert, key)?;
            tracing::info!(
                "TLS certificate {}, SHA-256 fingerprint {}",
                cert.display(),
                tls.fingerprint()
            );
            return Ok(tls);
        }
        TlsSource::SelfSigned => {
            let names = certificate_names(config.listen);
            match &config.data_dir {
                Some(dir) => {
                    let kept = Tls::self_signed_in(dir, &names)?;
                    (kept.tls, kept.cert_file, kept.made)
                }
                None => {
                    // The key stays in memory; the certificate is public,
                    // and a client needs it to trust this server.
                    let tls = Tls::self_signed(&names)?;
                    let dir = config
                        .credentials_file
                        .parent()
                        .filter(|d| !d.as_os_str().is_empty())
                        .unwrap_or(std::path::Path::new("."));
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                    let file = dir.join(EPHEMERAL_CERT_FILE);
                    std::fs::write(&file, tls.certificate_pem())
                        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
                    (tls, file, true)
                }
            }
        }
    };
    eprintln!(
        "sysman: {} self-signed TLS certificate for {}, SHA-256 fingerprint\n  {}\n\
         sysman: clients trust it with --ca-file {} (aws: --ca-bundle)",
        if made { "made a" } else { "using the" },
        certificate_names(config.listen).join(", "),
        tls.fingerprint(),
        cert_file.display()
    );
    Ok(tls)
}

/// What a self-signed certificate names: this machine by its loopback
/// names, and the address listened on (or, listening on every address,
/// the host name).
fn certificate_names(listen: SocketAddr) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let ip = listen.ip();
    if ip.is_unspecified() {
        let host = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .filter(|h| {
                matches!(
                    rustls::pki_types::ServerName::try_from(h.as_str()),
                    Ok(rustls::pki_types::ServerName::DnsName(_))
                )
            });
        names.extend(host);
    } else if !names.contains(&ip.to_string()) {
        names.push(ip.to_string());
    }
    names
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
