"""One export request: the parameters of fullstory_create_segment_export (and of the export workflow's
input), and what is sent to Fullstory for them.

Fullstory's ``type`` is only TYPE_EVENT or TYPE_INDIVIDUAL; the TYPE_SESSIONS / TYPE_PAGES that
people ask for are TYPE_EVENT with a wider ``eventDetails.scope``. ``segmentTimeRange`` is always
sent: without it the segment's own saved date range (often a relative one) silently limits who
matches, so when none is given it equals ``timeRange``, as Fullstory's CLI sends it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator

from fullstory_client.models import ExportScope, ExportType, TimeRange

from .export_fields import EVERYDAY_NAMES, ExportKind, FieldChoice, fields_to_send, resolve_fields
from .params import OptionalText, PathId, ToolParameters, parameter_error

if TYPE_CHECKING:
    from fullstory_client import FullstoryClient

ExportFormatName = Literal["FORMAT_CSV", "FORMAT_JSON", "FORMAT_NDJSON"]

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
_TYPE_ALIASES = {
    "TYPE_INDIVIDUALS": "TYPE_INDIVIDUAL",
    "TYPE_USERS": "TYPE_INDIVIDUAL",
    "TYPE_PEOPLE": "TYPE_INDIVIDUAL",
    "TYPE_EVENTS": "TYPE_EVENT",
    "TYPE_SESSION": "TYPE_SESSIONS",
    "TYPE_PAGE": "TYPE_PAGES",
}
_FORMAT_ALIASES = {"FORMAT_JSONL": "FORMAT_NDJSON", "FORMAT_JSON_LINES": "FORMAT_NDJSON"}


def _enum_spelling(prefix: str, aliases: dict[str, str]) -> Any:
    """Language models write 'sessions' or 'csv'; accept that for the documented value."""

    def normalize(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = re.sub(r"[\s-]+", "_", value.strip().upper())
        if text and not text.startswith(prefix):
            text = prefix + text
        return aliases.get(text, text)

    return BeforeValidator(normalize)


def _rfc3339(value: str) -> str:
    """Empty stays empty (unbounded); anything else must be RFC 3339 and comes back in UTC."""
    if not value:
        return ""
    example = "write it like 2024-05-01T00:00:00Z (UTC) or 2024-05-01T09:00:00+09:00"
    if not _RFC3339.match(value):
        raise ValueError(f"{value!r} is not an RFC 3339 timestamp with a time zone; {example}")
    try:
        moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a real date and time; {example}") from None
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is still year 0 in UTC
        raise ValueError(f"{value!r} is outside the years 0001 to 9999 in UTC; {example}") from None
    # isoformat, not strftime: strftime writes the year 1 as "1", which is no RFC 3339.
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds" if moment.microsecond else "seconds") + "Z"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _iana_zone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ZoneInfo(value)
        return value
    except (ZoneInfoNotFoundError, ValueError):
        pass
    canonical = _zones_by_lower_name().get(value.lower())  # 'asia/tokyo' means Asia/Tokyo
    if canonical is None:
        raise ValueError(
            f"{value!r} is not an IANA time zone name; use one such as UTC, Asia/Tokyo or America/New_York"
        )
    return canonical


Timestamp = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_rfc3339)]


def _not_given(value: Any) -> Any:
    """``null``, ``""`` and ``{}`` (what a form sends for an untouched object) all mean "not given"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dict) and all(v is None for v in value.values()):
        return None
    return value


