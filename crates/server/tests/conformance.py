"""AWS's error names and messages, as boto3 sees them from sysman.

Run by `clients.py errors` (tests/aws_clients.rs). Each row of ERRORS is
one bad request: the operation, its arguments, the error code AWS answers
with and AWS's exact message. The texts are AWS's own, as real answers
and faithful records of them show; sysman must answer with the same.
A few behaviours that clients rely on are checked after the table.
"""

import json
import os
import uuid

from botocore.exceptions import ClientError

ACCOUNT = os.environ["SYSMAN_ACCOUNT"]
NODE = os.environ["SYSMAN_NODE"]

NOT_FOUND_DOC = "The specified document does not exist."
BAD_VERSION = "The document version is not valid or does not exist."
NO_BASELINE = "Patch Baseline to be retrieved does not exist."
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
    ssm.create_document(Name="Conf-Doc", Content=SHELL % ("one", "one"),
                        DocumentType="Command")
    ssm.update_document(Name="Conf-Doc", Content=SHELL % ("two", "two"),
                        DocumentVersion="$LATEST")
    first = ssm.create_patch_baseline(Name="conf-a", OperatingSystem="AMAZON_LINUX_2023")
    second = ssm.create_patch_baseline(Name="conf-b", OperatingSystem="AMAZON_LINUX_2023")
    ssm.register_patch_baseline_for_patch_group(BaselineId=first["BaselineId"],
                                                PatchGroup="conf-group")
    sent = ssm.send_command(InstanceIds=[NODE], DocumentName="AWS-RunShellScript",
                            Parameters={"commands": ["true"]})
    return second["BaselineId"], sent["Command"]["CommandId"], shared["PolicyId"]


def parameter_arn(name, account=None):
    return f"arn:aws:ssm:us-east-1:{account or ACCOUNT}:parameter{name}"


