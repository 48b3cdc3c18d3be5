use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

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

/// Where an operation travels: `X-Amz-Target: AmazonSSM.PutParameter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationTarget {
    pub prefix: Prefix,
    pub name: &'static str,
}

impl OperationTarget {
    /// Whether `target`, as a request's `X-Amz-Target` spells it, is this.
    pub fn is(&self, target: &str) -> bool {
        target.split_once('.') == Some((self.prefix.as_str(), self.name))
    }
}

impl fmt::Display for OperationTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.prefix.as_str(), self.name)
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
    /// A node's agent may call it with the node's key, about that node
    /// only: to report, and to take its work from the node channel.
    const NODE_CALLABLE: bool = false;
    /// Requests must be signed, except the one an agent makes before it
    /// has a key: registration.
    const SIGNED: bool = true;
    type Output: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// The target this operation travels under.
    fn target() -> OperationTarget {
        OperationTarget {
            prefix: Self::PREFIX,
            name: Self::NAME,
        }
    }

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

/// An operation's constants as a value, for code that knows the operation
/// only by its name or target (the server before dispatch, authorization).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationFacts {
    pub target: OperationTarget,
    pub read_only: bool,
    pub node_callable: bool,
    pub signed: bool,
}

impl OperationFacts {
    pub const fn of<O: Operation>() -> Self {
        Self {
            target: OperationTarget {
                prefix: O::PREFIX,
                name: O::NAME,
            },
            read_only: O::READ_ONLY,
            node_callable: O::NODE_CALLABLE,
            signed: O::SIGNED,
        }
    }

    /// The operation an `X-Amz-Target` header names, if there is one.
    pub fn by_target(target: &str) -> Option<&'static Self> {
        let (prefix, name) = target.split_once('.')?;
        let prefix = [Prefix::AmazonSsm, Prefix::Sysman]
            .into_iter()
            .find(|p| p.as_str() == prefix)?;
        Self::find(prefix, name)
    }

    /// The operation of that prefix and name, if there is one. Every call
    /// is authorized by name, so this is a hash lookup, not a scan.
    pub fn find(prefix: Prefix, name: &str) -> Option<&'static Self> {
        static BY_NAME: LazyLock<HashMap<&'static str, Vec<&'static OperationFacts>>> =
            LazyLock::new(|| {
                let mut by_name: HashMap<_, Vec<_>> = HashMap::new();
                for o in OPERATIONS {
                    by_name.entry(o.target.name).or_default().push(o);
                }
                by_name
            });
        BY_NAME
            .get(name)?
            .iter()
            .copied()
            .find(|o| o.target.prefix == prefix)
    }
}

macro_rules! facts {
    ($($op:path),* $(,)?) => {
        &[$(OperationFacts::of::<$op>()),*]
    };
}

/// Every operation, from the same list the server's dispatch table and the
/// console's client are generated from.
pub static OPERATIONS: &[OperationFacts] = crate::for_each_operation!(facts);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::RegisterNode;
    use crate::parameters::PutParameter;

    #[test]
    fn targets_are_prefix_dot_name() {
        assert_eq!(PutParameter::target().to_string(), "AmazonSSM.PutParameter");
        assert_eq!(RegisterNode::target().to_string(), "Sysman.RegisterNode");
    }

    #[test]
    fn operations_are_found_by_target_and_by_name() {
        let put = OperationFacts::by_target("AmazonSSM.PutParameter").unwrap();
        assert_eq!(*put, OperationFacts::of::<PutParameter>());
        assert!(!put.read_only);
        assert!(OperationFacts::by_target("Sysman.PutParameter").is_none());
        assert!(OperationFacts::by_target("PutParameter").is_none());
        let register = OperationFacts::find(Prefix::Sysman, "RegisterNode").unwrap();
        assert_eq!(register.target, RegisterNode::target());
        assert!(OperationFacts::find(Prefix::AmazonSsm, "RegisterNode").is_none());
    }

    #[test]
    fn only_registration_is_unsigned() {
        let unsigned: Vec<String> = OPERATIONS
            .iter()
            .filter(|o| !o.signed)
            .map(|o| o.target.to_string())
            .collect();
        assert_eq!(unsigned, ["Sysman.RegisterNode"]);
    }

    #[test]
    fn nodes_may_report_and_take_their_work() {
        let mut callable: Vec<&str> = OPERATIONS
            .iter()
            .filter(|o| o.node_callable)
            .map(|o| o.target.name)
            .collect();
        callable.sort_unstable();
        assert_eq!(
            callable,
            [
                "AcknowledgeMessage",
                "EvaluatePatches",
                "GetDeployablePatchSnapshotForInstance",
                "PutPatchReport",
                "ReceiveMessages",
                "SendReply",
                "UpdateInstanceInformation",
            ]
        );
    }
}
