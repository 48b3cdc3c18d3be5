//! The JSON front: a request body decoded as the server decodes it, for
//! any operation. Input: the operation's name on the first line (as in
//! `X-Amz-Target`, without the prefix), the body after it.
//!
//! Properties: decoding never panics; an accepted request gives its
//! resources and audit view; and the request re-encoded, as sysman's own
//! client would send it, decodes again to the same JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sysman_api::{Operation, for_each_operation};
use sysman_server::fuzzing::decode;

fn check<O: Operation>(body: &[u8]) {
    let Ok(op) = decode::<O>(body) else {
        return;
    };
    let _ = op.resources();
    let _ = op.audit_view();
    let json = serde_json::to_vec(&op).expect("an accepted request encodes");
    let again: O = decode(&json).unwrap_or_else(|e| {
        panic!(
            "{} re-encoded as {} is refused: {e:?}",
            O::NAME,
            String::from_utf8_lossy(&json)
        )
    });
    let json_again = serde_json::to_vec(&again).expect("an accepted request encodes");
    assert_eq!(
        String::from_utf8_lossy(&json_again),
        String::from_utf8_lossy(&json),
        "{} does not survive a second round trip",
        O::NAME
    );
}

type Check = (&'static str, fn(&[u8]));

macro_rules! checks {
    ($($op:path),* $(,)?) => {
        &[$((<$op as Operation>::NAME, check::<$op> as fn(&[u8]))),*]
    };
}

static CHECKS: &[Check] = for_each_operation!(checks);

fuzz_target!(|data: &[u8]| {
    let (name, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => return,
    };
    if let Some((_, check)) = CHECKS.iter().find(|(n, _)| n.as_bytes() == name) {
        check(body);
    }
});
