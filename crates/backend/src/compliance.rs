//! Compliance: per-resource compliance items by type, and summaries.
//!
//! A resource (a managed node) carries items of up to 10 custom compliance
//! types (`Custom:<name>`, put by callers) besides `Patch` (written by
//! Patch Manager's scans) and `Association` (by State Manager). The items of
//! one type on one resource are one record in the store (kind
//! `compliance`, id `<resource>#<type>`), rewritten whole on every upload.
//!
//! In memory, an item takes about 20 bytes plus 4 per detail: Ids, titles
//! and detail pairs are interned with reference counts (patch items repeat
//! them on every node). Each record keeps its item counts by status and
//! severity, each compliance type its resource counts by status and overall
//! severity, and a sorted index holds the records worst first; all three
//! are kept up to date on every change, so ListComplianceSummaries costs
//! the number of types, not the number of items, and
//! ListResourceComplianceSummaries pages through the index.
//!
//! # Summaries
//!
//! A resource is NON_COMPLIANT for a type when any of its items of that type
//! is. Its overall severity is the worst severity among its non-compliant
//! items when it is non-compliant, else the worst among its items (the
//! model: "the highest severity item found for the resource"), and
//! UNSPECIFIED when it has none.
//!
//! # Writing compliance from another module
//!
//! State Manager (`Association`) records compliance through
//! [`Compliance::write`], in the same transaction as its own state:
//!
//! ```ignore
//! let commit = {
//!     let mut own_state = b.associations.state.lock(); // your own lock first
//!     // ... decide and apply your own changes, collecting `changes` ...
//!     let mut compliance = b.compliance.write();       // the compliance lock last
//!     changes.extend(compliance.stage(&node_id, ASSOCIATION, batch)?);
//!     ctx.commit(&b.store, changes)                    // queued under both locks
//! };
//! commit.await?;
//! ```
//!
//! Patch Manager's `Patch` items are its patch states seen as compliance:
//! it hands them over with [`Writer::derive`] under the same locks, which
//! stores nothing, and again from its stored states on every load.
//!
//! Stage after every check of your own that can fail: a successful `stage`
//! has already changed memory. Queue the commit before dropping the
//! [`Writer`], so commits reach the store in the order they were applied.
//! The compliance lock is always taken last (after the fleet's, after the
//! caller's own), and this module takes no other lock while holding it.

mod filters;
mod ops;
mod pool;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use crate::locks::{Level, OrderedRwLock, ReadGuard, WriteGuard};
use serde::{Deserialize, Serialize};
use sysman_api::ApiError;
use sysman_api::compliance::{
    ASSOCIATION, CUSTOM_PREFIX, ComplianceExecutionSummary, ComplianceItem, ComplianceSeverity,
    ComplianceStatus, ComplianceUploadType, CompliantSummary, MANAGED_INSTANCE,
    NonCompliantSummary, PATCH, ResourceComplianceSummaryItem, SeveritySummary, limits,
};

use crate::capability::{Capability, Settings, Source};
use crate::store::Change;
use pool::{Pool, Sym};

const KIND: &str = "compliance";
/// Detail pairs [`State::install`] remembers while it reads one record.
const RECENT_PAIRS: usize = 16;

/// One item as a module hands it to [`Writer::stage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Empty for none. For patches: the KB id or package name.
    pub id: String,
    /// Empty for none.
    pub title: String,
    pub severity: ComplianceSeverity,
    pub status: ComplianceStatus,
    /// For patches: `PatchState`, `Classification`, `PatchSeverity`,
    /// `InstalledTime`, ... as AWS reports them.
    pub details: BTreeMap<String, String>,
}

/// One upload of items of one compliance type to one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Batch {
    /// For a patch scan: the scan's time, its command id and `Command`.
    pub execution: ComplianceExecutionSummary,
    pub items: Vec<Entry>,
    /// COMPLETE replaces every item of the type; PARTIAL replaces the items
    /// with the same Ids and keeps the others.
    pub upload: ComplianceUploadType,
    /// When it equals the hash of the resource's last upload of this type,
    /// the upload changes nothing.
    pub content_hash: Option<String>,
}

