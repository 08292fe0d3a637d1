"""One export per run, whatever fails: a proxy that answers 502/504 after forwarding the create,
task functions that die (before or after doing their work), and S3 failing around the run's marker.
Exports are counted in the simulator (what Fullstory created), files in the bucket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator

from .harness import Workflow, export_request
from .upstream import ForwardingProxy, bad_gateway, gateway_timeout

CREATE = r"^/segments/v1/exports$"
TASKS = ("ExportCreateFunction", "ExportCheckFunction", "ExportDeliverFunction")
CRASHES = ("Runtime.ExitError", "Runtime.OutOfMemory", "Lambda.Unknown", "Sandbox.Timedout")


def _exports(sim: FullstorySimulator) -> int:
    return len(sim.exports.all())


def _files(bucket: str, prefix: str = "exports/") -> list[str]:
    import boto3

    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]


def _bucket(workflow: Workflow) -> str:
    return workflow.deployed.buckets["ExportBucket"]


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch, workflow: Workflow, sim: FullstorySimulator) -> Iterator[ForwardingProxy]:
    """Fullstory behind a proxy: the workflow's tasks talk to it instead of the simulator."""
    server = ForwardingProxy(sim.base_url).start()
    monkeypatch.setenv("FULLSTORY_API_BASE_URL", server.url())
    yield server
    server.stop()


@pytest.mark.parametrize("rewrite", [gateway_timeout, bad_gateway], ids=["504", "502"])
def test_a_create_processed_then_answered_by_a_gateway_error_creates_one_export(
    workflow: Workflow, sim: FullstorySimulator, proxy: ForwardingProxy, rewrite: Any
) -> None:
    # The proxy keeps answering the create with the gateway error: every attempt would create one more.
    proxy.after("POST", CREATE, rewrite, times=10)
    described = workflow.run({"request": export_request()})
    assert _exports(sim) == 1  # Fullstory created it once; nobody sent the create again
    assert sim.requests.calls(CREATE, "POST") == 1
    assert described["status"] == "FAILED" and described["error"] == "FullstoryCreateUncertain"
    assert "no second export" in json.loads(described["cause"])["errorMessage"]
    assert _files(_bucket(workflow)) == []


def test_a_throttled_create_is_retried_by_the_workflow_and_creates_one_export(
    workflow: Workflow, sim: FullstorySimulator
) -> None:
    # 429 proves nothing was created: more of them than the client's own attempts, so the
    # workflow's Retry steps in (and its marker was released each time).
    sim.inject(CREATE, status=429, times=6, method="POST")
    described = workflow.run({"request": export_request()})
    assert described["status"] == "SUCCEEDED", described
    assert _exports(sim) == 1 and sim.requests.calls(CREATE, "POST") == 7


@pytest.mark.parametrize("crash", CRASHES)
@pytest.mark.parametrize("function", TASKS)
def test_a_task_that_dies_after_its_work_is_retried_without_a_second_export_or_file(
    workflow: Workflow, sim: FullstorySimulator, function: str, crash: str
) -> None:
    workflow.dispatcher.crash_next(function, crash, after_work=True)
    described = workflow.run({"request": export_request()})
    assert described["status"] == "SUCCEEDED", described
    assert _exports(sim) == 1 and len(_files(_bucket(workflow))) == 1
    output = json.loads(described["output"])
    assert output["operationId"] == sim.exports.all()[0].operation_id


@pytest.mark.parametrize("function", TASKS)
def test_a_task_that_dies_before_its_work_is_retried(
    workflow: Workflow, sim: FullstorySimulator, function: str
) -> None:
    workflow.dispatcher.crash_next(function, "Runtime.ExitError", after_work=False, times=2)
    described = workflow.run({"request": export_request()})
    assert described["status"] == "SUCCEEDED", described
    assert _exports(sim) == 1 and len(_files(_bucket(workflow))) == 1


def test_a_task_that_keeps_dying_fails_the_run_after_bounded_retries(
    workflow: Workflow, sim: FullstorySimulator
) -> None:
    workflow.dispatcher.crash_next("ExportDeliverFunction", "Runtime.OutOfMemory", after_work=False, times=10)
    described = workflow.run({"request": export_request()})
    assert described["status"] == "FAILED" and described["error"] == "Runtime.OutOfMemory"
    assert workflow.dispatcher.invocations["ExportDeliverFunction"] == 3  # the first and two retries
    assert _exports(sim) == 1


def test_a_create_that_died_after_sending_is_not_sent_again(workflow: Workflow, sim: FullstorySimulator) -> None:
    # The attempt claimed the marker and sent the create, then died before it recorded the answer
    # (the process was killed between the two): the export may exist, so the retry creates none.
    from segment_exports import storage

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(storage, "record_operation", lambda execution, operation_id: None)  # never got that far
        workflow.dispatcher.crash_next("ExportCreateFunction", "Runtime.ExitError", after_work=True)
        described = workflow.run({"request": export_request()})
    assert _exports(sim) == 1 and sim.requests.calls(CREATE, "POST") == 1
    assert described["status"] == "FAILED" and described["error"] == "FullstoryCreateUncertain"
    assert "may exist" in json.loads(described["cause"])["errorMessage"]


class _S3Faults:
    """Fails S3 calls of one operation under a key prefix before they reach S3, as a connection
    error would (``left`` of them; a request carrying ``unless_header`` passes)."""

    def __init__(self, prefix: str, left: int, unless_header: str | None) -> None:
        self.prefix, self.left, self.unless_header, self.failed = prefix, left, unless_header, 0

    def __call__(self, request: Any, **_: Any) -> None:
        from botocore.exceptions import EndpointConnectionError

        if self.unless_header and self.unless_header in request.headers:
            return
        if self.left > 0 and f"/{self.prefix}" in request.url:
            self.left -= 1
            self.failed += 1
            raise EndpointConnectionError(endpoint_url=request.url)


def _inject_s3(
    monkeypatch: pytest.MonkeyPatch, operation: str, prefix: str, times: int, unless_header: str | None = None
) -> _S3Faults:
    from platform_kit import aws

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore's own retries: none, so the count is exact
    aws.reset()
    faults = _S3Faults(prefix, times, unless_header)
    aws.s3().meta.events.register_first(f"before-send.s3.{operation}", faults)
    return faults


def test_s3_failing_to_record_the_operation_does_not_orphan_the_export(
    workflow: Workflow, sim: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every write of the export's operation id into the marker fails (the conditional claim before
    # the create passes): the run goes on with the export it created instead of failing, orphaning it.
    faults = _inject_s3(monkeypatch, "PutObject", "requests/", times=100, unless_header="If-None-Match")
    described = workflow.run({"request": export_request()})
    assert described["status"] == "SUCCEEDED", described
    assert faults.failed == 3  # the task's own attempts
    assert _exports(sim) == 1 and len(_files(_bucket(workflow))) == 1


def test_s3_failing_to_read_the_marker_is_retried_by_the_workflow(
    workflow: Workflow, sim: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults = _inject_s3(monkeypatch, "GetObject", "requests/", times=2)
    described = workflow.run({"request": export_request()})
    assert described["status"] == "SUCCEEDED", described
    assert faults.failed == 2 and _exports(sim) == 1
    assert workflow.dispatcher.invocations["ExportCreateFunction"] == 3  # StorageUnavailable, retried twice
