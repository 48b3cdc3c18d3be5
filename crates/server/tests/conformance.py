"""AWS's error names and messages, as boto3 sees them from sysman.

Run by `clients.py errors` (tests/aws_clients.rs). Each row of ERRORS is
one bad request: the operation, its arguments, the error code AWS answers
with and AWS's exact message. The texts are AWS's own, as real answers
and faithful records of them show; sysman must answer with the same.
A few behaviours that clients rely on are checked after the table.

Coverage: the 224 rows assert 173 distinct (operation, error code) pairs.
For the 69 AmazonSSM operations sysman serves, the botocore model lists
271 pairs, 202 without InternalServerError; the table covers 149 of them.
Its other 24 pairs are errors the model leaves out of an operation's list,
mostly ValidationException. Of the 53 listed pairs not covered, 11 are
TooManyUpdates (sysman never throttles); the others sysman answers with
another code (the model's request validation answers first, or sysman
refuses what it does not support with a ValidationException) or could only
be reached by filling the store to an account's limits.
Rows whose AWS text is not known assert sysman's own words.
"""

import datetime
import json
import os
import uuid

from botocore.exceptions import ClientError

ACCOUNT = os.environ["SYSMAN_ACCOUNT"]
NODE = os.environ["SYSMAN_NODE"]

NOT_FOUND_DOC = "The specified document does not exist."
BAD_VERSION = "The document version is not valid or does not exist."
BAD_PERMISSION_TYPE = (
    "Value 'Bogus' at 'permissionType' failed to satisfy constraint: Member must satisfy enum "
    "value set: [Share]."
)
NO_BASELINE = "Patch Baseline to be retrieved does not exist."
BAD_JSON = (
    "The document content is not valid JSON: key must be a string at line 1, column 2. Fix "
    "the content there; if the document is written in YAML, give it with DocumentFormat YAML."
)
NO_SYNC = (
    "No resource data sync named conf-sync: sysman has none; leave SyncName out to list this "
    "account's nodes"
)
NO_SETTING = (
    "The specified service setting wasn't found. Either the service name or the setting "
    "hasn't been provisioned by the Amazon Web Services service team."
)
NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)
BAD_PATH = (
    'The parameter doesn\'t meet the parameter name requirements. The parameter name must '
    'begin with a forward slash "/". It can\'t be prefixed with \\"aws\\" or \\"ssm\\" '
    "(case-insensitive). It must use only letters, numbers, or the following symbols: . "
    "(period), - (hyphen), _ (underscore). Special characters are not allowed. All "
    'sub-paths, if specified, must use the forward slash symbol "/". Valid example: '
    "/get/parameters2-/by1./path0_."
)
SHELL = '{"schemaVersion":"2.2","description":"conformance %s","mainSteps":[{"action":' \
        '"aws:runShellScript","name":"run","inputs":{"runCommand":["echo %s"]}}]}'


def setup(ssm):
    """What the rows refer to: a parameter with ten labels on version 1, an
    advanced one shared by a resource policy, a document with two versions,
    two baselines and a command."""
    ssm.put_parameter(Name="/conf/p", Value="v1", Type="String")
    ssm.put_parameter(Name="/conf/shared", Value="v", Type="String", Tier="Advanced")
    shared = ssm.put_resource_policy(ResourceArn=parameter_arn("/conf/shared"),
                                     Policy=share("/conf/shared"))
    ssm.label_parameter_version(Name="/conf/p", Labels=[f"l{i}" for i in range(10)])
    ssm.put_parameter(Name="/conf/tagged", Value="v", Type="String", Tags=tags("t", 30))
    # 100 versions, the oldest labelled: the next overwrite can't drop it.
    ssm.put_parameter(Name="/conf/full", Value="v1", Type="String")
    ssm.label_parameter_version(Name="/conf/full", Labels=["first"])
    for version in range(2, 101):
        ssm.put_parameter(Name="/conf/full", Value=f"v{version}", Overwrite=True)
    ssm.create_document(Name="Conf-Doc", Content=SHELL % ("one", "one"),
                        DocumentType="Command")
    ssm.update_document(Name="Conf-Doc", Content=SHELL % ("two", "two"),
                        DocumentVersion="$LATEST", VersionName="second")
    ssm.update_document_metadata(Name="Conf-Doc", DocumentVersion="2",
                                 DocumentReviews={"Action": "SendForReview"})
    first = ssm.create_patch_baseline(Name="conf-a", OperatingSystem="AMAZON_LINUX_2023")
    second = ssm.create_patch_baseline(Name="conf-b", OperatingSystem="AMAZON_LINUX_2023",
                                       ClientToken="conf-token")
    default = ssm.create_patch_baseline(Name="conf-c", OperatingSystem="UBUNTU")
    ssm.register_default_patch_baseline(BaselineId=default["BaselineId"])
    # The default baseline serves 25 patch groups, as many as a baseline can;
    # with the three above, 50 baselines of our own are as many as an account can.
    for i in range(25):
        ssm.register_patch_baseline_for_patch_group(BaselineId=default["BaselineId"],
                                                    PatchGroup=f"conf-full-{i}")
    for i in range(47):
        ssm.create_patch_baseline(Name=f"conf-fill-{i}", OperatingSystem="AMAZON_LINUX_2023")
    ssm.register_patch_baseline_for_patch_group(BaselineId=first["BaselineId"],
                                                PatchGroup="conf-group")
    sent = ssm.send_command(InstanceIds=[NODE], DocumentName="AWS-RunShellScript",
                            Parameters={"commands": ["true"]})
    # Ten custom compliance types on the node: an eleventh is refused.
    for i in range(10):
        ssm.put_compliance_items(ResourceId=NODE, ResourceType="ManagedInstance",
                                 ComplianceType=f"Custom:C{i}",
                                 ExecutionSummary={"ExecutionTime": NOW},
                                 Items=[{"Id": "a", "Severity": "HIGH", "Status": "COMPLIANT"}])
    ids = {"other_baseline": second["BaselineId"], "first_baseline": first["BaselineId"],
           "default_baseline": default["BaselineId"], "command_id": sent["Command"]["CommandId"],
           "policy_id": shared["PolicyId"],
           "aws_baseline": ssm.get_default_patch_baseline(
               OperatingSystem="AMAZON_LINUX_2023")["BaselineId"]}
    return ids


def parameter_arn(name, account=None):
    return f"arn:aws:ssm:us-east-1:{account or ACCOUNT}:parameter{name}"


def tags(prefix, count):
    return [{"Key": f"{prefix}{i}", "Value": "v"} for i in range(count)]


def expiration(timestamp="2099-01-01T00:00:00.000Z"):
    return {"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": timestamp}}


