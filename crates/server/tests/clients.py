"""The real `aws` CLI and boto3 against a running sysman server.

Run by tests/aws_clients.rs with the python of the virtual environment it
makes (target/pyenv, with the aws CLI and boto3 of tests/requirements.txt,
its bin/ first on PATH), after it starts the server with a simulated fleet.
It passes, in the environment:
  SYSMAN_ENDPOINT        http://127.0.0.1:PORT (https:// for `clients.py tls`)
  SYSMAN_CA_BUNDLE       for `tls`: the server's self-signed certificate
  AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY   the administrator's key
  SYSMAN_DENIED_KEY_ID / SYSMAN_DENIED_SECRET  a user with no policy
  SYSMAN_PROD_NODES      how many simulated nodes carry Environment=prod
  SYSMAN_ACCOUNT / SYSMAN_NODE   for `errors`: the account id and a managed node
`clients.py errors` runs the table of AWS's errors in conformance.py.
Every check prints what it checked; the first failure exits non-zero.
"""

import json
import os
import subprocess
import sys
import time

import boto3
import botocore.config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["SYSMAN_ENDPOINT"]
REGION = "us-east-1"
CA_BUNDLE = os.environ.get("SYSMAN_CA_BUNDLE")


def aws(*args, env=None, expect_error=None):
    """Runs the aws CLI; returns its parsed JSON output, or its stderr when
    an error is expected (and then checks the error's name and exit code)."""
    cmd = ["aws", "--endpoint-url", ENDPOINT, "--region", REGION, "--output", "json"]
    if CA_BUNDLE:
        cmd += ["--ca-bundle", CA_BUNDLE]
    cmd += ["ssm"] + list(args)
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["AWS_MAX_ATTEMPTS"] = "1"
    done = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=120)
    if expect_error:
        assert done.returncode == 255, f"{args}: exit {done.returncode}, stderr {done.stderr}"
        wanted = f"An error occurred ({expect_error})"
        assert wanted in done.stderr, f"{args}: wanted {wanted}, got {done.stderr!r}"
        return done.stderr
    assert done.returncode == 0, f"{args}: exit {done.returncode}, stderr {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else {}


def check(name):
    print(f"ok  {name}", flush=True)


