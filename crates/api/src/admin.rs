//! Operations on the service as a whole.

use serde::{Deserialize, Serialize};

use crate::{Empty, Operation, Prefix};

/// Wipes all service state — nodes, activations, parameters, keys,
/// documents, commands — but users and their access keys, so a test suite
/// can start each test clean. Refused unless the server was started with
/// `--allow-reset`. The audit trail keeps everything, the reset included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetState {}

impl Operation for ResetState {
    const NAME: &'static str = "ResetState";
    const PREFIX: Prefix = Prefix::Sysman;
    const READ_ONLY: bool = false;
    type Output = Empty;
}
