use serde_json::json;
use sysman_api::{OPERATIONS, Prefix};

use super::*;

/// The message `check` answers `body` of `operation` with.
fn refusal(operation: &str, body: Value) -> String {
    let e = check(operation, &body).expect_err("the request breaks a constraint");
    assert_eq!(e.code, "ValidationException");
    e.message
}

fn one(at: &str, value: &str, constraint: &str) -> String {
    format!(
        "1 validation error detected: {value} at '{at}' failed to satisfy constraint: {constraint}"
    )
}

#[test]
fn a_missing_required_member_must_not_be_null() {
    let expected = one("name", "Value null", "Member must not be null");
    assert_eq!(refusal("GetParameter", json!({})), expected);
    assert_eq!(refusal("GetParameter", json!({"Name": null})), expected);
}

#[test]
fn strings_are_held_to_their_lengths() {
    let long = "a".repeat(2049);
    assert_eq!(
        refusal("GetParameter", json!({ "Name": long })),
        one(
            "name",
            &format!("Value '{long}'"),
            "Member must have length less than or equal to 2048"
        )
    );
    assert_eq!(
        refusal("GetParameter", json!({"Name": ""})),
        one(
            "name",
            "Value ''",
            "Member must have length greater than or equal to 1"
        )
    );
    assert!(check("GetParameter", &json!({ "Name": "a".repeat(2048) })).is_ok());
}

#[test]
fn strings_are_held_to_their_patterns() {
    let body = json!({"DocumentName": "AWS-RunShellScript", "MaxConcurrency": "abc"});
    assert_eq!(
        refusal("SendCommand", body),
        one(
            "maxConcurrency",
            "Value 'abc'",
            "Member must satisfy regular expression pattern: ^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$"
        )
    );
    let body = json!({"DocumentName": "AWS-RunShellScript", "MaxConcurrency": "10%"});
    assert!(check("SendCommand", &body).is_ok());
}

#[test]
fn enums_are_listed_as_aws_lists_them() {
    let body = json!({"Name": "/a", "Value": "v", "Type": "Text"});
    assert_eq!(
        refusal("PutParameter", body),
        one(
            "type",
            "Value 'Text'",
            "Member must satisfy enum value set: [SecureString, StringList, String]"
        )
    );
}

#[test]
fn numbers_are_held_to_their_range() {
    assert_eq!(
        refusal(
            "GetParametersByPath",
            json!({"Path": "/", "MaxResults": 11})
        ),
        one(
            "maxResults",
            "Value '11'",
            "Member must have value less than or equal to 10"
        )
    );
    assert_eq!(
        refusal("GetParametersByPath", json!({"Path": "/", "MaxResults": 0})),
        one(
            "maxResults",
            "Value '0'",
            "Member must have value greater than or equal to 1"
        )
    );
    let huge = json!({"Path": "/", "MaxResults": u64::MAX});
    assert!(refusal("GetParametersByPath", huge).contains("less than or equal to 10"));
}

#[test]
fn lists_are_held_to_their_sizes() {
    assert_eq!(
        refusal("GetParameters", json!({"Names": []})),
        one(
            "names",
            "Value '[]'",
            "Member must have length greater than or equal to 1"
        )
    );
    let names: Vec<String> = (0..11).map(|i| format!("p{i}")).collect();
    assert_eq!(
        refusal("GetParameters", json!({ "Names": names })),
        one(
            "names",
            "Value '[p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10]'",
            "Member must have length less than or equal to 10"
        )
    );
}

#[test]
fn a_member_of_a_listed_structure_is_named_by_its_position() {
    let body = json!({"ParameterFilters": [{"Key": "Name"}, {"Key": "Colour"}]});
    assert_eq!(
        refusal("DescribeParameters", body),
        one(
            "parameterFilters.2.member.key",
            "Value 'Colour'",
            "Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType"
        )
    );
    let body = json!({"ParameterFilters": [{"Option": "Equals"}]});
    assert_eq!(
        refusal("DescribeParameters", body),
        one(
            "parameterFilters.1.member.key",
            "Value null",
            "Member must not be null"
        )
    );
}

#[test]
fn a_bad_item_of_a_list_of_strings_is_reported_at_the_list() {
    let label = "l".repeat(101);
    let body = json!({"Name": "/a", "Labels": [label]});
    assert_eq!(
        refusal("LabelParameterVersion", body),
        one(
            "labels",
            &format!("Value '[{label}]'"),
            "Member must satisfy constraint: [Member must have length less than or equal to 100, \
             Member must have length greater than or equal to 1]"
        )
    );
}

