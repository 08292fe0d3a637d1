"""Rows of a segment export file, with Fullstory's PascalCase export field names, and their
encoding as JSON / NDJSON / CSV.

Fidelity notes:
- Ids (IndvId, UserId, SessionId, PageId) are int64 *numbers* in export files (the official
  SDK parses them with json-bigint), unlike the REST API where int64s are strings.
- Timestamps are UTC RFC 3339; the request's `timezone` only governs relative dates [C:AAS].
- A rage click is a burst of click rows whose EventModFrustrated counts 1..n (export docs).
- `PageTitle` is accepted although the documented field list has none [I]; `PageName` is the
  page name set through FS('setProperties').
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .model import Dataset, Event, Page, PropValue, Session, User
from .timeutil import rfc3339_ms

EVENT_FIELDS: tuple[str, ...] = (
    "IndvId",
    "UserId",
    "SessionId",
    "PageId",
    "UserCreated",
    "UserAppKey",
    "UserDisplayName",
    "UserEmail",
    "SessionStart",
    "EventStart",
    "EventType",
    "EventSubType",
    "EventCustomName",
    "EventTargetText",
    "EventTargetSelector",
    "EventPageOffset",
    "EventSessionOffset",
    "EventModFrustrated",
    "EventModDead",
    "EventModError",
    "EventModSuspicious",
    "EventWebSourceFileUrl",
    "PageName",
    "PageTitle",
    "PageStart",
    "PageDuration",
    "PageActiveDuration",
    "PageUrl",
    "PageRefererUrl",
    "PageIp",
    "PageLatLong",
    "PageUserAgent",
    "PageBrowser",
    "PageBrowserVersion",
    "PageDevice",
    "PagePlatform",
    "PageOperatingSystem",
    "PageScreenWidth",
    "PageScreenHeight",
    "PageViewportWidth",
    "PageViewportHeight",
    "PageNumEvents",
    "PageNumErrors",
    "LoadDomContentTime",
    "LoadEventTime",
    "ReqUrl",
    "ReqMethod",
    "ReqStatus",
)

INDIVIDUAL_FIELDS: tuple[str, ...] = (
    "IndvId",
    "Created",
    "Uid",
    "DisplayName",
    "Email",
    "NumSessions",
    "NumPages",
    "NumEvents",
    "TotalSec",
    "ActiveSec",
    "AvgSessionSec",
    "AvgSessionActiveSec",
    "MaxSessionSec",
    "LastSessionNumPages",
    "LastSessionNumEvents",
    "LastSessionSec",
    "LastSessionActiveSec",
    "LastSessionStart",
    "LastPage",
    "LastIp",
    "LastLatLong",
    "LastEventStart",
    "LastBrowser",
    "LastDevice",
    "LastPlatform",
    "LastOperatingSystem",
)


def _var_name(prefix: str, name: str, value: PropValue) -> str:
    """Custom var column name, e.g. `user_loyaltyTier_str`, `evt_price_real`."""
    if isinstance(value, bool):
        suffix = "bool"
    elif isinstance(value, int):
        suffix = "int"
    elif isinstance(value, float):
        suffix = "real"
    else:
        suffix = "str"
    return f"{prefix}_{name}_{suffix}"


def user_var_columns(data: Dataset) -> list[str]:
    return [_var_name("user", k, v) for k, v in data.users[0].properties.items()]


def event_var_columns(data: Dataset) -> list[str]:
    seen: dict[str, None] = {}
    for session in data.sessions:
        for _, event in session.iter_events():
            for k, v in event.properties.items():
                if event.kind == "custom":
                    seen[_var_name("evt", k, v)] = None
    return sorted(seen)


def _page_name(page: Page) -> str:
    path = page.path
    for prefix, name in (
        ("/products/", "Product Detail"),
        ("/collections/", "Collection"),
        ("/cart", "Cart"),
        ("/checkout/", "Checkout"),
        ("/blog/", "Blog Post"),
        ("/help", "Help Center"),
        ("/account", "Account"),
        ("/admin", "Admin"),
        ("/search", "Search Results"),
    ):
        if path.startswith(prefix):
            return name
    return "Home" if path == "/" else "Other"


@dataclass(frozen=True)
class EventRowSource:
    user: User
    session: Session
    page: Page
    event: Event


def _event_base(src: EventRowSource) -> dict[str, Any]:
    user, session, page, event = src.user, src.session, src.page, src.event
    active = int((page.end_ms - page.start_ms) * 0.6)
    return {
        "IndvId": int(user.indv_id),
        "UserId": int(session.device_id),
        "SessionId": int(session.session_id),
        "PageId": int(page.page_id),
        "UserCreated": rfc3339_ms(user.created_ms),
        "UserAppKey": user.uid,
        "UserDisplayName": user.display_name,
        "UserEmail": user.email,
        "SessionStart": rfc3339_ms(session.start_ms),
        "EventStart": rfc3339_ms(event.at_ms),
        "EventPageOffset": event.at_ms - page.start_ms,
        "EventSessionOffset": event.at_ms - session.start_ms,
        "EventModFrustrated": 0,
        "EventModDead": 0,
        "EventModError": 0,
        "EventModSuspicious": 0,
        "PageName": _page_name(page),
        "PageTitle": page.title,
        "PageStart": rfc3339_ms(page.start_ms),
        "PageDuration": page.end_ms - page.start_ms,
        "PageActiveDuration": active,
        "PageUrl": page.url,
        "PageRefererUrl": page.referrer,
        "PageIp": session.location.ip,
        "PageLatLong": session.location.lat_long,
        "PageUserAgent": session.device.user_agent,
        "PageBrowser": session.device.browser,
        "PageBrowserVersion": session.device.browser_version,
        "PageDevice": session.device.device,
        "PagePlatform": "Web",
        "PageOperatingSystem": session.device.os,
        "PageScreenWidth": session.device.screen[0],
        "PageScreenHeight": session.device.screen[1],
        "PageViewportWidth": session.device.viewport[0],
        "PageViewportHeight": session.device.viewport[1],
        "PageNumEvents": len(page.events),
        "PageNumErrors": sum(1 for e in page.events if e.kind == "console-error"),
    }


def event_rows(src: EventRowSource) -> list[dict[str, Any]]:
    """One captured event → its export row(s), mapped to Fullstory's export EventType vocabulary."""
    event = src.event
    base = _event_base(src)
    kind = event.kind
    if kind == "navigate":
        base.update(
            EventType="navigate",
            EventSubType="navigate",
            LoadDomContentTime=src.page.load_ms // 2,
            LoadEventTime=src.page.load_ms,
        )
    elif kind in {"click", "dead-click", "error-click"}:
        base.update(
            EventType="click",
            EventTargetText=event.target_text,
            EventTargetSelector=event.selector,
            EventModDead=1 if kind == "dead-click" else 0,
            EventModError=2 if kind == "error-click" else 0,
        )
    elif kind == "rage-click":
        rows = []
        for n in range(1, max(event.click_count, 1) + 1):
            row = dict(base)
            offset = (n - 1) * 180
            row.update(
                EventType="click",
                EventTargetText=event.target_text,
                EventTargetSelector=event.selector,
                EventModFrustrated=n,
                EventStart=rfc3339_ms(event.at_ms + offset),
                EventPageOffset=base["EventPageOffset"] + offset,
                EventSessionOffset=base["EventSessionOffset"] + offset,
            )
            rows.append(row)
        return rows
    elif kind == "input-change":
        base.update(EventType="change", EventTargetText=event.target_text, EventTargetSelector=event.selector)
    elif kind == "console-error":
        base.update(
            EventType="console_message",
            EventSubType="error",
            EventTargetText=event.message,
            EventWebSourceFileUrl=event.source_url,
        )
    elif kind == "network-error":
        base.update(
            EventType="request", ReqUrl=event.request_url, ReqMethod=event.request_method, ReqStatus=event.status
        )
    elif kind == "element-seen":
        base.update(
            EventType="seen",
            EventSubType="visible",
            EventTargetText=event.target_text,
            EventTargetSelector=event.selector,
        )
    elif kind == "custom":
        base.update(EventType="custom", EventCustomName=event.custom_name)
        for k, v in event.properties.items():
            base[_var_name("evt", k, v)] = v
    for k, v in src.user.properties.items():
        base[_var_name("user", k, v)] = v
    return [base]


