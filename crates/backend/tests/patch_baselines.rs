//! Patch baselines and patch groups through the one gate, as a user of the
//! AWS-compatible API notices them: the predefined baselines owned by AWS,
//! creating, reading, updating and deleting one's own, defaults, patch
//! groups, tags, a restart, and the baseline's verdicts on the simulated
//! catalogue under the manual clock.
//!
//! Every refused request is checked for its exact error code, a message
//! that says what to fix, and nothing changed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sysman_api::fleet::{AddTagsToResource, ListTagsForResource};
use sysman_api::patch::{
    CreatePatchBaseline, DeletePatchBaseline, DeregisterPatchBaselineForPatchGroup,
    DescribeAvailablePatches, DescribeEffectivePatchesForPatchBaseline, DescribePatchBaselines,
    DescribePatchGroups, DescribePatchProperties, GetDefaultPatchBaseline, GetPatchBaseline,
    GetPatchBaselineForPatchGroup, PatchFilter, PatchFilterGroup, PatchOrchestratorFilter,
    PatchRule, PatchRuleGroup, RegisterDefaultPatchBaseline, RegisterPatchBaselineForPatchGroup,
    UpdatePatchBaseline,
};
use sysman_api::{ApiError, Tag, Timestamp};
use sysman_backend::Catalogue;
use sysman_backend::sim::patches::generate_catalogue;
use sysman_backend::{Backend, Caller, Event, Handler, ManualClock, Options};

const START: Timestamp = Timestamp::from_secs(1_795_435_200); // 2026-11-23T12:00:00Z
const DAY: u64 = 86_400;

struct Fx {
    clock: ManualClock,
    backend: Backend,
    admin: Caller,
}

impl Fx {
    fn new() -> Self {
        Self::open(None, ManualClock::new(START))
    }

    fn open(dir: Option<&Path>, clock: ManualClock) -> Self {
        let options = Options {
            clock: Arc::new(clock.clone()),
            id_seed: Some(7),
            allow_reset: true,
            ..Options::default()
        };
        let backend = match dir {
            Some(dir) => Backend::open(dir, options),
            None => Backend::open_in_memory(options),
        }
        .unwrap();
        Self {
            clock,
            backend,
            admin: Caller::admin("test"),
        }
    }

    async fn ok<O: Handler>(&self, op: O) -> O::Output {
        match self.backend.call(&self.admin, op).await {
            Ok(out) => out,
            Err(e) => panic!("{} failed: {e}", O::NAME),
        }
    }

    /// Calls `op`, which must fail with `code` and a message holding every
    /// one of `needles`.
    async fn refused<O: Handler>(&self, op: O, code: &str, needles: &[&str]) -> ApiError {
        let e = match self.backend.call(&self.admin, op).await {
            Ok(_) => panic!("{} succeeded; expected {code}", O::NAME),
            Err(e) => e,
        };
        assert_eq!(e.code, code, "{e}");
        for needle in needles {
            assert!(e.message.contains(needle), "{needle:?} not in {e}");
        }
        e
    }

    async fn own_baselines(&self) -> Vec<String> {
        self.ok(DescribePatchBaselines {
            filters: Some(vec![filter("OWNER", &["Self"])]),
            ..Default::default()
        })
        .await
        .baseline_identities
        .into_iter()
        .map(|b| b.baseline_name)
        .collect()
    }
}

fn filter(key: &str, values: &[&str]) -> PatchOrchestratorFilter {
    PatchOrchestratorFilter {
        key: Some(key.to_owned()),
        values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
    }
}

