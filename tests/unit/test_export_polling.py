"""The poll schedule: few polls for long exports, completion noticed soon, sane without progress."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segment_exports.polling import (
    BACKOFF_CAP_S,
    FIRST_WAIT_S,
    MAX_JUMP_FRACTION,
    MAX_WAIT_S,
    Observation,
    after_poll,
    first_poll_state,
    next_wait_s,
)

Progress = Callable[[float], float]  # fraction of time elapsed -> fraction reported done


def simulate(duration_s: float, progress: Progress, budget_s: int = 10_800) -> tuple[int, float, float]:
    """(polls, seconds between completion and the poll that saw it, elapsed at that poll)."""
    state = first_poll_state()
    while True:
        elapsed = state["waitedSeconds"] + state["waitSeconds"]
        if elapsed >= duration_s:
            return state["polls"] + 1, elapsed - duration_s, elapsed
        percent = min(99, int(progress(elapsed / duration_s) * 100))
        state = after_poll(state, percent, budget_s)


def test_without_progress_it_is_capped_exponential_backoff() -> None:
    waits = [next_wait_s(elapsed, 0, polls) for polls, elapsed in enumerate([15, 45, 105, 225, 465, 765], start=1)]
    assert waits == [30, 60, 120, 240, 300, 300]
    assert max(waits) == BACKOFF_CAP_S


@pytest.mark.parametrize(("minutes", "max_polls"), [(1, 4), (10, 9), (50, 11), (120, 13)])
def test_linear_progress_few_polls_and_prompt_notice(minutes: int, max_polls: int) -> None:
    polls, lag, elapsed = simulate(minutes * 60, lambda f: f)
    assert polls <= max_polls
    assert lag <= 0.03 * elapsed + 5


def test_fifty_minutes_costs_at_most_a_fiftieth_of_fixed_polling() -> None:
    polls, lag, elapsed = simulate(50 * 60, lambda f: f)
    assert polls <= math.ceil(50 * 60 / 5) / 50
    assert lag <= 0.10 * elapsed


@pytest.mark.parametrize("curve", [lambda f: f**2, math.sqrt, lambda f: math.floor(f * 10) / 10])
def test_uneven_progress_is_still_noticed_within_a_tenth_or_so(curve: Progress) -> None:
    for minutes in (10, 50):
        polls, lag, elapsed = simulate(minutes * 60, curve)
        assert polls <= 16
        assert lag <= 0.12 * elapsed


def test_without_progress_fifty_minutes_is_still_bounded() -> None:
    polls, lag, _elapsed = simulate(50 * 60, lambda f: 0.0)
    assert polls <= 15 and lag <= BACKOFF_CAP_S


@given(
    elapsed=st.floats(min_value=0, max_value=40_000, allow_nan=False),
    percent=st.integers(min_value=-5, max_value=120),
    polls=st.integers(min_value=0, max_value=200),
    previous=st.none() | st.builds(Observation, st.floats(0, 40_000, allow_nan=False), st.integers(0, 100)),
)
def test_any_wait_is_positive_and_bounded(
    elapsed: float, percent: int, polls: int, previous: Observation | None
) -> None:
    wait = next_wait_s(elapsed, percent, polls, previous)
    assert isinstance(wait, int) and 1 <= wait <= MAX_WAIT_S
    if 1 <= percent <= 99 and elapsed > 0:
        assert wait <= max(FIRST_WAIT_S, MAX_JUMP_FRACTION * elapsed) + 1


def test_waits_are_trimmed_to_the_budget() -> None:
    state = {"waitSeconds": 300, "waitedSeconds": 10_500, "polls": 20, "previous": None}
    after = after_poll(state, 0, budget_s=10_800)
    assert after["waitedSeconds"] == 10_800 and after["waitSeconds"] == 1 and after["polls"] == 21
    assert after_poll({"waitSeconds": 15, "waitedSeconds": 0, "polls": 0}, 0, budget_s=20)["waitSeconds"] == 5
