//! What a baseline makes of a patch: the approval arithmetic.
//!
//! - A patch on the baseline's rejected list is EXPLICIT_REJECTED, whatever
//!   else says (rejection wins, as in AWS).
//! - A patch on its approved list is EXPLICIT_APPROVED: an explicit approval
//!   wins over the rules and the global filters.
//! - Otherwise a patch must match every global filter and the filters of at
//!   least one rule. A rule approves it `ApproveAfterDays` days after its
//!   release (a Critical patch released on 7 July under a 7-day rule is
//!   approved on 14 July), or at its release if it was released on or before
//!   the rule's `ApproveUntilDate`. Of several matching rules the one that
//!   approves earliest decides, the first such rule on a tie; before that
//!   date the patch is PENDING_APPROVAL.
//! - On Linux a rule approves only security patches unless it says
//!   `EnableNonSecurity` (AWS's yum `--security` default).
//! - A patch no rule matches is not the baseline's business at all.

use sysman_api::Timestamp;

use super::facts::{FilterKey, PatchFacts};

/// `PatchDeploymentStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Deployment {
    Approved,
    PendingApproval,
    ExplicitApproved,
    ExplicitRejected,
}

impl Deployment {
    pub fn as_str(self) -> &'static str {
        match self {
            Deployment::Approved => "APPROVED",
            Deployment::PendingApproval => "PENDING_APPROVAL",
            Deployment::ExplicitApproved => "EXPLICIT_APPROVED",
            Deployment::ExplicitRejected => "EXPLICIT_REJECTED",
        }
    }

    /// Whether a node should have the patch now.
    pub fn is_approved(self) -> bool {
        matches!(self, Deployment::Approved | Deployment::ExplicitApproved)
    }
}

/// A baseline's verdict on one patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub deployment: Deployment,
    /// `PatchComplianceLevel` of the rule or list that decided.
    pub compliance_level: &'static str,
    /// When it is (or will be) approved; none for rejections.
    pub approval_date: Option<Timestamp>,
}

/// A filter whose values are checked: one key, values that may end or start
/// with `*` as AWS's wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    pub key: FilterKey,
    pub values: Vec<String>,
}

