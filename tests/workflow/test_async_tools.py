"""fullstory_export_segment and fullstory_get_export_status through their handlers, with the
workflow deployed in moto: 202 at once, a callback later, one export per Opal tool call."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from tests.conftest import call_tool as _call_tool
from tests.conftest import register_secret

from .conftest import CALLBACK_TOKEN
from .harness import BEARER, CallbackServer, Workflow, export_request

OPERATION = r"^/operations/v1/"


def call_tool(tool: str, parameters: Any = None, **envelope: Any) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"parameters": parameters or {}, **envelope})
    return _call_tool(tool, token=BEARER, raw_body=body)


def _callback(callbacks: CallbackServer, tool_call_id: str = "tc-42", token: str = CALLBACK_TOKEN) -> dict[str, str]:
    return {"url": callbacks.url(f"/callbacks/{tool_call_id}"), "tool_call_id": tool_call_id, "callback_token": token}


def _executions(workflow: Workflow) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workflow.sfn().list_executions(stateMachineArn=workflow.arn)["executions"]
    return found


def test_async_call_is_accepted_at_once_and_calls_back_with_the_file(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    status, accepted = call_tool(
        "fullstory_export_segment", export_request(), async_callback=_callback(callbacks),
        environment={"execution_mode": "headless"},
    )  # fmt: skip
    assert status == 202, accepted
    assert accepted["status"] == "accepted" and accepted["executionId"].startswith("opal-tc-42-")
    assert "sent back" in accepted["message"]

    run = workflow.wait(accepted["executionArn"])
    assert run["status"] == "SUCCEEDED"
    [callback] = callbacks.received
    assert callback.path == "/callbacks/tc-42"
    assert callback.headers["authorization"] == f"Bearer {CALLBACK_TOKEN}"
    content = callback.body["content"]
    assert content["executionId"] == accepted["executionId"] and content["s3Uri"].startswith("s3://")

    status, report = call_tool("fullstory_get_export_status", {"executionId": accepted["executionId"]})
    assert status == 200 and report["status"] == "SUCCEEDED" and report["stoppedAt"]
    result = report["result"]
    assert result["s3Uri"] == content["s3Uri"] and result["sizeBytes"] == content["sizeBytes"]
    # A freshly signed link to the same object; deployed (no LOCAL_S3_LINK_PREFIX), a presigned S3 URL.
    assert result["downloadUrl"].startswith("https://") and "X-Amz-Signature=" in result["downloadUrl"]
    assert content["downloadUrl"].startswith("https://")
    assert requests.get(result["downloadUrl"], timeout=10).content == sim.exports.all()[0].file


def test_opal_retrying_a_running_call_gets_the_same_run(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    sim.inject(OPERATION, delay_s=1.0, times=1)  # holds the run at its first check
    first = call_tool("fullstory_export_segment", export_request(), async_callback=_callback(callbacks))[1]
    status, again = call_tool("fullstory_export_segment", export_request(), async_callback=_callback(callbacks))
    assert status == 202 and again["executionId"] == first["executionId"]
    assert workflow.wait(first["executionArn"])["status"] == "SUCCEEDED"
    assert len(_executions(workflow)) == 1
    assert len(sim.exports.all()) == 1 and len(callbacks.received) == 1


def test_opal_retrying_a_finished_call_starts_nothing(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    first = call_tool("fullstory_export_segment", export_request(), async_callback=_callback(callbacks))[1]
    assert workflow.wait(first["executionArn"])["status"] == "SUCCEEDED"
    # The same call again, even with a new envelope (another callback token).
    other_token = register_secret("another-callback-token-1")
    for token in (CALLBACK_TOKEN, other_token):
        status, again = call_tool(
            "fullstory_export_segment", export_request(), async_callback=_callback(callbacks, token=token)
        )
        # Before: 202 "will be sent back", a promise of a callback that never came.
        assert status == 200 and again["status"] == "already_answered", again
        assert again["executionId"] == first["executionId"] and again["runStatus"] == "SUCCEEDED"
        [told] = callbacks.received
        assert again["callback"]["delivered"] is True and again["callback"]["host"] == "127.0.0.1"
        delivered_at = datetime.fromisoformat(again["callback"]["at"])
        assert datetime.fromisoformat(again["startedAt"]) <= delivered_at <= datetime.fromisoformat(again["stoppedAt"])
        assert f"delivered to Opal's callback at 127.0.0.1 at {again['callback']['at']}" in again["message"]
        assert "no callback will follow" in again["message"] and "fullstory_get_export_status" in again["message"]
        assert again["result"]["s3Uri"] == told.body["content"]["s3Uri"]
        assert "downloadUrl" not in again["result"]  # the status tool signs links; this one may not read files
    assert len(_executions(workflow)) == 1
    assert len(sim.exports.all()) == 1 and len(callbacks.received) == 1


def test_different_calls_are_different_runs(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    a = call_tool("fullstory_export_segment", export_request(), async_callback=_callback(callbacks, "tc-a"))[1]
    b = call_tool("fullstory_export_segment", export_request(), async_callback=_callback(callbacks, "tc-b"))[1]
    assert a["executionId"] != b["executionId"]
    assert workflow.wait(a["executionArn"])["status"] == workflow.wait(b["executionArn"])["status"] == "SUCCEEDED"
    assert len(sim.exports.all()) == 2
    assert sorted(c.path for c in callbacks.received) == ["/callbacks/tc-a", "/callbacks/tc-b"]


def test_a_call_without_callback_is_followed_with_the_status_tool(workflow: Workflow, sim: FullstorySimulator) -> None:
    sim.inject(OPERATION, delay_s=1.0, times=1)
    status, accepted = call_tool("fullstory_export_segment", export_request(type="TYPE_INDIVIDUAL", format="csv"))
    assert status == 202 and accepted["executionId"].startswith("manual-")
    assert "fullstory_get_export_status" in accepted["message"]

    status, running = call_tool("fullstory_get_export_status", {"executionId": accepted["executionId"]})
    assert status == 200 and running["status"] == "RUNNING"
    assert running["progress"]["exportState"] in ("STARTING", "PENDING") and running["next"]

    workflow.wait(accepted["executionArn"])
    status, done = call_tool("fullstory_get_export_status", {"executionId": accepted["executionArn"]})
    assert status == 200 and done["status"] == "SUCCEEDED"
    assert done["result"]["format"] == "FORMAT_CSV" and done["result"]["fileName"].endswith(".csv.gz")


def test_status_of_a_failed_run_says_why(workflow: Workflow, sim: FullstorySimulator) -> None:
    sim.fail_next_export("export quota exceeded")
    _, accepted = call_tool("fullstory_export_segment", export_request())
    workflow.wait(accepted["executionArn"])
    status, report = call_tool("fullstory_get_export_status", {"executionId": accepted["executionId"]})
    assert status == 200 and report["status"] == "FAILED"
    assert report["failure"] == {
        "error": "ExportFailed",
        "reason": "export quota exceeded",
        "errorCode": "EXPORT_FAILED",
    }


@pytest.mark.parametrize(
    ("execution_id", "status_code"),
    [
        ("not an id!", 400),
        ("arn:aws:states:us-east-1:123456789012:execution:SomeoneElsesMachine:run-1", 400),
        ("manual-00000000000000000000000000000000", 404),
    ],
)
def test_status_of_unknown_or_foreign_runs(workflow: Workflow, execution_id: str, status_code: int) -> None:
    status, problem = call_tool("fullstory_get_export_status", {"executionId": execution_id})
    assert status == status_code, problem
    if status_code == 400:
        assert [e["parameter"] for e in problem["errors"]] == ["executionId"]


@pytest.mark.parametrize(
    ("callback", "named"),
    [
        ("https://opal.example/cb", {"async_callback"}),
        ({"url": "ftp://opal.example/cb", "tool_call_id": "tc", "callback_token": "t"}, {"async_callback.url"}),
        # callback_token is optional (the SDK's is str | None: the result is then sent without Authorization)
        ({"url": "https://opal.example/cb"}, {"async_callback.tool_call_id"}),
    ],
)
def test_a_malformed_async_callback_is_a_400_naming_it(
    workflow: Workflow, sim: FullstorySimulator, callback: Any, named: set[str]
) -> None:
    status, problem = call_tool("fullstory_export_segment", export_request(), async_callback=callback)
    assert status == 400 and {e["parameter"] for e in problem["errors"]} == named
    assert _executions(workflow) == [] and len(sim.requests) == 0


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://opal.example.com/cb", "must use https"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is link-local"),
        ("https://10.1.2.3/cb", "10.1.2.3 is private"),
        ("https://[fd00::1]/cb", "fd00::1 is private"),
        ("https://100.64.0.9/cb", "100.64.0.9 is shared (CGNAT)"),
        ("https://localhost:9001/2018-06-01/runtime/invocation/next", "127.0.0.1 is loopback"),
        ("http://127.0.0.1:9001/2018-06-01/runtime/invocation/next", "must use https"),
        ("https://user:pw@opal.example.com/cb", "must not carry a user name or password"),
    ],
)
def test_a_callback_url_that_may_not_be_called_is_a_400_naming_it(
    workflow: Workflow, sim: FullstorySimulator, monkeypatch: pytest.MonkeyPatch, url: str, problem: str
) -> None:
    from platform_kit.settings import ALLOW_LOOPBACK_ENV

    monkeypatch.delenv(ALLOW_LOOPBACK_ENV)  # as deployed
    callback = {"url": url, "tool_call_id": "tc-x", "callback_token": CALLBACK_TOKEN}
    status, problem_body = call_tool("fullstory_export_segment", export_request(), async_callback=callback)
    assert status == 400, problem_body
    [error] = problem_body["errors"]
    assert error["parameter"] == "async_callback.url" and problem in error["problem"]
    assert _executions(workflow) == [] and len(sim.requests) == 0
    assert _stored_callbacks(workflow) == []


def test_a_callback_host_outside_the_allow_list_is_a_400(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLBACK_ALLOWED_HOSTS", "opal.optimizely.com,*.opal.example")
    status, problem = call_tool("fullstory_export_segment", export_request(), async_callback=_callback(callbacks))
    assert status == 400 and problem["errors"][0]["parameter"] == "async_callback.url"
    assert "127.0.0.1 is not one of the allowed hosts" in problem["errors"][0]["problem"]
    assert _executions(workflow) == []


def test_the_callback_is_kept_in_the_bucket_not_in_the_run_input(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    sim.inject(OPERATION, delay_s=1.0, times=1)  # holds the run at its first check
    _, accepted = call_tool("fullstory_export_segment", export_request(), async_callback=_callback(callbacks))
    described = workflow.sfn().describe_execution(executionArn=accepted["executionArn"])
    assert json.loads(described["input"])["callback"] == {"tool_call_id": "tc-42"}
    assert _stored_callbacks(workflow) == [f"callbacks/{accepted['executionId']}.json"]
    assert workflow.wait(accepted["executionArn"])["status"] == "SUCCEEDED"
    assert len(callbacks.received) == 1


def _stored_callbacks(workflow: Workflow) -> list[str]:
    import boto3

    bucket = workflow.deployed.buckets["ExportBucket"]
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="callbacks/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_an_operation_id_as_execution_id_points_to_the_operation_status_tool(workflow: Workflow) -> None:
    # An operationId of fullstory_create_segment_export (Fullstory's form, as the simulator makes it).
    for operation_id in ("aBcD1234eFgH5678iJkL9012", "yxzuhxqWI5Kxj0jN8IWrBgjE"):
        status, problem = call_tool("fullstory_get_export_status", {"executionId": operation_id})
        assert status == 404 and problem["error_code"] == "EXPORT_RUN_NOT_FOUND"
        assert "returned by fullstory_export_segment (those start with 'opal-' or 'manual-')" in problem["detail"]
        assert "fullstory_get_operation_status" in problem["detail"]
    # One of ours that does not exist (any more): no misleading hint.
    status, problem = call_tool("fullstory_get_export_status", {"executionId": "opal-tc-9-0123456789abcdef"})
    assert status == 404 and "fullstory_get_operation_status" not in problem["detail"]


def test_a_segment_name_in_an_async_export_fails_the_run_saying_how_to_find_the_id(workflow: Workflow) -> None:
    status, accepted = call_tool("fullstory_export_segment", export_request(segmentId="High-Value Customers"))
    assert status == 202
    assert workflow.wait(accepted["executionArn"])["status"] == "FAILED"
    status, report = call_tool("fullstory_get_export_status", {"executionId": accepted["executionId"]})
    assert status == 200 and report["status"] == "FAILED"
    assert "fullstory_list_segments" in report["failure"]["reason"], report


def test_opal_resending_a_call_whose_run_failed_hears_the_failure_at_once(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    sim.fail_next_export("the segment matched too much data")
    first = call_tool("fullstory_export_segment", export_request(), async_callback=_callback(callbacks, "tc-f"))[1]
    assert workflow.wait(first["executionArn"])["status"] == "FAILED"
    [told] = callbacks.received  # the failure went to Opal once
    assert "too much data" in told.body["error"]["detail"]
    status, again = call_tool("fullstory_export_segment", export_request(), async_callback=_callback(callbacks, "tc-f"))
    assert status == 200 and again["status"] == "already_answered" and again["runStatus"] == "FAILED", again
    assert "too much data" in again["failure"]["reason"]
    assert again["callback"]["delivered"] is True and "no callback will follow" in again["message"]
    assert len(callbacks.received) == 1 and len(sim.exports.all()) == 1
