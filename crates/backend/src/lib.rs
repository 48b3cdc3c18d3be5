//! sysman's service logic: the gate every operation goes through, the
//! store, the clock, the change bus, the fleet and the node simulator.
//!
//! This crate knows nothing of HTTP, terminals or the agent binary.

mod auth;
mod capability;
pub mod clock;
mod commands;
mod compliance;
mod data_dir;
mod documents;
mod events;
pub mod fleet;
#[doc(hidden)]
pub mod fuzzing;
mod gate;
mod iam;
mod ids;
mod kms;
mod locks;
pub mod objects;
mod paging;
mod parameters;
mod patch;
mod recovery;
mod reset;
mod scheduler;
mod service_settings;
pub mod sim;
mod store;
mod tags;
mod validate;

use std::path::Path;
use std::sync::Arc;

use capability::{Capability, Settings, Source};
use store::Snapshot;

pub use auth::Caller;
pub use clock::{Clock, ManualClock, SystemClock};
pub use events::Event;
pub use fleet::FleetConfig;
pub use gate::Handler;
pub use parameters::ParameterLimits;
pub use patch::catalogue::{CatalogPatch, Catalogue};
pub use store::AuditRecord;
use sysman_api::{ApiError, Timestamp};
use tokio::sync::broadcast;

/// File name of the store inside the data directory.
pub const STORE_FILE: &str = "sysman.db";
/// Folder of the default object store inside the data directory.
pub const OBJECTS_DIR: &str = "objects";

/// How a backend is put together. `Default` is the wall clock, random ids
/// and the default fleet settings.
pub struct Options {
    pub clock: Arc<dyn Clock>,
    /// Seeds the generator of ids, codes and secrets, so a test or a
    /// simulated fleet gets the same ids every run. `None` seeds from the OS.
    pub id_seed: Option<u64>,
    pub fleet: FleetConfig,
    pub parameters: ParameterLimits,
    /// Shown in every ARN.
    pub region: String,
    pub account_id: String,
    /// Lets `Sysman.ResetState` wipe the service state (`--allow-reset`).
    pub allow_reset: bool,
    /// Where command output named by `OutputS3BucketName` is written.
    /// `None`: `<data dir>/objects`, or a map for an in-memory backend.
    pub output_store: Option<Arc<dyn objects::ObjectStore>>,
}

/// How many of `items` have each of `all`'s values, every value present
/// (zeros too) and named by `name`, for the server's metrics.
pub(crate) fn tally<S: PartialEq + Copy>(
    all: &[S],
    name: fn(S) -> &'static str,
    items: impl Iterator<Item = S>,
) -> Vec<(&'static str, u64)> {
    let mut counts = vec![0u64; all.len()];
    for item in items {
        if let Some(i) = all.iter().position(|s| *s == item) {
            counts[i] += 1;
        }
    }
    all.iter().map(|s| name(*s)).zip(counts).collect()
}

/// The account id in ARNs unless configured otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";
pub const DEFAULT_REGION: &str = "us-east-1";

impl Default for Options {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            id_seed: None,
            fleet: FleetConfig::default(),
            parameters: ParameterLimits::default(),
            region: DEFAULT_REGION.to_owned(),
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            allow_reset: false,
            output_store: None,
        }
    }
}

/// A handle to one backend; cheap to clone.
#[derive(Clone)]
pub struct Backend {
    inner: Arc<Inner>,
}

