//! `ComplianceStringFilter`s: which keys each list takes, and matching.
//!
//! Keys are those AWS documents for compliance (the list in the
//! PutComplianceItems reference): `ComplianceType`, `Id`, `Title`, `Status`,
//! `Severity`, `ExecutionId`, `ExecutionType`, `ExecutionTime`, and the item
//! details `DocumentName`, `DocumentVersion`, `Classification`,
//! `PatchBaselineId`, `PatchSeverity`, `PatchState`, `PatchGroup` and
//! `InstalledTime` for items; `ComplianceType`, `Status`, `OverallSeverity`,
//! `ResourceId`, `ResourceType` and the execution keys for summaries.
//!
//! `EQUAL` matches any of the values, `NOT_EQUAL` none of them, `BEGIN_WITH`
//! a prefix of any; `LESS_THAN` and `GREATER_THAN` take one value and
//! compare severities by rank (CRITICAL is the greatest), execution times
//! as times, and everything else as text. A detail an item lacks matches
//! only `NOT_EQUAL`.

use sysman_api::compliance::{
    ComplianceQueryOperatorType as Op, ComplianceSeverity, ComplianceStatus,
    ComplianceStringFilter, limits,
};
use sysman_api::{ApiError, Timestamp};

/// The item details a ListComplianceItems filter may name.
const DETAIL_KEYS: [&str; 8] = [
    "DocumentName",
    "DocumentVersion",
    "Classification",
    "PatchBaselineId",
    "PatchSeverity",
    "PatchState",
    "PatchGroup",
    "InstalledTime",
];

const ITEM_KEYS: [&str; 8] = [
    "ComplianceType",
    "Id",
    "Title",
    "Status",
    "Severity",
    "ExecutionId",
    "ExecutionType",
    "ExecutionTime",
];

const SUMMARY_KEYS: [&str; 8] = [
    "ComplianceType",
    "Status",
    "OverallSeverity",
    "ResourceId",
    "ResourceType",
    "ExecutionId",
    "ExecutionType",
    "ExecutionTime",
];

/// Which list the filters are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// ListComplianceItems: about each item.
    Items,
    /// ListComplianceSummaries and ListResourceComplianceSummaries: about
    /// each resource's compliance of one type.
    Summaries,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Field {
    ComplianceType,
    ResourceId,
    ResourceType,
    Id,
    Title,
    Status,
    /// An item's severity (items) or the overall severity (summaries).
    Severity,
    ExecutionId,
    ExecutionType,
    ExecutionTime,
    Detail(String),
}

#[derive(Debug, Clone)]
pub(super) struct Filter {
    pub field: Field,
    op: Op,
    values: Vec<String>,
    /// The values as times, for `ExecutionTime`.
    times: Vec<Timestamp>,
    /// The values as severities, for the severity keys.
    severities: Vec<ComplianceSeverity>,
}

fn invalid(message: String) -> ApiError {
    ApiError::new("InvalidFilter", message)
}

/// `2019-02-18T16:00:00Z`, or epoch seconds.
fn parse_time(v: &str) -> Option<Timestamp> {
    Timestamp::parse_iso8601(v).or_else(|| {
        v.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && s.abs() < 1e13)
            .map(|s| Timestamp((s * 1000.0).round() as i64))
    })
}

