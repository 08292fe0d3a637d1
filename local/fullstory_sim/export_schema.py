"""Which ``fields`` a segment export accepts, as Fullstory documents them.

The simulator's own copy of the facts (never the registry's list, so a test can catch the registry
being wrong). Sources: the field maps in fullstory-anywhere-activation
``projects/sdk/src/segment-export.ts`` (the same names are the CLI's ``--fields`` options in
``projects/cli/docs/export.md``); custom-property columns as they appear in real export rows
(fullstorydev/hauser ``testing/testdata/json/*.json``: ``evt_product_id_str``,
``evt_order.total_real``, ``page_foobar_str``); the type suffixes from help.fullstory.com
"Setting custom API properties"; ``user_*`` / ``evt_*`` from the SDK's ``fields`` comment.
"""

from __future__ import annotations

import re

from .errors import bad_request

# Event exports (TYPE_EVENT): the SDK's ExportFields, EventFields, PageFields, LoadFields,
# RequestFields and MobileFields, in its order.
EVENT_EXPORT_FIELDS: tuple[str, ...] = (
    # ExportFields
    "IndvId", "UserId", "SessionId", "PageId", "UserCreated", "UserAppKey", "UserDisplayName", "UserEmail",
    "SessionStart",
    # EventFields
    "EventStart", "EventType", "EventSubType", "EventCustomName", "EventTargetText", "EventTargetSelector",
    "EventDuration", "EventSecondaryDuration", "EventPageOffset", "EventSessionOffset", "EventModFrustrated",
    "EventModDead", "EventModError", "EventModSuspicious", "EventCumulativeLayoutShift", "EventFirstInputDelay",
    "EventVarErrorKind", "EventVarFields", "EventWebSourceFileUrl", "EventMobileSourceFile",
    # PageFields
    "PageName", "PageStart", "PageDuration", "PageActiveDuration", "PageUrl", "PageRefererUrl", "PageIp",
    "PageLatLong", "PageUserAgent", "PageBrowser", "PageBrowserVersion", "PageDevice", "PagePlatform",
    "PageOperatingSystem", "PageScreenWidth", "PageScreenHeight", "PageViewportWidth", "PageViewportHeight",
    "PageNumEvents", "PageNumDerivedEvents", "PageNumInfos", "PageNumWarnings", "PageNumErrors", "PageClusterId",
    "PageMaxScrollDepthPercent",
    # LoadFields
    "LoadDomContentTime", "LoadEventTime", "LoadFirstPaintTime", "LoadLargestPaintTime",
    # RequestFields
    "ReqUrl", "ReqMethod", "ReqStatus",
    # MobileFields
    "AppName", "AppPackageName", "AppDeviceModel", "AppDeviceVendor", "AppVersion", "AppOsVersion", "AppViewName",
)  # fmt: skip

# Individual exports (TYPE_INDIVIDUAL): the SDK's IndividualFields.
INDIVIDUAL_EXPORT_FIELDS: tuple[str, ...] = (
    "IndvId", "Created", "Uid", "DisplayName", "Email", "NumSessions", "NumPages", "NumEvents", "TotalSec",
    "ActiveSec", "AvgSessionSec", "AvgSessionActiveSec", "MaxSessionSec", "LastSessionNumPages",
    "LastSessionNumEvents", "LastSessionSec", "LastSessionActiveSec", "LastSessionStart", "LastPage", "LastIp",
    "LastLatLong", "LastEventStart", "LastBrowser", "LastDevice", "LastPlatform", "LastOperatingSystem", "UserVars",
)  # fmt: skip

TYPE_SUFFIXES = ("str", "int", "real", "date", "bool", "strs", "ints", "reals", "dates", "bools")
WILDCARDS = ("user_*", "evt_*")

# <scope>_<name>_<type>; names may carry underscores and, for nested objects, dots.
CUSTOM_COLUMN = re.compile(
    r"^(user|evt|page)_[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*_(" + "|".join(TYPE_SUFFIXES) + r")$"
)


def standard_fields(export_type: str) -> tuple[str, ...]:
    return INDIVIDUAL_EXPORT_FIELDS if export_type == "TYPE_INDIVIDUAL" else EVENT_EXPORT_FIELDS


def check_fields(fields: list[str], export_type: str) -> None:
    """Refuses a repeated name (the SDK: "don't duplicate ... this will throw an error") and unknown names."""
    duplicates = sorted({f for f in fields if fields.count(f) > 1})
    if duplicates:
        raise bad_request(f"duplicate export fields: {', '.join(duplicates)}")
    known = set(standard_fields(export_type))
    for name in fields:
        if name in known or name in WILDCARDS or CUSTOM_COLUMN.match(name):
            continue  # a custom property nobody set is legal: its column is simply empty
        raise bad_request(f"unknown export field {name!r} for {export_type}")
