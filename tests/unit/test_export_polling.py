"""The poll schedule's two bounds, as properties: completion noticed within max(60 s, 15 % of the
export's duration), and at most 1/25 of fixed 5 s polling's calls for exports of 50 minutes and
longer (<= 24 calls up to 50 minutes). The schedule takes no estimate, so no estimate can break them."""

from __future__ import annotations

import math
import re

from hypothesis import given
from hypothesis import strategies as st

from segment_exports import polling
from segment_exports.polling import (
    DEFAULT_BUDGET_S,
    MAX_WAIT_S,
    MIN_WAIT_S,
    after_poll,
    first_poll_state,
    next_wait_s,
)

FIXED_POLL_S = 5
FIFTY_MINUTES = 50 * 60
durations = st.floats(min_value=1, max_value=DEFAULT_BUDGET_S, allow_nan=False)


def fixed_calls(duration_s: float) -> int:
    """Fixed 5 s polling: create, a poll every 5 s until one sees COMPLETED, results."""
    return 1 + math.ceil(duration_s / FIXED_POLL_S) + 1


def run(duration_s: float, budget_s: int = DEFAULT_BUDGET_S) -> tuple[int, float]:
    """(Fullstory calls, seconds from completion to the check that saw it) for one export."""
    state = first_poll_state()
    while True:
        elapsed = state["waitedSeconds"] + state["waitSeconds"]
        if elapsed >= duration_s:
            return 1 + (state["polls"] + 1) + 1, elapsed - duration_s  # create + checks + results
        assert elapsed < budget_s, "the schedule ran past its budget"
        state = after_poll(state, budget_s)


def late_bound(duration_s: float) -> float:
    return max(60.0, 0.15 * duration_s)


def test_fixed_polling_of_fifty_minutes_costs_602_calls() -> None:
    assert fixed_calls(FIFTY_MINUTES) == 602


@given(duration=durations)
def test_completion_is_noticed_within_a_minute_or_fifteen_percent(duration: float) -> None:
    _, late = run(duration)
    assert 0 <= late <= late_bound(duration)


@given(duration=st.floats(min_value=1, max_value=FIFTY_MINUTES))
def test_up_to_fifty_minutes_it_costs_at_most_a_25th_of_fixed_polling_at_fifty(duration: float) -> None:
    calls, _ = run(duration)
    assert calls * 25 <= fixed_calls(FIFTY_MINUTES)  # <= 24 calls


@given(duration=st.floats(min_value=FIFTY_MINUTES, max_value=DEFAULT_BUDGET_S))
def test_from_fifty_minutes_on_it_costs_at_most_a_25th_of_fixed_polling(duration: float) -> None:
    calls, _ = run(duration)
    assert calls * 25 <= fixed_calls(duration)


@given(elapsed=st.floats(min_value=-10, max_value=10 * DEFAULT_BUDGET_S, allow_nan=False))
def test_every_wait_keeps_the_lateness_bound_and_the_cap(elapsed: float) -> None:
    wait = next_wait_s(elapsed)
    assert isinstance(wait, int) and MIN_WAIT_S <= wait <= MAX_WAIT_S
    assert wait <= late_bound(max(0.0, elapsed))  # an export finishing just after this check


@given(
    waited=st.integers(min_value=0, max_value=DEFAULT_BUDGET_S),
    wait=st.integers(min_value=1, max_value=MAX_WAIT_S),
    polls=st.integers(min_value=0, max_value=100),
    budget=st.integers(min_value=1, max_value=DEFAULT_BUDGET_S),
)
def test_waits_are_trimmed_to_end_at_the_budget(waited: int, wait: int, polls: int, budget: int) -> None:
    after = after_poll({"waitSeconds": wait, "waitedSeconds": waited, "polls": polls}, budget)
    assert after["waitedSeconds"] == waited + wait and after["polls"] == polls + 1
    assert 1 <= after["waitSeconds"] <= next_wait_s(waited + wait)
    if after["waitedSeconds"] < budget:
        assert after["waitedSeconds"] + after["waitSeconds"] <= budget


def test_the_first_check_is_a_minute_after_the_create() -> None:
    assert first_poll_state() == {"waitSeconds": 60, "waitedSeconds": 0, "polls": 0}
    assert run(20) == (3, 40)  # shorter than the first check: noticed at it


def test_a_local_scale_shortens_every_wait_and_aws_keeps_them() -> None:
    # LOCAL_EXPORT_WAIT_SCALE (the local server's 0.05): the simulator's exports finish in seconds.
    assert first_poll_state(0.05)["waitSeconds"] == 3
    assert next_wait_s(4000, 0.05) == 30 and next_wait_s(4000) == 600 and next_wait_s(4000, 1.0) == 600
    assert next_wait_s(0, 0.001) == 1  # never a zero-second Wait
    assert after_poll({"waitSeconds": 3, "waitedSeconds": 0, "polls": 0}, DEFAULT_BUDGET_S, 0.05)["waitSeconds"] == 3


def test_a_poll_state_of_the_older_shape_still_works() -> None:
    older = {"waitSeconds": 120, "waitedSeconds": 60, "polls": 1, "previous": {"elapsedSeconds": 60, "percent": 12}}
    assert after_poll(older, DEFAULT_BUDGET_S) == {"waitSeconds": 60, "waitedSeconds": 180, "polls": 2}


def test_the_docstring_cost_table_is_what_the_schedule_does() -> None:
    doc = polling.__doc__ or ""
    rows = re.findall(r"^\s+(\d+) (minutes?|hours?)\s+(\d+) \((\d+)\) vs (\d+).*?\s(\d+) s\b", doc, re.M)
    assert len(rows) == 5
    for amount, unit, calls, polls, fixed, late in rows:
        duration = int(amount) * (3600 if unit.startswith("hour") else 60)
        assert run(duration) == (int(calls), int(late))
        assert int(polls) == int(calls) - 2 and int(fixed) == fixed_calls(duration)
