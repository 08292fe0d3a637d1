"""When to ask Fullstory again whether an export is done.

Fixed 5 s polling costs Fullstory 602 calls for a 50-minute export (create, 600 status polls,
results). This schedule aims each check at the moment the export should finish, so an export whose
``estimatePctComplete`` rises steadily costs a handful of polls (6 at most up to an hour, 11 up to
3 hours) and its completion is noticed within 10 % of its duration (under 7 % for any linear
export from 1 minute to 3 hours).

* **First check after 60 s.** Fullstory exports take minutes. One that is done sooner is noticed at
  this first check: a 20 s export 40 s late (the one case the 10 % rule does not cover).
* **Aim at the finish.** The figure is rounded, so true progress lies in ``[percent - 0.5,
  percent + 1)``. If progress is linear that brackets the finish: the earliest at the fastest rate
  the figures allow (overall since creation, or since the previous check -- which also covers time
  spent queued at 0 %), the latest at the slowest overall rate. The next check goes to the latest
  finish, but never past 110 % of the earliest, so an export that finishes anywhere in the bracket
  is noticed within 10 % of its duration. A check that still finds it ``PENDING`` brackets the
  finish again, far more tightly; it does not fall back to geometric steps.
* **Trust is earned, waits are capped.** Each check also predicts the figure the next one should
  see. A figure not yet checked against a prediction may put the next check at most 1x the time
  spent so far ahead; one that matched its prediction, 2x; never more than 30 minutes ahead, never
  less than 5 s. A figure ahead of its prediction, or rising clearly faster than its overall rate
  (``ACCELERATING``), is aimed at the earliest finish with no allowance; a figure behind its
  prediction is slowing. Either way the wait is also capped by the backoff below.
* **99 % again** (done by its own account, yet ``PENDING``): a check every 10 % of the elapsed
  time (5 s to 5 minutes), which keeps the 10 % rule.
* **No usable estimate** -- 0 % or absent, a falling figure, or the same figure again although its
  own rate said it should have moved ``STALL_POINTS`` (stalled) -- backoff that grows with the
  time spent: half of it, between 5 s and 5 minutes.

Worst cases, honestly. Without an estimate completion is noticed up to half the elapsed time and at
most 5 minutes late (a 50-minute export: 15 polls, 87 s late); keeping the 10 % rule blind would
take ~40 polls (10 % steps), so it is not kept. A figure that rose as predicted and then jumps
straight to done is noticed up to 2x the elapsed time of the last check late (at most 30 minutes);
once the figure disagrees with its prediction, at most 5 minutes late. Accelerating figures are
aimed at their earliest finish, which a strongly accelerating one can still pass (measured: within
5 % of the duration for progress growing as time squared or cubed, 5 minutes to 2 hours).

Deterministic (no jitter): exports of different requests finish at different times anyway. The
workflow counts elapsed time as the sum of its waits, a little less than the real time since
creation, so the true rate is slightly slower than assumed: checks err early, never late.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

FIRST_WAIT_S = 60
MIN_WAIT_S = 5
LATE_FRACTION = 0.10  # completion is noticed within this share of the export's duration
FIRST_JUMP_FRACTION = 1.0  # a wait after a figure not yet checked against a prediction: <= 1x elapsed
MAX_JUMP_FRACTION = 2.0  # ... after a figure that matched its prediction: <= 2x elapsed
MAX_WAIT_S = 1800
BACKOFF_FRACTION = 0.5  # without a usable estimate: wait half the time spent so far ...
BACKOFF_CAP_S = 300  # ... but at most 5 minutes
TOLERANCE_POINTS = 1.0  # a figure this far outside its prediction (beyond rounding) contradicts it
STALL_POINTS = 2.0  # a figure that should have moved this much and did not is stalled
LOW_SLACK, HIGH_SLACK = 0.5, 1.0  # true progress lies in [percent - 0.5, percent + 1)
MIDPOINT = 0.25
ACCELERATING = 1.25  # progress since the last check this much faster than overall: not linear


@dataclass(frozen=True)
class Observation:
    """One check: when (seconds since creation), the figure seen, and the finish bracket it gave."""

    elapsed_s: float
    percent: int
    earliest_s: float | None = None
    latest_s: float | None = None


@dataclass(frozen=True)
class Plan:
    wait_s: int
    earliest_s: float | None  # the finish bracket (None: no usable estimate)
    latest_s: float | None
    basis: str  # first, backoff, stalled, finishing, unverified, confirmed, accelerating, slowing


def _progress(percent: float) -> tuple[float, float]:
    """The (least, most) true progress a rounded figure allows, as fractions."""
    return max(percent - LOW_SLACK, 0.5) / 100, min(percent + HIGH_SLACK, 100.0) / 100


def finish_bracket(elapsed_s: float, percent: int, previous: Observation | None = None) -> tuple[float, float]:
    """(earliest, latest) finish, in seconds since creation, that a figure of 1..99 % allows at
    ``elapsed_s`` > 0 if progress is linear; ``previous`` (a lower figure) can only make it earlier."""
    low, high = _progress(percent)
    rate = high / elapsed_s  # fastest overall rate
    if previous is not None and 0 <= previous.elapsed_s < elapsed_s and previous.percent <= percent:
        before = max(previous.percent - LOW_SLACK, 0.0) / 100
        rate = max(rate, (high - before) / (elapsed_s - previous.elapsed_s))
    return max(elapsed_s + (1 - high) / rate, elapsed_s), max(elapsed_s / low, elapsed_s)


def _expected(previous: Observation, elapsed_s: float) -> tuple[float, float] | None:
    """The range of true progress (fractions) ``previous``'s bracket predicted for ``elapsed_s``."""
    if previous.earliest_s is None or previous.latest_s is None or not previous.elapsed_s < elapsed_s:
        return None
    low, high = _progress(previous.percent)
    since = elapsed_s - previous.elapsed_s

    def at(start: float, finish: float) -> float:  # linear from the figure then to 100 % at finish
        if finish <= previous.elapsed_s:
            return 1.0
        return start + (1 - start) * min(1.0, since / (finish - previous.elapsed_s))

    return at(low, previous.latest_s), at(high, previous.earliest_s)