fn patch_filter(key: &str, values: &[&str]) -> PatchFilter {
    PatchFilter {
        key: key.to_owned(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

fn rule(filters: Vec<PatchFilter>, days: i64) -> PatchRule {
    PatchRule {
        patch_filter_group: PatchFilterGroup {
            patch_filters: filters,
        },
        compliance_level: Some("CRITICAL".into()),
        approve_after_days: Some(days),
        approve_until_date: None,
        enable_non_security: None,
    }
}

/// A Linux baseline approving Critical and Important security patches
/// after `days`.
fn linux_baseline(name: &str, days: i64) -> CreatePatchBaseline {
    CreatePatchBaseline {
        name: name.to_owned(),
        operating_system: Some("AMAZON_LINUX_2023".into()),
        approval_rules: Some(PatchRuleGroup {
            patch_rules: vec![rule(
                vec![
                    patch_filter("CLASSIFICATION", &["Security"]),
                    patch_filter("SEVERITY", &["Critical", "Important"]),
                ],
                days,
            )],
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn every_operating_system_starts_with_a_predefined_default_owned_by_aws() {
    let fx = Fx::new();
    let all = fx
        .ok(DescribePatchBaselines {
            filters: Some(vec![filter("OWNER", &["AWS"])]),
            ..Default::default()
        })
        .await
        .baseline_identities;
    assert_eq!(all.len(), 15, "{all:?}");
    assert!(all.iter().all(|b| b.default_baseline));
    let linux = fx
        .ok(GetDefaultPatchBaseline {
            operating_system: Some("AMAZON_LINUX_2023".into()),
        })
        .await;
    let baseline = fx
        .ok(GetPatchBaseline {
            baseline_id: linux.baseline_id.clone(),
        })
        .await;
    assert_eq!(baseline.name, "AWS-AmazonLinux2023DefaultPatchBaseline");
    assert!(baseline.baseline_id.starts_with("arn:aws:ssm:us-east-1:"));
    let rule = &baseline.approval_rules.as_ref().unwrap().patch_rules[0];
    assert_eq!(rule.approve_after_days, Some(7));
    assert_eq!(
        rule.patch_filter_group.patch_filters,
        vec![
            patch_filter("CLASSIFICATION", &["Security"]),
            patch_filter("SEVERITY", &["Critical", "Important"]),
        ]
    );
    // Without an operating system, AWS answers for Windows.
    let windows = fx.ok(GetDefaultPatchBaseline::default()).await;
    assert_eq!(windows.operating_system, "WINDOWS");
    // AWS's own cannot be changed or deleted.
    fx.refused(
        UpdatePatchBaseline {
            baseline_id: linux.baseline_id.clone(),
            name: Some("mine".into()),
            ..Default::default()
        },
        "InvalidResourceId",
        &["is owned by AWS and can't be changed or deleted."],
    )
    .await;
    fx.refused(
        DeletePatchBaseline {
            baseline_id: linux.baseline_id,
        },
        "InvalidResourceId",
        &["is owned by AWS and can't be changed or deleted."],
    )
    .await;
}

#[tokio::test]
async fn a_created_baseline_reads_back_with_every_member_and_its_dates() {
    let fx = Fx::new();
    let mut req = linux_baseline("prod-linux", 7);
    req.description = Some("Production Linux".into());
    req.approved_patches = Some(vec!["openssl.x86_64:1:3.0.8-1.amzn2023.0.14".into()]);
    req.rejected_patches = Some(vec!["kernel*".into()]);
    req.rejected_patches_action = Some("BLOCK".into());
    req.tags = Some(vec![Tag::new("Team", "ops")]);
    let id = fx.ok(req).await.baseline_id;
    assert!(id.starts_with("pb-") && id.len() == 20, "{id}");

    fx.clock.advance(Duration::from_secs(60));
    let got = fx
        .ok(GetPatchBaseline {
            baseline_id: id.clone(),
        })
        .await;
    assert_eq!(got.name, "prod-linux");
    assert_eq!(got.operating_system, "AMAZON_LINUX_2023");
    assert_eq!(got.description.as_deref(), Some("Production Linux"));
    assert_eq!(got.created_date, START);
    assert_eq!(got.modified_date, START);
    assert_eq!(got.rejected_patches_action.as_deref(), Some("BLOCK"));
    assert_eq!(
        got.approved_patches_compliance_level.as_deref(),
        Some("UNSPECIFIED")
    );
    assert_eq!(got.global_filters, Some(PatchFilterGroup::default()));
    assert_eq!(got.patch_groups, Some(Vec::new()));
    let tags = fx
        .ok(ListTagsForResource {
            resource_type: "PatchBaseline".into(),
            resource_id: id.clone(),
        })
        .await
        .tag_list;
    assert_eq!(tags, vec![Tag::new("Team", "ops")]);
    // The baseline is not a default: AWS's still is.
    let listed = fx
        .ok(DescribePatchBaselines {
            filters: Some(vec![filter("OWNER", &["Self"])]),
            ..Default::default()
        })
        .await
        .baseline_identities;
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].default_baseline);
}

#[tokio::test]
async fn a_client_token_makes_a_retry_safe_and_refuses_reuse() {
    let fx = Fx::new();
    let mut req = linux_baseline("retry-me", 7);
    req.client_token = Some("token-1".into());
    let first = fx.ok(req.clone()).await.baseline_id;
    let again = fx.ok(req.clone()).await.baseline_id;
    assert_eq!(first, again);
    req.name = "something-else".into();
    fx.refused(
        req,
        "IdempotentParameterMismatch",
        &[
            "the parameters don't match the original call to the API with the same idempotency \
           token.",
        ],
    )
    .await;
    assert_eq!(fx.own_baselines().await, vec!["retry-me".to_owned()]);
}

#[tokio::test]
async fn bad_baselines_are_refused_precisely_and_create_nothing() {
    let fx = Fx::new();
    let cases: Vec<(CreatePatchBaseline, &str, Vec<&str>)> = vec![
        (
            linux_baseline("no", 7),
            "ValidationException",
            vec!["'name'", "{3,128}"],
        ),
        (
            CreatePatchBaseline {
                operating_system: Some("BEOS".into()),
                ..linux_baseline("beos", 7)
            },
            "ValidationException",
            vec!["'operatingSystem'", "AMAZON_LINUX_2023"],
        ),
        (
            linux_baseline("too-late", 361),
            "ValidationException",
            vec!["approveAfterDays", "between 0 and 360"],
        ),
        (
            CreatePatchBaseline {
                approval_rules: Some(PatchRuleGroup {
                    patch_rules: vec![rule(vec![patch_filter("MSRC_SEVERITY", &["Critical"])], 7)],
                }),
                ..linux_baseline("msrc-on-linux", 7)
            },
            "ValidationException",
            vec![
                "The patch filter key MSRC_SEVERITY isn't supported for the operating system \
                 AMAZON_LINUX_2023.",
                "SEVERITY",
            ],
        ),
        (
            CreatePatchBaseline {
                approval_rules: Some(PatchRuleGroup {
                    patch_rules: vec![rule(vec![patch_filter("COLOUR", &["red"])], 7)],
                }),
                ..linux_baseline("unknown-key", 7)
            },
            "ValidationException",
            vec!["COLOUR", "CLASSIFICATION"],
        ),
        (
            CreatePatchBaseline {
                approval_rules: Some(PatchRuleGroup {
                    patch_rules: vec![rule(
                        vec![
                            patch_filter("SEVERITY", &["Critical"]),
                            patch_filter("SEVERITY", &["Low"]),
                        ],
                        7,
                    )],
                }),
                ..linux_baseline("twice", 7)
            },
            "ValidationException",
            vec!["The patch filter key SEVERITY is specified more than once."],
        ),
        (
            CreatePatchBaseline {
                approval_rules: Some(PatchRuleGroup {
                    patch_rules: vec![PatchRule {
                        approve_until_date: Some("2026-07-14".into()),
                        ..rule(vec![], 7)
                    }],
                }),
                ..linux_baseline("both", 7)
            },
            "ValidationException",
            vec!["Approval rule 1 specifies both ApproveAfterDays and ApproveUntilDate."],
        ),
        (
            CreatePatchBaseline {
                approval_rules: Some(PatchRuleGroup {
                    patch_rules: vec![PatchRule {
                        approve_after_days: None,
                        approve_until_date: Some("14/07/2026".into()),
                        ..rule(vec![], 7)
                    }],
                }),
                ..linux_baseline("bad-date", 7)
            },
            "ValidationException",
            vec![
                "The value 14/07/2026 of approvalRules.patchRules.1.member.approveUntilDate \
                 isn't valid. Specify a date in the format YYYY-MM-DD.",
            ],
        ),
        (
            CreatePatchBaseline {
                approved_patches: Some((0..51).map(|i| format!("p{i}")).collect()),
                ..linux_baseline("fifty-one", 7)
            },
            "ValidationException",
            vec!["approvedPatches", "between 0 and 50"],
        ),
        (
            CreatePatchBaseline {
                rejected_patches_action: Some("IGNORE".into()),
                ..linux_baseline("ignore", 7)
            },
            "ValidationException",
            vec!["rejectedPatchesAction", "ALLOW_AS_DEPENDENCY, BLOCK"],
        ),
    ];
    for (req, code, needles) in cases {
        fx.refused(req, code, &needles).await;
    }
    assert!(fx.own_baselines().await.is_empty());
}

#[tokio::test]
async fn an_update_keeps_what_it_does_not_name_unless_it_replaces() {
    let fx = Fx::new();
    let mut req = linux_baseline("upd", 7);
    req.rejected_patches = Some(vec!["telnet".into()]);
    let id = fx.ok(req).await.baseline_id;
    fx.clock.advance(Duration::from_secs(3600));
    let updated = fx
        .ok(UpdatePatchBaseline {
            baseline_id: id.clone(),
            approved_patches: Some(vec!["curl".into()]),
            ..Default::default()
        })
        .await;
    assert_eq!(updated.approved_patches, Some(vec!["curl".to_owned()]));
    assert_eq!(updated.rejected_patches, Some(vec!["telnet".to_owned()]));
    assert_eq!(updated.modified_date, START.plus_secs(3600));
    assert_eq!(updated.created_date, START);
    assert_eq!(
        updated.approval_rules.as_ref().unwrap().patch_rules.len(),
        1
    );
    let replaced = fx
        .ok(UpdatePatchBaseline {
            baseline_id: id.clone(),
            approved_patches: Some(vec!["curl".into()]),
            replace: Some(true),
            ..Default::default()
        })
        .await;
    assert_eq!(replaced.rejected_patches, Some(Vec::new()));
    assert_eq!(replaced.approval_rules.unwrap().patch_rules.len(), 0);
    // A bad update changes nothing.
    fx.refused(
        UpdatePatchBaseline {
            baseline_id: id.clone(),
            approved_patches_compliance_level: Some("URGENT".into()),
            ..Default::default()
        },
        "ValidationException",
        &["approvedPatchesComplianceLevel", "CRITICAL"],
    )
    .await;
    let now = fx.ok(GetPatchBaseline { baseline_id: id }).await;
    assert_eq!(
        now.approved_patches_compliance_level.as_deref(),
        Some("UNSPECIFIED")
    );
}

#[tokio::test]
async fn defaults_and_patch_groups_decide_a_baseline_and_keep_it_from_deletion() {
    let fx = Fx::new();
    let prod = fx.ok(linux_baseline("prod", 3)).await.baseline_id;
    let other = fx.ok(linux_baseline("other", 14)).await.baseline_id;
    let os = Some("AMAZON_LINUX_2023".to_owned());

    // A group without a baseline of its own patches by the default.
    let aws_default = fx
        .ok(GetDefaultPatchBaseline {
            operating_system: os.clone(),
        })
        .await
        .baseline_id;
    let for_group = fx
        .ok(GetPatchBaselineForPatchGroup {
            patch_group: "prod-linux".into(),
            operating_system: os.clone(),
        })
        .await;
    assert_eq!(for_group.baseline_id, aws_default);

    fx.ok(RegisterPatchBaselineForPatchGroup {
        baseline_id: prod.clone(),
        patch_group: "prod-linux".into(),
    })
    .await;
    let for_group = fx
        .ok(GetPatchBaselineForPatchGroup {
            patch_group: "prod-linux".into(),
            operating_system: os.clone(),
        })
        .await;
    assert_eq!(for_group.baseline_id, prod);
    fx.refused(
        RegisterPatchBaselineForPatchGroup {
            baseline_id: other.clone(),
            patch_group: "prod-linux".into(),
        },
        "AlreadyExistsException",
        &[
            "Patch Group baseline already has a baseline registered for OperatingSystem \
           AMAZON_LINUX_2023.",
        ],
    )
    .await;
    let got = fx
        .ok(GetPatchBaseline {
            baseline_id: prod.clone(),
        })
        .await;
    assert_eq!(got.patch_groups, Some(vec!["prod-linux".to_owned()]));
    let groups = fx.ok(DescribePatchGroups::default()).await.mappings;
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].patch_group, "prod-linux");
    assert_eq!(groups[0].baseline_identity.baseline_id, prod);
    let filtered = fx
        .ok(DescribePatchGroups {
            filters: Some(vec![filter("NAME_PREFIX", &["dev"])]),
            ..Default::default()
        })
        .await
        .mappings;
    assert!(filtered.is_empty());

    // In use: as a group's baseline, then as the default.
    fx.refused(
        DeletePatchBaseline {
            baseline_id: prod.clone(),
        },
        "ResourceInUseException",
        &[&format!(
            "The patch baseline {prod} is registered for the patch groups [prod-linux] and can't \
             be deleted."
        )],
    )
    .await;
    fx.refused(
        DeregisterPatchBaselineForPatchGroup {
            baseline_id: other.clone(),
            patch_group: "prod-linux".into(),
        },
        "InvalidResourceId",
        &[&format!(
            "The patch group prod-linux isn't registered with the patch baseline {other}."
        )],
    )
    .await;
    // A baseline that does not exist, as AWS answers it.
    fx.refused(
        DeregisterPatchBaselineForPatchGroup {
            baseline_id: "pb-0123456789abcdef0".into(),
            patch_group: "prod-linux".into(),
        },
        "DoesNotExistException",
        &["Patch Baseline to be retrieved does not exist."],
    )
    .await;
    fx.ok(DeregisterPatchBaselineForPatchGroup {
        baseline_id: prod.clone(),
        patch_group: "prod-linux".into(),
    })
    .await;
    fx.ok(RegisterDefaultPatchBaseline {
        baseline_id: prod.clone(),
    })
    .await;
    let default = fx
        .ok(GetDefaultPatchBaseline {
            operating_system: os.clone(),
        })
        .await;
    assert_eq!(default.baseline_id, prod);
    fx.refused(
        DeletePatchBaseline {
            baseline_id: prod.clone(),
        },
        "ResourceInUseException",
        &[&format!(
            "The patch baseline {prod} is the default patch baseline for AMAZON_LINUX_2023 and can't be deleted."
        )],
    )
    .await;
    fx.ok(RegisterDefaultPatchBaseline {
        baseline_id: aws_default,
    })
    .await;
    fx.ok(DeletePatchBaseline {
        baseline_id: prod.clone(),
    })
    .await;
    fx.refused(
        GetPatchBaseline { baseline_id: prod },
        "DoesNotExistException",
        &["Patch Baseline to be retrieved does not exist."],
    )
    .await;
}

#[tokio::test]
async fn baselines_defaults_and_groups_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let (id, before) = {
        let fx = Fx::open(Some(dir.path()), clock.clone());
        let id = fx.ok(linux_baseline("durable", 7)).await.baseline_id;
        fx.ok(RegisterPatchBaselineForPatchGroup {
            baseline_id: id.clone(),
            patch_group: "prod linux".into(),
        })
        .await;
        fx.ok(RegisterDefaultPatchBaseline {
            baseline_id: id.clone(),
        })
        .await;
        let before = fx
            .ok(GetPatchBaseline {
                baseline_id: id.clone(),
            })
            .await;
        fx.backend.flush().await;
        (id, before)
    };
    let fx = Fx::open(Some(dir.path()), clock);
    let after = fx
        .ok(GetPatchBaseline {
            baseline_id: id.clone(),
        })
        .await;
    assert_eq!(after, before);
    let default = fx
        .ok(GetDefaultPatchBaseline {
            operating_system: Some("AMAZON_LINUX_2023".into()),
        })
        .await;
    assert_eq!(default.baseline_id, id);
}

#[tokio::test]
async fn baselines_page_and_filter_by_name_and_operating_system() {
    let fx = Fx::new();
    for i in 0..7 {
        fx.ok(linux_baseline(&format!("team-{i}"), 7)).await;
    }
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = fx
            .ok(DescribePatchBaselines {
                filters: Some(vec![filter("NAME_PREFIX", &["team-"])]),
                max_results: Some(3),
                next_token: token.take(),
            })
            .await;
        assert!(page.baseline_identities.len() <= 3);
        names.extend(
            page.baseline_identities
                .into_iter()
                .map(|b| b.baseline_name),
        );
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    names.sort();
    assert_eq!(names.len(), 7, "{names:?}");
    let windows = fx
        .ok(DescribePatchBaselines {
            filters: Some(vec![filter("OPERATING_SYSTEM", &["WINDOWS"])]),
            ..Default::default()
        })
        .await
        .baseline_identities;
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0].baseline_name, "AWS-DefaultPatchBaseline");
    fx.refused(
        DescribePatchBaselines {
            filters: Some(vec![filter("NAME", &["x"])]),
            ..Default::default()
        },
        "ValidationException",
        &["NAME_PREFIX, OWNER, OPERATING_SYSTEM"],
    )
    .await;
}

