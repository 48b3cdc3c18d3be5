//! The simulated PowerShell a Windows node runs Run Command scripts in.
//! Input: one byte picking the platform, then the script.
//!
//! Properties (`sysman_backend::fuzzing::check_script`): no panic and no
//! hang; output stays within its cap; the same script on the same node
//! gives the same outcome.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sysman_backend::fuzzing::check_script;
use sysman_backend::sim::SimPlatform;

fuzz_target!(|data: &[u8]| {
    check_script(
        &[
            SimPlatform::WindowsServer2019,
            SimPlatform::WindowsServer2022,
        ],
        data,
    );
});
