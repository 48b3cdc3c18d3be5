//! The simulated POSIX shell a Linux or macOS node runs Run Command
//! scripts in. Input: one byte picking the platform, then the script.
//!
//! Properties: no panic and no hang (the shell's work budget stops any
//! script); output stays within its cap; the same script on the same node
//! gives the same outcome.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sysman_backend::fuzzing::run_script;
use sysman_backend::sim::SimPlatform;

const PLATFORMS: [SimPlatform; 3] = [
    SimPlatform::AmazonLinux2023,
    SimPlatform::Ubuntu2404,
    SimPlatform::MacOs14,
];
/// The shell's cap on stdout and stderr together.
const OUTPUT_MAX: usize = 4 * 1024 * 1024;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, script)) = data.split_first() else {
        return;
    };
    let Ok(script) = std::str::from_utf8(script) else {
        return;
    };
    let platform = PLATFORMS[usize::from(pick) % PLATFORMS.len()];
    let first = run_script(platform, script);
    assert!(first.0.len() + first.1.len() <= OUTPUT_MAX);
    assert_eq!(run_script(platform, script), first, "the same script twice");
});
