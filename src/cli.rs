//! The `sysman` command: flags, directories, the embedded backend, the
//! simulated fleet, and the console's terminal.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser;
use directories::ProjectDirs;
use serde::{Deserialize, Serialize};
use sysman_api::client::Client;
use sysman_api::credentials;
use sysman_api::fleet::ListNodes;
use sysman_backend::sim::{FleetSpec, Simulator};
use sysman_backend::{Backend, Caller, Options, SystemClock};

use crate::app::App;
use crate::config::Config;
use crate::runtime::Connection;
use crate::theme::Theme;

/// A self-hosted Systems Manager, driven from the keyboard.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Args {
    /// Nodes in the simulated fleet created for a new data directory (0 for none).
    #[arg(long, value_name = "N")]
    pub fleet: Option<usize>,
    /// Seed of the simulated fleet: the same seed gives the same nodes
    /// (names, platforms, tags, software). The server's ids (`mi-` node
    /// ids, activation and command ids) are new each run, as AWS's are.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Where the store lives (default: the user data directory).
    #[arg(long, value_name = "DIR", conflicts_with = "ephemeral")]
    pub data_dir: Option<PathBuf>,
    /// Keep everything in memory; nothing is written to disk.
    #[arg(long)]
    pub ephemeral: bool,
    /// Colour theme: dark, light, terminal, or a file in the themes directory.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Hide and refuse destructive actions.
    #[arg(long)]
    pub readonly: bool,
    /// Config file (default: $SYSMAN_CONFIG, then the user config directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Drive a sysman server at this URL instead of an embedded backend.
    #[arg(long, value_name = "URL", conflicts_with_all = ["fleet", "seed", "data_dir", "ephemeral"])]
    pub endpoint: Option<String>,
    /// Credentials profile for --endpoint (default: $AWS_PROFILE, else
    /// `sysman`); environment keys win, as with the aws CLI.
    #[arg(long, value_name = "NAME", requires = "endpoint")]
    pub profile: Option<String>,
    /// Region to sign requests for (default: $AWS_REGION, else us-east-1).
    #[arg(long, value_name = "REGION", requires = "endpoint")]
    pub region: Option<String>,
    /// Also trust the certificates in this PEM file for an https://
    /// --endpoint: a private CA, or the server's self-signed certificate.
    #[arg(long, value_name = "FILE", requires = "endpoint")]
    pub ca_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Serve the AWS SSM API over HTTP for the aws CLI, boto3, agents and
    /// remote consoles.
    Serve(Box<crate::serve::ServeArgs>),
    /// Call one operation of the server at --endpoint and print its answer
    /// as JSON, e.g. `sysman --endpoint URL call Sysman.CreateUser
    /// '{"UserName":"alice"}'`.
    Call(crate::call::CallArgs),
}

/// The simulated fleet a data directory was created with, kept beside the
/// store so reopening simulates the same fleet.
#[derive(Debug, Serialize, Deserialize)]
struct SimFile {
    spec: FleetSpec,
}

const SIM_FILE: &str = "simulator.json";

pub(crate) fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "sysman")
}

/// `/home/me/x` as `~/x`, for the header.
fn tilde(path: &Path) -> String {
    match std::env::var_os("HOME").map(PathBuf::from) {
        Some(home) if path.starts_with(&home) && !home.as_os_str().is_empty() => {
            format!("~/{}", path.strip_prefix(&home).unwrap_or(path).display())
        }
        _ => path.display().to_string(),
    }
}