class ExportTimeRange(ToolParameters):
    """``{start, end}``; a bound that is left out or ``null`` is unbounded, like an empty string."""

    start: Timestamp = Field(
        "",
        description="Start of the range, RFC 3339 with a time zone, e.g. 2024-05-01T00:00:00Z. Empty means from the "
        "earliest data.",
    )
    end: Timestamp = Field(
        "",
        description="End of the range (exclusive), RFC 3339 with a time zone, e.g. 2024-05-08T00:00:00Z. Empty "
        "means up to now.",
    )

    @model_validator(mode="before")
    @classmethod
    def _null_bounds_are_left_out(cls, value: Any) -> Any:
        return {k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if self.start and self.end and _parse(self.start) >= _parse(self.end):
            raise ValueError(f"start ({self.start}) must be before end ({self.end})")
        return self


def _names_a_bound(value: ExportTimeRange) -> ExportTimeRange:
    # {} would silently export all data; "" is Fullstory's own spelling of "unbounded", so it counts.
    if not value.model_fields_set:
        raise ValueError(
            'name at least a start or an end, e.g. {"start": "2024-05-01T00:00:00Z", "end": '
            '"2024-05-08T00:00:00Z"}; for all data write {"start": "", "end": ""}'
        )
    return value


class CreateSegmentExportParams(ToolParameters):
    segmentId: PathId = Field(
        description="Id of the segment to export: a built-in id such as 'everyone' or a segment's id from "
        "fullstory_list_segments (use fullstory_get_segment to find the id of a segment you know by name)."
    )
    type: Annotated[
        ExportKind,
        _enum_spelling("TYPE_", _TYPE_ALIASES),
        Field(
            description="What one row of the file is. TYPE_INDIVIDUAL: one row per person in the segment (user "
            "profiles, e.g. for a CRM). TYPE_EVENT: only the events that match the segment. TYPE_PAGES: every event "
            "on the pages where matching events happened. TYPE_SESSIONS: every event of the matching sessions."
        ),
    ]
    format: Annotated[
        ExportFormatName,
        _enum_spelling("FORMAT_", _FORMAT_ALIASES),
        Field(description="File format: FORMAT_CSV, FORMAT_JSON (one array) or FORMAT_NDJSON (one JSON per line)."),
    ]
    timeRange: Annotated[ExportTimeRange, AfterValidator(_names_a_bound)] = Field(
        description='Which data to export, as {start, end} RFC 3339 timestamps, e.g. {"start": '
        '"2024-05-01T00:00:00Z", "end": "2024-05-08T00:00:00Z"} for one week; an empty string is unbounded '
        '({"start": "", "end": ""} = all data). Events are picked by when they happened; people by whether they '
        "were active in the range. Export data is usually about a day behind."
    )
    timezone: Annotated[OptionalText, AfterValidator(_iana_zone)] = Field(
        None,
        max_length=64,
        description="IANA time zone for relative dates in the export, e.g. Asia/Tokyo or America/New_York. "
        "Default UTC.",
    )
    fields: OptionalText = Field(
        None,
        max_length=4000,
        description="Comma-separated columns to include, e.g. 'url, referrer, page title' or 'EventCustomName, "
        "UserAppKey, evt_product_id_str'. Accepts Fullstory's export field names (any case), custom properties "
        "with their type as evt_<name>_<type> / user_<name>_<type> (type: str, int, real, date, bool or the list "
        f"forms strs, ints, reals, dates, bools), evt_* / user_* for all of them, and everyday names: "
        f"{EVERYDAY_NAMES}. A property named without its type (e.g. product_id) includes all properties of its "
        "kind. Omit for all default fields (give fields for CSV so the columns stay stable).",
    )
    segmentTimeRange: Annotated[ExportTimeRange | None, BeforeValidator(_not_given)] = Field(
        None,
        description="Optional {start, end} that decides who or what matches the segment, in place of the "
        "segment's own saved range. Omit it to use timeRange here too (as Fullstory's own CLI does).",
    )

    @model_validator(mode="after")
    def _fields_are_known(self) -> Self:
        if self.fields is not None:
            try:
                resolve_fields(self.fields, self.type)
            except ValueError as exc:
                raise parameter_error("fields", str(exc)) from None
        return self

    def field_choices(self) -> list[FieldChoice]:
        """What each asked field is sent as; empty when no fields were given."""
        return resolve_fields(self.fields, self.type) if self.fields else []

    def segment_range(self) -> ExportTimeRange:
        """The segment time range to send: the one given, else the same as ``timeRange``."""
        return self.segmentTimeRange if self.segmentTimeRange is not None else self.timeRange


# An export: everyone's sessions of one week, as NDJSON (the sample call of the export tools).
EXAMPLE_EXPORT: dict[str, Any] = {
    "segmentId": "everyone",
    "type": "TYPE_SESSIONS",
    "format": "FORMAT_NDJSON",
    "timeRange": {"start": "2026-11-09T00:00:00Z", "end": "2026-11-16T00:00:00Z"},
}


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