def cli():
    aws("put-parameter", "--name", "/cli/db/password", "--value", "s3cret-cli",
        "--type", "SecureString")
    got = aws("get-parameter", "--name", "/cli/db/password", "--with-decryption")
    assert got["Parameter"]["Value"] == "s3cret-cli", got
    assert got["Parameter"]["Type"] == "SecureString", got
    hidden = aws("get-parameter", "--name", "/cli/db/password")
    assert hidden["Parameter"]["Value"] != "s3cret-cli", hidden
    check("cli: put-parameter and get-parameter with a SecureString")

    # /cli/many/p00..p22 were put by the test that runs this script.
    every = aws("get-parameters-by-path", "--path", "/cli/many", "--recursive")
    names = sorted(p["Name"] for p in every["Parameters"])
    assert names == [f"/cli/many/p{i:02}" for i in range(23)], names
    first = aws("get-parameters-by-path", "--path", "/cli/many", "--max-items", "7")
    assert len(first["Parameters"]) == 7 and "NextToken" in first, first
    rest = aws("get-parameters-by-path", "--path", "/cli/many",
               "--starting-token", first["NextToken"])
    assert len(rest["Parameters"]) == 16, len(rest["Parameters"])
    check("cli: get-parameters-by-path across pages (CLI-driven and --starting-token)")

    prod = int(os.environ["SYSMAN_PROD_NODES"])
    tagged = aws("describe-instance-information",
                 "--filters", "Key=tag:Environment,Values=prod")
    nodes = tagged["InstanceInformationList"]
    assert len(nodes) == prod, (len(nodes), prod)
    assert all(n["PingStatus"] == "Online" for n in nodes), nodes[0]
    check(f"cli: describe-instance-information with a tag filter ({prod} prod nodes)")

    target = next(n for n in nodes if n["PlatformType"] == "Linux")["InstanceId"]
    sent = aws("send-command", "--instance-ids", target,
               "--document-name", "AWS-RunShellScript",
               "--parameters", "commands=['echo hello from sysman']")
    command_id = sent["Command"]["CommandId"]
    deadline = time.time() + 60
    while True:
        try:
            inv = aws("get-command-invocation", "--command-id", command_id,
                      "--instance-id", target)
        except AssertionError:
            inv = {"Status": "Pending"}
        if inv["Status"] not in ("Pending", "InProgress", "Delayed"):
            break
        assert time.time() < deadline, f"still {inv['Status']} after 60 s"
        time.sleep(0.5)
    assert inv["Status"] == "Success", inv
    assert "hello from sysman" in inv["StandardOutputContent"], inv
    check("cli: send-command then get-command-invocation until Success")

    # AWS-RunShellScript is a schema 1.2 document: its plugin's name is
    # aws:runShellScript, and that is what --plugin-name takes.
    inv = aws("get-command-invocation", "--command-id", command_id,
              "--instance-id", target, "--plugin-name", "aws:runShellScript")
    assert inv["PluginName"] == "aws:runShellScript", inv
    assert "hello from sysman" in inv["StandardOutputContent"], inv
    listed = aws("list-command-invocations", "--command-id", command_id, "--details")
    plugins = [p["Name"] for p in listed["CommandInvocations"][0]["CommandPlugins"]]
    assert plugins == ["aws:runShellScript"], plugins
    aws("get-command-invocation", "--command-id", command_id, "--instance-id", target,
        "--plugin-name", "runShellScript", expect_error="InvalidPluginName")
    check("cli: get-command-invocation --plugin-name aws:runShellScript, and the plugin "
          "in list-command-invocations --details")

    aws("get-parameter", "--name", "/cli/none", expect_error="ParameterNotFound")
    err = aws("get-parameters", "--names", *[f"/n{i}" for i in range(11)],
              expect_error="ValidationException")
    names = ", ".join(f"/n{i}" for i in range(11))
    assert ("1 validation error detected: Value '[" + names + "]' at 'names' failed to "
            "satisfy constraint: Member must have length less than or equal to 10") in err, err
    err = aws("send-command", "--instance-ids", target, "--document-name", "AWS-RunShellScript",
              "--max-concurrency", "abc", "--parameters", "commands=['true']",
              expect_error="ValidationException")
    assert ("1 validation error detected: Value 'abc' at 'maxConcurrency' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$") in err, err
    aws("get-parameter", "--name", "/cli/db/password",
        env={"AWS_SECRET_ACCESS_KEY": "wrong" + os.environ["AWS_SECRET_ACCESS_KEY"][5:]},
        expect_error="InvalidSignatureException")
    aws("get-parameter", "--name", "/cli/db/password",
        env={"AWS_ACCESS_KEY_ID": "AKIAAAAAAAAAAAAAAAAA"},
        expect_error="UnrecognizedClientException")
    aws("--no-sign-request", "get-parameter", "--name", "/cli/db/password",
        expect_error="MissingAuthenticationTokenException")
    aws("get-parameter", "--name", "/cli/db/password",
        env={"AWS_ACCESS_KEY_ID": os.environ["SYSMAN_DENIED_KEY_ID"],
             "AWS_SECRET_ACCESS_KEY": os.environ["SYSMAN_DENIED_SECRET"]},
        expect_error="AccessDeniedException")
    check("cli: ParameterNotFound, ValidationException, InvalidSignatureException, "
          "UnrecognizedClientException, MissingAuthenticationTokenException, "
          "AccessDeniedException")
    return target


