//! Each step's whole output, written to the object store when its
//! invocation ends, if the command named an `OutputS3BucketName`.
//!
//! What to write is decided under the commands lock (it is part of the
//! invocation's end), and written by a task once the end is committed:
//! no lock waits on a disk or a network, and a write that fails is
//! logged and counted but never undoes the result it carries.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};
use sysman_api::ApiError;
use sysman_api::commands::SendCommand;

use super::{CommandRec, InvocationRec, PluginRec, StepSpec};
use crate::Inner;
use crate::objects::{self, ObjectStore};

/// Where a command's output goes, as its SendCommand gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OutputTo {
    pub bucket: String,
    #[serde(default)]
    pub prefix: String,
    /// `OutputS3Region`, or the server's region when not given.
    pub region: String,
}

/// One object to write.
pub(crate) struct Upload {
    bucket: String,
    key: String,
    body: String,
}

/// The output location a SendCommand asks for, checked so that every key
/// its steps will write is one the store keeps (`..` or an absolute path
/// in the prefix, or a step named `..`, is refused here, not at write).
pub(super) fn requested(
    req: &SendCommand,
    steps: &[StepSpec],
    server_region: &str,
) -> Result<Option<OutputTo>, ApiError> {
    let Some(bucket) = req.output_s3_bucket_name.clone() else {
        if req.output_s3_key_prefix.is_some() {
            return Err(ApiError::validation(
                "OutputS3KeyPrefix is given without OutputS3BucketName; name the bucket too",
            ));
        }
        return Ok(None);
    };
    objects::check_bucket(&bucket)?;
    let prefix = req.output_s3_key_prefix.clone().unwrap_or_default();
    crate::validate::length(Some(&prefix), "outputS3KeyPrefix", 0, 500)?;
    crate::validate::length(req.output_s3_region.as_deref(), "outputS3Region", 3, 20)?;
    if !objects::trim_prefix(&prefix).is_empty() {
        objects::check_key(objects::trim_prefix(&prefix), "OutputS3KeyPrefix")?;
    }
    let to = OutputTo {
        bucket,
        prefix,
        region: req
            .output_s3_region
            .clone()
            .unwrap_or_else(|| server_region.to_owned()),
    };
    // The command and instance ids are ours and plain; what else goes
    // into a key is the prefix (checked above) and the steps' names.
    for (index, step) in steps.iter().enumerate() {
        let key = objects::output_key(
            &objects::plugin_folder(&to.prefix, "c", "i", &step.action),
            &objects::step_folder(index, &step.name, &step.action),
            "stdout",
        );
        objects::check_key(&key, "output key")?;
    }
    Ok(Some(to))
}

/// The folder and the stdout/stderr keys of `plugin` in `inv`.
fn keys(rec: &CommandRec, to: &OutputTo, inv: &InvocationRec, plugin: &PluginRec) -> Keys {
    let (index, action) = rec
        .steps
        .iter()
        .enumerate()
        .find(|(_, s)| s.name == plugin.name)
        .map_or((0, plugin.name.as_str()), |(i, s)| (i, s.action.as_str()));
    let folder = objects::plugin_folder(&to.prefix, &inv.command_id, &inv.instance_id, action);
    let step = objects::step_folder(index, &plugin.name, action);
    Keys {
        stdout: objects::output_key(&folder, &step, "stdout"),
        stderr: objects::output_key(&folder, &step, "stderr"),
        folder,
    }
}

struct Keys {
    folder: String,
    stdout: String,
    stderr: String,
}

/// Whether the step ran in an invocation that ended: its output is
/// written, and the URLs to it are shown.
fn written(inv: &InvocationRec, plugin: &PluginRec) -> bool {
    inv.status.is_terminal()
        && (plugin.started.is_some() || !plugin.stdout.is_empty() || !plugin.stderr.is_empty())
}

/// The objects to write now that `inv` ended.
pub(super) fn uploads(rec: &CommandRec, inv: &InvocationRec) -> Vec<Upload> {
    let Some(to) = &rec.output else {
        return Vec::new();
    };
    inv.plugins
        .iter()
        .filter(|p| written(inv, p))
        .flat_map(|plugin| {
            let keys = keys(rec, to, inv, plugin);
            [
                (keys.stdout, plugin.stdout.clone()),
                (keys.stderr, plugin.stderr.clone()),
            ]
        })
        .map(|(key, body)| Upload {
            bucket: to.bucket.clone(),
            key,
            body,
        })
        .collect()
}

/// What the wire shows of a step's output location: bucket, folder,
/// region, and the stdout and stderr URLs once they are written.
pub(super) struct Shown {
    pub bucket: String,
    pub folder: String,
    pub region: String,
    pub stdout_url: String,
    pub stderr_url: String,
}

pub(super) fn shown(
    b: &Inner,
    rec: &CommandRec,
    inv: &InvocationRec,
    plugin: &PluginRec,
) -> Option<Shown> {
    let to = rec.output.as_ref()?;
    let keys = keys(rec, to, inv, plugin);
    let url = |key: &str| {
        if written(inv, plugin) {
            b.output_store.url(&to.region, &to.bucket, key)
        } else {
            String::new()
        }
    };
    Some(Shown {
        bucket: to.bucket.clone(),
        stdout_url: url(&keys.stdout),
        stderr_url: url(&keys.stderr),
        folder: keys.folder,
        region: to.region.clone(),
    })
}

/// Writes `uploads` on a task of their own. Called once the invocations'
/// end is committed, outside every lock.
pub(crate) fn spawn(b: &Inner, uploads: Vec<Upload>) {
    if uploads.is_empty() {
        return;
    }
    let store: Arc<dyn ObjectStore> = b.output_store.clone();
    let failures = b.output_write_failures.clone();
    tokio::spawn(async move {
        for upload in uploads {
            if let Err(e) = store
                .put(&upload.bucket, &upload.key, upload.body.into_bytes())
                .await
            {
                failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("command output not written to the object store: {e}");
            }
        }
    });
}
