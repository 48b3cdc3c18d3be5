//! Signature Version 4 as the AWS CLI signs SSM requests: one signing
//! function that the client uses to sign and the server uses to verify, so
//! the two can never disagree. The arithmetic is `aws-sigv4`'s.
//!
//! A server verifying thousands of requests a second may instead keep each
//! key's [`signing_key`] for the day and check a request with
//! [`signature_with_key`], which builds the canonical request of a
//! `POST /` itself and leaves the HMACs to `aws-sigv4`; what that path
//! does not accept it should check again with [`signature`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;

use crate::ApiError;

/// The service name in every SSM credential scope.
pub const SERVICE: &str = "ssm";
/// The only algorithm we accept.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far a request's date may be from the server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// An access key: what signs a request.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Sent as `X-Amz-Security-Token` and signed when present.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for AccessKey {
    // The secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// What a request was signed over, besides its body.
pub struct Request<'a> {
    pub method: &'a str,
    /// The full URL, host included (`http://127.0.0.1:4566/`).
    pub url: &'a str,
    /// The headers to sign (lower- or mixed-case names). `host` is taken
    /// from here when present, else from the URL; `x-amz-date` and the
    /// security token are added by the signer.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// A computed signature with the headers the client must send with it.
#[derive(Debug, Clone)]
pub struct Signature {
    pub signature: String,
    /// `authorization`, `x-amz-date` and, with a session token,
    /// `x-amz-security-token`.
    pub headers: Vec<(String, String)>,
}

/// Signs `request` with `key` for `region` at `time`.
pub fn signature(
    request: &Request<'_>,
    key: &AccessKey,
    region: &str,
    time: SystemTime,
    // Headers the signer must not add to the signed set (none when
    // verifying: the client's list is the truth).
    excluded_headers: Option<Vec<std::borrow::Cow<'static, str>>>,
) -> Result<Signature, String> {
    let identity = Credentials::new(
        &key.access_key_id,
        &key.secret_access_key,
        key.session_token.clone(),
        None,
        "sysman",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    if excluded_headers.is_some() {
        settings.excluded_headers = excluded_headers;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| format!("cannot sign: {e}"))?
        .into();
    let signable = SignableRequest::new(
        request.method,
        request.url,
        request.headers.iter().copied(),
        SignableBody::Bytes(request.body),
    )
    .map_err(|e| format!("cannot sign this request: {e}"))?;
    let (instructions, signature) = sign(signable, &params)
        .map_err(|e| format!("cannot sign: {e}"))?
        .into_parts();
    let headers = instructions
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Ok(Signature { signature, headers })
}

/// The key that signs one access key's requests to `ssm` in `region` on
/// the day of `time`: four HMACs over the secret (`aws-sigv4`'s
/// derivation). It changes once a day, so a verifier can keep it.
pub fn signing_key(secret: &str, time: SystemTime, region: &str) -> Vec<u8> {
    v4::generate_signing_key(secret, time, region, SERVICE)
        .as_ref()
        .to_vec()
}

/// The signature of a `POST /` without a query string, from a signing key
/// already derived: the canonical request over `headers` (the signed
/// headers in the order the signature names them, lower-case, each with
/// its values in the order sent) and the body, the string to sign for
/// `amz_date` (`20261123T120000Z`) and `region`, and `aws-sigv4`'s HMAC.
pub fn signature_with_key(
    signing_key: &[u8],
    amz_date: &str,
    region: &str,
    headers: &[(&str, Vec<&str>)],
    body: &[u8],
) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;

    let mut canonical = String::with_capacity(512);
    canonical.push_str("POST\n/\n\n");
    for (name, values) in headers {
        canonical.push_str(name);
        canonical.push(':');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                canonical.push(',');
            }
            push_trimmed(&mut canonical, value);
        }
        canonical.push('\n');
    }
    canonical.push('\n');
    for (i, (name, _)) in headers.iter().enumerate() {
        if i > 0 {
            canonical.push(';');
        }
        canonical.push_str(name);
    }
    canonical.push('\n');
    canonical.push_str(&hex::encode(Sha256::digest(body)));
    let day = amz_date.get(..8).unwrap_or(amz_date);
    let mut to_sign = String::with_capacity(160);
    let _ = write!(
        to_sign,
        "{ALGORITHM}\n{amz_date}\n{day}/{region}/{SERVICE}/aws4_request\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    v4::calculate_signature(signing_key, to_sign.as_bytes())
}