def patching(target):
    created = aws("create-patch-baseline", "--name", "cli-prod-linux",
                  "--operating-system", "AMAZON_LINUX_2023",
                  "--approval-rules",
                  "PatchRules=[{PatchFilterGroup={PatchFilters=[{Key=SEVERITY,"
                  "Values=[Critical,Important]},{Key=CLASSIFICATION,Values=[Security]}]},"
                  "ApproveAfterDays=7,ComplianceLevel=CRITICAL}]",
                  "--rejected-patches", "telnet", "--rejected-patches-action", "BLOCK",
                  "--tags", "Key=Team,Value=ops")
    baseline = created["BaselineId"]
    got = aws("get-patch-baseline", "--baseline-id", baseline)
    assert got["Name"] == "cli-prod-linux", got
    assert got["ApprovalRules"]["PatchRules"][0]["ApproveAfterDays"] == 7, got
    assert got["RejectedPatchesAction"] == "BLOCK", got
    aws("register-patch-baseline-for-patch-group", "--baseline-id", baseline,
        "--patch-group", "prod-linux")
    group = aws("get-patch-baseline-for-patch-group", "--patch-group", "prod-linux",
                "--operating-system", "AMAZON_LINUX_2023")
    assert group["BaselineId"] == baseline, group
    mine = aws("describe-patch-baselines", "--filters", "Key=OWNER,Values=Self")
    assert [b["BaselineName"] for b in mine["BaselineIdentities"]] == ["cli-prod-linux"], mine
    err = aws("create-patch-baseline", "--name", "msrc-on-linux",
              "--operating-system", "AMAZON_LINUX_2023", "--approval-rules",
              "PatchRules=[{PatchFilterGroup={PatchFilters=[{Key=MSRC_SEVERITY,"
              "Values=[Critical]}]},ApproveAfterDays=7}]",
              expect_error="ValidationException")
    assert "isn't supported for the operating system AMAZON_LINUX_2023" in err, err
    aws("delete-patch-baseline", "--baseline-id", baseline,
        expect_error="ResourceInUseException")
    check("cli: create, get and register a patch baseline; errors by name")

    patches = aws("describe-available-patches", "--filters",
                  "Key=PRODUCT,Values=AmazonLinux2023", "Key=SEVERITY,Values=Critical",
                  "--max-items", "20")
    assert patches["Patches"], patches
    assert all(p["Severity"] == "Critical" for p in patches["Patches"]), patches
    effective = aws("describe-effective-patches-for-patch-baseline", "--baseline-id", baseline,
                    "--max-items", "10")
    assert effective["EffectivePatches"], effective
    statuses = {e["PatchStatus"]["DeploymentStatus"] for e in effective["EffectivePatches"]}
    assert statuses <= {"APPROVED", "PENDING_APPROVAL"}, statuses
    check(f"cli: describe-available-patches and effective patches ({statuses})")

    states = aws("describe-instance-patch-states", "--instance-ids", target)
    assert states["InstancePatchStates"] == [], states
    aws("put-compliance-items", "--resource-id", target, "--resource-type", "ManagedInstance",
        "--compliance-type", "Custom:Antivirus",
        "--execution-summary", "ExecutionTime=2026-11-23T12:00:00Z",
        "--items", "Id=av-1,Title=Definitions,Severity=HIGH,Status=NON_COMPLIANT")
    items = aws("list-compliance-items", "--resource-ids", target,
                "--resource-types", "ManagedInstance")
    assert [i["Id"] for i in items["ComplianceItems"]] == ["av-1"], items
    summaries = aws("list-compliance-summaries")
    custom = [s for s in summaries["ComplianceSummaryItems"]
              if s["ComplianceType"] == "Custom:Antivirus"]
    assert custom and custom[0]["NonCompliantSummary"]["NonCompliantCount"] == 1, summaries
    check("cli: put-compliance-items, list-compliance-items and -summaries")


