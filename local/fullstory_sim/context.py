"""What the Activation endpoints see of a session: event selection by a profile's `slice` and
`events` settings, the Generate Context document (`context_data`), and raw v2 session events.
"""

from __future__ import annotations

from typing import Any

from .model import Dataset, Event, Page, Session
from .timeutil import parse_rfc3339, rfc3339_ms

Selected = list[tuple[Page, Event]]


def _of_types(session: Session, events_cfg: dict[str, Any]) -> Selected:
    """The session's events that the `events` type filters keep."""
    include = set(events_cfg.get("include_types") or [])
    exclude = set(events_cfg.get("exclude_types") or [])
    chosen: Selected = []
    for page, event in session.iter_events():
        # A custom (API) event is named by its own name in the type lists (the docs' merge example
        # includes "Added to Cart"); built-in events by their type.
        kind = event.custom_name if event.kind == "custom" else event.kind
        if event.kind == "custom" and events_cfg.get("exclude_api_events"):
            continue
        if (include and kind not in include) or kind in exclude:
            continue
        chosen.append((page, event))
    return chosen


def _between(chosen: Selected, start_ts: Any, end_ts: Any) -> Selected:
    if start_ts:
        start_ms = parse_rfc3339(str(start_ts)) * 1000
        chosen = [(p, e) for p, e in chosen if e.at_ms >= start_ms]
    if end_ts:
        end_ms = parse_rfc3339(str(end_ts)) * 1000
        chosen = [(p, e) for p, e in chosen if e.at_ms < end_ms]
    return chosen


def _sliced(chosen: Selected, slice_cfg: dict[str, Any]) -> Selected:
    """The `slice` mode's duration and event limits, from the end (LAST) or the start."""
    duration = int(slice_cfg.get("duration_limit_ms") or 0)
    limit = int(slice_cfg.get("event_limit") or 0)
    if (slice_cfg.get("mode") or "FIRST") == "LAST":
        if duration and chosen:
            last = chosen[-1][1].at_ms
            chosen = [(p, e) for p, e in chosen if e.at_ms >= last - duration]
        return chosen[-limit:] if limit else chosen
    # FIRST, UNSPECIFIED and TIMESTAMP all count from the (possibly moved) start
    if duration and chosen:
        first = chosen[0][1].at_ms
        chosen = [(p, e) for p, e in chosen if e.at_ms <= first + duration]
    return chosen[:limit] if limit else chosen


def select_events(session: Session, config: dict[str, dict[str, Any]], end_timestamp: str | None = None) -> Selected:
    """Apply `events` type filters, then the `slice` window (FIRST/LAST/TIMESTAMP)."""
    events_cfg, slice_cfg = config.get("events", {}), config.get("slice", {})
    chosen = _of_types(session, events_cfg)
    chosen = _between(chosen, slice_cfg.get("start_timestamp"), end_timestamp or slice_cfg.get("end_timestamp"))
    return _sliced(chosen, slice_cfg)


