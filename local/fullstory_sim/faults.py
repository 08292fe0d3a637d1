"""Fault injection and the request log.

A fault applies to the next `times` requests whose path (without the query string) matches
`path_regex` (re.search) and, when given, whose method matches. The first matching fault wins.
With `after_processing` the request is handled first (an export is created, ...) and only the
answer is replaced: a proxy that forwarded the request and then failed.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from .locked_log import LockedLog


@dataclass
class Fault:
    pattern: re.Pattern[str]
    status: int | None
    retry_after: int | None
    delay_s: float
    body: str | None
    remaining: int
    method: str | None
    reset: bool
    after_processing: bool = False
    content_type: str = "application/json"
    location: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.pattern.search(path) is not None

    def describe(self) -> dict[str, Any]:
        return {
            "path_regex": self.pattern.pattern,
            "method": self.method,
            "status": self.status,
            "retry_after": self.retry_after,
            "delay_s": self.delay_s,
            "body": self.body,
            "times": self.remaining,
            "reset": self.reset,
            "after_processing": self.after_processing,
            "content_type": self.content_type,
            "location": self.location,
        }


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        path_regex: str,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        delay_s: float = 0.0,
        body: str | None = None,
        times: int = 1,
        method: str | None = None,
        reset: bool = False,
        after_processing: bool = False,
        content_type: str | None = None,
        location: str | None = None,
    ) -> Fault:
        """Validates eagerly so a typo in a test fails at the injection, not silently later."""
        try:
            pattern = re.compile(path_regex)
        except re.error as exc:
            raise ValueError(f"invalid path_regex {path_regex!r}: {exc}") from exc
        if status is not None and not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status code, got {status}")
        if retry_after is not None and retry_after < 0:
            raise ValueError("retry_after must be >= 0 (integer seconds)")
        if delay_s < 0:
            raise ValueError("delay_s must be >= 0")
        if times < 1:
            raise ValueError("times must be >= 1")
        if location is not None and (status is None or not 300 <= status < 400):
            raise ValueError("location goes with a 3xx status")
        if after_processing and status is None and body is None and not reset and delay_s == 0:
            raise ValueError("after_processing needs a status, a body, reset or delay_s: what changes the answer")
        if content_type is not None and not isinstance(content_type, str):
            raise ValueError("content_type must be a string")
        fault = Fault(
            pattern,
            status,
            retry_after,
            float(delay_s),
            body,
            int(times),
            method.upper() if method else None,
            bool(reset),
            bool(after_processing),
            content_type or "application/json",
            location,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Consumes one use of the first fault matching this request."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._faults]


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # raw (still percent-encoded) path without the query string
    query: str
    at: float  # wall-clock epoch seconds


class RequestLog(LockedLog[LoggedRequest], Sequence[tuple[str, str]]):
    """Thread-safe, append-only log of received requests as `(method, path)` tuples.

    `calls(path_regex, method)` counts matching requests; `entries()` gives the full records.
    """

    def record(self, method: str, path: str, query: str) -> None:
        self._append(LoggedRequest(method, path, query, time.time()))

    def calls(self, path_regex: str, method: str | None = None) -> int:
        pattern = re.compile(path_regex)
        return sum(
            1 for e in self.entries() if pattern.search(e.path) and (method is None or e.method == method.upper())
        )

    @overload
    def __getitem__(self, index: int) -> tuple[str, str]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, str]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, str] | Sequence[tuple[str, str]]:
        pairs = [(e.method, e.path) for e in self.entries()]
        return pairs[index]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter([(e.method, e.path) for e in self.entries()])

    def __repr__(self) -> str:
        return f"RequestLog({list(self)!r})"
