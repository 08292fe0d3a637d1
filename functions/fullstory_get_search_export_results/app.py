"""fullstory_get_search_export_results: a fresh, short-lived download link for a finished export."""

from __future__ import annotations

from typing import Any

from catalog.exports import GET_SEARCH_EXPORT_RESULTS, GetSearchExportResultsParams
from fullstory_client import BadRequest, FullstoryClient, NotFound, UnsafeId
from opal_tools.adapter import tool_handler
from opal_tools.problems import Problem
from segment_exports.views import download_view


def get_search_export_results(params: GetSearchExportResultsParams, client: FullstoryClient) -> dict[str, Any]:
    try:
        link = client.get_search_export_results(params.id)
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


lambda_handler = tool_handler(GET_SEARCH_EXPORT_RESULTS, get_search_export_results)
