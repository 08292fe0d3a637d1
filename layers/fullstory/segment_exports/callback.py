"""Opal's async callback: the v2 result envelope, POSTed with the call's own bearer token.

Sent as the official Opal tools SDK sends it: at most 3 attempts of 10 s each, 0.5 s and then 1 s
apart, again only after a 5xx or a network failure (never after a 3xx or 4xx), the same body every
time. Redirects are never followed, and the URL must be https to a public address, checked on the
address actually connected to (fullstory_client/outbound.py), and on CALLBACK_ALLOWED_HOSTS when set.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from typing import Any

from fullstory_client import outbound
from platform_kit.outbound import allowance
from platform_kit.settings import settings

V2_MIME = "application/vnd.optimizely.opal.tools+json"
ATTEMPTS = 3
TIMEOUT_S = 10.0  # per attempt, connecting included
BACKOFF_S = (0.5, 1.0)  # before the second and the third attempt

# Step Functions error name -> (HTTP-like status, title, error_code) for the failure envelope.
_FAILURES: dict[str, tuple[int, str, str]] = {
    "ExportFailed": (502, "The export failed in Fullstory", "EXPORT_FAILED"),
    "ExportTimedOut": (504, "The export took too long", "EXPORT_TIMED_OUT"),
    "ExportRequestInvalid": (400, "Invalid export request", "INVALID_PARAMETERS"),
    "FullstoryRejected": (400, "Fullstory refused the export", "FULLSTORY_REJECTED"),
    "FullstoryThrottled": (429, "Fullstory rate limit", "FULLSTORY_RATE_LIMITED"),
    "FullstoryUnavailable": (502, "Fullstory is unavailable", "FULLSTORY_UNAVAILABLE"),
    "FullstoryCreateUncertain": (502, "Fullstory did not confirm the export", "EXPORT_UNCONFIRMED"),
    "StorageUnavailable": (503, "The file could not be stored", "STORAGE_UNAVAILABLE"),
    "ExportLinkRefused": (502, "Fullstory's download link was refused", "EXPORT_LINK_REFUSED"),
    "ExportFileInvalid": (502, "The export file was not what was asked for", "EXPORT_FILE_INVALID"),
}
_GENERIC = (500, "The export workflow failed", "EXPORT_WORKFLOW_ERROR")


def readable_cause(cause: str) -> str:
    """A Lambda error's cause is its JSON error payload; the message is what a person reads."""
    try:
        data = json.loads(cause)
    except (TypeError, ValueError):
        return cause[:1000]
    if isinstance(data, dict) and isinstance(data.get("errorMessage"), str):
        return str(data["errorMessage"])[:1000]
    return cause[:1000]


def failure(error: str, cause: str) -> dict[str, Any]:
    """``{error, cause, status, title, errorCode}`` for a failed run, readable by people and models."""
    status, title, code = _FAILURES.get(error, _GENERIC)
    detail = readable_cause(cause) or title
    return {"error": error, "cause": detail, "status": status, "title": title, "errorCode": code}


def success_envelope(result: dict[str, Any]) -> dict[str, Any]:
    size = result.get("sizeBytes")
    size_text = f"{size:,} bytes" if isinstance(size, int) else "unknown size"
    message = (
        f"The Fullstory export is ready: a gzip-compressed {str(result.get('format', '')).removeprefix('FORMAT_')} "
        f"file ({size_text}). Download it from {result.get('downloadUrl')} (link valid until "
        f"{result.get('downloadUrlExpiresAt')}); it is stored at {result.get('s3Uri')}."
    )
    return {"message": message, "content": result, "content_type": "application/json"}


def failure_envelope(error: str, cause: str) -> dict[str, Any]:
    failed = failure(error, cause)
    return {
        "message": f"The Fullstory export could not be delivered: {failed['cause']}",
        "error": {
            "type": "about:blank",
            "title": failed["title"],
            "status": failed["status"],
            "detail": failed["cause"],
            "error_code": failed["errorCode"],
        },
    }


def allowed_hosts() -> tuple[str, ...]:
    """The hosts ``CALLBACK_ALLOWED_HOSTS`` (template parameter CallbackAllowedHosts) lists; () for any."""
    return settings().callback_allowed_hosts


def check_url(url: str) -> None:
    """Raises outbound.UrlRefused when the callback URL may not be called: the checks a tool call
    can make at once (the address is checked again, on the connection, when the result is sent)."""
    target = outbound.parse(url, allowed_hosts=allowed_hosts(), allowance=allowance())
    with suppress(OSError):  # not resolvable now: may be a passing DNS failure; sending decides
        outbound.resolve(target, allowance())


@dataclass(frozen=True)
class Outcome:
    """Whether Opal got the result, after how many POSTs, and why not."""

    delivered: bool
    attempts: int
    status: int | None = None  # the last HTTP status Opal's URL answered
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def post(url: str, token: str | None, body: bytes) -> int:
    """One POST, never redirected; the HTTP status. Raises outbound.UrlRefused, or urllib3's
    HTTPError / OSError when the connection fails."""
    import urllib3  # only the workflow's notify task sends; the tools only check the URL

    headers = {"Content-Type": V2_MIME, "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = outbound.request(
        "POST",
        url,
        headers=headers,
        body=body,
        timeout=urllib3.Timeout(total=TIMEOUT_S),
        allowed_hosts=allowed_hosts(),
        allowance=allowance(),
    )
    return response.status


def send(
    url: str,
    token: str | None,
    envelope: dict[str, Any],
    *,
    attempted: int = 0,
    before_attempt: Callable[[int], None] = lambda attempt: None,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """POSTs ``envelope`` until Opal takes it, refuses it, or the attempts are spent. ``attempted``:
    POSTs an earlier run of the task already made; ``before_attempt(n)`` records the n-th."""
    from urllib3.exceptions import HTTPError

    if attempted >= ATTEMPTS:
        return Outcome(False, attempted, None, "an earlier run of this task made every attempt; its outcome is unknown")
    body = json.dumps(envelope, default=str).encode()  # the same bytes on every attempt
    attempt, status, reason = attempted, None, ""
    while attempt < ATTEMPTS:
        if attempt > attempted:
            sleep(BACKOFF_S[min(attempt, len(BACKOFF_S)) - 1])
        attempt += 1
        before_attempt(attempt)
        try:
            status = post(url, token, body)
        except outbound.UrlRefused as refused:
            return Outcome(False, attempt, None, f"async_callback.url {refused.reason}")
        except (HTTPError, OSError) as exc:
            status, reason = None, f"Opal's callback URL could not be reached ({type(exc).__name__})"
            continue
        if status < 300:
            return Outcome(True, attempt, status)
        if status < 500:
            return Outcome(False, attempt, status, f"Opal's callback URL refused the result (HTTP {status})")
        reason = f"Opal's callback URL answered HTTP {status}"
    return Outcome(False, attempt, status, f"{reason}, {attempt} attempts")
