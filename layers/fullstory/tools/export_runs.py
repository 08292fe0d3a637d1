"""Segment exports delivered by the export workflow: start a run (async), and follow it.

fullstory_export_segment checks the parameters and starts the workflow; it answers 202 at once.
The workflow creates the export, waits for it, stores the file in the stack's bucket and calls
Opal back. The run is named after Opal's tool_call_id, so a repeated call never starts a second
export. Fullstory is not asked anything here.

Opal's callback (its URL and token) goes into the run's private object in the bucket
(segment_exports/callback_refs.py), never into the run's input: Step Functions would keep it in
the run's history for 90 days. A callback URL that may plainly not be called is a 400 at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from fullstory_client.outbound import UrlRefused
from opal_tools.problems import Problem, bad_parameters
from opal_tools.spec import OPAL_CALL, ToolSpec
from opal_tools.tool_call import Accepted, AsyncCallback, ToolCall
from segment_exports.bucket import ExportBucket
from segment_exports.callback import check_url, readable_cause
from segment_exports.callback_refs import StoredCallback
from segment_exports.errors import StorageUnavailable
from segment_exports.executions import ExportRuns, Started, execution_name, is_execution_id

from .export_request import EXAMPLE_EXPORT, CreateSegmentExportParams, describe
from .export_views import next_check_hint, run_failure_view, run_progress_view, run_result_view
from .needs import READ_EXPORT_FILES, READ_EXPORT_RUNS, START_EXPORT_RUNS, STORE_CALLBACKS
from .params import NOT_A_DOT_SEGMENT, ToolParameters
from .views import iso_time

# The workflow's TimeoutSeconds (statemachine/export_segment.asl.json); published as the async
# tool's timeout so Opal stops waiting when the workflow can no longer call back.
EXPORT_WORKFLOW_TIMEOUT_S = 4 * 3600


# An id not of the form fullstory_export_segment answers: most often an operationId of the other export tool.
_NOT_OURS = (
    " returned by fullstory_export_segment (those start with 'opal-' or 'manual-'); an operationId from "
    "fullstory_create_segment_export is followed with fullstory_get_operation_status"
)


class GetExportStatusParams(ToolParameters):
    executionId: Annotated[str, StringConstraints(min_length=1, max_length=2048), NOT_A_DOT_SEGMENT] = Field(
        description="The executionId (or executionArn) that fullstory_export_segment returned."
    )


def _checked(callback: AsyncCallback) -> StoredCallback:
    try:
        check_url(callback.url)
    except UrlRefused as refused:
        raise bad_parameters([{"parameter": "async_callback.url", "problem": refused.reason}]) from None
    token = getattr(callback, "callback_token", None)  # Opal may send none
    return StoredCallback(callback.url, callback.tool_call_id, token if isinstance(token, str) and token else None)


def _storage_unavailable() -> Problem:
    return Problem(
        503,
        "Export workflow unavailable",
        "The export bucket did not accept the call's callback; try again in a minute.",
        "EXPORT_WORKFLOW_UNAVAILABLE",
        retry_after=30,
    )


def _accepted_message(callback: AsyncCallback | None, run_name: str) -> str:
    if callback is not None:
        return (
            "The export has started. The download link and S3 location will be sent back when the file is "
            "ready (usually minutes, up to an hour)."
        )
    return (
        f"The export has started. Call fullstory_get_export_status with executionId {run_name} to follow it "
        "and get the file when it is ready."
    )


def _told(bucket: ExportBucket, name: str) -> dict[str, Any] | None:
    """How the finished run of a resent call told Opal; None when that is no longer known."""
    try:
        return bucket.callback_outcome(name)
    except StorageUnavailable:  # or removed by the lifecycle rule: the run's output still has it
        return None


def _answered_message(name: str, told: dict[str, Any] | None, stopped: str | None) -> str:
    if told and told.get("delivered") is True:
        where = f" at {told['host']}" if told.get("host") else ""
        when = told.get("at") or stopped
        head = f"This call was answered already: its result was delivered to Opal's callback{where} at {when}."
    elif told:
        reason = readable_cause(str(told.get("reason") or "")) or "no reason recorded"
        head = f"This call's run finished at {stopped}, but its callback to Opal was not delivered ({reason})."
    else:
        head = f"This call's run finished at {stopped}; its result was sent to Opal's callback then."
    return (
        f"{head} No second export was started and no callback will follow: the outcome is in this answer; "
        f"fullstory_get_export_status with executionId {name} gives it with a fresh download link."
    )


def _already_answered(run: Started, told: dict[str, Any] | None, runs: ExportRuns) -> dict[str, Any]:
    """A resent call whose run has finished: its outcome now (200), instead of a callback that never comes."""
    described = runs.describe(run.arn) or {}
    status = str(described.get("status") or run.status)
    stopped = iso_time(described.get("stopDate"))
    answer: dict[str, Any] = {
        "status": "already_answered",
        "executionId": run.name,
        "executionArn": run.arn,
        "runStatus": status,
        "startedAt": iso_time(run.start_date),
        "stoppedAt": stopped,
    }
    if status == "SUCCEEDED":
        answer["result"] = run_result_view(described.get("output"), None)  # this tool may not read files
    else:
        answer["failure"] = run_failure_view(status, described.get("error"), described.get("cause"))
    if told:
        answer["callback"] = {k: told[k] for k in ("delivered", "attempts", "at", "host") if k in told}
    answer["message"] = _answered_message(run.name, told, stopped)
    return answer


def export_segment(
    params: CreateSegmentExportParams, *, call: ToolCall, runs: ExportRuns, bucket: ExportBucket
) -> Accepted | dict[str, Any]:
    """Start the export workflow (once per Opal call) and answer 202; a resent call whose run has
    finished gets that run's outcome at once."""
    execution_input: dict[str, Any] = {"request": params.model_dump(exclude_none=True)}
    callback = call.async_callback
    stored = _checked(callback) if callback is not None else None
    name = execution_name(callback.tool_call_id if callback else None)
    # A resent call: the run is asked first, so a new call reads nothing from the bucket.
    previous = runs.describe(runs.execution_arn(name)) if stored is not None else None
    finished = previous is not None and previous.get("status") != "RUNNING"
    told = _told(bucket, name) if finished else None
    if stored is not None:
        if not finished:  # a finished run has told Opal: keep no token, and its outcome as it is
            try:  # before the run starts: its first failure may call back within a second
                bucket.store_callback(name, stored)
            except StorageUnavailable:
                raise _storage_unavailable() from None
        execution_input["callback"] = {"tool_call_id": stored.tool_call_id}
    run = runs.start(execution_input, name)
    if stored is not None and run.already_existed and run.status != "RUNNING":
        # Finished between the describe and the start (its last moment): the token just stored is
        # never used, and the callbacks/ lifecycle rule removes it within a day.
        return _already_answered(run, told, runs)
    body: dict[str, Any] = {
        "status": "accepted",
        "executionId": run.name,
        "executionArn": run.arn,
        "startedAt": iso_time(run.start_date),
        "runStatus": run.status,
        "request": describe(params),  # what the workflow will send Fullstory, and the notes on it
    }
    if run.already_existed or run.status != "RUNNING":
        body["note"] = "This call was already accepted; no second export was started."
    body["message"] = _accepted_message(callback, run.name)
    return Accepted(body)


