//! Where command output goes when a SendCommand names an
//! `OutputS3BucketName`: an object store behind one seam, [`ObjectStore`].
//!
//! - `dir`: a directory, `<data dir>/objects/<bucket>/<key>` (the default);
//! - `memory`: a map, for in-memory backends and tests;
//! - `s3`: any S3-compatible endpoint (MinIO, AWS S3, ...).
//!
//! Bucket and key are checked here, once, before any store sees them, so
//! no name a caller gives can reach outside the store's directory.

mod dir;
mod memory;
mod s3;

use futures_util::future::BoxFuture;
use sysman_api::ApiError;

pub use dir::DirStore;
pub use memory::MemoryStore;
pub use s3::{S3Config, S3Store};

/// A place that keeps objects by bucket and key.
pub trait ObjectStore: Send + Sync + 'static {
    /// Writes `body` whole at `bucket`/`key`, replacing what was there.
    /// Bucket and key have passed [`check_bucket`] and [`check_key`].
    fn put<'a>(
        &'a self,
        bucket: &'a str,
        key: &'a str,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), String>>;

    /// Where the object is, as a URL a person can follow. `region` is the
    /// command's `OutputS3Region` (or the server's region).
    fn url(&self, region: &str, bucket: &str, key: &str) -> String;
}

/// `OutputS3BucketName`: S3's rules for bucket names (3–63 lower-case
/// letters, digits, dots and hyphens, a letter or digit at each end, no
/// two dots together), which also keep it one plain path segment.
pub fn check_bucket(bucket: &str) -> Result<(), ApiError> {
    let bytes = bucket.as_bytes();
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ok = (3..=63).contains(&bytes.len())
        && bytes.iter().all(|&b| edge(b) || b == b'.' || b == b'-')
        && bytes.first().copied().is_some_and(edge)
        && bytes.last().copied().is_some_and(edge)
        && !bucket.contains("..");
    if ok {
        return Ok(());
    }
    Err(ApiError::validation(format!(
        "The S3 bucket name '{}' is not valid: a bucket name is 3 to 63 lower-case letters, \
         digits, dots and hyphens, begins and ends with a letter or digit, and has no two \
         dots together",
        printable(bucket)
    )))
}

/// A key, or `OutputS3KeyPrefix` (`what` names it): segments separated by
/// `/`, none empty, `.` or `..`, no leading `/`, no NUL, backslash or
/// other control character. Such a key means the same in S3 and as a
/// relative path under the bucket's directory, and cannot leave it.
pub fn check_key(key: &str, what: &str) -> Result<(), ApiError> {
    let fault = if key.is_empty() {
        Some("is empty")
    } else if key.starts_with('/') {
        Some("begins with '/'")
    } else if key.chars().any(|c| c.is_control()) {
        Some("holds a control character")
    } else if key.contains('\\') {
        Some("holds a backslash")
    } else if key
        .split('/')
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        Some("has an empty, '.' or '..' path segment")
    } else {
        None
    };
    match fault {
        None => Ok(()),
        Some(fault) => Err(ApiError::validation(format!(
            "The {what} '{}' {fault}; give segments of letters, digits and punctuation \
             separated by single '/'",
            printable(key)
        ))),
    }
}

/// `path` as it may stand in a URL: every byte but letters, digits,
/// `-._~` and `/` percent-encoded, as S3 encodes keys in its URLs.
pub fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `text` with control characters escaped, to quote it in a message.
fn printable(text: &str) -> String {
    text.chars().flat_map(char::escape_debug).collect()
}

/// `OutputS3KeyPrefix` without the slash that may end it (`logs/` and
/// `logs` name the same folder). A leading slash stays, to be refused.
pub fn trim_prefix(prefix: &str) -> &str {
    prefix.trim_end_matches('/')
}