/// Declares the capabilities once: their fields in [`Capabilities`], and
/// loading, resetting, reloading and due times walking them in this order.
macro_rules! capabilities {
    ($($field:ident: $ty:ty),* $(,)?) => {
        /// Every capability of the backend, each behind the
        /// [`capability::Capability`] seam.
        #[doc(hidden)]
        pub struct Capabilities {
            $(pub(crate) $field: $ty,)*
        }

        impl Capabilities {
            fn load(from: &Source<'_>) -> Result<Self, String> {
                Ok(Self { $($field: <$ty as Capability>::load(from)?,)* })
            }

            fn reread(&self, from: &Source<'_>) -> Result<Self, String> {
                Ok(Self { $($field: self.$field.reread(from)?,)* })
            }

            fn replace_with(&self, fresh: Self) {
                $(self.$field.replace_with(fresh.$field);)*
            }

            fn forget_all(&self, settings: &Settings) -> Result<(), String> {
                $(self.$field.forget_all(settings)?;)*
                Ok(())
            }

            fn loaded(b: &Inner) {
                $(<$ty as Capability>::loaded(b);)*
            }

            fn kept_on_reset() -> Vec<&'static str> {
                let mut kinds = Vec::new();
                $(kinds.extend_from_slice(<$ty as Capability>::KEPT_ON_RESET);)*
                kinds
            }

            fn next_due(&self) -> Option<Timestamp> {
                [$(self.$field.next_due()),*].into_iter().flatten().min()
            }

            /// Runs the capabilities whose own due time has passed; the
            /// others are left alone (a parameter policy pass takes the
            /// parameters' write lock, which GetParameter would wait on).
            async fn run_due(b: &Inner) {
                let now = b.clock.now();
                $(
                    if b.$field.next_due().is_some_and(|at| at <= now) {
                        <$ty as Capability>::run_due(b).await;
                    }
                )*
            }
        }
    };
}

capabilities! {
    fleet: fleet::Fleet,
    kms: kms::Kms,
    iam: iam::Iam,
    parameters: parameters::Parameters,
    documents: documents::Documents,
    commands: commands::Commands,
    compliance: compliance::Compliance,
    patch: patch::Patches,
    service_settings: service_settings::ServiceSettings,
}

#[doc(hidden)]
pub struct Inner {
    clock: Arc<dyn Clock>,
    store: store::Store,
    bus: events::Bus,
    pager: paging::Pager,
    ids: ids::Ids,
    scheduler: scheduler::Scheduler,
    settings: Settings,
    capabilities: Capabilities,
    recovery: recovery::Recovery,
    /// The data directory's lock, released when the backend goes.
    _lock: Option<data_dir::DataDirLock>,
    allow_reset: bool,
    /// Where command output goes (`objects`), and how many writes to it
    /// failed since the backend opened.
    output_store: Arc<dyn objects::ObjectStore>,
    output_write_failures: Arc<std::sync::atomic::AtomicU64>,
}

/// Capabilities are reached as `b.fleet`, `b.parameters`, ...: the list
/// lives in one place, and no handler spells out where it is kept.
impl std::ops::Deref for Inner {
    type Target = Capabilities;

    fn deref(&self) -> &Capabilities {
        &self.capabilities
    }
}

impl Inner {
    fn source<'a>(&'a self, snapshot: &'a Snapshot) -> Source<'a> {
        Source {
            snapshot,
            settings: &self.settings,
            now: self.clock.now(),
            master: None,
        }
    }

    /// Every capability read again from `snapshot`, all before any is
    /// replaced, so a record that no longer reads changes nothing.
    fn reload(&self, snapshot: &Snapshot) -> Result<(), String> {
        let fresh = self.capabilities.reread(&self.source(snapshot))?;
        self.capabilities.replace_with(fresh);
        Capabilities::loaded(self);
        self.scheduler.nudge();
        Ok(())
    }

    /// Every capability forgets what `Sysman.ResetState` wipes.
    fn forget_all(&self) -> Result<(), String> {
        self.capabilities.forget_all(&self.settings)?;
        Capabilities::loaded(self);
        self.scheduler.nudge();
        Ok(())
    }

    fn next_due(&self) -> Option<Timestamp> {
        self.capabilities.next_due()
    }

    async fn run_due(&self) {
        Capabilities::run_due(self).await;
    }
}

