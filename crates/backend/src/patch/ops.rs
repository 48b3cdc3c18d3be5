//! The handlers of Patch Manager's baseline operations, and the checks
//! that turn a baseline's members into an [`Evaluator`].

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use sysman_api::messages::patch as msg;
use sysman_api::patch::{
    BaselineIdResult, BaselineRules, CreatePatchBaseline, DeletePatchBaseline,
    DeregisterPatchBaselineForPatchGroup, DescribePatchBaselines, DescribePatchBaselinesResult,
    DescribePatchGroups, DescribePatchGroupsResult, GetDefaultPatchBaseline,
    GetDefaultPatchBaselineResult, GetPatchBaseline, GetPatchBaselineForPatchGroup,
    GetPatchBaselineForPatchGroupResult, PatchBaselineDescription, PatchFilterGroup,
    PatchGroupBaseline, PatchGroupPatchBaselineMapping, PatchOrchestratorFilter,
    RegisterDefaultPatchBaseline, RegisterPatchBaselineForPatchGroup, UpdatePatchBaseline, limits,
};
use sysman_api::{ApiError, Operation, Timestamp};

use super::facts::FilterKey;
use super::rules::{Approval, Evaluator, Filter, Rule};
use super::{Baseline, PatchState, StoredBaseline, changed, default_change, group_change};
use crate::gate::{Ctx, Handler};
use crate::{Event, Inner, validate};

const DAY_MS: i64 = 86_400_000;

pub(crate) fn not_found(_id: &str) -> ApiError {
    msg::baseline_not_found()
}

fn owned_by_aws(baseline: &Baseline) -> ApiError {
    msg::predefined(&baseline.stored.id)
}

pub(super) fn check_baseline_id(id: &str) -> Result<(), ApiError> {
    let ok = (20..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-:/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::constraint(
            "baselineId",
            id,
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-:/]{20,128}$",
        ))
    }
}

fn check_name(name: &str, field: &str) -> Result<(), ApiError> {
    let ok = (limits::NAME_MIN..=limits::NAME_MAX).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::constraint(
            field,
            name,
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.]{3,128}$",
        ))
    }
}

pub(crate) fn check_patch_group(group: &str) -> Result<(), ApiError> {
    validate::length(Some(group), "patchGroup", 1, limits::PATCH_GROUP_MAX)?;
    let ok = group
        .chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::constraint(
            "patchGroup",
            group,
            "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
        ))
    }
}

pub(super) fn check_enum(value: &str, field: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::constraint(
            field,
            value,
            &format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ),
        ))
    }
}

/// Checks an `OperatingSystem` value.
pub(crate) fn check_operating_system(os: &str) -> Result<(), ApiError> {
    check_enum(os, "operatingSystem", &sysman_api::patch::OPERATING_SYSTEMS)
}

/// `OperatingSystem`, `WINDOWS` when absent (as AWS).
pub(super) fn operating_system(os: Option<&str>) -> Result<String, ApiError> {
    let os = os.unwrap_or("WINDOWS");
    check_enum(os, "operatingSystem", &sysman_api::patch::OPERATING_SYSTEMS)?;
    Ok(os.to_owned())
}

/// The filter keys a baseline for `os` may use. Debian's family also takes
/// CLASSIFICATION and SEVERITY, which sysman's catalogue carries for it.
fn filter_keys_for(os: &str) -> &'static [FilterKey] {
    use FilterKey::*;
    match os {
        "WINDOWS" => &[
            PatchSet,
            Product,
            ProductFamily,
            Classification,
            MsrcSeverity,
            PatchId,
        ],
        "UBUNTU" | "DEBIAN" | "RASPBIAN" => {
            &[Product, Priority, Section, Classification, Severity, Name]
        }
        "MACOS" => &[Product, Classification, Severity],
        _ => &[
            Product,
            Classification,
            Severity,
            Arch,
            AdvisoryId,
            BugzillaId,
            CveId,
            Epoch,
            Name,
            Release,
            Repository,
            Security,
            Version,
        ],
    }
}

fn is_linux(os: &str) -> bool {
    !matches!(os, "WINDOWS" | "MACOS")
}