/// Whether callers may put this type (`Custom:...`); counted against the
/// limit of custom types per resource.
pub(crate) fn is_custom(compliance_type: &str) -> bool {
    compliance_type.starts_with(CUSTOM_PREFIX)
}

/// Whether sysman writes this type itself.
pub(crate) fn is_reserved(compliance_type: &str) -> bool {
    compliance_type == PATCH || compliance_type == ASSOCIATION
}

/// Whether the items of this type are derived from another module's
/// records, which keeps them durable and hands them back on every load
/// through [`Writer::derive`]: `Patch` items are a node's patch state seen
/// as compliance, so storing them too would write each scan twice.
fn is_derived(compliance_type: &str) -> bool {
    compliance_type == PATCH
}

/// Counts by status (COMPLIANT, NON_COMPLIANT) and severity (worst first):
/// of items on a record, of resources for a type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts([[u32; 6]; 2]);

impl Counts {
    fn cell(&mut self, status: ComplianceStatus, severity: ComplianceSeverity) -> &mut u32 {
        &mut self.0[status as usize][severity.rank()]
    }

    fn of(&self, status: ComplianceStatus) -> u32 {
        self.0[status as usize].iter().sum()
    }

    fn status(&self) -> ComplianceStatus {
        if self.of(ComplianceStatus::NonCompliant) > 0 {
            ComplianceStatus::NonCompliant
        } else {
            ComplianceStatus::Compliant
        }
    }

    /// The worst severity among the items of the record's status.
    fn overall(&self) -> ComplianceSeverity {
        let row = &self.0[self.status() as usize];
        row.iter()
            .position(|n| *n > 0)
            .map_or(ComplianceSeverity::Unspecified, |i| {
                ComplianceSeverity::ALL[i]
            })
    }

    fn is_empty(&self) -> bool {
        self.0.iter().flatten().all(|n| *n == 0)
    }

    fn severity_summary(&self, status: ComplianceStatus) -> SeveritySummary {
        SeveritySummary::from_counts(self.0[status as usize].map(i64::from))
    }

    fn compliant(&self) -> CompliantSummary {
        CompliantSummary {
            compliant_count: i64::from(self.of(ComplianceStatus::Compliant)),
            severity_summary: self.severity_summary(ComplianceStatus::Compliant),
        }
    }

    fn non_compliant(&self) -> NonCompliantSummary {
        NonCompliantSummary {
            non_compliant_count: i64::from(self.of(ComplianceStatus::NonCompliant)),
            severity_summary: self.severity_summary(ComplianceStatus::NonCompliant),
        }
    }

    fn add(&mut self, other: &Counts) {
        for (row, other) in self.0.iter_mut().zip(other.0) {
            for (n, m) in row.iter_mut().zip(other) {
                *n += m;
            }
        }
    }
}

/// One item in memory.
#[derive(Debug, Clone, Copy)]
struct Item {
    id: Sym,
    title: Sym,
    /// Its details are `pairs[details_at..details_at + details_len]` of its
    /// record.
    details_at: u32,
    details_len: u32,
    /// Index into its record's executions.
    exec: u16,
    severity: ComplianceSeverity,
    status: ComplianceStatus,
}

/// The items of one type on one resource.
#[derive(Debug)]
struct Record {
    compliance_type: Arc<str>,
    content_hash: Option<Box<str>>,
    /// The last upload's.
    latest: ComplianceExecutionSummary,
    /// The executions the items came from (one but after PARTIAL uploads).
    executions: Box<[ComplianceExecutionSummary]>,
    /// Sorted by Id.
    items: Box<[Item]>,
    /// Interned (key, value) detail pairs of all items.
    pairs: Box<[Sym]>,
    counts: Counts,
}

/// A record in the worst-first index: NON_COMPLIANT (0) before COMPLIANT
/// (1), then overall severity rank, resource id and compliance type.
type Ranked = (u8, u8, Arc<str>, Arc<str>);

fn status_rank(status: ComplianceStatus) -> u8 {
    match status {
        ComplianceStatus::NonCompliant => 0,
        ComplianceStatus::Compliant => 1,
    }
}

