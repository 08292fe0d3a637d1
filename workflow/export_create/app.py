"""Export workflow, task 1: validate the request and create the Fullstory export, exactly once.

A marker in the bucket remembers the operation a run created, so when Step Functions retries this
task after a Lambda service error the export is not created a second time.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from catalog.exports import CreateSegmentExportParams
from opal_tools.problems import from_validation_error
from segment_exports import storage
from segment_exports.errors import ExportRequestInvalid
from segment_exports.polling import first_poll_state
from segment_exports.request import start_export
from segment_exports.task import with_fullstory, workflow_task


def parse_request(raw: Any) -> CreateSegmentExportParams:
    """The workflow input's ``request``: the parameters of fullstory_create_segment_export."""
    try:
        return CreateSegmentExportParams.model_validate(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        allowed = list(CreateSegmentExportParams.model_fields)
        raise ExportRequestInvalid(from_validation_error(exc, allowed).detail) from None


def create(event: dict[str, Any], context: Any) -> dict[str, Any]:
    params = parse_request(event.get("request"))
    execution = str(event.get("execution") or "")
    operation_id = storage.read_marker(execution) if execution else None
    reused = operation_id is not None
    if operation_id is None:
        operation_id = with_fullstory(lambda client: start_export(client, params), context, creating=True)
        if execution:
            storage.write_marker(execution, operation_id)
    return {
        "operationId": operation_id,
        "state": "PENDING",
        "percentComplete": 0,
        "step": "Created",
        "reused": reused,
        "poll": first_poll_state(),
    }


lambda_handler = workflow_task("create", create)
