//! Who is calling, and the one authorization hook every call passes.
//!
//! Until the server brings access keys and IAM-style policies, there are
//! three principals: an administrator who may do anything, a node that may
//! only report about itself, and an anonymous agent that may only register.

use std::fmt;

use sysman_api::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An operator or tool with full rights, named for the audit trail.
    Admin(String),
    /// A registered node's agent, acting for that node only.
    Node(String),
    /// An agent that has not registered yet.
    Anonymous,
}

impl Caller {
    pub fn admin(name: impl Into<String>) -> Self {
        Caller::Admin(name.into())
    }

    pub fn node(instance_id: impl Into<String>) -> Self {
        Caller::Node(instance_id.into())
    }
}

impl Caller {
    /// The caller as an IAM ARN, as LastModifiedUser shows it.
    pub fn arn(&self, account: &str) -> String {
        match self {
            Caller::Admin(name) => format!("arn:aws:iam::{account}:user/{name}"),
            Caller::Node(id) => format!("arn:aws:ssm:*:{account}:managed-instance/{id}"),
            Caller::Anonymous => format!("arn:aws:iam::{account}:anonymous"),
        }
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caller::Admin(name) => write!(f, "admin:{name}"),
            Caller::Node(id) => write!(f, "node:{id}"),
            Caller::Anonymous => f.write_str("anonymous"),
        }
    }
}

/// What a node's agent may do, each only about itself: report, and take
/// its work from the node channel.
const NODE_OPERATIONS: [&str; 4] = [
    "UpdateInstanceInformation",
    "ReceiveMessages",
    "AcknowledgeMessage",
    "SendReply",
];

/// Decides whether `caller` may run `operation` on `resource`.
pub fn authorize(caller: &Caller, operation: &str, resource: &str) -> Result<(), ApiError> {
    let allowed = match caller {
        Caller::Admin(_) => true,
        Caller::Node(id) => {
            NODE_OPERATIONS.contains(&operation)
                && resource.strip_prefix("managed-instance/") == Some(id.as_str())
        }
        Caller::Anonymous => operation == "RegisterNode",
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::access_denied(format!(
            "{caller} is not allowed to perform {operation} on {resource}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_may_report_only_about_itself() {
        let node = Caller::node("mi-0123456789abcdef0");
        let own = "managed-instance/mi-0123456789abcdef0";
        let other = "managed-instance/mi-0000000000000000f";
        assert!(authorize(&node, "UpdateInstanceInformation", own).is_ok());
        let err = authorize(&node, "UpdateInstanceInformation", other).unwrap_err();
        assert_eq!(err.code, "AccessDeniedException");
        assert!(authorize(&node, "DeregisterManagedInstance", own).is_err());
    }

    #[test]
    fn an_anonymous_agent_may_only_register() {
        assert!(authorize(&Caller::Anonymous, "RegisterNode", "activation/x").is_ok());
        assert!(authorize(&Caller::Anonymous, "DescribeInstanceInformation", "*").is_err());
    }
}
