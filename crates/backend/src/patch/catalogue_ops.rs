//! The handlers that read the patch catalogue: the patches there are
//! (DescribeAvailablePatches), what a baseline makes of them
//! (DescribeEffectivePatchesForPatchBaseline) and the values their
//! properties take (DescribePatchProperties).

use std::collections::BTreeMap;

use sysman_api::patch::{
    DescribeAvailablePatches, DescribeAvailablePatchesResult,
    DescribeEffectivePatchesForPatchBaseline, DescribeEffectivePatchesForPatchBaselineResult,
    DescribePatchProperties, DescribePatchPropertiesResult, EffectivePatch, Patch,
    PatchOrchestratorFilter, PatchStatus, limits,
};
use sysman_api::{ApiError, Operation};

use super::facts::{FilterKey, PatchFacts};
use super::ops::{
    check_baseline_id, check_enum, not_found, operating_system, orchestrator_filters, page_token,
};
use super::rules::{Filter, Verdict};
use crate::gate::{Ctx, Handler};
use crate::patch::catalogue::CatalogPatch;
use crate::{Inner, validate};

/// A catalogue patch as the wire describes it.
pub(crate) fn wire_patch(p: &CatalogPatch) -> Patch {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Patch {
        id: p.id.clone(),
        release_date: Some(p.released),
        title: Some(p.title.clone()),
        description: some(&p.description),
        content_url: some(&p.content_url),
        vendor: some(p.vendor),
        product_family: Some(p.product_family.to_owned()),
        product: Some(p.product.to_owned()),
        classification: Some(p.classification.to_owned()),
        msrc_severity: p.msrc_severity.map(str::to_owned),
        kb_number: p.kb_number.clone(),
        msrc_number: p.msrc_number.clone(),
        language: some(&p.language),
        advisory_ids: p.advisory_ids.clone(),
        bugzilla_ids: p.bugzilla_ids.clone(),
        cve_ids: p.cve_ids.clone(),
        name: some(&p.name),
        epoch: (p.operating_system != "WINDOWS").then_some(i64::from(p.epoch)),
        version: some(&p.version),
        release: some(&p.release),
        arch: some(&p.arch),
        severity: Some(p.severity.to_owned()),
        repository: some(&p.repository),
    }
}

/// Filters of DescribeAvailablePatches: patch filter keys, with values
/// matched as baselines match them.
fn patch_filters(filters: Option<&Vec<PatchOrchestratorFilter>>) -> Result<Vec<Filter>, ApiError> {
    Ok(
        orchestrator_filters(filters, &sysman_api::patch::PATCH_FILTER_KEYS)?
            .into_iter()
            .filter_map(|(key, values)| {
                Some(Filter {
                    key: FilterKey::parse(&key)?,
                    values,
                })
            })
            .collect(),
    )
}

fn filter_matches(filter: &Filter, patch: &CatalogPatch) -> bool {
    filter.values.is_empty()
        || patch.any_value(filter.key, &mut |have| {
            filter
                .values
                .iter()
                .any(|want| super::rules::glob_matches(want, have))
        })
}

impl Handler for DescribeAvailablePatches {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let limit = validate::max_results(self.max_results, 1, limits::BASELINE_MAX_RESULTS, 100)?;
        let filters = patch_filters(self.filters.as_ref())?;
        let digest: Vec<(&str, &Vec<String>)> = filters
            .iter()
            .map(|f| (f.key.as_str(), &f.values))
            .collect();
        let after = self
            .next_token
            .as_deref()
            .map(|t| b.pager.resume(Self::NAME, &digest, t))
            .transpose()?;
        let Some(catalogue) = b.patch.catalogue() else {
            return Ok(DescribeAvailablePatchesResult {
                patches: Vec::new(),
                next_token: None,
            });
        };
        let mut seen_start = after.is_none();
        let mut last = None;
        let (patches, more) = crate::paging::collect(
            catalogue.all_released(ctx.now).filter(|p| {
                if seen_start {
                    return true;
                }
                seen_start = after.as_deref() == Some(p.id.as_str());
                false
            }),
            limit,
            |p| {
                last = Some(p.id.clone());
                filters
                    .iter()
                    .all(|f| filter_matches(f, p))
                    .then(|| wire_patch(p))
            },
        );
        Ok(DescribeAvailablePatchesResult {
            patches,
            next_token: page_token(b, Self::NAME, &digest, more, last),
        })
    }
}

pub(crate) fn wire_status(verdict: &Verdict) -> PatchStatus {
    PatchStatus {
        deployment_status: verdict.deployment.as_str().to_owned(),
        compliance_level: Some(verdict.compliance_level.to_owned()),
        approval_date: verdict.approval_date,
    }
}

