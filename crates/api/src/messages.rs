//! What sysman answers when a request fails, in one place: each error's
//! AWS exception name and AWS's own message text.
//!
//! Clients, test suites and Terraform's provider match on these texts, so
//! they are AWS's words wherever AWS's words are known (from what AWS
//! answers, as public reports and faithful mocks record it). Where they are
//! not known, the text is written the way AWS writes: a plain statement of
//! what is wrong, without pointers to other operations. Help for people
//! reading them in the console is added there, keyed by the error name.
//!
//! Constraint failures of the service model (`1 validation error
//! detected: ...`) are built by [`ApiError::constraint`] and are not listed.

use crate::ApiError;

/// Parameter Store.
pub mod parameter {
    use super::ApiError;

    pub fn not_found(name: &str) -> ApiError {
        ApiError::new("ParameterNotFound", format!("Parameter {name} not found."))
    }

    /// A version number, or a label, that no version of `name` has.
    pub fn version_not_found(name: &str, version: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            "ParameterVersionNotFound",
            format!(
                "Systems Manager could not find version {version} of {name}. Verify the version \
                 and try again."
            ),
        )
    }

    pub fn already_exists() -> ApiError {
        ApiError::new(
            "ParameterAlreadyExists",
            "The parameter already exists. To overwrite this value, set the overwrite option in \
             the request to true.",
        )
    }

    pub fn type_required() -> ApiError {
        ApiError::validation("A parameter type is required when you create a parameter.")
    }

    pub fn unknown_type(given: &str) -> ApiError {
        ApiError::constraint(
            "type",
            given,
            "Member must satisfy enum value set: [SecureString, StringList, String]",
        )
    }

    pub fn unsupported_data_type(given: &str) -> ApiError {
        ApiError::validation(format!(
            "The following data type is not supported: {given} (Data type names are all \
             lowercase.)"
        ))
    }

    pub fn reference_in_value() -> ApiError {
        ApiError::validation(
            "Parameter value can't nest another parameter. Do not use \"{{}}\" in the value.",
        )
    }

    pub fn tags_with_overwrite() -> ApiError {
        ApiError::validation(
            "Invalid request: tags and overwrite can't be used together. To create a parameter \
             with tags, please remove overwrite flag. To update tags for an existing parameter, \
             please use AddTagsToResource or RemoveTagsFromResource.",
        )
    }

    /// Longer than any tier holds. The value itself is not echoed: it may
    /// be a secret.
    pub fn value_too_long(max: usize) -> ApiError {
        ApiError::validation(format!(
            "1 validation error detected: Value at 'value' failed to satisfy constraint: Member \
             must have length less than or equal to {max}"
        ))
    }

    pub fn standard_value_too_long() -> ApiError {
        ApiError::validation(
            "Standard tier parameters support a maximum parameter value of 4096 characters. To \
             create a larger parameter value, upgrade the parameter to use the advanced-parameter \
             tier. For more information, see \
             https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html",
        )
    }

    pub fn no_downgrade_to_standard() -> ApiError {
        ApiError::validation(
            "This parameter uses the advanced-parameter tier. You can't downgrade a parameter \
             from the advanced-parameter tier to the standard-parameter tier. If necessary, you \
             can delete the advanced parameter and recreate it as a standard parameter.",
        )
    }

    /// Not AWS's known text.
    pub fn policies_need_advanced() -> ApiError {
        ApiError::validation(
            "Parameter policies are supported only for parameters that use the \
             advanced-parameter tier.",
        )
    }

    /// Not AWS's known text; the model's description of the error.
    pub fn hierarchy_type_mismatch() -> ApiError {
        ApiError::new(
            "HierarchyTypeMismatchException",
            "Parameter Store doesn't support changing a parameter type in a hierarchy. For \
             example, you can't change a parameter from a String type to a SecureString type. \
             You must create a new, unique parameter.",
        )
    }

    /// Not AWS's known text.
    pub fn key_id_not_secure() -> ApiError {
        ApiError::validation("KeyId can be specified only for a SecureString parameter.")
    }

    pub fn pattern_mismatch(pattern: &str) -> ApiError {
        ApiError::new(
            "ParameterPatternMismatchException",
            format!("Parameter value, cannot be validated against allowedPattern: {pattern}"),
        )
    }

    /// Not AWS's known text.
    pub fn invalid_allowed_pattern(pattern: &str) -> ApiError {
        ApiError::new(
            "InvalidAllowedPatternException",
            format!("The allowed pattern isn't a valid regular expression: {pattern}"),
        )
    }

    pub fn limit_exceeded() -> ApiError {
        ApiError::new(
            "ParameterLimitExceeded",
            "You have exceeded the number of parameters for this AWS account. Delete one or more \
             parameters and try again.",
        )
    }

    pub fn oldest_version_labelled(name: &str, version: i64) -> ApiError {
        ApiError::new(
            "ParameterMaxVersionLimitExceeded",
            format!(
                "You attempted to create a new version of {name} by calling the PutParameter API \
                 with the overwrite flag. Version {version}, the oldest version, can't be deleted \
                 because it has a label associated with it. Move the label to another version of \
                 the parameter, and try again."
            ),
        )
    }

    /// Not AWS's known text.
    pub fn data_type_change() -> ApiError {
        ApiError::validation(
            "The data type of an existing parameter can't be changed. To use another data type, \
             create a new parameter.",
        )
    }

    /// Not AWS's known text. The value is not echoed: it may be a secret.
    pub fn not_an_image_id() -> ApiError {
        ApiError::validation(
            "The value of a parameter with the data type aws:ec2:image must be an Amazon Machine \
             Image (AMI) ID, such as ami-0123456789abcdef0.",
        )
    }

    /// Not AWS's known text.
    pub fn data_type_needs_type(data_type: &str, kind: &str) -> ApiError {
        ApiError::validation(format!(
            "The data type {data_type} is supported only for parameters of type {kind}."
        ))
    }

    /// The KMS key a SecureString names does not exist; AWS passes KMS's
    /// own words on.
    pub fn no_such_key(reference: &str) -> ApiError {
        let message = if reference.starts_with("alias/") || reference.contains(":alias/") {
            format!("Alias {reference} is not found.")
        } else {
            format!("Key '{reference}' does not exist")
        };
        ApiError::new("InvalidKeyId", message)
    }

    pub fn label_limit() -> ApiError {
        ApiError::new(
            "ParameterVersionLabelLimitExceeded",
            "A parameter version can have maximum 10 labels. Move one or more labels to another \
             version and try again.",
        )
    }

    /// A `{{ssm:...}}` or `{{ssm-secure:...}}` reference of the wrong kind.
    pub fn reference_kind(reference: &str, kind: &str, use_instead: &str) -> ApiError {
        ApiError::validation(format!(
            "The parameter reference {reference} names a {kind} parameter. Use {use_instead} \
             instead."
        ))
    }

    // Names.

    pub fn prefixed_with_aws_or_ssm() -> ApiError {
        ApiError::validation(
            "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).",
        )
    }

    /// A name with a character outside the rules, or a path that is not
    /// formed as one.
    pub fn invalid_name() -> ApiError {
        ApiError::validation(
            "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If formed as a \
             path, it can consist of sub-paths divided by slash symbol; each sub-path can be \
             formed as a mix of letters, numbers and the following 3 symbols .-_",
        )
    }

    pub fn reserved_name(name: &str) -> ApiError {
        ApiError::access_denied(format!("No access to reserved parameter name: {name}."))
    }

    /// Not AWS's known text.
    pub fn name_too_long(max: usize) -> ApiError {
        ApiError::validation(format!(
            "Parameter name: can't be longer than {max} characters."
        ))
    }

    pub fn too_many_levels(max: usize) -> ApiError {
        ApiError::new(
            "HierarchyLevelLimitExceededException",
            format!(
                "A hierarchy can have a maximum of {max} levels. For more information, see \
                 Requirements and constraints for parameter names in the AWS Systems Manager User \
                 Guide."
            ),
        )
    }

    /// Not AWS's known text: `name:` with nothing after the colon.
    pub fn empty_selector(raw: &str) -> ApiError {
        ApiError::validation(format!(
            "Parameter name {raw} isn't valid. A version or a label must follow the colon."
        ))
    }

    /// A path (GetParametersByPath, or DescribeParameters' Path filter)
    /// that is not formed as a path. AWS's text has the backslashes.
    pub fn invalid_path() -> ApiError {
        ApiError::validation(
            "The parameter doesn't meet the parameter name requirements. The parameter name must \
             begin with a forward slash \"/\". It can't be prefixed with \\\"aws\\\" or \\\"ssm\\\" \
             (case-insensitive). It must use only letters, numbers, or the following symbols: . \
             (period), - (hyphen), _ (underscore). Special characters are not allowed. All \
             sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: \
             /get/parameters2-/by1./path0_.",
        )
    }

    // Filters.

    pub fn filters_and_parameter_filters() -> ApiError {
        ApiError::validation("You can use either Filters or ParameterFilters in a single request.")
    }

    /// A filter key this operation does not take; `valid` as AWS lists them.
    pub fn filter_key_not_valid(key: &str, valid: &str) -> ApiError {
        ApiError::new(
            "InvalidFilterKey",
            format!(
                "The following filter key is not valid: {key}. Valid filter keys include: {valid}."
            ),
        )
    }

    pub fn filter_key_twice(key: &str) -> ApiError {
        ApiError::new(
            "InvalidFilterKey",
            format!(
                "The following filter is duplicated in the request: {key}. A request can contain \
                 only one occurrence of a specific filter."
            ),
        )
    }

    pub fn filter_values_missing(key: &str) -> ApiError {
        ApiError::new(
            "InvalidFilterValue",
            format!("The following filter values are missing : null for filter key {key}."),
        )
    }

    /// `valid` as AWS lists them, such as `[BeginsWith, Equals]`.
    pub fn filter_option_not_valid(option: &str, valid: &str) -> ApiError {
        ApiError::new(
            "InvalidFilterOption",
            format!(
                "The following filter option is not valid: {option}. Valid options include: {valid}."
            ),
        )
    }

    pub fn filter_value_not_valid(value: &str, valid: &str) -> ApiError {
        ApiError::new(
            "InvalidFilterValue",
            format!(
                "The following filter value is not valid: {value}. Valid values include: {valid}."
            ),
        )
    }

    pub fn path_filter_reserved() -> ApiError {
        ApiError::validation(
            "Filters for common parameters can't be prefixed with \"aws\" or \"ssm\" \
             (case-insensitive). When using global parameters, please specify within a global \
             namespace.",
        )
    }
}