#[test]
fn a_bad_value_of_a_map_is_reported_at_the_map() {
    let long = "v".repeat(4097);
    let body = json!({
        "ResourceId": "i-0123456789abcdef0",
        "ResourceType": "ManagedInstance",
        "ComplianceType": "Custom:Thing",
        "ExecutionSummary": {"ExecutionTime": 0},
        "Items": [{"Severity": "HIGH", "Status": "COMPLIANT", "Details": {"k": long}}],
    });
    assert_eq!(
        refusal("PutComplianceItems", body),
        one(
            "items.1.member.details",
            &format!("Value '{{k={long}}}'"),
            "Map value must satisfy constraint: [Member must have length less than or equal to \
             4096, Member must have length greater than or equal to 0]"
        )
    );
}

#[test]
fn a_sensitive_value_is_never_quoted() {
    let source = json!({"Name": "repo", "Products": ["p"], "Configuration": ""});
    let body = json!({"Name": "baseline", "Sources": [source]});
    assert_eq!(
        refusal("CreatePatchBaseline", body),
        one(
            "sources.1.member.configuration",
            "Value",
            "Member must have length greater than or equal to 1"
        )
    );
}

#[test]
fn every_violation_of_a_request_is_reported_at_once() {
    let body = json!({"Names": [], "WithDecryption": true, "Bogus": 1});
    assert_eq!(
        refusal("GetParameters", body),
        one(
            "names",
            "Value '[]'",
            "Member must have length greater than or equal to 1"
        )
    );
    let body = json!({"Path": "", "MaxResults": 11});
    assert_eq!(
        refusal("GetParametersByPath", body),
        "2 validation errors detected: \
         Value '' at 'path' failed to satisfy constraint: Member must have length greater than or equal to 1; \
         Value '11' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10"
    );
}

#[test]
fn a_valid_request_passes_and_wrong_types_are_left_to_the_decoder() {
    let body = json!({"Name": "/a/b", "Value": "v", "Type": "String", "Tags": [{"Key": "k", "Value": "v"}]});
    assert!(check("PutParameter", &body).is_ok());
    // The typed decode names these as SerializationException.
    assert!(check("GetParameter", &json!({"Name": 42})).is_ok());
    assert!(check("GetParameter", &json!([1, 2])).is_ok());
    // Operations the model lacks are not checked.
    assert!(check("UpdateInstanceInformation", &json!({})).is_ok());
}

#[test]
fn every_routed_aws_operation_has_a_generated_input_shape() {
    let routed: Vec<&str> = OPERATIONS
        .iter()
        .filter(|o| o.target.prefix == Prefix::AmazonSsm)
        .map(|o| o.target.name)
        .collect();
    for name in &routed {
        let generated = input_shape(name).is_some();
        let absent = rules::NOT_IN_MODEL.contains(name);
        assert!(
            generated != absent,
            "{name}: regenerate crates/server/src/model/rules.rs (scripts/gen-model-rules.py)"
        );
    }
    for (name, _) in rules::OPERATIONS {
        assert!(
            routed.contains(name),
            "{name} is generated but not routed as AmazonSSM"
        );
    }
    for name in rules::NOT_IN_MODEL {
        assert!(
            routed.contains(name),
            "{name} is listed but not routed as AmazonSSM"
        );
    }
    assert!(rules::OPERATIONS.is_sorted_by_key(|(name, _)| *name));
}

#[test]
fn every_pattern_compiles_and_matches_as_java_would() {
    for (pattern, regex) in rules::PATTERNS.iter().zip(REGEXES.iter()) {
        assert!(
            regex.is_some(),
            "{} does not compile as {}",
            pattern.aws,
            pattern.regex
        );
    }
    let body = |v: &str| json!({"InstanceId": v});
    assert!(check("DeregisterManagedInstance", &body("mi-0123456789abcdef0")).is_ok());
    // Java's \w is ASCII; a match must span the whole value.
    assert!(check("DeregisterManagedInstance", &body("mi-0123456789abcdéf0")).is_err());
    assert!(check("DeregisterManagedInstance", &body("mi-0123456789abcdef0\n")).is_err());
    // The "not blank" pattern, translated from a lookahead.
    let activation =
        |key: &str| json!({"IamRole": "r", "RegistrationMetadata": [{"Key": key, "Value": "v"}]});
    assert!(check("CreateActivation", &activation(" k ")).is_ok());
    assert!(check("CreateActivation", &activation("  \t ")).is_err());
    assert!(check("CreateActivation", &activation("k\nk")).is_err());
}

