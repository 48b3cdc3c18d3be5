//! The compliance operations.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use sysman_api::compliance::{
    ComplianceItemEntry, ComplianceSeverity, ComplianceStatus, ComplianceSummaryItem,
    ComplianceUploadType, ListComplianceItems, ListComplianceItemsResult, ListComplianceSummaries,
    ListComplianceSummariesResult, ListResourceComplianceSummaries,
    ListResourceComplianceSummariesResult, MANAGED_INSTANCE, PutComplianceItems, limits,
};
use sysman_api::messages::compliance as msg;
use sysman_api::{ApiError, Empty, Operation};

use super::filters::{self, Field, Filter, Scope};
use super::{Batch, Counts, Entry, Item, Record, State, is_custom, is_reserved};
use crate::gate::{Ctx, Handler};
use crate::{Event, Inner, validate};

const TYPE_PATTERN: &str = "Member must satisfy regular expression pattern: [A-Za-z0-9_\\-]\\w+|Custom:[a-zA-Z0-9_\\-]\\w+";

/// `[A-Za-z0-9_\-]\w+|Custom:[a-zA-Z0-9_\-]\w+`, matched whole.
fn is_type_name(s: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let name = |t: &str| {
        let mut chars = t.chars();
        chars.next().is_some_and(|c| word(c) || c == '-')
            && !chars.as_str().is_empty()
            && chars.all(word)
    };
    name(s) || s.strip_prefix("Custom:").is_some_and(name)
}

/// A compliance type a caller may put: `Custom:<name>`.
fn check_put_type(t: &str) -> Result<(), ApiError> {
    validate::length(Some(t), "complianceType", 1, limits::TYPE_NAME_MAX)?;
    if !is_type_name(t) {
        return Err(ApiError::constraint("complianceType", t, TYPE_PATTERN));
    }
    if is_reserved(t) {
        let owner = if t == sysman_api::compliance::PATCH {
            "Patch Manager"
        } else {
            "State Manager"
        };
        return Err(msg::reserved_type(t, owner));
    }
    if !is_custom(t) {
        return Err(msg::not_custom(t));
    }
    Ok(())
}

fn check_resource_type(t: &str, field: &str) -> Result<(), ApiError> {
    validate::length(Some(t), field, 1, limits::RESOURCE_TYPE_MAX)?;
    if t != MANAGED_INSTANCE {
        return Err(msg::unsupported_resource_type(t));
    }
    Ok(())
}

fn unknown_resource(id: &str) -> ApiError {
    msg::unknown_resource(id)
}

/// Checks one item as a caller puts it and turns it into an [`Entry`].
fn check_item(i: usize, item: ComplianceItemEntry) -> Result<Entry, ApiError> {
    let at = |member: &str| format!("items.{}.member.{member}", i + 1);
    let severity = ComplianceSeverity::parse(&item.severity).ok_or_else(|| {
        ApiError::constraint(
            &at("severity"),
            &item.severity,
            "Member must satisfy enum value set: [CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, \
             UNSPECIFIED]",
        )
    })?;
    let status = ComplianceStatus::parse(&item.status).ok_or_else(|| {
        ApiError::constraint(
            &at("status"),
            &item.status,
            "Member must satisfy enum value set: [COMPLIANT, NON_COMPLIANT]",
        )
    })?;
    if let Some(title) = &item.title
        && title.chars().count() > limits::TITLE_MAX
    {
        return Err(ApiError::constraint(
            &at("title"),
            title,
            "Member must have length less than or equal to 500",
        ));
    }
    let details = item.details.unwrap_or_default();
    for (key, value) in &details {
        let len = key.chars().count();
        if len == 0 || len > limits::DETAIL_KEY_MAX {
            return Err(ApiError::constraint(
                &at("details"),
                key,
                "Map keys must have length between 1 and 64",
            ));
        }
        if value.chars().count() > limits::DETAIL_VALUE_MAX {
            return Err(ApiError::constraint(
                &at("details"),
                format!("{key}={}...", value.chars().take(32).collect::<String>()),
                "Map values must have length less than or equal to 4096",
            ));
        }
    }
    Ok(Entry {
        id: item.id.unwrap_or_default(),
        title: item.title.unwrap_or_default(),
        severity,
        status,
        details,
    })
}

