"""A thread-safe, append-only list of what the simulator received (its request threads run at once)."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LockedLog(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[T] = []

    def _append(self, entry: T) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[T]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