def share(name):
    """A policy sharing `name` with one other account for reading."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "111122223333"},
        "Action": ["ssm:GetParameter", "ssm:GetParameters"],
        "Resource": parameter_arn(name)}]})


def rows(ids):
    """(operation, arguments, code, message), one per bad request."""
    other_baseline, command_id, policy_id = (ids["other_baseline"], ids["command_id"],
                                             ids["policy_id"])
    aws_baseline, default_baseline = ids["aws_baseline"], ids["default_baseline"]
    unknown_command = str(uuid.UUID(int=7))
    unknown_baseline = "pb-0123456789abcdef0"
    shared = parameter_arn("/conf/shared")
    foreign = parameter_arn("/conf/p", account="111122223333")
    return [
        # Parameter Store
        ("get_parameter", {"Name": "/conf/none"},
         "ParameterNotFound", "Parameter /conf/none not found."),
        ("get_parameter", {"Name": "/conf/p:5"},
         "ParameterVersionNotFound",
         "Systems Manager could not find version 5 of /conf/p. Verify the version and try "
         "again."),
        ("get_parameter", {"Name": "/conf/p:"},
         "ValidationException",
         "Parameter name /conf/p: isn't valid. A version or a label must follow the colon."),
        ("get_parameter", {"Name": "/conf/p:nolabel"},
         "ParameterVersionNotFound",
         "Systems Manager could not find version nolabel of /conf/p. Verify the version and "
         "try again."),
        ("delete_parameter", {"Name": "/conf/none"},
         "ParameterNotFound", "Parameter /conf/none not found."),
        ("get_parameter_history", {"Name": "/conf/none"},
         "ParameterNotFound", "Parameter /conf/none not found."),
        ("get_parameter_history", {"Name": "/conf/p", "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("label_parameter_version", {"Name": "/conf/none", "Labels": ["a"]},
         "ParameterNotFound", "Parameter /conf/none not found."),
        ("label_parameter_version",
         {"Name": "/conf/p", "ParameterVersion": 9, "Labels": ["a"]},
         "ParameterVersionNotFound",
         "Systems Manager could not find version 9 of /conf/p. Verify the version and try "
         "again."),
        ("label_parameter_version", {"Name": "/conf/p", "Labels": ["eleventh"]},
         "ParameterVersionLabelLimitExceeded",
         "A parameter version can have maximum 10 labels. Move one or more labels to another "
         "version and try again."),
        ("put_parameter", {"Name": "/conf/p", "Value": "v2", "Type": "String"},
         "ParameterAlreadyExists",
         "The parameter already exists. To overwrite this value, set the overwrite option in "
         "the request to true."),
        ("put_parameter", {"Name": "/conf/new", "Value": "v"},
         "ValidationException", "A parameter type is required when you create a parameter."),
        ("put_parameter", {"Name": "awsconf", "Value": "v", "Type": "String"},
         "ValidationException",
         'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).'),
        ("put_parameter", {"Name": "/aws/conf", "Value": "v", "Type": "String"},
         "AccessDeniedException", "No access to reserved parameter name: /aws/conf."),
        ("put_parameter", {"Name": "/conf/a b", "Value": "v", "Type": "String"},
         "ValidationException",
         'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a '
         "path, it can consist of sub-paths divided by slash symbol; each sub-path can be "
         "formed as a mix of letters, numbers and the following 3 symbols .-_"),
        ("put_parameter",
         {"Name": "/conf/p", "Value": "v", "Type": "String", "Overwrite": True,
          "Tags": [{"Key": "a", "Value": "b"}]},
         "ValidationException",
         "Invalid request: tags and overwrite can't be used together. To create a parameter "
         "with tags, please remove overwrite flag. To update tags for an existing parameter, "
         "please use AddTagsToResource or RemoveTagsFromResource."),
        ("put_parameter", {"Name": "/conf/big", "Value": "x" * 4097, "Type": "String"},
         "ValidationException",
         "Standard tier parameters support a maximum parameter value of 4096 characters. To "
         "create a larger parameter value, upgrade the parameter to use the advanced-parameter "
         "tier. For more information, see "
         "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
         "parameter-store-advanced-parameters.html"),
        ("put_parameter",
         {"Name": "/conf/ref", "Value": "{{ssm:/conf/p}}", "Type": "String"},
         "ValidationException",
         'Parameter value can\'t nest another parameter. Do not use "{{}}" in the value.'),
        ("put_parameter",
         {"Name": "/conf/dt", "Value": "v", "Type": "String", "DataType": "json"},
         "ValidationException",
         "The following data type is not supported: json (Data type names are all "
         "lowercase.)"),
        ("put_parameter", {"Name": "/conf/t", "Value": "v", "Type": "Bogus"},
         "ValidationException",
         "1 validation error detected: Value 'Bogus' at 'type' failed to satisfy constraint: "
         "Member must satisfy enum value set: [SecureString, StringList, String]"),
        ("put_parameter", {"Name": "/conf/t", "Value": "v", "Type": "String", "Tier": "Bogus"},
         "ValidationException",
         "1 validation error detected: Value 'Bogus' at 'tier' failed to satisfy constraint: "
         "Member must satisfy enum value set: [Intelligent-Tiering, Advanced, Standard]"),
        ("put_parameter",
         {"Name": "/conf/p", "Value": "v", "Type": "SecureString", "Overwrite": True},
         "HierarchyTypeMismatchException",
         "Parameter Store doesn't support changing a parameter type in a hierarchy. For "
         "example, you can't change a parameter from a String type to a SecureString type. "
         "You must create a new, unique parameter."),
        ("put_parameter",
         {"Name": "".join(f"/l{i}" for i in range(16)), "Value": "v", "Type": "String"},
         "HierarchyLevelLimitExceededException",
         "A hierarchy can have a maximum of 15 levels. For more information, see Requirements "
         "and constraints for parameter names in the AWS Systems Manager User Guide."),
        ("put_parameter", {"Name": "/" + "n" * 1011, "Value": "v", "Type": "String"},
         "ValidationException", "Parameter name: can't be longer than 1011 characters."),
        ("put_parameter",
         {"Name": "/conf/t", "Value": "abc", "Type": "String", "AllowedPattern": r"^\d+$"},
         "ParameterPatternMismatchException",
         r"Parameter value, cannot be validated against allowedPattern: ^\d+$"),
        ("put_parameter",
         {"Name": "/conf/t", "Value": "abc", "Type": "String", "AllowedPattern": "("},
         "InvalidAllowedPatternException",
         "The allowed pattern isn't a valid regular expression: ("),
        ("put_parameter",
         {"Name": "/conf/t", "Value": "v", "Type": "String", "KeyId": "alias/aws/ssm"},
         "ValidationException", "KeyId can be specified only for a SecureString parameter."),
        ("put_parameter",
         {"Name": "/conf/t", "Value": "v", "Type": "SecureString", "KeyId": "alias/conf-none"},
         "InvalidKeyId", "Alias alias/conf-none is not found."),
        ("put_parameter",
         {"Name": "/conf/full", "Value": "v101", "Overwrite": True},
         "ParameterMaxVersionLimitExceeded",
         "You attempted to create a new version of /conf/full by calling the PutParameter API "
         "with the overwrite flag. Version 1, the oldest version, can't be deleted because it "
         "has a label associated with it. Move the label to another version of the parameter, "
         "and try again."),
        ("put_parameter",
         {"Name": "/conf/shared", "Value": "v", "Tier": "Standard", "Overwrite": True},
         "ValidationException",
         "This parameter uses the advanced-parameter tier. You can't downgrade a parameter "
         "from the advanced-parameter tier to the standard-parameter tier. If necessary, you "
         "can delete the advanced parameter and recreate it as a standard parameter."),
        ("put_parameter",
         {"Name": "/conf/big", "Value": "x" * 8193, "Type": "String", "Tier": "Advanced"},
         "ValidationException",
         "1 validation error detected: Value at 'value' failed to satisfy constraint: Member "
         "must have length less than or equal to 8192"),
        ("put_parameter",
         {"Name": "/conf/p", "Value": "ami-12345678", "Overwrite": True,
          "DataType": "aws:ec2:image"},
         "ValidationException",
         "The data type of an existing parameter can't be changed. To use another data type, "
         "create a new parameter."),
        ("put_parameter",
         {"Name": "/conf/ami", "Value": "x", "Type": "String", "DataType": "aws:ec2:image"},
         "ValidationException",
         "The value of a parameter with the data type aws:ec2:image must be an Amazon Machine "
         "Image (AMI) ID, such as ami-0123456789abcdef0."),
        ("put_parameter",
         {"Name": "/conf/ami", "Value": "ami-12345678", "Type": "StringList",
          "DataType": "aws:ec2:image"},
         "ValidationException",
         "The data type aws:ec2:image is supported only for parameters of type String."),
        # Parameter policies (AWS's texts are not known beyond the model's)
        ("put_parameter",
         {"Name": "/conf/pol", "Value": "v", "Type": "String",
          "Policies": json.dumps([expiration()])},
         "ValidationException",
         "Parameter policies are supported only for parameters that use the "
         "advanced-parameter tier."),
        ("put_parameter",
         {"Name": "/conf/pol", "Value": "v", "Type": "String", "Tier": "Advanced",
          "Policies": "not json"},
         "InvalidPolicyTypeException",
         "The policies aren't valid. Policies must be a JSON array of policies, each with "
         "Type, Version and Attributes."),
        ("put_parameter",
         {"Name": "/conf/pol", "Value": "v", "Type": "String", "Tier": "Advanced",
          "Policies": json.dumps([{"Type": "Bogus", "Version": "1.0", "Attributes": {}}])},
         "InvalidPolicyTypeException",
         "The policy type Bogus isn't supported. Parameter Store supports the following "
         "policy types: Expiration, ExpirationNotification, and NoChangeNotification."),
        ("put_parameter",
         {"Name": "/conf/pol", "Value": "v", "Type": "String", "Tier": "Advanced",
          "Policies": json.dumps([expiration()] * 11)},
         "PoliciesLimitExceededException",
         "You specified more than the maximum number of allowed policies for the parameter. "
         "The maximum is 10."),
        ("put_parameter",
         {"Name": "/conf/pol", "Value": "v", "Type": "String", "Tier": "Advanced",
          "Policies": json.dumps([expiration()] * 2)},
         "IncompatiblePolicyException",
         "There is a conflict in the policies specified for this parameter. You can't, for "
         "example, specify two Expiration policies for a parameter. Review your policies, and "
         "try again."),
        ("put_parameter",
         {"Name": "/conf/pol", "Value": "v", "Type": "String", "Tier": "Advanced",
          "Policies": json.dumps([{"Type": "ExpirationNotification", "Version": "1.0",
                                   "Attributes": {"Before": "15", "Unit": "Days"}}])},
         "IncompatiblePolicyException",
         "An ExpirationNotification policy requires an Expiration policy."),
        ("put_parameter",
         {"Name": "/conf/pol", "Value": "v", "Type": "String", "Tier": "Advanced",
          "Policies": json.dumps([expiration("2000-01-01T00:00:00.000Z")])},
         "InvalidPolicyAttributeException",
         "A policy attribute or its value is invalid. Expiration: Attributes.Timestamp "
         "2000-01-01T00:00:00Z must be in the future."),
        ("describe_parameters",
         {"Filters": [{"Key": "Name", "Values": ["x"]}],
          "ParameterFilters": [{"Key": "Name", "Values": ["x"]}]},
         "ValidationException",
         "You can use either Filters or ParameterFilters in a single request."),
        ("describe_parameters", {"ParameterFilters": [{"Key": "Label", "Values": ["x"]}]},
         "InvalidFilterKey",
         "The following filter key is not valid: Label. Valid filter keys include: [Path, "
         "Name, Type, KeyId, Tier]."),
        ("describe_parameters", {"ParameterFilters": [{"Key": "Name"}]},
         "InvalidFilterValue",
         "The following filter values are missing : null for filter key Name."),
        ("describe_parameters",
         {"ParameterFilters": [{"Key": "Type", "Values": ["String"]},
                               {"Key": "Type", "Values": ["SecureString"]}]},
         "InvalidFilterKey",
         "The following filter is duplicated in the request: Type. A request can contain only "
         "one occurrence of a specific filter."),
        ("describe_parameters",
         {"ParameterFilters": [{"Key": "Path", "Option": "Equals", "Values": ["/conf"]}]},
         "InvalidFilterOption",
         "The following filter option is not valid: Equals. Valid options include: "
         "[Recursive, OneLevel]."),
        ("describe_parameters",
         {"ParameterFilters": [{"Key": "Type", "Values": ["Secret"]}]},
         "InvalidFilterValue",
         "The following filter value is not valid: Secret. Valid values include: [String, "
         "StringList, SecureString]."),
        ("describe_parameters", {"ParameterFilters": [{"Key": "Path", "Values": ["/###"]}]},
         "ValidationException", BAD_PATH),
        ("describe_parameters", {"ParameterFilters": [{"Key": "Path", "Values": ["//"]}]},
         "ValidationException", BAD_PATH),
        ("describe_parameters", {"ParameterFilters": [{"Key": "Path", "Values": ["test"]}]},
         "ValidationException", BAD_PATH),
        ("describe_parameters", {"ParameterFilters": [{"Key": "Path", "Values": ["/aws"]}]},
         "ValidationException",
         'Filters for common parameters can\'t be prefixed with "aws" or "ssm" '
         "(case-insensitive). When using global parameters, please specify within a global "
         "namespace."),
        ("describe_parameters", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("get_parameters_by_path", {"Path": "test"}, "ValidationException", BAD_PATH),
        ("get_parameters_by_path",
         {"Path": "/conf", "ParameterFilters": [{"Key": "Name", "Values": ["x"]}]},
         "InvalidFilterKey",
         "The following filter key is not valid: Name. Valid filter keys include: [Type, "
         "KeyId]."),
        ("get_parameters_by_path", {"Path": "/conf", "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("get_parameters_by_path",
         {"Path": "/conf", "ParameterFilters": [{"Key": "Type", "Values": ["Secret"]}]},
         "InvalidFilterValue",
         "The following filter value is not valid: Secret. Valid values include: [String, "
         "StringList, SecureString]."),
        ("get_parameters", {"Names": [f"/conf/n{i}" for i in range(11)]},
         "ValidationException",
         "1 validation error detected: Value '[/conf/n0, /conf/n1, /conf/n2, /conf/n3, "
         "/conf/n4, /conf/n5, /conf/n6, /conf/n7, /conf/n8, /conf/n9, /conf/n10]' at 'names' "
         "failed to satisfy constraint: Member must have length less than or equal to 10"),
        ("unlabel_parameter_version",
         {"Name": "/conf/none", "ParameterVersion": 1, "Labels": ["a"]},
         "ParameterNotFound", "Parameter /conf/none not found."),
        ("unlabel_parameter_version",
         {"Name": "/conf/p", "ParameterVersion": 9, "Labels": ["a"]},
         "ParameterVersionNotFound",
         "Systems Manager could not find version 9 of /conf/p. Verify the version and try "
         "again."),
        # Resource policies on parameters (AWS's texts are not known; these
        # are the model's descriptions of the errors, or written as AWS writes)
        ("get_parameter", {"Name": foreign},
         "AccessDeniedException",
         f"User: arn:aws:iam::{ACCOUNT}:user/admin is not authorized to perform: "
         f"ssm:GetParameter on resource: {foreign} because no resource-based policy allows "
         "the ssm:GetParameter action"),
        ("put_resource_policy",
         {"ResourceArn": parameter_arn("/conf/p"), "Policy": share("/conf/p")},
         "ResourcePolicyInvalidParameterException",
         "Parameter /conf/p is in the Standard tier. Only parameters in the Advanced tier can "
         "be shared."),
        ("put_resource_policy",
         {"ResourceArn": shared, "Policy": share("/conf/shared"), "PolicyId": policy_id},
         "ResourcePolicyInvalidParameterException",
         "PolicyHash is required to update a policy. Specify the PolicyId and PolicyHash of "
         "the policy."),
        ("put_resource_policy",
         {"ResourceArn": shared, "Policy": share("/conf/shared"), "PolicyId": policy_id,
          "PolicyHash": "stale"},
         "ResourcePolicyConflictException",
         "The hash provided in the call doesn't match the stored hash."),
        ("put_resource_policy",
         {"ResourceArn": shared, "Policy": share("/conf/shared"), "PolicyHash": "h"},
         "ResourcePolicyInvalidParameterException",
         "PolicyId is required when PolicyHash is specified."),
        ("put_resource_policy",
         {"ResourceArn": parameter_arn("/conf/none"), "Policy": share("/conf/none")},
         "ResourceNotFoundException", "The specified parameter to be shared could not be found."),
        ("put_resource_policy", {"ResourceArn": shared, "Policy": "not json"},
         "MalformedResourcePolicyDocumentException",
         "The specified policy document is malformed or invalid. The policy is not valid "
         "JSON: expected ident at line 1 column 2."),
        ("put_resource_policy",
         {"ResourceArn": shared, "Policy": share("/conf/shared"), "PolicyId": "no-such-policy",
          "PolicyHash": "h"},
         "ResourcePolicyNotFoundException",
         "No policies with the specified policy ID and hash could be found."),
        ("put_resource_policy", {"ResourceArn": shared, "Policy": "x" * 1025},
         "ResourcePolicyLimitExceededException",
         "A policy can't be greater than 1024 bytes in size."),
        ("put_resource_policy",
         {"ResourceArn": shared, "Policy": share("/conf/shared").replace(
             "ssm:GetParameters", "ssm:PutParameter")},
         "MalformedResourcePolicyDocumentException",
         "The specified policy document is malformed or invalid. Action ssm:PutParameter "
         "can't be shared. A parameter can be shared for ssm:GetParameter, "
         "ssm:GetParameters, ssm:DescribeParameters and ssm:GetParameterHistory only."),
        ("get_resource_policies",
         {"ResourceArn": f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/Conf-Doc"},
         "ResourcePolicyInvalidParameterException",
         f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/Conf-Doc is not a valid parameter ARN. "
         "Only parameters can have resource policies."),
        ("get_resource_policies", {"ResourceArn": parameter_arn("/conf/none")},
         "ResourceNotFoundException", "The specified parameter to be shared could not be found."),
        ("delete_resource_policy",
         {"ResourceArn": shared, "PolicyId": policy_id, "PolicyHash": "stale"},
         "ResourcePolicyConflictException",
         "The hash provided in the call doesn't match the stored hash."),
        ("delete_resource_policy",
         {"ResourceArn": shared, "PolicyId": "no-such-policy", "PolicyHash": "stale"},
         "ResourcePolicyNotFoundException",
         "No policies with the specified policy ID and hash could be found."),
        ("delete_resource_policy",
         {"ResourceArn": parameter_arn("/conf/none"), "PolicyId": policy_id,
          "PolicyHash": "h"},
         "ResourceNotFoundException", "The specified parameter to be shared could not be found."),
        # Documents
        ("describe_document", {"Name": "No-Such-Doc"}, "InvalidDocument", NOT_FOUND_DOC),
        ("describe_document", {"Name": "Conf-Doc", "DocumentVersion": "9"},
         "InvalidDocumentVersion", BAD_VERSION),
        ("get_document", {"Name": "No-Such-Doc"}, "InvalidDocument", NOT_FOUND_DOC),
        ("get_document", {"Name": "Conf-Doc", "DocumentVersion": "9"},
         "InvalidDocumentVersion", BAD_VERSION),
        ("delete_document", {"Name": "No-Such-Doc"}, "InvalidDocument", NOT_FOUND_DOC),
        ("delete_document", {"Name": "Conf-Doc", "DocumentVersion": "1"},
         "InvalidDocumentOperation", "Default version of the document can't be deleted."),
        ("delete_document", {"Name": "AWS-RunShellScript"},
         "InvalidDocumentOperation",
         "You can't update or delete a document that is owned by Amazon."),
        ("update_document",
         {"Name": "No-Such-Doc", "Content": SHELL % ("x", "x"), "DocumentVersion": "$LATEST"},
         "InvalidDocument", NOT_FOUND_DOC),
        ("update_document",
         {"Name": "Conf-Doc", "Content": SHELL % ("three", "three"), "DocumentVersion": "1"},
         "InvalidDocumentVersion", BAD_VERSION),
        ("update_document",
         {"Name": "Conf-Doc", "Content": SHELL % ("one", "one"), "DocumentVersion": "$LATEST"},
         "DuplicateDocumentContent",
         "The content of the association document matches another document. Change the "
         "content of the document and try again."),
        ("update_document",
         {"Name": "Conf-Doc", "Content": SHELL % ("three", "three"),
          "DocumentVersion": "$LATEST", "VersionName": "second"},
         "DuplicateDocumentVersionName", "The specified version name is a duplicate."),
        ("update_document",
         {"Name": "Conf-Doc", "Content": SHELL % ("x", "x" * 64 * 1024),
          "DocumentVersion": "$LATEST"},
         "MaxDocumentSizeExceeded", "The size limit of a document is 64 KB."),
        ("update_document",
         {"Name": "Conf-Doc", "Content": "{not json", "DocumentVersion": "$LATEST"},
         "InvalidDocumentContent", BAD_JSON),
        ("update_document",
         {"Name": "Conf-Doc", "Content": SHELL.replace("2.2", "9.9") % ("x", "x"),
          "DocumentVersion": "$LATEST"},
         "InvalidDocumentSchemaVersion",
         "Command documents use schemaVersion 2.2 or 1.2 here, but this document gives "
         "schemaVersion '9.9'. Write the document in the 2.2 shape (steps under mainSteps) and "
         'set schemaVersion to "2.2".'),
        ("update_document",
         {"Name": "AWS-RunShellScript", "Content": SHELL % ("x", "x"),
          "DocumentVersion": "$LATEST"},
         "InvalidDocumentOperation",
         "You can't update or delete a document that is owned by Amazon."),
        ("create_document", {"Name": "Conf-Doc", "Content": SHELL % ("x", "x")},
         "DocumentAlreadyExists", "The specified document already exists."),
        ("create_document", {"Name": "AWS-Conf", "Content": SHELL % ("x", "x")},
         "ValidationException", "Document names can't begin with aws, amazon, or amzn."),
        ("create_document", {"Name": "a b", "Content": SHELL % ("x", "x")},
         "ValidationException",
         "1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: "
         r"Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\-.]{3,128}$"),
        ("create_document",
         {"Name": "Conf-Auto", "Content": SHELL % ("x", "x"), "DocumentType": "Automation"},
         "InvalidDocumentType", "The document type Automation isn't supported."),
        ("create_document",
         {"Name": "Conf-Big", "Content": SHELL % ("x", "x" * 64 * 1024)},
         "MaxDocumentSizeExceeded", "The size limit of a document is 64 KB."),
        ("create_document",
         {"Name": "Conf-Text", "Content": "echo hi", "DocumentFormat": "TEXT"},
         "InvalidDocumentContent",
         "The content for the document is not valid. Command documents must be in JSON or "
         "YAML format."),
        ("create_document", {"Name": "Conf-Bad", "Content": "{not json"},
         "InvalidDocumentContent", BAD_JSON),
        ("create_document",
         {"Name": "Conf-Bad", "Content": SHELL.replace("2.2", "9.9") % ("x", "x")},
         "InvalidDocumentSchemaVersion",
         "Command documents use schemaVersion 2.2 or 1.2 here, but this document gives "
         "schemaVersion '9.9'. Write the document in the 2.2 shape (steps under mainSteps) and "
         'set schemaVersion to "2.2".'),
        ("list_documents", {"Filters": [{"Key": "Bogus", "Values": ["x"]}]},
         "InvalidFilterKey",
         "The following filter key is not valid: Bogus. Valid filter keys include: [Owner, "
         "DocumentType, Name, PlatformTypes, SearchKeyword, tag:<key>]."),
        ("list_documents", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("list_document_versions", {"Name": "No-Such-Doc"}, "InvalidDocument", NOT_FOUND_DOC),
        ("list_document_versions", {"Name": "Conf-Doc", "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("update_document_default_version", {"Name": "No-Such-Doc", "DocumentVersion": "1"},
         "InvalidDocument", NOT_FOUND_DOC),
        ("update_document_default_version", {"Name": "Conf-Doc", "DocumentVersion": "9"},
         "InvalidDocumentVersion", BAD_VERSION),
        ("modify_document_permission",
         {"Name": "No-Such-Doc", "PermissionType": "Share", "AccountIdsToAdd": ["111122223333"]},
         "InvalidDocument", NOT_FOUND_DOC),
        ("modify_document_permission",
         {"Name": "Conf-Doc", "PermissionType": "Bogus", "AccountIdsToAdd": ["111122223333"]},
         "InvalidPermissionType", BAD_PERMISSION_TYPE),
        ("modify_document_permission",
         {"Name": "Conf-Doc", "PermissionType": "Share",
          "AccountIdsToAdd": ["all", "111122223333"]},
         "DocumentPermissionLimit", "Accounts can either be all or a group of AWS accounts"),
        ("describe_document_permission", {"Name": "No-Such-Doc", "PermissionType": "Share"},
         "InvalidDocument", NOT_FOUND_DOC),
        ("describe_document_permission", {"Name": "Conf-Doc", "PermissionType": "Bogus"},
         "InvalidPermissionType", BAD_PERMISSION_TYPE),
        ("describe_document_permission",
         {"Name": "Conf-Doc", "PermissionType": "Share", "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("update_document_metadata",
         {"Name": "No-Such-Doc", "DocumentReviews": {"Action": "SendForReview"}},
         "InvalidDocument", NOT_FOUND_DOC),
        ("update_document_metadata",
         {"Name": "Conf-Doc", "DocumentVersion": "9",
          "DocumentReviews": {"Action": "SendForReview"}},
         "InvalidDocumentVersion", BAD_VERSION),
        ("update_document_metadata",
         {"Name": "AWS-RunShellScript", "DocumentReviews": {"Action": "SendForReview"}},
         "InvalidDocumentOperation",
         "You can't update or delete a document that is owned by Amazon."),
        ("update_document_metadata",
         {"Name": "Conf-Doc", "DocumentVersion": "2",
          "DocumentReviews": {"Action": "SendForReview"}},
         "InvalidDocumentOperation", "Version 2 of Conf-Doc is already pending review"),
        ("update_document_metadata",
         {"Name": "Conf-Doc", "DocumentVersion": "1", "DocumentReviews": {"Action": "Approve"}},
         "InvalidDocumentOperation",
         "Version 1 of Conf-Doc is not pending review; send it for review first"),
        ("list_document_metadata_history", {"Name": "No-Such-Doc", "Metadata": "DocumentReviews"},
         "InvalidDocument", NOT_FOUND_DOC),
        ("list_document_metadata_history",
         {"Name": "Conf-Doc", "DocumentVersion": "9", "Metadata": "DocumentReviews"},
         "InvalidDocumentVersion", BAD_VERSION),
        ("list_document_metadata_history",
         {"Name": "Conf-Doc", "Metadata": "DocumentReviews", "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        # Run Command
        ("list_commands", {"CommandId": unknown_command},
         "InvalidCommandId", "Invalid command id."),
        ("list_commands", {"Filters": [{"key": "Bogus", "value": "x"}]},
         "ValidationException",
         "1 validation error detected: Value 'Bogus' at 'filters.1.member.key' failed to "
         "satisfy constraint: Member must satisfy enum value set: [DocumentName, "
         "ExecutionStage, Status, InvokedBefore, InvokedAfter]"),
        ("list_commands", {"Filters": [{"key": "ExecutionStage", "value": "Done"}]},
         "ValidationException",
         "The value Done isn't valid for the filter ExecutionStage. Valid values include: "
         "[Executing, Complete]."),
        ("list_commands", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("cancel_command", {"CommandId": unknown_command},
         "InvalidCommandId", "Invalid command id."),
        ("cancel_command",
         {"CommandId": command_id, "InstanceIds": ["mi-0123456789abcdef0"]},
         "InvalidInstanceId",
         f"Instances [[mi-0123456789abcdef0]] not in a valid state for account {ACCOUNT}"),
        ("cancel_command", {"CommandId": command_id, "InstanceIds": [NODE, NODE]},
         "DuplicateInstanceId", f"The managed node ID {NODE} is specified more than once."),
        ("get_command_invocation",
         {"CommandId": command_id, "InstanceId": "mi-0123456789abcdef0"},
         "InvocationDoesNotExist", ""),
        ("get_command_invocation", {"CommandId": unknown_command, "InstanceId": NODE},
         "InvalidCommandId", "Invalid command id."),
        ("get_command_invocation",
         {"CommandId": command_id, "InstanceId": NODE, "PluginName": "nope"},
         "InvalidPluginName",
         "The plugin name nope isn't valid. Valid plugin names include: [aws:runShellScript]."),
        ("send_command",
         {"InstanceIds": ["mi-0123456789abcdef0"], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"]}},
         "InvalidInstanceId",
         f"Instances [[mi-0123456789abcdef0]] not in a valid state for account {ACCOUNT}"),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "No-Such-Doc"},
         "InvalidDocument", NOT_FOUND_DOC),
        ("send_command",
         {"InstanceIds": [NODE, NODE], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"]}},
         "DuplicateInstanceId", f"The managed node ID {NODE} is specified more than once."),
        ("send_command",
         {"InstanceIds": [NODE], "Targets": [{"Key": "InstanceIds", "Values": [NODE]}],
          "DocumentName": "AWS-RunShellScript", "Parameters": {"commands": ["true"]}},
         "ValidationException", "Specify either InstanceIds or Targets, but not both."),
        ("send_command",
         {"Targets": [{"Key": "bogus", "Values": ["x"]}], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"]}},
         "ValidationException",
         "The target key bogus isn't supported. Valid target keys include: [InstanceIds, "
         "tag:<key>, tag-key]."),
        # Notifications and service roles are not supported: a precise refusal.
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"]},
          "ServiceRoleArn": "arn:aws:iam::123456789012:role/r"},
         "ValidationException", "ServiceRoleArn isn't supported."),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"]},
          "NotificationConfig": {"NotificationArn": "arn:aws:sns:us-east-1:1:t"}},
         "ValidationException", "NotificationConfig isn't supported."),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"]}, "DocumentHashType": "Sha1"},
         "ValidationException",
         "The document hash type Sha1 isn't supported. Valid values include: [Sha256]."),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"]}, "DocumentHash": "0" * 64},
         "InvalidDocument", "The document hash doesn't match the specified document version."),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "Conf-Doc", "DocumentVersion": "9"},
         "InvalidDocumentVersion", BAD_VERSION),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"], "bogus": ["x"]}},
         "InvalidParameters",
         "'bogus' is not a parameter of this document; the document declares commands, "
         "workingDirectory, executionTimeout."),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"], "executionTimeout": ["soon"]}},
         "InvalidParameters",
         "Parameter executionTimeout has the value 'soon', which does not match the allowed "
         "pattern '([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|"
         "(172800)' (the whole value must match)."),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"]}, "OutputS3BucketName": "Bad_Bucket"},
         "ValidationException",
         "The S3 bucket name 'Bad_Bucket' is not valid: a bucket name is 3 to 63 lower-case "
         "letters, digits, dots and hyphens, begins and ends with a letter or digit, and has "
         "no two dots together"),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"]}, "OutputS3KeyPrefix": "out"},
         "ValidationException",
         "OutputS3KeyPrefix is given without OutputS3BucketName; name the bucket too"),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "AWS-RunPowerShellScript",
          "Parameters": {"commands": ["true"]}},
         "UnsupportedPlatformType",
         "The document doesn't support the platform type of the given managed node IDs: "
         f"[{NODE}]."),
        ("list_command_invocations", {"CommandId": unknown_command},
         "InvalidCommandId", "Invalid command id."),
        ("list_command_invocations", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        # Patch baselines and groups
        ("get_patch_baseline", {"BaselineId": unknown_baseline},
         "DoesNotExistException", NO_BASELINE),
        ("update_patch_baseline", {"BaselineId": unknown_baseline, "Name": "x-y-z"},
         "DoesNotExistException", NO_BASELINE),
        ("update_patch_baseline", {"BaselineId": aws_baseline, "Name": "x-y-z"},
         "InvalidResourceId",
         f"The patch baseline {aws_baseline} is owned by AWS and can't be changed or deleted."),
        ("register_patch_baseline_for_patch_group",
         {"BaselineId": unknown_baseline, "PatchGroup": "conf-group"},
         "DoesNotExistException", NO_BASELINE),
        ("register_patch_baseline_for_patch_group",
         {"BaselineId": other_baseline, "PatchGroup": "conf-group"},
         "AlreadyExistsException",
         "Patch Group baseline already has a baseline registered for OperatingSystem "
         "AMAZON_LINUX_2023."),
        ("register_patch_baseline_for_patch_group",
         {"BaselineId": default_baseline, "PatchGroup": "conf-26th"},
         "ResourceLimitExceededException",
         "A patch baseline can be registered for at most 25 patch groups."),
        ("deregister_patch_baseline_for_patch_group",
         {"BaselineId": unknown_baseline, "PatchGroup": "conf-group"},
         "DoesNotExistException", NO_BASELINE),
        ("deregister_patch_baseline_for_patch_group",
         {"BaselineId": other_baseline, "PatchGroup": "conf-group"},
         "InvalidResourceId",
         f"The patch group conf-group isn't registered with the patch baseline "
         f"{other_baseline}."),
        ("delete_patch_baseline", {"BaselineId": aws_baseline},
         "InvalidResourceId",
         f"The patch baseline {aws_baseline} is owned by AWS and can't be changed or deleted."),
        ("delete_patch_baseline", {"BaselineId": ids["first_baseline"]},
         "ResourceInUseException",
         f"The patch baseline {ids['first_baseline']} is registered for the patch groups "
         "[conf-group] and can't be deleted."),
        ("delete_patch_baseline", {"BaselineId": default_baseline},
         "ResourceInUseException",
         f"The patch baseline {default_baseline} is the default patch baseline for UBUNTU and "
         "can't be deleted."),
        ("delete_patch_baseline", {"BaselineId": unknown_baseline},
         "DoesNotExistException", NO_BASELINE),
        ("create_patch_baseline",
         {"Name": "conf-other", "OperatingSystem": "AMAZON_LINUX_2023",
          "ClientToken": "conf-token"},
         "IdempotentParameterMismatch",
         "Error returned when an idempotent operation is retried and the parameters don't "
         "match the original call to the API with the same idempotency token."),
        ("create_patch_baseline",
         {"Name": "conf-rules", "OperatingSystem": "AMAZON_LINUX_2023",
          "ApprovalRules": {"PatchRules": [{
              "PatchFilterGroup": {"PatchFilters": [
                  {"Key": "SEVERITY", "Values": ["Critical"]}]},
              "ApproveAfterDays": 7, "ApproveUntilDate": "2026-01-01"}]}},
         "ValidationException",
         "Approval rule 1 specifies both ApproveAfterDays and ApproveUntilDate. Specify only "
         "one."),
        ("create_patch_baseline",
         {"Name": "conf-rules", "OperatingSystem": "AMAZON_LINUX_2023",
          "ApprovalRules": {"PatchRules": [{
              "PatchFilterGroup": {"PatchFilters": [
                  {"Key": "SEVERITY", "Values": ["Critical"]}]}}]}},
         "ValidationException",
         "Approval rule 1 specifies neither ApproveAfterDays nor ApproveUntilDate. Specify "
         "one."),
        ("create_patch_baseline",
         {"Name": "conf-rules", "OperatingSystem": "AMAZON_LINUX_2023",
          "ApprovalRules": {"PatchRules": [{
              "PatchFilterGroup": {"PatchFilters": [
                  {"Key": "SEVERITY", "Values": ["Critical"]}]},
              "ApproveUntilDate": "soon"}]}},
         "ValidationException",
         "The value soon of approvalRules.patchRules.1.member.approveUntilDate isn't valid. "
         "Specify a date in the format YYYY-MM-DD."),
        ("create_patch_baseline",
         {"Name": "conf-rules", "OperatingSystem": "AMAZON_LINUX_2023",
          "GlobalFilters": {"PatchFilters": [{"Key": "SEVERITY", "Values": ["Critical"]},
                                             {"Key": "SEVERITY", "Values": ["Important"]}]}},
         "ValidationException",
         "The patch filter key SEVERITY is specified more than once. Each key can appear only "
         "once."),
        ("create_patch_baseline",
         {"Name": "conf-rules", "OperatingSystem": "AMAZON_LINUX_2023",
          "GlobalFilters": {"PatchFilters": [{"Key": "MSRC_SEVERITY", "Values": ["Critical"]}]}},
         "ValidationException",
         "The patch filter key MSRC_SEVERITY isn't supported for the operating system "
         "AMAZON_LINUX_2023. Valid keys include: [PRODUCT, CLASSIFICATION, SEVERITY, ARCH, "
         "ADVISORY_ID, BUGZILLA_ID, CVE_ID, EPOCH, NAME, RELEASE, REPOSITORY, SECURITY, "
         "VERSION]."),
        ("create_patch_baseline",
         {"Name": "conf-rules", "OperatingSystem": "WINDOWS",
          "Sources": [{"Name": "conf-src", "Products": ["x"], "Configuration": "c"}]},
         "ValidationException",
         "Sources are supported only for Linux operating systems, not WINDOWS."),
        ("create_patch_baseline", {"Name": "conf-51st", "OperatingSystem": "UBUNTU"},
         "ResourceLimitExceededException", "You can create at most 50 patch baselines."),
        ("register_default_patch_baseline", {"BaselineId": unknown_baseline},
         "DoesNotExistException", NO_BASELINE),
        ("describe_effective_patches_for_patch_baseline", {"BaselineId": unknown_baseline},
         "DoesNotExistException", NO_BASELINE),
        ("describe_effective_patches_for_patch_baseline",
         {"BaselineId": other_baseline, "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("describe_patch_baselines", {"Filters": [{"Key": "Bogus", "Values": ["x"]}]},
         "ValidationException",
         "The following filter key is not valid: Bogus. Valid filter keys include: "
         "[NAME_PREFIX, OWNER, OPERATING_SYSTEM]."),
        ("describe_patch_groups", {"Filters": [{"Key": "Bogus", "Values": ["x"]}]},
         "ValidationException",
         "The following filter key is not valid: Bogus. Valid filter keys include: "
         "[NAME_PREFIX, OPERATING_SYSTEM]."),
        ("describe_available_patches", {"Filters": [{"Key": "Bogus", "Values": ["x"]}]},
         "ValidationException",
         "The following filter key is not valid: Bogus. Valid filter keys include: [ARCH, "
         "ADVISORY_ID, BUGZILLA_ID, PATCH_SET, PRODUCT, PRODUCT_FAMILY, CLASSIFICATION, CVE_ID, "
         "EPOCH, MSRC_SEVERITY, NAME, PATCH_ID, SECTION, PRIORITY, REPOSITORY, RELEASE, "
         "SEVERITY, SECURITY, VERSION]."),
        ("describe_instance_patches", {"InstanceId": "mi-0123456789abcdef0"},
         "InvalidInstanceId",
         f"Instances [[mi-0123456789abcdef0]] not in a valid state for account {ACCOUNT}"),
        ("describe_instance_patches",
         {"InstanceId": NODE, "Filters": [{"Key": "Bogus", "Values": ["x"]}]},
         "InvalidFilter",
         "The following filter key is not valid: Bogus. Valid filter keys include: "
         "[Classification, KBId, Severity, State]."),
        ("describe_instance_patches", {"InstanceId": NODE, "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("describe_instance_patch_states", {"InstanceIds": [NODE], "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("describe_instance_patch_states_for_patch_group",
         {"PatchGroup": "conf-group",
          "Filters": [{"Key": "Bogus", "Values": ["1"], "Type": "Equal"}]},
         "InvalidFilter",
         "The following filter key is not valid: Bogus. Valid filter keys include: "
         "[InstalledCount, InstalledOtherCount, InstalledPendingRebootCount, "
         "InstalledRejectedCount, MissingCount, FailedCount, NotApplicableCount, "
         "UnreportedNotApplicableCount, AvailableSecurityUpdateCount, "
         "CriticalNonCompliantCount, SecurityNonCompliantCount, OtherNonCompliantCount]."),
        ("describe_instance_patch_states_for_patch_group",
         {"PatchGroup": "conf-group",
          "Filters": [{"Key": "FailedCount", "Values": ["many"], "Type": "Equal"}]},
         "InvalidFilter",
         "The filter FailedCount takes exactly one whole number as its value."),
        ("describe_instance_patch_states_for_patch_group",
         {"PatchGroup": "conf-group", "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        # Compliance
        ("put_compliance_items",
         {"ResourceId": NODE, "ResourceType": "ManagedInstance", "ComplianceType": "Antivirus",
          "ExecutionSummary": {"ExecutionTime": NOW}, "Items": []},
         "ValidationException",
         "The compliance type Antivirus isn't valid. Custom compliance types are named "
         "Custom:<name>, such as Custom:Antivirus."),
        ("put_compliance_items",
         {"ResourceId": NODE, "ResourceType": "ManagedInstance", "ComplianceType": "Patch",
          "ExecutionSummary": {"ExecutionTime": NOW}, "Items": []},
         "ValidationException",
         "The compliance type Patch is reserved for Patch Manager. Custom compliance types are "
         "named Custom:<name>."),
        ("put_compliance_items",
         {"ResourceId": NODE, "ResourceType": "Bogus", "ComplianceType": "Custom:Conf",
          "ExecutionSummary": {"ExecutionTime": NOW}, "Items": []},
         "InvalidResourceType",
         "The resource type Bogus isn't supported. Valid resource types include: "
         "[ManagedInstance]."),
        ("put_compliance_items",
         {"ResourceId": "mi-0123456789abcdef0", "ResourceType": "ManagedInstance",
          "ComplianceType": "Custom:Conf", "ExecutionSummary": {"ExecutionTime": NOW},
          "Items": []},
         "InvalidResourceId", "The resource ID mi-0123456789abcdef0 isn't valid."),
        ("put_compliance_items",
         {"ResourceId": NODE, "ResourceType": "ManagedInstance", "ComplianceType": "Custom:C0",
          "ExecutionSummary": {"ExecutionTime": NOW},
          "Items": [{"Id": "a", "Severity": "HIGH", "Status": "COMPLIANT"}] * 2},
         "InvalidItemContentException",
         "Item Id a appears more than once; give each item its own Id"),
        ("put_compliance_items",
         {"ResourceId": NODE, "ResourceType": "ManagedInstance", "ComplianceType": "Custom:C0",
          "ExecutionSummary": {"ExecutionTime": NOW},
          "Items": [{"Id": "a", "Severity": "HIGH", "Status": "COMPLIANT",
                     "Details": {f"k{i}": "x" * 4096 for i in range(17)}}]},
         "ItemSizeLimitExceededException",
         "Item 1 (a) takes 69674 bytes; an item's Id, Title and Details may take at most 65536 "
         "bytes"),
        ("put_compliance_items",
         {"ResourceId": NODE, "ResourceType": "ManagedInstance", "ComplianceType": "Custom:C10",
          "ExecutionSummary": {"ExecutionTime": NOW},
          "Items": [{"Id": "a", "Severity": "HIGH", "Status": "COMPLIANT"}]},
         "ComplianceTypeCountLimitExceededException",
         f"You specified too many custom compliance types. A resource can have at most 10 "
         f"custom compliance types; {NODE} has [Custom:C0, Custom:C1, Custom:C2, Custom:C3, "
         "Custom:C4, Custom:C5, Custom:C6, Custom:C7, Custom:C8, Custom:C9]."),
        ("list_compliance_items", {"ResourceIds": [NODE], "ResourceTypes": ["Bogus"]},
         "InvalidResourceType",
         "The resource type Bogus isn't supported. Valid resource types include: "
         "[ManagedInstance]."),
        ("list_compliance_items",
         {"ResourceIds": ["mi-0123456789abcdef0"], "ResourceTypes": ["ManagedInstance"]},
         "InvalidResourceId", "The resource ID mi-0123456789abcdef0 isn't valid."),
        ("list_compliance_items",
         {"ResourceIds": [NODE], "ResourceTypes": ["ManagedInstance"],
          "Filters": [{"Key": "Bogus", "Values": ["x"]}]},
         "InvalidFilter",
         "Bogus is not a filter key here; use one of ComplianceType, Id, Title, Status, "
         "Severity, ExecutionId, ExecutionType, ExecutionTime, DocumentName, DocumentVersion, "
         "Classification, PatchBaselineId, PatchSeverity, PatchState, PatchGroup, "
         "InstalledTime"),
        ("list_compliance_items",
         {"ResourceIds": [NODE], "ResourceTypes": ["ManagedInstance"], "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("list_compliance_summaries", {"Filters": [{"Key": "Bogus", "Values": ["x"]}]},
         "InvalidFilter",
         "Bogus is not a filter key here; use one of ComplianceType, Status, OverallSeverity, "
         "ResourceId, ResourceType, ExecutionId, ExecutionType, ExecutionTime"),
        ("list_compliance_summaries", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("list_resource_compliance_summaries",
         {"Filters": [{"Key": "Status", "Values": ["GREEN"]}]},
         "InvalidFilter",
         "Status GREEN is not a compliance status; use COMPLIANT or NON_COMPLIANT"),
        ("list_resource_compliance_summaries", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        # Managed nodes and activations
        ("describe_instance_information",
         {"Filters": [{"Key": "Bogus", "Values": ["x"]}]}, "InvalidFilterKey",
         "'Bogus' is not a filter key of Filters; use tag:KEY, tag-key or one of InstanceIds, "
         "AgentVersion, PingStatus, PlatformTypes, PlatformType, ActivationIds, IamRole, "
         "ResourceType, AssociationStatus, SourceIds, SourceTypes"),
        ("describe_instance_information",
         {"InstanceInformationFilterList": [{"key": "Bogus", "valueSet": ["x"]}]},
         "ValidationException",
         "1 validation error detected: Value 'Bogus' at 'instanceInformationFilterList.1.member"
         ".key' failed to satisfy constraint: Member must satisfy enum value set: "
         "[AssociationStatus, ResourceType, IamRole, ActivationIds, PlatformTypes, PingStatus, "
         "AgentVersion, InstanceIds]"),
        ("describe_instance_information",
         {"Filters": [{"Key": "PingStatus", "Values": ["Asleep"]}]},
         "InvalidInstanceInformationFilterValue",
         "'Asleep' is not a value of filter PingStatus; use Online, ConnectionLost or Inactive"),
        ("describe_instance_information",
         {"Filters": [{"Key": "InstanceIds", "Values": ["node-1"]}]},
         "InvalidInstanceId",
         "'node-1' is not a node id; node ids look like mi-0123456789abcdef0"),
        ("describe_instance_information", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("describe_instance_properties",
         {"InstancePropertyFilterList": [{"key": "Bogus", "valueSet": ["x"]}]},
         "ValidationException",
         "1 validation error detected: Value 'Bogus' at 'instancePropertyFilterList.1.member"
         ".key' failed to satisfy constraint: Member must satisfy enum value set: "
         "[AssociationStatus, ResourceType, IamRole, ActivationIds, DocumentName, "
         "PlatformTypes, PingStatus, AgentVersion, InstanceIds]"),
        ("describe_instance_properties",
         {"FiltersWithOperator": [{"Key": "Bogus", "Values": ["x"], "Operator": "Equal"}]},
         "InvalidFilterKey",
         "'Bogus' is not a filter key of DescribeInstanceProperties; use tag:KEY or one of "
         "InstanceIds, AgentVersion, PingStatus, PlatformTypes, DocumentName, ActivationIds, "
         "IamRole, ResourceType, AssociationStatus"),
        ("describe_instance_properties",
         {"InstancePropertyFilterList": [{"key": "PingStatus", "valueSet": ["Asleep"]}]},
         "InvalidInstancePropertyFilterValue",
         "'Asleep' is not a value of filter PingStatus; use Online, ConnectionLost or Inactive"),
        ("describe_instance_properties",
         {"InstancePropertyFilterList": [{"key": "InstanceIds", "valueSet": ["node-1"]}]},
         "InvalidInstanceId",
         "'node-1' is not a node id; node ids look like mi-0123456789abcdef0"),
        ("describe_instance_properties", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("list_nodes", {"SyncName": "conf-sync"}, "ResourceDataSyncNotFoundException",
         NO_SYNC),
        ("list_nodes", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("list_nodes_summary",
         {"Aggregators": [{"AggregatorType": "Count", "TypeName": "Instance",
                           "AttributeName": "PlatformName"}], "NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("list_nodes_summary",
         {"Aggregators": [{"AggregatorType": "Count", "TypeName": "Instance",
                           "AttributeName": "PlatformName",
                           "Aggregators": [{"AggregatorType": "Count", "TypeName": "Instance",
                                            "AttributeName": "PlatformName"}]}]},
         "InvalidAggregatorException",
         "A nested aggregator counts by PlatformName again; nest another attribute"),
        ("list_nodes_summary",
         {"Aggregators": [{"AggregatorType": "Count", "TypeName": "Instance",
                           "AttributeName": "PlatformName"}], "SyncName": "conf-sync"},
         "ResourceDataSyncNotFoundException", NO_SYNC),
        ("create_activation", {"IamRole": "r", "ExpirationDate": "2000-01-01T00:00:00Z"},
         "InvalidParameters",
         "ExpirationDate 2000-01-01T00:00:00Z is not in the future; give a date up to 30 days "
         "ahead"),
        ("describe_activations",
         {"Filters": [{"FilterKey": "Bogus", "FilterValues": ["x"]}]},
         "ValidationException",
         "1 validation error detected: Value 'Bogus' at 'filters.1.member.filterKey' failed to "
         "satisfy constraint: Member must satisfy enum value set: [IamRole, "
         "DefaultInstanceName, ActivationIds]"),
        ("describe_activations", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
        ("delete_activation", {"ActivationId": str(uuid.UUID(int=9))},
         "InvalidActivationId",
         "No activation with id 00000000-0000-0000-0000-000000000009; list them with "
         "DescribeActivations"),
        ("deregister_managed_instance", {"InstanceId": "mi-0123456789abcdef0"},
         "InvalidInstanceId", "The managed node ID mi-0123456789abcdef0 isn't valid."),
        ("update_managed_instance_role",
         {"InstanceId": "mi-0123456789abcdef0", "IamRole": "r"},
         "InvalidInstanceId", "The managed node ID mi-0123456789abcdef0 isn't valid."),
        # Service settings
        ("get_service_setting", {"SettingId": "/ssm/conf/none"},
         "ServiceSettingNotFound", NO_SETTING),
        ("update_service_setting", {"SettingId": "/ssm/conf/none", "SettingValue": "x"},
         "ServiceSettingNotFound", NO_SETTING),
        ("reset_service_setting", {"SettingId": "/ssm/conf/none"},
         "ServiceSettingNotFound", NO_SETTING),
        # Tags
        ("add_tags_to_resource",
         {"ResourceType": "Bogus", "ResourceId": "x", "Tags": [{"Key": "a", "Value": "b"}]},
         "InvalidResourceType", "Invalid Resource Type"),
        ("add_tags_to_resource",
         {"ResourceType": "MaintenanceWindow", "ResourceId": "mw-0123456789abcdef0",
          "Tags": [{"Key": "a", "Value": "b"}]},
         "InvalidResourceId", "Invalid Resource Id"),
        ("add_tags_to_resource",
         {"ResourceType": "PatchBaseline", "ResourceId": unknown_baseline,
          "Tags": [{"Key": "a", "Value": "b"}]},
         "InvalidResourceId", "Invalid Resource Id"),
        ("add_tags_to_resource",
         {"ResourceType": "Parameter", "ResourceId": "/conf/tagged", "Tags": tags("u", 21)},
         "TooManyTagsError", "A resource can have a maximum of 50 tags."),
        ("list_tags_for_resource", {"ResourceType": "Bogus", "ResourceId": "x"},
         "InvalidResourceType", "Invalid Resource Type"),
        ("list_tags_for_resource", {"ResourceType": "Parameter", "ResourceId": "/conf/none"},
         "InvalidResourceId", "Invalid Resource Id"),
        ("remove_tags_from_resource",
         {"ResourceType": "Bogus", "ResourceId": "x", "TagKeys": ["a"]},
         "InvalidResourceType", "Invalid Resource Type"),
        ("remove_tags_from_resource",
         {"ResourceType": "Document", "ResourceId": "No-Such-Doc", "TagKeys": ["a"]},
         "InvalidResourceId", "Invalid Resource Id"),
    ]


def behaviour(ssm):
    """What AWS does for requests that succeed."""
    for i in range(12):
        ssm.put_parameter(Name=f"/conf/page/p{i:02}", Value="v", Type="String")
    page = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Path", "Values": ["/conf/page"]}])
    assert len(page["Parameters"]) == 10 and "NextToken" in page, page
    got = ssm.get_parameters(Names=["/conf/p", "/conf/p", "/conf/none", "/conf/none"])
    assert [p["Name"] for p in got["Parameters"]] == ["/conf/p"], got
    assert got["InvalidParameters"] == ["/conf/none"], got
    sent = ssm.send_command(InstanceIds=[NODE], DocumentName="AWS-RunShellScript",
                            Parameters={"commands": ["true"]})["Command"]
    assert (sent["Status"], sent["StatusDetails"]) == ("Pending", "Pending"), sent
    labels = ssm.label_parameter_version(Name="/conf/p", ParameterVersion=1,
                                         Labels=["l0", "1st", "awsx", "a/b"])
    assert labels["InvalidLabels"] == ["1st", "awsx", "a/b"], labels


def run(ssm, check):
    failures = []
    table = rows(setup(ssm))
    for operation, arguments, code, message in table:
        try:
            getattr(ssm, operation)(**arguments)
            failures.append(f"{operation}: succeeded; wanted {code}")
            continue
        except ClientError as e:
            got = (e.response["Error"]["Code"], e.response["Error"]["Message"])
        if got != (code, message):
            failures.append(f"{operation} {arguments!r:.120}:\n  wanted {code}: {message!r}"
                            f"\n  got    {got[0]}: {got[1]!r}")
    assert not failures, "\n".join(failures)
    check(f"boto3: {len(table)} bad requests answer with AWS's error names and messages")
    behaviour(ssm)
    check("boto3: pages of 10, names asked twice answered once, SendCommand Pending, "
          "InvalidLabels")
