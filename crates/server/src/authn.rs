//! Who sent a request: SigV4 verification against the backend's access
//! keys, by recomputing the signature and comparing in constant time.
//!
//! Deriving a signing key takes four HMACs, and `aws-sigv4`'s full signer
//! rebuilds the request besides: together most of a small request's cost.
//! So each key's signing key is kept for its day and region, and a `POST /`
//! is checked against it first; whatever that does not accept is checked
//! again with the very function the client signs with, so the quick path
//! can only accept what the full signer would.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use sysman_api::sigv4::{self, AccessKey, Authorization};
use sysman_api::{ApiError, OperationFacts};
use sysman_backend::{Backend, Caller};

fn invalid_signature(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidSignatureException", message)
}

/// Refuses an unsigned request before its body is read, so strangers
/// cannot make the server buffer large bodies.
pub fn require_signature(target: &str, headers: &HeaderMap) -> Result<(), ApiError> {
    // The one operation an agent may call before it has a key.
    let unsigned = || OperationFacts::by_target(target).is_some_and(|o| !o.signed);
    if headers.contains_key("authorization") || unsigned() {
        return Ok(());
    }
    Err(ApiError::new(
        "MissingAuthenticationTokenException",
        "Missing Authentication Token: the request is not signed. Sign it with an access \
         key (SigV4), e.g. from the credentials file the server wrote on first start.",
    ))
}

/// Most signing keys kept; all are forgotten when there would be more.
const KEPT_SIGNING_KEYS: usize = 4096;

/// A signing key, with the SHA-256 of the secret it came from.
type Kept = ([u8; 32], Arc<[u8]>);

/// Signing keys by access key, day and region.
#[derive(Default)]
pub struct SigningKeys {
    /// By `KEY/YYYYMMDD/REGION`.
    keys: Mutex<HashMap<String, Kept>>,
}

impl SigningKeys {
    fn get(&self, auth: &Authorization, secret: &str, time: SystemTime) -> Arc<[u8]> {
        let scope = format!("{}/{}/{}", auth.access_key_id, auth.date, auth.region);
        let of_secret: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        if let Some((digest, key)) = self.keys.lock().get(&scope)
            && *digest == of_secret
        {
            return key.clone();
        }
        let key: Arc<[u8]> = sigv4::signing_key(secret, time, &auth.region).into();
        let mut keys = self.keys.lock();
        if keys.len() >= KEPT_SIGNING_KEYS {
            keys.clear();
        }
        keys.insert(scope, (of_secret, key.clone()));
        key
    }
}

/// Headers every signature must cover. Without `x-amz-target` a request
/// signed over other headers could have its operation swapped in flight
/// (GetParameter for DeleteParameter); `host` and `x-amz-date` pin where
/// and when it was meant for.
const REQUIRED_SIGNED: [(&str, &str); 3] = [
    ("host", "'Host' or ':authority'"),
    ("x-amz-date", "'X-Amz-Date'"),
    ("x-amz-target", "'X-Amz-Target'"),
];

/// A request whose headers passed every check that needs no body.
pub enum Pending {
    /// Unsigned, to the one operation that may be.
    Anonymous,
    /// Signed with a known, active key, dated within the skew.
    Signed(Box<Signed>),
}

pub struct Signed {
    auth: Authorization,
    caller: Caller,
    secret: String,
    time: SystemTime,
}

impl Pending {
    pub fn is_anonymous(&self) -> bool {
        matches!(self, Pending::Anonymous)
    }
}

/// Checks everything the headers alone can tell: the signature's form,
/// its scope, its date and its key. Runs before the body is read, so a
/// caller without a valid key never makes the server buffer a body.
pub fn check_headers(
    backend: &Backend,
    target: &str,
    headers: &HeaderMap,
) -> Result<Pending, ApiError> {
    require_signature(target, headers)?;
    let Some(value) = headers.get("authorization") else {
        return Ok(Pending::Anonymous);
    };
    let value = value
        .to_str()
        .map_err(|_| invalid_signature("The Authorization header is not ASCII."))?;
    let auth = Authorization::parse(value)?;
    if auth.service != sigv4::SERVICE {
        return Err(invalid_signature(format!(
            "Credential should be scoped to correct service: '{}', not '{}'.",
            sigv4::SERVICE,
            auth.service
        )));
    }
    for (name, spelled) in REQUIRED_SIGNED {
        if !auth.signed_headers.iter().any(|h| h == name) {
            return Err(ApiError::new(
                "IncompleteSignatureException",
                format!("{spelled} must be a 'SignedHeader' in the AWS Authorization."),
            ));
        }
    }
    let date_text = header_text(headers, "x-amz-date").ok_or_else(|| {
        ApiError::new(
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header.",
        )
    })?;
    let time = sigv4::parse_amz_date(date_text).ok_or_else(|| {
        invalid_signature(format!(
            "X-Amz-Date '{date_text}' is not a date of the form 20261123T120000Z."
        ))
    })?;
    if !date_text.starts_with(&auth.date) {
        return Err(invalid_signature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{}' != '{}'.",
            auth.date,
            &date_text[..8]
        )));
    }
    check_skew(time, backend.now().millis())?;
    let Some((caller, secret)) = backend.access_key(&auth.access_key_id) else {
        return Err(ApiError::new(
            "UnrecognizedClientException",
            "The security token included in the request is invalid: no active access key \
             has this id.",
        ));
    };
    Ok(Pending::Signed(Box::new(Signed {
        auth,
        caller,
        secret,
        time,
    })))
}

