//! sysman-agent: the agent that makes a Linux machine a managed node.
//!
//! [`register`] trades a hybrid activation for the node's id and key, kept
//! in a private state directory; [`run`] then heartbeats, takes messages
//! from the node channel with a long poll, runs `aws:runShellScript` steps
//! in process groups of their own and replies with their output as it
//! grows. It runs `aws:runPatchBaseline` on Debian and Ubuntu machines
//! with dpkg and apt, installing only when started with
//! `--allow-patch-install`. Replies go through a spool on disk and
//! messages taken are remembered, so neither a server going away nor an
//! agent restarting loses a reply or runs a command twice.
//!
//! The agent depends on `sysman-api` alone: no database, no terminal.

mod apt;
mod backoff;
mod channel;
pub mod cli;
mod patching;
mod platform;
mod registration;
mod runner;
mod seen;
mod spool;

pub use apt::Host;
pub use channel::{DEFAULT_HEARTBEAT, RunConfig, check_user, run};
pub use patching::{DATES_FILE, REFUSED_WITHOUT_FLAG, REFUSED_WITHOUT_ROOT, RUN_PATCH_BASELINE};
pub use platform::{AGENT_VERSION, Facts};
pub use registration::{
    DEFAULT_REGION, DEFAULT_STATE_DIR, REGISTRATION_FILE, RegisterOptions, Registration, register,
};
