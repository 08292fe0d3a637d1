"""Opal's async callback: the v2 result envelope, POSTed with the call's own bearer token."""

from __future__ import annotations

import json
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError

from fullstory_client.client import pool_manager, proxy_for

from .errors import CallbackRejected, CallbackUnavailable

V2_MIME = "application/vnd.optimizely.opal.tools+json"
TIMEOUT_S = (3.05, 10.0)  # connect, read

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


def post(url: str, token: str, envelope: dict[str, Any]) -> int:
    """POSTs once; raises CallbackUnavailable (retry) or CallbackRejected (do not). The status."""
    body = json.dumps(envelope, default=str).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": V2_MIME, "Accept": "application/json"}
    try:
        # One POST per run: a pool of its own, closed when done (as requests.post did).
        with pool_manager(proxy_for(url)) as http:
            status = http.request(
                "POST",
                url,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(connect=TIMEOUT_S[0], read=TIMEOUT_S[1]),
                retries=False,
                redirect=False,
            ).status
    except (HTTPError, ValueError) as exc:  # ValueError: a URL that cannot be parsed
        raise CallbackUnavailable(f"Opal's callback URL could not be reached ({type(exc).__name__})") from None
    if status < 300:
        return status
    if status == 429 or status >= 500:
        raise CallbackUnavailable(f"Opal's callback URL answered HTTP {status}")
    raise CallbackRejected(f"Opal's callback URL refused the result (HTTP {status})")
