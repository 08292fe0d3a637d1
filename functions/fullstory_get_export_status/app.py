"""fullstory_get_export_status: how a run of the export workflow is doing, and its file when done."""

from __future__ import annotations

from typing import Any

from catalog.exports import GET_EXPORT_STATUS, GetExportStatusParams
from fullstory_client import FullstoryClient
from opal_tools.adapter import tool_handler
from opal_tools.problems import Problem, bad_parameters
from opal_tools.views import iso_time
from segment_exports import executions
from segment_exports.tool_errors import workflow_problems
from segment_exports.views import run_failure_view, run_progress_view, run_result_view


def _status(execution_id: str) -> dict[str, Any]:
    arn = executions.resolve(execution_id)
    if arn is None:
        raise bad_parameters(
            [{"parameter": "executionId", "problem": "is not an executionId returned by fullstory_export_segment"}]
        )
    run = executions.describe(arn)
    if run is None:
        raise Problem(
            404,
            "Export run not found",
            f"No export run {execution_id} exists (runs are kept 90 days). Start one with fullstory_export_segment.",
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
        answer["progress"] = run_progress_view(executions.latest_job(arn))
        answer["next"] = "Still running; check again in a few minutes."
    elif status == "SUCCEEDED":
        answer["result"] = run_result_view(run.get("output"))
    else:
        answer["failure"] = run_failure_view(status, run.get("error"), run.get("cause"))
    return answer


def get_export_status(params: GetExportStatusParams, client: FullstoryClient | None) -> dict[str, Any]:
    del client  # None (calls_fullstory=False): only Step Functions and S3 are read
    with workflow_problems():
        return _status(params.executionId)


lambda_handler = tool_handler(GET_EXPORT_STATUS, get_export_status)
