//! The durable store: SQLite in WAL mode with `synchronous=FULL`.
//!
//! Its interface is narrow on purpose — records of a kind keyed by id, put
//! or deleted in one atomic batch together with the audit record of the call
//! that made them — so another store (PostgreSQL) can stand in later.
//!
//! One writer thread owns the connection and drains a queue into one
//! transaction at a time (group commit): a write is acknowledged only after
//! its transaction committed and synced, yet thousands of writes a second
//! share a handful of syncs. Audit records of reads ride along in the same
//! batches, so a read costs no sync of its own.
//!
//! An in-memory store keeps no records: records exist to be read back when
//! a store reopens, which an in-memory one never does, and every module
//! holds its own state anyway. It keeps the newest [`AUDIT_WINDOW`] audit
//! records, so a long-lived `--ephemeral` server (agents' empty polls are
//! audited too) does not grow without end; its chain is verified from the
//! oldest record kept.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod bound;

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use sysman_api::{ApiError, Timestamp};
use tokio::sync::oneshot;

/// Numbered schema migrations; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: records of every kind, and the hash-chained audit trail. Records
    // are rowid rows (bodies of hundreds of bytes append cheaply) with a
    // small index on (kind, id).
    "CREATE TABLE records (
         kind TEXT NOT NULL,
         id   TEXT NOT NULL,
         body TEXT NOT NULL,
         PRIMARY KEY (kind, id)
     );
     CREATE TABLE audit (
         seq       INTEGER PRIMARY KEY,
         time_ms   INTEGER NOT NULL,
         principal TEXT NOT NULL,
         operation TEXT NOT NULL,
         resource  TEXT NOT NULL,
         outcome   TEXT NOT NULL,
         request   TEXT NOT NULL,
         hash      TEXT NOT NULL
     );",
];

/// How long audit records of reads may wait for company before they commit.
const READ_AUDIT_LINGER: Duration = Duration::from_millis(5);
/// How long the writer naps between looks while read audits linger.
const LINGER_NAP: Duration = Duration::from_millis(1);
/// Most jobs one transaction takes.
const MAX_BATCH: usize = 20_000;
/// Most jobs waiting for the writer. A caller that finds the queue full
/// waits for room (with the lock under which it decided its change, so
/// order is kept): when the disk falls behind, the backend slows down
/// instead of holding an ever longer queue in memory.
#[cfg(not(test))]
const QUEUE_BOUND: usize = 4 * MAX_BATCH;
#[cfg(test)]
const QUEUE_BOUND: usize = 64;
/// Audit records an in-memory store keeps, and how many it appends between
/// trims.
#[cfg(not(test))]
pub const AUDIT_WINDOW: i64 = 100_000;
#[cfg(not(test))]
const TRIM_EVERY: usize = 10_000;
#[cfg(test)]
pub const AUDIT_WINDOW: i64 = 100;
#[cfg(test)]
const TRIM_EVERY: usize = 10;

/// One change to a record.
#[derive(Debug, Clone)]
pub enum Change {
    Put {
        kind: &'static str,
        id: String,
        body: String,
    },
    Delete {
        kind: &'static str,
        id: String,
    },
}

/// What the audit trail keeps of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub time: Timestamp,
    pub principal: String,
    pub operation: String,
    pub resource: String,
    /// `Success`, or the error code the call failed with.
    pub outcome: String,
    /// The request with its secret fields redacted, as JSON.
    pub request: String,
}

