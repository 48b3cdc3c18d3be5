use serde::{Serialize, de::DeserializeOwned};

/// The target prefix an operation travels under (`X-Amz-Target: Prefix.Name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prefix {
    /// An operation of the AWS SSM service model.
    AmazonSsm,
    /// One of ours: full command output, streams, simulator control, ...
    Sysman,
}

impl Prefix {
    pub const fn as_str(self) -> &'static str {
        match self {
            Prefix::AmazonSsm => "AmazonSSM",
            Prefix::Sysman => "Sysman",
        }
    }
}

/// One service operation: its request type names it and its output.
pub trait Operation: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The operation's name as the wire spells it, e.g. `PutParameter`.
    const NAME: &'static str;
    /// `AmazonSSM` for operations of the AWS model, `Sysman` for ours.
    const PREFIX: Prefix = Prefix::AmazonSsm;
    /// Reads change nothing; their audit records are appended in batches.
    const READ_ONLY: bool;
    type Output: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// The resource the call acts on, for authorization and the audit trail.
    fn resource(&self) -> String {
        "*".to_owned()
    }

    /// Every resource the call acts on, each of which the caller must be
    /// allowed: one for most calls, one per name for calls that take a list.
    fn resources(&self) -> Vec<String> {
        vec![self.resource()]
    }

    /// The request as the audit trail records it, as JSON. Operations with
    /// secret fields override this to redact them.
    fn audit_view(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
