//! The data directory: private to its owner, and used by one process at a
//! time.
//!
//! It holds the store (parameter values, the audit trail) and the master
//! key, so it is made mode 0700 and its files 0600, whatever the umask.
//! SQLite gives its `-wal` and `-shm` files the store's own mode. Two
//! processes on one store (a console and a `sysman serve`) would each
//! hold their own picture of it in memory and overwrite each other's
//! records, so the first takes an exclusive lock and the second is told
//! who holds it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;

/// The lock file inside the data directory.
pub const LOCK_FILE: &str = "sysman.lock";

/// Held for as long as the backend lives; the lock goes with it.
pub struct DataDirLock {
    _file: File,
}

/// Makes `dir` (mode 0700 when it is created here) and takes its lock.
pub fn open(dir: &Path) -> Result<DataDirLock, String> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    let path = dir.join(LOCK_FILE);
    let mut file = private_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(format!(
                "the data directory {} is in use by {}; stop that process, or give this one \
                 another --data-dir",
                dir.display(),
                if holder.is_empty() {
                    "another process".to_owned()
                } else {
                    format!("process {holder}")
                }
            ));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(format!("cannot lock {}: {e}", path.display()));
        }
    }
    // Who holds it, for the next process to say.
    let me = format!("{} ({})\n", std::process::id(), program());
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(me.as_bytes()));
    Ok(DataDirLock { _file: file })
}

/// Makes `path` private to its owner: created 0600 if missing, and
/// narrowed to 0600 if a wider mode was left by an older version.
pub fn make_private(path: &Path) -> Result<(), String> {
    private_options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let file = path.with_file_name(format!(
                "{}{suffix}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ));
            match std::fs::metadata(&file) {
                Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                        .map_err(|e| format!("cannot make {} private: {e}", file.display()))?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

fn private_options() -> OpenOptions {
    #[allow(unused_mut)]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// This program's name, as the lock file tells it.
fn program() -> String {
    std::env::args()
        .next()
        .and_then(|a| {
            Path::new(&a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "sysman".to_owned())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_directory_and_its_files_are_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/data");
        let _lock = open(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(LOCK_FILE)), 0o600);
        let store = dir.join("sysman.db");
        make_private(&store).unwrap();
        assert_eq!(mode(&store), 0o600);
        // A store left 0644 by an older version, with its WAL, is narrowed.
        std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::write(dir.join("sysman.db-wal"), b"").unwrap();
        std::fs::set_permissions(
            dir.join("sysman.db-wal"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        make_private(&store).unwrap();
        assert_eq!(mode(&store), 0o600);
        assert_eq!(mode(&dir.join("sysman.db-wal")), 0o600);
    }

    #[test]
    fn a_second_opener_is_told_who_holds_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let first = open(dir.path()).unwrap();
        let err = open(dir.path()).err().unwrap();
        assert!(err.contains("is in use by process"), "{err}");
        assert!(err.contains(&std::process::id().to_string()), "{err}");
        drop(first);
        assert!(open(dir.path()).is_ok());
    }
}