def _backoff(elapsed_s: float) -> int:
    return math.ceil(min(BACKOFF_CAP_S, max(MIN_WAIT_S, BACKOFF_FRACTION * elapsed_s)))


def _accelerating(elapsed_s: float, percent: int, previous: Observation) -> bool:
    """Progress since the previous check clearly faster than the overall rate (midpoint figures)."""
    if previous.percent < 1 or not previous.elapsed_s < elapsed_s:
        return False
    recent = (percent - previous.percent) / (elapsed_s - previous.elapsed_s)
    return recent > ACCELERATING * (percent + MIDPOINT) / elapsed_s


def plan(elapsed_s: float, percent: int, previous: Observation | None = None) -> Plan:
    """The next wait after a check that saw ``percent`` (PENDING) ``elapsed_s`` after creation."""
    elapsed_s = max(0.0, elapsed_s)
    if elapsed_s <= 0:
        return Plan(FIRST_WAIT_S, None, None, "first")
    percent = min(percent, 99)  # PENDING at "100 %": about to finish
    if percent < 1:
        return Plan(_backoff(elapsed_s), None, None, "backoff")
    if previous is not None and previous.percent > 0 and previous.elapsed_s < elapsed_s:
        moved = percent - previous.percent
        if moved == 0 and percent == 99:  # done by its own account, yet PENDING: finishing up
            return Plan(
                max(MIN_WAIT_S, min(BACKOFF_CAP_S, math.floor(LATE_FRACTION * elapsed_s))), None, None, "finishing"
            )
        due = (percent + HIGH_SLACK) / elapsed_s * (elapsed_s - previous.elapsed_s)
        plateau = previous.earliest_s is None  # no bracket at a figure >= 1 %: already stalled
        if moved < 0 or (moved == 0 and (due >= STALL_POINTS or plateau)):
            return Plan(_backoff(elapsed_s), None, None, "stalled")
    earliest, latest = finish_bracket(elapsed_s, percent, previous)
    allowance = LATE_FRACTION
    expected = _expected(previous, elapsed_s) if previous is not None else None
    low, high = _progress(percent)
    slack = TOLERANCE_POINTS / 100
    if previous is None or expected is None:
        basis, cap = "unverified", FIRST_JUMP_FRACTION * elapsed_s
    elif low > expected[1] + slack or _accelerating(elapsed_s, percent, previous):
        # faster than linear: the bracket may be late, so aim at its earliest and wait no longer
        # than without an estimate
        basis, cap, allowance = "accelerating", float(_backoff(elapsed_s)), 0.0
    elif high < expected[0] - slack:
        basis, cap = "slowing", float(_backoff(elapsed_s))
    else:
        basis, cap = "confirmed", MAX_JUMP_FRACTION * elapsed_s
    # The check must not land after (1 + allowance) x the earliest finish: floor, never ceil.
    target = min(math.ceil(latest), math.floor((1 + allowance) * earliest))
    wait = max(MIN_WAIT_S, math.floor(min(target - elapsed_s, cap, MAX_WAIT_S)))
    return Plan(wait, earliest, latest, basis)


def next_wait_s(elapsed_s: float, percent: int, polls: int = 1, previous: Observation | None = None) -> int:
    """Seconds to wait before the next poll, after a poll that saw ``percent`` at ``elapsed_s``.

    ``polls`` is accepted for older callers; the schedule depends on time and figures only."""
    del polls
    return plan(elapsed_s, percent, previous).wait_s


def first_poll_state() -> dict[str, Any]:
    """The workflow's poll state right after the export was created."""
    return {"waitSeconds": FIRST_WAIT_S, "waitedSeconds": 0, "polls": 0, "previous": None}


def _observation(raw: Any) -> Observation | None:
    if not isinstance(raw, dict):
        return None
    earliest, latest = raw.get("earliestSeconds"), raw.get("latestSeconds")
    return Observation(
        float(raw["elapsedSeconds"]),
        int(raw["percent"]),
        float(earliest) if isinstance(earliest, int | float) else None,
        float(latest) if isinstance(latest, int | float) else None,
    )


def after_poll(state: dict[str, Any], percent: int, budget_s: int) -> dict[str, Any]:
    """The poll state after one more poll that saw ``percent``; ``waitSeconds`` fits the budget."""
    elapsed = int(state.get("waitedSeconds", 0)) + int(state.get("waitSeconds", 0))
    polls = int(state.get("polls", 0)) + 1
    planned = plan(elapsed, percent, _observation(state.get("previous")))
    wait = max(1, min(planned.wait_s, budget_s - elapsed)) if budget_s > elapsed else 1
    previous: dict[str, Any] = {"elapsedSeconds": elapsed, "percent": percent}
    if planned.earliest_s is not None and planned.latest_s is not None:
        previous.update(earliestSeconds=round(planned.earliest_s, 1), latestSeconds=round(planned.latest_s, 1))
    return {"waitSeconds": wait, "waitedSeconds": elapsed, "polls": polls, "previous": previous, "basis": planned.basis}
