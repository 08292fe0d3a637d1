"""Contract tests for the segment export resources of template.yaml: the workflow's task functions,
the bucket, the state machine and the shape of their grants.

Which permissions each function gets is derived from what its code does, in
test_template_permissions.py; here, the grants' form (no wildcards, the marker listing's prefix).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.contract.test_template import (
    FUNCTION_IDS,
    RAW,
    RAW_RESOURCES,
    ROOT,
    _as_list,
    _role_statements,
)

BUCKET = "ExportBucket"
MACHINE = "ExportStateMachine"
WORKFLOW_FUNCTIONS = {
    "ExportCreateFunction": "workflow/export_create",
    "ExportCheckFunction": "workflow/export_check",
    "ExportDeliverFunction": "workflow/export_deliver",
    "ExportNotifyFunction": "workflow/export_notify",
}


def _canonical(resource: Any) -> str:
    """An IAM resource expression as one string: ``${X}`` / ``${X.Attr}`` for references."""
    if isinstance(resource, str):
        return resource
    if "Ref" in resource:
        return "${" + str(resource["Ref"]) + "}"
    if "Fn::GetAtt" in resource:
        return "${" + ".".join(resource["Fn::GetAtt"]) + "}"
    if "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        text, names = (sub[0], sub[1]) if isinstance(sub, list) else (sub, {})
        return re.sub(
            r"\$\{([^}]+)\}", lambda m: _canonical(names[m.group(1)]) if m.group(1) in names else m.group(0), text
        )
    raise AssertionError(f"unexpected resource expression {resource!r}")


def _grants(translated: dict[str, Any], function_id: str) -> set[tuple[str, str]]:
    grants: set[tuple[str, str]] = set()
    for statement in _role_statements(translated, function_id):
        assert statement["Effect"] == "Allow", statement
        for action in _as_list(statement["Action"]):
            for resource in _as_list(statement["Resource"]):
                grants.add((str(action), _canonical(resource)))
    return grants


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_no_wildcard_grants_anywhere(translated: dict[str, Any], function_id: str) -> None:
    for action, resource in _grants(translated, function_id):
        assert resource != "*" and action != "*" and not action.endswith(":*"), (action, resource)


@pytest.mark.parametrize(
    ("function_id", "prefix"), [("ExportCreateFunction", "requests/*"), ("ExportNotifyFunction", "callbacks/*")]
)
def test_marker_listing_is_limited_to_the_marker_prefix(
    translated: dict[str, Any], function_id: str, prefix: str
) -> None:
    listing = [s for s in _role_statements(translated, function_id) if "s3:ListBucket" in _as_list(s["Action"])]
    assert [s["Condition"] for s in listing] == [{"StringLike": {"s3:prefix": prefix}}]


def test_state_machine_may_invoke_only_its_task_functions(translated: dict[str, Any]) -> None:
    role_id = translated["Resources"][MACHINE]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in translated["Resources"][role_id]["Properties"].get("Policies", [])
        for statement in _as_list(policy["PolicyDocument"]["Statement"])
    ]
    invoked = set()
    for statement in statements:
        assert _as_list(statement["Action"]) == ["lambda:InvokeFunction"], statement
        text = _canonical(statement["Resource"])
        invoked.add(text.rsplit(":function:", 1)[-1].strip("${}*"))
    assert invoked == set(WORKFLOW_FUNCTIONS)
    assert not translated["Resources"][role_id]["Properties"].get("ManagedPolicyArns")


@pytest.mark.parametrize("function_id", sorted(WORKFLOW_FUNCTIONS))
def test_workflow_functions_are_tasks_not_tools(function_id: str) -> None:
    props = RAW_RESOURCES[function_id]["Properties"]
    assert props["CodeUri"].rstrip("/") == WORKFLOW_FUNCTIONS[function_id]
    assert not props.get("Events"), "workflow tasks have no route; only the state machine invokes them"


@pytest.mark.parametrize("function_id", sorted(WORKFLOW_FUNCTIONS))
def test_workflow_task_timeouts_fit_their_states(translated: dict[str, Any], function_id: str) -> None:
    timeout = translated["Resources"][function_id]["Properties"]["Timeout"]
    assert timeout <= 900  # Lambda's maximum
    machine = RAW_RESOURCES[MACHINE]["Properties"]
    asl = json.loads((ROOT / machine["DefinitionUri"]).read_text())
    [placeholder] = [k for k, v in machine["DefinitionSubstitutions"].items() if v["Fn::GetAtt"][0] == function_id]
    states = [s for s in asl["States"].values() if s.get("Parameters", {}).get("FunctionName") == f"${{{placeholder}}}"]
    assert states
    for state in states:
        # The function ends (and reports its own error) before Step Functions gives up on it.
        assert state["TimeoutSeconds"] > timeout


def test_export_bucket_is_private_encrypted_and_expires_files() -> None:
    bucket = RAW_RESOURCES[BUCKET]["Properties"]
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert encryption["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert any(r["Status"] == "Enabled" and r["ExpirationInDays"] == {"Ref": "ExportRetentionDays"} for r in rules)
    retention = RAW["Parameters"]["ExportRetentionDays"]
    assert retention["Type"] == "Number" and int(retention["MinValue"]) >= 1
    policy = RAW_RESOURCES["ExportBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": BUCKET}
    [deny] = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_state_machine_and_bucket_are_outputs() -> None:
    outputs = RAW["Outputs"]
    assert outputs["ExportStateMachineArn"]["Value"] == {"Ref": MACHINE}
    assert outputs["ExportBucketName"]["Value"] == {"Ref": BUCKET}


def test_async_tool_and_status_tool_know_the_workflow() -> None:
    for function_id in ("ExportSegmentFunction", "GetExportStatusFunction"):
        variables = RAW_RESOURCES[function_id]["Properties"]["Environment"]["Variables"]
        assert variables["EXPORT_STATE_MACHINE_ARN"] == {"Ref": MACHINE}
    assert RAW_RESOURCES["GetExportStatusFunction"]["Properties"]["Environment"]["Variables"]["EXPORT_BUCKET"] == {
        "Ref": BUCKET
    }
