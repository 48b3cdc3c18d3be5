//! `sysman serve`: the HTTP server that the `aws` CLI, boto3, agents and
//! remote consoles talk to.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;
use sysman_api::credentials;
use sysman_backend::objects::S3Config;
use sysman_backend::sim::FleetSpec;
use sysman_server::Settings;
use sysman_server::serve::{ServeConfig, TlsSource};

/// Where `sysman serve` listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4580";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, value_name = "ADDR:PORT", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Where the store lives (default: the user data directory).
    #[arg(long, value_name = "DIR", conflicts_with = "ephemeral")]
    pub data_dir: Option<PathBuf>,
    /// Keep everything in memory; nothing is written to disk.
    #[arg(long)]
    pub ephemeral: bool,
    /// The region shown in ARNs.
    #[arg(long, default_value = sysman_backend::DEFAULT_REGION)]
    pub region: String,
    /// The 12-digit account id shown in every ARN.
    #[arg(long, value_name = "ID", default_value = sysman_backend::DEFAULT_ACCOUNT_ID)]
    pub account_id: String,
    /// Run a simulated fleet of N nodes inside the server.
    #[arg(long, value_name = "N")]
    pub fleet: Option<usize>,
    /// Seed of the simulated fleet: it fixes the nodes, not the ids the
    /// server gives them at registration.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Enable Sysman.ResetState, which wipes all service state (users and
    /// access keys stay), for test suites.
    #[arg(long)]
    pub allow_reset: bool,
    /// Where the first administrator key is written (default: the
    /// `credentials` file in the user config directory).
    #[arg(long, value_name = "FILE")]
    pub credentials_file: Option<PathBuf>,
    /// The profile the first administrator key is written under (default:
    /// `sysman` for the default data directory, `sysman-ephemeral` with
    /// --ephemeral, else `sysman-` and the data directory's name). A
    /// profile that already holds another key is never overwritten.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Require `Authorization: Bearer TOKEN` on GET /metrics, with the
    /// token read from FILE (a file, so it shows in no process list).
    #[arg(long, value_name = "FILE")]
    pub metrics_token_file: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM, leaf first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate made here for the listening address
    /// and localhost, kept in the data directory; prints its fingerprint.
    #[arg(long, conflicts_with = "tls_cert")]
    pub tls_self_signed: bool,
    /// Seconds a request's head may take to arrive (and a TLS handshake).
    #[arg(long, value_name = "S", default_value_t = defaults().header_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Seconds a request's body may take to arrive whole.
    #[arg(long, value_name = "S", default_value_t = defaults().body_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout_secs: u64,
    /// Seconds a kept-alive connection may sit with no request.
    #[arg(long, value_name = "S", default_value_t = defaults().idle_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout_secs: u64,
    /// Connections served at once (each agent holds one); more wait.
    #[arg(long, value_name = "N", default_value_t = defaults().max_connections as u64,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// On SIGTERM or Ctrl-C, seconds requests in flight may take to finish
    /// before their connections are dropped.
    #[arg(long, value_name = "S", default_value_t = defaults().shutdown_grace.as_secs(),
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_grace_secs: u64,
    /// Write command output (SendCommand's OutputS3BucketName) to this
    /// S3-compatible endpoint, e.g. http://127.0.0.1:9000 for MinIO,
    /// instead of <data dir>/objects. Credentials come from
    /// SYSMAN_OUTPUT_S3_ACCESS_KEY_ID and SYSMAN_OUTPUT_S3_SECRET_ACCESS_KEY.
    #[arg(long, value_name = "URL")]
    pub output_s3_endpoint: Option<String>,
    /// The region the output endpoint signs for (default: --region).
    #[arg(long, value_name = "REGION", requires = "output_s3_endpoint")]
    pub output_s3_region: Option<String>,
}

/// Environment variables holding the output endpoint's credentials: not
/// flags, so they show in no process list, and not AWS_*, which a shell
/// talking to sysman itself already uses for sysman's own key.
const OUTPUT_S3_KEY_ID_VAR: &str = "SYSMAN_OUTPUT_S3_ACCESS_KEY_ID";
const OUTPUT_S3_SECRET_VAR: &str = "SYSMAN_OUTPUT_S3_SECRET_ACCESS_KEY";

/// The token in `path`, without surrounding white space.
fn read_token(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the metrics token {}: {e}", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(format!(
            "the metrics token file {} is empty",
            path.display()
        ));
    }
    Ok(token.to_owned())
}

fn defaults() -> Settings {
    Settings::default()
}

