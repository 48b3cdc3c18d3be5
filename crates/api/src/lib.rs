//! Wire types of every sysman operation.
//!
//! Names and JSON shapes follow the AWS SSM service model (botocore's
//! `ssm/2014-11-06/service-2.json`): PascalCase fields, epoch-second
//! timestamps, absent members omitted. Operations AWS does not have travel
//! under the `Sysman.` target prefix with the same conventions.
//!
//! This crate depends on nothing of ours, so the agent can stay small.

pub mod admin;
pub mod calendar;
#[cfg(feature = "client")]
pub mod client;
pub mod commands;
pub mod compliance;
#[cfg(feature = "sigv4")]
pub mod credentials;
pub mod documents;
mod error;
pub mod events;
pub mod fleet;
pub mod iam;
pub mod kms;
pub mod messages;
mod operation;
pub mod parameters;
pub mod patch;
pub mod service_settings;
#[cfg(feature = "sigv4")]
pub mod sigv4;
mod time;
mod types;

pub use error::ApiError;
pub use operation::{OPERATIONS, Operation, OperationFacts, OperationTarget, Prefix};
pub use time::Timestamp;
pub use types::{Empty, Tag, Target, TargetKey};

/// Calls `$callback!` with the type path of every operation, once.
///
/// The server's dispatch table and the console's remote client are generated
/// from this one list, so an operation can never be reachable by one and not
/// the other.
#[macro_export]
macro_rules! for_each_operation {
    ($callback:ident) => {
        $callback! {
            $crate::fleet::DescribeInstanceInformation,
            $crate::fleet::CreateActivation,
            $crate::fleet::DescribeActivations,
            $crate::fleet::DeleteActivation,
            $crate::fleet::DeregisterManagedInstance,
            $crate::fleet::AddTagsToResource,
            $crate::fleet::RemoveTagsFromResource,
            $crate::fleet::ListTagsForResource,
            $crate::fleet::UpdateInstanceInformation,
            $crate::fleet::RegisterNode,
            $crate::fleet::ListNodes,
            $crate::fleet::UpdateManagedInstanceRole,
            $crate::fleet::GetConnectionStatus,
            $crate::fleet::ListManagedNodes,
            $crate::fleet::ListNodesSummary,
            $crate::fleet::DescribeInstanceProperties,
            $crate::kms::CreateKey,
            $crate::kms::ListKeys,
            $crate::kms::DescribeKey,
            $crate::kms::CreateAlias,
            $crate::kms::RotateKey,
            $crate::kms::DisableKey,
            $crate::kms::EnableKey,
            $crate::parameters::PutParameter,
            $crate::parameters::GetParameter,
            $crate::parameters::GetParameters,
            $crate::parameters::GetParametersByPath,
            $crate::parameters::DeleteParameter,
            $crate::parameters::DeleteParameters,
            $crate::parameters::DescribeParameters,
            $crate::parameters::GetParameterHistory,
            $crate::parameters::LabelParameterVersion,
            $crate::parameters::UnlabelParameterVersion,
            $crate::parameters::PutResourcePolicy,
            $crate::parameters::GetResourcePolicies,
            $crate::parameters::DeleteResourcePolicy,
            $crate::documents::CreateDocument,
            $crate::documents::GetDocument,
            $crate::documents::DescribeDocument,
            $crate::documents::ListDocuments,
            $crate::documents::ListDocumentVersions,
            $crate::documents::UpdateDocument,
            $crate::documents::UpdateDocumentDefaultVersion,
            $crate::documents::DeleteDocument,
            $crate::documents::ModifyDocumentPermission,
            $crate::documents::DescribeDocumentPermission,
            $crate::documents::UpdateDocumentMetadata,
            $crate::documents::ListDocumentMetadataHistory,
            $crate::service_settings::GetServiceSetting,
            $crate::service_settings::UpdateServiceSetting,
            $crate::service_settings::ResetServiceSetting,
            $crate::commands::SendCommand,
            $crate::commands::ListCommands,
            $crate::commands::ListCommandInvocations,
            $crate::commands::GetCommandInvocation,
            $crate::commands::CancelCommand,
            $crate::commands::GetCommandOutput,
            $crate::compliance::PutComplianceItems,
            $crate::compliance::ListComplianceItems,
            $crate::compliance::ListComplianceSummaries,
            $crate::compliance::ListResourceComplianceSummaries,
            $crate::patch::CreatePatchBaseline,
            $crate::patch::GetPatchBaseline,
            $crate::patch::UpdatePatchBaseline,
            $crate::patch::DeletePatchBaseline,
            $crate::patch::DescribePatchBaselines,
            $crate::patch::RegisterDefaultPatchBaseline,
            $crate::patch::GetDefaultPatchBaseline,
            $crate::patch::RegisterPatchBaselineForPatchGroup,
            $crate::patch::DeregisterPatchBaselineForPatchGroup,
            $crate::patch::GetPatchBaselineForPatchGroup,
            $crate::patch::DescribePatchGroups,
            $crate::patch::DescribeAvailablePatches,
            $crate::patch::DescribeEffectivePatchesForPatchBaseline,
            $crate::patch::DescribePatchProperties,
            $crate::patch::DescribeInstancePatchStates,
            $crate::patch::DescribeInstancePatchStatesForPatchGroup,
            $crate::patch::DescribeInstancePatches,
            $crate::patch::DescribePatchGroupState,
            $crate::patch::GetDeployablePatchSnapshotForInstance,
            $crate::patch::EvaluatePatches,
            $crate::patch::PutPatchReport,
            $crate::patch::DescribePatchCounts,
            $crate::commands::ReceiveMessages,
            $crate::commands::AcknowledgeMessage,
            $crate::commands::SendReply,
            $crate::events::Subscribe,
            $crate::admin::ResetState,
            $crate::iam::CreateUser,
            $crate::iam::ListUsers,
            $crate::iam::DeleteUser,
            $crate::iam::CreateAccessKey,
            $crate::iam::DeleteAccessKey,
            $crate::iam::UpdateAccessKey,
            $crate::iam::ListAccessKeys,
            $crate::iam::PutUserPolicy,
            $crate::iam::GetUserPolicy,
            $crate::iam::ListUserPolicies,
            $crate::iam::DeleteUserPolicy,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! names {
        ($($op:path),* $(,)?) => {
            vec![$((<$op as Operation>::PREFIX, <$op as Operation>::NAME)),*]
        };
    }

    #[test]
    fn every_operation_has_a_unique_target() {
        let targets: Vec<(Prefix, &str)> = for_each_operation!(names);
        let mut unique = targets.clone();
        unique.sort_by_key(|(p, n)| (p.as_str(), *n));
        unique.dedup();
        assert_eq!(
            unique.len(),
            targets.len(),
            "duplicate operation target in {targets:?}"
        );
    }
}
