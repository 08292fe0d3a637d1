"""Response models, exactly as the Fullstory REST API names things.

v1 endpoints speak camelCase (aliased to snake_case attributes here); v2 endpoints speak
snake_case. Tolerant where Fullstory is loose: unknown fields are ignored, ids that arrive as
numbers (its docs type some as int64) are read as strings, and an empty time means "none".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

ExportType = Literal["TYPE_EVENT", "TYPE_INDIVIDUAL"]
ExportFormat = Literal["FORMAT_CSV", "FORMAT_JSON", "FORMAT_NDJSON"]
ExportScope = Literal["SCOPE_EVENTS", "SCOPE_PAGES", "SCOPE_SESSIONS", "SCOPE_INDIVIDUAL"]
OperationState = Literal["PENDING", "COMPLETED", "FAILED"]


# defer_build: a model's validator is built on first use, so a cold start pays only for the models it parses.
# Mutable defaults are plain values (pydantic copies them per instance): a ``default_factory`` of a
# builtin makes pydantic read its signature, which costs a cold start ~8 ms of tokenizer set-up.
class _V1(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        coerce_numbers_to_str=True,
        defer_build=True,
    )


class _V2(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", coerce_numbers_to_str=True, defer_build=True)


def _empty_is_none(value: object) -> object:
    # proto3 JSON may give "" (or null) for an unset timestamp.
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _none_is_empty(value: object) -> object:
    return "" if value is None else value


OptionalTime = Annotated[datetime | None, BeforeValidator(_empty_is_none)]
Text = Annotated[str, BeforeValidator(_none_is_empty)]  # null reads as ""


class Segment(_V1):
    id: str
    name: Text = ""
    creator: str | None = None
    created: OptionalTime = None  # absent (or "") for built-in segments such as `everyone`
    url: str | None = None


class SegmentPage(_V1):
    segments: list[Segment] = []
    next_pagination_token: str | None = None


class TimeRange(_V1):
    """RFC 3339 bounds; an empty string means unbounded (start) or 'now' (end)."""

    start: str = ""
    end: str = ""


class ExportResultsRef(_V1):
    expires: OptionalTime = None
    search_export_id: str

    @field_validator("search_export_id")
    @classmethod
    def _one_path_segment(cls, value: str) -> str:
        # It goes into the results path next: an answer cannot steer that request elsewhere.
        if value.strip(".") == "":
            raise ValueError("searchExportId is no id")
        return value


class Operation(_V1):
    id: str
    type: Text = ""  # SEARCH_EXPORT, or another kind (DELETE_USER, ...) that the status tool reports as is
    state: OperationState
    error_details: Text = ""
    created_at: OptionalTime = None
    finished_at: OptionalTime = None
    estimate_pct_complete: float = 0
    step: Text = ""
    results: ExportResultsRef | None = None  # what other operation types (DELETE_USER, ...) hold is not ours
    details: Any = None

    @field_validator("estimate_pct_complete", mode="before")
    @classmethod
    def _none_is_zero(cls, value: object) -> object:
        return 0 if value is None or value == "" else value

    @field_validator("results", mode="before")
    @classmethod
    def _export_results_only(cls, value: object) -> object:
        return value if isinstance(value, dict) and value.get("searchExportId", value.get("search_export_id")) else None


class OperationPage(_V1):
    operations: list[Operation] = []
    next_pagination_token: str | None = None


class ExportDownload(_V1):
    """A signed, short-lived (about 5 minutes) URL to the gzip file; fetch it without auth."""

    location: str
    expires: OptionalTime = None


class Session(_V1):
    user_id: str  # the device/cookie id: the first half of the server-API session id
    session_id: str
    created_time: OptionalTime = None
    fs_url: Text = ""

    @field_validator("created_time", mode="before")
    @classmethod
    def _epoch_seconds(cls, value: object) -> object:
        # int64 arrives as a string of epoch seconds.
        seconds = int(value) if isinstance(value, str) and value.isdigit() else value
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            try:
                return datetime.fromtimestamp(seconds, tz=UTC)
            except (OverflowError, OSError, ValueError):
                raise ValueError("createdTime is out of range") from None
        return value

    @property
    def full_id(self) -> str:
        """``deviceId:sessionId``: the id every session endpoint takes."""
        return f"{self.user_id}:{self.session_id}"


class SessionList(_V1):
    sessions: list[Session] = []
    # The official SDK pages on this snake_case field (and sends it back as `pagination_token`).
    pagination_token: str | None = Field(None, alias="pagination_token")


class SessionSummary(_V2):
    """A plain configuration answers ``summary``; one with a response schema answers ``response``."""

    summary: str | None = None
    response: Any = None
    response_schema: dict[str, Any] | None = None