impl ServeArgs {
    /// The front's settings the flags give.
    pub fn settings(&self) -> Settings {
        use std::time::Duration;
        Settings {
            header_timeout: Duration::from_secs(self.header_timeout_secs),
            body_timeout: Duration::from_secs(self.body_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
            ..Settings::default()
        }
    }

    /// The S3-compatible service command output goes to, if one is named.
    pub fn output_s3(&self) -> Result<Option<S3Config>, String> {
        let Some(endpoint) = &self.output_s3_endpoint else {
            return Ok(None);
        };
        if !endpoint.starts_with("http://") && !endpoint.starts_with("https://") {
            return Err(format!(
                "--output-s3-endpoint must be an http:// or https:// URL, not '{endpoint}'"
            ));
        }
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Ok(Some(S3Config {
            endpoint: Some(endpoint.trim_end_matches('/').to_owned()),
            region: self
                .output_s3_region
                .clone()
                .unwrap_or_else(|| self.region.clone()),
            access_key_id: var(OUTPUT_S3_KEY_ID_VAR),
            secret_access_key: var(OUTPUT_S3_SECRET_VAR),
        }))
    }

    /// Where the HTTPS certificate comes from, if HTTPS is asked for.
    pub fn tls(&self) -> Option<TlsSource> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ if self.tls_self_signed => Some(TlsSource::SelfSigned),
            _ => None,
        }
    }
}

/// The profile a server's first key goes to: one per data directory, so a
/// second server (or a throwaway `--ephemeral` one) never replaces the key
/// of the first.
fn default_profile(data_dir: Option<&Path>, default_dir: Option<&Path>) -> String {
    let Some(dir) = data_dir else {
        return format!("{}-ephemeral", credentials::SYSMAN_PROFILE);
    };
    if Some(dir) == default_dir {
        return credentials::SYSMAN_PROFILE.to_owned();
    }
    let name: String = dir
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "{}-{}",
        credentials::SYSMAN_PROFILE,
        if name.is_empty() { "data" } else { &name }
    )
}

pub fn main(args: ServeArgs) -> Result<(), String> {
    let settings = args.settings();
    let tls = args.tls();
    let output_s3 = args.output_s3()?;
    let dirs = crate::cli::project_dirs();
    let data_dir = match (&args.data_dir, args.ephemeral) {
        (_, true) => None,
        (Some(dir), false) => Some(dir.clone()),
        (None, false) => Some(
            dirs.as_ref()
                .map(|d| d.data_dir().to_owned())
                .ok_or("cannot find a home directory; pass --data-dir DIR or --ephemeral")?,
        ),
    };
    let default_dir = dirs.as_ref().map(|d| d.data_dir().to_owned());
    let profile = args
        .profile
        .unwrap_or_else(|| default_profile(data_dir.as_deref(), default_dir.as_deref()));
    let credentials_file = match args.credentials_file {
        Some(path) => path,
        None => dirs
            .as_ref()
            .map(|d| d.config_dir().join("credentials"))
            .ok_or("cannot find a home directory; pass --credentials-file FILE")?,
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SYSMAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        .init();
    let config = ServeConfig {
        listen: args.listen,
        data_dir,
        region: args.region,
        account_id: args.account_id,
        allow_reset: args.allow_reset,
        fleet: args.fleet.map(|n| FleetSpec::new(n, args.seed)),
        settings: Settings {
            metrics_token: match &args.metrics_token_file {
                Some(path) => Some(sysman_server::Token(read_token(path)?)),
                None => None,
            },
            ..settings
        },
        credentials_file,
        profile,
        tls,
        output_s3,
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(sysman_server::serve::run(
        config,
        sysman_server::serve::shutdown_signal(),
        |addr| eprintln!("sysman: listening on {scheme}://{addr}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_data_directory_gets_a_profile_of_its_own() {
        let default = Path::new("/home/op/.local/share/sysman");
        assert_eq!(default_profile(Some(default), Some(default)), "sysman");
        assert_eq!(default_profile(None, Some(default)), "sysman-ephemeral");
        assert_eq!(
            default_profile(Some(Path::new("/srv/lab one")), Some(default)),
            "sysman-lab-one"
        );
        assert_eq!(default_profile(Some(Path::new("/")), None), "sysman-data");
    }

    fn args(flags: &[&str]) -> ServeArgs {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let argv = std::iter::once("serve").chain(flags.iter().copied());
        <Cli as clap::Parser>::try_parse_from(argv).unwrap().serve
    }

    #[test]
    fn the_output_endpoint_is_a_url_and_signs_for_the_server_region_by_default() {
        assert_eq!(args(&[]).output_s3().unwrap(), None);
        let s3 = args(&[
            "--region",
            "eu-west-1",
            "--output-s3-endpoint",
            "http://h:9000/",
        ])
        .output_s3()
        .unwrap()
        .unwrap();
        assert_eq!(s3.endpoint.as_deref(), Some("http://h:9000"));
        assert_eq!(s3.region, "eu-west-1");
        let own = args(&[
            "--output-s3-endpoint",
            "https://s3.example",
            "--output-s3-region",
            "ap-south-1",
        ]);
        assert_eq!(own.output_s3().unwrap().unwrap().region, "ap-south-1");
        let err = args(&["--output-s3-endpoint", "s3.example"])
            .output_s3()
            .unwrap_err();
        assert!(err.contains("http:// or https://"), "{err}");
    }
}
