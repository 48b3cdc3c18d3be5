//! Where an invocation's output is stored: apart from its record, in
//! chunks that are only ever added.
//!
//! An agent replies every second while a step runs, each time with the
//! output since its last reply. Were the output part of the invocation's
//! record, each reply would rewrite all of it (up to 8 MiB a stream), and
//! a long, chatty command would cost the disk the square of its output.
//! Instead the record stays small and each reply that brings output adds
//! one chunk holding just that output: `{command}/{node}#{n}`, n from 1.

use serde::{Deserialize, Serialize};

use super::{InvocationRec, invocation_id};
use crate::store::{Change, Snapshot};

pub(super) const KIND: &str = "invocation-output";

/// The output of one reply, by step, in the invocation's step order.
#[derive(Serialize, Deserialize)]
struct Chunk {
    steps: Vec<StepOutput>,
}

#[derive(Serialize, Deserialize)]
struct StepOutput {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    stdout: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    stderr: String,
}

fn chunk_id(inv: &InvocationRec, n: u32) -> String {
    format!("{}#{n}", invocation_id(&inv.command_id, &inv.instance_id))
}

/// The changes that store `inv`: a chunk of the output it gained since it
/// was last stored, if any, then its record. Output only ever grows.
pub(super) fn store(inv: &mut InvocationRec) -> Vec<Change> {
    let mut changes = Vec::with_capacity(2);
    let steps: Vec<StepOutput> = inv
        .plugins
        .iter_mut()
        .map(|p| {
            let new = |text: &str, stored: usize| text.get(stored..).unwrap_or("").to_owned();
            let step = StepOutput {
                stdout: new(&p.stdout, p.stored.0),
                stderr: new(&p.stderr, p.stored.1),
            };
            p.stored = (p.stdout.len(), p.stderr.len());
            step
        })
        .collect();
    if steps
        .iter()
        .any(|s| !s.stdout.is_empty() || !s.stderr.is_empty())
    {
        inv.output_chunks += 1;
        changes.push(Change::Put {
            kind: KIND,
            id: chunk_id(inv, inv.output_chunks),
            body: serde_json::to_string(&Chunk { steps }).unwrap_or_default(),
        });
    }
    changes.push(inv.record_change());
    changes
}

/// The changes that remove `inv`'s output with it.
pub(super) fn forget(inv: &InvocationRec) -> impl Iterator<Item = Change> + '_ {
    (1..=inv.output_chunks).map(|n| Change::Delete {
        kind: KIND,
        id: chunk_id(inv, n),
    })
}

/// Puts each stored chunk's output back into its invocation, in order.
/// Records written before output was kept apart hold their output
/// themselves; it is marked unstored, so the next change stores it as a
/// chunk before the record is rewritten without it.
pub(super) fn load<'a>(
    snapshot: &Snapshot,
    invocations: impl Iterator<Item = &'a mut InvocationRec>,
) -> Result<(), String> {
    let chunks = snapshot.get(KIND);
    for inv in invocations {
        for p in &mut inv.plugins {
            p.stored = (0, 0);
        }
        if inv.output_chunks == 0 {
            continue;
        }
        for p in &mut inv.plugins {
            p.stdout.clear();
            p.stderr.clear();
        }
        for n in 1..=inv.output_chunks {
            let id = chunk_id(inv, n);
            let body = chunks
                .and_then(|c| c.get(&id))
                .ok_or_else(|| format!("stored output {id} is missing"))?;
            let chunk: Chunk = serde_json::from_str(body)
                .map_err(|e| format!("stored output {id} cannot be read: {e}"))?;
            for (p, step) in inv.plugins.iter_mut().zip(chunk.steps) {
                p.stdout.push_str(&step.stdout);
                p.stderr.push_str(&step.stderr);
            }
        }
        for p in &mut inv.plugins {
            p.stored = (p.stdout.len(), p.stderr.len());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// A record as versions before this one wrote it: output inside.
    fn legacy() -> InvocationRec {
        serde_json::from_value(serde_json::json!({
            "command_id": "c1", "instance_id": "mi-0123456789abcdef0", "index": 0,
            "instance_name": null, "platform": null, "status": "InProgress",
            "details": "InProgress", "dispatched": null, "acked": null, "finished": null,
            "sequence": 3, "cancel_pending": false,
            "plugins": [{
                "name": "runShellScript", "status": "InProgress", "details": "InProgress",
                "response_code": -1, "started": null, "finished": null,
                "stdout": "old out\n", "stderr": "old err\n"
            }]
        }))
        .unwrap()
    }

    fn snapshot(changes: &[Change]) -> Snapshot {
        let mut snapshot: Snapshot = BTreeMap::new();
        for change in changes {
            if let Change::Put { kind, id, body } = change {
                snapshot
                    .entry((*kind).to_owned())
                    .or_default()
                    .insert(id.clone(), body.clone());
            }
        }
        snapshot
    }

    #[test]
    fn output_in_an_old_record_moves_to_a_chunk_on_its_next_change() {
        let mut inv = legacy();
        load(&Snapshot::new(), std::iter::once(&mut inv)).unwrap();
        assert_eq!(inv.plugins[0].stdout, "old out\n");
        inv.plugins[0].stdout.push_str("new out\n");
        let changes = store(&mut inv);
        assert_eq!(changes.len(), 2, "a chunk, then the record");
        let Change::Put { body, .. } = &changes[1] else {
            panic!("a put")
        };
        assert!(
            !body.contains("out\\n"),
            "the record holds no output: {body}"
        );
        // Read back as a restart would.
        let snapshot = snapshot(&changes);
        let mut again: InvocationRec = serde_json::from_str(body).unwrap();
        load(&snapshot, std::iter::once(&mut again)).unwrap();
        assert_eq!(again.plugins[0].stdout, "old out\nnew out\n");
        assert_eq!(again.plugins[0].stderr, "old err\n");
        // A change without new output stores the record alone.
        assert_eq!(store(&mut again).len(), 1);
    }

    #[test]
    fn a_missing_chunk_is_an_error_naming_it() {
        let mut inv = legacy();
        inv.output_chunks = 2;
        let err = load(&Snapshot::new(), std::iter::once(&mut inv)).unwrap_err();
        assert!(
            err.contains("c1/mi-0123456789abcdef0#1 is missing"),
            "{err}"
        );
    }
}
