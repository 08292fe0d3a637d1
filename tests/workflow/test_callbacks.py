"""Opal's callback, separate from delivery: sent as the SDK sends it (at most 3 attempts, the same
body, again only after a 5xx or a network failure), and whatever Opal does, the run ends with the
file delivered and the callback's outcome beside it. Opal's token is never in Step Functions."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from tests.conftest import call_tool as _call_tool

from .conftest import CALLBACK_TOKEN
from .harness import BEARER, CallbackServer, Workflow, export_request


def call_tool(tool: str, parameters: Any = None, **envelope: Any) -> tuple[int, dict[str, Any]]:
    return _call_tool(tool, token=BEARER, raw_body=json.dumps({"parameters": parameters or {}, **envelope}))


def _async_export(
    workflow: Workflow, callbacks: CallbackServer, **request: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An async export through the tool, run to its end: (the tool's 202 body, DescribeExecution)."""
    callback = {"url": callbacks.url("/callbacks/tc-7"), "tool_call_id": "tc-7", "callback_token": CALLBACK_TOKEN}
    status, accepted = call_tool("fullstory_export_segment", export_request(**request), async_callback=callback)
    assert status == 202, accepted
    return accepted, workflow.wait(accepted["executionArn"])


def _status_report(execution_id: str) -> dict[str, Any]:
    status, report = call_tool("fullstory_get_export_status", {"executionId": execution_id})
    assert status == 200, report
    return report


@pytest.mark.parametrize("answer", [400, 401, 403, 404, 410, 422, 429, 301, 302, 307, 308])
def test_a_callback_refused_by_opal_is_sent_once_and_the_file_stays_visible(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer, answer: int
) -> None:
    callbacks.statuses = [answer]
    accepted, run = _async_export(workflow, callbacks)
    assert run["status"] == "SUCCEEDED", run  # delivered; only the notification failed
    assert len(callbacks.received) == 1  # a 3xx/4xx is final, and a redirect is not followed
    assert [c.path for c in callbacks.received] == ["/callbacks/tc-7"]

    result = _status_report(accepted["executionId"])["result"]
    assert result["s3Uri"].startswith("s3://") and result["sizeBytes"] == len(sim.exports.all()[0].file)
    assert requests.get(result["downloadUrl"], timeout=10).content == sim.exports.all()[0].file
    callback = result["callback"]
    assert callback["delivered"] is False and callback["attempts"] == 1 and callback["status"] == answer
    assert f"HTTP {answer}" in callback["reason"] and "file was delivered" in callback["note"]


def test_a_callback_that_keeps_failing_is_tried_three_times_with_the_same_body(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    callbacks.statuses = [503, 500, 502, 503, 503]
    accepted, run = _async_export(workflow, callbacks)
    assert run["status"] == "SUCCEEDED"
    assert len(callbacks.received) == 3
    assert len(set(callbacks.raw_bodies)) == 1  # byte for byte
    callback = _status_report(accepted["executionId"])["result"]["callback"]
    assert callback["delivered"] is False and callback["attempts"] == 3 and callback["status"] == 502
    assert callback["reason"] == "Opal's callback URL answered HTTP 502, 3 attempts"


def test_a_callback_that_recovers_within_three_attempts_is_delivered(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    callbacks.statuses = [502, 503, 200]
    accepted, run = _async_export(workflow, callbacks)
    assert run["status"] == "SUCCEEDED" and len(callbacks.received) == 3
    assert callbacks.raw_bodies[0] == callbacks.raw_bodies[2]
    assert _status_report(accepted["executionId"])["result"]["callback"] == {"delivered": True, "attempts": 3}


def test_a_callback_slower_than_its_timeout_is_tried_three_times(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segment_exports import callback

    monkeypatch.setattr(callback, "TIMEOUT_S", 0.3)  # the SDK's 10 s, shortened for the test
    callbacks.delay_s = 1.0
    accepted, run = _async_export(workflow, callbacks)
    assert run["status"] == "SUCCEEDED"
    assert len(callbacks.received) == 3
    outcome = _status_report(accepted["executionId"])["result"]["callback"]
    assert outcome["delivered"] is False and outcome["attempts"] == 3
    assert "could not be reached (ReadTimeoutError)" in outcome["reason"]


def test_a_notify_task_that_dies_after_telling_opal_does_not_tell_again(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    workflow.dispatcher.crash_next("ExportNotifyFunction", "Runtime.ExitError", after_work=True)
    accepted, run = _async_export(workflow, callbacks)
    assert run["status"] == "SUCCEEDED"
    assert len(callbacks.received) == 1
    assert workflow.dispatcher.invocations["ExportNotifyFunction"] == 2
    assert _status_report(accepted["executionId"])["result"]["callback"] == {"delivered": True, "attempts": 1}


def test_a_notify_task_that_keeps_dying_still_ends_with_the_file(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    workflow.dispatcher.crash_next("ExportNotifyFunction", "Runtime.OutOfMemory", after_work=False, times=10)
    accepted, run = _async_export(workflow, callbacks)
    assert run["status"] == "SUCCEEDED" and callbacks.received == []
    result = _status_report(accepted["executionId"])["result"]
    assert result["s3Uri"].startswith("s3://") and result["callback"]["delivered"] is False
    assert "died" in result["callback"]["reason"]


def test_a_callback_without_token_is_sent_without_authorization(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    # What the async tool stores for an async_callback that has no callback_token (as the SDK does).
    from segment_exports import callback_refs

    callback_refs.store("run-without-token", callback_refs.StoredCallback(callbacks.url(), "tc-9", None))
    run = workflow.run({"request": export_request(), "callback": {"tool_call_id": "tc-9"}}, name="run-without-token")
    assert run["status"] == "SUCCEEDED"
    [call] = callbacks.received
    assert "authorization" not in call.headers and call.body["content"]["s3Uri"].startswith("s3://")


def _everything_step_functions_keeps(workflow: Workflow, arn: str) -> str:
    described = workflow.sfn().describe_execution(executionArn=arn)
    events = workflow.history(arn)
    return json.dumps([described.get("input"), described.get("output"), events], default=str)


@pytest.mark.parametrize("outcome", ["delivered", "export failed"])
def test_opal_callback_token_is_never_in_step_functions(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer, outcome: str
) -> None:
    import boto3

    if outcome == "export failed":
        sim.fail_next_export("export quota exceeded")
    accepted, run = _async_export(workflow, callbacks)
    assert run["status"] == ("SUCCEEDED" if outcome == "delivered" else "FAILED")
    [call] = callbacks.received
    assert call.headers["authorization"] == f"Bearer {CALLBACK_TOKEN}"  # Opal got it, from the bucket

    kept = _everything_step_functions_keeps(workflow, accepted["executionArn"])
    assert len(workflow.history(accepted["executionArn"])) > 20
    assert CALLBACK_TOKEN not in kept
    assert callbacks.url("/callbacks/tc-7") not in kept  # nor the URL it goes with

    # After the callback, the run's object no longer holds the token (only the outcome).
    bucket = workflow.deployed.buckets["ExportBucket"]
    s3 = boto3.client("s3")
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="callbacks/").get("Contents", [])]
    for key in stored:
        assert CALLBACK_TOKEN.encode() not in s3.get_object(Bucket=bucket, Key=key)["Body"].read()
