//! IAM-style policy documents: checked and compiled once, when they are
//! put or loaded, then evaluated on every call a user makes.
//!
//! The grammar is the useful core of IAM's: `Version`, `Id`, and
//! `Statement`s of `Sid`, `Effect`, `Action` and `Resource`. Elements sysman
//! does not enforce (`NotAction`, `Condition`, ...) are refused rather than
//! ignored, since ignoring one would grant more than its author meant.

use serde_json::{Map, Value};
use sysman_api::ApiError;

/// Most characters a policy document may hold.
pub const MAX_DOCUMENT_CHARS: usize = 10_240;

const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// What the policies of a user say about one action on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Some statement denies it; nothing else matters.
    ExplicitDeny,
    /// No statement allows it.
    ImplicitDeny,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Statement {
    effect: Effect,
    /// Lower-cased, since actions match case-insensitively.
    actions: Vec<Vec<char>>,
    resources: Vec<Vec<char>>,
}

/// A checked policy, ready to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    statements: Vec<Statement>,
}

fn malformed(message: impl Into<String>) -> ApiError {
    ApiError::new("MalformedPolicyDocument", message)
}

impl Policy {
    /// Checks a policy document and compiles it.
    pub fn parse(document: &str) -> Result<Policy, ApiError> {
        let value: Value = serde_json::from_str(document).map_err(|e| {
            malformed(format!(
                "The policy document is not valid JSON ({e}); write a JSON object such as \
                 {{\"Version\":\"2012-10-17\",\"Statement\":[...]}}"
            ))
        })?;
        let Value::Object(top) = value else {
            return Err(malformed(
                "The policy document must be a JSON object with Version and Statement",
            ));
        };
        for (key, value) in &top {
            match key.as_str() {
                "Version" => match value.as_str() {
                    Some(v) if VERSIONS.contains(&v) => {}
                    _ => {
                        return Err(malformed(format!(
                            "Version {value} is not a policy language version; write \
                             \"2012-10-17\" (or leave Version out)"
                        )));
                    }
                },
                "Id" if value.is_string() => {}
                "Id" => return Err(malformed("Id must be a string")),
                "Statement" => {}
                other => {
                    return Err(malformed(format!(
                        "Policy element {other} is not supported; a policy holds Version, Id \
                         and Statement"
                    )));
                }
            }
        }
        let statements = match top.get("Statement") {
            None => return Err(malformed("The policy has no Statement")),
            Some(Value::Array(list)) => list.iter().map(statement).collect::<Result<_, _>>()?,
            Some(one @ Value::Object(_)) => vec![statement(one)?],
            Some(_) => {
                return Err(malformed(
                    "Statement must be a statement object or a list of them",
                ));
            }
        };
        if statements.is_empty() {
            return Err(malformed("Statement must hold at least one statement"));
        }
        Ok(Policy { statements })
    }

    /// What this policy alone says about `action` (lower-cased) on
    /// `resource`: a Deny, an Allow, or nothing.
    fn decide(&self, action: &[char], resource: &[char]) -> Option<Effect> {
        let mut allowed = false;
        for s in &self.statements {
            let applies = s.actions.iter().any(|p| wildcard_match(p, action))
                && s.resources.iter().any(|p| wildcard_match(p, resource));
            match (applies, s.effect) {
                (true, Effect::Deny) => return Some(Effect::Deny),
                (true, Effect::Allow) => allowed = true,
                (false, _) => {}
            }
        }
        allowed.then_some(Effect::Allow)
    }
}

/// Evaluates `action` on `resource` against every policy of a user: an
/// explicit Deny in any of them wins, then any Allow; otherwise denied.
pub fn evaluate<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    action: &str,
    resource: &str,
) -> Decision {
    let action: Vec<char> = action.to_ascii_lowercase().chars().collect();
    let resource: Vec<char> = resource.chars().collect();
    let mut decision = Decision::ImplicitDeny;
    for policy in policies {
        match policy.decide(&action, &resource) {
            Some(Effect::Deny) => return Decision::ExplicitDeny,
            Some(Effect::Allow) => decision = Decision::Allow,
            None => {}
        }
    }
    decision
}