impl AuditRecord {
    fn chain_hash(&self, previous: &str) -> String {
        let mut h = Sha256::new();
        for part in [
            previous,
            &self.time.millis().to_string(),
            &self.principal,
            &self.operation,
            &self.resource,
            &self.outcome,
            &self.request,
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

type Query = Box<dyn FnOnce(&Connection) + Send>;

enum Job {
    Write {
        changes: Vec<Change>,
        audit: AuditRecord,
        done: oneshot::Sender<Result<(), String>>,
    },
    Audit(AuditRecord),
    Query(Query),
    Flush(oneshot::Sender<()>),
    /// Commits `audit` alone as a probe of whether the store takes writes
    /// again; if it does, answers with every record on disk.
    Recover {
        audit: AuditRecord,
        done: oneshot::Sender<Result<Option<Snapshot>, String>>,
    },
}

/// Every record the store held when it opened, by kind and id.
pub type Snapshot = BTreeMap<String, BTreeMap<String, String>>;

/// Whether the last commit failed, and why.
#[derive(Default)]
struct Health {
    failed: AtomicBool,
    reason: parking_lot::Mutex<String>,
}

impl Health {
    fn fail(&self, reason: String) {
        *self.reason.lock() = reason;
        self.failed.store(true, Ordering::Release);
    }
}

#[derive(Clone)]
pub struct Store {
    jobs: mpsc::SyncSender<Job>,
    health: Arc<Health>,
    /// In memory: the audit trail holds the newest records only.
    windowed: bool,
}

impl Store {
    /// Opens (creating if needed) the store at `path`, or an in-memory one,
    /// runs pending migrations and returns every record it holds.
    pub fn open(path: Option<&Path>) -> Result<(Store, Snapshot), String> {
        let conn = match path {
            Some(p) => Connection::open(p),
            None => Connection::open_in_memory(),
        }
        .map_err(|e| format!("cannot open the store: {e}"))?;
        let setup = || -> rusqlite::Result<Snapshot> {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            conn.pragma_update(None, "temp_store", "MEMORY")?;
            migrate(&conn)?;
            read_snapshot(&conn)
        };
        let snapshot = setup().map_err(|e| format!("cannot prepare the store: {e}"))?;
        let last_hash: String = conn
            .query_row(
                "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| format!("cannot read the audit trail: {e}"))?
            .unwrap_or_default();

        let (jobs, rx) = mpsc::sync_channel(QUEUE_BOUND);
        let health = Arc::new(Health::default());
        let writer = Writer {
            conn,
            last_hash,
            health: health.clone(),
            in_memory: path.is_none(),
            since_trim: 0,
        };
        std::thread::Builder::new()
            .name("sysman-store".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| format!("cannot start the store writer: {e}"))?;
        let windowed = path.is_none();
        Ok((
            Store {
                jobs,
                health,
                windowed,
            },
            snapshot,
        ))
    }

    /// Queues `changes` and their audit record as one atomic unit. The
    /// returned future resolves once they are committed and synced.
    pub fn commit(
        &self,
        changes: Vec<Change>,
        audit: AuditRecord,
    ) -> impl Future<Output = Result<(), ApiError>> + Send + 'static + use<> {
        let (done, wait) = oneshot::channel();
        let sent = self.check().and_then(|()| {
            self.jobs
                .send(Job::Write {
                    changes,
                    audit: bound::bound(audit),
                    done,
                })
                .map_err(|_| ApiError::internal("the store writer has stopped"))
        });
        async move {
            sent?;
            match wait.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(ApiError::internal(format!(
                    "the store failed to commit: {e}"
                ))),
                Err(_) => Err(ApiError::internal("the store writer has stopped")),
            }
        }
    }

    /// Appends the audit record of a call that changed nothing. It commits
    /// with the next batch; the caller does not wait for it.
    pub fn append_audit(&self, audit: AuditRecord) {
        let _ = self.jobs.send(Job::Audit(bound::bound(audit)));
    }

    /// Resolves once everything queued before it is committed.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.jobs.send(Job::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    /// Runs a read on the writer's connection, after everything queued
    /// before it has committed.
    pub async fn query<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let (tx, rx) = oneshot::channel();
        let job: Query = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        self.jobs
            .send(Job::Query(job))
            .map_err(|_| ApiError::internal("the store has stopped"))?;
        rx.await
            .map_err(|_| ApiError::internal("the store has stopped"))?
            .map_err(|e| ApiError::internal(format!("store query failed: {e}")))
    }

    /// Errors once a commit has failed, until [`Store::recover`] succeeds:
    /// memory may then hold changes the disk does not.
    pub fn check(&self) -> Result<(), ApiError> {
        match self.failure() {
            None => Ok(()),
            Some(reason) => Err(unavailable(&reason)),
        }
    }

    /// Why the store refuses work, if it does.
    pub fn failure(&self) -> Option<String> {
        self.health
            .failed
            .load(Ordering::Acquire)
            .then(|| self.health.reason.lock().clone())
    }

    /// Tries a write again after a failed commit. If the store takes it,
    /// returns every record on disk (`None` in memory, where memory is the
    /// only copy), for the caller to reload memory from; the store accepts
    /// writes again once the caller says [`Store::recovered`].
    pub async fn recover(&self, audit: AuditRecord) -> Result<Option<Snapshot>, String> {
        let (done, wait) = oneshot::channel();
        self.jobs
            .send(Job::Recover {
                audit: bound::bound(audit),
                done,
            })
            .map_err(|_| "the store writer has stopped".to_owned())?;
        wait.await
            .unwrap_or_else(|_| Err("the store writer has stopped".to_owned()))
    }

    /// Accepts writes again, after memory was reloaded from the records
    /// [`Store::recover`] returned.
    pub fn recovered(&self) {
        self.health.failed.store(false, Ordering::Release);
    }

    /// Caps the store's size in pages, as a full disk would: for fault
    /// tests. `None` lifts the cap.
    pub async fn limit_pages(&self, pages: Option<u64>) -> Result<(), ApiError> {
        let pages = pages.map_or(i64::from(u32::MAX - 1), |p| p as i64);
        self.query(move |conn| conn.pragma_update(None, "max_page_count", pages))
            .await
    }

    /// Every audit record kept, oldest first.
    pub async fn audit_records(&self) -> Result<Vec<AuditRecord>, ApiError> {
        self.query(|conn| {
            let mut stmt = conn.prepare(
                "SELECT time_ms, principal, operation, resource, outcome, request
                 FROM audit ORDER BY seq",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(AuditRecord {
                    time: Timestamp(r.get(0)?),
                    principal: r.get(1)?,
                    operation: r.get(2)?,
                    resource: r.get(3)?,
                    outcome: r.get(4)?,
                    request: r.get(5)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// Recomputes the audit hash chain; returns how many records it holds,
    /// or the sequence number of the first record that does not match. In
    /// memory, where older records are trimmed, the chain starts at the
    /// oldest one kept.
    pub async fn verify_audit_chain(&self) -> Result<Result<u64, i64>, ApiError> {
        let windowed = self.windowed;
        self.query(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT seq, time_ms, principal, operation, resource, outcome, request, hash
                 FROM audit ORDER BY seq",
            )?;
            let mut rows = stmt.query([])?;
            let mut previous = String::new();
            let mut count = 0;
            while let Some(r) = rows.next()? {
                let record = AuditRecord {
                    time: Timestamp(r.get(1)?),
                    principal: r.get(2)?,
                    operation: r.get(3)?,
                    resource: r.get(4)?,
                    outcome: r.get(5)?,
                    request: r.get(6)?,
                };
                let stored: String = r.get(7)?;
                let trimmed_before = windowed && count == 0 && r.get::<_, i64>(0)? > 1;
                if !trimmed_before && record.chain_hash(&previous) != stored {
                    return Ok(Err(r.get(0)?));
                }
                previous = stored;
                count += 1;
            }
            Ok(Ok(count))
        })
        .await
    }
}

/// The error of a call the failed store cannot serve, with why.
fn unavailable(reason: &str) -> ApiError {
    ApiError::new(
        "ServiceUnavailable",
        format!(
            "the store could not commit a change ({reason}); sysman serves nothing until a \
             write succeeds again, which it tries by itself: free disk space or fix the data \
             directory"
        ),
    )
}

/// Every record in the store, by kind and id.
fn read_snapshot(conn: &Connection) -> rusqlite::Result<Snapshot> {
    let mut snapshot = Snapshot::new();
    let mut stmt = conn.prepare("SELECT kind, id, body FROM records")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (kind, id, body) = row?;
        snapshot.entry(kind).or_default().insert(id, body);
    }
    Ok(snapshot)
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let done: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            i + 1
        ))?;
    }
    Ok(())
}

