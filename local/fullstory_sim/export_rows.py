"""Rows of a segment export file, with Fullstory's PascalCase export field names, and their
encoding as JSON / NDJSON / CSV.

Fidelity notes (the field descriptions are the SDK's, projects/sdk/src/segment-export.ts):
- Ids (IndvId, UserId, SessionId, PageId) are int64 *numbers* in export files (the official
  SDK parses them with json-bigint), unlike the REST API where int64s are strings.
- Timestamps are UTC RFC 3339; the request's `timezone` only governs relative dates [C:AAS].
- A rage click is a burst of click rows whose EventModFrustrated counts 1..n (export docs).
- Load* fields are "present only for EventType load": every navigate row is followed by a
  `load` row, as in hauser's real export rows; PageMaxScrollDepthPercent is on navigate rows.
- There is no page-title column; `PageName` is the page name set through FS('setProperties').
- Custom property columns are `evt_`/`user_` + the property name + its type suffix; numbers
  are `real` (Fullstory infers every number as real unless a schema declares it).
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


def _var_name(prefix: str, name: str, value: PropValue) -> str:
    """Custom property column, e.g. `user_loyaltyTier_str`, `evt_price_real` (developer.fullstory.com
    /server/v2/custom-properties: every number is inferred as a real)."""
    if isinstance(value, bool):
        suffix = "bool"
    elif isinstance(value, int | float):
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


_PAGE_KINDS: tuple[tuple[str, str], ...] = (
    ("/products/", "Product Detail"),
    ("/collections/", "Collection"),
    ("/cart", "Cart"),
    ("/checkout/", "Checkout"),
    ("/blog/", "Blog Post"),
    ("/help", "Help Center"),
    ("/account", "Account"),
    ("/admin", "Admin"),
    ("/search", "Search Results"),
)
_CLUSTER_BASE = 600  # PageClusterId: an internal id per group of similar pages (values as in hauser's rows)


def _page_kind(page: Page) -> tuple[int, str]:
    """(cluster number, page name as the shop sets it with FS('setProperties'))."""
    for number, (prefix, name) in enumerate(_PAGE_KINDS, start=1):
        if page.path.startswith(prefix):
            return number, name
    return (0, "Home") if page.path == "/" else (len(_PAGE_KINDS) + 1, "Other")


@dataclass(frozen=True)
class EventRowSource:
    user: User
    session: Session
    page: Page
    event: Event


def _event_base(src: EventRowSource) -> dict[str, Any]:
    user, session, page, event = src.user, src.session, src.page, src.event
    active = int((page.end_ms - page.start_ms) * 0.6)
    cluster, page_name = _page_kind(page)
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
        "PageName": page_name,
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
        "PageNumDerivedEvents": 0,
        "PageNumInfos": 0,
        "PageNumWarnings": 0,
        "PageNumErrors": sum(1 for e in page.events if e.kind == "console-error"),
        "PageClusterId": _CLUSTER_BASE + cluster,
    }


def _navigate_rows(src: EventRowSource, base: dict[str, Any]) -> list[dict[str, Any]]:
    """A navigate row, then the page's `load` row with its load metrics (milliseconds)."""
    page = src.page
    navigate = dict(base, EventType="navigate", EventSubType="navigate")
    navigate["PageMaxScrollDepthPercent"] = 20 + int(page.page_id) % 81
    loaded_ms = src.event.at_ms + page.load_ms
    load = dict(
        base,
        EventType="load",
        EventStart=rfc3339_ms(loaded_ms),
        EventPageOffset=loaded_ms - page.start_ms,
        EventSessionOffset=loaded_ms - src.session.start_ms,
        LoadDomContentTime=page.load_ms // 2,
        LoadFirstPaintTime=page.load_ms * 3 // 5,
        LoadLargestPaintTime=page.load_ms * 4 // 5,
        LoadEventTime=page.load_ms,
    )
    return [navigate, load]


def _rage_rows(event: Event, base: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for n in range(1, max(event.click_count, 1) + 1):
        offset = (n - 1) * 180
        rows.append(
            dict(
                base,
                EventType="click",
                EventTargetText=event.target_text,
                EventTargetSelector=event.selector,
                EventModFrustrated=n,
                EventStart=rfc3339_ms(event.at_ms + offset),
                EventPageOffset=base["EventPageOffset"] + offset,
                EventSessionOffset=base["EventSessionOffset"] + offset,
            )
        )
    return rows


def _single_row(src: EventRowSource, base: dict[str, Any]) -> dict[str, Any]:
    event, kind = src.event, src.event.kind
    if kind in {"click", "dead-click", "error-click"}:
        base.update(
            EventType="click",
            EventTargetText=event.target_text,
            EventTargetSelector=event.selector,
            EventModDead=1 if kind == "dead-click" else 0,
            EventModError=2 if kind == "error-click" else 0,
        )
    elif kind == "input-change":
        base.update(EventType="change", EventTargetText=event.target_text, EventTargetSelector=event.selector)
    elif kind == "console-error" and event.message.startswith("Uncaught"):
        # An uncaught exception: "On Web, the EventWebSourceFileURL field will contain the source".
        base.update(
            EventType="exception",
            EventSubType="uncaught",
            EventTargetText=event.message,
            EventWebSourceFileUrl=event.source_url,
        )
    elif kind == "console-error":
        base.update(EventType="console_message", EventSubType="error", EventTargetText=event.message)
    elif kind == "network-error":
        base.update(
            EventType="request", ReqUrl=event.request_url, ReqMethod=event.request_method, ReqStatus=event.status
        )
    elif kind == "element-seen":
        rendered_ms = max(0, src.page.end_ms - event.at_ms)
        base.update(
            EventType="seen",
            EventSubType="visible",
            EventTargetText=event.target_text,
            EventTargetSelector=event.selector,
            EventDuration=rendered_ms,
            EventSecondaryDuration=int(rendered_ms * 0.6),
        )
    elif kind == "custom":
        base.update(EventType="custom", EventCustomName=event.custom_name)
        for k, v in event.properties.items():
            base[_var_name("evt", k, v)] = v
    return base


def event_rows(src: EventRowSource) -> list[dict[str, Any]]:
    """One captured event → its export row(s), mapped to Fullstory's export EventType vocabulary."""
    base = _event_base(src)
    for k, v in src.user.properties.items():
        base[_var_name("user", k, v)] = v
    if src.event.kind == "navigate":
        return _navigate_rows(src, base)
    if src.event.kind == "rage-click":
        return _rage_rows(src.event, base)
    return [_single_row(src, base)]


def individual_row(user: User, sessions: list[Session]) -> dict[str, Any]:
    """Lifetime statistics of one person (sessions: oldest first, non-empty)."""
    last = sessions[-1]
    secs = [(s.end_ms - s.start_ms) // 1000 for s in sessions]
    active = [int(x * 0.6) for x in secs]
    user_vars = {_var_name("user", k, v): v for k, v in user.properties.items()}
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
        "UserVars": user_vars,  # [I] the SDK lists UserVars without describing it: here, all user properties
    }
    row.update(user_vars)
    return row


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


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
        writer.writerow([_csv_cell(r[c]) for c in columns])
    return buffer.getvalue().encode()
