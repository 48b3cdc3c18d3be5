//! The spool: every reply is written here before it is sent and removed
//! once the server has it, so replies survive the server going away and
//! the agent restarting. Replies leave in the order they came in, which
//! keeps each message's sequence numbers rising on the wire.

use std::collections::VecDeque;
use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use sysman_api::commands::SendReply;
use sysman_api::credentials::write_private;

/// A reply waiting in the spool.
#[derive(Debug)]
enum Entry {
    /// In `<number>.json`.
    File(u64),
    /// Could not be written to disk: kept here, lost if the agent stops.
    Memory(u64, Box<SendReply>),
}

impl Entry {
    fn number(&self) -> u64 {
        match self {
            Entry::File(n) | Entry::Memory(n, _) => *n,
        }
    }
}

/// The replies not yet accepted by the server, oldest first.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    queue: VecDeque<Entry>,
    next: u64,
}

impl Spool {
    /// Opens the spool in `dir`, creating it (mode 0700): replies carry
    /// command output, which may hold secrets. What an earlier run left
    /// is queued first, in its order.
    pub fn open(dir: &Path) -> Result<Spool, String> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create the spool {}: {e}", dir.display()))?;
        let listing =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let mut numbers = Vec::new();
        for item in listing {
            let item = item.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            let name = item.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(n) = name.strip_suffix(".json").and_then(|n| n.parse().ok()) {
                numbers.push(n);
            } else if name.ends_with(".tmp") {
                // Half written when the agent stopped: never acknowledged
                // to anyone, so nothing is lost by removing it.
                let _ = std::fs::remove_file(item.path());
            }
        }
        numbers.sort_unstable();
        let next = numbers.last().map_or(1, |n| n + 1);
        Ok(Spool {
            dir: dir.to_owned(),
            queue: numbers.into_iter().map(Entry::File).collect(),
            next,
        })
    }

    fn path(&self, number: u64) -> PathBuf {
        // Zero-padded so a directory listing sorts in queue order.
        self.dir.join(format!("{number:020}.json"))
    }

    /// Queues `reply`, on disk and synced. If the disk refuses, the reply
    /// is kept in memory instead: late is better than lost.
    pub fn push(&mut self, reply: &SendReply) {
        let number = self.next;
        self.next += 1;
        let written = serde_json::to_vec(reply)
            .map_err(|e| format!("cannot encode a reply: {e}"))
            .and_then(|json| write_private(&self.path(number), &json));
        match written {
            Ok(()) => self.queue.push_back(Entry::File(number)),
            Err(e) => {
                tracing::warn!(
                    message_id = %reply.message_id,
                    "cannot spool a reply, keeping it in memory: {e}"
                );
                self.queue
                    .push_back(Entry::Memory(number, Box::new(reply.clone())));
            }
        }
    }

    /// The oldest reply and its number. A spooled file that cannot be read
    /// back is dropped with a warning: it would block every later reply.
    pub fn front(&mut self) -> Option<(u64, SendReply)> {
        loop {
            let entry = self.queue.front()?;
            let number = entry.number();
            let loaded = match entry {
                Entry::Memory(_, reply) => Ok((**reply).clone()),
                Entry::File(n) => {
                    let path = self.path(*n);
                    std::fs::read(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))
                        .and_then(|bytes| {
                            serde_json::from_slice(&bytes)
                                .map_err(|e| format!("{} is not a reply: {e}", path.display()))
                        })
                }
            };
            match loaded {
                Ok(reply) => return Some((number, reply)),
                Err(e) => {
                    tracing::warn!("dropping a spooled reply: {e}");
                    self.remove(number);
                }
            }
        }
    }

    /// Forgets reply `number`: the server has it, or will never take it.
    pub fn remove(&mut self, number: u64) {
        let Some(at) = self.queue.iter().position(|e| e.number() == number) else {
            return;
        };
        if let Some(Entry::File(n)) = self.queue.remove(at) {
            let path = self.path(n);
            if let Err(e) = std::fs::remove_file(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!("cannot remove {}: {e}", path.display());
            }
        }
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn reply(message: &str, sequence: i64) -> SendReply {
        SendReply {
            instance_id: "mi-0123456789abcdef0".into(),
            message_id: message.into(),
            sequence,
            steps: Vec::new(),
        }
    }

    #[test]
    fn replies_survive_a_restart_in_order_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool");
        let mut spool = Spool::open(&path).unwrap();
        assert!(spool.front().is_none());
        for seq in 1..=3 {
            spool.push(&reply("m1", seq));
        }
        spool.push(&reply("m2", 1));
        let (first, r) = spool.front().unwrap();
        assert_eq!((r.message_id.as_str(), r.sequence), ("m1", 1));
        spool.remove(first);
        drop(spool);

        // "Restart": a new spool over the same directory.
        let mut spool = Spool::open(&path).unwrap();
        assert_eq!(spool.len(), 3);
        let mut seen = Vec::new();
        while let Some((n, r)) = spool.front() {
            seen.push((r.message_id, r.sequence));
            spool.remove(n);
        }
        assert_eq!(seen, [("m1".into(), 2), ("m1".into(), 3), ("m2".into(), 1)]);
        assert_eq!(spool.len(), 0);
        assert_eq!(std::fs::read_dir(&path).unwrap().count(), 0);

        // Numbers go on rising after a restart, so order holds.
        spool.push(&reply("m3", 1));
        drop(spool);
        let mut spool = Spool::open(&path).unwrap();
        spool.push(&reply("m3", 2));
        let (n, r) = spool.front().unwrap();
        assert_eq!(r.sequence, 1);
        spool.remove(n);
        assert_eq!(spool.front().unwrap().1.sequence, 2);
    }

    #[test]
    fn spooled_replies_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool");
        let mut spool = Spool::open(&path).unwrap();
        spool.push(&reply("m", 1));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o700);
        let file = std::fs::read_dir(&path).unwrap().next().unwrap().unwrap();
        assert_eq!(mode(&file.path()), 0o600);
    }

    #[test]
    fn broken_files_are_dropped_and_half_written_ones_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool");
        let mut spool = Spool::open(&path).unwrap();
        spool.push(&reply("m", 1));
        spool.push(&reply("m", 2));
        drop(spool);
        std::fs::write(path.join(format!("{:020}.json", 1)), "not json").unwrap();
        std::fs::write(path.join(format!("{:020}.tmp", 3)), "half").unwrap();
        let mut spool = Spool::open(&path).unwrap();
        assert!(!path.join(format!("{:020}.tmp", 3)).exists());
        let (_, r) = spool.front().unwrap();
        assert_eq!(r.sequence, 2);
        assert_eq!(spool.len(), 1);
    }

    #[test]
    fn a_reply_the_disk_refuses_is_kept_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool");
        let mut spool = Spool::open(&path).unwrap();
        // The directory vanishing makes every write fail.
        std::fs::remove_dir(&path).unwrap();
        spool.push(&reply("m", 1));
        let (n, r) = spool.front().unwrap();
        assert_eq!(r.sequence, 1);
        spool.remove(n);
        assert_eq!(spool.len(), 0);
    }
}