/// A record as the store keeps it: short names, items as arrays.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    #[serde(rename = "r")]
    resource_id: String,
    #[serde(rename = "t")]
    compliance_type: String,
    #[serde(rename = "h", default, skip_serializing_if = "Option::is_none")]
    content_hash: Option<String>,
    #[serde(rename = "l")]
    latest: ComplianceExecutionSummary,
    #[serde(rename = "x")]
    executions: Vec<ComplianceExecutionSummary>,
    #[serde(rename = "i")]
    items: Vec<StoredItem>,
}

/// Id, title, severity, status, execution index, details.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredItem(
    String,
    String,
    ComplianceSeverity,
    ComplianceStatus,
    u16,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")] BTreeMap<String, String>,
);

impl StoredItem {
    fn bytes(&self) -> usize {
        item_bytes(&self.0, &self.1, &self.5)
    }
}

fn item_bytes(id: &str, title: &str, details: &BTreeMap<String, String>) -> usize {
    id.len()
        + title.len()
        + details
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
}

fn record_id(resource_id: &str, compliance_type: &str) -> String {
    // '#' appears in neither a node id nor a compliance type.
    format!("{resource_id}#{compliance_type}")
}

fn invalid_item(message: String) -> ApiError {
    ApiError::new("InvalidItemContentException", message)
}

#[derive(Default)]
pub(crate) struct State {
    strings: Pool<Arc<str>>,
    /// (key, value) of details, each holding a reference on both strings.
    pairs: Pool<(Sym, Sym)>,
    /// Records of each resource, sorted by compliance type.
    resources: BTreeMap<Arc<str>, Vec<Record>>,
    /// Resources per compliance type by status and overall severity. A type
    /// is here while some resource has a record of it.
    totals: BTreeMap<Arc<str>, Counts>,
    ranked: BTreeSet<Ranked>,
}

impl State {
    fn text(&self, sym: Sym) -> &str {
        self.strings.get(sym)
    }

    fn intern(&mut self, s: &str) -> Sym {
        self.strings.intern(s, || Arc::from(s))
    }

    fn intern_pair(&mut self, key: &str, value: &str) -> Sym {
        let k = self.intern(key);
        let v = self.intern(value);
        let (pair, new) = self.pairs.intern_new(&(k, v), || (k, v));
        if !new {
            // The pair holds its own references.
            self.strings.release(k);
            self.strings.release(v);
        }
        pair
    }

    fn release_pair(&mut self, pair: Sym) {
        if let Some((k, v)) = self.pairs.release(pair) {
            self.strings.release(k);
            self.strings.release(v);
        }
    }

    fn record(&self, resource_id: &str, compliance_type: &str) -> Option<&Record> {
        let records = self.resources.get(resource_id)?;
        records
            .binary_search_by(|r| (*r.compliance_type).cmp(compliance_type))
            .ok()
            .map(|i| &records[i])
    }

    fn custom_types(&self, resource_id: &str) -> usize {
        self.resources.get(resource_id).map_or(0, |records| {
            records
                .iter()
                .filter(|r| is_custom(&r.compliance_type))
                .count()
        })
    }

    /// Counts a record in (or out of) its type's totals and the index.
    fn account(&mut self, resource: &Arc<str>, record: &Record, add: bool) {
        let status = record.counts.status();
        let overall = record.counts.overall();
        let key = (
            status_rank(status),
            overall.rank() as u8,
            resource.clone(),
            record.compliance_type.clone(),
        );
        if add {
            self.ranked.insert(key);
            let totals = self
                .totals
                .entry(record.compliance_type.clone())
                .or_default();
            *totals.cell(status, overall) += 1;
        } else {
            self.ranked.remove(&key);
            if let Some(totals) = self.totals.get_mut(&*record.compliance_type) {
                let n = totals.cell(status, overall);
                *n = n.saturating_sub(1);
                if totals.is_empty() {
                    self.totals.remove(&*record.compliance_type);
                }
            }
        }
    }