def individual_row(user: User, sessions: list[Session]) -> dict[str, Any]:
    """Lifetime statistics of one person (sessions: oldest first, non-empty)."""
    last = sessions[-1]
    secs = [(s.end_ms - s.start_ms) // 1000 for s in sessions]
    active = [int(x * 0.6) for x in secs]
    row: dict[str, Any] = {
        "IndvId": int(user.indv_id),
        "Created": rfc3339_ms(user.created_ms),
        "Uid": user.uid,
        "DisplayName": user.display_name,
        "Email": user.email,
        "NumSessions": len(sessions),
        "NumPages": sum(len(s.pages) for s in sessions),
        "NumEvents": sum(s.num_events for s in sessions),
        "TotalSec": sum(secs),
        "ActiveSec": sum(active),
        "AvgSessionSec": round(sum(secs) / len(secs), 1),
        "AvgSessionActiveSec": round(sum(active) / len(active), 1),
        "MaxSessionSec": max(secs),
        "LastSessionNumPages": len(last.pages),
        "LastSessionNumEvents": last.num_events,
        "LastSessionSec": secs[-1],
        "LastSessionActiveSec": active[-1],
        "LastSessionStart": rfc3339_ms(last.start_ms),
        "LastPage": last.pages[-1].url,
        "LastIp": last.location.ip,
        "LastLatLong": last.location.lat_long,
        "LastEventStart": rfc3339_ms(last.pages[-1].events[-1].at_ms),
        "LastBrowser": last.device.browser,
        "LastDevice": last.device.device,
        "LastPlatform": "Web",
        "LastOperatingSystem": last.device.os,
    }
    for k, v in user.properties.items():
        row[_var_name("user", k, v)] = v
    return row


def encode(columns: list[str], rows: Iterable[dict[str, Any]], fmt: str) -> bytes:
    """Uncompressed file body for FORMAT_JSON / FORMAT_NDJSON / FORMAT_CSV."""
    projected = [{c: row.get(c) for c in columns} for row in rows]
    if fmt == "FORMAT_JSON":
        return json.dumps(projected, ensure_ascii=False).encode()
    if fmt == "FORMAT_NDJSON":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in projected).encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for r in projected:
        writer.writerow(
            ["" if r[c] is None else str(r[c]).lower() if isinstance(r[c], bool) else r[c] for c in columns]
        )
    return buffer.getvalue().encode()