def _path(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


def describe(event: Event) -> str:
    """A one-line, human-readable description — how the context document narrates events."""
    kind, text = event.kind, event.target_text
    if kind == "navigate":
        return f"Navigated to {_path(text)}"
    if kind == "click":
        return f'Clicked "{text}"'
    if kind == "dead-click":
        return f'Dead click on "{text}" (nothing happened)'
    if kind == "error-click":
        return f'Clicked "{text}" and an error followed'
    if kind == "rage-click":
        return f'Rage clicked "{text}" {event.click_count} times'
    if kind == "input-change":
        return f'Changed the "{event.properties.get("field", "input")}" field'
    if kind == "console-error":
        return f"Console error: {event.message}"
    if kind == "network-error":
        return f"Request failed: {event.request_method} {_path(event.request_url)} returned {event.status}"
    if kind == "element-seen":
        return f'Saw "{text}"'
    return f'Custom event "{event.custom_name}"'


def _text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _selector(selector: str, events_cfg: dict[str, Any]) -> str:
    parts = selector.split()
    n = int(events_cfg.get("trim_to_last_n_selectors") or 0)
    if n > 0:
        parts = parts[-n:]
    return " ".join(parts)


def _context_parts(ctx_cfg: dict[str, Any]) -> set[str]:
    """Which of user, org, location and device the `context` settings keep."""
    parts = {"user", "org", "location", "device"}
    for part, flag in (
        ("org", "exclude_org_context"),
        ("user", "exclude_user_context"),
        ("location", "exclude_location"),
        ("device", "exclude_device"),
    ):
        if ctx_cfg.get(flag):
            parts.discard(part)
    if ctx_cfg.get("include"):
        parts = set(ctx_cfg["include"])
    return parts - set(ctx_cfg.get("exclude") or [])


def _device_context(session: Session) -> dict[str, Any]:
    dev = session.device
    return {
        "browser": f"{dev.browser} {dev.browser_version.split('.')[0]}",
        "operating_system": dev.os,
        "screen_size": {"height_pixels": dev.screen[1], "width_pixels": dev.screen[0]},
        "viewport_size": {"height_pixels": dev.viewport[1], "width_pixels": dev.viewport[0]},
    }


def _session_context(data: Dataset, session: Session, parts: set[str]) -> dict[str, Any]:
    context: dict[str, Any] = {
        "session_id": session.id,
        "session_url": data.session_url(session),
        "session_created_at": rfc3339_ms(session.start_ms),
    }
    if "org" in parts:
        context["org_context"] = {
            "org_id": data.org_id,
            "name": data.org_name,
            "industry": "Retail",
            "domain": data.domain,
            "country": "US",
        }
    user = data.user(session.uid)
    if "user" in parts and user is not None:
        context["user_context"] = {
            "user_uid": user.uid,
            "display_name": user.display_name,
            "email": user.email,
            "properties": {k: _text(v) for k, v in user.properties.items()},
        }
    if "location" in parts:
        loc = session.location
        context["location_context"] = {"country": loc.country, "region": loc.region, "city": loc.city}
    if "device" in parts:
        context["device_context"] = _device_context(session)
    return context


def _event_item(event: Event, events_cfg: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": event.kind,
        "description": describe(event),
        "content": event.message or event.target_text,
        "properties": {},
    }
    if not events_cfg.get("exclude_event_timestamps"):
        item["timestamp"] = rfc3339_ms(event.at_ms)
    if event.selector and not events_cfg.get("exclude_selectors"):
        item["properties"]["selector"] = _selector(event.selector, events_cfg)
    if event.kind == "network-error":
        item["properties"].update(url=event.request_url, method=event.request_method, status=event.status)
    if event.kind == "custom":
        item["properties"].update(event.properties)
    if event.kind == "rage-click":
        item["properties"]["click_count"] = event.click_count
    return item


def context_document(
    data: Dataset, session: Session, config: dict[str, dict[str, Any]], end_timestamp: str | None = None
) -> dict[str, Any]:
    """The Generate Context response (reference §7c)."""
    ctx_cfg, events_cfg = config.get("context", {}), config.get("events", {})
    context = _session_context(data, session, _context_parts(ctx_cfg))
    pages: list[dict[str, Any]] = []
    current: Page | None = None
    for page, event in select_events(session, config, end_timestamp):
        if page is not current:
            current = page
            entry: dict[str, Any] = {"url": page.url, "title": page.title, "events": []}
            if events_cfg.get("include_tab_index"):
                entry["tab"] = page.tab
            pages.append(entry)
        pages[-1]["events"].append(_event_item(event, events_cfg))
    return {"context_data": {"context": context, "pages": pages}}


def v2_events(session: Session) -> list[dict[str, Any]]:
    """Get Session Events (reference §7b); event_type uses the Activation vocabulary [I]."""
    out = []
    for page, event in session.iter_events():
        props: dict[str, Any] = {}
        if event.kind == "navigate":
            props = {"url": page.url, "title": page.title, "referrer": page.referrer}
        elif event.kind in {"click", "dead-click", "error-click", "rage-click", "element-seen"}:
            props = {"target_text": event.target_text, "target_selector": event.selector}
            if event.kind == "rage-click":
                props["click_count"] = event.click_count
        elif event.kind == "input-change":
            props = {"target_selector": event.selector, "value": event.target_text}
        elif event.kind == "console-error":
            props = {"level": "error", "message": event.message, "source_url": event.source_url}
        elif event.kind == "network-error":
            props = {"url": event.request_url, "method": event.request_method, "status_code": event.status}
        elif event.kind == "custom":
            props = {"event_name": event.custom_name, "properties": dict(event.properties)}
        out.append(
            {
                "device_id": session.device_id,
                "session_id": session.session_id,
                "view_id": page.page_id,
                "event_time": rfc3339_ms(event.at_ms),
                "event_type": event.kind,
                "event_properties": props,
                "source_type": "web",
                "source_properties": {
                    "url": page.url,
                    "user_agent": session.device.user_agent,
                    "ip": session.location.ip,
                },
            }
        )
    return out
