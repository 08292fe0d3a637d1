"""One export request, as the tools and the workflow send it to Fullstory.

Fullstory's ``type`` is only TYPE_EVENT or TYPE_INDIVIDUAL; the TYPE_SESSIONS / TYPE_PAGES that
people ask for are TYPE_EVENT with a wider ``eventDetails.scope``.
"""

from __future__ import annotations

from typing import Any

from catalog.exports import CreateSegmentExportParams, ExportTimeRange
from fullstory_client import FullstoryClient
from fullstory_client.models import ExportScope, ExportType, TimeRange

_SCOPES: dict[str, ExportScope] = {"TYPE_SESSIONS": "SCOPE_SESSIONS", "TYPE_PAGES": "SCOPE_PAGES"}


def fullstory_type(kind: str) -> tuple[ExportType, ExportScope | None]:
    if kind == "TYPE_INDIVIDUAL":
        return "TYPE_INDIVIDUAL", None
    return "TYPE_EVENT", _SCOPES.get(kind)


def _range(value: ExportTimeRange | None) -> TimeRange | None:
    return None if value is None else TimeRange(start=value.start, end=value.end)


def start_export(client: FullstoryClient, params: CreateSegmentExportParams) -> str:
    """Creates the export in Fullstory (one POST; see the client's retry rule); the operation id."""
    export_type, scope = fullstory_type(params.type)
    return client.create_segment_export(
        segment_id=params.segmentId,
        export_type=export_type,
        export_format=params.format,
        time_range=TimeRange(start=params.timeRange.start, end=params.timeRange.end),
        segment_time_range=_range(params.segmentTimeRange),
        timezone=params.timezone,
        fields=[name for _, name in params.fullstory_fields()] or None,
        scope=scope,
    )


def describe(params: CreateSegmentExportParams) -> dict[str, Any]:
    """What was asked and what Fullstory was sent, for the answer a model reads."""
    export_type, scope = fullstory_type(params.type)
    sent: dict[str, Any] = {"type": export_type}
    if scope:
        sent["eventDetails"] = {"scope": scope}
    fields = params.fullstory_fields()
    if fields:
        sent["fields"] = [name for _, name in fields]
    mapped = {asked: name for asked, name in fields if asked != name}
    answer: dict[str, Any] = {
        "segmentId": params.segmentId,
        "type": params.type,
        "format": params.format,
        "timeRange": params.timeRange.model_dump(),
        "timezone": params.timezone or "UTC",
        "sentToFullstory": sent,
    }
    if mapped:
        answer["fieldNames"] = mapped
    if params.segmentTimeRange is not None:
        answer["segmentTimeRange"] = params.segmentTimeRange.model_dump()
    return answer