pub fn main(args: Args) -> Result<(), String> {
    if let Some(Command::Serve(serve)) = args.command {
        return crate::serve::main(*serve);
    }
    let dirs = project_dirs();
    if let Some(Command::Call(call)) = &args.command {
        let endpoint = args
            .endpoint
            .as_deref()
            .ok_or("call needs the server: sysman --endpoint URL call TARGET [JSON]")?;
        let client = remote_client(endpoint, &args, dirs.as_ref())?;
        println!("{}", crate::call::run(&client, call)?);
        return Ok(());
    }
    let config_path = dirs.as_ref().map(|d| d.config_dir().join("config.toml"));
    let config = Config::load(args.config.as_deref(), config_path.as_deref())?;
    let keymap = config.keymap()?;
    let theme_name = args.theme.clone().unwrap_or_else(|| config.theme.clone());
    let themes_dir = dirs.as_ref().map(|d| d.config_dir().join("themes"));
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::load(&theme_name, themes_dir.as_deref(), no_color)?;

    let data_dir = match (&args.data_dir, args.ephemeral) {
        (_, true) => None,
        (Some(dir), false) => Some(dir.clone()),
        (None, false) => Some(
            dirs.as_ref()
                .map(|d| d.data_dir().to_owned())
                .ok_or("cannot find a home directory; pass --data-dir DIR or --ephemeral")?,
        ),
    };
    let _log_guard = init_logging(dirs.as_ref(), data_dir.as_deref());
    if let Some(endpoint) = &args.endpoint {
        let client = remote_client(endpoint, &args, dirs.as_ref())?;
        return run_console(
            keymap,
            theme,
            args.readonly,
            RemoteOrEmbedded::Remote(client),
        );
    }

    run_console(
        keymap,
        theme,
        args.readonly,
        RemoteOrEmbedded::Embedded {
            data_dir,
            spec_args: Box::new(args),
            config,
        },
    )
}

enum RemoteOrEmbedded {
    Remote(Client),
    Embedded {
        data_dir: Option<PathBuf>,
        spec_args: Box<Args>,
        config: Config,
    },
}

/// Opens the backend (or checks the server answers), then runs the
/// console until the user quits.
fn run_console(
    keymap: crate::keys::KeyMap,
    theme: Theme,
    readonly: bool,
    side: RemoteOrEmbedded,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let (connection, label, backend, endpoint) = match side {
            RemoteOrEmbedded::Remote(client) => {
                // A wrong URL or key is said here, plainly, before the
                // terminal is taken over.
                client
                    .call(&ListNodes {
                        max_results: Some(1),
                        next_token: None,
                    })
                    .await
                    .map_err(|e| format!("cannot use {}: {e}", client.endpoint()))?;
                let endpoint = client.endpoint().trim_end_matches('/').to_owned();
                let label = format!("remote {endpoint}");
                (Connection::remote(client), label, None, Some(endpoint))
            }
            RemoteOrEmbedded::Embedded {
                data_dir,
                spec_args,
                config,
            } => {
                let (backend, label) = open_embedded(&spec_args, &config, data_dir).await?;
                let user = std::env::var("USER").unwrap_or_else(|_| "console".to_owned());
                let connection = Connection::embedded(backend.clone(), Caller::admin(user));
                (connection, label, Some(backend), None)
            }
        };
        let mut terminal = ratatui::init();
        let size = terminal
            .size()
            .map(|s| (s.width, s.height))
            .unwrap_or((80, 24));
        let now = connection.clock().now();
        let (mut app, effects) = App::new(keymap, theme, readonly, label, now, size);
        // Agents register with the server the console drives.
        app.panes.activations.endpoint = endpoint;
        let result = crate::runtime::run(&mut terminal, app, effects, connection).await;
        ratatui::restore();
        if let Some(backend) = backend {
            backend.flush().await;
        }
        tracing::info!("console closed");
        result.map_err(|e| format!("terminal error: {e}"))
    })?;
    // Terminal input is read on a thread blocked in read(); don't wait for it.
    runtime.shutdown_background();
    Ok(())
}

/// The embedded backend of `data_dir` (in memory without one), with its
/// simulated fleet started.
async fn open_embedded(
    args: &Args,
    config: &Config,
    data_dir: Option<PathBuf>,
) -> Result<(Backend, String), String> {
    let options = Options {
        clock: Arc::new(SystemClock),
        id_seed: None,
        fleet: config.fleet.to_fleet_config(),
        ..Options::default()
    };
    // Decided before the store is opened: a new store means a new fleet.
    let spec = fleet_spec(args, config, data_dir.as_deref())?;
    let (backend, label) = match &data_dir {
        Some(dir) => (
            Backend::open(dir, options)?,
            format!("embedded {}", tilde(dir)),
        ),
        None => (
            Backend::open_in_memory(options)?,
            "embedded (ephemeral)".to_owned(),
        ),
    };
    tracing::info!("sysman {} opened {label}", env!("CARGO_PKG_VERSION"));
    if let Some(spec) = spec.filter(|s| s.nodes > 0) {
        let sim = Simulator::start(backend.clone(), &spec)
            .await
            .map_err(|e| format!("cannot start the simulated fleet: {e}"))?;
        tracing::info!("simulating {} nodes (seed {})", sim.len(), spec.seed);
        tokio::spawn(sim.run());
    }
    Ok((backend, label))
}