def get_export_status(params: GetExportStatusParams, *, runs: ExportRuns, bucket: ExportBucket) -> dict[str, Any]:
    """How a run of the export workflow is doing, and its file when done."""
    arn = runs.resolve(params.executionId)
    if arn is None:
        raise bad_parameters([{"parameter": "executionId", "problem": f"is not an executionId{_NOT_OURS}"}])
    run = runs.describe(arn)
    if run is None:
        kind = "" if is_execution_id(params.executionId) else _NOT_OURS
        raise Problem(
            404,
            "Export run not found",
            f"No export run {params.executionId} exists (runs are kept 90 days){kind}. Start one with "
            "fullstory_export_segment.",
            "EXPORT_RUN_NOT_FOUND",
        )
    status = str(run.get("status"))
    answer: dict[str, Any] = {
        "executionId": arn.rsplit(":", 1)[-1],
        "status": status,
        "startedAt": iso_time(run.get("startDate")),
        "stoppedAt": iso_time(run.get("stopDate")),
    }
    if status == "RUNNING":
        progress = runs.latest_job(arn)
        answer["progress"] = run_progress_view(progress)
        answer["next"] = next_check_hint(progress)
    elif status == "SUCCEEDED":
        answer["result"] = run_result_view(run.get("output"), bucket)
    else:
        answer["failure"] = run_failure_view(status, run.get("error"), run.get("cause"))
    return answer


EXPORT_SEGMENT = ToolSpec(
    name="fullstory_export_segment",
    description=(
        "Export a Fullstory segment and deliver the file when it is ready, without polling: same parameters as "
        "fullstory_create_segment_export. The export runs in the background (minutes up to an hour); the answer "
        "comes back by itself with a download link and the file's S3 location. Prefer it over "
        "fullstory_create_segment_export when the user just wants the file. Without a callback, follow it with "
        "fullstory_get_export_status and the returned executionId."
    ),
    parameters=CreateSegmentExportParams,
    group="exports",
    run=export_segment,
    needs=(OPAL_CALL, START_EXPORT_RUNS, STORE_CALLBACKS),  # not Fullstory: the workflow's tasks call it
    mode="async",
    timeout_s=EXPORT_WORKFLOW_TIMEOUT_S,
    example_prompt="Export everyone's sessions for last week as NDJSON and send me the file.",
    example_parameters=EXAMPLE_EXPORT,
    read_only=False,  # starts an export
)

GET_EXPORT_STATUS = ToolSpec(
    name="fullstory_get_export_status",
    description=(
        "Check a delivered export started with fullstory_export_segment, by its executionId: whether it is "
        "running, done or failed, how far the Fullstory export is, and when done the file's S3 location, size "
        "and a fresh download link."
    ),
    parameters=GetExportStatusParams,
    group="exports",
    run=get_export_status,
    needs=(READ_EXPORT_RUNS, READ_EXPORT_FILES),  # Step Functions and S3 only
    example_prompt="Is my segment export delivered yet?",
    example_parameters={"executionId": "REPLACE_WITH_EXECUTION_ID"},
)
