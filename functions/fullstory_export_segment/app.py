"""fullstory_export_segment (async): start the export workflow and answer 202 at once.

The workflow creates the export, waits for it, stores the file in the stack's bucket and calls
Opal back. The run is named after Opal's tool_call_id, so a repeated call never starts a second
export. Fullstory is not asked anything here: the parameters are checked, the run started.
"""

from __future__ import annotations

from typing import Any

import opal_tools.secrets_prefetch  # noqa: F401 - first: the secrets are read while the rest imports
from catalog.exports import EXPORT_SEGMENT, CreateSegmentExportParams
from fullstory_client import FullstoryClient
from opal_tools.adapter import tool_handler
from opal_tools.tool_call import Accepted, ToolCall
from opal_tools.views import iso_time
from segment_exports import executions
from segment_exports.request import describe
from segment_exports.tool_errors import workflow_problems


def export_segment(params: CreateSegmentExportParams, client: FullstoryClient | None, call: ToolCall) -> Accepted:
    del client  # None (calls_fullstory=False): the workflow's tasks talk to Fullstory
    execution_input: dict[str, Any] = {"request": params.model_dump(exclude_none=True)}
    callback = call.async_callback
    if callback is not None:
        execution_input["callback"] = callback.as_dict()
    name = executions.execution_name(callback.tool_call_id if callback else None)
    with workflow_problems():
        run = executions.start(execution_input, name)
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
