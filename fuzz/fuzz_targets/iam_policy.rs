//! IAM policy documents as PutUserPolicy checks them, and the gate's
//! decision on a call. Input: three lines, the policy document, the action
//! and the resource.
//!
//! Properties: no panic; a policy's decision does not change when it is
//! given twice or alongside an empty-handed one; and a Resource pattern
//! matches exactly the resources a plain reference matcher says it does.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sysman_backend::fuzzing::{Decision, Policy, evaluate};

/// `*` is any run of characters, `?` any one: the textbook dynamic
/// programme, slow but plainly right.
fn reference_match(pattern: &[char], text: &[char]) -> bool {
    let mut row = vec![false; text.len() + 1];
    row[0] = true;
    for &p in pattern {
        let mut next = vec![false; text.len() + 1];
        if p == '*' {
            next[0] = row[0];
        }
        for (j, &t) in text.iter().enumerate() {
            next[j + 1] = match p {
                '*' => row[j + 1] || next[j],
                '?' => row[j],
                c => row[j] && c == t,
            };
        }
        row = next;
    }
    row[text.len()]
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.splitn(3, '\n');
    let document = lines.next().unwrap_or_default();
    let action = lines.next().unwrap_or_default();
    let resource = lines.next().unwrap_or_default();

    if let Ok(policy) = Policy::parse(document) {
        let alone = evaluate([&policy], action, resource);
        assert_eq!(evaluate([&policy, &policy], action, resource), alone);
        let other = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","Action":"x:y","Resource":"arn:nothing"}}"#,
        )
        .expect("a valid policy");
        if !action.eq_ignore_ascii_case("x:y") {
            assert_eq!(evaluate([&other, &policy], action, resource), alone);
        }
    }

    // The matcher against the reference, through a policy whose only
    // pattern is the resource line's first word.
    let (pattern, target) = resource.split_once(' ').unwrap_or((resource, ""));
    let pattern = format!("arn:{pattern}");
    let target = format!("arn:{target}");
    let document = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": pattern}],
    })
    .to_string();
    let policy = Policy::parse(&document).expect("an Allow of any ARN pattern is valid");
    let allowed = evaluate([&policy], "ssm:GetParameter", &target) == Decision::Allow;
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = target.chars().collect();
    assert_eq!(
        allowed,
        reference_match(&p, &t),
        "pattern {pattern:?} against {target:?}"
    );
});
