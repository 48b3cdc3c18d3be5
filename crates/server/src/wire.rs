//! The AWS JSON 1.1 protocol: request bodies in, answers and errors out.
//!
//! Every fault in a body gets a precise error naming where it is: malformed
//! JSON and wrong types are `SerializationException`, a missing member is
//! `ValidationException` in AWS's wording, and a member we do not know is
//! refused by name rather than silently ignored.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use sysman_api::{ApiError, Operation, Prefix};

use crate::model;

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

fn serialization(message: impl Into<String>) -> ApiError {
    ApiError::new("SerializationException", message)
}

/// `Name` as AWS's validation messages spell member names: `name`.
fn member(path: &str) -> String {
    let mut chars = path.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => path.to_owned(),
    }
}

/// Reads `body` as the request of `O`, as AWS would: a body that cannot
/// be read is a `SerializationException`; then an AmazonSSM request is
/// checked against its input shape in the service model, every violation
/// reported at once (`model.rs`); then it is decoded.
pub fn decode<O: Operation>(body: &[u8]) -> Result<O, ApiError> {
    let text = body_text(body)?;
    if O::PREFIX != Prefix::AmazonSsm {
        return decode_typed(O::NAME, text).map_err(|(e, _)| e);
    }
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| serialization(format!("The request body is not valid JSON: {e}")))?;
    match decode_typed(O::NAME, text) {
        Err((e, Fault::Unreadable)) => Err(e),
        typed => {
            model::check(O::NAME, &json)?;
            typed.map_err(|(e, _)| e)
        }
    }
}

/// Why the typed decode refused a body.
enum Fault {
    /// Not JSON, a value of the wrong type, a member we do not know: AWS
    /// answers these before it checks anything else.
    Unreadable,
    /// A missing member or a value outside its type (an unknown enum
    /// value): the model check words these as AWS does, when it covers them.
    Invalid,
}

/// The body as text; an empty body is an empty input, as clients send `{}`
/// for.
fn body_text(body: &[u8]) -> Result<&str, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    std::str::from_utf8(body).map_err(|e| {
        serialization(format!(
            "The request body is not valid UTF-8 (at byte {}).",
            e.valid_up_to()
        ))
    })
}

/// Reads `text` as the input shape of `operation`.
fn decode_typed<T: DeserializeOwned>(operation: &str, text: &str) -> Result<T, (ApiError, Fault)> {
    // Only the first unknown member is named, so a body of a million
    // unknown members costs no more memory than one.
    let mut unknown = None;
    let mut json = serde_json::Deserializer::from_str(text);
    let mut note = |path: serde_ignored::Path<'_>| {
        if unknown.is_none() {
            unknown = Some(path.to_string());
        }
    };
    let ignoring = serde_ignored::Deserializer::new(&mut json, &mut note);
    let result: Result<T, _> = serde_path_to_error::deserialize(ignoring);
    let value = match result {
        Ok(value) => value,
        Err(e) => return Err(decode_error(operation, &e)),
    };
    json.end().map_err(|e| {
        let e = serialization(format!("Unexpected content after the request body: {e}"));
        (e, Fault::Unreadable)
    })?;
    if let Some(path) = unknown {
        let e = serialization(format!(
            "{operation} has no member '{path}'; check its spelling against the \
             {operation} request shape (member names are PascalCase)."
        ));
        return Err((e, Fault::Unreadable));
    }
    Ok(value)
}

fn decode_error(
    operation: &str,
    e: &serde_path_to_error::Error<serde_json::Error>,
) -> (ApiError, Fault) {
    let inner = e.inner();
    let path = e.path().to_string();
    let text = inner.to_string();
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        let e = serialization(format!("The request body is not valid JSON: {text}"));
        return (e, Fault::Unreadable);
    }
    // serde says "missing field `Name` at line 1 column 2".
    if let Some(rest) = text.strip_prefix("missing field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        let at = if path == "." || path.is_empty() {
            member(field)
        } else {
            format!("{}.{}", member_path(&path), member(field))
        };
        let e = ApiError::validation(format!(
            "1 validation error detected: Value null at '{at}' failed to satisfy \
             constraint: Member must not be null"
        ));
        return (e, Fault::Invalid);
    }
    // serde's words for a value its type does not hold, as against a value
    // of another type altogether ("invalid type: ...").
    let fault = if text.starts_with("unknown variant") || text.starts_with("invalid value") {
        Fault::Invalid
    } else {
        Fault::Unreadable
    };
    let text = text.split(" at line ").next().unwrap_or(&text);
    let at = if path == "." || path.is_empty() {
        String::new()
    } else {
        format!(" at '{}'", member_path(&path))
    };
    let e = serialization(format!("Cannot read the {operation} request{at}: {text}."));
    (e, fault)
}

