"""Segment exports: request validation, the operation lifecycle, and signed download links.

Lifecycle (all times on the simulator's clock): an export is PENDING with a rising
`estimatePctComplete` until `export_seconds` have elapsed since creation, then COMPLETED with
`results: {expires, searchExportId}` — or FAILED with `errorDetails` when it was marked to fail
(`fail_next_export()` or `fail_exports_for_segments`). Results stay available 7 days [I from
the docs example]; each download link lives 5 minutes.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import random
import re
import string
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .errors import ApiError, bad_request, not_found, required
from .export_rows import EventRowSource, encode, event_rows, event_var_columns, individual_row, user_var_columns
from .export_schema import check_fields, standard_fields
from .model import Dataset, Event, Page, Segment, Session
from .segments import SegmentMatcher
from .timeutil import day_stamp, parse_rfc3339, rfc3339_us

TYPES = ("TYPE_EVENT", "TYPE_INDIVIDUAL")
FORMATS = {"FORMAT_JSON": "json", "FORMAT_CSV": "csv", "FORMAT_NDJSON": "ndjson"}
SCOPES = ("SCOPE_EVENT", "SCOPE_EVENTS", "SCOPE_PAGES", "SCOPE_SESSIONS", "SCOPE_INDIVIDUAL")
RETENTION_S = 7 * 86_400
DAY_S = 86_400
LINK_TTL_S = 300
DEFAULT_FAILURE = "export failed: the search backend timed out while scanning the segment; try a shorter time range"


@dataclass(frozen=True)
class TimeRange:
    start: float | None  # epoch seconds; None = unbounded
    end: float | None

    def contains(self, epoch_s: float) -> bool:
        return (self.start is None or epoch_s >= self.start) and (self.end is None or epoch_s < self.end)


@dataclass(frozen=True)
class ExportRequest:
    segment: Segment
    type: str
    format: str
    time_range: TimeRange
    segment_time_range: TimeRange  # as sent, or else the segment's own saved range
    timezone: str
    fields: tuple[str, ...]  # empty = defaults + all custom vars
    scope: str
    body: dict[str, Any] = field(default_factory=dict)  # the JSON exactly as received, for tests to inspect


def saved_range(segment: Segment, now_s: float) -> TimeRange:
    """The segment's own range, "the last N days" up to now (None days = all time)."""
    if segment.saved_range_days is None:
        return TimeRange(None, now_s)
    return TimeRange(now_s - segment.saved_range_days * DAY_S, now_s)


def _pick(body: dict[str, Any], camel: str, snake: str) -> Any:
    """proto-JSON accepts both spellings; camelCase wins when both are sent."""
    return body[camel] if camel in body else body.get(snake)


def _time_range(value: Any, name: str, now_s: float) -> TimeRange:
    if not isinstance(value, dict):
        raise bad_request(f"{name} must be an object with start and end (RFC 3339 or empty)")
    bounds: list[float | None] = []
    for key in ("start", "end"):
        raw = value.get(key, "")
        if raw is None or raw == "":
            bounds.append(None)
            continue
        if not isinstance(raw, str):
            raise bad_request(f"{name}.{key} must be an RFC 3339 string or empty")
        try:
            bounds.append(parse_rfc3339(raw))
        except ValueError:
            raise bad_request(f"invalid {name}.{key} {raw!r}: expected RFC 3339, e.g. 2024-05-01T00:00:00Z") from None
    start, end = bounds
    if start is not None and end is not None and start > end:
        raise bad_request(f"{name}.start must not be after {name}.end")
    return TimeRange(start, end if end is not None else now_s)


def _known_zone(name: str) -> bool:
    if name in {"UTC", "Etc/UTC"}:
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # Without a tz database on this machine we cannot tell; accept rather than fail every export.
        return not available_timezones()
    return True


def _choice(body: dict[str, Any], key: str, allowed: Any) -> str:
    """A required enum value of the request, as Fullstory refuses a missing or unknown one."""
    value = body.get(key)
    if not value:
        raise required(key)
    if value not in allowed:
        raise bad_request(f"invalid {key} {value!r}: must be one of {', '.join(allowed)}")
    return str(value)


