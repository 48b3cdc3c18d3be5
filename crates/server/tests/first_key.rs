//! The first administrator key and the credentials file it goes to: a
//! second server never replaces another's key, and a key that could not
//! be written leaves no administrator behind.

use std::path::Path;

use sysman_api::credentials;
use sysman_api::iam::ListUsers;
use sysman_api::sigv4::AccessKey;
use sysman_backend::{Backend, Caller, Options};
use sysman_server::Settings;
use sysman_server::serve::{self, ServeConfig};

fn config(data_dir: Option<&Path>, file: &Path, profile: &str) -> ServeConfig {
    ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.map(Path::to_owned),
        region: "us-east-1".into(),
        account_id: "000000000000".into(),
        allow_reset: false,
        fleet: None,
        settings: Settings::default(),
        credentials_file: file.to_owned(),
        profile: profile.into(),
        tls: None,
        output_s3: None,
    }
}

/// Starts and at once stops a server.
async fn start_and_stop(config: ServeConfig) -> Result<(), String> {
    serve::run(config, async {}, |_| {}).await
}

/// Whether the store in `dir` has any user yet.
async fn has_users(dir: &Path) -> bool {
    let b = Backend::open(dir, Options::default()).unwrap();
    let users = b.call(&Caller::admin("test"), ListUsers {}).await.unwrap();
    b.flush().await;
    !users.users.is_empty()
}

const OTHER: &str = "[sysman]\naws_access_key_id = AKIAOTHERSERVER\naws_secret_access_key = s\n";

#[tokio::test]
async fn a_durable_server_never_overwrites_another_servers_key() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("credentials");
    std::fs::write(&file, OTHER).unwrap();
    let data = root.path().join("second");
    let err = start_and_stop(config(Some(&data), &file, "sysman"))
        .await
        .unwrap_err();
    assert!(
        err.contains("already holds the key AKIAOTHERSERVER"),
        "{err}"
    );
    assert!(err.contains("--profile"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), OTHER);
    // No administrator was made whose key nobody holds.
    assert!(!has_users(&data).await);
    // Under its own profile it starts, and the other key stays.
    start_and_stop(config(Some(&data), &file, "sysman-second"))
        .await
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let other = credentials::parse_profile(&text, "sysman").unwrap();
    assert_eq!(other.access_key_id, "AKIAOTHERSERVER");
    assert!(credentials::parse_profile(&text, "sysman-second").is_some());
    // A restart finds its administrator and writes nothing.
    start_and_stop(config(Some(&data), &file, "sysman-second"))
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[tokio::test]
async fn an_ephemeral_server_writes_its_own_profile_only() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("credentials");
    std::fs::write(&file, OTHER).unwrap();
    start_and_stop(config(None, &file, "sysman-ephemeral"))
        .await
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with(OTHER), "{text}");
    let key: AccessKey = credentials::parse_profile(&text, "sysman-ephemeral").unwrap();
    assert_ne!(key.access_key_id, "AKIAOTHERSERVER");
}

#[tokio::test]
async fn a_key_that_cannot_be_written_leaves_no_administrator() {
    let root = tempfile::tempdir().unwrap();
    // A directory where the file should be: the write fails.
    let file = root.path().join("credentials");
    std::fs::create_dir(&file).unwrap();
    let data = root.path().join("data");
    let err = start_and_stop(config(Some(&data), &file, "sysman"))
        .await
        .unwrap_err();
    assert!(err.contains("cannot"), "{err}");
    assert!(!has_users(&data).await);
}
