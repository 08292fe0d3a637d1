"""Opal's callback for a run, kept out of Step Functions.

Step Functions keeps a run's input and every state's input and output in its history for 90 days,
readable by whoever may read the state machine. So the async tool stores the call's
``async_callback`` (url, tool_call_id, callback_token) in the run's own object in the export bucket,
``callbacks/<execution name>.json`` (SSE-S3 encrypted, never presigned, expired by a lifecycle
rule), and passes only the ``tool_call_id``. The notify task reads it by the run's name, counts
its attempts in it, and once Opal has been told (or given up on) replaces it with the outcome alone:
the token is gone, and a restarted notify task answers that outcome instead of calling again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from platform_kit.aws import s3

from .storage import bucket, safe_name, storage_errors

CALLBACK_PREFIX = "callbacks/"


@dataclass(frozen=True)
class StoredCallback:
    url: str = field(repr=False)
    tool_call_id: str
    # Opal may send none; then the callback goes without Authorization. Never in a log line.
    callback_token: str | None = field(repr=False)
    attempts: int = 0  # POSTs already made (a restarted notify task goes on counting)
    outcome: dict[str, Any] | None = None  # set once done; then url and token are gone


def _key(execution_name: str) -> str:
    return f"{CALLBACK_PREFIX}{safe_name(execution_name)}.json"


def _put(execution_name: str, body: dict[str, Any]) -> None:
    with storage_errors("storing Opal's callback"):
        s3().put_object(
            Bucket=bucket(),
            Key=_key(execution_name),
            Body=json.dumps(body).encode(),
            ContentType="application/json",
            ServerSideEncryption="AES256",
        )


def store(execution_name: str, callback: StoredCallback) -> None:
    body = {
        "url": callback.url,
        "tool_call_id": callback.tool_call_id,
        "callback_token": callback.callback_token,
        "attempts": callback.attempts,
    }
    _put(execution_name, body)


def load(execution_name: str) -> StoredCallback | None:
    """The run's callback; None when there is none (never stored, or already sent and deleted)."""
    from botocore.exceptions import ClientError

    with storage_errors("reading Opal's callback"):
        try:
            raw = s3().get_object(Bucket=bucket(), Key=_key(execution_name))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("outcome"), dict):
        return StoredCallback("", str(data.get("tool_call_id") or ""), None, outcome=data["outcome"])
    if not isinstance(data.get("url"), str):
        return None
    token = data.get("callback_token")
    attempts = data.get("attempts")
    return StoredCallback(
        url=data["url"],
        tool_call_id=str(data.get("tool_call_id") or ""),
        callback_token=token if isinstance(token, str) and token else None,
        attempts=attempts if isinstance(attempts, int) and attempts > 0 else 0,
    )


def count_attempt(execution_name: str, callback: StoredCallback, attempts: int) -> None:
    store(execution_name, replace(callback, attempts=attempts))


def finish(execution_name: str, callback: StoredCallback, outcome: dict[str, Any]) -> None:
    """Replaces the callback with its outcome, when and to which host: the URL and the token are not
    kept. A resent call reads it to say where its result went (tools/export_runs.py)."""
    told = {
        **outcome,
        "at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "host": urlsplit(callback.url).hostname,
    }
    _put(execution_name, {"tool_call_id": callback.tool_call_id, "outcome": told})