def _segment_id(body: dict[str, Any]) -> str:
    segment_id = _pick(body, "segmentId", "segment_id")
    if not segment_id:
        raise required("segmentId")
    if not isinstance(segment_id, str):
        raise bad_request("segmentId must be a string")
    return segment_id


def _timezone(body: dict[str, Any]) -> str:
    timezone = body.get("timezone") or "UTC"
    if not isinstance(timezone, str):
        raise bad_request("timezone must be an IANA time zone name")
    if not _known_zone(timezone):
        raise bad_request(f"invalid timezone {timezone!r}: must be an IANA time zone such as Asia/Tokyo")
    return timezone


def _fields(body: dict[str, Any]) -> list[str]:
    fields = body.get("fields") or []
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise bad_request("fields must be a list of export field names")
    return fields


def _scope(body: dict[str, Any]) -> str:
    details = _pick(body, "eventDetails", "event_details") or {}
    if not isinstance(details, dict):
        raise bad_request("eventDetails must be an object with a scope")
    scope = details.get("scope") or "SCOPE_EVENTS"
    if scope not in SCOPES:
        raise bad_request(f"invalid eventDetails.scope {scope!r}: must be one of {', '.join(SCOPES)}")
    return str(scope)


def parse_export_request(body: Any, data: Dataset, now_s: float) -> ExportRequest:
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    segment_id = _segment_id(body)
    export_type = _choice(body, "type", TYPES)
    fmt = _choice(body, "format", FORMATS)
    raw_range = _pick(body, "timeRange", "time_range")
    time_range = _time_range(raw_range, "timeRange", now_s) if raw_range is not None else TimeRange(None, now_s)
    raw_seg_range = _pick(body, "segmentTimeRange", "segment_time_range")
    seg_range = _time_range(raw_seg_range, "segmentTimeRange", now_s) if raw_seg_range is not None else None
    timezone, fields, scope = _timezone(body), _fields(body), _scope(body)
    check_fields(fields, export_type)
    segment = data.segment(segment_id)
    if segment is None:
        raise not_found(f"segment {segment_id!r} not found")
    return ExportRequest(
        segment,
        export_type,
        fmt,
        time_range,
        seg_range if seg_range is not None else saved_range(segment, now_s),
        timezone,
        tuple(fields),
        scope,
        body=body,
    )


def _known_fields(export_type: str, data: Dataset) -> list[str]:
    if export_type == "TYPE_INDIVIDUAL":
        return [*standard_fields(export_type), *user_var_columns(data)]
    return [*standard_fields(export_type), *user_var_columns(data), *event_var_columns(data)]


def columns_for(request: ExportRequest, data: Dataset) -> list[str]:
    if not request.fields:
        return _known_fields(request.type, data)
    columns: list[str] = []
    for name in request.fields:
        if name == "user_*":
            columns.extend(user_var_columns(data))
        elif name == "evt_*":
            columns.extend(event_var_columns(data))
        else:
            columns.append(name)
    return list(dict.fromkeys(columns))


def _individual_rows(request: ExportRequest, data: Dataset, matched: list[Session]) -> list[dict[str, Any]]:
    """One row per person of the matched sessions who was active in the export's range."""
    rows = []
    for uid in dict.fromkeys(s.uid for s in matched):
        user = data.user(uid)
        sessions = data.sessions_of(uid)
        in_range = any(request.time_range.contains(e.at_ms / 1000) for s in sessions for _, e in s.iter_events())
        if user is not None and in_range:
            end = request.time_range.end
            upto = [s for s in sessions if end is None or s.start_ms / 1000 < end]
            rows.append(individual_row(user, upto or sessions))
    return rows


