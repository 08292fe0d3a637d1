"""Export answers as a language model reads them: links with their expiry, progress, results."""

from __future__ import annotations

import json
from typing import Any

from fullstory_client.models import ExportDownload
from opal_tools.views import iso_time

from . import storage
from .callback import failure, readable_cause


def download_view(link: ExportDownload, search_export_id: str) -> dict[str, Any]:
    return {
        "downloadUrl": link.location,
        "downloadUrlExpiresAt": iso_time(link.expires),
        "file": "gzip-compressed (.gz); unzip it to read the CSV / JSON / NDJSON",
        "note": (
            "The link works for only about 5 minutes. When it has expired, call "
            f"fullstory_get_search_export_results with id {search_export_id} for a fresh one."
        ),
    }


def run_progress_view(job: dict[str, Any] | None) -> dict[str, Any]:
    if not job:
        return {"exportState": "STARTING", "note": "The export is being created in Fullstory."}
    poll = job.get("poll") or {}
    return {
        "operationId": job.get("operationId"),
        "exportState": job.get("state"),
        "percentComplete": job.get("percentComplete"),
        "step": job.get("step") or None,
        "checks": poll.get("polls", 0),
    }


def run_result_view(output: Any) -> dict[str, Any]:
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
    if isinstance(key, str) and result.get("bucket") == storage.bucket() and storage.is_export_key(key):
        if storage.object_size(key) is None:
            view["note"] = "The file is no longer in the bucket (deleted after the retention period)."
        else:
            url, expires = storage.presign(key)
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