/// Checks and compiles a request's filters.
pub(super) fn compile(
    filters: Option<&[ComplianceStringFilter]>,
    scope: Scope,
) -> Result<Vec<Filter>, ApiError> {
    let keys: &[&str] = match scope {
        Scope::Items => &ITEM_KEYS,
        Scope::Summaries => &SUMMARY_KEYS,
    };
    let valid_keys = || match scope {
        Scope::Items => format!("{}, {}", ITEM_KEYS.join(", "), DETAIL_KEYS.join(", ")),
        Scope::Summaries => SUMMARY_KEYS.join(", "),
    };
    let mut out = Vec::new();
    for (i, f) in filters.unwrap_or_default().iter().enumerate() {
        let at = |member: &str| format!("filters.{}.member.{member}", i + 1);
        if f.key.is_empty() {
            return Err(invalid(format!(
                "Filter {} has no Key; use one of {}",
                i + 1,
                valid_keys()
            )));
        }
        if f.key.chars().count() > limits::FILTER_KEY_MAX {
            return Err(ApiError::constraint(
                &at("key"),
                &f.key,
                "Member must have length less than or equal to 200",
            ));
        }
        if f.values.is_empty() || f.values.len() > limits::FILTER_VALUES_MAX {
            return Err(ApiError::constraint(
                &at("values"),
                format!("{} values", f.values.len()),
                "Member must have length between 1 and 20",
            ));
        }
        let op = match f.r#type.as_deref() {
            None => Op::Equal,
            Some(t) => Op::parse(t).ok_or_else(|| {
                ApiError::constraint(
                    &at("type"),
                    t,
                    "Member must satisfy enum value set: [EQUAL, NOT_EQUAL, BEGIN_WITH, \
                     LESS_THAN, GREATER_THAN]",
                )
            })?,
        };
        let key = f.key.as_str();
        let known = keys.contains(&key) || (scope == Scope::Items && DETAIL_KEYS.contains(&key));
        if !known {
            let hint = if key.starts_with("AWS:") || key.contains('.') {
                "inventory filters are not supported here; "
            } else if scope == Scope::Summaries && key == "Severity" {
                "summaries filter on OverallSeverity; "
            } else if scope == Scope::Items && key == "OverallSeverity" {
                "items filter on Severity; "
            } else {
                ""
            };
            return Err(invalid(format!(
                "{key} is not a filter key here; {hint}use one of {}",
                valid_keys()
            )));
        }
        let field = match key {
            "ComplianceType" => Field::ComplianceType,
            "ResourceId" => Field::ResourceId,
            "ResourceType" => Field::ResourceType,
            "Id" => Field::Id,
            "Title" => Field::Title,
            "Status" => Field::Status,
            "Severity" | "OverallSeverity" => Field::Severity,
            "ExecutionId" => Field::ExecutionId,
            "ExecutionType" => Field::ExecutionType,
            "ExecutionTime" => Field::ExecutionTime,
            detail => Field::Detail(detail.to_owned()),
        };
        if matches!(op, Op::LessThan | Op::GreaterThan) && f.values.len() != 1 {
            return Err(invalid(format!(
                "{} compares with one value; filter {key} has {}",
                op.as_str(),
                f.values.len()
            )));
        }
        let mut times = Vec::new();
        let mut severities = Vec::new();
        match &field {
            Field::ExecutionTime => {
                if op == Op::BeginWith {
                    return Err(invalid(
                        "ExecutionTime compares with EQUAL, NOT_EQUAL, LESS_THAN or GREATER_THAN, \
                         not BEGIN_WITH"
                            .to_owned(),
                    ));
                }
                for v in &f.values {
                    times.push(parse_time(v).ok_or_else(|| {
                        invalid(format!(
                            "ExecutionTime {v} is not a time; write it like \
                             2019-02-18T16:00:00Z (UTC) or as epoch seconds"
                        ))
                    })?);
                }
            }
            Field::Severity if op != Op::BeginWith => {
                for v in &f.values {
                    severities.push(ComplianceSeverity::parse(v).ok_or_else(|| {
                        invalid(format!(
                            "{key} {v} is not a severity; use one of {}",
                            ComplianceSeverity::ALL.map(|s| s.as_str()).join(", ")
                        ))
                    })?);
                }
            }
            Field::Status if op != Op::BeginWith => {
                if let Some(v) = f
                    .values
                    .iter()
                    .find(|v| ComplianceStatus::parse(v).is_none())
                {
                    return Err(invalid(format!(
                        "Status {v} is not a compliance status; use COMPLIANT or NON_COMPLIANT"
                    )));
                }
            }
            _ => {}
        }
        out.push(Filter {
            field,
            op,
            values: f.values.clone(),
            times,
            severities,
        });
    }
    Ok(out)
}