/// Resource policies that share parameters. AWS's texts for these are not
/// known; the model's descriptions of the errors are used where they read
/// as messages, and the rest are written the way AWS writes.
pub mod resource_policy {
    use super::ApiError;

    const INVALID: &str = "ResourcePolicyInvalidParameterException";
    const LIMIT: &str = "ResourcePolicyLimitExceededException";

    /// The model's description of the error.
    pub fn resource_not_found() -> ApiError {
        ApiError::new(
            "ResourceNotFoundException",
            "The specified parameter to be shared could not be found.",
        )
    }

    /// Not AWS's known text: `ResourceArn` is not a parameter's ARN.
    pub fn not_a_parameter_arn(arn: &str) -> ApiError {
        ApiError::new(
            INVALID,
            format!(
                "{arn} is not a valid parameter ARN. Only parameters can have resource policies."
            ),
        )
    }

    /// Not AWS's known text: AWS shares advanced parameters only.
    pub fn standard_tier(name: &str) -> ApiError {
        ApiError::new(
            INVALID,
            format!(
                "Parameter {name} is in the Standard tier. Only parameters in the Advanced tier \
                 can be shared."
            ),
        )
    }

    /// Not AWS's known text: AWS managed keys can't be shared, so neither
    /// can what they encrypt.
    pub fn managed_key(name: &str) -> ApiError {
        ApiError::new(
            INVALID,
            format!(
                "Parameter {name} is encrypted with an AWS managed key, which can't be shared. \
                 Only SecureString parameters encrypted with a customer managed key can be shared."
            ),
        )
    }