fn compile_filters(
    os: &str,
    group: &PatchFilterGroup,
    field: &str,
) -> Result<Vec<Filter>, ApiError> {
    validate::count(
        group.patch_filters.len(),
        &format!("{field}.patchFilters"),
        0,
        limits::FILTERS_MAX,
    )?;
    let allowed = filter_keys_for(os);
    let mut filters: Vec<Filter> = Vec::with_capacity(group.patch_filters.len());
    for (i, f) in group.patch_filters.iter().enumerate() {
        let at = format!("{field}.patchFilters.{}.member", i + 1);
        let key = FilterKey::parse(&f.key).ok_or_else(|| {
            ApiError::constraint(
                &format!("{at}.key"),
                &f.key,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    sysman_api::patch::PATCH_FILTER_KEYS.join(", ")
                ),
            )
        })?;
        if !allowed.contains(&key) {
            let valid = allowed
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(msg::filter_key_not_for(&f.key, os, &valid));
        }
        if filters.iter().any(|g| g.key == key) {
            return Err(msg::filter_key_twice(&f.key));
        }
        validate::count(
            f.values.len(),
            &format!("{at}.values"),
            1,
            limits::FILTER_VALUES_MAX,
        )?;
        for v in &f.values {
            validate::length(Some(v), &format!("{at}.values"), 1, 64)?;
        }
        filters.push(Filter {
            key,
            values: f.values.clone(),
        });
    }
    Ok(filters)
}

/// `YYYY-MM-DD` as the end of that day (UTC).
fn parse_until_date(text: &str, field: &str) -> Result<Timestamp, ApiError> {
    Timestamp::parse_iso8601(&format!("{text}T00:00:00Z"))
        .filter(|_| text.len() == 10)
        .map(|t| t.plus_millis(DAY_MS - 1))
        .ok_or_else(|| msg::not_a_date(field, text))
}

fn compliance_level(level: Option<&str>, field: &str) -> Result<&'static str, ApiError> {
    let level = level.unwrap_or("UNSPECIFIED");
    sysman_api::patch::COMPLIANCE_LEVELS
        .iter()
        .find(|l| **l == level)
        .copied()
        .ok_or_else(|| {
            ApiError::constraint(
                field,
                level,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    sysman_api::patch::COMPLIANCE_LEVELS.join(", ")
                ),
            )
        })
}

fn check_patch_ids(ids: Option<&Vec<String>>, field: &str) -> Result<Vec<String>, ApiError> {
    let ids = ids.cloned().unwrap_or_default();
    validate::count(ids.len(), field, 0, limits::PATCH_IDS_MAX)?;
    for id in &ids {
        validate::length(
            Some(id),
            &format!("{field}.member"),
            1,
            limits::PATCH_ID_MAX,
        )?;
    }
    Ok(ids)
}

