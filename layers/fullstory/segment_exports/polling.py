"""When to ask Fullstory again whether an export is done: by the time spent alone.

The first check comes 60 s after the create; after a check at ``t`` seconds that still finds the
export PENDING, the next comes ``max(60 s, 15 % of t)`` later, at most 15 minutes later.

* **Lateness.** An export that finishes at ``D``, between checks at ``t < D`` and ``t + wait``, is
  noticed less than ``wait <= max(60, 0.15 t) < max(60 s, 15 % of D)`` late; one that finishes
  before the first check is noticed at it, under 60 s late. This holds whatever Fullstory's
  ``estimatePctComplete`` does (missing, stuck, falling, jumping), because the schedule never reads
  it. No wait is longer than the bound allows, and none can be longer without breaking it, so no
  schedule that ignores the estimate keeps the bound with fewer calls (up to the 15-minute cap).
* **Cost**, counting every Fullstory call of the run (create + status polls + results), measured on
  the deployed ASL in moto (``tests/workflow/test_poll_cost.py``), against fixed 5 s polling:

  ====================  =======================  ==========================
  export takes          Fullstory calls (polls)  noticed after completion
  ====================  =======================  ==========================
  1 minute              3 (1) vs 14              0 s
  10 minutes            12 (10) vs 122           38 s (6 %)
  50 minutes            24 (22) vs 602: 1/25     397 s (13 %)
  2 hours               30 (28) vs 1442: 1/48    528 s (7 %)
  3 hours               34 (32) vs 2162: 1/64    0 s (at the budget)
  ====================  =======================  ==========================

* **Why the estimate is not used.** Only our simulator says it rises linearly. Aiming a check at
  a predicted finish can shorten the wait for completion, never save a poll, and every aim that
  misses (a stuck or jumping figure) costs one; at 50 minutes this schedule already spends the
  whole budget of 1/25 of fixed polling.

Elapsed time is the sum of the waits, a little less than the real time since the create (tasks
take time too), so waits err short and the bound still holds. Waits are trimmed so the last check
lands at the budget (``after_poll``); the state machine's ``TimeoutSeconds`` leaves room after it
for delivery.

``scale`` (LOCAL_EXPORT_WAIT_SCALE, 1 in AWS) multiplies every wait, rounded up to whole seconds:
the local server sets it so runs against the simulator, whose exports finish in seconds, check
soon after.
"""

from __future__ import annotations

import math
from typing import Any

from platform_kit.settings import DEFAULT_MAX_WAIT_S

MIN_WAIT_S = 60  # also the first wait
LATE_FRACTION = 0.15
MAX_WAIT_S = 900
DEFAULT_BUDGET_S = DEFAULT_MAX_WAIT_S  # how long the workflow polls before it gives up (EXPORT_MAX_WAIT_SECONDS)


def next_wait_s(elapsed_s: float, scale: float = 1.0) -> int:
    """Seconds until the next check, after one ``elapsed_s`` after the create found it PENDING."""
    wait = max(MIN_WAIT_S, min(MAX_WAIT_S, math.floor(LATE_FRACTION * max(0.0, elapsed_s))))
    return wait if scale >= 1 else max(1, math.ceil(wait * scale))


def first_poll_state(scale: float = 1.0) -> dict[str, Any]:
    """The workflow's poll state right after the export was created."""
    return {"waitSeconds": next_wait_s(0, scale), "waitedSeconds": 0, "polls": 0}


def after_poll(state: dict[str, Any], budget_s: int, scale: float = 1.0) -> dict[str, Any]:
    """The poll state after one more check; ``waitSeconds`` is trimmed to end at ``budget_s``."""
    elapsed = int(state.get("waitedSeconds", 0)) + int(state.get("waitSeconds", 0))
    wait = max(1, min(next_wait_s(elapsed, scale), budget_s - elapsed))
    return {"waitSeconds": wait, "waitedSeconds": elapsed, "polls": int(state.get("polls", 0)) + 1}