struct Writer {
    conn: Connection,
    last_hash: String,
    health: Arc<Health>,
    /// Keeps no records, and a window of the audit trail.
    in_memory: bool,
    /// Audit records appended since the last trim.
    since_trim: usize,
}

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            // Take whatever else is waiting; if only read audits wait, linger
            // a moment so they share one sync. The linger naps rather than
            // waits on the channel: a waiting receiver would be woken by
            // every read's audit record (a futex wake and a context switch
            // each, which cost more than the read), while a nap is woken
            // by nothing and looks for writes every millisecond.
            let deadline = Instant::now() + READ_AUDIT_LINGER;
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(mpsc::TryRecvError::Empty) => {
                        let only_audits = batch.iter().all(|j| matches!(j, Job::Audit(_)));
                        let left = deadline.saturating_duration_since(Instant::now());
                        if !only_audits || left.is_zero() {
                            break;
                        }
                        std::thread::sleep(left.min(LINGER_NAP));
                    }
                    Err(mpsc::TryRecvError::Disconnected) => break,
                }
            }
            self.commit_batch(batch);
        }
    }

    /// Commits every write and audit record of `batch` in one transaction,
    /// then answers. A batch commits whole or not at all: if any part fails,
    /// every write in it is refused and the store refuses writes from then
    /// on (handlers have already changed memory, which now runs ahead of
    /// disk until a restart reloads it). So no per-job savepoint is needed.
    fn commit_batch(&mut self, batch: Vec<Job>) {
        let mut dones = Vec::new();
        let mut after = Vec::new();
        let mut records = Vec::new();
        // Audit records stay in the order the calls queued them.
        for job in batch {
            match job {
                Job::Write {
                    changes,
                    audit,
                    done,
                } => {
                    dones.push(done);
                    records.push((changes, audit));
                }
                Job::Audit(audit) => records.push((Vec::new(), audit)),
                Job::Query(_) | Job::Flush(_) | Job::Recover { .. } => after.push(job),
            }
        }
        // Only the last change to a record in a batch matters, since the
        // batch commits whole: a registration burst rewrites its activation
        // once per batch, not once per node.
        let mut last: HashMap<(&str, &str), &Change> = HashMap::new();
        let kept = records
            .iter()
            .filter(|_| !self.in_memory)
            .flat_map(|(changes, _)| changes);
        for change in kept {
            let key = match change {
                Change::Put { kind, id, .. } | Change::Delete { kind, id } => (*kind, id.as_str()),
            };
            last.insert(key, change);
        }
        let start_hash = self.last_hash.clone();
        let result = (|| -> rusqlite::Result<()> {
            let tx = self.conn.unchecked_transaction()?;
            apply(&tx, last.into_values())?;
            for (_, audit) in &records {
                self.last_hash = audit.chain_hash(&self.last_hash);
                insert_audit(&tx, audit, &self.last_hash)?;
            }
            tx.commit()
        })();
        let outcome = result.map_err(|e| {
            tracing::error!("store commit failed: {e}");
            self.last_hash = start_hash;
            self.health.fail(e.to_string());
            e.to_string()
        });
        for done in dones {
            let _ = done.send(outcome.clone());
        }
        if self.in_memory && outcome.is_ok() {
            self.since_trim += records.len();
            if self.since_trim >= TRIM_EVERY {
                self.since_trim = 0;
                if let Err(e) = self.conn.execute(
                    "DELETE FROM audit WHERE seq <= (SELECT MAX(seq) FROM audit) - ?1",
                    [AUDIT_WINDOW],
                ) {
                    tracing::warn!("cannot trim the in-memory audit trail: {e}");
                }
            }
        }
        for job in after {
            match job {
                Job::Query(q) => q(&self.conn),
                Job::Flush(done) => {
                    let _ = done.send(());
                }
                Job::Recover { audit, done } => {
                    let _ = done.send(self.probe(&audit));
                }
                Job::Write { .. } | Job::Audit(_) => {}
            }
        }
    }
}