/// Checks a baseline's members for `os` and compiles them.
pub(crate) fn compile(os: &str, rules: &BaselineRules) -> Result<Evaluator, ApiError> {
    let global = match &rules.global_filters {
        Some(g) => compile_filters(os, g, "globalFilters")?,
        None => Vec::new(),
    };
    let mut compiled = Vec::new();
    if let Some(group) = &rules.approval_rules {
        validate::count(
            group.patch_rules.len(),
            "approvalRules.patchRules",
            0,
            limits::RULES_MAX,
        )?;
        for (i, rule) in group.patch_rules.iter().enumerate() {
            let at = format!("approvalRules.patchRules.{}.member", i + 1);
            let filters = compile_filters(
                os,
                &rule.patch_filter_group,
                &format!("{at}.patchFilterGroup"),
            )?;
            let approval = match (rule.approve_after_days, &rule.approve_until_date) {
                (Some(days), None) => {
                    if !(0..=limits::APPROVE_AFTER_DAYS_MAX).contains(&days) {
                        return Err(ApiError::constraint(
                            &format!("{at}.approveAfterDays"),
                            days,
                            "Member must have value between 0 and 360",
                        ));
                    }
                    Approval::AfterDays(days)
                }
                (None, Some(date)) => {
                    Approval::UntilEndOf(parse_until_date(date, &format!("{at}.approveUntilDate"))?)
                }
                (Some(_), Some(_)) => {
                    return Err(msg::approve_by_both(i + 1));
                }
                (None, None) => {
                    return Err(msg::approve_by_neither(i + 1));
                }
            };
            compiled.push(Rule {
                filters,
                approval,
                compliance_level: compliance_level(
                    rule.compliance_level.as_deref(),
                    &format!("{at}.complianceLevel"),
                )?,
                enable_non_security: rule.enable_non_security.unwrap_or(false),
            });
        }
    }
    let approved = check_patch_ids(rules.approved_patches.as_ref(), "approvedPatches")?;
    let rejected = check_patch_ids(rules.rejected_patches.as_ref(), "rejectedPatches")?;
    let action = rules
        .rejected_patches_action
        .as_deref()
        .unwrap_or("ALLOW_AS_DEPENDENCY");
    check_enum(
        action,
        "rejectedPatchesAction",
        &sysman_api::patch::PATCH_ACTIONS,
    )?;
    if let Some(status) = &rules.available_security_updates_compliance_status {
        check_enum(
            status,
            "availableSecurityUpdatesComplianceStatus",
            &["COMPLIANT", "NON_COMPLIANT"],
        )?;
    }
    if let Some(sources) = &rules.sources {
        validate::count(sources.len(), "sources", 0, limits::SOURCES_MAX)?;
        if !sources.is_empty() && !is_linux(os) {
            return Err(msg::sources_not_for(os));
        }
        for (i, source) in sources.iter().enumerate() {
            let at = format!("sources.{}.member", i + 1);
            check_name(&source.name, &format!("{at}.name"))?;
            validate::count(source.products.len(), &format!("{at}.products"), 1, 20)?;
            validate::length(
                Some(&source.configuration),
                &format!("{at}.configuration"),
                1,
                1024,
            )?;
        }
    }
    Ok(Evaluator {
        linux: is_linux(os),
        global,
        rules: compiled,
        approved,
        approved_level: compliance_level(
            rules.approved_patches_compliance_level.as_deref(),
            "approvedPatchesComplianceLevel",
        )?,
        approved_non_security: rules.approved_patches_enable_non_security.unwrap_or(false),
        rejected,
        block_rejected: action == "BLOCK",
    })
}

fn describe(
    state: &PatchState,
    baseline: &Baseline,
    with_groups: bool,
) -> PatchBaselineDescription {
    let s = &baseline.stored;
    let mut out = PatchBaselineDescription {
        baseline_id: s.id.clone(),
        name: s.name.clone(),
        operating_system: s.operating_system.clone(),
        patch_groups: with_groups.then(|| state.groups_of(&s.id)),
        created_date: s.created,
        modified_date: s.modified,
        description: s.description.clone(),
        global_filters: None,
        approval_rules: None,
        approved_patches: None,
        approved_patches_compliance_level: None,
        approved_patches_enable_non_security: None,
        rejected_patches: None,
        rejected_patches_action: None,
        sources: None,
        available_security_updates_compliance_status: None,
    };
    // AWS answers with every member, its defaults filled in.
    let mut rules = s.rules.clone();
    rules
        .global_filters
        .get_or_insert_with(PatchFilterGroup::default);
    rules.approval_rules.get_or_insert_with(Default::default);
    rules.approved_patches.get_or_insert_with(Vec::new);
    rules
        .approved_patches_compliance_level
        .get_or_insert_with(|| "UNSPECIFIED".to_owned());
    rules
        .approved_patches_enable_non_security
        .get_or_insert(false);
    rules.rejected_patches.get_or_insert_with(Vec::new);
    rules
        .rejected_patches_action
        .get_or_insert_with(|| "ALLOW_AS_DEPENDENCY".to_owned());
    rules.sources.get_or_insert_with(Vec::new);
    out.set_rules(rules);
    out
}

fn check_description(description: Option<&str>) -> Result<(), ApiError> {
    validate::length(description, "description", 1, limits::DESCRIPTION_MAX)
}

fn request_digest(req: &CreatePatchBaseline) -> String {
    let mut unkeyed = req.clone();
    unkeyed.client_token = None;
    hex::encode(Sha256::digest(
        serde_json::to_vec(&unkeyed).unwrap_or_default(),
    ))
}

