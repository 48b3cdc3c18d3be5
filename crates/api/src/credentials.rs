//! Access keys the way the AWS CLI finds them: environment variables, then
//! profiles in credentials files (`[name]` sections of `key = value` lines).

use std::path::{Path, PathBuf};

use crate::sigv4::AccessKey;

/// The profile sysman writes its first administrator key under.
pub const SYSMAN_PROFILE: &str = "sysman";

/// The key in `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and
/// `AWS_SESSION_TOKEN`), if both are set.
pub fn from_environment() -> Option<AccessKey> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    Some(AccessKey {
        access_key_id: var("AWS_ACCESS_KEY_ID")?,
        secret_access_key: var("AWS_SECRET_ACCESS_KEY")?,
        session_token: var("AWS_SESSION_TOKEN"),
    })
}

/// The AWS CLI's credentials file: `$AWS_SHARED_CREDENTIALS_FILE`, else
/// `~/.aws/credentials`.
pub fn aws_credentials_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".aws").join("credentials"))
}

/// The key of `profile` in the text of a credentials file.
pub fn parse_profile(text: &str, profile: &str) -> Option<AccessKey> {
    let mut in_profile = false;
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_profile = name.trim() == profile;
            continue;
        }
        if !in_profile {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim().to_owned();
            match key.trim() {
                "aws_access_key_id" => id = Some(value),
                "aws_secret_access_key" => secret = Some(value),
                "aws_session_token" => token = Some(value),
                _ => {}
            }
        }
    }
    Some(AccessKey {
        access_key_id: id?,
        secret_access_key: secret?,
        session_token: token,
    })
}

/// The first of `files` that holds `profile`, with the key it holds.
pub fn from_files(files: &[PathBuf], profile: &str) -> Option<(PathBuf, AccessKey)> {
    files.iter().find_map(|path| {
        let text = std::fs::read_to_string(path).ok()?;
        parse_profile(&text, profile).map(|key| (path.clone(), key))
    })
}

/// Writes `key` as `profile` into the credentials file at `path`, replacing
/// that profile if present and keeping the others. The file is created
/// with mode 0600 and stays private.
pub fn write_profile(path: &Path, profile: &str, key: &AccessKey) -> Result<(), String> {
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut out = String::new();
    let mut skipping = false;
    for line in old.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            skipping = name.trim() == profile;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str(&format!(
        "[{profile}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        key.access_key_id, key.secret_access_key
    ));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_private(path, out.as_bytes())
}

/// Writes `bytes` to `path` readable by its owner only, replacing it
/// atomically so a crash never leaves half a file.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = options.open(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    result
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> AccessKey {
        AccessKey {
            access_key_id: id.into(),
            secret_access_key: format!("secret-of-{id}"),
            session_token: None,
        }
    }

    #[test]
    fn profiles_are_read_by_name() {
        let text = "[default]\naws_access_key_id=A\naws_secret_access_key = a\n\n\
                    # comment\n[sysman]\naws_access_key_id = B\naws_secret_access_key = b\n\
                    aws_session_token = t\n";
        assert_eq!(parse_profile(text, "default").unwrap().access_key_id, "A");
        let b = parse_profile(text, "sysman").unwrap();
        assert_eq!(b.secret_access_key, "b");
        assert_eq!(b.session_token.as_deref(), Some("t"));
        assert!(parse_profile(text, "other").is_none());
        assert!(parse_profile("[x]\naws_access_key_id = only\n", "x").is_none());
    }

    #[test]
    fn writing_a_profile_keeps_the_others_and_is_private() {
        let dir = std::env::temp_dir().join(format!("sysman-cred-{}", std::process::id()));
        let path = dir.join("credentials");
        let _ = std::fs::remove_file(&path);
        write_profile(&path, "default", &key("A")).unwrap();
        write_profile(&path, "sysman", &key("B")).unwrap();
        write_profile(&path, "sysman", &key("C")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(parse_profile(&text, "default").unwrap().access_key_id, "A");
        assert_eq!(parse_profile(&text, "sysman").unwrap().access_key_id, "C");
        assert_eq!(text.matches("[sysman]").count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