    /// Puts a record in memory, replacing the one of its type.
    fn install(&mut self, stored: &Stored) {
        self.uninstall(&stored.resource_id, &stored.compliance_type);
        let resource: Arc<str> = self
            .resources
            .get_key_value(stored.resource_id.as_str())
            .map_or_else(
                || Arc::from(stored.resource_id.as_str()),
                |(k, _)| k.clone(),
            );
        let compliance_type: Arc<str> = self
            .totals
            .get_key_value(stored.compliance_type.as_str())
            .map_or_else(
                || Arc::from(stored.compliance_type.as_str()),
                |(k, _)| k.clone(),
            );
        let mut items = Vec::with_capacity(stored.items.len());
        let mut pairs = Vec::new();
        let mut counts = Counts::default();
        // The items of one record mostly repeat a few detail pairs (the
        // same PatchState, Classification, InstalledTime, ...): a short
        // list of the pairs seen spares most lookups in the pools.
        let mut recent: Vec<(&str, &str, Sym)> = Vec::new();
        for StoredItem(id, title, severity, status, exec, details) in &stored.items {
            let details_at = pairs.len();
            for (k, v) in details {
                let cached = recent
                    .iter()
                    .find(|(rk, rv, _)| rk == k && rv == v)
                    .map(|(_, _, p)| *p);
                let pair = match cached {
                    Some(pair) => {
                        self.pairs.retain(pair);
                        pair
                    }
                    None => {
                        let pair = self.intern_pair(k, v);
                        if recent.len() < RECENT_PAIRS {
                            recent.push((k, v, pair));
                        }
                        pair
                    }
                };
                pairs.push(pair);
            }
            items.push(Item {
                id: self.intern(id),
                title: self.intern(title),
                details_at: details_at as u32,
                details_len: (pairs.len() - details_at) as u32,
                exec: *exec,
                severity: *severity,
                status: *status,
            });
            *counts.cell(*status, *severity) += 1;
        }
        let record = Record {
            compliance_type,
            content_hash: stored.content_hash.as_deref().map(Box::from),
            latest: stored.latest.clone(),
            executions: stored.executions.clone().into_boxed_slice(),
            items: items.into_boxed_slice(),
            pairs: pairs.into_boxed_slice(),
            counts,
        };
        self.account(&resource, &record, true);
        let records = self.resources.entry(resource).or_default();
        let at = records
            .binary_search_by(|r| r.compliance_type.cmp(&record.compliance_type))
            .unwrap_or_else(|i| i);
        records.insert(at, record);
    }

    /// Takes a record out of memory; whether there was one.
    fn uninstall(&mut self, resource_id: &str, compliance_type: &str) -> bool {
        let Some((resource, records)) = self.resources.get_key_value(resource_id) else {
            return false;
        };
        let Ok(at) = records.binary_search_by(|r| (*r.compliance_type).cmp(compliance_type)) else {
            return false;
        };
        let resource = resource.clone();
        let records = self
            .resources
            .get_mut(resource_id)
            .expect("looked up above");
        let record = records.remove(at);
        if records.is_empty() {
            self.resources.remove(resource_id);
        }
        for item in &record.items {
            self.strings.release(item.id);
            self.strings.release(item.title);
        }
        for pair in &record.pairs {
            self.release_pair(*pair);
        }
        self.account(&resource, &record, false);
        true
    }

    /// A record back in its stored form.
    fn to_stored(&self, resource_id: &str, record: &Record) -> Stored {
        Stored {
            resource_id: resource_id.to_owned(),
            compliance_type: record.compliance_type.to_string(),
            content_hash: record.content_hash.as_deref().map(str::to_owned),
            latest: record.latest.clone(),
            executions: record.executions.to_vec(),
            items: record
                .items
                .iter()
                .map(|item| {
                    StoredItem(
                        self.text(item.id).to_owned(),
                        self.text(item.title).to_owned(),
                        item.severity,
                        item.status,
                        item.exec,
                        self.details(record, item),
                    )
                })
                .collect(),
        }
    }

