//! The naming, label and value rules of Parameter Store, each with the
//! error name AWS gives.

use crate::ApiError;
use crate::messages::parameter as msg;

/// Longest name, counting the ARN around it as AWS does.
pub const MAX_NAME: usize = 1011;
pub const MAX_LEVELS: usize = 15;
pub const MAX_LABELS_PER_VERSION: usize = 10;
pub const STANDARD_VALUE_MAX: usize = 4096;
pub const ADVANCED_VALUE_MAX: usize = 8192;
pub const MAX_VERSIONS: usize = 100;

/// The name a selector or ARN names, without `arn:...:parameter` or a
/// `:version`/`:label` suffix.
pub fn strip_arn(name: &str) -> &str {
    match name.strip_prefix("arn:") {
        Some(rest) => match rest.split_once(":parameter") {
            Some((_, tail)) if tail.starts_with('/') => {
                // `arn:...:parameter/a/b` names `/a/b`; `.../parameter/a` names `a`.
                let inner = &tail[1..];
                if inner.contains('/') { tail } else { inner }
            }
            _ => name,
        },
        None => name,
    }
}

/// What is wrong with a parameter name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong,
    Character(char),
    /// Begins with `aws` or `ssm`, in any case.
    Reserved,
    /// Has a `/` but does not begin with one.
    NotRooted,
    /// `//`, or a trailing `/`.
    EmptyLevel,
    TooDeep(usize),
}

impl NameProblem {
    /// The error AWS answers with.
    pub fn error(&self, name: &str) -> ApiError {
        match self {
            Self::Empty => ApiError::constraint(
                "name",
                name,
                "Member must have length greater than or equal to 1",
            ),
            Self::TooLong => msg::name_too_long(MAX_NAME),
            Self::Reserved if name.matches('/').count() <= 1 => msg::prefixed_with_aws_or_ssm(),
            // AWS keeps `/aws/...` for its own public parameters.
            Self::Reserved if name.to_ascii_lowercase().starts_with("/aws") => {
                msg::reserved_name(name)
            }
            Self::Reserved | Self::Character(_) | Self::NotRooted | Self::EmptyLevel => {
                msg::invalid_name()
            }
            Self::TooDeep(_) => msg::too_many_levels(MAX_LEVELS),
        }
    }

    /// What to fix, for a person typing the name.
    pub fn explain(&self) -> String {
        match self {
            Self::Empty => "a name is required".to_owned(),
            Self::TooLong => format!("it is longer than {MAX_NAME} characters"),
            Self::Character(c) => {
                format!("'{c}' is not allowed; use letters, digits, '_', '.', '-' and '/'")
            }
            Self::Reserved => "names can't begin with 'aws' or 'ssm' (in any case)".to_owned(),
            Self::NotRooted => {
                "a name with '/' is a hierarchy and must begin with '/', as in /app/db/host"
                    .to_owned()
            }
            Self::EmptyLevel => {
                "a hierarchy can't have empty levels ('//' or a trailing '/')".to_owned()
            }
            Self::TooDeep(levels) => {
                format!("it has {levels} levels; a hierarchy can have at most {MAX_LEVELS}")
            }
        }
    }
}

