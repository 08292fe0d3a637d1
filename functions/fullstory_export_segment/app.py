"""fullstory_export_segment (async): start the export workflow and answer 202 at once.

The workflow creates the export, waits for it, stores the file in the stack's bucket and calls
Opal back. The run is named after Opal's tool_call_id, so a repeated call never starts a second
export. Fullstory is not asked anything here: the parameters are checked, the run started.

Opal's callback (its URL and token) goes into the run's private object in the bucket
(segment_exports/callback_refs.py), never into the run's input: Step Functions would keep it in
the run's history for 90 days. A callback URL that may plainly not be called is a 400 at once.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from catalog.exports import EXPORT_SEGMENT, CreateSegmentExportParams
from fullstory_client import FullstoryClient
from fullstory_client.outbound import UrlRefused
from opal_tools.adapter import tool_handler
from opal_tools.problems import Problem, bad_parameters
from opal_tools.tool_call import Accepted, AsyncCallback, ToolCall
from opal_tools.views import iso_time
from segment_exports import callback_refs, executions
from segment_exports.callback import check_url
from segment_exports.callback_refs import StoredCallback
from segment_exports.errors import StorageUnavailable
from segment_exports.request import describe
from segment_exports.tool_errors import workflow_problems


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


def export_segment(params: CreateSegmentExportParams, client: FullstoryClient | None, call: ToolCall) -> Accepted:
    del client  # None (calls_fullstory=False): the workflow's tasks talk to Fullstory
    execution_input: dict[str, Any] = {"request": params.model_dump(exclude_none=True)}
    callback = call.async_callback
    stored = _checked(callback) if callback is not None else None
    name = executions.execution_name(callback.tool_call_id if callback else None)
    with workflow_problems():
        if stored is not None:
            try:  # before the run starts: its first failure may call back within a second
                callback_refs.store(name, stored)
            except StorageUnavailable:
                raise _storage_unavailable() from None
            execution_input["callback"] = {"tool_call_id": stored.tool_call_id}
        run = executions.start(execution_input, name)
    if stored is not None and run.already_existed and run.status != "RUNNING":
        # That run has told Opal already: keep no token for it (else the lifecycle rule removes it).
        with suppress(StorageUnavailable):
            callback_refs.delete(name)
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
    if callback is not None:
        body["message"] = (
            "The export has started. The download link and S3 location will be sent back when the file is "
            "ready (usually minutes, up to an hour)."
        )
    else:
        body["message"] = (
            f"The export has started. Call fullstory_get_export_status with executionId {run.name} to follow it "
            "and get the file when it is ready."
        )
    return Accepted(body)


lambda_handler = tool_handler(EXPORT_SEGMENT, export_segment)