    fn detail_pairs<'a>(
        &'a self,
        record: &'a Record,
        item: &Item,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let at = item.details_at as usize;
        record.pairs[at..at + item.details_len as usize]
            .iter()
            .map(|p| {
                let (k, v) = self.pairs.get(*p);
                (self.text(*k), self.text(*v))
            })
    }

    fn detail<'a>(&'a self, record: &'a Record, item: &Item, key: &str) -> Option<&'a str> {
        self.detail_pairs(record, item)
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    fn details(&self, record: &Record, item: &Item) -> BTreeMap<String, String> {
        self.detail_pairs(record, item)
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn item_view(&self, resource_id: &str, record: &Record, item: &Item) -> ComplianceItem {
        let text = |sym| {
            Some(self.text(sym))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        ComplianceItem {
            compliance_type: record.compliance_type.to_string(),
            resource_type: MANAGED_INSTANCE.to_owned(),
            resource_id: resource_id.to_owned(),
            id: text(item.id),
            title: text(item.title),
            status: item.status,
            severity: item.severity,
            execution_summary: record
                .executions
                .get(usize::from(item.exec))
                .unwrap_or(&record.latest)
                .clone(),
            details: self.details(record, item),
        }
    }

    fn summary_view(&self, resource_id: &str, record: &Record) -> ResourceComplianceSummaryItem {
        ResourceComplianceSummaryItem {
            compliance_type: record.compliance_type.to_string(),
            resource_type: MANAGED_INSTANCE.to_owned(),
            resource_id: resource_id.to_owned(),
            status: record.counts.status(),
            overall_severity: record.counts.overall(),
            execution_summary: record.latest.clone(),
            compliant_summary: record.counts.compliant(),
            non_compliant_summary: record.counts.non_compliant(),
        }
    }

    /// The record an upload makes, checked against the limits, or `None`
    /// when its content hash says nothing changed.
    fn prepare(
        &self,
        resource_id: &str,
        compliance_type: &str,
        batch: Batch,
    ) -> Result<Option<Stored>, ApiError> {
        let existing = self.record(resource_id, compliance_type);
        if let (Some(hash), Some(record)) = (&batch.content_hash, existing)
            && record.content_hash.as_deref() == Some(hash.as_str())
        {
            return Ok(None);
        }
        if existing.is_none()
            && is_custom(compliance_type)
            && self.custom_types(resource_id) >= limits::CUSTOM_TYPES_PER_RESOURCE
        {
            let have: Vec<&str> = self.resources[resource_id]
                .iter()
                .map(|r| &*r.compliance_type)
                .filter(|t| is_custom(t))
                .collect();
            return Err(sysman_api::messages::compliance::too_many_types(
                limits::CUSTOM_TYPES_PER_RESOURCE,
                resource_id,
                &have.join(", "),
            ));
        }
        let partial = batch.upload == ComplianceUploadType::Partial;
        let mut seen = HashSet::new();
        for (i, entry) in batch.items.iter().enumerate() {
            if partial && entry.id.is_empty() {
                return Err(invalid_item(format!(
                    "Item {} has no Id; a PARTIAL upload updates items by Id, so give every \
                     item one",
                    i + 1
                )));
            }
            if !entry.id.is_empty() && !seen.insert(entry.id.as_str()) {
                return Err(invalid_item(format!(
                    "Item Id {} appears more than once; give each item its own Id",
                    entry.id
                )));
            }
            let bytes = item_bytes(&entry.id, &entry.title, &entry.details);
            if bytes > limits::ITEM_BYTES_MAX {
                return Err(ApiError::new(
                    "ItemSizeLimitExceededException",
                    format!(
                        "Item {} ({}) takes {bytes} bytes; an item's Id, Title and Details \
                         may take at most {} bytes",
                        i + 1,
                        if entry.id.is_empty() {
                            "no Id"
                        } else {
                            &entry.id
                        },
                        limits::ITEM_BYTES_MAX
                    ),
                ));
            }
        }
        let mut executions = Vec::new();
        let mut items: Vec<StoredItem> = Vec::new();
        if partial && let Some(record) = existing {
            let old = self.to_stored(resource_id, record);
            executions = old.executions;
            items = old
                .items
                .into_iter()
                .filter(|item| !seen.contains(item.0.as_str()))
                .collect();
        }
        let exec = executions.len();
        executions.push(batch.execution.clone());
        items.extend(
            batch
                .items
                .into_iter()
                .map(|e| StoredItem(e.id, e.title, e.severity, e.status, exec as u16, e.details)),
        );
        if items.len() > limits::ITEMS_MAX {
            return Err(sysman_api::messages::compliance::too_many_items(
                resource_id,
                compliance_type,
                items.len(),
                limits::ITEMS_MAX,
            ));
        }
        let total: usize = items.iter().map(StoredItem::bytes).sum();
        if total > limits::TOTAL_BYTES_MAX {
            return Err(ApiError::new(
                "TotalSizeLimitExceededException",
                format!(
                    "With this upload the items of {compliance_type} on {resource_id} would \
                     take {total} bytes; they may take at most {} bytes together",
                    limits::TOTAL_BYTES_MAX
                ),
            ));
        }
        items.sort_by(|a, b| a.0.cmp(&b.0));
        // Keep only the executions some item still came from.
        let mut used = vec![None; executions.len()];
        let mut kept = Vec::new();
        for item in &mut items {
            let e = usize::from(item.4);
            let new = *used[e].get_or_insert_with(|| {
                kept.push(executions[e].clone());
                kept.len() - 1
            });
            item.4 = new as u16;
        }
        Ok(Some(Stored {
            resource_id: resource_id.to_owned(),
            compliance_type: compliance_type.to_owned(),
            content_hash: batch.content_hash,
            latest: batch.execution,
            executions: kept,
            items,
        }))
    }
}

/// Compliance of every resource.
pub(crate) struct Compliance {
    state: OrderedRwLock<State>,
}

impl Capability for Compliance {
    fn load(from: &Source<'_>) -> Result<Compliance, String> {
        let mut state = State::default();
        for (id, body) in from.snapshot.get(KIND).into_iter().flatten() {
            let stored: Stored = serde_json::from_str(body)
                .map_err(|e| format!("stored compliance {id} cannot be read: {e}"))?;
            // Stores written before Patch compliance was derived hold
            // copies; the patch states are the truth.
            if !is_derived(&stored.compliance_type) {
                state.install(&stored);
            }
        }
        Ok(Compliance {
            state: OrderedRwLock::new(Level::Compliance, state),
        })
    }

    /// Takes `fresh`'s items.
    fn replace_with(&self, fresh: Compliance) {
        *self.state.write() = fresh.state.into_inner();
    }

    /// Forgets everything.
    fn forget_all(&self, _: &Settings) -> Result<(), String> {
        *self.state.write() = State::default();
        Ok(())
    }
}

impl Default for Compliance {
    fn default() -> Self {
        Compliance {
            state: OrderedRwLock::new(Level::Compliance, State::default()),
        }
    }
}

impl Compliance {
    /// Locks compliance for writing. Keep the writer until the commit of
    /// what it staged is queued (see the module's documentation).
    pub(crate) fn write(&self) -> Writer<'_> {
        Writer {
            state: self.state.write(),
        }
    }

    fn read(&self) -> ReadGuard<'_, State> {
        self.state.read()
    }
}