impl Filter {
    /// Whether a text (absent: a detail the item lacks) passes.
    pub fn text(&self, value: Option<&str>) -> bool {
        let Some(value) = value else {
            return self.op == Op::NotEqual;
        };
        match self.op {
            Op::Equal => self.values.iter().any(|v| v == value),
            Op::NotEqual => self.values.iter().all(|v| v != value),
            Op::BeginWith => self.values.iter().any(|v| value.starts_with(v.as_str())),
            Op::LessThan => value < self.values[0].as_str(),
            Op::GreaterThan => value > self.values[0].as_str(),
        }
    }

    pub fn severity(&self, value: ComplianceSeverity) -> bool {
        // A lower rank is a greater severity.
        match self.op {
            Op::Equal => self.severities.contains(&value),
            Op::NotEqual => !self.severities.contains(&value),
            Op::BeginWith => self.text(Some(value.as_str())),
            Op::LessThan => value.rank() > self.severities[0].rank(),
            Op::GreaterThan => value.rank() < self.severities[0].rank(),
        }
    }

    pub fn time(&self, value: Timestamp) -> bool {
        match self.op {
            Op::Equal => self.times.contains(&value),
            Op::NotEqual => !self.times.contains(&value),
            // Refused when compiled.
            Op::BeginWith => false,
            Op::LessThan => value < self.times[0],
            Op::GreaterThan => value > self.times[0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(key: &str, values: &[&str], op: Option<Op>, scope: Scope) -> Result<Filter, ApiError> {
        let f = ComplianceStringFilter::new(key, values, op);
        compile(Some(&[f]), scope).map(|mut v| v.remove(0))
    }

    #[test]
    fn severities_compare_by_rank() {
        let f = one("Severity", &["MEDIUM"], Some(Op::GreaterThan), Scope::Items).unwrap();
        assert!(f.severity(ComplianceSeverity::Critical));
        assert!(f.severity(ComplianceSeverity::High));
        assert!(!f.severity(ComplianceSeverity::Medium));
        assert!(!f.severity(ComplianceSeverity::Unspecified));
        let f = one(
            "OverallSeverity",
            &["LOW"],
            Some(Op::LessThan),
            Scope::Summaries,
        )
        .unwrap();
        assert!(f.severity(ComplianceSeverity::Informational));
        assert!(!f.severity(ComplianceSeverity::Low));
    }

    #[test]
    fn times_take_iso_or_epoch_seconds() {
        let f = one(
            "ExecutionTime",
            &["2019-02-18T16:00:00Z"],
            Some(Op::GreaterThan),
            Scope::Items,
        )
        .unwrap();
        assert!(f.time(Timestamp::from_secs(1_550_505_601)));
        assert!(!f.time(Timestamp::from_secs(1_550_505_600)));
        let f = one("ExecutionTime", &["1550505600"], None, Scope::Summaries).unwrap();
        assert!(f.time(Timestamp::from_secs(1_550_505_600)));
    }

    #[test]
    fn a_missing_detail_matches_only_not_equal() {
        let eq = one("PatchState", &["Installed"], None, Scope::Items).unwrap();
        let ne = one(
            "PatchState",
            &["Installed"],
            Some(Op::NotEqual),
            Scope::Items,
        )
        .unwrap();
        assert!(!eq.text(None));
        assert!(ne.text(None));
        assert!(eq.text(Some("Installed")));
    }

    #[test]
    fn keys_belong_to_their_list() {
        assert_eq!(
            one("PatchState", &["x"], None, Scope::Summaries)
                .unwrap_err()
                .code,
            "InvalidFilter"
        );
        assert_eq!(
            one("ResourceId", &["x"], None, Scope::Items)
                .unwrap_err()
                .code,
            "InvalidFilter"
        );
        let err = one(
            "AWS:InstanceInformation.PlatformType",
            &["Linux"],
            None,
            Scope::Summaries,
        )
        .unwrap_err();
        assert!(err.message.contains("inventory"), "{}", err.message);
    }
}
