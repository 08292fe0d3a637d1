"""Optional base profiles: an existing Fullstory summary profile per summary type, named by the operator.

``FULLSTORY_SUMMARY_BASE_PROFILES`` (template parameter ``SummaryBaseProfiles``) holds
``type=profileId`` pairs, comma-separated, e.g. ``quick=1c07280f-df08-494f-873e-6214cb6c46b4,support=…``.
A summary of a listed type sends ``config_profile: <id>``: Fullstory takes that saved profile as the
base and our configuration overrides it (non-array fields replace, arrays add). The registry only
names the profile; it never creates, changes or deletes one. Empty (the default): no base at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from opal_tools.problems import Problem
from platform_kit.settings import BASE_PROFILES_ENV, settings

from .summary_profiles import SUMMARY_TYPES

# Server-assigned ids are UUIDs; the beta API took client-chosen ids. Either fits in a URL as is.
_PROFILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
FORM = f"comma-separated type=profileId pairs, type one of {', '.join(SUMMARY_TYPES)}"


@cache
def parse_base_profiles(raw: str) -> Mapping[str, str]:
    """``{summary type: profile id}``; ValueError naming the first bad entry."""
    found: dict[str, str] = {}
    if not raw.strip():
        return MappingProxyType(found)
    for entry in (part.strip() for part in raw.split(",")):
        kind, sep, profile_id = (piece.strip() for piece in entry.partition("="))
        if not sep or kind not in SUMMARY_TYPES or not _PROFILE_ID.fullmatch(profile_id):
            raise ValueError(f"{BASE_PROFILES_ENV}: {entry!r} is not type=profileId; expected {FORM}")
        if kind in found:
            raise ValueError(f"{BASE_PROFILES_ENV}: {kind} is named twice")
        found[kind] = profile_id
    return MappingProxyType(found)


def base_profile(summary_type: str) -> str | None:
    """The operator's base profile for ``summary_type``, if any (parsed once per value)."""
    try:
        return parse_base_profiles(settings().summary_base_profiles).get(summary_type)
    except ValueError as exc:
        # A deploy cannot get here (the parameter's AllowedPattern); a hand-set variable can.
        raise Problem(503, "Summary base profiles misconfigured", str(exc), "CONFIGURATION_ERROR") from None
