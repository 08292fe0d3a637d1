"""Session ids as people paste them, turned into the ``deviceId:sessionId`` form Fullstory takes."""

from __future__ import annotations

import re
from urllib.parse import unquote

# deviceId and sessionId are numeric strings, or UUIDs in the Client ID form.
_PART = r"[0-9A-Za-z][0-9A-Za-z_-]{0,127}"
# Compiled on first use (re caches them): only the session tools need them, not every cold start.
_PAIR = rf"(?i)^({_PART})(?::|!|%3A)({_PART})$"
_IN_URL = rf"(?i)/session/({_PART}(?::|!|%3A){_PART})(?:[/?#]|$)"

EXPECTED_FORM = (
    "deviceId:sessionId, e.g. 4617328710723584:7291042947185627 (as returned by fullstory_list_sessions), "
    "the older deviceId!sessionId form, or a replay URL ending in /session/<deviceId>:<sessionId>"
)


def normalize_session_id(raw: str) -> str | None:
    """Return ``deviceId:sessionId`` for any accepted form, or None when it is none of them."""
    text = raw.strip()
    if text.startswith(("http://", "https://")) or "/session/" in text:
        found = re.search(_IN_URL, text)
        if not found:
            return None
        text = found.group(1)
    match = re.match(_PAIR, unquote(text) if "%" in text else text)
    if not match:
        return None
    return f"{match.group(1)}:{match.group(2)}"