    /// Not AWS's known text: an update names its policy and its hash.
    pub fn hash_required() -> ApiError {
        ApiError::new(
            INVALID,
            "PolicyHash is required to update a policy. Specify the PolicyId and PolicyHash of \
             the policy.",
        )
    }

    /// Not AWS's known text: a hash without the policy it belongs to.
    pub fn id_required() -> ApiError {
        ApiError::new(
            INVALID,
            "PolicyId is required when PolicyHash is specified.",
        )
    }

    /// The model's description of the error.
    pub fn conflict() -> ApiError {
        ApiError::new(
            "ResourcePolicyConflictException",
            "The hash provided in the call doesn't match the stored hash.",
        )
    }

    /// The model's description of the error.
    pub fn not_found() -> ApiError {
        ApiError::new(
            "ResourcePolicyNotFoundException",
            "No policies with the specified policy ID and hash could be found.",
        )
    }

    /// The size limit as the model's description states it.
    pub fn too_large(max_bytes: usize) -> ApiError {
        ApiError::new(
            LIMIT,
            format!("A policy can't be greater than {max_bytes} bytes in size."),
        )
    }

    /// Not AWS's known text: more policies than one parameter may hold.
    pub fn too_many(max: usize) -> ApiError {
        ApiError::new(
            LIMIT,
            format!("A parameter can have a maximum of {max} resource policies."),
        )
    }

