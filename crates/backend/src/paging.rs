//! Opaque, tamper-proof `NextToken`s.
//!
//! A token names the operation, a digest of the request's filters and the
//! last key handed out, and carries an HMAC under a key that lives only in
//! this process. A forged or edited token, or one replayed with other
//! filters, is refused with `InvalidNextToken`.

use std::ops::Bound;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sysman_api::ApiError;

type HmacSha256 = Hmac<Sha256>;

pub struct Pager {
    key: [u8; 32],
}

#[derive(Serialize, Deserialize)]
struct Claims {
    o: String,
    f: String,
    k: String,
}

impl Pager {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, payload: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any size");
        mac.update(payload);
        mac
    }

    /// A token that resumes `operation` after `last_key`.
    pub fn issue(&self, operation: &str, filters: &impl Serialize, last_key: &str) -> String {
        let claims = Claims {
            o: operation.into(),
            f: digest(filters),
            k: last_key.into(),
        };
        let payload = serde_json::to_vec(&claims).unwrap_or_default();
        let tag = self.mac(&payload).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The last key of the previous page, if `token` is one we issued for
    /// this operation and these filters.
    pub fn resume(
        &self,
        operation: &str,
        filters: &impl Serialize,
        token: &str,
    ) -> Result<String, ApiError> {
        let invalid = sysman_api::messages::paging::invalid_next_token;
        let (payload, tag) = token.split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        self.mac(&payload)
            .verify_slice(&tag)
            .map_err(|_| invalid())?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| invalid())?;
        if claims.o != operation || claims.f != digest(filters) {
            return Err(invalid());
        }
        Ok(claims.k)
    }
}

/// Where a page starts: after the last key of the previous page, or at the
/// beginning.
pub struct Start(Option<String>);

impl Start {
    /// The keys from here on, for `BTreeMap::range`.
    pub fn range(&self) -> (Bound<&str>, Bound<&str>) {
        match &self.0 {
            Some(key) => (Bound::Excluded(key.as_str()), Bound::Unbounded),
            None => (Bound::Unbounded, Bound::Unbounded),
        }
    }
}

impl Pager {
    /// Where the page a request asks for starts.
    pub fn start(
        &self,
        operation: &str,
        filters: &impl Serialize,
        token: Option<&str>,
    ) -> Result<Start, ApiError> {
        token
            .map(|t| self.resume(operation, filters, t))
            .transpose()
            .map(Start)
    }
}

/// Up to `limit` items that `keep` turns into page entries, and whether the
/// scan stopped before the end (so a next page may hold more).
pub fn collect<I, T>(
    entries: impl Iterator<Item = I>,
    limit: usize,
    mut keep: impl FnMut(I) -> Option<T>,
) -> (Vec<T>, bool) {
    let mut page = Vec::with_capacity(limit.min(1024));
    let mut entries = entries.peekable();
    while page.len() < limit {
        let Some(entry) = entries.next() else {
            return (page, false);
        };
        page.extend(keep(entry));
    }
    let more = entries.peek().is_some();
    (page, more)
}

fn digest(filters: &impl Serialize) -> String {
    let json = serde_json::to_vec(filters).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_resumes_only_what_issued_it() {
        let pager = Pager::new([7; 32]);
        let token = pager.issue("Op", &("a", 1), "mi-1");
        assert_eq!(pager.resume("Op", &("a", 1), &token).unwrap(), "mi-1");
        assert_eq!(
            pager.resume("Other", &("a", 1), &token).unwrap_err().code,
            "InvalidNextToken"
        );
        assert_eq!(
            pager.resume("Op", &("b", 1), &token).unwrap_err().code,
            "InvalidNextToken"
        );
        let mut forged = token.clone();
        forged.insert(3, 'x');
        assert_eq!(
            pager.resume("Op", &("a", 1), &forged).unwrap_err().code,
            "InvalidNextToken"
        );
        let other_key = Pager::new([8; 32]);
        assert!(other_key.resume("Op", &("a", 1), &token).is_err());
    }
}
