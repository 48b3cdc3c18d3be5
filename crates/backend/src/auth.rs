//! Who is calling, and the one authorization hook every call passes.
//!
//! An administrator may do anything; a user may do what its IAM-style
//! policies allow; a node may only report about itself and take its own
//! work; an anonymous agent may only register.

use std::fmt;

use sysman_api::messages::resource_policy;
use sysman_api::{ApiError, OperationFacts, Prefix};

use crate::Inner;
use crate::iam::Decision;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An operator or tool with full rights, named for the audit trail:
    /// the embedded console's operator.
    Admin(String),
    /// A user, with the rights its policies give.
    User(String),
    /// A registered node's agent, acting for that node only.
    Node(String),
    /// An agent that has not registered yet.
    Anonymous,
}

impl Caller {
    pub fn admin(name: impl Into<String>) -> Self {
        Caller::Admin(name.into())
    }

    pub fn user(name: impl Into<String>) -> Self {
        Caller::User(name.into())
    }

    pub fn node(instance_id: impl Into<String>) -> Self {
        Caller::Node(instance_id.into())
    }
}

impl Caller {
    /// The caller as an IAM ARN, as LastModifiedUser shows it.
    pub fn arn(&self, account: &str) -> String {
        match self {
            Caller::Admin(name) | Caller::User(name) => {
                format!("arn:aws:iam::{account}:user/{name}")
            }
            Caller::Node(id) => format!("arn:aws:ssm:*:{account}:managed-instance/{id}"),
            Caller::Anonymous => format!("arn:aws:iam::{account}:anonymous"),
        }
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caller::Admin(name) => write!(f, "admin:{name}"),
            Caller::User(name) => write!(f, "user:{name}"),
            Caller::Node(id) => write!(f, "node:{id}"),
            Caller::Anonymous => f.write_str("anonymous"),
        }
    }
}

/// The IAM action of an operation: `ssm:GetParameter` for the operations
/// of the AWS model, `sysman:CreateUser` for ours.
pub fn action(prefix: Prefix, operation: &str) -> String {
    match prefix {
        Prefix::AmazonSsm => format!("ssm:{operation}"),
        Prefix::Sysman => format!("sysman:{operation}"),
    }
}

/// The ARN a resource (`parameter/app/db`, `user/alice`, `*`) stands for in
/// policies: users under IAM, everything else under SSM. A resource that is
/// already a parameter's ARN (a call naming a parameter by its full ARN)
/// keeps the account it names, and takes this server's region, where the
/// parameter it reads is kept.
pub fn resource_arn(region: &str, account: &str, resource: &str) -> String {
    if resource == "*" {
        "*".to_owned()
    } else if resource.starts_with("user/") {
        format!("arn:aws:iam::{account}:{resource}")
    } else if let Some((named, rest)) = arn_account(resource) {
        format!("arn:aws:ssm:{region}:{named}:{rest}")
    } else {
        format!("arn:aws:ssm:{region}:{account}:{resource}")
    }
}

/// The account a parameter's ARN names, and what follows it. Other ARNs
/// (an AWS-owned patch baseline's, say) are left as they are.
fn arn_account(arn: &str) -> Option<(&str, &str)> {
    let mut fields = arn.splitn(6, ':');
    if fields.next()? != "arn" {
        return None;
    }
    // Past the partition, the service and the region.
    for _ in 0..3 {
        fields.next()?;
    }
    let (account, rest) = (fields.next()?, fields.next()?);
    rest.starts_with("parameter/").then_some((account, rest))
}

/// Decides whether `caller` may run `operation` on `resource`.
pub(crate) fn authorize(
    b: &Inner,
    caller: &Caller,
    prefix: Prefix,
    operation: &str,
    resource: &str,
) -> Result<(), ApiError> {
    authorize_from(
        b,
        caller,
        &b.settings.account_id,
        prefix,
        operation,
        resource,
    )
}

