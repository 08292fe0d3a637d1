"""Segment export tools: start an export, follow it, fetch its file, or have it delivered."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, model_validator

from opal_tools.spec import ToolSpec

from .base import NOT_A_DOT_SEGMENT, OptionalText, PathId, ToolParameters, parameter_error
from .export_fields import EVERYDAY_NAMES, ExportKind, FieldChoice, resolve_fields

ExportFormatName = Literal["FORMAT_CSV", "FORMAT_JSON", "FORMAT_NDJSON"]

# The workflow's TimeoutSeconds (statemachine/export_segment.asl.json); published as the async
# tool's timeout so Opal stops waiting when the workflow can no longer call back.
EXPORT_WORKFLOW_TIMEOUT_S = 4 * 3600

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


OperationId = PathId


class GetOperationStatusParams(ToolParameters):
    operationId: OperationId = Field(
        description="The operationId that fullstory_create_segment_export returned, e.g. 'aBcD1234eFgH5678iJkL9012'."
    )


class GetSearchExportResultsParams(ToolParameters):
    id: OperationId = Field(
        description="The searchExportId of a finished export, as fullstory_get_operation_status reports it when the "
        "operation is COMPLETED."
    )


class GetExportStatusParams(ToolParameters):
    executionId: Annotated[str, StringConstraints(min_length=1, max_length=2048), NOT_A_DOT_SEGMENT] = Field(
        description="The executionId (or executionArn) that fullstory_export_segment returned."
    )


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
    example_prompt="Export everyone's sessions for last week as NDJSON.",
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
    example_prompt="Is export aBcD1234 done yet?",
)

GET_SEARCH_EXPORT_RESULTS = ToolSpec(
    name="fullstory_get_search_export_results",
    description=(
        "Get a fresh download link for a finished Fullstory export, by its searchExportId. The link serves the "
        "gzip-compressed file and lives only about 5 minutes; call this again whenever a link has expired."
    ),
    parameters=GetSearchExportResultsParams,
    group="exports",
    example_prompt="Give me the download URL for export YKDYR5ye.",
)

EXPORT_SEGMENT = ToolSpec(
    name="fullstory_export_segment",
    description=(
        "Export a Fullstory segment and deliver the file when it is ready, without polling: same parameters as "
        "fullstory_create_segment_export. The export runs in the background (minutes up to an hour); the answer "
        "comes back by itself with a download link and the file's S3 location. Prefer it over "
        "fullstory_create_segment_export when the user just wants the file. Without a callback, follow it with "
        "fullstory_get_export_status and the returned executionId."
    ),
    parameters=CreateSegmentExportParams,
    group="exports",
    mode="async",
    timeout_s=EXPORT_WORKFLOW_TIMEOUT_S,
    calls_fullstory=False,  # the workflow's tasks do
    example_prompt="Export everyone's sessions for last week as NDJSON and send me the file.",
)

GET_EXPORT_STATUS = ToolSpec(
    name="fullstory_get_export_status",
    description=(
        "Check a delivered export started with fullstory_export_segment, by its executionId: whether it is "
        "running, done or failed, how far the Fullstory export is, and when done the file's S3 location, size "
        "and a fresh download link."
    ),
    parameters=GetExportStatusParams,
    group="exports",
    calls_fullstory=False,  # Step Functions and S3 only
    example_prompt="Is my segment export delivered yet?",
)

EXPORT_TOOLS: tuple[ToolSpec, ...] = (
    CREATE_SEGMENT_EXPORT,
    GET_OPERATION_STATUS,
    GET_SEARCH_EXPORT_RESULTS,
    EXPORT_SEGMENT,
    GET_EXPORT_STATUS,
)
