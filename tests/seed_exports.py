"""The four export jobs of the tool's own stories (shared/reference/tool-user-stories.md and the
tool descriptions): the tool's parameters, and the body Fullstory must receive for them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from local.fullstory_sim import FullstorySimulator

DAY_S = 86_400

STORIES = [
    "all users last month as CSV",
    "events of a custom segment as JSON with chosen fields",
    "all sessions last quarter as NDJSON in Asia/Tokyo time",
    "page events of a segment as CSV: url, referrer, title",
]


def _at(epoch_s: float) -> str:
    return datetime.fromtimestamp(int(epoch_s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _days_before(now: float, days: int) -> dict[str, str]:
    return {"start": _at(now - days * DAY_S), "end": _at(now)}


def seed_exports(simulator: FullstorySimulator, now: float) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """story -> (the tool's parameters, the body Fullstory must receive)."""
    segments = {s.name: s.id for s in simulator.data.segments}
    purchases, blog = segments["Completed Purchases"], segments["Blog Readers"]
    month, week, quarter = _days_before(now, 30), _days_before(now, 7), _days_before(now, 90)
    return {
        "all users last month as CSV": (
            {"segmentId": "everyone", "type": "TYPE_INDIVIDUAL", "format": "FORMAT_CSV", "timeRange": month},
            {"segmentId": "everyone", "type": "TYPE_INDIVIDUAL", "format": "FORMAT_CSV", "timeRange": month,
             "segmentTimeRange": month},
        ),
        "events of a custom segment as JSON with chosen fields": (
            {"segmentId": purchases, "type": "TYPE_EVENT", "format": "FORMAT_JSON", "timeRange": week,
             "fields": "event_name,user_id,product_id,event_properties.price"},
            {"segmentId": purchases, "type": "TYPE_EVENT", "format": "FORMAT_JSON", "timeRange": week,
             "segmentTimeRange": week, "fields": ["EventCustomName", "UserAppKey", "evt_*"]},
        ),
        "all sessions last quarter as NDJSON in Asia/Tokyo time": (
            {"segmentId": "everyone", "type": "TYPE_SESSIONS", "format": "FORMAT_NDJSON", "timeRange": quarter,
             "timezone": "Asia/Tokyo"},
            {"segmentId": "everyone", "type": "TYPE_EVENT", "format": "FORMAT_NDJSON", "timeRange": quarter,
             "segmentTimeRange": quarter, "timezone": "Asia/Tokyo", "eventDetails": {"scope": "SCOPE_SESSIONS"}},
        ),
        "page events of a segment as CSV: url, referrer, title": (
            {"segmentId": blog, "type": "TYPE_PAGES", "format": "FORMAT_CSV", "timeRange": month,
             "fields": "url,referrer,page_title"},
            {"segmentId": blog, "type": "TYPE_EVENT", "format": "FORMAT_CSV", "timeRange": month,
             "segmentTimeRange": month, "fields": ["PageUrl", "PageRefererUrl", "PageName"],
             "eventDetails": {"scope": "SCOPE_PAGES"}},
        ),
    }  # fmt: skip


def received(simulator: FullstorySimulator, operation_id: str) -> dict[str, Any]:
    """The create-export body the simulator received for ``operation_id``."""
    job = next(j for j in simulator.exports.all() if j.operation_id == operation_id)
    return job.request.body
