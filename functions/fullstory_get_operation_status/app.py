"""fullstory_get_operation_status: state, progress, and the download link once the export is done."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from catalog.exports import GET_OPERATION_STATUS, GetOperationStatusParams
from fullstory_client import FullstoryClient
from opal_tools.adapter import tool_handler
from opal_tools.views import iso_time
from segment_exports.polling import next_wait_s
from segment_exports.views import download_view


def _when_to_check(created: datetime | None) -> str:
    elapsed = (datetime.now(UTC) - created).total_seconds() if created else 0.0
    wait = next_wait_s(elapsed)
    return f"about {max(1, round(wait / 60))} minute(s)" if wait >= 90 else f"about {wait} seconds"


def get_operation_status(params: GetOperationStatusParams, client: FullstoryClient) -> dict[str, Any]:
    operation = client.get_operation(params.operationId)
    percent = round(operation.estimate_pct_complete)
    answer: dict[str, Any] = {
        "operationId": operation.id,
        "type": operation.type or None,
        "state": operation.state,
        "percentComplete": 100 if operation.state == "COMPLETED" else percent,
        "step": operation.step or None,
        "createdAt": iso_time(operation.created_at),
        "finishedAt": iso_time(operation.finished_at),
    }
    if operation.state == "FAILED":
        answer["reason"] = operation.error_details or "Fullstory gave no reason."
        answer["next"] = "Start a new export; a shorter time range or fewer fields often helps."
    elif operation.state == "PENDING":
        answer["next"] = f"Still running ({percent}% done). Check again in {_when_to_check(operation.created_at)}."
    elif operation.results is not None:
        search_export_id = operation.results.search_export_id
        answer["searchExportId"] = search_export_id
        answer["resultsAvailableUntil"] = iso_time(operation.results.expires)
        answer.update(download_view(client.get_search_export_results(search_export_id), search_export_id))
    else:
        answer["note"] = "This operation has no downloadable results (it is not a segment export)."
    return answer


lambda_handler = tool_handler(GET_OPERATION_STATUS, get_operation_status)