impl Handler for CreatePatchBaseline {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let os = operating_system(self.operating_system.as_deref())?;
        check_name(&self.name, "name")?;
        check_description(self.description.as_deref())?;
        validate::length(self.client_token.as_deref(), "clientToken", 1, 64)?;
        let tags = self.tags.clone().unwrap_or_default();
        validate::tags(&tags, "tags")?;
        let rules = self.rules();
        let evaluator = compile(&os, &rules)?;
        let digest = request_digest(&self);
        let commit = {
            let mut state = b.patch.state.write();
            if let Some(token) = &self.client_token {
                let earlier = state.baselines.values().find(|b| {
                    b.stored
                        .client_token
                        .as_ref()
                        .is_some_and(|(t, _)| t == token)
                });
                if let Some(earlier) = earlier {
                    let same = earlier
                        .stored
                        .client_token
                        .as_ref()
                        .is_some_and(|(_, d)| *d == digest);
                    return if same {
                        Ok(BaselineIdResult {
                            baseline_id: earlier.stored.id.clone(),
                        })
                    } else {
                        Err(msg::token_mismatch())
                    };
                }
            }
            let own = state
                .baselines
                .values()
                .filter(|b| !b.is_predefined())
                .count();
            if own >= limits::BASELINES_MAX {
                return Err(msg::too_many_baselines(limits::BASELINES_MAX));
            }
            let id = format!("pb-{}", &b.ids.uuid().replace('-', "")[..17]);
            let baseline = Baseline {
                stored: StoredBaseline {
                    id: id.clone(),
                    name: self.name.clone(),
                    operating_system: os,
                    description: self.description.clone(),
                    rules,
                    created: ctx.now,
                    modified: ctx.now,
                    tags,
                    client_token: self.client_token.clone().map(|t| (t, digest)),
                },
                evaluator: Arc::new(evaluator),
                owner: b.settings.account_id.clone(),
            };
            let change = baseline.change();
            state.baselines.insert(id.clone(), baseline);
            (ctx.commit(&b.store, vec![change]), id)
        };
        let (commit, id) = commit;
        commit.await?;
        ctx.publish(changed(&id));
        Ok(BaselineIdResult { baseline_id: id })
    }
}

impl Handler for GetPatchBaseline {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_baseline_id(&self.baseline_id)?;
        let state = b.patch.state.read();
        let baseline = state
            .baselines
            .get(&self.baseline_id)
            .ok_or_else(|| not_found(&self.baseline_id))?;
        Ok(describe(&state, baseline, true))
    }
}

impl Handler for UpdatePatchBaseline {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_baseline_id(&self.baseline_id)?;
        if let Some(name) = &self.name {
            check_name(name, "name")?;
        }
        check_description(self.description.as_deref())?;
        let given = self.rules();
        let (commit, out) = {
            let mut state = b.patch.state.write();
            let current = state
                .baselines
                .get(&self.baseline_id)
                .ok_or_else(|| not_found(&self.baseline_id))?;
            if current.is_predefined() {
                return Err(owned_by_aws(current));
            }
            let replace = self.replace.unwrap_or(false);
            let mut rules = if replace {
                BaselineRules::default()
            } else {
                current.stored.rules.clone()
            };
            macro_rules! take {
                ($($field:ident),*) => {
                    $(if given.$field.is_some() { rules.$field = given.$field.clone(); })*
                };
            }
            take!(
                global_filters,
                approval_rules,
                approved_patches,
                approved_patches_compliance_level,
                approved_patches_enable_non_security,
                rejected_patches,
                rejected_patches_action,
                sources,
                available_security_updates_compliance_status
            );
            let evaluator = compile(&current.stored.operating_system, &rules)?;
            let mut updated = current.clone();
            if let Some(name) = &self.name {
                updated.stored.name = name.clone();
            }
            if self.description.is_some() || replace {
                updated.stored.description = self.description.clone();
            }
            updated.stored.rules = rules;
            updated.stored.modified = ctx.now;
            updated.evaluator = Arc::new(evaluator);
            let change = updated.change();
            let out = describe(&state, &updated, false);
            state.baselines.insert(self.baseline_id.clone(), updated);
            (ctx.commit(&b.store, vec![change]), out)
        };
        commit.await?;
        ctx.publish(changed(&self.baseline_id));
        Ok(out)
    }
}