    /// The start is the model's description; `detail` says what is wrong.
    pub fn malformed(detail: &str) -> ApiError {
        ApiError::new(
            "MalformedResourcePolicyDocumentException",
            format!("The specified policy document is malformed or invalid. {detail}"),
        )
    }

    /// IAM's own wording for a call on another account's resource that no
    /// resource-based policy allows.
    pub fn cross_account_denied(caller_arn: &str, action: &str, resource_arn: &str) -> ApiError {
        ApiError::access_denied(format!(
            "User: {caller_arn} is not authorized to perform: {action} on resource: \
             {resource_arn} because no resource-based policy allows the {action} action"
        ))
    }
}

/// Tags on any resource.
pub mod tag {
    use super::ApiError;

    pub fn invalid_resource_type() -> ApiError {
        ApiError::new("InvalidResourceType", "Invalid Resource Type")
    }

    /// No resource of the type with the id.
    pub fn invalid_resource_id() -> ApiError {
        ApiError::new("InvalidResourceId", "Invalid Resource Id")
    }

    /// Not AWS's known text.
    pub fn too_many(max: usize) -> ApiError {
        ApiError::new(
            "TooManyTagsError",
            format!("A resource can have a maximum of {max} tags."),
        )
    }
}

/// Managed nodes.
pub mod fleet {
    use super::ApiError;

    /// Not AWS's known text: a node id that names no managed node.
    pub fn node_not_found(id: &str) -> ApiError {
        ApiError::new(
            "InvalidInstanceId",
            format!("The managed node ID {id} isn't valid."),
        )
    }
}

/// Paged lists.
pub mod paging {
    use super::ApiError;

    pub fn invalid_next_token() -> ApiError {
        ApiError::new("InvalidNextToken", "The specified token isn't valid.")
    }
}

/// Parameter policies. AWS's texts for these are not known; the model's
/// descriptions of the errors stand in where they fit.
pub mod policy {
    use super::ApiError;

    pub fn not_a_list() -> ApiError {
        ApiError::new(
            "InvalidPolicyTypeException",
            "The policies aren't valid. Policies must be a JSON array of policies, each with \
             Type, Version and Attributes.",
        )
    }

    pub fn unknown_type(kind: &str) -> ApiError {
        ApiError::new(
            "InvalidPolicyTypeException",
            format!(
                "The policy type {kind} isn't supported. Parameter Store supports the following \
                 policy types: Expiration, ExpirationNotification, and NoChangeNotification."
            ),
        )
    }

    pub fn too_many(max: usize) -> ApiError {
        ApiError::new(
            "PoliciesLimitExceededException",
            format!(
                "You specified more than the maximum number of allowed policies for the \
                 parameter. The maximum is {max}."
            ),
        )
    }