def sharing():
    """Document permissions through the CLI and boto3."""
    content = json.dumps({"schemaVersion": "2.2", "mainSteps": [
        {"action": "aws:runShellScript", "name": "run", "inputs": {"runCommand": ["true"]}}]})
    aws("create-document", "--name", "Shared-Doc", "--content", content)
    aws("modify-document-permission", "--name", "Shared-Doc", "--permission-type", "Share",
        "--account-ids-to-add", "111122223333", "444455556666",
        "--shared-document-version", "$LATEST")
    got = aws("describe-document-permission", "--name", "Shared-Doc",
              "--permission-type", "Share")
    assert got["AccountIds"] == ["111122223333", "444455556666"], got
    assert got["AccountSharingInfoList"][0] == {
        "AccountId": "111122223333", "SharedDocumentVersion": "$LATEST"}, got
    err = aws("modify-document-permission", "--name", "Shared-Doc", "--permission-type", "Share",
              "--account-ids-to-add", "All", "111122223333",
              expect_error="DocumentPermissionLimit")
    assert "Accounts can either be all or a group of AWS accounts" in err, err
    check("cli: modify-document-permission and describe-document-permission")

    ssm = boto3.client(
        "ssm", endpoint_url=ENDPOINT, region_name=REGION,
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )
    ssm.modify_document_permission(Name="Shared-Doc", PermissionType="Share",
                                   AccountIdsToRemove=["111122223333"])
    got = ssm.describe_document_permission(Name="Shared-Doc", PermissionType="Share")
    assert got["AccountIds"] == ["444455556666"], got
    try:
        ssm.describe_document_permission(Name="No-Such-Doc", PermissionType="Share")
        raise AssertionError("no error")
    except ssm.exceptions.InvalidDocument:
        pass
    check("boto3: document permissions, InvalidDocument raised by name")


def service_settings():
    """A service setting by id and by ARN, through the CLI and boto3."""
    tier = "/ssm/parameter-store/default-parameter-tier"
    got = aws("get-service-setting", "--setting-id", tier)["ServiceSetting"]
    assert got["SettingValue"] == "Standard" and got["Status"] == "Default", got
    arn = got["ARN"]
    assert arn == "arn:aws:ssm:us-east-1:000000000000:servicesetting" + tier, got
    aws("update-service-setting", "--setting-id", arn, "--setting-value", "Advanced")
    got = aws("get-service-setting", "--setting-id", tier)["ServiceSetting"]
    assert got["SettingValue"] == "Advanced" and got["Status"] == "Customized", got
    err = aws("get-service-setting", "--setting-id", "/ssm/no/such-setting",
              expect_error="ServiceSettingNotFound")
    assert "The specified service setting wasn't found." in err, err
    check("cli: get-service-setting and update-service-setting by id and ARN, "
          "ServiceSettingNotFound")

    ssm = boto3.client(
        "ssm", endpoint_url=ENDPOINT, region_name=REGION,
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )
    reset = ssm.reset_service_setting(SettingId=tier)["ServiceSetting"]
    assert reset["SettingValue"] == "Standard" and reset["Status"] == "Default", reset
    try:
        ssm.update_service_setting(SettingId="/ssm/no/such-setting", SettingValue="x")
        raise AssertionError("no error")
    except ssm.exceptions.ServiceSettingNotFound:
        pass
    check("boto3: reset_service_setting, ServiceSettingNotFound raised by name")


