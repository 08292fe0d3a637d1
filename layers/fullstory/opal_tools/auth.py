"""The registry bearer token check: constant time, and rotation-friendly."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

TokenLoader = Callable[[bool], str]  # force -> current token


class BearerAuth:
    """Checks ``Authorization: Bearer <token>`` against the token in Secrets Manager.

    On a mismatch the secret is read once more (forced), so a rotated token works at once;
    forced reads are spaced by ``refetch_interval_s`` so that bad tokens cannot hammer
    Secrets Manager.
    """

    def __init__(
        self, load_token: TokenLoader, *, refetch_interval_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._load = load_token
        self._interval = refetch_interval_s
        self._clock = clock
        self._last_forced: float | None = None

    @staticmethod
    def presented_token(header: str | None) -> str | None:
        if not header:
            return None
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        return token

    def is_authorized(self, header: str | None) -> bool:
        presented = self.presented_token(header)
        if presented is None:
            return False
        if self._matches(presented, self._load(False)):
            return True
        now = self._clock()
        if self._last_forced is not None and now - self._last_forced < self._interval:
            return False
        self._last_forced = now
        return self._matches(presented, self._load(True))

    @staticmethod
    def _matches(presented: str, expected: str) -> bool:
        if not expected:
            return False
        return hmac.compare_digest(presented.encode(), expected.encode())