def share(name):
    """A policy sharing `name` with one other account for reading."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "111122223333"},
        "Action": ["ssm:GetParameter", "ssm:GetParameters"],
        "Resource": parameter_arn(name)}]})


def rows(other_baseline, command_id, policy_id):
    """(operation, arguments, code, message), one per bad request."""
    unknown_command = str(uuid.UUID(int=7))
    unknown_baseline = "pb-0123456789abcdef0"
    shared = parameter_arn("/conf/shared")
    foreign = parameter_arn("/conf/p", account="111122223333")
    return [
        # Parameter Store
        ("get_parameter", {"Name": "/conf/none"},
         "ParameterNotFound", "Parameter /conf/none not found."),
        ("delete_parameter", {"Name": "/conf/none"},
         "ParameterNotFound", "Parameter /conf/none not found."),
        ("get_parameter_history", {"Name": "/conf/none"},
         "ParameterNotFound", "Parameter /conf/none not found."),
        ("label_parameter_version", {"Name": "/conf/none", "Labels": ["a"]},
         "ParameterNotFound", "Parameter /conf/none not found."),
        ("put_parameter", {"Name": "/conf/p", "Value": "v2", "Type": "String"},
         "ParameterAlreadyExists",
         "The parameter already exists. To overwrite this value, set the overwrite option in "
         "the request to true."),
        ("get_parameter", {"Name": "/conf/p:5"},
         "ParameterVersionNotFound",
         "Systems Manager could not find version 5 of /conf/p. Verify the version and try "
         "again."),
        ("label_parameter_version",
         {"Name": "/conf/p", "ParameterVersion": 9, "Labels": ["a"]},
         "ParameterVersionNotFound",
         "Systems Manager could not find version 9 of /conf/p. Verify the version and try "
         "again."),
        ("label_parameter_version", {"Name": "/conf/p", "Labels": ["eleventh"]},
         "ParameterVersionLabelLimitExceeded",
         "A parameter version can have maximum 10 labels. Move one or more labels to another "
         "version and try again."),
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
        ("get_parameters_by_path", {"Path": "test"}, "ValidationException", BAD_PATH),
        ("get_parameters_by_path",
         {"Path": "/conf", "ParameterFilters": [{"Key": "Name", "Values": ["x"]}]},
         "InvalidFilterKey",
         "The following filter key is not valid: Name. Valid filter keys include: [Type, "
         "KeyId]."),
        ("describe_parameters", {"NextToken": "garbage"},
         "InvalidNextToken", "The specified token isn't valid."),
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
        ("get_resource_policies",
         {"ResourceArn": f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/Conf-Doc"},
         "ResourcePolicyInvalidParameterException",
         f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/Conf-Doc is not a valid parameter ARN. "
         "Only parameters can have resource policies."),
        ("get_resource_policies", {"ResourceArn": parameter_arn("/conf/none")},
         "ResourceNotFoundException", "The specified parameter to be shared could not be found."),
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
        ("delete_resource_policy",
         {"ResourceArn": shared, "PolicyId": policy_id, "PolicyHash": "stale"},
         "ResourcePolicyConflictException",
         "The hash provided in the call doesn't match the stored hash."),
        ("delete_resource_policy",
         {"ResourceArn": shared, "PolicyId": "no-such-policy", "PolicyHash": "stale"},
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
        # Documents
        ("describe_document", {"Name": "No-Such-Doc"}, "InvalidDocument", NOT_FOUND_DOC),
        ("get_document", {"Name": "No-Such-Doc"}, "InvalidDocument", NOT_FOUND_DOC),
        ("delete_document", {"Name": "No-Such-Doc"}, "InvalidDocument", NOT_FOUND_DOC),
        ("update_document",
         {"Name": "No-Such-Doc", "Content": SHELL % ("x", "x"), "DocumentVersion": "$LATEST"},
         "InvalidDocument", NOT_FOUND_DOC),
        ("create_document", {"Name": "Conf-Doc", "Content": SHELL % ("x", "x")},
         "DocumentAlreadyExists", "The specified document already exists."),
        ("get_document", {"Name": "Conf-Doc", "DocumentVersion": "9"},
         "InvalidDocumentVersion", BAD_VERSION),
        ("update_document",
         {"Name": "Conf-Doc", "Content": SHELL % ("three", "three"), "DocumentVersion": "1"},
         "InvalidDocumentVersion", BAD_VERSION),
        ("update_document",
         {"Name": "Conf-Doc", "Content": SHELL % ("one", "one"), "DocumentVersion": "$LATEST"},
         "DuplicateDocumentContent",
         "The content of the association document matches another document. Change the "
         "content of the document and try again."),
        ("delete_document", {"Name": "Conf-Doc", "DocumentVersion": "1"},
         "InvalidDocumentOperation", "Default version of the document can't be deleted."),
        # Run Command
        ("list_commands", {"CommandId": unknown_command},
         "InvalidCommandId", "Invalid command id."),
        ("cancel_command", {"CommandId": unknown_command},
         "InvalidCommandId", "Invalid command id."),
        ("get_command_invocation",
         {"CommandId": command_id, "InstanceId": "mi-0123456789abcdef0"},
         "InvocationDoesNotExist", ""),
        ("send_command",
         {"InstanceIds": ["mi-0123456789abcdef0"], "DocumentName": "AWS-RunShellScript",
          "Parameters": {"commands": ["true"]}},
         "InvalidInstanceId",
         f"Instances [[mi-0123456789abcdef0]] not in a valid state for account {ACCOUNT}"),
        ("send_command",
         {"InstanceIds": [NODE], "DocumentName": "No-Such-Doc"},
         "InvalidDocument", NOT_FOUND_DOC),
        # Patch baselines and groups
        ("get_patch_baseline", {"BaselineId": unknown_baseline},
         "DoesNotExistException", NO_BASELINE),
        ("update_patch_baseline", {"BaselineId": unknown_baseline, "Name": "x-y-z"},
         "DoesNotExistException", NO_BASELINE),
        ("register_patch_baseline_for_patch_group",
         {"BaselineId": unknown_baseline, "PatchGroup": "conf-group"},
         "DoesNotExistException", NO_BASELINE),
        ("deregister_patch_baseline_for_patch_group",
         {"BaselineId": unknown_baseline, "PatchGroup": "conf-group"},
         "DoesNotExistException", NO_BASELINE),
        ("register_patch_baseline_for_patch_group",
         {"BaselineId": other_baseline, "PatchGroup": "conf-group"},
         "AlreadyExistsException",
         "Patch Group baseline already has a baseline registered for OperatingSystem "
         "AMAZON_LINUX_2023."),
        # Tags
        ("add_tags_to_resource",
         {"ResourceType": "Bogus", "ResourceId": "x", "Tags": [{"Key": "a", "Value": "b"}]},
         "InvalidResourceType", "Invalid Resource Type"),
        ("list_tags_for_resource", {"ResourceType": "Bogus", "ResourceId": "x"},
         "InvalidResourceType", "Invalid Resource Type"),
        ("remove_tags_from_resource",
         {"ResourceType": "Bogus", "ResourceId": "x", "TagKeys": ["a"]},
         "InvalidResourceType", "Invalid Resource Type"),
        ("list_tags_for_resource", {"ResourceType": "Parameter", "ResourceId": "/conf/none"},
         "InvalidResourceId", "Invalid Resource Id"),
        ("remove_tags_from_resource",
         {"ResourceType": "Document", "ResourceId": "No-Such-Doc", "TagKeys": ["a"]},
         "InvalidResourceId", "Invalid Resource Id"),
        ("add_tags_to_resource",
         {"ResourceType": "MaintenanceWindow", "ResourceId": "mw-0123456789abcdef0",
          "Tags": [{"Key": "a", "Value": "b"}]},
         "InvalidResourceId", "Invalid Resource Id"),
        ("add_tags_to_resource",
         {"ResourceType": "PatchBaseline", "ResourceId": unknown_baseline,
          "Tags": [{"Key": "a", "Value": "b"}]},
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
    other_baseline, command_id, policy_id = setup(ssm)
    failures = []
    table = rows(other_baseline, command_id, policy_id)
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
