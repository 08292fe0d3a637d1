"""What the summary endpoint received: each request's body as sent, and the configuration it ran with.

Tests read it to see exactly what a client asked Fullstory for (`sim.summary_requests.last()`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SummaryRequest:
    method: str
    session_id: str
    body: dict[str, Any]  # the JSON body (POST) or the query (GET), as received
    effective: dict[str, dict[str, Any]]  # profile + overrides, merged: what the "LLM" was given


class SummaryRequests:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[SummaryRequest] = []

    def record(self, entry: SummaryRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[SummaryRequest]:
        with self._lock:
            return list(self._entries)

    def last(self) -> SummaryRequest:
        with self._lock:
            if not self._entries:
                raise LookupError("the simulator has received no summary request")
            return self._entries[-1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