impl Filter {
    fn matches(&self, patch: &dyn PatchFacts) -> bool {
        patch.any_value(self.key, &mut |have| {
            self.values.iter().any(|want| glob_matches(want, have))
        })
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub(crate) fn glob_matches(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == text;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Approval {
    AfterDays(i64),
    /// Released on or before the end of this day (UTC).
    UntilEndOf(Timestamp),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub filters: Vec<Filter>,
    pub approval: Approval,
    pub compliance_level: &'static str,
    pub enable_non_security: bool,
}

/// A baseline in the form its verdicts are computed from: checked once,
/// when the baseline is created or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Evaluator {
    pub linux: bool,
    pub global: Vec<Filter>,
    pub rules: Vec<Rule>,
    pub approved: Vec<String>,
    pub approved_level: &'static str,
    pub approved_non_security: bool,
    pub rejected: Vec<String>,
    /// `RejectedPatchesAction` is BLOCK (rather than ALLOW_AS_DEPENDENCY).
    pub block_rejected: bool,
}

const DAY_MS: i64 = 86_400_000;

impl Evaluator {
    /// What the baseline makes of `patch` at `now`; `None` when neither its
    /// lists nor its rules concern it.
    pub fn verdict(&self, patch: &dyn PatchFacts, now: Timestamp) -> Option<Verdict> {
        let named = |list: &[String]| list.iter().any(|p| patch.is_named(p));
        if named(&self.rejected) {
            return Some(Verdict {
                deployment: Deployment::ExplicitRejected,
                compliance_level: "UNSPECIFIED",
                approval_date: None,
            });
        }
        if named(&self.approved)
            && (!self.linux || self.approved_non_security || patch.is_security())
        {
            return Some(Verdict {
                deployment: Deployment::ExplicitApproved,
                compliance_level: self.approved_level,
                approval_date: patch.released(),
            });
        }
        if !self.global.iter().all(|f| f.matches(patch)) {
            return None;
        }
        let released = patch.released()?;
        let mut best: Option<(Timestamp, &Rule)> = None;
        for rule in &self.rules {
            if self.linux && !rule.enable_non_security && !patch.is_security() {
                continue;
            }
            if !rule.filters.iter().all(|f| f.matches(patch)) {
                continue;
            }
            let date = match rule.approval {
                Approval::AfterDays(days) => released.plus_millis(days * DAY_MS),
                Approval::UntilEndOf(end) if released <= end => released,
                Approval::UntilEndOf(_) => continue,
            };
            if best.is_none_or(|(at, _)| date < at) {
                best = Some((date, rule));
            }
        }
        let (date, rule) = best?;
        Some(Verdict {
            deployment: if date <= now {
                Deployment::Approved
            } else {
                Deployment::PendingApproval
            },
            compliance_level: rule.compliance_level,
            approval_date: Some(date),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::facts::tests::FakePatch;

    fn day(y: i64, m: u32, d: u32) -> Timestamp {
        Timestamp::parse_iso8601(&format!("{y:04}-{m:02}-{d:02}T00:00:00Z")).unwrap()
    }

    fn rule(filters: &[(FilterKey, &[&str])], approval: Approval) -> Rule {
        Rule {
            filters: filters
                .iter()
                .map(|(key, values)| Filter {
                    key: *key,
                    values: values.iter().map(|v| v.to_string()).collect(),
                })
                .collect(),
            approval,
            compliance_level: "CRITICAL",
            enable_non_security: false,
        }
    }

    fn evaluator(rules: Vec<Rule>) -> Evaluator {
        Evaluator {
            linux: true,
            global: Vec::new(),
            rules,
            approved: Vec::new(),
            approved_level: "UNSPECIFIED",
            approved_non_security: false,
            rejected: Vec::new(),
            block_rejected: false,
        }
    }

    #[test]
    fn a_critical_patch_released_on_7_july_is_approved_on_14_july_under_a_7_day_rule() {
        let patch = FakePatch::security("openssl", "Critical", day(2026, 7, 7));
        let baseline = evaluator(vec![rule(
            &[(FilterKey::Severity, &["Critical", "Important"])],
            Approval::AfterDays(7),
        )]);
        let on_13th = baseline.verdict(&patch, day(2026, 7, 13)).unwrap();
        assert_eq!(on_13th.deployment, Deployment::PendingApproval);
        assert_eq!(on_13th.approval_date, Some(day(2026, 7, 14)));
        let on_14th = baseline.verdict(&patch, day(2026, 7, 14)).unwrap();
        assert_eq!(on_14th.deployment, Deployment::Approved);
        assert_eq!(on_14th.compliance_level, "CRITICAL");
    }

    #[test]
    fn approve_until_date_takes_patches_released_up_to_the_end_of_that_day() {
        let end = day(2026, 7, 7).plus_millis(DAY_MS - 1);
        let baseline = evaluator(vec![rule(
            &[(FilterKey::Classification, &["Security"])],
            Approval::UntilEndOf(end),
        )]);
        let late_on_the_day = FakePatch::security("curl", "Low", day(2026, 7, 7).plus_secs(3600));
        let next_day = FakePatch::security("curl", "Low", day(2026, 7, 8));
        let v = baseline.verdict(&late_on_the_day, day(2026, 8, 1)).unwrap();
        assert_eq!(v.deployment, Deployment::Approved);
        assert_eq!(v.approval_date, late_on_the_day.released());
        assert_eq!(baseline.verdict(&next_day, day(2026, 8, 1)), None);
    }

    #[test]
    fn filters_by_classification_and_severity_must_all_match() {
        let baseline = evaluator(vec![rule(
            &[
                (FilterKey::Classification, &["Security"]),
                (FilterKey::Severity, &["Critical"]),
            ],
            Approval::AfterDays(0),
        )]);
        let critical = FakePatch::security("kernel", "Critical", day(2026, 1, 1));
        let medium = FakePatch::security("kernel", "Medium", day(2026, 1, 1));
        let mut bugfix = FakePatch::security("kernel", "Critical", day(2026, 1, 1));
        bugfix.classification = "Bugfix";
        let now = day(2026, 2, 1);
        assert!(baseline.verdict(&critical, now).is_some());
        assert_eq!(baseline.verdict(&medium, now), None);
        assert_eq!(baseline.verdict(&bugfix, now), None);
    }

    #[test]
    fn non_security_patches_need_enable_non_security_on_linux() {
        let mut bugfix = FakePatch::security("bash", "None", day(2026, 1, 1));
        bugfix.classification = "Bugfix";
        let mut r = rule(
            &[(FilterKey::Classification, &["Bugfix"])],
            Approval::AfterDays(0),
        );
        assert_eq!(
            evaluator(vec![r.clone()]).verdict(&bugfix, day(2026, 2, 1)),
            None
        );
        r.enable_non_security = true;
        assert!(
            evaluator(vec![r])
                .verdict(&bugfix, day(2026, 2, 1))
                .is_some()
        );
    }

    #[test]
    fn an_explicit_approval_wins_over_the_rules_and_a_rejection_wins_over_both() {
        let patch = FakePatch::security("sudo", "Low", day(2026, 3, 1));
        let mut baseline = evaluator(vec![rule(
            &[(FilterKey::Severity, &["Critical"])],
            Approval::AfterDays(7),
        )]);
        assert_eq!(baseline.verdict(&patch, day(2026, 3, 2)), None);
        baseline.approved = vec![patch.id.clone()];
        baseline.approved_level = "HIGH";
        let v = baseline.verdict(&patch, day(2026, 3, 2)).unwrap();
        assert_eq!(v.deployment, Deployment::ExplicitApproved);
        assert_eq!(v.compliance_level, "HIGH");
        baseline.rejected = vec![patch.id.clone()];
        let v = baseline.verdict(&patch, day(2026, 3, 2)).unwrap();
        assert_eq!(v.deployment, Deployment::ExplicitRejected);
        assert!(!v.deployment.is_approved());
    }

    #[test]
    fn the_rule_that_approves_earliest_decides() {
        let patch = FakePatch::security("glibc", "Important", day(2026, 5, 1));
        let mut slow = rule(
            &[(FilterKey::Severity, &["Important"])],
            Approval::AfterDays(30),
        );
        slow.compliance_level = "LOW";
        let fast = rule(&[(FilterKey::Product, &["*"])], Approval::AfterDays(3));
        let v = evaluator(vec![slow, fast])
            .verdict(&patch, day(2026, 5, 4))
            .unwrap();
        assert_eq!(v.deployment, Deployment::Approved);
        assert_eq!(v.compliance_level, "CRITICAL");
    }

    #[test]
    fn global_filters_keep_patches_from_every_rule() {
        let patch = FakePatch::security("kernel", "Critical", day(2026, 5, 1));
        let mut baseline = evaluator(vec![rule(&[], Approval::AfterDays(0))]);
        baseline.global = vec![Filter {
            key: FilterKey::Name,
            values: vec!["open*".into()],
        }];
        assert_eq!(baseline.verdict(&patch, day(2026, 6, 1)), None);
        baseline.global[0].values = vec!["kern*".into()];
        assert!(baseline.verdict(&patch, day(2026, 6, 1)).is_some());
    }

    #[test]
    fn wildcards_match_as_aws_documents() {
        assert!(glob_matches("*", "anything"));
        assert!(glob_matches("kernel*", "kernel-headers"));
        assert!(glob_matches("*-headers", "kernel-headers"));
        assert!(glob_matches("k*l-h*s", "kernel-headers"));
        assert!(!glob_matches("kernel*", "linux-kernel"));
        assert!(!glob_matches("ab*ba", "aba"));
        assert!(glob_matches("Critical", "Critical"));
        assert!(!glob_matches("Critical", "critical"));
    }
}
