//! The node's registration: trading an activation for a node id and its
//! credentials once, and keeping them in the state directory.

use std::fs::DirBuilder;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sysman_api::client::Client;
use sysman_api::credentials::write_private;
use sysman_api::fleet::RegisterNode;
use sysman_api::sigv4::AccessKey;

use crate::platform::Facts;

/// Where the agent keeps its state unless told otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/sysman-agent";
/// The region signed into requests unless told otherwise.
pub const DEFAULT_REGION: &str = "us-east-1";
/// The registration's file inside the state directory.
pub const REGISTRATION_FILE: &str = "registration.json";

/// Who this node is to its server, and how it proves it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Registration {
    pub endpoint: String,
    pub region: String,
    pub instance_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Certificates (PEM) trusted for an https:// endpoint beyond the
    /// system's: `register --ca-file`, read again at every start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for Registration {
    // The secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("instance_id", &self.instance_id)
            .field("access_key_id", &self.access_key_id)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

impl Registration {
    pub fn access_key(&self) -> AccessKey {
        AccessKey {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: None,
        }
    }

    /// A client that signs as this node.
    pub fn client(&self) -> Result<Client, String> {
        self.client_trusting(None)
    }

    /// A client that signs as this node, trusting `ca_file` if given,
    /// else the registration's.
    pub fn client_trusting(&self, ca_file: Option<&Path>) -> Result<Client, String> {
        let client = Client::new(&self.endpoint, &self.region, Some(self.access_key()))?;
        match ca_file.or(self.ca_file.as_deref()) {
            Some(path) => client.trusting_file(path),
            None => Ok(client),
        }
    }

    /// Reads the registration kept in `state_dir`.
    pub fn load(state_dir: &Path) -> Result<Registration, String> {
        let path = state_dir.join(REGISTRATION_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "this node is not registered: {} does not exist; run `sysman-agent register` \
                     first",
                    path.display()
                ));
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a registration: {e}", path.display()))
    }

    /// Keeps the registration in `state_dir`, readable by its owner only.
    pub fn save(&self, state_dir: &Path) -> Result<(), String> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| format!("cannot encode the registration: {e}"))?;
        write_private(&state_dir.join(REGISTRATION_FILE), &json)
    }
}

/// Creates `dir` (mode 0700) if needed and checks that only its owner can
/// enter it: it holds the node's secret and the output of its commands.
pub fn prepare_state_dir(dir: &Path) -> Result<(), String> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create the state directory {}: {e}", dir.display()))?;
    private_dir(dir)
}

/// Checks that `dir` is a directory only its owner can enter. An existing
/// directory is never loosened or tightened behind the operator's back.
pub fn private_dir(dir: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "{} is open to other users (mode {mode:03o}); it will hold this node's secret, so \
             make it private first (chmod 700 {}) or choose another --state-dir",
            dir.display(),
            dir.display()
        ));
    }
    Ok(())
}

