//! The messages this node has taken, kept on disk so that none is ever
//! run twice: delivery is at least once, and a message can come again
//! after a lost acknowledgement or a restart.
//!
//! An append-only log of JSON lines, synced on every write and rewritten
//! whole when it grows to twice the ids it keeps.

use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sysman_api::credentials::write_private;

/// How many message ids are remembered.
pub const KEEP: usize = 10_000;

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Started with these steps and not known to have finished.
    Running { steps: Vec<String> },
    /// Its final reply is in the spool, or sent.
    Done,
}

/// One line of the log.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Line {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    steps: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    done: bool,
}

/// The last [`KEEP`] messages taken.
#[derive(Debug)]
pub struct SeenList {
    path: PathBuf,
    keep: usize,
    entries: HashMap<String, Seen>,
    /// Oldest first; ids may repeat, the latest placement counts.
    order: VecDeque<String>,
    file: File,
    lines: usize,
}

impl SeenList {
    pub fn open(path: &Path) -> Result<SeenList, String> {
        SeenList::open_keeping(path, KEEP)
    }

    pub fn open_keeping(path: &Path, keep: usize) -> Result<SeenList, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let mut entries = HashMap::new();
        let mut order = VecDeque::new();
        for line in text.lines() {
            // A torn last line (the agent stopped mid-write) is skipped;
            // the rewrite below drops it.
            let Ok(line) = serde_json::from_str::<Line>(line) else {
                continue;
            };
            let seen = match (line.done, line.steps) {
                (true, _) => Seen::Done,
                (false, Some(steps)) => Seen::Running { steps },
                (false, None) => continue,
            };
            if !entries.contains_key(&line.id) {
                order.push_back(line.id.clone());
            }
            entries.insert(line.id, seen);
        }
        let file = open_append(path)?;
        let mut list = SeenList {
            path: path.to_owned(),
            keep: keep.max(1),
            entries,
            order,
            file,
            lines: 0,
        };
        list.evict();
        list.rewrite()?;
        Ok(list)
    }

    pub fn get(&self, message_id: &str) -> Option<&Seen> {
        self.entries.get(message_id)
    }

    /// Records, durably, that `message_id` starts running `steps`.
    pub fn start(&mut self, message_id: &str, steps: Vec<String>) -> Result<(), String> {
        self.append(&Line {
            id: message_id.to_owned(),
            steps: Some(steps.clone()),
            done: false,
        })?;
        self.insert(message_id, Seen::Running { steps });
        Ok(())
    }

    /// Records, durably, that `message_id` has its final reply spooled.
    pub fn finish(&mut self, message_id: &str) -> Result<(), String> {
        self.append(&Line {
            id: message_id.to_owned(),
            steps: None,
            done: true,
        })?;
        self.insert(message_id, Seen::Done);
        Ok(())
    }

    /// The messages that were running when the agent last stopped.
    pub fn running(&self) -> Vec<(String, Vec<String>)> {
        self.order
            .iter()
            .filter_map(|id| match self.entries.get(id) {
                Some(Seen::Running { steps }) => Some((id.clone(), steps.clone())),
                _ => None,
            })
            .collect()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn insert(&mut self, message_id: &str, seen: Seen) {
        if self.entries.insert(message_id.to_owned(), seen).is_none() {
            self.order.push_back(message_id.to_owned());
        }
        self.evict();
    }

    fn evict(&mut self) {
        while self.entries.len() > self.keep {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }

    fn append(&mut self, line: &Line) -> Result<(), String> {
        let mut json =
            serde_json::to_vec(line).map_err(|e| format!("cannot encode a seen entry: {e}"))?;
        json.push(b'\n');
        self.file
            .write_all(&json)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        self.lines += 1;
        if self.lines > self.keep.saturating_mul(2) {
            self.rewrite()?;
        }
        Ok(())
    }

    /// Writes the log anew with one line per kept id, atomically.
    fn rewrite(&mut self) -> Result<(), String> {
        let mut out = Vec::new();
        for id in &self.order {
            let line = match self.entries.get(id) {
                Some(Seen::Running { steps }) => Line {
                    id: id.clone(),
                    steps: Some(steps.clone()),
                    done: false,
                },
                Some(Seen::Done) => Line {
                    id: id.clone(),
                    steps: None,
                    done: true,
                },
                None => continue,
            };
            let json = serde_json::to_vec(&line)
                .map_err(|e| format!("cannot encode a seen entry: {e}"))?;
            out.extend_from_slice(&json);
            out.push(b'\n');
        }
        write_private(&self.path, &out)?;
        self.file = open_append(&self.path)?;
        self.lines = self.order.len();
        Ok(())
    }
}

fn open_append(path: &Path) -> Result<File, String> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_seen_is_remembered_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen");
        let mut seen = SeenList::open(&path).unwrap();
        assert!(seen.get("a").is_none());
        seen.start("a", vec!["one".into(), "two".into()]).unwrap();
        seen.start("b", vec!["one".into()]).unwrap();
        seen.finish("a").unwrap();
        drop(seen);

        let seen = SeenList::open(&path).unwrap();
        assert_eq!(seen.get("a"), Some(&Seen::Done));
        assert_eq!(
            seen.get("b"),
            Some(&Seen::Running {
                steps: vec!["one".into()]
            })
        );
        assert_eq!(seen.running(), [("b".to_owned(), vec!["one".to_owned()])]);
    }

    #[test]
    fn only_the_latest_ids_are_kept_and_the_file_stays_small() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen");
        let mut seen = SeenList::open_keeping(&path, 10).unwrap();
        for i in 0..100 {
            let id = format!("m{i}");
            seen.start(&id, vec!["s".into()]).unwrap();
            seen.finish(&id).unwrap();
        }
        assert_eq!(seen.len(), 10);
        assert!(seen.get("m89").is_none());
        assert_eq!(seen.get("m90"), Some(&Seen::Done));
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines <= 21, "{lines} lines for 10 ids");
        drop(seen);
        let seen = SeenList::open_keeping(&path, 10).unwrap();
        assert_eq!(seen.len(), 10);
        assert_eq!(seen.get("m99"), Some(&Seen::Done));
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_later_writes_are_sound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen");
        let mut seen = SeenList::open(&path).unwrap();
        seen.start("a", vec!["s".into()]).unwrap();
        drop(seen);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"Id":"b","Ste"#).unwrap();
        drop(file);

        let mut seen = SeenList::open(&path).unwrap();
        assert!(seen.get("b").is_none());
        seen.finish("a").unwrap();
        seen.start("c", vec!["s".into()]).unwrap();
        drop(seen);
        let seen = SeenList::open(&path).unwrap();
        assert_eq!(seen.get("a"), Some(&Seen::Done));
        assert!(matches!(seen.get("c"), Some(Seen::Running { .. })));
    }
}
