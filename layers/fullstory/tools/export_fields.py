"""The vocabulary of an export's ``fields`` parameter: Fullstory's field names and the words people
use for them.

People say "url, referrer, user id"; Fullstory wants ``PageUrl, PageRefererUrl, UserAppKey``. What
each comma-separated word becomes, in this order:

1. a custom property with its type suffix (``evt_product_id_str``, ``user_tags_strs``) or a
   wildcard (``user_*``, ``evt_*``): sent as written;
2. one of Fullstory's standard names, any case or spacing (``pageurl``, ``page_url``): its exact name;
3. an everyday word (``url``, ``email``): the field it clearly means; "page title" has no column of
   its own and becomes the nearest one, ``PageName``, with a note saying so;
4. a property named without its type suffix (``product_id``, ``event_properties.price``): an export
   can only name a property together with its type, so all properties of that kind are included
   (``evt_*`` / ``user_*``) with a note on how to name it exactly next time;
5. anything else: a ValueError that offers the closest correct spellings.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

ExportKind = Literal["TYPE_INDIVIDUAL", "TYPE_EVENT", "TYPE_SESSIONS", "TYPE_PAGES"]

# Fullstory's export field names exactly as its own SDK lists them, group by group
# (fullstory-anywhere-activation, projects/sdk/src/segment-export.ts; the CLI's --fields options).
EXPORT_FIELDS: tuple[str, ...] = (
    "IndvId", "UserId", "SessionId", "PageId", "UserCreated", "UserAppKey", "UserDisplayName", "UserEmail",
    "SessionStart",
)  # fmt: skip
EVENT_FIELDS: tuple[str, ...] = (
    "EventStart", "EventType", "EventSubType", "EventCustomName", "EventTargetText", "EventTargetSelector",
    "EventDuration", "EventSecondaryDuration", "EventPageOffset", "EventSessionOffset", "EventModFrustrated",
    "EventModDead", "EventModError", "EventModSuspicious", "EventCumulativeLayoutShift", "EventFirstInputDelay",
    "EventVarErrorKind", "EventVarFields", "EventWebSourceFileUrl", "EventMobileSourceFile",
)  # fmt: skip
PAGE_FIELDS: tuple[str, ...] = (
    "PageName", "PageStart", "PageDuration", "PageActiveDuration", "PageUrl", "PageRefererUrl", "PageIp",
    "PageLatLong", "PageUserAgent", "PageBrowser", "PageBrowserVersion", "PageDevice", "PagePlatform",
    "PageOperatingSystem", "PageScreenWidth", "PageScreenHeight", "PageViewportWidth", "PageViewportHeight",
    "PageNumEvents", "PageNumDerivedEvents", "PageNumInfos", "PageNumWarnings", "PageNumErrors", "PageClusterId",
    "PageMaxScrollDepthPercent",
)  # fmt: skip
LOAD_FIELDS: tuple[str, ...] = ("LoadDomContentTime", "LoadEventTime", "LoadFirstPaintTime", "LoadLargestPaintTime")
REQUEST_FIELDS: tuple[str, ...] = ("ReqUrl", "ReqMethod", "ReqStatus")
MOBILE_FIELDS: tuple[str, ...] = (
    "AppName", "AppPackageName", "AppDeviceModel", "AppDeviceVendor", "AppVersion", "AppOsVersion", "AppViewName",
)  # fmt: skip
INDIVIDUAL_FIELDS: tuple[str, ...] = (
    "IndvId", "Created", "Uid", "DisplayName", "Email", "NumSessions", "NumPages", "NumEvents", "TotalSec",
    "ActiveSec", "AvgSessionSec", "AvgSessionActiveSec", "MaxSessionSec", "LastSessionNumPages",
    "LastSessionNumEvents", "LastSessionSec", "LastSessionActiveSec", "LastSessionStart", "LastPage", "LastIp",
    "LastLatLong", "LastEventStart", "LastBrowser", "LastDevice", "LastPlatform", "LastOperatingSystem", "UserVars",
)  # fmt: skip

# Fullstory documents one list for event exports and one for individual exports.
EVENT_EXPORT_FIELDS = EXPORT_FIELDS + EVENT_FIELDS + PAGE_FIELDS + LOAD_FIELDS + REQUEST_FIELDS + MOBILE_FIELDS
STANDARD_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(EVENT_EXPORT_FIELDS + INDIVIDUAL_FIELDS))

TYPE_SUFFIXES = ("str", "int", "real", "date", "bool", "strs", "ints", "reals", "dates", "bools")
WILDCARDS = ("user_*", "evt_*")

# "user id" is the id the app sets with FS.identify: UserAppKey in event rows, Uid in individual
# rows. Fullstory's own UserId is its device/cookie id, so only "fullstory user id" maps there.
EVENT_ALIASES: dict[str, str] = {
    "url": "PageUrl",
    "page url": "PageUrl",
    "referrer": "PageRefererUrl",
    "referer": "PageRefererUrl",
    "referrer url": "PageRefererUrl",
    "page title": "PageName",
    "title": "PageName",
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
    "user agent": "PageUserAgent",
    "operating system": "PageOperatingSystem",
    "scroll depth": "PageMaxScrollDepthPercent",
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
    "sessions": "NumSessions",
    "number of sessions": "NumSessions",
    "user properties": "UserVars",
}
# Words whose field is only the nearest one; the answer says so.
APPROXIMATIONS: dict[str, str] = {
    "page title": "Fullstory exports have no page-title column; sent PageName, the nearest field: the page name "
    "set with FS('setProperties') (empty where the site sets none)",
    "title": "Fullstory exports have no page-title column; sent PageName, the nearest field: the page name set "
    "with FS('setProperties') (empty where the site sets none)",
}
EVERYDAY_NAMES = "url, referrer, page title, event name, user id, email"

_NAME = r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*"  # nested properties are flattened with dots
_TYPED_PROPERTY = re.compile(rf"^(user|evt|page)_({_NAME})_({'|'.join(TYPE_SUFFIXES)})$", re.IGNORECASE)
_WILDCARD = re.compile(r"^(user|evt)_\*$", re.IGNORECASE)
# A property named without its type: event_properties.price, evt_price, user.plan, product_id.
_EVENT_PROPERTY = re.compile(rf"^(?:event_properties|event_props|properties|props|event|evt)[._]({_NAME})$", re.I)
_USER_PROPERTY = re.compile(rf"^(?:user_properties|user_props|user_vars|user)[._]({_NAME})$", re.IGNORECASE)
_BARE_PROPERTY = re.compile(rf"^{_NAME}$")
_PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")  # how Fullstory's own names look: a misspelt one is an error
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s_.-]+")
_TYPO_CUTOFF = 0.8


@dataclass(frozen=True)
class FieldChoice:
    """One word of ``fields``: as asked, as sent to Fullstory, and why when that is not obvious."""

    asked: str
    sent: str
    note: str = ""


def _key(name: str) -> str:
    """'PageTitle', 'page_title' and 'Page title' all read as 'page title'."""
    return _SEPARATORS.sub(" ", _CAMEL_HUMP.sub(" ", name.strip())).strip().lower()


def _property_note(asked: str, prefix: str, name: str) -> str:
    kind = "event" if prefix == "evt" else "user"
    return (
        f"{asked!r} names a custom {kind} property without its type, and Fullstory can only export a property "
        f"named with its type: all {kind} properties were included ({prefix}_*). To get only this one next time, "
        f"name it {prefix}_{name}_<type>, where <type> is one of {', '.join(TYPE_SUFFIXES)} (e.g. "
        f"{prefix}_{name}_str); the export's column names show each property's exact name."
    )


class _Vocabulary:
    """The names that one export type accepts."""

    def __init__(self, individual: bool) -> None:
        self.individual = individual
        self.fields = INDIVIDUAL_FIELDS if individual else EVENT_EXPORT_FIELDS
        self.aliases = INDIVIDUAL_ALIASES if individual else EVENT_ALIASES
        self.by_key = {f.lower(): f for f in self.fields}

    def standard(self, name: str) -> str | None:
        """The exact name for ``pageurl`` or ``PAGEURL``."""
        return self.by_key.get(name.lower())

    def spelled_out(self, name: str) -> str | None:
        """The exact name for ``page_url`` or ``Event custom name`` (after the everyday words)."""
        return self.by_key.get(_key(name).replace(" ", ""))

    def close_matches(self, name: str) -> list[str]:
        """Up to three correct spellings near ``name``: field names, or words for a field not yet offered."""
        fields = {f.lower(): f for f in self.fields}
        found = difflib.get_close_matches(name.lower(), fields, n=3, cutoff=0.6)
        words = difflib.get_close_matches(_key(name), self.aliases, n=3, cutoff=0.6)
        offered = {fields[k]: fields[k] for k in found}  # field -> how it is offered
        for word in words:
            offered.setdefault(self.aliases[word], word)
        return list(offered.values())[:3]

    def is_typo(self, name: str) -> bool:
        pool = [f.lower() for f in self.fields] + list(self.aliases)
        return bool(difflib.get_close_matches(_key(name), pool, n=1, cutoff=_TYPO_CUTOFF)) or bool(
            difflib.get_close_matches(_key(name).replace(" ", ""), pool, n=1, cutoff=_TYPO_CUTOFF)
        )


def _other_type_error(name: str, vocabulary: _Vocabulary) -> ValueError:
    if vocabulary.individual:
        return ValueError(
            f"{name!r} has no equivalent in individual exports (TYPE_INDIVIDUAL has one row per person); use "
            "TYPE_EVENT, TYPE_PAGES or TYPE_SESSIONS for page and event data, or individual fields such as LastPage"
        )
    return ValueError(
        f"{name!r} is a field of individual exports (TYPE_INDIVIDUAL); event exports name people with "
        "UserAppKey, UserEmail and UserDisplayName"
    )


def _unknown_error(name: str, vocabulary: _Vocabulary) -> ValueError:
    matches = vocabulary.close_matches(name)
    hint = f" Did you mean {', '.join(matches)}?" if matches else ""
    examples = "Uid, Email, NumSessions" if vocabulary.individual else "PageUrl, EventCustomName, UserEmail"
    return ValueError(
        f"{name!r} is not an export field.{hint} Use Fullstory's field names (e.g. {examples}), custom properties "
        "with their type as evt_<name>_<type> or user_<name>_<type> (e.g. evt_product_id_str; <type> is one of "
        f"{', '.join(TYPE_SUFFIXES)}), evt_* or user_* for all of them, or one of: {EVERYDAY_NAMES}"
    )


def _untyped_property(name: str, vocabulary: _Vocabulary) -> tuple[str, str] | None:
    """``(prefix, property name)`` when ``name`` reads as a custom property without its type."""
    if event := _EVENT_PROPERTY.match(name):
        if vocabulary.individual:
            raise ValueError(
                f"{name!r} is an event property; individual exports (one row per person) carry user properties "
                "only: use TYPE_EVENT for event properties"
            )
        return "evt", event.group(1)
    if user := _USER_PROPERTY.match(name):
        return "user", user.group(1)
    looks_standard = _PASCAL.match(name) is not None
    if _BARE_PROPERTY.match(name) and not looks_standard and not vocabulary.is_typo(name):
        return ("user" if vocabulary.individual else "evt"), name
    return None


def _resolve_one(name: str, vocabulary: _Vocabulary) -> FieldChoice:
    if wildcard := _WILDCARD.match(name):
        return FieldChoice(name, f"{wildcard.group(1).lower()}_*")
    if typed := _TYPED_PROPERTY.match(name):
        prefix, prop, suffix = typed.groups()
        return FieldChoice(name, f"{prefix.lower()}_{prop}_{suffix.lower()}")
    if standard := vocabulary.standard(name):
        return FieldChoice(name, standard)
    key = _key(name)
    if key in vocabulary.aliases:
        return FieldChoice(name, vocabulary.aliases[key], APPROXIMATIONS.get(key, ""))
    if spelled := vocabulary.spelled_out(name):
        return FieldChoice(name, spelled)
    other = _Vocabulary(not vocabulary.individual)
    if other.standard(name) or other.spelled_out(name) or (vocabulary.individual and key in EVENT_ALIASES):
        raise _other_type_error(name, vocabulary)
    if untyped := _untyped_property(name, vocabulary):
        prefix, prop = untyped
        return FieldChoice(name, f"{prefix}_*", _property_note(name, prefix, prop))
    raise _unknown_error(name, vocabulary)


def resolve_fields(text: str, export_type: ExportKind) -> list[FieldChoice]:
    """What each comma-separated word is sent as; ValueError says what is wrong and how to fix it."""
    vocabulary = _Vocabulary(export_type == "TYPE_INDIVIDUAL")
    resolved: list[FieldChoice] = []
    seen: dict[str, str] = {}
    for raw in text.split(","):
        name = raw.strip()
        if not name:
            continue
        choice = _resolve_one(name, vocabulary)
        first = seen.get(choice.sent)
        if first is not None and choice.sent not in WILDCARDS:
            # Fullstory refuses an export that names a field twice; say which words collide.
            if first == name:
                raise ValueError(f"{name!r} is listed twice; list each field once")
            raise ValueError(f"{first!r} and {name!r} both name the export field {choice.sent}; list it once")
        seen.setdefault(choice.sent, name)
        resolved.append(choice)
    return resolved


def fields_to_send(choices: list[FieldChoice]) -> list[str]:
    """Each field once, in the order asked (several untyped properties share one wildcard)."""
    return list(dict.fromkeys(choice.sent for choice in choices))