/// Changes compliance in memory and hands back the store changes that make
/// them durable, for the caller to commit with its own.
pub(crate) struct Writer<'a> {
    state: WriteGuard<'a, State>,
}

impl Writer<'_> {
    /// Records `batch` as `resource_id`'s items of `compliance_type` and
    /// returns the store changes: none when the batch's content hash equals
    /// the last upload's. Checks the batch's items (Ids unique, Ids present
    /// in PARTIAL uploads, sizes) and the limit of custom types per
    /// resource; an error changes nothing. The caller checks that the
    /// resource exists and that the type is one it may write. A COMPLETE
    /// batch with no items records a resource compliant with no items; to
    /// clear a type, use [`Writer::remove`].
    pub(crate) fn stage(
        &mut self,
        resource_id: &str,
        compliance_type: &str,
        batch: Batch,
    ) -> Result<Vec<Change>, ApiError> {
        debug_assert!(
            !is_derived(compliance_type),
            "derived types go through derive"
        );
        let Some(stored) = self.state.prepare(resource_id, compliance_type, batch)? else {
            return Ok(Vec::new());
        };
        let body = serde_json::to_string(&stored)
            .map_err(|e| ApiError::internal(format!("compliance cannot be encoded: {e}")))?;
        self.state.install(&stored);
        Ok(vec![Change::Put {
            kind: KIND,
            id: record_id(resource_id, compliance_type),
            body,
        }])
    }

    /// Records `batch` as `resource_id`'s items of a derived type (`Patch`)
    /// in memory only: the caller's own records are what the store keeps,
    /// and the caller derives the batch again from them on every load.
    /// Checks the batch as [`Writer::stage`] does; an error changes nothing.
    pub(crate) fn derive(
        &mut self,
        resource_id: &str,
        compliance_type: &str,
        batch: Batch,
    ) -> Result<(), ApiError> {
        debug_assert!(is_derived(compliance_type), "stored types go through stage");
        if let Some(stored) = self.state.prepare(resource_id, compliance_type, batch)? {
            self.state.install(&stored);
        }
        Ok(())
    }

    /// Clears `resource_id`'s items of `compliance_type`: the type no longer
    /// shows for the resource. No changes when it had none.
    pub(crate) fn remove(&mut self, resource_id: &str, compliance_type: &str) -> Vec<Change> {
        if self.state.uninstall(resource_id, compliance_type) && !is_derived(compliance_type) {
            vec![Change::Delete {
                kind: KIND,
                id: record_id(resource_id, compliance_type),
            }]
        } else {
            Vec::new()
        }
    }

    /// Clears every compliance type of a resource, e.g. when its node is
    /// deregistered.
    pub(crate) fn remove_resource(&mut self, resource_id: &str) -> Vec<Change> {
        let types: Vec<Arc<str>> = self
            .state
            .resources
            .get(resource_id)
            .map(|records| records.iter().map(|r| r.compliance_type.clone()).collect())
            .unwrap_or_default();
        types
            .iter()
            .flat_map(|t| self.remove(resource_id, t))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use sysman_api::Timestamp;

    use super::*;

    fn entry(id: &str, severity: ComplianceSeverity, status: ComplianceStatus) -> Entry {
        Entry {
            id: id.to_owned(),
            title: format!("Title of {id}"),
            severity,
            status,
            details: BTreeMap::from([
                ("PatchState".to_owned(), "Installed".to_owned()),
                ("Classification".to_owned(), "SecurityUpdates".to_owned()),
            ]),
        }
    }

    fn batch(items: Vec<Entry>, upload: ComplianceUploadType) -> Batch {
        Batch {
            execution: ComplianceExecutionSummary::at(Timestamp::from_secs(1_795_435_200)),
            items,
            upload,
            content_hash: None,
        }
    }

    #[test]
    fn interned_values_are_freed_with_their_last_item() {
        use ComplianceSeverity::*;
        use ComplianceStatus::*;
        let compliance = Compliance::default();
        let mut w = compliance.write();
        for node in ["mi-00000000000000001", "mi-00000000000000002"] {
            w.derive(
                node,
                PATCH,
                batch(
                    vec![
                        entry("KB1", Critical, NonCompliant),
                        entry("KB2", Low, Compliant),
                    ],
                    ComplianceUploadType::Complete,
                ),
            )
            .unwrap();
        }
        // KB1, KB2, their titles, the 2 detail keys and 2 values.
        assert_eq!(w.state.strings.len(), 8);
        assert_eq!(w.state.pairs.len(), 2);
        assert_eq!(w.state.totals[PATCH].0[1][0], 2);
        w.remove_resource("mi-00000000000000001");
        assert_eq!(w.state.strings.len(), 8);
        w.remove("mi-00000000000000002", PATCH);
        assert_eq!(w.state.strings.len(), 0);
        assert_eq!(w.state.pairs.len(), 0);
        assert!(w.state.totals.is_empty());
        assert!(w.state.ranked.is_empty());
    }

    #[test]
    fn an_item_takes_twenty_bytes() {
        assert_eq!(std::mem::size_of::<Item>(), 20);
    }
}