/// A header value as the canonical request holds it: spaces trimmed at
/// both ends and runs of spaces inside made one.
fn push_trimmed(out: &mut String, value: &str) {
    let mut space = false;
    for c in value.trim_matches(' ').chars() {
        if c == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    /// `yyyymmdd` of the credential scope.
    pub date: String,
    pub region: String,
    pub service: String,
    /// Lower-case header names, as signed.
    pub signed_headers: Vec<String>,
    pub signature: String,
}

fn incomplete(what: &str) -> ApiError {
    ApiError::new(
        "IncompleteSignatureException",
        format!("Authorization header requires '{what}' parameter."),
    )
}

impl Authorization {
    /// Parses the header's value; a malformed one is
    /// `IncompleteSignatureException`, as AWS answers.
    pub fn parse(value: &str) -> Result<Authorization, ApiError> {
        let rest = value.strip_prefix(ALGORITHM).ok_or_else(|| {
            ApiError::new(
                "IncompleteSignatureException",
                format!("Unsupported signing algorithm; only {ALGORITHM} is accepted."),
            )
        })?;
        let (mut credential, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("Credential=") {
                credential = Some(v);
            } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
                signed = Some(v);
            } else if let Some(v) = part.strip_prefix("Signature=") {
                signature = Some(v);
            }
        }
        let credential = credential.ok_or_else(|| incomplete("Credential"))?;
        let signed = signed.ok_or_else(|| incomplete("SignedHeaders"))?;
        let signature = signature.ok_or_else(|| incomplete("Signature"))?;
        let scope: Vec<&str> = credential.split('/').collect();
        let [key, date, region, service, terminator] = scope[..] else {
            return Err(ApiError::new(
                "IncompleteSignatureException",
                format!(
                    "Credential should be scoped to a valid region, service and date: \
                     expected KEY/YYYYMMDD/REGION/{SERVICE}/aws4_request, got '{credential}'."
                ),
            ));
        };
        if terminator != "aws4_request" || key.is_empty() || date.len() != 8 {
            return Err(ApiError::new(
                "IncompleteSignatureException",
                format!("Credential should be scoped correctly, got '{credential}'."),
            ));
        }
        Ok(Authorization {
            access_key_id: key.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            signed_headers: signed.split(';').map(str::to_ascii_lowercase).collect(),
            signature: signature.to_owned(),
        })
    }
}

/// `20261123T223554Z` as a time; `None` if it is not one.
pub fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, s) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = crate::calendar::days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + s);
    u64::try_from(secs)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// A time as `x-amz-date` spells it.