impl Handler for PutComplianceItems {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        validate::length(
            Some(&self.resource_id),
            "resourceId",
            1,
            limits::RESOURCE_ID_MAX,
        )?;
        validate::length(
            Some(&self.resource_type),
            "resourceType",
            1,
            limits::RESOURCE_TYPE_MAX,
        )?;
        check_put_type(&self.compliance_type)?;
        let execution = self.execution_summary;
        validate::length(
            execution.execution_id.as_deref(),
            "executionSummary.executionId",
            0,
            limits::EXECUTION_ID_MAX,
        )?;
        validate::length(
            execution.execution_type.as_deref(),
            "executionSummary.executionType",
            0,
            limits::EXECUTION_TYPE_MAX,
        )?;
        validate::length(
            self.item_content_hash.as_deref(),
            "itemContentHash",
            0,
            limits::CONTENT_HASH_MAX,
        )?;
        if self.items.len() > limits::ITEMS_MAX {
            return Err(ApiError::constraint(
                "items",
                format!("{} items", self.items.len()),
                "Member must have length less than or equal to 10000",
            ));
        }
        let upload = match self.upload_type.as_deref() {
            None => ComplianceUploadType::Complete,
            Some(u) => ComplianceUploadType::parse(u).ok_or_else(|| {
                ApiError::constraint(
                    "uploadType",
                    u,
                    "Member must satisfy enum value set: [COMPLETE, PARTIAL]",
                )
            })?,
        };
        let items = self
            .items
            .into_iter()
            .enumerate()
            .map(|(i, item)| check_item(i, item))
            .collect::<Result<Vec<_>, _>>()?;
        check_resource_type(&self.resource_type, "resourceType")?;
        if !sysman_api::fleet::is_instance_id(&self.resource_id) {
            return Err(unknown_resource(&self.resource_id));
        }
        let clear = items.is_empty() && upload == ComplianceUploadType::Complete;
        let batch = Batch {
            execution,
            items,
            upload,
            content_hash: self.item_content_hash,
        };
        let commit = {
            // The fleet's lock before the compliance lock, as everywhere.
            let fleet = b.fleet.read();
            if !fleet.view().contains(&self.resource_id) {
                return Err(unknown_resource(&self.resource_id));
            }
            let mut compliance = b.compliance.write();
            let changes = if clear {
                // No items, complete: the resource no longer carries the type.
                compliance.remove(&self.resource_id, &self.compliance_type)
            } else {
                compliance.stage(&self.resource_id, &self.compliance_type, batch)?
            };
            if changes.is_empty() {
                return Ok(Empty {});
            }
            ctx.commit(&b.store, changes)
        };
        commit.await?;
        ctx.publish(Event::ComplianceChanged {
            resource_id: self.resource_id,
            compliance_type: self.compliance_type,
        });
        Ok(Empty {})
    }
}

impl State {
    /// Whether an item passes every filter of ListComplianceItems.
    fn item_passes(&self, filters: &[Filter], record: &Record, item: &Item) -> bool {
        let exec = record
            .executions
            .get(usize::from(item.exec))
            .unwrap_or(&record.latest);
        filters.iter().all(|f| match &f.field {
            Field::ComplianceType => f.text(Some(&record.compliance_type)),
            Field::Id => f.text(Some(self.text(item.id))),
            Field::Title => f.text(Some(self.text(item.title))),
            Field::Status => f.text(Some(item.status.as_str())),
            Field::Severity => f.severity(item.severity),
            Field::ExecutionId => f.text(exec.execution_id.as_deref()),
            Field::ExecutionType => f.text(exec.execution_type.as_deref()),
            Field::ExecutionTime => f.time(exec.execution_time),
            Field::Detail(key) => f.text(self.detail(record, item, key)),
            Field::ResourceId => f.text(None),
            Field::ResourceType => f.text(Some(MANAGED_INSTANCE)),
        })
    }
}

