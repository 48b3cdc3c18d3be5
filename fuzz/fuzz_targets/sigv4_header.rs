//! SigV4's `Authorization` and `x-amz-date` headers as the server reads
//! them. Input: any text, tried as both.
//!
//! Properties: no panic; an accepted Authorization, written back in the
//! canonical form, parses to the same parts; an accepted date, formatted
//! again, parses to the same time.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sysman_api::sigv4::{Authorization, format_amz_date, parse_amz_date};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(auth) = Authorization::parse(text) {
        let canonical = format!(
            "AWS4-HMAC-SHA256 Credential={}/{}/{}/{}/aws4_request, SignedHeaders={}, Signature={}",
            auth.access_key_id,
            auth.date,
            auth.region,
            auth.service,
            auth.signed_headers.join(";"),
            auth.signature
        );
        match Authorization::parse(&canonical) {
            Ok(again) => assert_eq!(again, auth, "{canonical:?}"),
            Err(e) => panic!("{text:?} was accepted, {canonical:?} is not: {e:?}"),
        }
    }
    if let Some(time) = parse_amz_date(text) {
        let formatted = format_amz_date(time);
        assert_eq!(
            parse_amz_date(&formatted),
            Some(time),
            "{text:?} as {formatted:?}"
        );
    }
});
