"""statemachine/export_segment.asl.json end to end in moto: the happy path, Fullstory's FAILED,
transient faults at every task, Opal callbacks, the time limits, and never a second export."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator

from .conftest import CALLBACK_TOKEN
from .harness import CallbackServer, Workflow, export_request

CREATE = r"^/segments/v1/exports$"
OPERATION = r"^/operations/v1/"
RESULTS = r"^/search/v1/exports/[^/]+/results$"
DOWNLOAD = r"^/__sim/downloads/"
V2_MIME = "application/vnd.optimizely.opal.tools+json"


def _creates(sim: FullstorySimulator) -> int:
    """Exports Fullstory actually created (a create answered 429 or 503 created nothing)."""
    return len(sim.exports.all())


def _output(described: dict[str, Any]) -> dict[str, Any]:
    assert described["status"] == "SUCCEEDED", described
    output: dict[str, Any] = json.loads(described["output"])
    return output


def _stored(output: dict[str, Any]) -> bytes:
    import boto3

    body: bytes = boto3.client("s3").get_object(Bucket=output["bucket"], Key=output["key"])["Body"].read()
    return body


def test_completes_after_several_polls_and_delivers_the_file(workflow: Workflow, sim: FullstorySimulator) -> None:
    sim.export_seconds = 600.0
    output = _output(workflow.run({"request": export_request(fields="url, referrer, user id")}))

    assert _creates(sim) == 1
    polls = sim.requests.calls(OPERATION, "GET")
    assert 3 <= polls <= 12 and output["polls"] == polls
    assert sim.requests.calls(RESULTS) == 1 and sim.requests.calls(DOWNLOAD) == 1

    # The stored object is Fullstory's gzip file byte for byte; the answer says where it is.
    job = sim.exports.all()[0]
    assert job.request.type == "TYPE_EVENT" and job.request.scope == "SCOPE_SESSIONS"
    assert job.request.fields == ("PageUrl", "PageRefererUrl", "UserAppKey")
    stored = _stored(output)
    assert stored == job.file and gzip.decompress(stored)
    assert output["s3Uri"] == f"s3://{output['bucket']}/{output['key']}"
    assert output["key"].startswith("exports/") and output["key"].endswith(".ndjson.gz")
    assert output["sizeBytes"] == len(stored)
    assert output["format"] == "FORMAT_NDJSON" and output["contentType"] == "application/gzip"
    assert output["downloadUrlExpiresAt"] and output["storedUntil"]
    # The presigned link serves the same bytes (moto answers S3 URLs in-process).
    assert requests.get(output["downloadUrl"], timeout=10).content == stored


def test_fullstory_failed_ends_in_fail_with_its_reason(workflow: Workflow, sim: FullstorySimulator) -> None:
    sim.fail_next_export("the search backend timed out; try a shorter time range")
    described = workflow.run({"request": export_request()})
    assert described["status"] == "FAILED"
    assert described["error"] == "ExportFailed"
    assert described["cause"] == "the search backend timed out; try a shorter time range"
    assert _creates(sim) == 1 and sim.requests.calls(RESULTS) == 0


def test_invalid_request_fails_without_calling_fullstory(workflow: Workflow, sim: FullstorySimulator) -> None:
    described = workflow.run({"request": export_request(timeRange={"start": "last week"})})
    assert described["status"] == "FAILED" and described["error"] == "ExportRequestInvalid"
    assert "timeRange.start" in json.loads(described["cause"])["errorMessage"]
    assert len(sim.requests) == 0


FAULT_SITES = {
    "create": (CREATE, "POST"),
    "check": (OPERATION, "GET"),
    "results": (RESULTS, "GET"),
    "download": (DOWNLOAD, "GET"),
}


@pytest.mark.parametrize(
    ("site", "status"),
    # Not a 503 on the create: it may come from a proxy that forwarded it (test_exactly_once.py).
    [(site, status) for site in sorted(FAULT_SITES) for status in (429, 503) if (site, status) != ("create", 503)],
)
def test_transient_fullstory_faults_at_every_task_are_survived(
    workflow: Workflow, sim: FullstorySimulator, site: str, status: int
) -> None:
    path, method = FAULT_SITES[site]
    # More failures than the client's own attempts (4), so the workflow's Retry must step in.
    sim.inject(path, status=status, times=6, method=method)
    output = _output(workflow.run({"request": export_request()}))
    assert _creates(sim) == 1
    assert sim.requests.calls(path, method) >= 7
    assert _stored(output) == sim.exports.all()[0].file
    assert sim.pending_faults() == []


@pytest.mark.parametrize("function", ["ExportCreateFunction", "ExportCheckFunction", "ExportDeliverFunction"])
def test_lambda_service_errors_at_every_task_are_survived(
    workflow: Workflow, sim: FullstorySimulator, function: str
) -> None:
    workflow.dispatcher.fail_next(function, "ServiceException", times=2)
    workflow.dispatcher.fail_next(function, "TooManyRequestsException", status=429)
    output = _output(workflow.run({"request": export_request()}))
    assert _creates(sim) == 1
    assert output["sizeBytes"] > 0


def test_a_create_retried_after_it_ran_reuses_its_export(workflow: Workflow, sim: FullstorySimulator) -> None:
    # The first create succeeds but its answer is lost (Lambda fails after the handler ran):
    # the retry must find the run's marker and not start a second export.
    from local.workflows import LambdaDispatcher

    original = LambdaDispatcher.invoke
    lost: list[bool] = []

    def lose_first_answer(self: LambdaDispatcher, function_name: str, body: Any, headers: dict[str, str]) -> bytes:
        answer = original(self, function_name, body, headers)
        if function_name.endswith(":ExportCreateFunction") and not lost:
            lost.append(True)
            from moto.core.exceptions import JsonRESTError

            error = JsonRESTError("ServiceException", "answer lost")
            error.code = 500
            raise error
        return answer

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(LambdaDispatcher, "invoke", lose_first_answer)
        output = _output(workflow.run({"request": export_request()}))
    assert lost and _creates(sim) == 1
    assert workflow.dispatcher.invocations["ExportCreateFunction"] == 2
    assert output["operationId"] == sim.exports.all()[0].operation_id


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_an_unconfirmed_create_is_not_retried(workflow: Workflow, sim: FullstorySimulator, status: int) -> None:
    # A 5xx on the POST may have created the export (a gateway may have forwarded it): retrying
    # could start a second one.
    sim.inject(CREATE, status=status, times=1, method="POST")
    described = workflow.run({"request": export_request()})
    assert described["status"] == "FAILED" and described["error"] == "FullstoryCreateUncertain"
    assert sim.requests.calls(CREATE, "POST") == 1  # neither the client nor the workflow asked again


def test_a_rejected_request_is_not_retried(workflow: Workflow, sim: FullstorySimulator) -> None:
    described = workflow.run({"request": export_request(segmentId="no-such-segment")})
    assert described["status"] == "FAILED" and described["error"] == "FullstoryRejected"
    assert sim.requests.calls(CREATE, "POST") == 1
    message = json.loads(described["cause"])["errorMessage"]
    assert "Fullstory has no segment with that segmentId" in message and "fullstory_list_segments" in message


def _with_callback(callbacks: CallbackServer, **request: Any) -> dict[str, Any]:
    return {
        "request": export_request(**request),
        "callback": {"url": callbacks.url(), "tool_call_id": "tc-1", "callback_token": CALLBACK_TOKEN},
    }


def test_callback_delivers_the_result_with_the_call_token(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    output = _output(workflow.run(_with_callback(callbacks)))
    assert len(callbacks.received) == 1
    call = callbacks.received[0]
    assert call.path == "/callbacks/tc-1"
    assert call.headers["authorization"] == f"Bearer {CALLBACK_TOKEN}"
    assert call.headers["content-type"] == V2_MIME
    assert call.body["content_type"] == "application/json"
    assert call.body["content"]["s3Uri"] == output["s3Uri"]
    assert call.body["content"]["downloadUrl"] == output["downloadUrl"]
    assert output["downloadUrl"] in call.body["message"] and "error" not in call.body
    assert CALLBACK_TOKEN not in json.dumps(output)


def test_failure_callback_carries_fullstorys_reason(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    sim.fail_next_export("export quota exceeded for this month")
    described = workflow.run(_with_callback(callbacks))
    assert described["status"] == "FAILED" and described["error"] == "ExportFailed"
    assert len(callbacks.received) == 1
    call = callbacks.received[0]
    assert call.headers["authorization"] == f"Bearer {CALLBACK_TOKEN}"
    error = call.body["error"]
    assert error["error_code"] == "EXPORT_FAILED" and error["detail"] == "export quota exceeded for this month"
    assert "export quota exceeded" in call.body["message"] and "content" not in call.body


def test_failure_callback_for_a_task_error_is_readable(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer
) -> None:
    sim.admin = False  # a Standard key: exports answer 403
    try:
        described = workflow.run(_with_callback(callbacks))
    finally:
        sim.admin = True
    assert described["status"] == "FAILED" and described["error"] == "FullstoryRejected"
    error = callbacks.received[0].body["error"]
    assert error["error_code"] == "FULLSTORY_REJECTED" and "Admin key" in error["detail"]
    assert not error["detail"].startswith("{")  # the reason, not Lambda's JSON error payload


def test_an_export_that_never_finishes_times_out_with_a_failure_callback(
    workflow: Workflow, sim: FullstorySimulator, callbacks: CallbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim.export_seconds = 10 * 3600.0
    monkeypatch.setenv("EXPORT_MAX_WAIT_SECONDS", str(3 * 3600))
    described = workflow.run(_with_callback(callbacks))
    assert described["status"] == "FAILED" and described["error"] == "ExportTimedOut"
    assert callbacks.received[0].body["error"]["error_code"] == "EXPORT_TIMED_OUT"
    assert sum(workflow.clock.waits) == 3 * 3600  # the last wait is trimmed to the budget
    assert sim.requests.calls(OPERATION) <= 32  # the schedule's checks in 3 h (segment_exports/polling.py)


def test_the_whole_run_is_bounded_by_timeout_seconds(
    workflow: Workflow, sim: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Even if the task-level budget were larger, the state machine's TimeoutSeconds ends the run.
    sim.export_seconds = 48 * 3600.0
    monkeypatch.setenv("EXPORT_MAX_WAIT_SECONDS", str(24 * 3600))
    started = workflow.clock.time()
    described = workflow.run({"request": export_request()})
    assert described["status"] == "TIMED_OUT"
    assert workflow.clock.time() - started == pytest.approx(4 * 3600, abs=1)
