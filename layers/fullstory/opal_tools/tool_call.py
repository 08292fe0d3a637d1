"""What Opal sent besides the parameters, for tools that need it; and the 202 answer of async tools.

Opal's body carries an envelope next to ``parameters``: ``environment``, ``chat_metadata`` and,
for tools declared ``mode: "async"``, ``async_callback`` {url, tool_call_id, callback_token}: the
tool answers 202 at once and later POSTs its result to ``url`` with ``Bearer <callback_token>``,
or without Authorization when Opal sent no token (as the official SDK does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .problems import bad_parameters

MAX_URL = 2048
MAX_ID = 512
MAX_TOKEN = 4096


@dataclass(frozen=True)
class AsyncCallback:
    url: str
    tool_call_id: str
    callback_token: str | None = field(default=None, repr=False)  # a credential: never logged

    def as_dict(self) -> dict[str, str]:
        """The block as Opal sent it; without ``callback_token`` when there was none."""
        block = {"url": self.url, "tool_call_id": self.tool_call_id}
        if self.callback_token is not None:
            block["callback_token"] = self.callback_token
        return block


@dataclass(frozen=True)
class ToolCall:
    """The call around the parameters; logic that takes a third argument receives it."""

    tool: str
    request_id: str | None = None
    async_callback: AsyncCallback | None = None
    execution_mode: str | None = None  # "interactive" or "headless" (Opal workflows)
    thread_id: str | None = None


@dataclass(frozen=True)
class Accepted:
    """Returned by a tool's logic: the work was started; answer 202 with ``body``."""

    body: dict[str, Any]


def _text(raw: dict[str, Any], key: str, limit: int, problems: list[dict[str, str]], *, required: bool = True) -> str:
    value = raw.get(key)
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return ""  # optional and not given
    if not required and not isinstance(value, str):
        problems.append({"parameter": f"async_callback.{key}", "problem": "must be a string when given"})
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.append({"parameter": f"async_callback.{key}", "problem": "is required (a non-empty string)"})
        return ""
    if len(value) > limit:
        problems.append({"parameter": f"async_callback.{key}", "problem": f"must be at most {limit} characters"})
    return value.strip()


def parse_async_callback(raw: Any) -> AsyncCallback | None:
    """The callback block of an async call, or None when the caller sent none; 400 when malformed."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_parameters(
            [{"parameter": "async_callback", "problem": "must be an object with url, tool_call_id and callback_token"}]
        )
    problems: list[dict[str, str]] = []
    url = _text(raw, "url", MAX_URL, problems)
    tool_call_id = _text(raw, "tool_call_id", MAX_ID, problems)
    token = _text(raw, "callback_token", MAX_TOKEN, problems, required=False)
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            problems.append({"parameter": "async_callback.url", "problem": "must be an http(s) URL"})
    if problems:
        raise bad_parameters(problems)
    return AsyncCallback(url=url, tool_call_id=tool_call_id, callback_token=token or None)


def tool_call(
    tool: str, envelope: dict[str, Any], *, is_async: bool, request_id: str | None, thread_id: str | None
) -> ToolCall:
    environment = envelope.get("environment")
    mode = environment.get("execution_mode") if isinstance(environment, dict) else None
    metadata = envelope.get("chat_metadata")
    if thread_id is None and isinstance(metadata, dict) and isinstance(metadata.get("thread_id"), str):
        thread_id = metadata["thread_id"]
    return ToolCall(
        tool=tool,
        request_id=request_id,
        # Sync tools ignore a stray callback block, as Opal's SDK does.
        async_callback=parse_async_callback(envelope.get("async_callback")) if is_async else None,
        execution_mode=mode if isinstance(mode, str) else None,
        thread_id=thread_id,
    )
