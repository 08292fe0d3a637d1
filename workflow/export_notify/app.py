"""Export workflow, task 4: tell Opal. POSTs the v2 envelope (the result, or the failure) to the
call's ``async_callback.url`` with ``Authorization: Bearer <callback_token>``."""

from __future__ import annotations

from typing import Any

from segment_exports.callback import failure_envelope, post, success_envelope
from segment_exports.errors import CallbackRejected
from segment_exports.task import workflow_task


def notify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    callback = event.get("callback") or {}
    url, token = callback.get("url"), callback.get("callback_token")
    if not isinstance(url, str) or not isinstance(token, str):
        raise CallbackRejected("the run's callback has no url or callback_token")
    result = event.get("result")
    if isinstance(result, dict):
        envelope = success_envelope(result)
    else:
        error = event.get("error") or {}
        envelope = failure_envelope(str(error.get("Error") or ""), str(error.get("Cause") or ""))
    status = post(url, token, envelope)
    return {"delivered": True, "status": status, "outcome": "result" if isinstance(result, dict) else "failure"}


lambda_handler = workflow_task("notify", notify)
