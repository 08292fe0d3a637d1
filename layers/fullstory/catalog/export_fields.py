"""The vocabulary of an export's ``fields`` parameter: Fullstory's field names and the everyday
names people use for them.

People say "url, referrer, user id"; Fullstory wants ``PageUrl, PageRefererUrl, UserAppKey``.
Everyday names are mapped only where the equivalent is clear; Fullstory's own names (any
PascalCase name, matched case-insensitively against the documented ones) and custom
properties (``user_<Name>_<type>``, ``evt_<Name>_<type>``, ``user_*``, ``evt_*``) pass through.
"""

from __future__ import annotations

import re
from typing import Literal

ExportKind = Literal["TYPE_INDIVIDUAL", "TYPE_EVENT", "TYPE_SESSIONS", "TYPE_PAGES"]

# Documented export field names (Fullstory's get-export-results page); used to fix the case of
# what people type. Names missing here still pass when they look like a Fullstory name.
EVENT_FIELDS: tuple[str, ...] = (
    "IndvId", "UserId", "SessionId", "PageId", "UserCreated", "UserAppKey", "UserDisplayName", "UserEmail",
    "SessionStart", "EventStart", "EventType", "EventSubType", "EventCustomName", "EventTargetText",
    "EventTargetSelector", "EventPageOffset", "EventSessionOffset", "EventModFrustrated", "EventModDead",
    "EventModError", "EventModSuspicious", "EventWebSourceFileUrl", "PageName", "PageTitle", "PageStart",
    "PageDuration", "PageActiveDuration", "PageUrl", "PageRefererUrl", "PageIp", "PageLatLong", "PageUserAgent",
    "PageBrowser", "PageBrowserVersion", "PageDevice", "PagePlatform", "PageOperatingSystem", "PageScreenWidth",
    "PageScreenHeight", "PageViewportWidth", "PageViewportHeight", "PageNumEvents", "PageNumErrors",
    "LoadDomContentTime", "LoadEventTime", "ReqUrl", "ReqMethod", "ReqStatus",
)  # fmt: skip
INDIVIDUAL_FIELDS: tuple[str, ...] = (
    "IndvId", "Created", "Uid", "DisplayName", "Email", "NumSessions", "NumPages", "NumEvents", "TotalSec",
    "ActiveSec", "AvgSessionSec", "AvgSessionActiveSec", "MaxSessionSec", "LastSessionNumPages",
    "LastSessionNumEvents", "LastSessionSec", "LastSessionActiveSec", "LastSessionStart", "LastPage", "LastIp",
    "LastLatLong", "LastEventStart", "LastBrowser", "LastDevice", "LastPlatform", "LastOperatingSystem",
)  # fmt: skip

# "user id" is the id the app sets with FS.identify: UserAppKey in event rows, Uid in individual
# rows. Fullstory's own UserId is its device/cookie id, so only "fullstory user id" maps there.
EVENT_ALIASES: dict[str, str] = {
    "url": "PageUrl",
    "page url": "PageUrl",
    "referrer": "PageRefererUrl",
    "referer": "PageRefererUrl",
    "referrer url": "PageRefererUrl",
    "page title": "PageTitle",
    "title": "PageTitle",
    "page name": "PageName",
    "event name": "EventCustomName",
    "custom event name": "EventCustomName",
    "event type": "EventType",
    "event time": "EventStart",
    "timestamp": "EventStart",
    "user id": "UserAppKey",
    "uid": "UserAppKey",
    "app user id": "UserAppKey",
    "fullstory user id": "UserId",
    "device id": "UserId",
    "email": "UserEmail",
    "user email": "UserEmail",
    "email address": "UserEmail",
    "display name": "UserDisplayName",
    "user name": "UserDisplayName",
    "session id": "SessionId",
    "page id": "PageId",
    "browser": "PageBrowser",
    "device": "PageDevice",
    "ip": "PageIp",
    "ip address": "PageIp",
}
INDIVIDUAL_ALIASES: dict[str, str] = {
    "user id": "Uid",
    "uid": "Uid",
    "app user id": "Uid",
    "email": "Email",
    "user email": "Email",
    "email address": "Email",
    "display name": "DisplayName",
    "user name": "DisplayName",
    "name": "DisplayName",
    "created": "Created",
    "sessions": "NumSessions",
    "number of sessions": "NumSessions",
}
EVERYDAY_NAMES = "url, referrer, page title, event name, user id, email"

_CUSTOM = re.compile(r"^(user|evt)_[A-Za-z0-9]+_(str|int|real|bool|date)$|^(user|evt)_\*$")
_FULLSTORY_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_SEPARATORS = re.compile(r"[\s_-]+")


def _key(name: str) -> str:
    return _SEPARATORS.sub(" ", name.strip().lower())


def _resolve_one(name: str, export_type: ExportKind) -> str:
    individual = export_type == "TYPE_INDIVIDUAL"
    known = INDIVIDUAL_FIELDS if individual else EVENT_FIELDS
    aliases = INDIVIDUAL_ALIASES if individual else EVENT_ALIASES
    if _CUSTOM.match(name):
        return name
    by_case = {f.lower(): f for f in known}
    if name.lower() in by_case:
        return by_case[name.lower()]
    key = _key(name)
    if key in aliases:
        return aliases[key]
    if individual and key in EVENT_ALIASES:
        raise ValueError(
            f"{name!r} has no equivalent in individual exports (TYPE_INDIVIDUAL has one row per person); "
            "use TYPE_EVENT, TYPE_PAGES or TYPE_SESSIONS for page and event data, or individual fields such as "
            "LastPage"
        )
    if _FULLSTORY_NAME.match(name):
        return name  # a Fullstory name we do not list; Fullstory itself says if it is wrong
    raise ValueError(
        f"{name!r} is not an export field; use Fullstory's field names (e.g. "
        f"{'Uid, Email, NumSessions' if individual else 'PageUrl, EventCustomName, UserEmail'}), custom "
        "properties as user_<Name>_<type> or evt_<Name>_<type> (e.g. evt_loginMethod_str), or one of: "
        f"{EVERYDAY_NAMES}"
    )


def resolve_fields(text: str, export_type: ExportKind) -> list[tuple[str, str]]:
    """``(as asked, Fullstory name)`` for each comma-separated field; ValueError says what is wrong."""
    resolved: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for raw in text.split(","):
        name = raw.strip()
        if not name:
            continue
        fullstory_name = _resolve_one(name, export_type)
        if fullstory_name in seen:
            # Fullstory rejects an export whose field list repeats a name.
            first = seen[fullstory_name]
            if first == name:
                raise ValueError(f"{name!r} is listed twice; list each field once")
            raise ValueError(f"{first!r} and {name!r} both name the export field {fullstory_name}; list it once")
        seen[fullstory_name] = name
        resolved.append((name, fullstory_name))
    return resolved
