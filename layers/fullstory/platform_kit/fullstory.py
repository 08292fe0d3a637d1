"""The container's Fullstory client, built from the key in the secret; the deadline and key rotation.

The key is read (through the secrets extension) when a call first needs a client, and again only
after Fullstory refuses it with a 401: a rotated key is picked up by the first call that the old
one fails, as soon as the extension's cache holds the new value (within ``SECRETS_MANAGER_TTL``
seconds of the rotation; the extension has no documented way to skip its cache).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from fullstory_client import Unauthorized

if TYPE_CHECKING:  # the client (and urllib3) load with the first call that needs one, not with its error types
    from fullstory_client import FullstoryClient

from .secrets import SecretMalformed, SecretUnavailable, read_secret
from .settings import API_KEY_SECRET_ENV, Settings, settings

T = TypeVar("T")

DEADLINE_MARGIN_S = 1.5  # time kept back to answer after the last Fullstory call
_PLACEHOLDERS = {"", "REPLACE_ME", "CHANGE_ME"}


class FullstoryNotConfigured(Exception):
    """The secret holds no usable Fullstory API key; ``detail`` says what to do (never the value)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.detail = (
            "This tool registry has no usable Fullstory API key yet; an administrator must put one "
            f"in the registry's Secrets Manager secret ({reason})."
        )
        super().__init__(self.detail)


@dataclass(frozen=True)
class _Built:
    api_key: str = field(repr=False)
    options: tuple[Any, ...]
    client: FullstoryClient


_lock = threading.Lock()
_built: _Built | None = None


def _options(current: Settings) -> tuple[Any, ...]:
    """What the client is built from besides the key: another environment means another client."""
    return (current.api_key_secret_id, current.fullstory_base_url, current.retry_base_delay_s, current.ca_bundle)


def _header_safe(key: str) -> bool:
    # The key goes into an HTTP header: a pasted line break or a non-ASCII letter cannot be sent.
    return key.isascii() and key.isprintable() and not any(c.isspace() for c in key)


def _read_key(current: Settings) -> str:
    try:
        api_key = read_secret(API_KEY_SECRET_ENV)
    except SecretUnavailable as exc:
        raise FullstoryNotConfigured(str(exc)) from None
    if api_key in _PLACEHOLDERS:
        raise FullstoryNotConfigured(f"the secret named by {API_KEY_SECRET_ENV} still holds its placeholder")
    if not _header_safe(api_key):
        problem = "holds characters a Fullstory API key cannot have (spaces, line breaks or non-ASCII)"
        raise FullstoryNotConfigured(str(SecretMalformed(API_KEY_SECRET_ENV, current.api_key_secret_id, problem)))
    return api_key


def fullstory_client(*, force_key_refresh: bool = False) -> FullstoryClient:
    """The client for the key in the secret; ``force_key_refresh`` reads the key again (after a 401).

    ``FullstoryNotConfigured`` when the secret holds no usable key (yet).
    """
    global _built
    current = settings()
    options = _options(current)
    built = _built
    if built is not None and built.options == options and not force_key_refresh:
        return built.client
    api_key = _read_key(current)
    from fullstory_client import FullstoryClient

    with _lock:
        if _built is not None and _built.options == options and _built.api_key == api_key:
            return _built.client
        if _built is not None:
            _built.client.close()  # a rotated key leaves the old client unused
        client = FullstoryClient(
            api_key,
            base_url=current.fullstory_base_url,
            backoff_base=current.retry_base_delay_s,
            ca_bundle=current.ca_bundle,
        )
        _built = _Built(api_key, options, client)
        return client


def reset() -> None:
    """Forget the client (tests; a new 'container')."""
    global _built
    with _lock:
        if _built is not None:
            _built.client.close()
        _built = None


def _remaining_s(context: Any) -> float | None:
    getter = getattr(context, "get_remaining_time_in_millis", None)
    return getter() / 1000 if callable(getter) else None


def run_with_fullstory(work: Callable[[FullstoryClient], T], context: Any) -> T:
    """``work(client)`` within the Lambda's deadline; after a 401 the key is read again, once (rotation)."""
    client = fullstory_client()
    for attempt in (1, 2):
        remaining = _remaining_s(context)
        # A view of the container's client with this call's deadline: where several functions share a
        # process (the local server, the summary worker's invocations there), none moves another's.
        view = client.with_time_budget(None)
        view.set_time_budget(None if remaining is None else remaining - DEADLINE_MARGIN_S)
        try:
            return work(view)
        except Unauthorized:
            # The key may have been rotated in the secret: read it afresh and try once more.
            refreshed = fullstory_client(force_key_refresh=True)
            if attempt == 2 or refreshed is client:
                raise
            client = refreshed
    raise AssertionError("unreachable")
