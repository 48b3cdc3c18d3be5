//! Command document content as CreateDocument reads it. Input: one byte
//! whose low bit picks the format (0 JSON, 1 YAML), then the content.
//!
//! Properties: no panic; accepted content renders in JSON and YAML as text
//! that reads back as the same document (GetDocument); an accepted
//! document's defaults fill its steps (SendCommand).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&format, content)) = data.split_first() else {
        return;
    };
    let Ok(content) = std::str::from_utf8(content) else {
        return;
    };
    sysman_backend::fuzzing::document(content, format & 1 == 1);
});
