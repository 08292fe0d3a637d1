"""Session ids as people paste them, turned into the ``deviceId:sessionId`` form Fullstory takes.

Accepted: every form the official SDK's parser (``parseId`` in fullstory-anywhere-activation's
``session.ts``) turns into a usable id, and the replay-link forms the app shows (US and EU hosts):
- ``deviceId:sessionId``, ``deviceId!sessionId`` (older links), ``deviceId%3AsessionId``;
  a device and a session id are numbers, or UUIDs in the Client ID form;
- a link ending in ``/session/deviceId:sessionId`` (or ``!``/``%3A``), optionally followed by
  ``/…``, ``?…`` or ``#…``;
- a link ending in ``/session/<id>:deviceId!sessionId`` (the SDK's own example: what follows
  the last ``:``, with ``!`` as the separator);
- a link carrying ``(deviceId!sessionId(`` or ``(…)`` (the SDK's ``(``-delimited form).
Anything else is refused: nothing that is not two id parts ever reaches a request path.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

# deviceId and sessionId are numeric strings, or UUIDs in the Client ID form.
_PART = r"[0-9A-Za-z][0-9A-Za-z_-]{0,127}"
_END = r"(?:[/?#]|$)"
# Compiled on first use (re caches them): only the session tools need them, not every cold start.
_PAIR = rf"(?i)^({_PART})[:!]({_PART})$"
_IN_PATH = rf"(?i)/session/({_PART})[:!]({_PART}){_END}"
_SDK_TAIL = rf"(?i)/session/{_PART}:({_PART})!({_PART}){_END}"
_SDK_PARENS = rf"(?i)\(({_PART})[:!]({_PART})[()]"

EXPECTED_FORM = (
    "deviceId:sessionId, e.g. 4617328710723584:7291042947185627 (as returned by fullstory_list_sessions), "
    "the older deviceId!sessionId form, or a Fullstory replay link (app.fullstory.com or app.eu1.fullstory.com) "
    "ending in /session/<deviceId>:<sessionId>"
)


def normalize_session_id(raw: str) -> str | None:
    """Return ``deviceId:sessionId`` for any accepted form, or None when it is none of them."""
    text = raw.strip()
    if "%" in text:
        text = unquote(text)  # %3A, %21, %28: the same forms, encoded
    if text.lower().startswith(("http://", "https://")) or "/session/" in text:
        for pattern in (_IN_PATH, _SDK_TAIL, _SDK_PARENS):
            found = re.search(pattern, text)
            if found:
                return f"{found.group(1)}:{found.group(2)}"
        return None
    match = re.match(_PAIR, text)
    return f"{match.group(1)}:{match.group(2)}" if match else None