#[tokio::test]
async fn baselines_take_tags_and_say_when_they_change() {
    let fx = Fx::new();
    let mut events = fx.backend.subscribe();
    let id = fx.ok(linux_baseline("tagged", 7)).await.baseline_id;
    fx.ok(AddTagsToResource {
        resource_type: "PatchBaseline".into(),
        resource_id: id.clone(),
        tags: vec![Tag::new("Owner", "alice")],
    })
    .await;
    let tags = fx
        .ok(ListTagsForResource {
            resource_type: "PatchBaseline".into(),
            resource_id: id.clone(),
        })
        .await
        .tag_list;
    assert_eq!(tags, vec![Tag::new("Owner", "alice")]);
    for _ in 0..2 {
        match events.recv().await.unwrap() {
            Event::PatchBaselineChanged { baseline_id } => assert_eq!(baseline_id, id),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn patch_properties_list_what_a_filter_can_say() {
    let fx = Fx::new();
    let severities = fx
        .ok(DescribePatchProperties {
            operating_system: "WINDOWS".into(),
            property: "MSRC_SEVERITY".into(),
            patch_set: None,
            max_results: None,
            next_token: None,
        })
        .await
        .properties;
    let names: Vec<&str> = severities.iter().map(|p| p["Name"].as_str()).collect();
    assert_eq!(
        names,
        vec!["Critical", "Important", "Low", "Moderate", "Unspecified"]
    );
    let page = fx
        .ok(DescribePatchProperties {
            operating_system: "WINDOWS".into(),
            property: "CLASSIFICATION".into(),
            patch_set: None,
            max_results: Some(4),
            next_token: None,
        })
        .await;
    assert_eq!(page.properties.len(), 4);
    let rest = fx
        .ok(DescribePatchProperties {
            operating_system: "WINDOWS".into(),
            property: "CLASSIFICATION".into(),
            patch_set: None,
            max_results: Some(50),
            next_token: page.next_token,
        })
        .await;
    assert_eq!(rest.properties.len(), 6);
    assert_eq!(rest.next_token, None);
}

/// The simulated catalogue of seed 7 anchored at START.
fn catalogue() -> Arc<Catalogue> {
    Arc::new(generate_catalogue(7, START))
}

#[tokio::test]
async fn available_patches_come_from_the_catalogue_and_filter_by_property() {
    let fx = Fx::new();
    assert!(
        fx.ok(DescribeAvailablePatches::default())
            .await
            .patches
            .is_empty(),
        "with no simulated fleet there are no patches to list"
    );
    fx.backend.set_patch_catalogue(catalogue());
    let critical = fx
        .ok(DescribeAvailablePatches {
            filters: Some(vec![
                filter("PRODUCT", &["WindowsServer2022"]),
                filter("MSRC_SEVERITY", &["Critical"]),
            ]),
            max_results: Some(100),
            next_token: None,
        })
        .await
        .patches;
    assert!(!critical.is_empty());
    for p in &critical {
        assert_eq!(p.product.as_deref(), Some("WindowsServer2022"));
        assert_eq!(p.msrc_severity.as_deref(), Some("Critical"));
        assert!(p.release_date.unwrap() <= START);
        assert!(p.kb_number.as_deref().unwrap().starts_with("KB"));
    }
    // Pages add up to the whole list, with nothing twice.
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        let page = fx
            .ok(DescribeAvailablePatches {
                filters: Some(vec![filter("PRODUCT", &["AmazonLinux2023"])]),
                max_results: Some(100),
                next_token: token.take(),
            })
            .await;
        ids.extend(page.patches.into_iter().map(|p| p.id));
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    assert!(ids.len() > 100, "only {} patches", ids.len());
    fx.refused(
        DescribeAvailablePatches {
            filters: Some(vec![filter("COLOUR", &["red"])]),
            ..Default::default()
        },
        "ValidationException",
        &["COLOUR", "PRODUCT", "SEVERITY"],
    )
    .await;
}

#[tokio::test]
async fn a_seven_day_rule_approves_each_patch_a_week_after_its_release() {
    let fx = Fx::new();
    fx.backend.set_patch_catalogue(catalogue());
    let id = fx.ok(linux_baseline("weekly", 7)).await.baseline_id;
    let effective = fx
        .ok(DescribeEffectivePatchesForPatchBaseline {
            baseline_id: id.clone(),
            max_results: Some(100),
            next_token: None,
        })
        .await
        .effective_patches;
    assert!(!effective.is_empty());
    for e in &effective {
        let released = e.patch.release_date.unwrap();
        let approval = e.patch_status.approval_date.unwrap();
        assert_eq!(approval, released.plus_secs(7 * DAY as i64));
        let expected = if approval <= START {
            "APPROVED"
        } else {
            "PENDING_APPROVAL"
        };
        assert_eq!(e.patch_status.deployment_status, expected, "{e:?}");
        assert_eq!(e.patch.classification.as_deref(), Some("Security"));
        assert!(matches!(
            e.patch.severity.as_deref(),
            Some("Critical" | "Important")
        ));
    }
    // A week on, what was pending is approved.
    let pending: Vec<String> = effective
        .iter()
        .filter(|e| e.patch_status.deployment_status == "PENDING_APPROVAL")
        .map(|e| e.patch.id.clone())
        .collect();
    fx.clock.advance(Duration::from_secs(7 * DAY));
    let later = fx
        .ok(DescribeEffectivePatchesForPatchBaseline {
            baseline_id: id,
            max_results: Some(100),
            next_token: None,
        })
        .await
        .effective_patches;
    for e in later.iter().filter(|e| pending.contains(&e.patch.id)) {
        assert_eq!(e.patch_status.deployment_status, "APPROVED");
    }
}
