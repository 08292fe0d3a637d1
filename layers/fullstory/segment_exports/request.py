"""One export request, as the tools and the workflow send it to Fullstory.

Fullstory's ``type`` is only TYPE_EVENT or TYPE_INDIVIDUAL; the TYPE_SESSIONS / TYPE_PAGES that
people ask for are TYPE_EVENT with a wider ``eventDetails.scope``. ``segmentTimeRange`` is always
sent: without it the segment's own saved date range (often a relative one) silently limits who
matches, so when none is given it equals ``timeRange``, as Fullstory's CLI sends it.
"""

from __future__ import annotations

from typing import Any

from catalog.export_fields import fields_to_send
from catalog.exports import CreateSegmentExportParams, ExportTimeRange
from fullstory_client import FullstoryClient
from fullstory_client.models import ExportScope, ExportType, TimeRange

_SCOPES: dict[str, ExportScope] = {"TYPE_SESSIONS": "SCOPE_SESSIONS", "TYPE_PAGES": "SCOPE_PAGES"}
_SAME_RANGE_NOTE = (
    "segmentTimeRange was not given, so the same range as timeRange was sent (as Fullstory's own CLI does): "
    "the segment's saved date range does not limit who is exported. Give segmentTimeRange to decide segment "
    "membership over a different range."
)


def fullstory_type(kind: str) -> tuple[ExportType, ExportScope | None]:
    if kind == "TYPE_INDIVIDUAL":
        return "TYPE_INDIVIDUAL", None
    return "TYPE_EVENT", _SCOPES.get(kind)


def _range(value: ExportTimeRange) -> TimeRange:
    return TimeRange(start=value.start, end=value.end)


def start_export(client: FullstoryClient, params: CreateSegmentExportParams) -> str:
    """Creates the export in Fullstory (one POST; see the client's retry rule); the operation id."""
    export_type, scope = fullstory_type(params.type)
    return client.create_segment_export(
        segment_id=params.segmentId,
        export_type=export_type,
        export_format=params.format,
        time_range=_range(params.timeRange),
        segment_time_range=_range(params.segment_range()),
        timezone=params.timezone,
        fields=fields_to_send(params.field_choices()) or None,
        scope=scope,
    )


def describe(params: CreateSegmentExportParams) -> dict[str, Any]:
    """What was asked and what Fullstory was sent, for the answer a model reads."""
    export_type, scope = fullstory_type(params.type)
    choices = params.field_choices()
    time_range, segment_range = params.timeRange.model_dump(), params.segment_range().model_dump()
    sent: dict[str, Any] = {"type": export_type, "timeRange": time_range, "segmentTimeRange": segment_range}
    if scope:
        sent["eventDetails"] = {"scope": scope}
    if choices:
        sent["fields"] = fields_to_send(choices)
    answer: dict[str, Any] = {
        "segmentId": params.segmentId,
        "type": params.type,
        "format": params.format,
        "timeRange": time_range,
        "segmentTimeRange": segment_range,
        "timezone": params.timezone or "UTC",
        "sentToFullstory": sent,
    }
    renamed = {c.asked: c.sent for c in choices if c.asked != c.sent}
    if renamed:
        answer["fieldNames"] = renamed
    notes = list(dict.fromkeys(c.note for c in choices if c.note))
    if params.segmentTimeRange is None:
        notes.append(_SAME_RANGE_NOTE)
    if notes:
        answer["notes"] = notes
    return answer