/// Whether a resource's record of one type passes every summary filter.
fn record_passes(filters: &[Filter], resource_id: &str, record: &Record) -> bool {
    filters.iter().all(|f| match &f.field {
        Field::ComplianceType => f.text(Some(&record.compliance_type)),
        Field::ResourceId => f.text(Some(resource_id)),
        Field::ResourceType => f.text(Some(MANAGED_INSTANCE)),
        Field::Status => f.text(Some(record.counts.status().as_str())),
        Field::Severity => f.severity(record.counts.overall()),
        Field::ExecutionId => f.text(record.latest.execution_id.as_deref()),
        Field::ExecutionType => f.text(record.latest.execution_type.as_deref()),
        Field::ExecutionTime => f.time(record.latest.execution_time),
        // Keys of items only; refused when compiled.
        Field::Id | Field::Title | Field::Detail(_) => true,
    })
}

fn invalid_token() -> ApiError {
    sysman_api::messages::paging::invalid_next_token()
}

impl Handler for ListComplianceItems {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(
            self.max_results,
            1,
            limits::LIST_MAX_RESULTS,
            limits::LIST_MAX_RESULTS,
        )?;
        let given = self.resource_ids.as_deref().unwrap_or_default();
        validate::count(given.len(), "resourceIds", 1, limits::RESOURCE_IDS_MAX)?;
        for (i, id) in given.iter().enumerate() {
            validate::length(
                Some(id),
                &format!("resourceIds.{}.member", i + 1),
                1,
                limits::RESOURCE_ID_MAX,
            )?;
        }
        if let Some(types) = &self.resource_types {
            validate::count(types.len(), "resourceTypes", 1, usize::MAX)?;
            for (i, t) in types.iter().enumerate() {
                check_resource_type(t, &format!("resourceTypes.{}.member", i + 1))?;
            }
        }
        let filters = filters::compile(self.filters.as_deref(), Scope::Items)?;
        let mut ids: Vec<&str> = given.iter().map(String::as_str).collect();
        ids.sort_unstable();
        ids.dedup();
        let scope = (&ids, &self.resource_types, &self.filters);
        let start = match &self.next_token {
            None => None,
            Some(token) => {
                let key = b.pager.resume(Self::NAME, &scope, token)?;
                let mut parts = key.splitn(3, '\n');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(r), Some(t), Some(i)) => Some((
                        r.to_owned(),
                        t.to_owned(),
                        i.parse::<usize>().map_err(|_| invalid_token())?,
                    )),
                    _ => return Err(invalid_token()),
                }
            }
        };
        // The fleet's lock before the compliance lock, as everywhere.
        let unregistered: Vec<&str> = {
            let fleet = b.fleet.read();
            ids.iter()
                .copied()
                .filter(|id| !fleet.view().contains(id))
                .collect()
        };
        let state = b.compliance.read();
        // A node deregistered since keeps what it had until it is cleared.
        if let Some(id) = unregistered
            .iter()
            .find(|id| !state.resources.contains_key(**id))
        {
            return Err(unknown_resource(id));
        }
        let mut page = Vec::new();
        let mut last: Option<(&str, &str, usize)> = None;
        let mut more = false;
        'scan: for id in &ids {
            let Some(records) = state.resources.get(*id) else {
                continue;
            };
            for record in records {
                let here = (*id, &*record.compliance_type);
                let from = match &start {
                    None => 0,
                    Some((r, t, i)) => match here.cmp(&(r.as_str(), t.as_str())) {
                        std::cmp::Ordering::Less => continue,
                        std::cmp::Ordering::Equal => i + 1,
                        std::cmp::Ordering::Greater => 0,
                    },
                };
                for (at, item) in record.items.iter().enumerate().skip(from) {
                    if !state.item_passes(&filters, record, item) {
                        continue;
                    }
                    if page.len() == limit {
                        more = true;
                        break 'scan;
                    }
                    page.push(state.item_view(id, record, item));
                    last = Some((id, &*record.compliance_type, at));
                }
            }
        }
        let next_token = match last {
            Some((r, t, i)) if more => {
                Some(b.pager.issue(Self::NAME, &scope, &format!("{r}\n{t}\n{i}")))
            }
            _ => None,
        };
        Ok(ListComplianceItemsResult {
            compliance_items: page,
            next_token,
        })
    }
}

fn summary_item(compliance_type: &str, counts: &Counts) -> ComplianceSummaryItem {
    ComplianceSummaryItem {
        compliance_type: compliance_type.to_owned(),
        compliant_summary: counts.compliant(),
        non_compliant_summary: counts.non_compliant(),
    }
}