fn statement(value: &Value) -> Result<Statement, ApiError> {
    let Value::Object(fields) = value else {
        return Err(malformed("Each Statement must be a JSON object"));
    };
    for key in fields.keys() {
        match key.as_str() {
            "Sid" | "Effect" | "Action" | "Resource" => {}
            "NotAction" | "NotResource" | "Condition" | "Principal" | "NotPrincipal" => {
                return Err(malformed(format!(
                    "Statement element {key} is not supported by sysman; write the statement \
                     with Effect, Action and Resource only"
                )));
            }
            other => {
                return Err(malformed(format!(
                    "Statement element {other} is not a policy element; a statement holds Sid, \
                     Effect, Action and Resource"
                )));
            }
        }
    }
    if fields.get("Sid").is_some_and(|sid| !sid.is_string()) {
        return Err(malformed("Sid must be a string"));
    }
    let effect = match fields.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => {
            return Err(malformed(format!(
                "Effect {other} is not valid; write Allow or Deny"
            )));
        }
        None => return Err(malformed("Each statement needs an Effect: Allow or Deny")),
    };
    let actions = strings(fields, "Action", "ssm:GetParameter")?;
    for action in &actions {
        check_action(action)?;
    }
    let resources = strings(fields, "Resource", "arn:aws:ssm:*:*:parameter/app/*")?;
    for resource in &resources {
        if resource != "*" && !resource.starts_with("arn:") {
            return Err(malformed(format!(
                "Resource {resource} must be an ARN (such as arn:aws:ssm:*:*:parameter/app/*) \
                 or \"*\""
            )));
        }
    }
    Ok(Statement {
        effect,
        actions: actions
            .iter()
            .map(|a| a.to_ascii_lowercase().chars().collect())
            .collect(),
        resources: resources.iter().map(|r| r.chars().collect()).collect(),
    })
}

/// A string or a non-empty list of strings.
fn strings(
    fields: &Map<String, Value>,
    name: &str,
    example: &str,
) -> Result<Vec<String>, ApiError> {
    let shape = || {
        malformed(format!(
            "{name} must be a string or a list of strings, as in \"{example}\""
        ))
    };
    match fields.get(name) {
        None => Err(malformed(format!(
            "Each statement needs {name}, as in \"{name}\": \"{example}\""
        ))),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) if items.is_empty() => Err(malformed(format!(
            "{name} must name at least one, as in \"{example}\""
        ))),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(shape))
            .collect(),
        Some(_) => Err(shape()),
    }
}