def _picked_events(
    request: ExportRequest, data: Dataset, matcher: SegmentMatcher, matched: list[Session]
) -> list[tuple[Session, Page, Event]]:
    """The events an event export holds, by its scope: the people's, the sessions', the pages' or the hits."""
    picked: list[tuple[Session, Page, Event]] = []
    if request.scope == "SCOPE_INDIVIDUAL":
        people = {s.uid for s in matched}
        for s in data.sessions:
            if s.uid in people:
                picked.extend((s, p, e) for p, e in s.iter_events())
        return picked
    for s in matched:
        hits = matcher.matching_events(request.segment, s)
        if request.scope == "SCOPE_SESSIONS":
            picked.extend((s, p, e) for p, e in s.iter_events())
        elif request.scope == "SCOPE_PAGES":
            pages = {id(p) for p, _ in hits}
            picked.extend((s, p, e) for p, e in s.iter_events() if id(p) in pages)
        else:
            picked.extend((s, p, e) for p, e in hits)
    return picked


def build_file(request: ExportRequest, data: Dataset, matcher: SegmentMatcher) -> bytes:
    """The export file's uncompressed body."""
    candidates = [s for s in data.sessions if request.segment_time_range.contains(s.start_ms / 1000)]
    matched_sessions = [s for s in candidates if matcher.session_matches(request.segment, s)]
    columns = columns_for(request, data)
    if request.type == "TYPE_INDIVIDUAL":
        return encode(columns, _individual_rows(request, data, matched_sessions), request.format)
    event_dicts: list[dict[str, Any]] = []
    for s, p, e in sorted(_picked_events(request, data, matcher, matched_sessions), key=lambda t: t[2].at_ms):
        user = data.user(s.uid)
        if user is not None:
            rows = event_rows(EventRowSource(user, s, p, e))
            event_dicts.extend(r for r in rows if request.time_range.contains(parse_rfc3339(r["EventStart"])))
    event_dicts.sort(key=lambda r: str(r["EventStart"]))  # UTC, fixed width: text order is time order
    return encode(columns, event_dicts, request.format)