    pub fn two_of_a_kind() -> ApiError {
        ApiError::new(
            "IncompatiblePolicyException",
            "There is a conflict in the policies specified for this parameter. You can't, for \
             example, specify two Expiration policies for a parameter. Review your policies, and \
             try again.",
        )
    }

    pub fn notification_without_expiration() -> ApiError {
        ApiError::new(
            "IncompatiblePolicyException",
            "An ExpirationNotification policy requires an Expiration policy.",
        )
    }

    /// `what` says which attribute, and what it must be.
    pub fn invalid_attribute(kind: &str, what: &str) -> ApiError {
        ApiError::new(
            "InvalidPolicyAttributeException",
            format!("A policy attribute or its value is invalid. {kind}: {what}"),
        )
    }
}

/// SSM documents.
pub mod document {
    use super::ApiError;

    pub fn not_found() -> ApiError {
        ApiError::new("InvalidDocument", "The specified document does not exist.")
    }

    pub fn already_exists() -> ApiError {
        ApiError::new(
            "DocumentAlreadyExists",
            "The specified document already exists.",
        )
    }

    /// A version number or name the document does not have, or an update
    /// made against a version that is not the latest.
    pub fn invalid_version() -> ApiError {
        ApiError::new(
            "InvalidDocumentVersion",
            "The document version is not valid or does not exist.",
        )
    }

    pub fn version_name_taken() -> ApiError {
        ApiError::new(
            "DuplicateDocumentVersionName",
            "The specified version name is a duplicate.",
        )
    }

    pub fn same_content() -> ApiError {
        ApiError::new(
            "DuplicateDocumentContent",
            "The content of the association document matches another document. Change the \
             content of the document and try again.",
        )
    }

    pub fn default_version_kept() -> ApiError {
        ApiError::new(
            "InvalidDocumentOperation",
            "Default version of the document can't be deleted.",
        )
    }

    /// The model's description of the error.
    pub fn too_many_versions() -> ApiError {
        ApiError::new(
            "DocumentVersionLimitExceeded",
            "The document has too many versions. Delete one or more document versions and try \
             again.",
        )
    }

    /// The model's description of the error, with this store's limit.
    pub fn too_many(limit: usize) -> ApiError {
        ApiError::new(
            "DocumentLimitExceeded",
            format!("You can have at most {limit} active SSM documents."),
        )
    }

    /// The model's description of the error.
    pub fn too_large() -> ApiError {
        ApiError::new(
            "MaxDocumentSizeExceeded",
            "The size limit of a document is 64 KB.",
        )
    }

    /// Not AWS's known text.
    pub fn owned_by_amazon() -> ApiError {
        ApiError::new(
            "InvalidDocumentOperation",
            "You can't update or delete a document that is owned by Amazon.",
        )
    }

    /// Not AWS's known text.
    pub fn reserved_name() -> ApiError {
        ApiError::validation("Document names can't begin with aws, amazon, or amzn.")
    }

    /// Not AWS's known text: sysman runs Command documents only, so far.
    pub fn unsupported_type(document_type: &str) -> ApiError {
        ApiError::new(
            "InvalidDocumentType",
            format!("The document type {document_type} isn't supported."),
        )
    }

    /// Not AWS's known text.
    pub fn text_command() -> ApiError {
        ApiError::new(
            "InvalidDocumentContent",
            "The content for the document is not valid. Command documents must be in JSON or \
             YAML format.",
        )
    }

    /// Not AWS's known text: `$LATEST` or `$DEFAULT` where only a number
    /// names the version.
    pub fn number_required(field: &str, given: &str) -> ApiError {
        ApiError::validation(format!(
            "The value {given} isn't valid for {field}. Specify a version number."
        ))
    }

    /// Not AWS's known text: an update names the version it was made
    /// against, `$LATEST` or its number.
    pub fn latest_or_number(given: &str) -> ApiError {
        ApiError::validation(format!(
            "The value {given} isn't valid for documentVersion. Specify $LATEST or a version \
             number."
        ))
    }

    /// Not AWS's known text (ListDocuments' filters).
    pub fn filter_values_missing(key: &str) -> ApiError {
        ApiError::validation(format!("The filter {key} requires at least one value."))
    }