/// `*`, or `service:action` with a service prefix (`ssm:Get*`, `sysman:*`).
fn check_action(action: &str) -> Result<(), ApiError> {
    if action == "*" {
        return Ok(());
    }
    let valid = action.split_once(':').is_some_and(|(service, name)| {
        !service.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !name.is_empty()
            && !name.contains(':')
    });
    if valid {
        Ok(())
    } else {
        Err(malformed(format!(
            "Action {action} must name its service, as in ssm:GetParameter, sysman:CreateUser, \
             ssm:* or \"*\""
        )))
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any run of
/// characters (`/` and `:` too) and `?` for any one character.
///
/// Greedy with one backtrack point (the last `*`), so it runs in
/// O(pattern × text) at worst and needs no recursion.
fn wildcard_match(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                // Let the last `*` take one more character and retry.
                Some((sp, st)) => {
                    star = Some((sp, st + 1));
                    p = sp + 1;
                    t = st + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        let pattern: Vec<char> = pattern.chars().collect();
        let text: Vec<char> = text.chars().collect();
        wildcard_match(&pattern, &text)
    }

    #[test]
    fn stars_and_question_marks() {
        assert!(matches("*", ""));
        assert!(matches("*", "anything:at/all"));
        assert!(matches("", ""));
        assert!(!matches("", "x"));
        assert!(matches("ssm:Get*", "ssm:GetParameter"));
        assert!(matches("ssm:Get*", "ssm:Get"));
        assert!(!matches("ssm:Get*", "ssm:PutParameter"));
        assert!(matches("ssm:?etParameter", "ssm:GetParameter"));
        assert!(!matches("ssm:?etParameter", "ssm:etParameter"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(matches("a*b*c", "abc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("*c", "abcabc"));
        assert!(!matches("*c", "abcab"));
        assert!(matches("a**", "a"));
        assert!(matches("??", "éx"));
        assert!(!matches("???", "éx"));
        assert!(matches(
            "arn:aws:ssm:*:*:parameter/app/*",
            "arn:aws:ssm:us-east-1:000000000000:parameter/app/x"
        ));
        assert!(matches(
            "arn:aws:ssm:*:*:parameter/app/*",
            "arn:aws:ssm:us-east-1:000000000000:parameter/app/deep/er"
        ));
        assert!(!matches(
            "arn:aws:ssm:*:*:parameter/app/*",
            "arn:aws:ssm:us-east-1:000000000000:parameter/other/x"
        ));
        assert!(!matches(
            "arn:aws:ssm:*:*:parameter/app/*",
            "arn:aws:ssm:us-east-1:000000000000:parameter/App/x"
        ));
    }

    #[test]
    fn a_pathological_pattern_still_answers() {
        let pattern = "*a".repeat(500) + "b";
        let text = "a".repeat(5_000);
        assert!(!matches(&pattern, &text));
    }

    fn allow(action: &str, resource: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}}}"#
        )
    }

    #[test]
    fn actions_match_without_case_and_resources_with_it() {
        let policy = Policy::parse(&allow("SSM:get*", "arn:aws:ssm:*:*:parameter/app/*")).unwrap();
        let app = "arn:aws:ssm:us-east-1:1:parameter/app/x";
        assert_eq!(
            evaluate([&policy], "ssm:GetParameter", app),
            Decision::Allow
        );
        assert_eq!(
            evaluate([&policy], "ssm:PutParameter", app),
            Decision::ImplicitDeny
        );
        assert_eq!(
            evaluate(
                [&policy],
                "ssm:GetParameter",
                "arn:aws:ssm:us-east-1:1:parameter/APP/x"
            ),
            Decision::ImplicitDeny
        );
        assert_eq!(
            evaluate([], "ssm:GetParameter", app),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn an_explicit_deny_wins_across_policies() {
        let everything = Policy::parse(&allow("*", "*")).unwrap();
        let deny = Policy::parse(
            r#"{"Statement":[{"Effect":"Deny","Action":["ssm:GetParameter"],"Resource":["arn:aws:ssm:*:*:parameter/secret/*"]}]}"#,
        )
        .unwrap();
        let secret = "arn:aws:ssm:us-east-1:1:parameter/secret/x";
        assert_eq!(
            evaluate([&everything, &deny], "ssm:GetParameter", secret),
            Decision::ExplicitDeny
        );
        assert_eq!(
            evaluate([&deny, &everything], "ssm:GetParameter", secret),
            Decision::ExplicitDeny
        );
        assert_eq!(
            evaluate([&everything, &deny], "ssm:PutParameter", secret),
            Decision::Allow
        );
    }

    #[test]
    fn malformed_documents_say_what_is_wrong() {
        let cases = [
            ("not json", "not valid JSON"),
            ("[]", "JSON object"),
            (r#"{"Version":"2012-10-17"}"#, "no Statement"),
            (r#"{"Version":"2020-01-01","Statement":[]}"#, "Version"),
            (r#"{"Statement":[]}"#, "at least one statement"),
            (r#"{"Statement":"x"}"#, "statement object or a list"),
            (r#"{"Statement":["x"]}"#, "JSON object"),
            (
                r#"{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}"#,
                "Allow or Deny",
            ),
            (
                r#"{"Statement":{"Action":"*","Resource":"*"}}"#,
                "needs an Effect",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#,
                "needs Action",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"*"}}"#,
                "needs Resource",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}"#,
                "at least one",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}"#,
                "list of strings",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"GetParameter","Resource":"*"}}"#,
                "name its service",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"parameter/x"}}"#,
                "must be an ARN",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","NotAction":"*","Resource":"*"}}"#,
                "NotAction is not supported",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"*","NotResource":"*"}}"#,
                "NotResource is not supported",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}}"#,
                "Condition is not supported",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Principal":"*"}}"#,
                "Principal is not supported",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Colour":"red"}}"#,
                "Colour is not a policy element",
            ),
            (r#"{"Statement":[],"Extra":1}"#, "Extra is not supported"),
            (
                r#"{"Statement":{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}}"#,
                "Sid must be a string",
            ),
        ];
        for (document, needle) in cases {
            let err = Policy::parse(document).unwrap_err();
            assert_eq!(err.code, "MalformedPolicyDocument", "{document}");
            assert!(err.message.contains(needle), "{document}: {}", err.message);
        }
        let fine = r#"{"Version":"2008-10-17","Id":"p","Statement":[{"Sid":"read","Effect":"Allow","Action":["ssm:Get*","sysman:List*"],"Resource":["*"]}]}"#;
        assert!(Policy::parse(fine).is_ok());
    }
}