/// What is wrong with `name`, if anything.
pub fn name_problem(name: &str) -> Option<NameProblem> {
    if name.is_empty() {
        return Some(NameProblem::Empty);
    }
    if name.chars().count() > MAX_NAME {
        return Some(NameProblem::TooLong);
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_.-/".contains(*c)))
    {
        return Some(NameProblem::Character(bad));
    }
    let lower = name.trim_start_matches('/').to_ascii_lowercase();
    if lower.starts_with("aws") || lower.starts_with("ssm") {
        return Some(NameProblem::Reserved);
    }
    if name.contains('/') {
        if !name.starts_with('/') {
            return Some(NameProblem::NotRooted);
        }
        if name.ends_with('/') || name.contains("//") {
            return Some(NameProblem::EmptyLevel);
        }
        let levels = name.matches('/').count();
        if levels > MAX_LEVELS {
            return Some(NameProblem::TooDeep(levels));
        }
    }
    None
}

/// Checks a parameter name; returns the key it is stored under (a
/// top-level `/foo` and `foo` are the same parameter).
pub fn check_name(name: &str) -> Result<String, ApiError> {
    match name_problem(name) {
        Some(problem) => Err(problem.error(name)),
        None => Ok(canonical(name)),
    }
}

/// `/foo` and `foo` are one parameter; deeper names are kept as given.
pub fn canonical(name: &str) -> String {
    match name.strip_prefix('/') {
        Some(rest) if !rest.contains('/') => rest.to_owned(),
        _ => name.to_owned(),
    }
}

/// Whether a label follows the rules: 1–100 characters of letters, digits,
/// `.`, `-` and `_`, not starting with a digit or with `aws`/`ssm`.
pub fn is_valid_label(label: &str) -> bool {
    let lower = label.to_ascii_lowercase();
    (1..=100).contains(&label.chars().count())
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
        && !label.starts_with(|c: char| c.is_ascii_digit())
        && !lower.starts_with("aws")
        && !lower.starts_with("ssm")
}

/// A `name`, `name:version` or `name:label` selector split in two.
pub enum Selector {
    Latest,
    Version(i64),
    Label(String),
}

pub fn split_selector(raw: &str) -> Result<(&str, Selector), ApiError> {
    // An ARN has colons of its own; the selector is after the name.
    let (prefix, rest) = match raw.find(":parameter") {
        Some(i) if raw.starts_with("arn:") => raw.split_at(i + ":parameter".len()),
        _ => ("", raw),
    };
    let Some(colon) = rest.rfind(':') else {
        return Ok((raw, Selector::Latest));
    };
    let (name, selector) = (&raw[..prefix.len() + colon], &rest[colon + 1..]);
    if selector.is_empty() {
        return Err(msg::empty_selector(raw));
    }
    if selector.bytes().all(|b| b.is_ascii_digit()) {
        let version = selector
            .parse::<i64>()
            .map_err(|_| msg::version_not_found(name, selector))?;
        Ok((name, Selector::Version(version)))
    } else {
        Ok((name, Selector::Label(selector.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_aws_rules() {
        assert_eq!(check_name("/app/db/host").unwrap(), "/app/db/host");
        assert_eq!(
            check_name("/top").unwrap(),
            "top",
            "/top and top are one parameter"
        );
        assert_eq!(check_name("plain-name_1.0").unwrap(), "plain-name_1.0");
        for bad in [
            "",
            "has space",
            "app/db",
            "/app//db",
            "/app/",
            "/AWS/x",
            "SSMthing",
            "/x$",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} should be refused");
        }
        let deep = "/a".repeat(16);
        assert_eq!(
            check_name(&deep).unwrap_err().code,
            "HierarchyLevelLimitExceededException"
        );
        assert!(check_name(&"/a".repeat(15)).is_ok());
        assert!(
            check_name(&"x".repeat(1012))
                .unwrap_err()
                .message
                .contains("1011")
        );
    }

    #[test]
    fn a_name_problem_reads_as_aws_on_the_wire_and_plainly_in_the_console() {
        let problem = name_problem("/app/db host").unwrap();
        assert_eq!(problem, NameProblem::Character(' '));
        assert!(problem.explain().contains("' ' is not allowed"));
        assert!(
            problem
                .error("/app/db host")
                .message
                .starts_with("Parameter name: can't be prefixed with \"ssm\"")
        );
        assert_eq!(
            name_problem("/aws/x").unwrap().error("/aws/x").code,
            "AccessDeniedException"
        );
        assert_eq!(name_problem("/app/db"), None);
    }

    #[test]
    fn labels_follow_the_aws_rules() {
        assert!(is_valid_label("prod"));
        assert!(is_valid_label("release-1.2_b"));
        for bad in [
            "",
            "1st",
            "awsy",
            "SSM-x",
            "has space",
            "a/b",
            &"x".repeat(101),
        ] {
            assert!(!is_valid_label(bad), "{bad:?}");
        }
    }

    #[test]
    fn selectors_and_arns_split_cleanly() {
        let (name, sel) = split_selector("/app/db:3").unwrap();
        assert_eq!(name, "/app/db");
        assert!(matches!(sel, Selector::Version(3)));
        let (name, sel) = split_selector("/app/db:prod").unwrap();
        assert!(name == "/app/db" && matches!(sel, Selector::Label(ref l) if l == "prod"));
        let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/app/db:2";
        let (name, sel) = split_selector(arn).unwrap();
        assert_eq!(strip_arn(name), "/app/db");
        assert!(matches!(sel, Selector::Version(2)));
        let (name, sel) =
            split_selector("arn:aws:ssm:us-east-1:123456789012:parameter/top").unwrap();
        assert_eq!(strip_arn(name), "top");
        assert!(matches!(sel, Selector::Latest));
        assert!(split_selector("/app/db:").is_err());
    }
}
