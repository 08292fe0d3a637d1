"""Runs of the export workflow as a language model reads them: progress, the delivered file, failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from segment_exports.bucket import ExportBucket
from segment_exports.callback import failure, readable_cause
from segment_exports.executions import Progress

from .views import iso_time


def run_progress_view(progress: Progress | None) -> dict[str, Any]:
    if progress is None:
        return {"exportState": "STARTING", "note": "The export is being created in Fullstory."}
    job = progress.job
    poll = job.get("poll") or {}
    return {
        "operationId": job.get("operationId"),
        "exportState": job.get("state"),
        "percentComplete": job.get("percentComplete"),
        "step": job.get("step") or None,
        "checks": poll.get("polls", 0),
        "nextCheckAt": iso_time(progress.next_check_at),
    }


def next_check_hint(progress: Progress | None, now: datetime | None = None) -> str:
    """When the run asks Fullstory again: the end of its current Wait, as the run's history says."""
    due = progress.next_check_at if progress is not None else None
    if due is None:
        return "Still running; the workflow is talking to Fullstory now. Check again in a few seconds."
    seconds = round((due - (now or datetime.now(UTC))).total_seconds())
    if seconds <= 0:
        return "Still running; the workflow is checking the export in Fullstory now. Check again in a few seconds."
    when = f"about {max(1, round(seconds / 60))} minute(s)" if seconds >= 90 else f"{seconds} s"
    return f"Still running; the workflow checks the export in Fullstory again in {when} ({iso_time(due)})."


def run_result_view(output: Any, bucket: ExportBucket | None) -> dict[str, Any]:
    """The delivered file; with a fresh download link when ``bucket`` is given."""
    try:
        result = json.loads(output) if isinstance(output, str) else {}
    except ValueError:
        result = {}
    if not isinstance(result, dict):
        return {"note": "The run finished but its output could not be read."}
    view = {
        k: result.get(k)
        for k in ("operationId", "segmentId", "type", "format", "s3Uri", "fileName", "sizeBytes", "storedUntil")
        if result.get(k) is not None
    }
    key = result.get("key")
    # Links handed out at delivery may have expired: sign a fresh one for our own bucket only.
    if bucket is None:
        pass  # the caller says where a link comes from
    elif isinstance(key, str) and bucket.holds_file(result.get("bucket"), key):
        if bucket.file_size(key) is None:
            view["note"] = "The file is no longer in the bucket (deleted after the retention period)."
        else:
            url, expires = bucket.file_link(key)
            view["downloadUrl"] = url
            view["downloadUrlExpiresAt"] = iso_time(expires)
    callback = result.get("callback")
    if isinstance(callback, dict):
        view["callback"] = callback_view(callback)
    return view


def callback_view(outcome: dict[str, Any]) -> dict[str, Any]:
    """Whether Opal was told, beside the file (which is delivered either way)."""
    if outcome.get("delivered") is True:
        return {"delivered": True, "attempts": outcome.get("attempts")}
    view: dict[str, Any] = {"delivered": False}
    for key in ("attempts", "status"):
        if isinstance(outcome.get(key), int):
            view[key] = outcome[key]
    view["reason"] = readable_cause(str(outcome.get("reason") or "")) or "Opal's callback was not sent"
    view["note"] = "The file was delivered; only telling Opal failed. The download link above works."
    return view


def run_failure_view(status: str, error: Any, cause: Any) -> dict[str, Any]:
    if status == "TIMED_OUT":
        return {"reason": "The export run hit its time limit before the file was delivered."}
    if status == "ABORTED":
        return {"reason": "The export run was stopped before the file was delivered."}
    failed = failure(str(error or ""), str(cause or ""))
    return {"error": failed["error"] or None, "reason": failed["cause"], "errorCode": failed["errorCode"]}
