//! The backend calls behind Patch Manager's requests: the lists, the
//! groups' states, everything a baseline's matrix shows, and a new
//! baseline's creation.

use sysman_api::ApiError;
use sysman_api::patch::{
    CreatePatchBaseline, DeregisterPatchBaselineForPatchGroup, DescribeAvailablePatches,
    DescribeEffectivePatchesForPatchBaseline, DescribePatchBaselines, DescribePatchCounts,
    DescribePatchCountsResult, DescribePatchGroupState, DescribePatchGroupStateResult,
    DescribePatchGroups, DescribePatchProperties, GetDefaultPatchBaseline, GetPatchBaseline, Patch,
    PatchBaselineIdentity, PatchGroupPatchBaselineMapping, PatchOrchestratorFilter,
    RegisterPatchBaselineForPatchGroup, limits,
};

use super::create::{CreateBaseline, CreateError, Field};
use super::matrix::{CountScope, MatrixData, add_counts, subtract_counts};
use crate::runtime::Connection;
use crate::runtime::job::Job;

/// Values one patch filter takes.
const FILTER_VALUES: usize = 20;

impl Connection {
    /// Every baseline, and every patch group registration.
    pub(crate) async fn baselines(
        &self,
    ) -> Result<
        (
            Vec<PatchBaselineIdentity>,
            Vec<PatchGroupPatchBaselineMapping>,
        ),
        ApiError,
    > {
        let identities = self
            .every_page(
                |next_token| DescribePatchBaselines {
                    filters: None,
                    max_results: Some(limits::BASELINE_MAX_RESULTS),
                    next_token,
                },
                |page| (page.baseline_identities, page.next_token),
            )
            .await?;
        Ok((identities, self.mappings().await?))
    }

    async fn mappings(&self) -> Result<Vec<PatchGroupPatchBaselineMapping>, ApiError> {
        self.every_page(
            |next_token| DescribePatchGroups {
                max_results: Some(limits::BASELINE_MAX_RESULTS),
                filters: None,
                next_token,
            },
            |page| (page.mappings, page.next_token),
        )
        .await
    }

    pub(crate) async fn group_states(
        &self,
        groups: Vec<String>,
    ) -> Result<Vec<(String, DescribePatchGroupStateResult)>, ApiError> {
        let mut out = Vec::with_capacity(groups.len());
        for patch_group in groups {
            let state = self
                .call(DescribePatchGroupState {
                    patch_group: patch_group.clone(),
                })
                .await?;
            out.push((patch_group, state));
        }
        Ok(out)
    }

    /// Everything a baseline's matrix shows.
    pub(crate) async fn matrix(&self, baseline_id: &str) -> Result<MatrixData, ApiError> {
        let baseline = self
            .call(GetPatchBaseline {
                baseline_id: baseline_id.to_owned(),
            })
            .await?;
        let os = baseline.operating_system.clone();
        let default = self
            .call(GetDefaultPatchBaseline {
                operating_system: Some(os.clone()),
            })
            .await?
            .baseline_id
            == baseline.baseline_id;
        let groups = baseline.patch_groups.clone().unwrap_or_default();
        let scope = if default {
            let except = self
                .mappings()
                .await?
                .into_iter()
                .filter(|m| {
                    m.baseline_identity.operating_system == os
                        && m.baseline_identity.baseline_id != baseline.baseline_id
                })
                .map(|m| m.patch_group)
                .collect();
            CountScope::Default { groups, except }
        } else if !groups.is_empty() {
            CountScope::Groups(groups)
        } else {
            CountScope::Unused
        };
        let effective = self
            .every_page(
                |next_token| DescribeEffectivePatchesForPatchBaseline {
                    baseline_id: baseline_id.to_owned(),
                    max_results: Some(limits::BASELINE_MAX_RESULTS),
                    next_token,
                },
                |page| (page.effective_patches, page.next_token),
            )
            .await?;
        let available = self.patches_of(&os).await?;
        let counts = self.counts(&scope, &os).await?;
        Ok(MatrixData {
            baseline,
            default,
            scope,
            effective,
            available,
            counts,
        })
    }

    /// Every released patch of an operating system: those of its products.
    async fn patches_of(&self, os: &str) -> Result<Vec<Patch>, ApiError> {
        let products: Vec<String> = self
            .every_page(
                |next_token| DescribePatchProperties {
                    operating_system: os.to_owned(),
                    property: "PRODUCT".to_owned(),
                    patch_set: None,
                    max_results: None,
                    next_token,
                },
                |page| (page.properties, page.next_token),
            )
            .await?
            .into_iter()
            .filter_map(|p| p.get("Name").cloned())
            .collect();
        let mut patches = Vec::new();
        for chunk in products.chunks(FILTER_VALUES) {
            let filter = PatchOrchestratorFilter {
                key: Some("PRODUCT".to_owned()),
                values: Some(chunk.to_vec()),
            };
            patches.extend(
                self.every_page(
                    |next_token| DescribeAvailablePatches {
                        filters: Some(vec![filter.clone()]),
                        max_results: Some(limits::BASELINE_MAX_RESULTS),
                        next_token,
                    },
                    |page| (page.patches, page.next_token),
                )
                .await?,
            );
        }
        Ok(patches)
    }

