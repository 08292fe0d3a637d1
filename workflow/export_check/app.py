"""Export workflow, task 2: ask Fullstory how the export is doing, and when to ask next.

Returns the job with ``state`` (the Choice after this task branches on it) and ``poll.waitSeconds``
(the Wait before the next check). See segment_exports/polling.py for the schedule.
"""

from __future__ import annotations

from typing import Any

from platform_kit.settings import settings
from segment_exports.errors import ExportTimedOut, FullstoryUnavailable
from segment_exports.polling import after_poll
from segment_exports.task import with_fullstory, workflow_task


def max_wait_s() -> int:
    """EXPORT_MAX_WAIT_SECONDS: how long a run waits for Fullstory before it gives up."""
    return settings().export_max_wait_s


def check(event: dict[str, Any], context: Any) -> dict[str, Any]:
    job = dict(event.get("job") or {})
    operation_id = str(job.get("operationId") or "")
    operation = with_fullstory(lambda client: client.get_operation(operation_id), context)
    percent = round(operation.estimate_pct_complete)
    budget = max_wait_s()
    poll = after_poll(job.get("poll") or {}, budget, settings().export_wait_scale)
    job.update(
        state=operation.state,
        percentComplete=100 if operation.state == "COMPLETED" else percent,
        step=operation.step,
        poll=poll,
    )
    if operation.state == "COMPLETED":
        if operation.results is None:
            raise FullstoryUnavailable("Fullstory reported the export COMPLETED without its results yet")
        job["searchExportId"] = operation.results.search_export_id
    elif operation.state == "FAILED":
        job["errorDetails"] = operation.error_details or "Fullstory gave no reason"
    elif poll["waitedSeconds"] >= budget:
        raise ExportTimedOut(
            f"the export was still running in Fullstory after {budget // 60} minutes ({percent}% done); "
            "try a shorter time range"
        )
    return job


lambda_handler = workflow_task("check", check)