impl Handler for DeletePatchBaseline {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_baseline_id(&self.baseline_id)?;
        let commit = {
            let mut state = b.patch.state.write();
            let baseline = state
                .baselines
                .get(&self.baseline_id)
                .ok_or_else(|| not_found(&self.baseline_id))?;
            if baseline.is_predefined() {
                return Err(owned_by_aws(baseline));
            }
            if state.is_default(baseline) {
                return Err(msg::default_in_use(
                    &self.baseline_id,
                    &baseline.stored.operating_system,
                ));
            }
            let groups = state.groups_of(&self.baseline_id);
            if !groups.is_empty() {
                return Err(msg::registered_in_use(
                    &self.baseline_id,
                    &groups.join(", "),
                ));
            }
            state.baselines.remove(&self.baseline_id);
            ctx.commit(
                &b.store,
                vec![crate::store::Change::Delete {
                    kind: super::BASELINE_KIND,
                    id: self.baseline_id.clone(),
                }],
            )
        };
        commit.await?;
        ctx.publish(Event::PatchBaselineDeleted {
            baseline_id: self.baseline_id.clone(),
        });
        Ok(BaselineIdResult {
            baseline_id: self.baseline_id,
        })
    }
}

/// `PatchOrchestratorFilter`s, each with one of `keys`: at most five, every
/// one of which must hold (DescribePatchBaselines, DescribePatchGroups,
/// DescribeAvailablePatches).
pub(super) fn orchestrator_filters(
    filters: Option<&Vec<PatchOrchestratorFilter>>,
    keys: &[&str],
) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let filters = filters.cloned().unwrap_or_default();
    validate::count(
        filters.len(),
        "filters",
        0,
        limits::ORCHESTRATOR_FILTERS_MAX,
    )?;
    filters
        .into_iter()
        .map(|f| {
            let key = f.key.unwrap_or_default();
            if !keys.contains(&key.as_str()) {
                return Err(msg::filter_key_not_valid(&key, &keys.join(", ")));
            }
            Ok((key, f.values.unwrap_or_default()))
        })
        .collect()
}

pub(super) fn page_token(
    b: &Inner,
    operation: &str,
    filters: &impl serde::Serialize,
    more: bool,
    last: Option<String>,
) -> Option<String> {
    if more {
        last.map(|k| b.pager.issue(operation, filters, &k))
    } else {
        None
    }
}

impl Handler for DescribePatchBaselines {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, limits::BASELINE_MAX_RESULTS, 100)?;
        let filters = orchestrator_filters(
            self.filters.as_ref(),
            &["NAME_PREFIX", "OWNER", "OPERATING_SYSTEM"],
        )?;
        for (key, values) in &filters {
            if key == "OWNER" {
                for v in values {
                    check_enum(v, "filters.OWNER", &["AWS", "Self", "All"])?;
                }
            }
        }
        let start = b
            .pager
            .start(Self::NAME, &filters, self.next_token.as_deref())?;
        let state = b.patch.state.read();
        let keep = |baseline: &Baseline| {
            filters.iter().all(|(key, values)| {
                let s = &baseline.stored;
                match key.as_str() {
                    "NAME_PREFIX" => values.iter().any(|p| s.name.starts_with(p.as_str())),
                    "OPERATING_SYSTEM" => values.contains(&s.operating_system),
                    _ => values.iter().any(|v| match v.as_str() {
                        "AWS" => baseline.is_predefined(),
                        "Self" => !baseline.is_predefined(),
                        _ => true,
                    }),
                }
            })
        };
        let mut last = None;
        let (page, more) = crate::paging::collect(
            state.baselines.range::<str, _>(start.range()),
            limit,
            |(id, baseline)| {
                last = Some(id.clone());
                keep(baseline).then(|| baseline.identity(state.is_default(baseline)))
            },
        );
        Ok(DescribePatchBaselinesResult {
            baseline_identities: page,
            next_token: page_token(b, Self::NAME, &filters, more, last),
        })
    }
}

impl Handler for RegisterDefaultPatchBaseline {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_baseline_id(&self.baseline_id)?;
        let commit = {
            let mut state = b.patch.state.write();
            let baseline = state
                .baselines
                .get(&self.baseline_id)
                .ok_or_else(|| not_found(&self.baseline_id))?;
            let os = baseline.stored.operating_system.clone();
            state.defaults.insert(os.clone(), self.baseline_id.clone());
            ctx.commit(&b.store, vec![default_change(&os, &self.baseline_id)])
        };
        commit.await?;
        ctx.publish(changed(&self.baseline_id));
        Ok(BaselineIdResult {
            baseline_id: self.baseline_id,
        })
    }
}

impl Handler for GetDefaultPatchBaseline {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let os = operating_system(self.operating_system.as_deref())?;
        let state = b.patch.state.read();
        let baseline = state
            .default_for(&os)
            .ok_or_else(|| ApiError::internal(format!("{os} has no default baseline")))?;
        Ok(GetDefaultPatchBaselineResult {
            baseline_id: baseline.stored.id.clone(),
            operating_system: os,
        })
    }
}

