"""Export workflow, task 1: validate the request and create the Fullstory export, exactly once.

The run's marker in the bucket (requests/<run>.json) makes every retry of this task safe:

* before the create is sent, the attempt claims the marker (a conditional write: only one attempt
  of a run can hold it);
* when Fullstory answers with the operation, the marker records it; a later attempt (the answer
  was lost, the function died afterwards) reuses that operation;
* when the answer proves nothing was created (429, 4xx), the claim is released, so a retry creates;
* otherwise (a 5xx, a timeout, a broken connection, an attempt that died after claiming) the
  export may exist: the run fails with FullstoryCreateUncertain instead of creating another.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError

from opal_tools.problems import from_validation_error
from platform_kit.observability import logger
from platform_kit.settings import settings
from segment_exports import storage
from segment_exports.errors import (
    ExportRequestInvalid,
    FullstoryCreateUncertain,
    FullstoryRejected,
    FullstoryThrottled,
    StorageUnavailable,
)
from segment_exports.polling import first_poll_state
from segment_exports.task import with_fullstory, workflow_task
from tools.export_request import CreateSegmentExportParams, start_export

RECORD_ATTEMPTS = 3
RECORD_BACKOFF_S = 0.5


def parse_request(raw: Any) -> CreateSegmentExportParams:
    """The workflow input's ``request``: the parameters of fullstory_create_segment_export."""
    try:
        return CreateSegmentExportParams.model_validate(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        allowed = list(CreateSegmentExportParams.model_fields)
        raise ExportRequestInvalid(from_validation_error(exc, allowed).detail) from None


def _unconfirmed(marker: storage.Marker | None) -> FullstoryCreateUncertain:
    since = f" at {marker.claimed_at}" if marker and marker.claimed_at else ""
    return FullstoryCreateUncertain(
        f"An earlier attempt of this run started creating the export{since} and did not record Fullstory's "
        "answer, so the export may exist; it was not created again. Check Fullstory's operations list, or "
        "start the export again."
    )


def _record(execution: str, operation_id: str) -> None:
    """Best effort, a few times: the run goes on with the operation either way (it is in this task's
    answer); only a retry of this task after a lost answer would need the marker."""
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            storage.record_operation(execution, operation_id)
            return
        except StorageUnavailable as error:
            if attempt == RECORD_ATTEMPTS:
                logger.warning("operation not recorded in the run's marker", extra={"reason": str(error)})
                return
            time.sleep(RECORD_BACKOFF_S * attempt)


def _create_once(execution: str, params: CreateSegmentExportParams, context: Any) -> tuple[str, bool]:
    """The run's operation id, and whether an earlier attempt had created it."""
    marker = storage.read_marker(execution)
    if marker is not None:
        if marker.operation_id:
            return marker.operation_id, True
        raise _unconfirmed(marker)
    if not storage.claim_marker(execution):  # another attempt of this run claimed it just now
        marker = storage.read_marker(execution)
        if marker is not None and marker.operation_id:
            return marker.operation_id, True
        raise _unconfirmed(marker)
    try:
        operation_id = with_fullstory(lambda client: start_export(client, params), context, creating=True)
    except (FullstoryThrottled, FullstoryRejected):
        try:
            storage.release_marker(execution)  # nothing was created: a retry may create
        except StorageUnavailable as error:  # then a retry reports the create as unconfirmed
            logger.warning("the run's marker was not released", extra={"reason": str(error)})
        raise
    _record(execution, operation_id)
    return operation_id, False


def create(event: dict[str, Any], context: Any) -> dict[str, Any]:
    params = parse_request(event.get("request"))
    execution = str(event.get("execution") or "")
    if execution:
        operation_id, reused = _create_once(execution, params, context)
    else:  # invoked by hand, outside a run: no marker to keep
        operation_id = with_fullstory(lambda client: start_export(client, params), context, creating=True)
        reused = False
    return {
        "operationId": operation_id,
        "state": "PENDING",
        "percentComplete": 0,
        "step": "Created",
        "reused": reused,
        "poll": first_poll_state(settings().export_wait_scale),
    }


lambda_handler = workflow_task("create", create)
