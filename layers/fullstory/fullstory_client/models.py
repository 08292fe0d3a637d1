"""Response models, exactly as the Fullstory REST API names things.

v1 endpoints speak camelCase (aliased to snake_case attributes here); v2 endpoints speak
snake_case. Unknown fields are ignored so that Fullstory adding one never breaks us.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel

ExportType = Literal["TYPE_EVENT", "TYPE_INDIVIDUAL"]
ExportFormat = Literal["FORMAT_CSV", "FORMAT_JSON", "FORMAT_NDJSON"]
ExportScope = Literal["SCOPE_EVENTS", "SCOPE_PAGES", "SCOPE_SESSIONS", "SCOPE_INDIVIDUAL"]
OperationState = Literal["PENDING", "COMPLETED", "FAILED"]


# defer_build: a model's validator is built on first use, so a cold start pays only for the models it parses.
# Mutable defaults are plain values (pydantic copies them per instance): a ``default_factory`` of a
# builtin makes pydantic read its signature, which costs a cold start ~8 ms of tokenizer set-up.
class _V1(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True)


class _V2(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", defer_build=True)


class Segment(_V1):
    id: str
    name: str = ""
    creator: str | None = None
    created: datetime | None = None  # absent for built-in segments such as `everyone`
    url: str | None = None


class SegmentPage(_V1):
    segments: list[Segment] = []
    next_pagination_token: str | None = None


class TimeRange(_V1):
    """RFC 3339 bounds; an empty string means unbounded (start) or 'now' (end)."""

    start: str = ""
    end: str = ""


class ExportResultsRef(_V1):
    expires: datetime | None = None
    search_export_id: str


class Operation(_V1):
    id: str
    type: str = ""
    state: OperationState
    error_details: str = ""
    created_at: datetime | None = None
    finished_at: datetime | None = None
    estimate_pct_complete: float = 0
    step: str = ""
    results: ExportResultsRef | None = None
    details: Any = None

    @field_validator("error_details", "step", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return "" if value is None else value


class ExportDownload(_V1):
    """A signed, short-lived (about 5 minutes) URL to the gzip file; fetch it without auth."""

    location: str
    expires: datetime | None = None


class Session(_V1):
    user_id: str  # the device/cookie id: the first half of the server-API session id
    session_id: str
    created_time: datetime
    fs_url: str = ""

    @field_validator("created_time", mode="before")
    @classmethod
    def _epoch_seconds(cls, value: object) -> object:
        # int64 arrives as a string of epoch seconds.
        if isinstance(value, str) and value.isdigit():
            return datetime.fromtimestamp(int(value), tz=UTC)
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, tz=UTC)
        return value

    @property
    def full_id(self) -> str:
        """``deviceId:sessionId``: the id every session endpoint takes."""
        return f"{self.user_id}:{self.session_id}"


class SessionList(_V1):
    sessions: list[Session] = []


class SessionSummary(_V2):
    """A plain configuration answers ``summary``; one with a response schema answers ``response``."""

    summary: str | None = None
    response: Any = None
    response_schema: dict[str, Any] | None = None
