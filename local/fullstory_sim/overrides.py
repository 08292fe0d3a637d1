"""How `POST /v2/sessions/{id}/summary` merges a request's overrides onto a saved profile.

Source: developer.fullstory.com/server/sessions/generate-summary-with-overrides — "When overrides
are provided, non-array fields replace the profile values and array fields are additive"; its
merging examples: "When a non-empty override is provided for a non-array field, it replaces the
profile value" and "When an override is provided for an array field, the override values are
appended to the profile's existing list". Without `config_profile` the request's configuration is
used "in its entirety without referencing a saved profile" (official SDK, session.ts
`summaryWithOverrides`): the base is then the default configuration below.
"""

from __future__ import annotations

import copy
from typing import Any

SECTIONS = ("llm", "slice", "context", "events", "cache")

# [inferred] What Fullstory uses when neither a profile nor the request says otherwise.
DEFAULT_CONFIGURATION: dict[str, dict[str, Any]] = {
    "llm": {"pre_prompt": "", "post_prompt": "", "temperature": 0.2},
    "slice": {},
    "context": {},
    "events": {},
    "cache": {},
}


def _empty(value: Any) -> bool:
    # [inferred] "non-empty" read the proto3 way: a zero value cannot be told from "not given".
    return value is None or value in ("", 0, False) or value == {}


def merge(base: dict[str, dict[str, Any]], overrides: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``base`` (a profile's sections) with ``overrides`` applied; neither argument is changed."""
    merged = {name: copy.deepcopy(base.get(name, {})) for name in SECTIONS}
    for name in SECTIONS:
        section = merged[name]
        for key, value in overrides.get(name, {}).items():
            if isinstance(value, list):
                existing = section.get(key)
                section[key] = [*(existing if isinstance(existing, list) else []), *copy.deepcopy(value)]
            elif not _empty(value):
                section[key] = copy.deepcopy(value)
    return merged