/// The caller of a request at `path` whose headers passed
/// [`check_headers`], once its body has been read.
pub fn authenticate(
    pending: Pending,
    keys: &SigningKeys,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, ApiError> {
    let Pending::Signed(signed) = pending else {
        return Ok(Caller::Anonymous);
    };
    let Signed {
        auth,
        caller,
        secret,
        time,
    } = *signed;
    // Present: check_headers read it.
    let date_text = header_text(headers, "x-amz-date").unwrap_or_default();
    if path == "/" && quick_check(keys, &auth, &secret, time, date_text, headers, body)? {
        return Ok(caller);
    }
    let host = header_text(headers, "host").unwrap_or("localhost");
    let host_url = format!("http://{host}{path}");
    let mut signed: Vec<(&str, &str)> = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        // The signer adds these two itself, from the time and the key.
        if name == "x-amz-date" || name == "x-amz-security-token" {
            continue;
        }
        let value = header_text(headers, name).ok_or_else(|| missing_header(name))?;
        signed.push((name.as_str(), value));
    }
    let key = AccessKey {
        access_key_id: auth.access_key_id.clone(),
        secret_access_key: secret,
        session_token: header_text(headers, "x-amz-security-token")
            .filter(|_| {
                auth.signed_headers
                    .iter()
                    .any(|h| h == "x-amz-security-token")
            })
            .map(str::to_owned),
    };
    let expected = sigv4::signature(
        &sigv4::Request {
            method: "POST",
            url: &host_url,
            headers: &signed,
            body,
        },
        &key,
        &auth.region,
        time,
        Some(Vec::new()),
    )
    .map_err(invalid_signature)?;
    let matches: bool = expected
        .signature
        .as_bytes()
        .ct_eq(auth.signature.as_bytes())
        .into();
    if !matches {
        return Err(invalid_signature(
            "The request signature we calculated does not match the signature you \
             provided. Check your AWS Secret Access Key and signing method.",
        ));
    }
    Ok(caller)
}

/// Whether a `POST /` carries `auth`'s signature, checked with the key's
/// kept signing key; `false` sends it on to the full signer.
fn quick_check(
    keys: &SigningKeys,
    auth: &Authorization,
    secret: &str,
    time: SystemTime,
    amz_date: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<bool, ApiError> {
    let mut sent = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let values: Vec<&str> = headers
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if values.is_empty() {
            return Err(missing_header(name));
        }
        sent.push((name.as_str(), values));
    }
    let key = keys.get(auth, secret, time);
    let quick = sigv4::signature_with_key(&key, amz_date, &auth.region, &sent, body);
    Ok(quick.as_bytes().ct_eq(auth.signature.as_bytes()).into())
}

fn missing_header(name: &str) -> ApiError {
    invalid_signature(format!(
        "The request signature names the header '{name}', which was not sent."
    ))
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Refuses a request dated more than 15 minutes from `now_ms`, in AWS's
/// words.
fn check_skew(time: SystemTime, now_ms: i64) -> Result<(), ApiError> {
    let now = UNIX_EPOCH + Duration::from_millis(u64::try_from(now_ms).unwrap_or(0));
    let skew = match time.duration_since(now) {
        Ok(ahead) => ahead,
        Err(behind) => behind.duration(),
    };
    if skew <= sigv4::MAX_SKEW {
        return Ok(());
    }
    let (earliest, latest) = (now - sigv4::MAX_SKEW, now + sigv4::MAX_SKEW);
    let at = sigv4::format_amz_date(time);
    Err(invalid_signature(if time < now {
        format!(
            "Signature expired: {at} is now earlier than {} ({} - 15 min.)",
            sigv4::format_amz_date(earliest),
            sigv4::format_amz_date(now)
        )
    } else {
        format!(
            "Signature not yet current: {at} is still later than {} ({} + 15 min.)",
            sigv4::format_amz_date(latest),
            sigv4::format_amz_date(now)
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_more_than_15_minutes_off_are_expired() {
        let now = 1_795_000_000_000;
        let at = |secs: i64| UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap());
        assert!(check_skew(at(now / 1000 - 899), now).is_ok());
        assert!(check_skew(at(now / 1000 + 899), now).is_ok());
        let e = check_skew(at(now / 1000 - 901), now).unwrap_err();
        assert_eq!(e.code, "InvalidSignatureException");
        assert!(e.message.starts_with("Signature expired"), "{}", e.message);
        let e = check_skew(at(now / 1000 + 901), now).unwrap_err();
        assert!(e.message.contains("not yet current"), "{}", e.message);
    }
}