#[test]
fn a_hostile_request_costs_bounded_memory() {
    // A hundred thousand bad filters: all counted, a hundred worded.
    let filters: Vec<Value> = (0..100_000).map(|_| json!({"Key": "x"})).collect();
    let message = refusal("DescribeParameters", json!({ "ParameterFilters": filters }));
    assert!(
        message.starts_with("100000 validation errors detected: "),
        "{}",
        &message[..80]
    );
    assert_eq!(
        message.matches("failed to satisfy constraint").count(),
        LISTED
    );
    // A huge value is quoted in part.
    let long = "a".repeat(1 << 20);
    let message = refusal("GetParameter", json!({ "Name": long }));
    assert!(message.len() < 2 * QUOTED, "{}", message.len());
    // Nesting deeper than the model's shapes is not followed.
    let mut deep = json!("x");
    for _ in 0..100 {
        deep = json!([deep]);
    }
    assert!(check("GetParameter", &json!({"Name": "/a", "Nested": deep})).is_ok());
}

/// A value for `shape` that breaks every constraint it can (`wrong` false),
/// or that has the wrong JSON type wherever it can (`wrong` true).
fn sample(shape: usize, depth: usize, wrong: bool) -> Value {
    let s = &rules::SHAPES[shape];
    if depth > 12 {
        return Value::Null;
    }
    match (&s.kind, wrong) {
        (Kind::Structure(members), false) => members
            .iter()
            .map(|m| (m.name.to_owned(), sample(m.shape, depth + 1, wrong)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        (&Kind::List { member, max, .. }, false) => {
            let n = max.map_or(3, |m| (m + 1).min(200)) as usize;
            Value::Array(vec![sample(member, depth + 1, wrong); n])
        }
        (&Kind::Map { value, .. }, false) => {
            json!({ "": sample(value, depth + 1, wrong), "k": null })
        }
        (&Kind::String { max, .. }, false) => {
            json!("\u{2028}".repeat(max.map_or(0, |m| m + 1) as usize))
        }
        (Kind::Number { .. }, false) => json!(-1e300),
        (Kind::Structure(_) | Kind::Map { .. }, true) => json!([{}]),
        (Kind::List { .. }, true) => json!({"a": []}),
        (_, true) => json!({"x": [1, "y", null]}),
        (Kind::Unconstrained, false) => json!(u64::MAX),
    }
}

#[test]
fn no_request_to_any_operation_makes_the_check_panic() {
    for &(name, input) in rules::OPERATIONS {
        for wrong in [false, true] {
            let body = sample(input, 0, wrong);
            if let Err(e) = check(name, &body) {
                let (count, _) = e.message.split_once(' ').unwrap();
                let count: usize = count.parse().unwrap();
                let worded = e.message.matches("failed to satisfy constraint").count();
                assert_eq!(worded, count.min(LISTED), "{name}: {}", e.message);
            }
        }
        for odd in [
            json!(null),
            json!([]),
            json!("x"),
            json!(1),
            json!({"": {}}),
        ] {
            let _ = check(name, &odd);
        }
    }
}

#[test]
fn what_aws_leaves_to_the_operation_passes_the_model_check() {
    // The operation answers InvalidResourceType itself.
    let tags = json!({"ResourceType": "Bogus", "ResourceId": "x"});
    assert!(check("ListTagsForResource", &tags).is_ok());
    refusal("ListTagsForResource", json!({"ResourceType": "Bogus"}));
    // So does Modify/DescribeDocumentPermission InvalidPermissionType.
    let share = json!({"Name": "Conf-Doc", "PermissionType": "Bogus"});
    assert!(check("DescribeDocumentPermission", &share).is_ok());
    // An empty Policies string means no policies.
    let put = json!({"Name": "/a", "Value": "v", "Type": "String", "Policies": ""});
    assert!(check("PutParameter", &put).is_ok());
    let long = "p".repeat(4097);
    refusal(
        "PutParameter",
        json!({"Name": "/a", "Value": "v", "Type": "String", "Policies": long}),
    );
}
