"""When to ask Fullstory again whether an export is done.

Fixed 5 s polling asks 600 times during a 50-minute export. Here the wait grows with the time
already spent, so the number of polls grows with the logarithm of the export's duration:

* Fullstory's ``estimatePctComplete`` gives the rate of progress (overall, and since the last
  poll; the faster one is trusted, so the estimate errs early). The next poll is aimed at the
  earliest completion that rate allows, but never further than 75 % of the time spent so far
  (a wrong estimate cannot make us very late) and never sooner than 3 % of it.
* Without progress (0 %), capped exponential backoff: 15 s, 30 s, 60 s ... at most 5 minutes.

Deterministic (no jitter): exports of different requests finish at different times anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

FIRST_WAIT_S = 15
BACKOFF_CAP_S = 300
MIN_WAIT_S = 5
MIN_WAIT_FRACTION = 0.03
MAX_JUMP_FRACTION = 0.75
MAX_WAIT_S = 1800


@dataclass(frozen=True)
class Observation:
    elapsed_s: float
    percent: int


def next_wait_s(elapsed_s: float, percent: int, polls: int, previous: Observation | None = None) -> int:
    """Seconds to wait before the next poll, after the ``polls``-th poll saw ``percent`` at ``elapsed_s``."""
    elapsed_s = max(0.0, elapsed_s)
    if not 1 <= percent <= 99 or elapsed_s <= 0:
        return min(BACKOFF_CAP_S, FIRST_WAIT_S * int(2 ** min(max(0, polls), 16)))
    # percent is rounded down: the true progress may be up to percent + 1.
    rates = [(percent + 1) / elapsed_s]
    if previous is not None and elapsed_s > previous.elapsed_s and percent > previous.percent:
        rates.append((percent + 1 - previous.percent) / (elapsed_s - previous.elapsed_s))
    remaining = (100 - (percent + 1)) / max(rates)
    low = max(MIN_WAIT_S, MIN_WAIT_FRACTION * elapsed_s)
    high = min(MAX_WAIT_S, max(FIRST_WAIT_S, MAX_JUMP_FRACTION * elapsed_s))
    return math.ceil(max(low, min(high, remaining)))


def first_poll_state() -> dict[str, Any]:
    """The workflow's poll state right after the export was created."""
    return {"waitSeconds": FIRST_WAIT_S, "waitedSeconds": 0, "polls": 0, "previous": None}


def after_poll(state: dict[str, Any], percent: int, budget_s: int) -> dict[str, Any]:
    """The poll state after one more poll that saw ``percent``; ``waitSeconds`` fits the budget."""
    elapsed = int(state.get("waitedSeconds", 0)) + int(state.get("waitSeconds", 0))
    polls = int(state.get("polls", 0)) + 1
    raw_previous = state.get("previous")
    previous = (
        Observation(float(raw_previous["elapsedSeconds"]), int(raw_previous["percent"]))
        if isinstance(raw_previous, dict)
        else None
    )
    wait = next_wait_s(elapsed, percent, polls, previous)
    wait = max(1, min(wait, budget_s - elapsed)) if budget_s > elapsed else 1
    return {
        "waitSeconds": wait,
        "waitedSeconds": elapsed,
        "polls": polls,
        "previous": {"elapsedSeconds": elapsed, "percent": percent},
    }
