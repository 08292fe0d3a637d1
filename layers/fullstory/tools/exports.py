"""Segment export tools that talk to Fullstory directly: start an export, follow it, fetch its file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field

from fullstory_client import BadRequest, NotFound, UnsafeId
from opal_tools.problems import Problem
from opal_tools.spec import ToolSpec
from platform_kit.settings import settings
from segment_exports.executions import is_execution_id
from segment_exports.polling import next_wait_s

from .export_request import EXAMPLE_EXPORT, CreateSegmentExportParams, describe, start_export
from .needs import FULLSTORY
from .params import PathId, ToolParameters
from .views import iso_time

if TYPE_CHECKING:
    from fullstory_client import FullstoryClient
    from fullstory_client.models import ExportDownload


class GetOperationStatusParams(ToolParameters):
    operationId: PathId = Field(
        description="The operationId that fullstory_create_segment_export returned, e.g. 'aBcD1234eFgH5678iJkL9012'."
    )


class GetSearchExportResultsParams(ToolParameters):
    id: PathId = Field(
        description="The searchExportId of a finished export, as fullstory_get_operation_status reports it when the "
        "operation is COMPLETED."
    )


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


def segment_not_found(segment_id: str) -> Problem:
    """Fullstory's 404 to a create: the segmentId is no segment's id (often a segment's display name)."""
    looks = f" ({segment_id!r} looks like a display name)" if " " in segment_id.strip() else ""
    return Problem(
        404,
        "Segment not found",
        f"Fullstory has no segment with the id {segment_id!r}{looks}. segmentId takes a segment's id (a built-in "
        "one such as 'everyone' or 'rageClicks', or the id fullstory_list_segments shows for a saved segment), "
        "not its name; fullstory_get_segment looks a name up and answers its id.",
        "SEGMENT_NOT_FOUND",
        errors=[{"parameter": "segmentId", "problem": "is not the id of a segment (see fullstory_list_segments)"}],
    )


def create_segment_export(params: CreateSegmentExportParams, *, fullstory: FullstoryClient) -> dict[str, Any]:
    """Start an export in Fullstory; answer its operationId at once."""
    try:
        operation_id = start_export(fullstory, params)
    except NotFound:
        raise segment_not_found(params.segmentId) from None
    return {
        "operationId": operation_id,
        "state": "PENDING",
        "request": describe(params),
        "next": (
            "Fullstory is preparing the file; exports take from a minute to about an hour. Call "
            f"fullstory_get_operation_status with operationId {operation_id} to follow it; when it is COMPLETED "
            "that answer includes the download link."
        ),
    }


def _when_to_check(created: datetime | None) -> str:
    elapsed = (datetime.now(UTC) - created).total_seconds() if created else 0.0
    wait = next_wait_s(elapsed, settings().export_wait_scale)
    return f"about {max(1, round(wait / 60))} minute(s)" if wait >= 90 else f"about {wait} seconds"


def get_operation_status(params: GetOperationStatusParams, *, fullstory: FullstoryClient) -> dict[str, Any]:
    """State, progress, and the download link once the export is done."""
    try:
        operation = fullstory.get_operation(params.operationId)
    except NotFound:
        raise _operation_not_found(params.operationId) from None
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
        answer.update(download_view(fullstory.get_search_export_results(search_export_id), search_export_id))
    else:
        answer["note"] = "This operation has no downloadable results (it is not a segment export)."
    return answer


def _operation_not_found(operation_id: str) -> Problem:
    if is_execution_id(operation_id):
        return Problem(
            404,
            "Not an operationId",
            f"{operation_id} is an executionId of fullstory_export_segment (a delivered export), not a Fullstory "
            "operationId: follow it with fullstory_get_export_status.",
            "OPERATION_NOT_FOUND",
            errors=[{"parameter": "operationId", "problem": "is an executionId: use fullstory_get_export_status"}],
        )
    return Problem(
        404,
        "Operation not found",
        f"Fullstory has no operation {operation_id}. Use the operationId that fullstory_create_segment_export "
        "returned; an export started with fullstory_export_segment is followed with fullstory_get_export_status.",
        "OPERATION_NOT_FOUND",
    )


def get_search_export_results(params: GetSearchExportResultsParams, *, fullstory: FullstoryClient) -> dict[str, Any]:
    """A fresh, short-lived download link for a finished export."""
    try:
        link = fullstory.get_search_export_results(params.id)
    except UnsafeId:
        raise
    except BadRequest as error:
        # Fullstory answers 400 for an export that exists but is not finished.
        raise Problem(
            409,
            "Export not ready",
            f"Fullstory has no file for export {params.id} yet ({error.message}). Follow the export with "
            "fullstory_get_operation_status until it is COMPLETED, then ask again.",
            "EXPORT_NOT_READY",
        ) from None
    except NotFound:
        raise Problem(
            404,
            "Export not found",
            f"Fullstory has no finished export {params.id} (results are kept about 7 days). Use the "
            "searchExportId that fullstory_get_operation_status reports, or start a new export.",
            "EXPORT_NOT_FOUND",
        ) from None
    return {"searchExportId": params.id, **download_view(link, params.id)}


CREATE_SEGMENT_EXPORT = ToolSpec(
    name="fullstory_create_segment_export",
    description=(
        "Start a Fullstory segment export: a file of the people (TYPE_INDIVIDUAL) or the events (TYPE_EVENT, "
        "TYPE_PAGES, TYPE_SESSIONS) of a segment over a time range, as CSV, JSON or NDJSON. Use it for 'export all "
        "users from last month as CSV', 'JSON of the login events of segment X last week with user id', 'NDJSON "
        "of all sessions last quarter in Asia/Tokyo time', 'page events of segment X as CSV with url, referrer "
        "and title'. Exports run in Fullstory for minutes up to an hour: "
        "this answers an operationId at once; follow it with fullstory_get_operation_status, which gives the "
        "download link when done. Needs an Admin API key and the Segment Export add-on."
    ),
    parameters=CreateSegmentExportParams,
    group="exports",
    run=create_segment_export,
    needs=(FULLSTORY,),
    example_prompt="Export everyone's sessions for last week as NDJSON.",
    example_parameters={
        **EXAMPLE_EXPORT,
        "timezone": "Asia/Tokyo",
        "fields": "url, referrer, page title, user id, email",
    },
    read_only=False,  # starts an export
)

GET_OPERATION_STATUS = ToolSpec(
    name="fullstory_get_operation_status",
    description=(
        "Check a Fullstory export (or other operation) started with fullstory_create_segment_export: its state "
        "(PENDING, COMPLETED or FAILED), percent complete and current step. When COMPLETED the answer includes the "
        "download link of the file (valid about 5 minutes); when FAILED, Fullstory's reason. Use it for 'is "
        "export X done yet?' and to get the file once it is."
    ),
    parameters=GetOperationStatusParams,
    group="exports",
    run=get_operation_status,
    needs=(FULLSTORY,),
    example_prompt="Is export aBcD1234 done yet?",
    example_parameters={"operationId": "REPLACE_WITH_OPERATION_ID"},
)

GET_SEARCH_EXPORT_RESULTS = ToolSpec(
    name="fullstory_get_search_export_results",
    description=(
        "Get a fresh download link for a finished Fullstory export, by its searchExportId. The link serves the "
        "gzip-compressed file and lives only about 5 minutes; call this again whenever a link has expired."
    ),
    parameters=GetSearchExportResultsParams,
    group="exports",
    run=get_search_export_results,
    needs=(FULLSTORY,),
    example_prompt="Give me the download URL for export YKDYR5ye.",
    example_parameters={"id": "REPLACE_WITH_SEARCH_EXPORT_ID"},
)