/// `Parameters.commands[0]` with each member name as AWS spells it.
fn member_path(path: &str) -> String {
    path.split('.').map(member).collect::<Vec<_>>().join(".")
}

/// An error as the wire carries it: 400 (500 for our faults), the name in
/// `__type` and in `x-amzn-ErrorType`.
pub fn error_response(error: &ApiError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::json!({ "__type": error.code, "message": error.message });
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    set(headers, header::CONTENT_TYPE.as_str(), CONTENT_TYPE);
    set(headers, "x-amzn-errortype", &error.code);
    set(headers, "x-amzn-requestid", request_id);
    response
}

/// A successful answer.
pub fn ok_response(body: Vec<u8>, request_id: &str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    set(headers, header::CONTENT_TYPE.as_str(), CONTENT_TYPE);
    set(headers, "x-amzn-requestid", request_id);
    response
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sysman_api::fleet::ListNodes;
    use sysman_api::parameters::{GetParameter, GetParametersByPath, PutParameter};

    #[test]
    fn faults_in_a_body_are_named_precisely() {
        let e = decode::<GetParameter>(b"{\"Name\": \"x\"").unwrap_err();
        assert_eq!(e.code, "SerializationException");
        assert!(e.message.contains("not valid JSON"), "{}", e.message);

        let e = decode::<GetParameter>(b"{}").unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'name' failed to satisfy \
             constraint: Member must not be null"
        );

        let e = decode::<GetParameter>(b"{\"Name\": 42}").unwrap_err();
        assert_eq!(e.code, "SerializationException");
        assert!(e.message.contains("at 'name'"), "{}", e.message);

        let e = decode::<GetParameter>(b"{\"Name\":\"x\",\"Nmae\":1}").unwrap_err();
        assert_eq!(e.code, "SerializationException");
        assert!(e.message.contains("'Nmae'"), "{}", e.message);

        let e = decode::<GetParameter>(b"{\"Name\":\"\xff\"}").unwrap_err();
        assert_eq!(e.code, "SerializationException");
        assert!(e.message.contains("UTF-8"), "{}", e.message);

        let e = decode::<GetParameter>(b"{\"Name\":\"x\"} {}").unwrap_err();
        assert_eq!(e.code, "SerializationException");

        let e = decode::<PutParameter>(b"{\"Name\":\"x\",\"Tags\":[{\"Key\":1}]}").unwrap_err();
        assert!(
            e.message.contains("tags[0].key") || e.message.contains("tags"),
            "{}",
            e.message
        );
    }

    #[test]
    fn aws_requests_are_held_to_the_model_and_ours_are_not() {
        let e = decode::<GetParametersByPath>(b"{\"MaxResults\": 11}").unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert_eq!(
            e.message,
            "2 validation errors detected: \
             Value null at 'path' failed to satisfy constraint: Member must not be null; \
             Value '11' at 'maxResults' failed to satisfy constraint: \
             Member must have value less than or equal to 10"
        );
        // A body it cannot read is refused as such, whatever else is wrong.
        let e = decode::<GetParametersByPath>(b"{\"Path\": 1, \"MaxResults\": 11}").unwrap_err();
        assert_eq!(e.code, "SerializationException");
        // AWS's ListNodes pages by at most 50; sysman's own ListNodes is not AWS's.
        let ok = decode::<ListNodes>(b"{\"MaxResults\": 5000}").unwrap();
        assert_eq!(ok.max_results, Some(5000));
    }

    #[test]
    fn an_empty_body_is_an_empty_input() {
        let e = decode::<GetParameter>(b"").unwrap_err();
        assert_eq!(e.code, "ValidationException");
        let ok = decode::<GetParameter>(b"{\"Name\":\"/a\"}").unwrap();
        assert_eq!(ok.name, "/a");
    }
}