impl Handler for ListComplianceSummaries {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(
            self.max_results,
            1,
            limits::LIST_MAX_RESULTS,
            limits::LIST_MAX_RESULTS,
        )?;
        let filters = filters::compile(self.filters.as_deref(), Scope::Summaries)?;
        let start = b
            .pager
            .start(Self::NAME, &self.filters, self.next_token.as_deref())?;
        let state = b.compliance.read();
        let mut page = Vec::new();
        let mut more = false;
        let mut push = |t: &str, counts: &Counts| {
            if page.len() == limit {
                more = true;
                false
            } else {
                page.push(summary_item(t, counts));
                true
            }
        };
        if filters.iter().all(|f| f.field == Field::ComplianceType) {
            // The totals kept per type answer without looking at a resource.
            for (t, counts) in state.totals.range::<str, _>(start.range()) {
                if filters.iter().all(|f| f.text(Some(t))) && !push(t, counts) {
                    break;
                }
            }
        } else {
            // Filters on resources: count the resources that pass.
            let mut totals: BTreeMap<&str, Counts> = BTreeMap::new();
            for (id, records) in &state.resources {
                for record in records {
                    if record_passes(&filters, id, record) {
                        let mut one = Counts::default();
                        *one.cell(record.counts.status(), record.counts.overall()) = 1;
                        totals
                            .entry(&*record.compliance_type)
                            .or_default()
                            .add(&one);
                    }
                }
            }
            for (t, counts) in totals.range::<str, _>(start.range()) {
                if !push(t, counts) {
                    break;
                }
            }
        }
        let next_token = match page.last() {
            Some(last) if more => Some(b.pager.issue(
                Self::NAME,
                &self.filters,
                &last.compliance_type,
            )),
            _ => None,
        };
        Ok(ListComplianceSummariesResult {
            compliance_summary_items: page,
            next_token,
        })
    }
}

impl Handler for ListResourceComplianceSummaries {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(
            self.max_results,
            1,
            limits::LIST_MAX_RESULTS,
            limits::LIST_MAX_RESULTS,
        )?;
        let filters = filters::compile(self.filters.as_deref(), Scope::Summaries)?;
        let start = match &self.next_token {
            None => None,
            Some(token) => {
                let key = b.pager.resume(Self::NAME, &self.filters, token)?;
                let mut parts = key.splitn(4, '\n');
                let rank = |p: Option<&str>| p.and_then(|p| p.parse::<u8>().ok());
                match (
                    rank(parts.next()),
                    rank(parts.next()),
                    parts.next(),
                    parts.next(),
                ) {
                    (Some(s), Some(v), Some(r), Some(t)) => {
                        Some((s, v, Arc::<str>::from(r), Arc::<str>::from(t)))
                    }
                    _ => return Err(invalid_token()),
                }
            }
        };
        let state = b.compliance.read();
        let range = match &start {
            Some(key) => state.ranked.range((Bound::Excluded(key), Bound::Unbounded)),
            None => state.ranked.range(..),
        };
        let mut page = Vec::new();
        let mut last = None;
        let mut more = false;
        for key in range {
            let (_, _, resource, compliance_type) = key;
            let Some(record) = state.record(resource, compliance_type) else {
                continue;
            };
            if !record_passes(&filters, resource, record) {
                continue;
            }
            if page.len() == limit {
                more = true;
                break;
            }
            page.push(state.summary_view(resource, record));
            last = Some(key);
        }
        let next_token = match last {
            Some((s, v, r, t)) if more => Some(b.pager.issue(
                Self::NAME,
                &self.filters,
                &format!("{s}\n{v}\n{r}\n{t}"),
            )),
            _ => None,
        };
        Ok(ListResourceComplianceSummariesResult {
            resource_compliance_summary_items: page,
            next_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_follow_the_model_pattern() {
        for ok in [
            "Custom:AVCheck",
            "Custom:a_b9",
            "Patch",
            "Association",
            "Custom:-x",
        ] {
            assert!(is_type_name(ok), "{ok}");
        }
        for bad in [
            "Custom:",
            "Custom:a",
            "custom:AV",
            "Custom:AV Check",
            "P",
            "Custom:AV:1",
            "Custom:a-b",
        ] {
            assert!(!is_type_name(bad), "{bad}");
        }
    }
}