pub fn format_amz_date(time: SystemTime) -> String {
    let millis = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    crate::Timestamp(millis).iso8601().replace(['-', ':'], "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> AccessKey {
        AccessKey {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        }
    }

    #[test]
    fn amz_dates_round_trip() {
        let t = parse_amz_date("20261123T223554Z").unwrap();
        assert_eq!(format_amz_date(t), "20261123T223554Z");
        assert!(parse_amz_date("2026-11-23T22:35:54Z").is_none());
        assert!(parse_amz_date("20261323T223554Z").is_none());
        assert!(parse_amz_date("2026112ЖT2235Z").is_none());
    }

    #[test]
    fn a_signature_depends_on_every_signed_part() {
        let time = parse_amz_date("20261123T120000Z").unwrap();
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("host", "127.0.0.1:4566"),
            ("x-amz-target", "AmazonSSM.GetParameter"),
        ];
        let req = |body: &'static [u8]| Request {
            method: "POST",
            url: "http://127.0.0.1:4566/",
            headers: &headers,
            body,
        };
        let a = signature(&req(b"{}"), &key(), "us-east-1", time, None).unwrap();
        let b = signature(&req(b"{} "), &key(), "us-east-1", time, None).unwrap();
        let c = signature(&req(b"{}"), &key(), "eu-west-1", time, None).unwrap();
        assert_eq!(a.signature.len(), 64);
        assert_ne!(a.signature, b.signature);
        assert_ne!(a.signature, c.signature);
        let auth = a
            .headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(_, v)| v.clone())
            .unwrap();
        let parsed = Authorization::parse(&auth).unwrap();
        assert_eq!(parsed.access_key_id, "AKIDEXAMPLE");
        assert_eq!(parsed.date, "20261123");
        assert_eq!(parsed.region, "us-east-1");
        assert_eq!(parsed.service, "ssm");
        assert_eq!(
            parsed.signed_headers,
            ["content-type", "host", "x-amz-date", "x-amz-target"]
        );
        assert_eq!(parsed.signature, a.signature);
    }

    #[test]
    fn a_kept_signing_key_signs_as_the_full_signer_does() {
        let time = parse_amz_date("20261123T120000Z").unwrap();
        /// Headers, body, session token.
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [u8], Option<&'a str>);
        let cases: [Case<'_>; 4] = [
            (
                &[
                    ("content-type", "application/x-amz-json-1.1"),
                    ("host", "127.0.0.1:4566"),
                    ("x-amz-target", "AmazonSSM.GetParameter"),
                ],
                br#"{"Name":"/app/db"}"#,
                None,
            ),
            (
                &[
                    ("Content-Type", "application/x-amz-json-1.1"),
                    ("Host", "localhost:8080"),
                    ("X-Amz-Target", "AmazonSSM.PutParameter"),
                    ("User-Agent", "  aws-cli/2.17   Python/3.11  "),
                ],
                b"",
                Some("FQoGZXIvYXdzEBYaD"),
            ),
            (&[("host", "h")], "{\"Value\":\"é\"}".as_bytes(), None),
            (
                &[("host", "h"), ("x-amz-target", "Sysman.Subscribe")],
                b"{}",
                None,
            ),
        ];
        for (headers, body, token) in cases {
            let mut key = key();
            key.session_token = token.map(str::to_owned);
            let full = signature(
                &Request {
                    method: "POST",
                    url: "http://127.0.0.1:4566/",
                    headers,
                    body,
                },
                &key,
                "eu-west-1",
                time,
                None,
            )
            .unwrap();
            // What a verifier sees: every signed header as sent, in the
            // order the signature names them.
            let sent: Vec<(String, String)> = headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), (*v).to_owned()))
                .chain(full.headers.iter().cloned())
                .collect();
            let auth = full
                .headers
                .iter()
                .find(|(n, _)| n == "authorization")
                .map(|(_, v)| Authorization::parse(v).unwrap())
                .unwrap();
            let signed: Vec<(&str, Vec<&str>)> = auth
                .signed_headers
                .iter()
                .map(|name| {
                    let values = sent
                        .iter()
                        .filter(|(n, _)| n == name)
                        .map(|(_, v)| v.as_str())
                        .collect();
                    (name.as_str(), values)
                })
                .collect();
            let signing = signing_key(&key.secret_access_key, time, "eu-west-1");
            let fast = signature_with_key(&signing, "20261123T120000Z", "eu-west-1", &signed, body);
            assert_eq!(fast, full.signature, "{headers:?}");
            let tampered =
                signature_with_key(&signing, "20261123T120000Z", "eu-west-1", &signed, b"{ }");
            assert_ne!(tampered, full.signature);
        }
    }

    #[test]
    fn malformed_authorization_headers_are_incomplete_signatures() {
        for bad in [
            "Basic dXNlcjpwYXNz",
            "AWS4-HMAC-SHA256 Credential=AK/20261123/us-east-1/ssm/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AK/x, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
        ] {
            let err = Authorization::parse(bad).unwrap_err();
            assert_eq!(err.code, "IncompleteSignatureException", "{bad}");
        }
    }
}