    /// Not AWS's known text.
    pub fn filter_value_not_valid(key: &str, value: &str, valid: &str) -> ApiError {
        ApiError::validation(format!(
            "The value {value} isn't valid for the filter {key}. Valid values include: {valid}."
        ))
    }

    /// Not AWS's known text.
    pub fn filter_key_not_valid(key: &str) -> ApiError {
        ApiError::new(
            "InvalidFilterKey",
            format!(
                "The following filter key is not valid: {key}. Valid filter keys include: \
                 [Owner, DocumentType, Name, PlatformTypes, SearchKeyword, tag:<key>]."
            ),
        )
    }
}

/// Run Command.
pub mod command {
    use super::ApiError;

    pub fn invalid_command_id() -> ApiError {
        ApiError::new("InvalidCommandId", "Invalid command id.")
    }

    /// AWS answers this one with no message at all.
    pub fn invocation_does_not_exist() -> ApiError {
        ApiError::new("InvocationDoesNotExist", "")
    }

    /// Nodes that are not managed nodes here (or not in the command).
    pub fn instances_not_valid(ids: &[&str], account: &str) -> ApiError {
        ApiError::new(
            "InvalidInstanceId",
            format!(
                "Instances [[{}]] not in a valid state for account {account}",
                ids.join(", ")
            ),
        )
    }

    /// Not AWS's known text.
    pub fn duplicate_instance_id(id: &str) -> ApiError {
        ApiError::new(
            "DuplicateInstanceId",
            format!("The managed node ID {id} is specified more than once."),
        )
    }

    /// Not AWS's known text: what sysman does not do (it keeps every
    /// command's output itself).
    pub fn unsupported_member(member: &str) -> ApiError {
        ApiError::validation(format!("{member} isn't supported."))
    }

    /// Not AWS's known text.
    pub fn unsupported_target_key(key: &str) -> ApiError {
        ApiError::validation(format!(
            "The target key {key} isn't supported. Valid target keys include: [InstanceIds, \
             tag:<key>, tag-key]."
        ))
    }

    /// Not AWS's known text.
    pub fn ids_or_targets() -> ApiError {
        ApiError::validation("Specify either InstanceIds or Targets, but not both.")
    }

    /// Not AWS's known text.
    pub fn unsupported_hash_type(kind: &str) -> ApiError {
        ApiError::validation(format!(
            "The document hash type {kind} isn't supported. Valid values include: [Sha256]."
        ))
    }

    /// Not AWS's known text.
    pub fn not_a_command_document(document_type: &str) -> ApiError {
        ApiError::new(
            "InvalidDocument",
            format!("The document type {document_type} isn't valid for this operation."),
        )
    }

    /// Not AWS's known text.
    pub fn hash_mismatch() -> ApiError {
        ApiError::new(
            "InvalidDocument",
            "The document hash doesn't match the specified document version.",
        )
    }

    /// The model's description of the error, with the nodes it names.
    pub fn unsupported_platform(ids: &str) -> ApiError {
        ApiError::new(
            "UnsupportedPlatformType",
            format!(
                "The document doesn't support the platform type of the given managed node IDs: \
                 [{ids}]."
            ),
        )
    }

    /// Not AWS's known text.
    pub fn no_such_plugin(name: &str, valid: &str) -> ApiError {
        ApiError::new(
            "InvalidPluginName",
            format!("The plugin name {name} isn't valid. Valid plugin names include: [{valid}]."),
        )
    }

    /// Not AWS's known text.
    pub fn plugin_name_required(valid: &str) -> ApiError {
        ApiError::new(
            "InvalidPluginName",
            format!(
                "A plugin name is required for a command with more than one step. Valid plugin \
                 names include: [{valid}]."
            ),
        )
    }

    /// Not AWS's known text (ListCommands and ListCommandInvocations).
    pub fn filter_value_not_valid(key: &str, value: &str, valid: &str) -> ApiError {
        ApiError::validation(format!(
            "The value {value} isn't valid for the filter {key}. Valid values include: {valid}."
        ))
    }
}