@dataclass
class ExportJob:
    operation_id: str
    export_id: str
    request: ExportRequest
    created_s: float
    duration_s: float
    fail_reason: str | None
    file: bytes | None = None  # gzip bytes, built on first download

    def state(self, now_s: float) -> str:
        if now_s - self.created_s < self.duration_s:
            return "PENDING"
        return "FAILED" if self.fail_reason else "COMPLETED"

    def filename(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", self.request.segment.name).strip("-") or "segment"
        return f"{slug}-{day_stamp(self.created_s)}.{FORMATS[self.request.format]}.gz"

    def to_json(self, now_s: float) -> dict[str, Any]:
        state = self.state(now_s)
        elapsed = max(0.0, now_s - self.created_s)
        pct = 100 if state != "PENDING" else min(99, int(elapsed / self.duration_s * 100))
        finished = self.created_s + self.duration_s
        return {
            "id": self.operation_id,
            "type": "SEARCH_EXPORT",
            "details": None,
            "results": (
                {"expires": rfc3339_us(self.created_s + RETENTION_S), "searchExportId": self.export_id}
                if state == "COMPLETED"
                else None
            ),
            "state": state,
            "errorDetails": (self.fail_reason or "") if state == "FAILED" else "",
            "createdAt": rfc3339_us(self.created_s),
            "finishedAt": rfc3339_us(finished) if state != "PENDING" else None,
            "estimatePctComplete": pct,
            "step": _step(pct, self.request.type) if state == "PENDING" else "",
        }


def _step(pct: int, export_type: str) -> str:
    if pct < 10:
        return "Queued"
    if pct < 40:
        return "Searching segment members"
    if pct < 75:
        return "Collecting individuals" if export_type == "TYPE_INDIVIDUAL" else "Collecting events"
    if pct < 95:
        return "Writing export file"
    return "Uploading export file"


@dataclass
class DownloadLink:
    export_id: str
    expires_s: float


@dataclass
class ExportStore:
    """Thread-safe registry of export operations and issued download links."""

    seed: int
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _jobs: dict[str, ExportJob] = field(default_factory=dict)
    _by_export: dict[str, ExportJob] = field(default_factory=dict)
    _links: dict[str, DownloadLink] = field(default_factory=dict)
    _fail_queue: list[str] = field(default_factory=list)
    _rng: random.Random = field(init=False)
    _secret: bytes = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"exports:{self.seed}")
        self._secret = hashlib.sha256(f"sim-signing-key:{self.seed}".encode()).digest()

    def _token(self, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self._rng.choice(alphabet) for _ in range(length))

    def fail_next(self, reason: str) -> None:
        with self._lock:
            self._fail_queue.append(reason)

    def create(self, request: ExportRequest, now_s: float, duration_s: float, fail_segments: set[str]) -> ExportJob:
        with self._lock:
            reason: str | None = None
            if self._fail_queue:
                reason = self._fail_queue.pop(0)
            elif request.segment.id in fail_segments:
                reason = DEFAULT_FAILURE
            job = ExportJob(
                operation_id=self._token(24),
                export_id=self._token(43, string.ascii_letters + string.digits + "-_"),
                request=request,
                created_s=now_s,
                duration_s=max(0.0, duration_s),
                fail_reason=reason,
            )
            self._jobs[job.operation_id] = job
            self._by_export[job.export_id] = job
            return job

    def get(self, operation_id: str) -> ExportJob:
        with self._lock:
            job = self._jobs.get(operation_id)
        if job is None:
            raise not_found(f"operation {operation_id!r} not found")
        return job

    def all(self) -> list[ExportJob]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created_s, reverse=True)

    def issue_link(self, export_id: str, now_s: float, base_url: str) -> dict[str, str]:
        with self._lock:
            job = self._by_export.get(export_id)
            if job is None:
                raise not_found(f"search export {export_id!r} not found")
            if job.state(now_s) != "COMPLETED":
                raise ApiError(400, f"search export {export_id!r} is not complete", "failed_precondition")
            if now_s > job.created_s + RETENTION_S:
                raise not_found(f"search export {export_id!r} has expired")
            token = self._token(32)
            expires = int(now_s) + LINK_TTL_S
            self._links[token] = DownloadLink(export_id, expires)
        signature = self.sign(token, expires)
        location = (
            f"{base_url}/__sim/downloads/{token}?GoogleAccessId={quote('search-export@fullstoryapp.iam.gserviceaccount.com')}"
            f"&Expires={expires}&Signature={signature}"
        )
        return {"location": location, "expires": rfc3339_us(expires)}

    def sign(self, token: str, expires: int) -> str:
        return hmac.new(self._secret, f"{token}:{expires}".encode(), hashlib.sha256).hexdigest()

    def resolve_link(self, token: str, expires: str, signature: str, now_s: float) -> ExportJob:
        """Checks a download link like a cloud-storage signed URL would; raises DownloadError."""
        with self._lock:
            link = self._links.get(token)
            job = self._by_export.get(link.export_id) if link else None
        if link is None or job is None:
            raise DownloadError(404, "NoSuchKey", "The specified key does not exist.")
        if not expires.isdigit() or not hmac.compare_digest(self.sign(token, int(expires)), signature):
            raise DownloadError(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        if now_s > link.expires_s:
            raise DownloadError(
                403,
                "ExpiredToken",
                f"The provided token has expired. Request signature expired at: {rfc3339_us(link.expires_s)}",
            )
        return job

    def file_for(self, job: ExportJob, data: Dataset, matcher: SegmentMatcher) -> bytes:
        if job.file is None:
            raw = build_file(job.request, data, matcher)
            job.file = gzip.compress(raw, mtime=0)  # mtime=0 keeps the bytes deterministic
        return job.file


class DownloadError(Exception):
    """A storage-style (XML) error for the signed download URL."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def xml(self) -> bytes:
        return (
            "<?xml version='1.0' encoding='UTF-8'?>"
            f"<Error><Code>{self.code}</Code><Message>{self.message}</Message></Error>"
        ).encode()
