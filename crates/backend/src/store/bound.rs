//! Audit records of bounded size. The trail keeps a record of every call,
//! refused ones and anonymous ones included, so what an outsider sends
//! must not decide how much it stores: a string longer than
//! [`MAX_TEXT`] is kept as its length and SHA-256, enough to match it
//! against a copy, and a request still larger than [`MAX_REQUEST`] is
//! kept as one such digest.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::AuditRecord;

/// Longest string kept verbatim: the longest parameter ARN fits.
pub const MAX_TEXT: usize = 2048;
/// Largest request kept as JSON after its strings are bounded.
pub const MAX_REQUEST: usize = 16 * 1024;

/// `record` with every field within the bounds.
pub fn bound(mut record: AuditRecord) -> AuditRecord {
    for field in [
        &mut record.principal,
        &mut record.operation,
        &mut record.resource,
        &mut record.outcome,
    ] {
        if field.len() > MAX_TEXT {
            *field = digest(field);
        }
    }
    if record.request.len() > MAX_TEXT {
        record.request = bound_request(&record.request);
    }
    record
}

fn bound_request(request: &str) -> String {
    let bounded = match serde_json::from_str::<Value>(request) {
        Ok(mut value) => {
            bound_value(&mut value);
            value.to_string()
        }
        Err(_) => Value::String(digest(request)).to_string(),
    };
    if bounded.len() > MAX_REQUEST {
        serde_json::json!({ "Omitted": digest(request) }).to_string()
    } else {
        bounded
    }
}

fn bound_value(value: &mut Value) {
    match value {
        Value::String(s) if s.len() > MAX_TEXT => *s = digest(s),
        Value::Array(items) => items.iter_mut().for_each(bound_value),
        Value::Object(members) => {
            // A long member name is as much the sender's choice as a value.
            if members.keys().any(|k| k.len() > MAX_TEXT) {
                *members = std::mem::take(members)
                    .into_iter()
                    .map(|(k, v)| {
                        if k.len() > MAX_TEXT {
                            (digest(&k), v)
                        } else {
                            (k, v)
                        }
                    })
                    .collect();
            }
            members.values_mut().for_each(bound_value);
        }
        _ => {}
    }
}

/// What stands for a text too long to keep.
fn digest(text: &str) -> String {
    format!(
        "[{} bytes, sha256 {}]",
        text.len(),
        hex::encode(Sha256::digest(text.as_bytes()))
    )
}

#[cfg(test)]
mod tests {
    use sysman_api::Timestamp;

    use super::*;

    fn record(resource: &str, request: &str) -> AuditRecord {
        AuditRecord {
            time: Timestamp(0),
            principal: "anonymous".into(),
            operation: "RegisterNode".into(),
            resource: resource.into(),
            outcome: "InvalidActivation".into(),
            request: request.into(),
        }
    }

    #[test]
    fn long_strings_are_kept_as_their_length_and_digest() {
        let id = "A".repeat(7 * 1024 * 1024);
        let request = serde_json::json!({ "ActivationId": id, "AgentVersion": "3.3" });
        let r = bound(record(&format!("activation/{id}"), &request.to_string()));
        let expected = format!("[{} bytes, sha256 {}]", id.len() + 11, {
            hex::encode(Sha256::digest(format!("activation/{id}").as_bytes()))
        });
        assert_eq!(r.resource, expected);
        let kept: Value = serde_json::from_str(&r.request).unwrap();
        assert_eq!(kept["AgentVersion"], "3.3");
        assert!(
            kept["ActivationId"]
                .as_str()
                .unwrap()
                .starts_with("[7340032 bytes, sha256 "),
            "{kept}"
        );
        assert!(r.request.len() < 200);
    }

    #[test]
    fn many_short_strings_are_bounded_as_a_whole() {
        let names: Vec<String> = (0..10_000).map(|i| format!("/p/{i:04}")).collect();
        let request = serde_json::json!({ "Names": names }).to_string();
        let r = bound(record("*", &request));
        assert!(r.request.starts_with("{\"Omitted\":\"["), "{}", r.request);
        assert!(r.request.len() < 200);
    }

    #[test]
    fn long_member_names_and_broken_json_are_bounded_too() {
        let name = "k".repeat(MAX_TEXT + 1);
        let r = bound(record("*", &format!("{{\"{name}\": 1}}")));
        assert!(r.request.len() < 200, "{}", r.request);
        let r = bound(record("*", &"{".repeat(MAX_TEXT + 1)));
        assert!(r.request.starts_with("\"[2049 bytes"), "{}", r.request);
    }

    #[test]
    fn ordinary_records_are_kept_as_they_are() {
        let request = serde_json::json!({ "Name": "/app/db", "WithDecryption": true });
        let r = record("parameter/app/db", &request.to_string());
        assert_eq!(bound(r.clone()), r);
        // A request over the fast path's size but with short strings.
        let long = serde_json::json!({ "Names": vec!["/a/b/c/d"; 400] }).to_string();
        let r = record("*", &long);
        let kept: Value = serde_json::from_str(&bound(r).request).unwrap();
        assert_eq!(kept, serde_json::from_str::<Value>(&long).unwrap());
    }
}