/// A client for `endpoint` with credentials found as the aws CLI finds
/// them: environment keys, then the profile in the AWS credentials file,
/// then in sysman's own (where `sysman serve` writes its first key).
fn remote_client(
    endpoint: &str,
    args: &Args,
    dirs: Option<&ProjectDirs>,
) -> Result<Client, String> {
    let profile = args
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| credentials::SYSMAN_PROFILE.to_owned());
    let region = args
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
        .or_else(|| {
            std::env::var("AWS_DEFAULT_REGION")
                .ok()
                .filter(|r| !r.is_empty())
        })
        .unwrap_or_else(|| sysman_backend::DEFAULT_REGION.to_owned());
    let mut files: Vec<PathBuf> = credentials::aws_credentials_file().into_iter().collect();
    files.extend(dirs.map(|d| d.config_dir().join("credentials")));
    let key = match credentials::from_environment() {
        Some(key) => key,
        None => credentials::from_files(&files, &profile)
            .map(|(_, key)| key)
            .ok_or_else(|| {
                let looked: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
                format!(
                    "no credentials for {endpoint}: set AWS_ACCESS_KEY_ID and \
                         AWS_SECRET_ACCESS_KEY, or add profile '{profile}' to one of: {}",
                    looked.join(", ")
                )
            })?,
    };
    let client = Client::new(endpoint, &region, Some(key))?;
    match &args.ca_file {
        Some(path) => client.trusting_file(path),
        None => Ok(client),
    }
}

/// The simulated fleet to run: the one this data directory was made with,
/// or, for a new one, the one the flags and config describe. How long
/// patch operations take is the config's, read at every start.
fn fleet_spec(
    args: &Args,
    config: &Config,
    data_dir: Option<&Path>,
) -> Result<Option<FleetSpec>, String> {
    let timed = |mut spec: FleetSpec| {
        let ms = |[low, high]: [u64; 2]| (low * 1000, high * 1000);
        spec.scan_ms = ms(config.simulator.patch_scan_secs);
        spec.install_ms = ms(config.simulator.patch_install_secs);
        spec
    };
    fleet_spec_kept(args, config, data_dir).map(|spec| spec.map(timed))
}

fn fleet_spec_kept(
    args: &Args,
    config: &Config,
    data_dir: Option<&Path>,
) -> Result<Option<FleetSpec>, String> {
    let wanted = || {
        let mut spec = FleetSpec::new(
            args.fleet.unwrap_or(config.simulator.nodes),
            args.seed.unwrap_or(config.simulator.seed),
        );
        spec.flakiness = config.simulator.flakiness;
        spec
    };
    let Some(dir) = data_dir else {
        return Ok(Some(wanted()));
    };
    let path = dir.join(SIM_FILE);
    if path.is_file() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file: SimFile = serde_json::from_str(&text)
            .map_err(|e| format!("{} is damaged: {e}", path.display()))?;
        let asked = args.fleet.is_some_and(|n| n != file.spec.nodes)
            || args.seed.is_some_and(|s| s != file.spec.seed);
        if asked {
            return Err(format!(
                "{} already holds a simulated fleet of {} nodes (seed {}); use --data-dir for \
                 another fleet or --ephemeral for a throwaway one",
                tilde(dir),
                file.spec.nodes,
                file.spec.seed
            ));
        }
        return Ok(Some(file.spec));
    }
    let has_store = dir.join(sysman_backend::STORE_FILE).is_file();
    if has_store && args.fleet.is_none() {
        // A store made without a simulator: a real fleet, leave it be.
        return Ok(None);
    }
    let spec = wanted();
    let text =
        serde_json::to_string_pretty(&SimFile { spec: spec.clone() }).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Some(spec))
}

/// Logs go to a file, never to the terminal the console draws on.
fn init_logging(
    dirs: Option<&ProjectDirs>,
    data_dir: Option<&Path>,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = dirs
        .and_then(|d| d.state_dir().map(Path::to_owned))
        .or_else(|| data_dir.map(|d| d.join("logs")))?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "sysman.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("SYSMAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Some(guard)
}
