//! Help for people, added to the backend's errors where the console shows
//! them.
//!
//! The backend answers with AWS's own words, which name what is wrong but
//! not where to look next. This table adds that, keyed by the error name
//! (and, where one name means different things, the operation). The wire
//! and the CLI keep AWS's text as it is.

use sysman_api::ApiError;

/// The hint for an error `code` answered to `operation`, if there is one.
pub fn hint(operation: &str, code: &str) -> Option<&'static str> {
    Some(match (code, operation) {
        ("ParameterNotFound", _) => "list parameters with DescribeParameters",
        ("ParameterAlreadyExists", _) => "pass Overwrite to add a new version",
        ("ParameterVersionNotFound", _) => {
            "GetParameterHistory lists a parameter's versions and labels"
        }
        ("ParameterVersionLabelLimitExceeded", _) => "move a label to another version first",
        ("ParameterMaxVersionLimitExceeded", _) => {
            "move the oldest version's labels to a newer version first"
        }
        ("HierarchyTypeMismatchException", _) => "delete the parameter and create it anew",
        ("InvalidDocument", _) => "list documents with ListDocuments",
        ("InvalidDocumentVersion", "UpdateDocument") => {
            "an update names the latest version, or $LATEST"
        }
        ("InvalidDocumentVersion", _) => "ListDocumentVersions lists a document's versions",
        ("DuplicateDocumentContent", _) => "change the content before adding a version",
        ("DocumentVersionLimitExceeded", _) => {
            "delete old versions with DeleteDocument and DocumentVersion"
        }
        ("InvalidCommandId", _) => "list commands with ListCommands",
        ("InvocationDoesNotExist", _) => {
            "the command was not sent to that node, or has not reached it yet"
        }
        ("InvalidInstanceId", _) => "list managed nodes with DescribeInstanceInformation",
        ("DoesNotExistException", _) => "DescribePatchBaselines lists the baselines there are",
        ("AlreadyExistsException", _) => "deregister the patch group's baseline first",
        ("ResourceInUseException", _) => {
            "register another default baseline, or deregister its patch groups, first"
        }
        ("IdempotentParameterMismatch", _) => "use a new ClientToken for a new baseline",
        ("InvalidResourceType", _) => {
            "sysman tags Document, ManagedInstance, Parameter and PatchBaseline resources"
        }
        ("InvalidResourceId", "AddTagsToResource" | "RemoveTagsFromResource")
        | ("InvalidResourceId", "ListTagsForResource") => "no resource of that type has that id",
        ("InvalidNextToken", _) => {
            "pass the NextToken of the previous response unchanged, with the same filters"
        }
        _ => return None,
    })
}

/// `error` with its hint, if any, after AWS's message.
pub fn with_hint(operation: &str, mut error: ApiError) -> ApiError {
    if let Some(hint) = hint(operation, &error.code) {
        error.message = if error.message.is_empty() {
            hint.to_owned()
        } else {
            format!("{} ({hint})", error.message)
        };
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_follows_aws_message() {
        let e = with_hint(
            "GetParameter",
            ApiError::new("ParameterNotFound", "Parameter /x not found."),
        );
        assert_eq!(
            e.message,
            "Parameter /x not found. (list parameters with DescribeParameters)"
        );
    }

    #[test]
    fn an_empty_message_becomes_the_hint() {
        let e = with_hint(
            "GetCommandInvocation",
            ApiError::new("InvocationDoesNotExist", ""),
        );
        assert!(e.message.starts_with("the command was not sent"));
    }

    #[test]
    fn the_operation_picks_the_hint_where_one_name_means_several_things() {
        assert_ne!(
            hint("UpdateDocument", "InvalidDocumentVersion"),
            hint("GetDocument", "InvalidDocumentVersion")
        );
        assert_eq!(hint("GetParameter", "InvalidResourceId"), None);
    }

    #[test]
    fn errors_without_a_hint_are_left_as_they_are() {
        let e = ApiError::validation("1 validation error detected: ...");
        assert_eq!(with_hint("PutParameter", e.clone()), e);
    }
}
