//! `sysman serve`: the HTTP server that the `aws` CLI, boto3, agents and
//! remote consoles talk to.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use sysman_backend::sim::FleetSpec;
use sysman_server::Settings;
use sysman_server::serve::ServeConfig;

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
    /// Seed of the simulated fleet.
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
}

pub fn main(args: ServeArgs) -> Result<(), String> {
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
        settings: Settings::default(),
        credentials_file,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(sysman_server::serve::run(
        config,
        sysman_server::serve::shutdown_signal(),
        |addr| eprintln!("sysman: listening on http://{addr}"),
    ))
}