    /// The patch counts of the nodes of `os` that `scope` covers.
    pub(crate) async fn counts(
        &self,
        scope: &CountScope,
        os: &str,
    ) -> Result<DescribePatchCountsResult, ApiError> {
        let of = |patch_group: Option<String>| {
            self.call(DescribePatchCounts {
                patch_group,
                operating_system: Some(os.to_owned()),
                ..DescribePatchCounts::default()
            })
        };
        match scope {
            CountScope::Groups(groups) => {
                let mut total = DescribePatchCountsResult::default();
                for g in groups {
                    add_counts(&mut total, of(Some(g.clone())).await?);
                }
                Ok(total)
            }
            CountScope::Default { except, .. } => {
                let mut total = of(None).await?;
                for g in except {
                    subtract_counts(&mut total, &of(Some(g.clone())).await?);
                }
                Ok(total)
            }
            CountScope::Unused => of(None).await,
        }
    }

    /// The nodes `scope` covers that lack any of `patch_ids`.
    pub(crate) async fn lacking_any(
        &self,
        scope: &CountScope,
        os: &str,
        patch_ids: Vec<String>,
    ) -> Result<i64, ApiError> {
        let of = |patch_group: Option<String>| {
            self.call(DescribePatchCounts {
                patch_group,
                operating_system: Some(os.to_owned()),
                patch_ids: Some(patch_ids.clone()),
            })
        };
        // A node is in one patch group: the groups' counts add up.
        Ok(match scope {
            CountScope::Groups(groups) => {
                let mut total = 0;
                for g in groups {
                    total += of(Some(g.clone())).await?.instances_lacking_any;
                }
                total
            }
            CountScope::Default { except, .. } => {
                let mut total = of(None).await?.instances_lacking_any;
                for g in except {
                    total -= of(Some(g.clone())).await?.instances_lacking_any;
                }
                total
            }
            CountScope::Unused => of(None).await?.instances_lacking_any,
        })
    }

    /// A new baseline: the rules of `copy_from`, if any; then registered
    /// for its patch group, moving the group from the baseline it had.
    pub(crate) async fn create_baseline(
        &self,
        create: CreateBaseline,
    ) -> Result<String, CreateError> {
        let fail = |e: ApiError, field: Option<Field>, created: Option<String>| CreateError {
            field: field.or_else(|| Field::named_by(&e.code, &e.message)),
            text: e.message,
            created,
        };
        let baseline_id = match create.existing {
            Some(id) => id,
            None => {
                let mut op = CreatePatchBaseline {
                    name: create.name.clone(),
                    operating_system: Some(create.operating_system.clone()),
                    ..CreatePatchBaseline::default()
                };
                if let Some(source) = &create.copy_from {
                    let from = self
                        .call(GetPatchBaseline {
                            baseline_id: source.clone(),
                        })
                        .await
                        .map_err(|e| fail(e, Some(Field::Copy), None))?;
                    op.set_rules(from.rules());
                    op.description = Some(format!("Rules copied from {}", from.name));
                }
                if let Some(level) = create.approved_level {
                    op.approved_patches_compliance_level = Some(level);
                }
                self.call(op)
                    .await
                    .map_err(|e| fail(e, None, None))?
                    .baseline_id
            }
        };
        if let Some(patch_group) = create.patch_group {
            let created = Some(baseline_id.clone());
            if let Some(old) = create.replaces {
                self.call(DeregisterPatchBaselineForPatchGroup {
                    baseline_id: old,
                    patch_group: patch_group.clone(),
                })
                .await
                .map_err(|e| fail(e, Some(Field::Group), created.clone()))?;
            }
            self.call(RegisterPatchBaselineForPatchGroup {
                baseline_id: baseline_id.clone(),
                patch_group,
            })
            .await
            .map_err(|e| fail(e, Some(Field::Group), created))?;
        }
        Ok(baseline_id)
    }
}

/// A new baseline, its rules copied and registered for its group: one job.
impl Job for CreateBaseline {
    type Output = Result<String, CreateError>;

    fn name(&self) -> &'static str {
        "CreateBaseline"
    }

    async fn run(self, connection: &Connection) -> Self::Output {
        connection.create_baseline(self).await
    }
}
