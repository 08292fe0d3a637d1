"""Export workflow, task 4: tell Opal. POSTs the v2 envelope (the result, or the failure) to the
call's ``async_callback.url`` with ``Authorization: Bearer <callback_token>``.

The callback is read from the run's object in the bucket (callback_refs.py), never from Step
Functions. Telling Opal is an outcome of its own: whether Opal took it or not, the answer is the
delivered result with ``callback`` beside it (``delivered``, ``attempts``, ``status``, ``reason``),
so a refused or unreachable callback never hides a file that is in the bucket.
"""

from __future__ import annotations

from typing import Any

from platform_kit.observability import logger
from segment_exports import callback_refs
from segment_exports.callback import Outcome, failure_envelope, send, success_envelope
from segment_exports.callback_refs import StoredCallback
from segment_exports.errors import StorageUnavailable
from segment_exports.task import workflow_task


def _inline(raw: Any) -> StoredCallback | None:
    """A callback put in the run's input by whoever started it by hand (the async tool never does)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
        return None
    token = raw.get("callback_token")
    return StoredCallback(raw["url"], str(raw.get("tool_call_id") or ""), token if isinstance(token, str) else None)


def _tell(execution: str, stored: StoredCallback, envelope: dict[str, Any]) -> Outcome:
    def count(attempt: int) -> None:
        try:  # a restarted task then knows what was sent
            callback_refs.count_attempt(execution, stored, attempt)
        except StorageUnavailable as error:
            logger.warning("callback attempt not counted", extra={"reason": str(error)})

    outcome = send(stored.url, stored.callback_token, envelope, attempted=stored.attempts, before_attempt=count)
    try:  # told or given up on: the token has no further use
        callback_refs.finish(execution, stored, outcome.as_dict())
    except StorageUnavailable as error:  # the lifecycle rule removes it within a day
        logger.warning("callback token not removed", extra={"reason": str(error)})
    return outcome


def notify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    execution = str(event.get("execution") or "")
    result = event.get("result")
    if isinstance(result, dict):
        envelope = success_envelope(result)
    else:
        error = event.get("error") or {}
        envelope = failure_envelope(str(error.get("Error") or ""), str(error.get("Cause") or ""))
    stored = (callback_refs.load(execution) if execution else None) or _inline(event.get("callback"))
    if stored is None:
        told = Outcome(False, 0, reason="the run has no callback to send (none was stored)").as_dict()
    elif stored.outcome is not None:  # this task ran before and told Opal; not again
        told = stored.outcome
    elif execution:
        told = _tell(execution, stored, envelope).as_dict()
    else:
        told = send(stored.url, stored.callback_token, envelope).as_dict()
    logger.info("callback outcome", extra={"delivered": told.get("delivered"), "attempts": told.get("attempts")})
    answer = dict(result) if isinstance(result, dict) else {}
    answer["callback"] = told
    return answer


lambda_handler = workflow_task("notify", notify)