def sdk(target):
    ssm = boto3.client(
        "ssm", endpoint_url=ENDPOINT, region_name=REGION,
        config=botocore.config.Config(retries={"max_attempts": 1}),
    )
    ssm.put_parameter(Name="/sdk/token", Value="tok-123", Type="SecureString")
    got = ssm.get_parameter(Name="/sdk/token", WithDecryption=True)["Parameter"]
    assert got["Value"] == "tok-123" and got["Version"] == 1, got
    assert hasattr(got["LastModifiedDate"], "year"), got  # a datetime, from epoch seconds
    check("boto3: SecureString round trip, timestamps as datetimes")

    pages = ssm.get_paginator("get_parameters_by_path").paginate(
        Path="/cli/many", PaginationConfig={"PageSize": 5})
    counts = [len(page["Parameters"]) for page in pages]
    assert sum(counts) == 23 and len(counts) >= 5, counts
    check(f"boto3: paginator over get_parameters_by_path, pages {counts}")

    try:
        ssm.get_parameter(Name="/sdk/none")
        raise AssertionError("no error")
    except ssm.exceptions.ParameterNotFound as e:
        assert e.response["Error"]["Code"] == "ParameterNotFound"
    try:
        ssm.get_parameters(Names=[f"/n{i}" for i in range(11)])
        raise AssertionError("no error")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ValidationException", e.response
    check("boto3: modelled exceptions are raised by name")

    sent = ssm.send_command(InstanceIds=[target], DocumentName="AWS-RunShellScript",
                            Parameters={"commands": ["echo from boto3"]})
    command_id = sent["Command"]["CommandId"]
    ssm.get_waiter("command_executed").wait(
        CommandId=command_id, InstanceId=target,
        WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    inv = ssm.get_command_invocation(CommandId=command_id, InstanceId=target)
    assert inv["Status"] == "Success" and "from boto3" in inv["StandardOutputContent"], inv
    check("boto3: send_command and the command_executed waiter")

    pages = ssm.get_paginator("describe_available_patches").paginate(
        Filters=[{"Key": "PRODUCT", "Values": ["WindowsServer2022"]}],
        PaginationConfig={"PageSize": 30, "MaxItems": 100})
    patches = [p for page in pages for p in page["Patches"]]
    assert len(patches) == 100, len(patches)
    assert all(p["KbNumber"].startswith("KB") for p in patches), patches[0]
    assert hasattr(patches[0]["ReleaseDate"], "year"), patches[0]
    check("boto3: paginator over describe_available_patches")


def tls():
    """Over HTTPS with a self-signed certificate: trusted through
    --ca-bundle and verify=, refused without."""
    aws("put-parameter", "--name", "/tls/cli", "--value", "by-cli", "--type", "SecureString")
    got = aws("get-parameter", "--name", "/tls/cli", "--with-decryption")
    assert got["Parameter"]["Value"] == "by-cli", got
    check("cli over https: --ca-bundle trusts sysman's certificate")

    cmd = ["aws", "--endpoint-url", ENDPOINT, "--region", REGION, "ssm", "get-parameter",
           "--name", "/tls/cli"]
    env = dict(os.environ, AWS_MAX_ATTEMPTS="1")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0, done.stdout
    assert "SSL validation failed" in done.stderr, done.stderr
    check("cli over https: without --ca-bundle the certificate is refused")

    config = botocore.config.Config(retries={"max_attempts": 1})
    ssm = boto3.client("ssm", endpoint_url=ENDPOINT, region_name=REGION, verify=CA_BUNDLE,
                       config=config)
    got = ssm.get_parameter(Name="/tls/cli", WithDecryption=True)["Parameter"]
    assert got["Value"] == "by-cli", got
    wary = boto3.client("ssm", endpoint_url=ENDPOINT, region_name=REGION, config=config)
    try:
        wary.get_parameter(Name="/tls/cli")
        raise AssertionError("an untrusted certificate was accepted")
    except botocore.exceptions.SSLError:
        pass
    check("boto3 over https: verify= trusts the certificate, the default refuses it")


def main():
    if sys.argv[1:] == ["tls"]:
        tls()
        print("all TLS client checks passed")
        return
    if sys.argv[1:] == ["errors"]:
        import conformance
        conformance.run(boto3.client(
            "ssm", endpoint_url=ENDPOINT, region_name=REGION,
            config=botocore.config.Config(retries={"max_attempts": 1}),
        ), check)
        print("all error checks passed")
        return
    target = cli()
    patching(target)
    sharing()
    service_settings()
    sdk(target)
    print("all client checks passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
