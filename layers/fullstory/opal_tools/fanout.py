"""Independent calls run side by side within a deadline; when the answer is given, none is left running.

Each task gets the seconds it may still use and must bound its own I/O by them (a task cannot be
killed from outside). A task is only started with at least ``min_start_s`` left; the workers are
joined before returning, with a short grace for tasks ending at the deadline, so the caller's
answer leaves no thread of ours behind (in Lambda such a thread would be frozen with the
container and resumed in the next invocation, still holding its connection).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T


@dataclass(frozen=True)
class Failed:
    error: Exception


@dataclass(frozen=True)
class Unfinished:
    started: bool  # False: never started, time ran short; True: still running when the answer was due


Outcome = Done[T] | Failed | Unfinished
Task = Callable[[float | None], T]  # gets the seconds it may still use (None: no deadline)

NOT_STARTED = Unfinished(started=False)
RUNNING = Unfinished(started=True)


class _Run(Generic[T]):
    """The shared state of one fan-out: which task is next, and each task's outcome so far."""

    def __init__(self, tasks: Sequence[Task[T]], deadline: float | None, min_start_s: float) -> None:
        self._tasks = tasks
        self._deadline = deadline
        self._min_start_s = min_start_s
        self._lock = threading.Lock()
        self._next = 0
        self._closed = False
        self._outcomes: list[Outcome[T]] = [NOT_STARTED] * len(tasks)

    def _take(self) -> tuple[int, float | None] | None:
        with self._lock:
            if self._closed or self._next >= len(self._tasks):
                return None
            budget = None if self._deadline is None else self._deadline - time.monotonic()
            if budget is not None and budget < self._min_start_s:
                return None
            index, self._next = self._next, self._next + 1
            self._outcomes[index] = RUNNING
            return index, budget

    def work(self) -> None:
        while (taken := self._take()) is not None:
            index, budget = taken
            outcome: Outcome[T]
            try:
                outcome = Done(self._tasks[index](budget))
            except Exception as error:  # kept for the caller, per task
                outcome = Failed(error)
            with self._lock:
                self._outcomes[index] = outcome

    def close(self) -> list[Outcome[T]]:
        """The outcomes as they stand; nothing starts afterwards, and a straggler's late result is dropped."""
        with self._lock:
            self._closed = True
            return list(self._outcomes)


def _until(moment: float | None) -> float | None:
    return None if moment is None else max(0.0, moment - time.monotonic())


def fan_out(
    tasks: Sequence[Task[T]],
    *,
    within_s: float | None,
    max_concurrency: int,
    min_start_s: float = 0.5,
    grace_s: float = 0.5,
    name: str = "fanout",
) -> list[Outcome[T]]:
    """Run ``tasks``, at most ``max_concurrency`` at a time, for at most ``within_s`` seconds (+ ``grace_s``).

    Returns one outcome per task, in the order of ``tasks``. Worker threads are named ``{name}_{i}``.
    """
    deadline = None if within_s is None else time.monotonic() + within_s
    run = _Run(tasks, deadline, min_start_s)
    workers = [
        threading.Thread(target=run.work, name=f"{name}_{i}", daemon=True)
        for i in range(min(max(1, max_concurrency), len(tasks)))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(_until(deadline))
    # Tasks bound their I/O by their budget, so those still running end about now.
    end = None if deadline is None else max(deadline, time.monotonic()) + grace_s
    for worker in workers:
        worker.join(_until(end))
    outcomes = run.close()
    stragglers = sum(worker.is_alive() for worker in workers)
    if stragglers:
        _log.warning("%d %s task(s) overran the deadline and its grace; their results are dropped", stragglers, name)
    return outcomes
