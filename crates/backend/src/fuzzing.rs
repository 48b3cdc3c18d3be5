//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz), not an API.
//!
//! Each runs untrusted input through the code a request reaches, the way
//! that request does, and panics when a property the rest of the backend
//! relies on fails: the fuzzer reports any panic as a crash.

use std::collections::BTreeMap;

use crate::documents::schema::{self, Format};
use crate::sim::SimPlatform;
use sysman_simshell::{self as shell, Machine};

pub use crate::iam::policy::{Decision, Policy, evaluate};

/// CreateDocument's check of `content` (YAML or JSON), then what
/// GetDocument and SendCommand do with an accepted document: render it in
/// either format, fill in the parameters' defaults and put them into the
/// steps. Returns whether the document was accepted.
pub fn document(content: &str, yaml: bool) -> bool {
    let format = if yaml { Format::Yaml } else { Format::Json };
    let Ok(parsed) = schema::parse(content, format) else {
        return false;
    };
    // GetDocument renders content in the format asked for; the text it
    // gives must read back as the same document.
    for to in [Format::Json, Format::Yaml] {
        let text = schema::render(&parsed, to);
        match schema::parse(&text, to) {
            Ok(again) => assert_eq!(again, parsed, "rendered as {to:?}:\n{text}"),
            Err(e) => panic!("rendered as {to:?}, it does not parse: {e:?}\n{text}"),
        }
    }
    let Ok(doc) = schema::command_doc(&parsed) else {
        return false;
    };
    let _ = doc.platform_types();
    if let Ok(values) = schema::check_parameters(&doc, &BTreeMap::new()) {
        let steps: Vec<_> = doc.steps.iter().collect();
        let _ = schema::interpolate(&steps, &values);
    }
    true
}

/// What a simulated node prints for a Run Command step: `(stdout, stderr,
/// exit code)`. Linux and macOS nodes run the script in the POSIX shell,
/// Windows nodes in the PowerShell look-alike.
pub fn run_script(platform: SimPlatform, script: &str) -> (String, String, i32) {
    let machine = Machine {
        hostname: "fuzz-node-001",
        ip_address: "10.0.0.1",
        platform,
        index: 3,
        seed: 1,
        now_ms: 1_795_466_101_000,
    };
    let outcome = if platform.platform_type() == sysman_api::fleet::PlatformType::Windows {
        shell::run_powershell(&machine, script)
    } else {
        shell::run_shell(&machine, script)
    };
    (outcome.stdout, outcome.stderr, outcome.exit_code)
}

/// The shells' cap on stdout and stderr together.
const OUTPUT_MAX: usize = 4 * 1024 * 1024;

/// One fuzz input for the shells: a byte picking one of `platforms`, then
/// the script. Holds the properties both shell targets check: no panic or
/// hang (the work budget stops any script), output within its cap, and the
/// same outcome for the same script twice.
pub fn check_script(platforms: &[SimPlatform], data: &[u8]) {
    let Some((&pick, script)) = data.split_first() else {
        return;
    };
    let Ok(script) = std::str::from_utf8(script) else {
        return;
    };
    let platform = platforms[usize::from(pick) % platforms.len()];
    let first = run_script(platform, script);
    assert!(first.0.len() + first.1.len() <= OUTPUT_MAX);
    assert_eq!(run_script(platform, script), first, "the same script twice");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzz/document_parse: serde_json's default float parser
    /// read this number one bit off, so a JSON document holding it, asked
    /// for in YAML, showed a number its author never wrote.
    #[test]
    fn a_long_number_renders_as_the_same_number() {
        let written = "9.999999999990001e+33";
        let parsed = schema::parse(&format!("{{\"n\": {written}}}"), Format::Json).unwrap();
        let yaml = schema::render(&parsed, Format::Yaml);
        assert!(yaml.contains(written), "{yaml}");
        assert_eq!(schema::parse(&yaml, Format::Yaml).unwrap(), parsed);
        let from_yaml = schema::parse(&format!("n: {written}"), Format::Yaml).unwrap();
        assert_eq!(from_yaml, parsed);
        let json = schema::render(&from_yaml, Format::Json);
        assert_eq!(schema::parse(&json, Format::Json).unwrap(), parsed);
    }
}
