"""What the summary endpoint received: each request's body as sent, and the configuration it ran with.

Tests read it to see exactly what a client asked Fullstory for (`sim.summary_requests.last()`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .locked_log import LockedLog


@dataclass(frozen=True)
class SummaryRequest:
    method: str
    session_id: str
    body: dict[str, Any]  # the JSON body (POST) or the query (GET), as received
    effective: dict[str, dict[str, Any]]  # profile + overrides, merged: what the "LLM" was given


class SummaryRequests(LockedLog[SummaryRequest]):
    def record(self, entry: SummaryRequest) -> None:
        self._append(entry)

    def last(self) -> SummaryRequest:
        entries = self.entries()
        if not entries:
            raise LookupError("the simulator has received no summary request")
        return entries[-1]