impl Writer {
    /// Commits `audit` on its own; if that works, every record on disk.
    fn probe(&mut self, audit: &AuditRecord) -> Result<Option<Snapshot>, String> {
        let hash = audit.chain_hash(&self.last_hash);
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| e.to_string())?;
        insert_audit(&tx, audit, &hash)
            .and_then(|()| tx.commit())
            .map_err(|e| e.to_string())?;
        self.last_hash = hash;
        if self.in_memory {
            return Ok(None);
        }
        read_snapshot(&self.conn)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

fn apply<'c>(
    tx: &rusqlite::Transaction<'_>,
    changes: impl IntoIterator<Item = &'c Change>,
) -> rusqlite::Result<()> {
    let mut put = tx.prepare_cached(
        "INSERT INTO records (kind, id, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
    )?;
    let mut delete = tx.prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2")?;
    for change in changes {
        match change {
            Change::Put { kind, id, body } => put.execute(params![kind, id, body])?,
            Change::Delete { kind, id } => delete.execute(params![kind, id])?,
        };
    }
    Ok(())
}

fn insert_audit(
    tx: &rusqlite::Transaction<'_>,
    a: &AuditRecord,
    hash: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit (time_ms, principal, operation, resource, outcome, request, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        a.time.millis(),
        a.principal,
        a.operation,
        a.resource,
        a.outcome,
        a.request,
        hash
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audit(op: &str) -> AuditRecord {
        AuditRecord {
            time: Timestamp::from_secs(1),
            principal: "admin".into(),
            operation: op.into(),
            resource: "*".into(),
            outcome: "Success".into(),
            request: "{}".into(),
        }
    }

    /// A writer that falls behind holds back whoever queues work, rather
    /// than letting the queue grow without end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_holds_back_whoever_queues() {
        use std::sync::atomic::AtomicUsize;
        let (store, _) = Store::open(None).unwrap();
        // Stall the writer until told to go on.
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let writer = store.clone();
        let stalled = tokio::spawn(async move {
            writer
                .query(move |_| {
                    let _ = wait.recv();
                    Ok(())
                })
                .await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let queued = Arc::new(AtomicUsize::new(0));
        let producer = {
            let (store, queued) = (store.clone(), queued.clone());
            std::thread::spawn(move || {
                for _ in 0..QUEUE_BOUND * 3 {
                    store.append_audit(audit("GetParameter"));
                    queued.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        let held_at = queued.load(Ordering::SeqCst);
        assert!(
            held_at <= QUEUE_BOUND + 1,
            "{held_at} queued past a bound of {QUEUE_BOUND}"
        );
        assert!(!producer.is_finished());
        go.send(()).unwrap();
        stalled.await.unwrap().unwrap();
        producer.join().unwrap();
        store.flush().await;
        assert_eq!(
            store.audit_records().await.unwrap().len(),
            AUDIT_WINDOW as usize
        );
    }

    #[tokio::test]
    async fn committed_records_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sysman.db");
        {
            let (store, snapshot) = Store::open(Some(&path)).unwrap();
            assert!(snapshot.is_empty());
            let put = Change::Put {
                kind: "node",
                id: "mi-1".into(),
                body: "{}".into(),
            };
            store.commit(vec![put], audit("Put")).await.unwrap();
            store.append_audit(audit("Get"));
            store.flush().await;
        }
        let (store, snapshot) = Store::open(Some(&path)).unwrap();
        assert_eq!(snapshot["node"]["mi-1"], "{}");
        let ops: Vec<_> = store
            .audit_records()
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.operation)
            .collect();
        assert_eq!(ops, ["Put", "Get"]);
        assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(2));
    }

    #[tokio::test]
    async fn an_in_memory_store_keeps_a_window_of_the_audit_trail_whose_chain_holds() {
        let (store, _) = Store::open(None).unwrap();
        for i in 0..(AUDIT_WINDOW * 3) {
            store
                .commit(vec![], audit(&format!("op{i}")))
                .await
                .unwrap();
        }
        store.flush().await;
        let kept = store.audit_records().await.unwrap();
        let window = usize::try_from(AUDIT_WINDOW).unwrap();
        assert!(
            (window..window + TRIM_EVERY).contains(&kept.len()),
            "{}",
            kept.len()
        );
        assert_eq!(
            kept.last().unwrap().operation,
            format!("op{}", AUDIT_WINDOW * 3 - 1)
        );
        assert_eq!(
            store.verify_audit_chain().await.unwrap(),
            Ok(kept.len() as u64)
        );
        // Tampering inside the window is still found.
        store
            .query(|c| {
                c.execute(
                    "UPDATE audit SET principal = 'mallory' WHERE seq = (SELECT MAX(seq) FROM audit) - 5",
                    [],
                )
            })
            .await
            .unwrap();
        assert!(store.verify_audit_chain().await.unwrap().is_err());
    }

    #[tokio::test]
    async fn a_durable_store_missing_its_first_audit_records_fails_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(Some(&dir.path().join("sysman.db"))).unwrap();
        for op in ["A", "B", "C"] {
            store.commit(vec![], audit(op)).await.unwrap();
        }
        store
            .query(|c| c.execute("DELETE FROM audit WHERE seq = 1", []))
            .await
            .unwrap();
        assert_eq!(store.verify_audit_chain().await.unwrap(), Err(2));
    }

    #[tokio::test]
    async fn tampering_with_the_audit_trail_is_detected() {
        let (store, _) = Store::open(None).unwrap();
        for op in ["A", "B", "C"] {
            store.commit(vec![], audit(op)).await.unwrap();
        }
        store
            .query(|c| c.execute("UPDATE audit SET principal = 'mallory' WHERE seq = 2", []))
            .await
            .unwrap();
        assert_eq!(store.verify_audit_chain().await.unwrap(), Err(2));
    }
}
