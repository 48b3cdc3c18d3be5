//! The console's configuration file. `config.example.toml` documents every
//! key and is exactly the built-in default (a test proves it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sysman_backend::FleetConfig;

use crate::keys::KeyMap;

/// The environment variable that names a config file.
pub const CONFIG_ENV: &str = "SYSMAN_CONFIG";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub theme: String,
    pub simulator: SimulatorConfig,
    pub fleet: FleetSection,
    /// `scope -> chord -> action`, laid over the built-in bindings.
    pub keys: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulatorConfig {
    pub nodes: usize,
    pub seed: u64,
    pub flakiness: f64,
    /// Seconds a simulated patch scan takes: a draw from `[low, high]`.
    pub patch_scan_secs: [u64; 2],
    /// Seconds a simulated patch install takes, before any reboot.
    pub patch_install_secs: [u64; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FleetSection {
    pub heartbeat_interval_secs: u64,
    pub missed_heartbeats: u32,
    pub inactive_after_days: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            theme: crate::theme::DEFAULT_THEME.to_owned(),
            simulator: SimulatorConfig::default(),
            fleet: FleetSection::default(),
            keys: KeyMap::default().to_table(),
        }
    }
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        let spec = sysman_backend::sim::FleetSpec::new(0, 0);
        let secs = |(low, high): (u64, u64)| [low / 1000, high / 1000];
        Self {
            nodes: 500,
            seed: 1,
            flakiness: 0.05,
            patch_scan_secs: secs(spec.scan_ms),
            patch_install_secs: secs(spec.install_ms),
        }
    }
}

impl Default for FleetSection {
    fn default() -> Self {
        let fleet = FleetConfig::default();
        Self {
            heartbeat_interval_secs: fleet.heartbeat_interval.as_secs(),
            missed_heartbeats: fleet.missed_heartbeats,
            inactive_after_days: fleet.inactive_after.as_secs() / 86_400,
        }
    }
}

impl FleetSection {
    pub fn to_fleet_config(&self) -> FleetConfig {
        FleetConfig {
            heartbeat_interval: Duration::from_secs(self.heartbeat_interval_secs),
            missed_heartbeats: self.missed_heartbeats,
            inactive_after: Duration::from_secs(self.inactive_after_days * 86_400),
            ..FleetConfig::default()
        }
    }
}

impl Config {
    /// Parses a config file's text; errors name `source` and the key.
    pub fn parse(text: &str, source: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| format!("{source}: {e}"))?;
        config.check().map_err(|e| format!("{source}: {e}"))?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.simulator.flakiness) {
            return Err(format!(
                "simulator.flakiness is {}; give a share between 0.0 and 1.0",
                self.simulator.flakiness
            ));
        }
        for (key, [low, high]) in [
            ("patch_scan_secs", self.simulator.patch_scan_secs),
            ("patch_install_secs", self.simulator.patch_install_secs),
        ] {
            if low > high || high > 86_400 {
                return Err(format!(
                    "simulator.{key} is [{low}, {high}]; give [low, high] seconds with low <= \
                     high <= 86400"
                ));
            }
        }
        if self.fleet.heartbeat_interval_secs == 0 || self.fleet.missed_heartbeats == 0 {
            return Err(
                "fleet.heartbeat_interval_secs and fleet.missed_heartbeats must be at least 1"
                    .to_owned(),
            );
        }
        self.keymap().map(|_| ())
    }

    /// The built-in bindings with this file's laid over them.
    pub fn keymap(&self) -> Result<KeyMap, String> {
        let mut map = KeyMap::default();
        map.merge(&self.keys)?;
        Ok(map)
    }

    /// Loads the config: `explicit` (from --config) must exist; otherwise
    /// $SYSMAN_CONFIG, then `default_path` if it exists, then the defaults.
    pub fn load(explicit: Option<&Path>, default_path: Option<&Path>) -> Result<Config, String> {
        let from_env = std::env::var_os(CONFIG_ENV).map(PathBuf::from);
        let path = match (explicit, from_env) {
            (Some(p), _) => Some(p.to_owned()),
            (None, Some(p)) => Some(p),
            (None, None) => default_path.filter(|p| p.is_file()).map(Path::to_owned),
        };
        match path {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
                Config::parse(&text, &path.display().to_string())
            }
            None => Ok(Config::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../config.example.toml");

    #[test]
    fn the_example_file_is_exactly_the_built_in_default() {
        assert_eq!(
            Config::parse(EXAMPLE, "config.example.toml").unwrap(),
            Config::default()
        );
    }

    #[test]
    fn an_empty_file_means_the_defaults() {
        assert_eq!(Config::parse("", "empty").unwrap(), Config::default());
    }

    #[test]
    fn unknown_keys_and_actions_are_errors_naming_file_and_key() {
        let err = Config::parse("themee = \"dark\"\n", "/home/me/config.toml").unwrap_err();
        assert!(
            err.contains("/home/me/config.toml") && err.contains("themee"),
            "{err}"
        );
        let err = Config::parse("[keys.fleet]\n\"x\" = \"explode\"\n", "c.toml").unwrap_err();
        assert!(err.contains("c.toml") && err.contains("explode"), "{err}");
        let err = Config::parse("[simulator]\nflakiness = 2.0\n", "c.toml").unwrap_err();
        assert!(err.contains("simulator.flakiness"), "{err}");
        let err =
            Config::parse("[simulator]\npatch_install_secs = [60, 5]\n", "c.toml").unwrap_err();
        assert!(err.contains("simulator.patch_install_secs"), "{err}");
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let err = Config::load(Some(Path::new("/nonexistent/sysman.toml")), None).unwrap_err();
        assert!(err.contains("/nonexistent/sysman.toml"), "{err}");
    }
}
