"""fullstory_create_segment_export: start an export in Fullstory; answer its operationId at once."""

from __future__ import annotations

from typing import Any

from catalog.exports import CREATE_SEGMENT_EXPORT, CreateSegmentExportParams
from fullstory_client import FullstoryClient
from opal_tools.adapter import tool_handler
from segment_exports.request import describe, start_export


def create_segment_export(params: CreateSegmentExportParams, client: FullstoryClient) -> dict[str, Any]:
    operation_id = start_export(client, params)
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


lambda_handler = tool_handler(CREATE_SEGMENT_EXPORT, create_segment_export)