/// What `sysman-agent register` is given.
#[derive(Clone)]
pub struct RegisterOptions {
    pub endpoint: String,
    pub activation_id: String,
    pub activation_code: String,
    pub region: String,
    pub state_dir: PathBuf,
    /// Replace an existing registration.
    pub force: bool,
    /// Also trust the certificates in this PEM file (a private CA, or the
    /// server's self-signed certificate); kept in the registration.
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for RegisterOptions {
    // The activation code is a secret until it is used.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterOptions")
            .field("endpoint", &self.endpoint)
            .field("activation_id", &self.activation_id)
            .field("region", &self.region)
            .field("state_dir", &self.state_dir)
            .field("force", &self.force)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

/// Registers this machine with `Sysman.RegisterNode` (unsigned: the
/// activation code is the proof) and keeps the result in the state
/// directory. Refuses to replace a registration unless `force`.
pub async fn register(options: &RegisterOptions) -> Result<Registration, String> {
    prepare_state_dir(&options.state_dir)?;
    let path = options.state_dir.join(REGISTRATION_FILE);
    if !options.force && path.exists() {
        let existing = Registration::load(&options.state_dir)
            .map(|r| format!(" as {} with {}", r.instance_id, r.endpoint))
            .unwrap_or_default();
        return Err(format!(
            "this node is already registered{existing} ({}); pass --force to register it \
             again as a new node",
            path.display()
        ));
    }
    let mut client = Client::new(&options.endpoint, &options.region, None)?;
    // An absolute path, so `run` finds it from any working directory.
    let ca_file = match &options.ca_file {
        Some(path) => {
            client = client.trusting_file(path)?;
            Some(
                std::path::absolute(path)
                    .map_err(|e| format!("cannot resolve the CA file {}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let facts = Facts::gather();
    let registered = client
        .call(&RegisterNode {
            activation_id: options.activation_id.clone(),
            activation_code: options.activation_code.clone(),
            computer_name: facts.computer_name,
            platform_type: Some(facts.platform_type),
            platform_name: facts.platform_name,
            platform_version: facts.platform_version,
            agent_version: Some(facts.agent_version),
            ip_address: facts.ip_address,
        })
        .await
        .map_err(|e| format!("registration with {} failed: {e}", options.endpoint))?;
    let registration = Registration {
        endpoint: options.endpoint.clone(),
        region: options.region.clone(),
        instance_id: registered.instance_id,
        access_key_id: registered.access_key_id,
        secret_access_key: registered.secret_access_key,
        ca_file,
    };
    registration.save(&options.state_dir).map_err(|e| {
        format!(
            "registered as {}, but {e}; the node's credentials are lost, so register again \
             once the state directory is writable",
            registration.instance_id
        )
    })?;
    Ok(registration)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Registration {
        Registration {
            endpoint: "http://127.0.0.1:4566".into(),
            region: "us-east-1".into(),
            instance_id: "mi-0123456789abcdef0".into(),
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "very-secret-value".into(),
            ca_file: None,
        }
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let text = format!("{:?}", sample());
        assert!(text.contains("mi-0123456789abcdef0"), "{text}");
        assert!(!text.contains("very-secret-value"), "{text}");
    }

    #[test]
    fn a_registration_is_kept_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        prepare_state_dir(&state).unwrap();
        let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        sample().save(&state).unwrap();
        let file = std::fs::metadata(state.join(REGISTRATION_FILE)).unwrap();
        assert_eq!(file.permissions().mode() & 0o777, 0o600);
        assert_eq!(Registration::load(&state).unwrap(), sample());
    }

    #[test]
    fn a_missing_or_broken_registration_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let err = Registration::load(dir.path()).unwrap_err();
        assert!(err.contains("sysman-agent register"), "{err}");
        std::fs::write(dir.path().join(REGISTRATION_FILE), "{").unwrap();
        let err = Registration::load(dir.path()).unwrap_err();
        assert!(err.contains("is not a registration"), "{err}");
    }

    #[test]
    fn a_state_dir_open_to_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = prepare_state_dir(&open).unwrap_err();
        assert!(
            err.contains("mode 755") && err.contains("chmod 700"),
            "{err}"
        );
        // Left as it was.
        let mode = std::fs::metadata(&open).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
    }

    #[tokio::test]
    async fn registering_again_is_refused_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        prepare_state_dir(&state).unwrap();
        sample().save(&state).unwrap();
        let options = RegisterOptions {
            // Nothing listens there; the refusal comes before any request.
            endpoint: "http://127.0.0.1:9".into(),
            activation_id: "a".into(),
            activation_code: "c".into(),
            region: DEFAULT_REGION.into(),
            state_dir: state.clone(),
            force: false,
            ca_file: None,
        };
        let err = register(&options).await.unwrap_err();
        assert!(
            err.contains("already registered as mi-0123456789abcdef0") && err.contains("--force"),
            "{err}"
        );
        // With --force it goes on to the server, which is not there.
        let err = register(&RegisterOptions {
            force: true,
            ..options
        })
        .await
        .unwrap_err();
        assert!(
            err.contains("registration with http://127.0.0.1:9 failed"),
            "{err}"
        );
        assert_eq!(Registration::load(&state).unwrap(), sample());
    }
}
