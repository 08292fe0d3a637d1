"""One Fullstory client per container, rebuilt when the key in the secret changes."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from fullstory_client import FullstoryClient, Unauthorized

from .problems import Problem
from .secrets import API_KEY_SECRET_ENV, SecretMalformed, SecretUnavailable, read_secret

BASE_URL_ENV = "FULLSTORY_API_BASE_URL"
_PLACEHOLDERS = {"", "REPLACE_ME", "CHANGE_ME"}

DEADLINE_MARGIN_S = 1.5  # time kept back to answer after the last Fullstory call
T = TypeVar("T")

RETRY_BASE_DELAY_ENV = "FULLSTORY_RETRY_BASE_DELAY_S"  # first backoff step; tests and local runs shorten it

_clients: dict[tuple[str, str], FullstoryClient] = {}


def _retry_base_delay() -> float:
    try:
        return max(0.0, float(os.environ.get(RETRY_BASE_DELAY_ENV, "0.5")))
    except ValueError:
        return 0.5


def _not_configured(reason: str) -> Problem:
    return Problem(
        503,
        "Fullstory is not configured",
        "This tool registry has no usable Fullstory API key yet; an administrator must put one "
        f"in the registry's Secrets Manager secret ({reason}).",
        "FULLSTORY_NOT_CONFIGURED",
    )


def _header_safe(key: str) -> bool:
    # The key goes into an HTTP header: a pasted line break or a non-ASCII letter cannot be sent.
    return key.isascii() and key.isprintable() and not any(c.isspace() for c in key)


def fullstory_client(*, force_key_refresh: bool = False) -> FullstoryClient:
    try:
        api_key = read_secret(API_KEY_SECRET_ENV, force=force_key_refresh)
    except SecretUnavailable as exc:
        raise _not_configured(str(exc)) from None
    if api_key in _PLACEHOLDERS:
        raise _not_configured(f"the secret named by {API_KEY_SECRET_ENV} still holds its placeholder")
    if not _header_safe(api_key):
        problem = "holds characters a Fullstory API key cannot have (spaces, line breaks or non-ASCII)"
        raise _not_configured(str(SecretMalformed(API_KEY_SECRET_ENV, os.environ.get(API_KEY_SECRET_ENV, ""), problem)))
    base_url = os.environ.get(BASE_URL_ENV, "")
    key = (api_key, base_url)
    client = _clients.get(key)
    if client is None:
        for stale in _clients.values():  # a rotated key leaves the old client unused
            stale.close()
        _clients.clear()
        client = _clients[key] = FullstoryClient(api_key, base_url=base_url or None, backoff_base=_retry_base_delay())
    return client


def _remaining_s(context: Any) -> float | None:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    return getter() / 1000 if callable(getter) else None


def run_with_fullstory(work: Callable[[FullstoryClient], T], context: Any) -> T:
    """``work(client)`` within the Lambda's deadline; after a 401 the key is re-read once (rotation)."""
    client = fullstory_client()
    for attempt in (1, 2):
        remaining = _remaining_s(context)
        client.set_time_budget(None if remaining is None else remaining - DEADLINE_MARGIN_S)
        try:
            return work(client)
        except Unauthorized:
            # The key may have been rotated in the secret: read it afresh and try once more.
            refreshed = fullstory_client(force_key_refresh=True)
            if attempt == 2 or refreshed is client:
                raise
            client = refreshed
    raise AssertionError("unreachable")