impl Handler for RegisterPatchBaselineForPatchGroup {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_baseline_id(&self.baseline_id)?;
        check_patch_group(&self.patch_group)?;
        let commit = {
            let mut state = b.patch.state.write();
            let baseline = state
                .baselines
                .get(&self.baseline_id)
                .ok_or_else(|| not_found(&self.baseline_id))?;
            let os = baseline.stored.operating_system.clone();
            let key = (self.patch_group.clone(), os.clone());
            if state.groups.contains_key(&key) {
                return Err(msg::group_taken(&os));
            }
            if state.groups_of(&self.baseline_id).len() >= limits::PATCH_GROUPS_PER_BASELINE {
                return Err(msg::too_many_groups(limits::PATCH_GROUPS_PER_BASELINE));
            }
            state.groups.insert(key, self.baseline_id.clone());
            ctx.commit(
                &b.store,
                vec![group_change(
                    &self.patch_group,
                    &os,
                    Some(&self.baseline_id),
                )],
            )
        };
        commit.await?;
        ctx.publish(changed(&self.baseline_id));
        Ok(PatchGroupBaseline {
            baseline_id: self.baseline_id,
            patch_group: self.patch_group,
        })
    }
}

impl Handler for DeregisterPatchBaselineForPatchGroup {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_baseline_id(&self.baseline_id)?;
        check_patch_group(&self.patch_group)?;
        let commit = {
            let mut state = b.patch.state.write();
            if !state.baselines.contains_key(&self.baseline_id) {
                return Err(not_found(&self.baseline_id));
            }
            let key = state
                .groups
                .iter()
                .find(|((group, _), id)| *group == self.patch_group && **id == self.baseline_id)
                .map(|(key, _)| key.clone())
                .ok_or_else(|| msg::group_not_registered(&self.patch_group, &self.baseline_id))?;
            state.groups.remove(&key);
            ctx.commit(&b.store, vec![group_change(&key.0, &key.1, None)])
        };
        commit.await?;
        ctx.publish(changed(&self.baseline_id));
        Ok(PatchGroupBaseline {
            baseline_id: self.baseline_id,
            patch_group: self.patch_group,
        })
    }
}

impl Handler for GetPatchBaselineForPatchGroup {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_patch_group(&self.patch_group)?;
        let os = operating_system(self.operating_system.as_deref())?;
        let state = b.patch.state.read();
        // A group with no baseline of its own patches by the default.
        let baseline = state
            .baseline_for(&os, Some(&self.patch_group))
            .ok_or_else(|| ApiError::internal(format!("{os} has no default baseline")))?;
        Ok(GetPatchBaselineForPatchGroupResult {
            baseline_id: baseline.stored.id.clone(),
            patch_group: self.patch_group,
            operating_system: os,
        })
    }
}

impl Handler for DescribePatchGroups {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, limits::BASELINE_MAX_RESULTS, 100)?;
        let filters =
            orchestrator_filters(self.filters.as_ref(), &["NAME_PREFIX", "OPERATING_SYSTEM"])?;
        let start = b
            .pager
            .start(Self::NAME, &filters, self.next_token.as_deref())?;
        let state = b.patch.state.read();
        let keyed: BTreeMap<String, (&String, &String, &String)> = state
            .groups
            .iter()
            .map(|((group, os), id)| (format!("{group}\u{0}{os}"), (group, os, id)))
            .collect();
        let mut last = None;
        let (mappings, more) = crate::paging::collect(
            keyed.range::<str, _>(start.range()),
            limit,
            |(key, (group, os, id))| {
                last = Some(key.clone());
                let keep = filters.iter().all(|(k, values)| match k.as_str() {
                    "NAME_PREFIX" => values.iter().any(|p| group.starts_with(p.as_str())),
                    _ => values.contains(os),
                });
                let baseline = state.baselines.get(*id)?;
                keep.then(|| PatchGroupPatchBaselineMapping {
                    patch_group: (*group).clone(),
                    baseline_identity: baseline.identity(state.is_default(baseline)),
                })
            },
        );
        Ok(DescribePatchGroupsResult {
            mappings,
            next_token: page_token(b, Self::NAME, &filters, more, last),
        })
    }
}
