//! Objects as files: `<root>/<bucket>/<key>`, the key's `/` making folders.

use std::path::{Path, PathBuf};

use futures_util::future::BoxFuture;

use super::{ObjectStore, check_bucket, check_key, url_path};

/// The default store: a directory, `<data dir>/objects`.
pub struct DirStore {
    root: PathBuf,
}

impl DirStore {
    pub fn new(root: impl Into<PathBuf>) -> DirStore {
        DirStore { root: root.into() }
    }

    /// The file of `bucket`/`key`, or `None` for a name that could leave
    /// the root (checked again here, so no caller can forget it).
    pub fn path(&self, bucket: &str, key: &str) -> Option<PathBuf> {
        check_bucket(bucket).ok()?;
        check_key(key, "key").ok()?;
        let mut path = self.root.join(bucket);
        path.extend(key.split('/'));
        Some(path)
    }
}

/// Writes `body` beside `path` and renames it there, so a reader never
/// sees half an object.
fn write_whole(path: &Path, body: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("an object needs a folder"))?;
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.partial"));
    std::fs::write(&temp, body)?;
    std::fs::rename(&temp, path)
}

impl ObjectStore for DirStore {
    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let path = self
                .path(bucket, key)
                .ok_or_else(|| format!("{bucket}/{key} is not a name the store keeps"))?;
            let shown = path.display().to_string();
            tokio::task::spawn_blocking(move || write_whole(&path, &body))
                .await
                .map_err(|e| format!("writing {shown} stopped: {e}"))?
                .map_err(|e| format!("{shown} cannot be written: {e}"))
        })
    }

    /// A `file://` URL: the object is a file on the server's machine, and
    /// an `https://s3...` URL would send a reader somewhere it is not. The
    /// path is made absolute, for a data directory given as a relative one.
    fn url(&self, _region: &str, bucket: &str, key: &str) -> String {
        let path = self.root.join(bucket).join(key);
        let path = std::path::absolute(&path).unwrap_or(path);
        format!("file://{}", url_path(&path.to_string_lossy()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_under_the_root_and_nowhere_else() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirStore::new(dir.path().join("objects"));
        store
            .put("bucket", "a/b/stdout", b"hello".to_vec())
            .await
            .unwrap();
        let written = dir.path().join("objects/bucket/a/b/stdout");
        assert_eq!(std::fs::read(&written).unwrap(), b"hello");
        assert_eq!(
            store.url("us-east-1", "bucket", "a/b/stdout"),
            format!("file://{}", written.display())
        );
    }

    #[test]
    fn a_relative_root_gives_an_absolute_encoded_url() {
        let url = DirStore::new("data dir/objects").url("us-east-1", "b", "k/stdout");
        assert!(url.starts_with("file:///"), "{url}");
        assert!(url.ends_with("/data%20dir/objects/b/k/stdout"), "{url}");
    }

    #[tokio::test]
    async fn names_that_escape_are_refused_even_past_the_checks() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirStore::new(dir.path().join("objects"));
        for (bucket, key) in [
            ("..", "x"),
            ("bucket", "../../escaped"),
            ("bucket", "/tmp/escaped"),
            ("bucket", "a\0b"),
        ] {
            assert!(store.put(bucket, key, b"x".to_vec()).await.is_err());
        }
        assert!(!dir.path().join("escaped").exists());
        assert!(!dir.path().join("x").exists());
        assert!(!dir.path().join("objects").exists());
    }
}