/// [`authorize`] for a caller that belongs to `caller_account`.
///
/// sysman serves one account: every user, administrator and node belongs to
/// the server's own (`Settings::account_id`), so [`authorize`] passes that.
/// A call is cross-account when the resource's ARN names another account
/// than the caller's, which today means a parameter named by an ARN of some
/// other account. As in IAM, such a call needs both the caller's own
/// policies and a resource policy of the resource to allow it; only this
/// server's parameters have resource policies (`parameters::sharing`).
pub(crate) fn authorize_from(
    b: &Inner,
    caller: &Caller,
    caller_account: &str,
    prefix: Prefix,
    operation: &str,
    resource: &str,
) -> Result<(), ApiError> {
    let action = action(prefix, operation);
    let arn = resource_arn(&b.settings.region, &b.settings.account_id, resource);
    let cross_account = arn_account(&arn).is_some_and(|(owner, _)| owner != caller_account);
    let name = match caller {
        Caller::User(name) => Some(name),
        Caller::Admin(_) if cross_account => None,
        _ => return fixed_rule(caller, prefix, operation, resource),
    };
    let caller_arn = caller.arn(caller_account);
    if let Some(name) = name {
        let why = match b.iam.decide(name, &action, &arn) {
            Decision::Allow => None,
            Decision::ExplicitDeny => {
                Some("with an explicit deny in an identity-based policy".to_owned())
            }
            Decision::ImplicitDeny => Some(format!(
                "because no identity-based policy allows the {action} action"
            )),
        };
        if let Some(why) = why {
            // AWS's wording, word for word.
            return Err(ApiError::access_denied(format!(
                "User: {caller_arn} is not authorized to perform: {action} on resource: {arn} {why}"
            )));
        }
    }
    // As on AWS, a shared parameter is reached by its full ARN only: a
    // plain name of the server's parameter is never another account's way in.
    let named_by_arn = resource.starts_with("arn:");
    if cross_account
        && !(named_by_arn
            && crate::parameters::sharing::grants(b, caller_account, &caller_arn, &action, &arn))
    {
        return Err(resource_policy::cross_account_denied(
            &caller_arn,
            &action,
            &arn,
        ));
    }
    Ok(())
}

/// Whether a policy of `caller` explicitly denies `operation` on
/// `resource`: what a call that reaches beyond the resource it was allowed
/// on (a recursive read of a path) checks for each thing it would return.
pub(crate) fn explicitly_denied(
    b: &Inner,
    caller: &Caller,
    prefix: Prefix,
    operation: &str,
    resource: &str,
) -> bool {
    let Caller::User(name) = caller else {
        return false;
    };
    let arn = resource_arn(&b.settings.region, &b.settings.account_id, resource);
    b.iam.decide(name, &action(prefix, operation), &arn) == Decision::ExplicitDeny
}

/// The rules of the principals that have no policies: a node may call
/// the operations marked `NODE_CALLABLE` about itself, and an agent
/// without a key only the one that needs no signature.
fn fixed_rule(
    caller: &Caller,
    prefix: Prefix,
    operation: &str,
    resource: &str,
) -> Result<(), ApiError> {
    let facts = || OperationFacts::find(prefix, operation);
    let allowed = match caller {
        Caller::Admin(_) => true,
        Caller::Node(id) => {
            facts().is_some_and(|o| o.node_callable)
                && resource.strip_prefix("managed-instance/") == Some(id.as_str())
        }
        Caller::Anonymous => facts().is_some_and(|o| !o.signed),
        // Users are judged by their policies, never here.
        Caller::User(_) => false,
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
        let ssm = Prefix::AmazonSsm;
        assert!(fixed_rule(&node, ssm, "UpdateInstanceInformation", own).is_ok());
        let err = fixed_rule(&node, ssm, "UpdateInstanceInformation", other).unwrap_err();
        assert_eq!(err.code, "AccessDeniedException");
        assert!(fixed_rule(&node, ssm, "DeregisterManagedInstance", own).is_err());
    }

    #[test]
    fn an_anonymous_agent_may_only_register() {
        let anonymous = &Caller::Anonymous;
        assert!(fixed_rule(anonymous, Prefix::Sysman, "RegisterNode", "activation/x").is_ok());
        let describe = "DescribeInstanceInformation";
        assert!(fixed_rule(anonymous, Prefix::AmazonSsm, describe, "*").is_err());
    }

    #[test]
    fn actions_and_resources_are_named_as_iam_names_them() {
        assert_eq!(
            action(Prefix::AmazonSsm, "GetParameter"),
            "ssm:GetParameter"
        );
        assert_eq!(action(Prefix::Sysman, "CreateUser"), "sysman:CreateUser");
        assert_eq!(
            resource_arn("eu-west-1", "123", "parameter/app/db"),
            "arn:aws:ssm:eu-west-1:123:parameter/app/db"
        );
        assert_eq!(
            resource_arn("eu-west-1", "123", "user/alice"),
            "arn:aws:iam::123:user/alice"
        );
        assert_eq!(resource_arn("eu-west-1", "123", "*"), "*");
        assert_eq!(Caller::user("alice").to_string(), "user:alice");
        assert_eq!(
            Caller::user("alice").arn("123"),
            "arn:aws:iam::123:user/alice"
        );
    }
}