/// Patch Manager: baselines and patch groups.
pub mod patch {
    use super::ApiError;

    /// A baseline id that names no baseline.
    pub fn baseline_not_found() -> ApiError {
        ApiError::new(
            "DoesNotExistException",
            "Patch Baseline to be retrieved does not exist.",
        )
    }

    pub fn group_taken(operating_system: &str) -> ApiError {
        ApiError::new(
            "AlreadyExistsException",
            format!(
                "Patch Group baseline already has a baseline registered for OperatingSystem \
                 {operating_system}."
            ),
        )
    }

    /// Not AWS's known text.
    pub fn group_not_registered(group: &str, baseline_id: &str) -> ApiError {
        ApiError::new(
            "InvalidResourceId",
            format!(
                "The patch group {group} isn't registered with the patch baseline {baseline_id}."
            ),
        )
    }

    /// Not AWS's known text.
    pub fn predefined(baseline_id: &str) -> ApiError {
        ApiError::new(
            "InvalidResourceId",
            format!(
                "The patch baseline {baseline_id} is owned by AWS and can't be changed or deleted."
            ),
        )
    }

    /// Not AWS's known text.
    pub fn default_in_use(baseline_id: &str, operating_system: &str) -> ApiError {
        ApiError::new(
            "ResourceInUseException",
            format!(
                "The patch baseline {baseline_id} is the default patch baseline for \
                 {operating_system} and can't be deleted."
            ),
        )
    }

    /// Not AWS's known text; the model's description of the error.
    pub fn registered_in_use(baseline_id: &str, groups: &str) -> ApiError {
        ApiError::new(
            "ResourceInUseException",
            format!(
                "The patch baseline {baseline_id} is registered for the patch groups [{groups}] \
                 and can't be deleted."
            ),
        )
    }

    /// The model's description of the error.
    pub fn token_mismatch() -> ApiError {
        ApiError::new(
            "IdempotentParameterMismatch",
            "Error returned when an idempotent operation is retried and the parameters don't \
             match the original call to the API with the same idempotency token.",
        )
    }

    /// Not AWS's known text.
    pub fn too_many_baselines(max: usize) -> ApiError {
        ApiError::new(
            "ResourceLimitExceededException",
            format!("You can create at most {max} patch baselines."),
        )
    }

    /// Not AWS's known text.
    pub fn too_many_groups(max: usize) -> ApiError {
        ApiError::new(
            "ResourceLimitExceededException",
            format!("A patch baseline can be registered for at most {max} patch groups."),
        )
    }

    /// Not AWS's known text.
    pub fn filter_key_not_for(key: &str, operating_system: &str, valid: &str) -> ApiError {
        ApiError::validation(format!(
            "The patch filter key {key} isn't supported for the operating system \
             {operating_system}. Valid keys include: [{valid}]."
        ))
    }

    /// Not AWS's known text.
    pub fn filter_key_twice(key: &str) -> ApiError {
        ApiError::validation(format!(
            "The patch filter key {key} is specified more than once. Each key can appear only \
             once."
        ))
    }

    /// Not AWS's known text.
    pub fn not_a_date(field: &str, text: &str) -> ApiError {
        ApiError::validation(format!(
            "The value {text} of {field} isn't valid. Specify a date in the format YYYY-MM-DD."
        ))
    }

    /// Not AWS's known text.
    pub fn approve_by_both(rule: usize) -> ApiError {
        ApiError::validation(format!(
            "Approval rule {rule} specifies both ApproveAfterDays and ApproveUntilDate. Specify \
             only one."
        ))
    }

    /// Not AWS's known text.
    pub fn approve_by_neither(rule: usize) -> ApiError {
        ApiError::validation(format!(
            "Approval rule {rule} specifies neither ApproveAfterDays nor ApproveUntilDate. \
             Specify one."
        ))
    }

    /// Not AWS's known text.
    pub fn sources_not_for(operating_system: &str) -> ApiError {
        ApiError::validation(format!(
            "Sources are supported only for Linux operating systems, not {operating_system}."
        ))
    }