impl Backend {
    /// Opens the backend whose store lives in `dir`, creating both if needed.
    /// Must be called inside a tokio runtime: the scheduler starts with it.
    pub fn open(dir: &Path, options: Options) -> Result<Backend, String> {
        let lock = data_dir::open(dir)?;
        let master = kms::load_or_create_master_key(&dir.join(kms::MASTER_KEY_FILE))?;
        let store = dir.join(STORE_FILE);
        data_dir::make_private(&store)?;
        let mut options = options;
        options
            .output_store
            .get_or_insert_with(|| Arc::new(objects::DirStore::new(dir.join(OBJECTS_DIR))));
        Self::start(Some(&store), master, options, Some(lock))
    }

    /// A backend that keeps everything in memory, for tests and `--ephemeral`.
    pub fn open_in_memory(options: Options) -> Result<Backend, String> {
        let mut options = options;
        options
            .output_store
            .get_or_insert_with(|| Arc::new(objects::MemoryStore::default()));
        Self::start(None, kms::ephemeral_master_key(), options, None)
    }

    fn start(
        path: Option<&Path>,
        master: [u8; 32],
        options: Options,
        lock: Option<data_dir::DataDirLock>,
    ) -> Result<Backend, String> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "the backend must be opened inside a tokio runtime".to_owned())?;
        let (store, snapshot) = store::Store::open(path)?;
        let ids = ids::Ids::new(options.id_seed);
        let pager = paging::Pager::new(ids.key());
        let settings = Settings {
            fleet: options.fleet,
            parameters: options.parameters,
            region: options.region,
            account_id: options.account_id,
        };
        let capabilities = Capabilities::load(&Source {
            snapshot: &snapshot,
            settings: &settings,
            now: options.clock.now(),
            master: Some(&master),
        })?;
        let inner = Arc::new(Inner {
            clock: options.clock,
            store,
            bus: events::Bus::default(),
            pager,
            ids,
            scheduler: scheduler::Scheduler::default(),
            settings,
            capabilities,
            recovery: recovery::Recovery::default(),
            _lock: lock,
            allow_reset: options.allow_reset,
            output_store: options
                .output_store
                .unwrap_or_else(|| Arc::new(objects::MemoryStore::default())),
            output_write_failures: Default::default(),
        });
        Capabilities::loaded(&inner);
        runtime.spawn(scheduler::run(Arc::downgrade(&inner)));
        Ok(Backend { inner })
    }

    /// The one gate: authorizes `caller`, runs the handler, records the
    /// audit event and publishes the change events of a successful call.
    pub async fn call<O: Handler>(&self, caller: &Caller, op: O) -> Result<O::Output, ApiError> {
        gate::call(&self.inner, caller, op).await
    }

    /// The ids of nodes as mail arrives for them, for the in-process
    /// simulator. One watcher at a time: a new one replaces the old.
    pub fn watch_mail(&self) -> tokio::sync::mpsc::UnboundedReceiver<String> {
        self.inner.commands.watch_mail()
    }

    /// Nodes whose mailbox holds messages now.
    pub fn nodes_with_mail(&self) -> Vec<String> {
        self.inner.commands.nodes_with_mail()
    }

    /// The patch catalogue Patch Manager judges baselines against: a
    /// simulated fleet's, set when the simulator starts.
    pub fn set_patch_catalogue(&self, catalogue: Arc<Catalogue>) {
        self.inner.patch.set_catalogue(catalogue);
    }

    /// Change events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.bus.subscribe()
    }

    /// Nodes by ping status now, every status present (zeros too), for
    /// the server's metrics.
    pub fn nodes_by_ping_status(&self) -> Vec<(&'static str, u64)> {
        self.inner.fleet.by_ping_status(self.inner.clock.now())
    }

    /// Command invocations by status, every status present, for the
    /// server's metrics.
    pub fn invocations_by_status(&self) -> Vec<(&'static str, u64)> {
        self.inner.commands.invocations_by_status()
    }

    /// How many writes of command output to the object store failed since
    /// the backend opened, for the server's metrics.
    pub fn output_write_failures(&self) -> u64 {
        self.inner
            .output_write_failures
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether `caller` may see `event`: whether it could have read what
    /// the event tells. The server filters each listener's stream with it.
    pub fn may_see(&self, caller: &Caller, event: &Event) -> bool {
        let (read, resource) = event.read_needed();
        auth::authorize(&self.inner, caller, read.prefix, read.name, &resource).is_ok()
    }

    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.inner.clock.clone()
    }

    pub fn fleet_config(&self) -> &FleetConfig {
        self.inner.fleet.config()
    }

    /// Resolves once every change and audit record queued so far is on disk.
    pub async fn flush(&self) {
        self.inner.store.flush().await;
    }

    /// The whole audit trail, oldest first.
    pub async fn audit_records(&self) -> Result<Vec<AuditRecord>, ApiError> {
        self.inner.store.audit_records().await
    }

    /// Checks the audit trail's hash chain: the number of records, or the
    /// sequence number of the first one that was tampered with.
    pub async fn verify_audit_chain(&self) -> Result<Result<u64, i64>, ApiError> {
        self.inner.store.verify_audit_chain().await
    }

    /// Resolves `{{ssm:...}}` and `{{ssm-secure:...}}` references in `text`,
    /// as Run Command does when it delivers a command to a node. Each
    /// resolution is recorded in the audit trail as a read by `caller`.
    pub async fn resolve_references(
        &self,
        caller: &Caller,
        text: &str,
    ) -> Result<String, ApiError> {
        let result = parameters::references::resolve(&self.inner, caller, text);
        self.inner.store.append_audit(AuditRecord {
            time: self.inner.clock.now(),
            principal: caller.to_string(),
            operation: "Sysman.ResolveReferences".to_owned(),
            resource: "parameter/*".to_owned(),
            outcome: match &result {
                Ok(_) => "Success".to_owned(),
                Err(e) => e.code.to_string(),
            },
            // The template, never what it resolved to.
            request: serde_json::json!({ "Text": text }).to_string(),
        });
        result
    }

    /// The caller an access key acts for and its plaintext secret, for the
    /// server to check a request's signature: a user's key or a node's.
    /// `None` for unknown and deleted keys, and for nodes registered before
    /// node secrets were kept sealed (they cannot sign requests).
    pub fn access_key(&self, access_key_id: &str) -> Option<(Caller, String)> {
        iam::access_key(&self.inner, access_key_id)
    }

    /// On a fresh install, creates `user_name` with the inline policy
    /// `AdministratorAccess` (every action on every resource) and one
    /// access key, durably, audited as `system`, and returns the key's id
    /// and secret (shown this once). `None` once any user exists.
    pub async fn bootstrap_admin(
        &self,
        user_name: &str,
    ) -> Result<Option<(String, String)>, ApiError> {
        iam::bootstrap_admin(&self.inner, user_name, |_, _| Ok(())).await
    }

    /// [`Backend::bootstrap_admin`], handing the new key's id and secret to
    /// `keep` (which writes them where the operator finds them) before
    /// anything is committed: if `keep` fails, no administrator is made,
    /// so a first start never leaves a key that nobody holds.
    pub async fn bootstrap_admin_keeping(
        &self,
        user_name: &str,
        keep: impl FnOnce(&str, &str) -> Result<(), String>,
    ) -> Result<Option<(String, String)>, ApiError> {
        iam::bootstrap_admin(&self.inner, user_name, keep).await
    }

    /// Whether the store takes writes, trying it again if a commit had
    /// failed; the error says why not.
    pub async fn health(&self) -> Result<(), String> {
        recovery::ensure_healthy(&self.inner)
            .await
            .map_err(|e| e.message)
    }

    /// Caps the store's size in pages as a full disk would, for fault
    /// tests; `None` lifts the cap.
    #[doc(hidden)]
    pub async fn limit_store_pages(&self, pages: Option<u64>) -> Result<(), ApiError> {
        self.inner.store.limit_pages(pages).await
    }
}