/// The folder of one step's output, AWS's layout: what the agent reports
/// as the plugin's `OutputS3KeyPrefix`,
/// `<prefix>/<command id>/<instance id>/<action without ':'>`. The
/// objects are `<folder>/<step folder>/stdout` and `.../stderr`, where the
/// step folder is `<n>.<action without ':'>` for a schema 1.2 plugin
/// (`0.awsrunShellScript`) and the step's name for schema 2.2.
///
/// Sources: the agent's own reply in aws/amazon-ssm-agent issue #106
/// (`outputS3KeyPrefix: testxyz/<command>/<instance>/awsrunShellScript`),
/// and real listings such as CIROH-UA/ngen-datastream pull request 305
/// (`ssm-logs/.../<command>/<instance>/awsrunShellScript/0.awsrunShellScript/stdout`).
pub fn plugin_folder(prefix: &str, command_id: &str, instance_id: &str, action: &str) -> String {
    let action = action.replace(':', "");
    match trim_prefix(prefix) {
        "" => format!("{command_id}/{instance_id}/{action}"),
        prefix => format!("{prefix}/{command_id}/{instance_id}/{action}"),
    }
}

/// The folder of one step inside [`plugin_folder`]. A schema 1.2 plugin's
/// step is named after its action (`aws:runShellScript`, which no 2.2 step
/// name can be: they hold no ':'), and numbered by its place.
pub fn step_folder(index: usize, name: &str, action: &str) -> String {
    if name.contains(':') {
        format!("{index}.{}", action.replace(':', ""))
    } else {
        name.to_owned()
    }
}

/// The key of one stream (`stdout` or `stderr`) of one step.
pub fn output_key(plugin_folder: &str, step_folder: &str, stream: &str) -> String {
    format!("{plugin_folder}/{step_folder}/{stream}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_1_2_plugin_keys_follow_aws() {
        let folder = plugin_folder("logs/", "cmd-1", "i-0123", "aws:runShellScript");
        assert_eq!(folder, "logs/cmd-1/i-0123/awsrunShellScript");
        let step = step_folder(0, "aws:runShellScript", "aws:runShellScript");
        assert_eq!(
            output_key(&folder, &step, "stdout"),
            "logs/cmd-1/i-0123/awsrunShellScript/0.awsrunShellScript/stdout"
        );
    }

    #[test]
    fn schema_2_2_step_keys_use_the_step_name() {
        let folder = plugin_folder("", "cmd-1", "i-0123", "aws:runShellScript");
        let step = step_folder(1, "PatchLinux", "aws:runShellScript");
        assert_eq!(
            output_key(&folder, &step, "stderr"),
            "cmd-1/i-0123/awsrunShellScript/PatchLinux/stderr"
        );
    }

    #[test]
    fn bucket_names_that_could_leave_the_store_are_refused() {
        for bad in [
            "..", "../etc", "a/b", "/abs", "ab\0c", "a..b", "UPPER", ".ab", "ab-", "ab", "", "a\\b",
        ] {
            let err = check_bucket(bad).unwrap_err();
            assert_eq!(err.code, "ValidationException", "{bad:?}");
        }
        for good in ["my-bucket", "logs.example.com", "abc", "0ab9"] {
            assert!(check_bucket(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn keys_that_could_leave_the_store_are_refused() {
        for bad in [
            "..",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a\0b",
            "a//b",
            "./a",
            "a/.",
            "a\\..\\b",
            "a\nb",
            "",
        ] {
            let err = check_key(bad, "key").unwrap_err();
            assert_eq!(err.code, "ValidationException", "{bad:?}");
        }
        for good in ["logs", "logs/2026/run-1", "a.b/c..d", "weird name/x"] {
            assert!(check_key(good, "key").is_ok(), "{good}");
        }
    }

    #[test]
    fn url_paths_encode_what_a_url_cannot_hold() {
        assert_eq!(url_path("/srv/a b/0.x~y/é"), "/srv/a%20b/0.x~y/%C3%A9");
    }
}