    /// Not AWS's known text.
    pub fn filter_key_not_valid(key: &str, valid: &str) -> ApiError {
        ApiError::validation(format!(
            "The following filter key is not valid: {key}. Valid filter keys include: [{valid}]."
        ))
    }

    /// A node that is not a managed node here (patch states).
    pub fn no_such_node(id: &str, account: &str) -> ApiError {
        super::command::instances_not_valid(&[id], account)
    }

    /// Not AWS's known text.
    pub fn unsupported_os(name: &str, version: &str) -> ApiError {
        ApiError::new(
            "UnsupportedOperatingSystem",
            format!("The operating system {name} {version} isn't supported."),
        )
    }

    /// Not AWS's known text.
    pub fn snapshot_of_another_node(snapshot_id: &str) -> ApiError {
        ApiError::validation(format!(
            "The snapshot ID {snapshot_id} is already in use for another managed node."
        ))
    }

    /// Not AWS's known text.
    pub fn no_such_snapshot(snapshot_id: &str) -> ApiError {
        ApiError::new(
            "InvalidResourceId",
            format!("The snapshot ID {snapshot_id} isn't valid for this managed node."),
        )
    }

    /// Not AWS's known text; InvalidFilter is AWS's name for it.
    pub fn invalid_filter_key(key: &str, valid: &str) -> ApiError {
        ApiError::new(
            "InvalidFilter",
            format!(
                "The following filter key is not valid: {key}. Valid filter keys include: [{valid}]."
            ),
        )
    }

    /// Not AWS's known text.
    pub fn count_filter_value(key: &str) -> ApiError {
        ApiError::new(
            "InvalidFilter",
            format!("The filter {key} takes exactly one whole number as its value."),
        )
    }
}

/// IAM, as sysman keeps its users: IAM's own texts.
pub mod iam {
    use super::ApiError;

    pub fn keys_first() -> ApiError {
        ApiError::new(
            "DeleteConflict",
            "Cannot delete entity, must delete access keys first.",
        )
    }

    pub fn policies_first() -> ApiError {
        ApiError::new(
            "DeleteConflict",
            "Cannot delete entity, must delete policies first.",
        )
    }

    pub fn too_many_keys(max: usize) -> ApiError {
        ApiError::new(
            "LimitExceeded",
            format!("Cannot exceed quota for AccessKeysPerUser: {max}"),
        )
    }
}

/// Compliance. AWS's texts for these are not known.
pub mod compliance {
    use super::ApiError;

    /// `Patch` or `Association`, which `owner` writes itself.
    pub fn reserved_type(compliance_type: &str, owner: &str) -> ApiError {
        ApiError::validation(format!(
            "The compliance type {compliance_type} is reserved for {owner}. Custom compliance \
             types are named Custom:<name>."
        ))
    }

    pub fn not_custom(compliance_type: &str) -> ApiError {
        ApiError::validation(format!(
            "The compliance type {compliance_type} isn't valid. Custom compliance types are \
             named Custom:<name>, such as Custom:{compliance_type}."
        ))
    }

    pub fn unsupported_resource_type(resource_type: &str) -> ApiError {
        ApiError::new(
            "InvalidResourceType",
            format!(
                "The resource type {resource_type} isn't supported. Valid resource types \
                 include: [ManagedInstance]."
            ),
        )
    }

    pub fn unknown_resource(resource_id: &str) -> ApiError {
        ApiError::new(
            "InvalidResourceId",
            format!("The resource ID {resource_id} isn't valid."),
        )
    }

    pub fn too_many_types(max: usize, resource_id: &str, have: &str) -> ApiError {
        ApiError::new(
            "ComplianceTypeCountLimitExceededException",
            format!(
                "You specified too many custom compliance types. A resource can have at most \
                 {max} custom compliance types; {resource_id} has [{have}]."
            ),
        )
    }

    pub fn too_many_items(
        resource_id: &str,
        compliance_type: &str,
        count: usize,
        max: usize,
    ) -> ApiError {
        ApiError::new(
            "TotalSizeLimitExceededException",
            format!(
                "With this upload {resource_id} would hold {count} items of {compliance_type}. \
                 A resource can hold at most {max} items of one compliance type."
            ),
        )
    }
}