impl Handler for DescribeEffectivePatchesForPatchBaseline {
    async fn handle(self, b: &Inner, ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        check_baseline_id(&self.baseline_id)?;
        let limit = validate::max_results(self.max_results, 1, limits::BASELINE_MAX_RESULTS, 100)?;
        let after = self
            .next_token
            .as_deref()
            .map(|t| b.pager.resume(Self::NAME, &self.baseline_id, t))
            .transpose()?;
        let (os, evaluator) = {
            let state = b.patch.state.read();
            let baseline = state
                .baselines
                .get(&self.baseline_id)
                .ok_or_else(|| not_found(&self.baseline_id))?;
            (
                baseline.stored.operating_system.clone(),
                baseline.evaluator.clone(),
            )
        };
        let Some(catalogue) = b.patch.catalogue() else {
            return Ok(DescribeEffectivePatchesForPatchBaselineResult {
                effective_patches: Vec::new(),
                next_token: None,
            });
        };
        let mut seen_start = after.is_none();
        let mut last = None;
        let (effective_patches, more) = crate::paging::collect(
            catalogue
                .all_released(ctx.now)
                .filter(|p| p.operating_system == os)
                .filter(|p| {
                    if seen_start {
                        return true;
                    }
                    seen_start = after.as_deref() == Some(p.id.as_str());
                    false
                }),
            limit,
            |p| {
                last = Some(p.id.clone());
                evaluator.verdict(p, ctx.now).map(|v| EffectivePatch {
                    patch: wire_patch(p),
                    patch_status: wire_status(&v),
                })
            },
        );
        Ok(DescribeEffectivePatchesForPatchBaselineResult {
            effective_patches,
            next_token: page_token(b, Self::NAME, &self.baseline_id, more, last),
        })
    }
}

/// The values a patch property takes on `os`, as AWS lists them.
fn property_values(os: &str, property: &str) -> Vec<BTreeMap<String, String>> {
    let names: &[&str] = match (property, os) {
        ("PRODUCT", "WINDOWS") => &[
            "WindowsServer2016",
            "WindowsServer2019",
            "WindowsServer2022",
            "WindowsServer2025",
        ],
        ("PRODUCT", "AMAZON_LINUX_2023") => &["AmazonLinux2023"],
        ("PRODUCT", "UBUNTU") => &["Ubuntu20.04", "Ubuntu22.04", "Ubuntu24.04"],
        ("PRODUCT", "REDHAT_ENTERPRISE_LINUX") => &[
            "RedhatEnterpriseLinux8.10",
            "RedhatEnterpriseLinux9.4",
            "RedhatEnterpriseLinux9.5",
        ],
        ("PRODUCT", "DEBIAN") => &["Debian11", "Debian12"],
        ("PRODUCT", "MACOS") => &["MacOS13", "MacOS14", "MacOS15"],
        ("PRODUCT_FAMILY", "WINDOWS") => &["Windows"],
        ("PRODUCT_FAMILY", "MACOS") => &["macOS"],
        ("CLASSIFICATION", "WINDOWS") => &[
            "CriticalUpdates",
            "DefinitionUpdates",
            "Drivers",
            "FeaturePacks",
            "SecurityUpdates",
            "ServicePacks",
            "Tools",
            "UpdateRollups",
            "Updates",
            "Upgrades",
        ],
        ("CLASSIFICATION", _) => &[
            "Bugfix",
            "Enhancement",
            "Newpackage",
            "Recommended",
            "Security",
        ],
        ("MSRC_SEVERITY", "WINDOWS") => {
            &["Critical", "Important", "Low", "Moderate", "Unspecified"]
        }
        ("SEVERITY", "WINDOWS") => &["Critical", "Important", "Low", "Moderate", "Unspecified"],
        // Red Hat's errata, and the distributions built from them, say Moderate.
        (
            "SEVERITY",
            "REDHAT_ENTERPRISE_LINUX" | "CENTOS" | "ORACLE_LINUX" | "ROCKY_LINUX" | "ALMA_LINUX",
        ) => &["Critical", "Important", "Low", "Moderate", "None"],
        ("SEVERITY", _) => &["Critical", "Important", "Low", "Medium", "None"],
        ("PRIORITY", "UBUNTU" | "DEBIAN" | "RASPBIAN") => {
            &["Extra", "Important", "Optional", "Required", "Standard"]
        }
        _ => &[],
    };
    names
        .iter()
        .map(|n| {
            let mut entry = BTreeMap::new();
            entry.insert("Name".to_owned(), (*n).to_owned());
            if property == "PRODUCT" {
                let family = match os {
                    "WINDOWS" => "Windows",
                    "MACOS" => "macOS",
                    _ => "Linux",
                };
                entry.insert("ProductFamily".to_owned(), family.to_owned());
            }
            entry
        })
        .collect()
}

impl Handler for DescribePatchProperties {
    async fn handle(self, b: &Inner, _ctx: &mut Ctx) -> Result<Self::Output, ApiError> {
        let os = operating_system(Some(&self.operating_system))?;
        check_enum(
            &self.property,
            "property",
            &sysman_api::patch::PATCH_PROPERTIES,
        )?;
        if let Some(set) = &self.patch_set {
            check_enum(set, "patchSet", &["OS", "APPLICATION"])?;
        }
        let limit = validate::max_results(self.max_results, 1, 50, 50)?;
        let key = (&os, &self.property, &self.patch_set);
        let skip = match self.next_token.as_deref() {
            Some(t) => b
                .pager
                .resume(Self::NAME, &key, t)?
                .parse::<usize>()
                .unwrap_or(0),
            None => 0,
        };
        // Applications are patched on Windows only, and sysman's catalogue
        // has none.
        let values = if self.patch_set.as_deref() == Some("APPLICATION") {
            Vec::new()
        } else {
            property_values(&os, &self.property)
        };
        let end = (skip + limit).min(values.len());
        let properties = values.get(skip..end).unwrap_or_default().to_vec();
        let next_token =
            (end < values.len()).then(|| b.pager.issue(Self::NAME, &key, &end.to_string()));
        Ok(DescribePatchPropertiesResult {
            properties,
            next_token,
        })
    }
}
