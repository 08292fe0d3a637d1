"""The poll schedule: few Fullstory calls, completion noticed within 10 % when the estimate is linear,
and bounded lateness when it is absent, flat, jumpy or non-linear."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segment_exports.polling import (
    BACKOFF_CAP_S,
    FIRST_WAIT_S,
    MAX_JUMP_FRACTION,
    MAX_WAIT_S,
    MIN_WAIT_S,
    Observation,
    after_poll,
    first_poll_state,
    next_wait_s,
    plan,
)

Progress = Callable[[float], float]  # fraction of the export's duration elapsed -> fraction reported
FIXED_POLL_S = 5
BUDGET_S = 10_800


def fixed_calls(duration_s: float) -> int:
    """Fullstory calls with fixed 5 s polling: create, a poll every 5 s until one sees COMPLETED, results."""
    return 1 + math.ceil(duration_s / FIXED_POLL_S) + 1


def simulate(
    duration_s: float, progress: Progress, budget_s: int = BUDGET_S, to_percent: Callable[[float], int] = math.floor
) -> tuple[int, float, float]:
    """(polls, seconds between completion and the poll that saw it, elapsed at that poll)."""
    state = first_poll_state()
    while True:
        elapsed = state["waitedSeconds"] + state["waitSeconds"]
        if elapsed >= duration_s:
            return state["polls"] + 1, elapsed - duration_s, elapsed
        assert elapsed < budget_s, "the schedule ran out of budget"
        percent = max(0, min(99, to_percent(progress(elapsed / duration_s) * 100)))
        state = after_poll(state, percent, budget_s)


def linear(f: float) -> float:
    return f


# -- the goal: a linear estimate (what Fullstory reports, and what the simulator does) --------------


@pytest.mark.parametrize(("minutes", "max_polls"), [(1, 1), (10, 4), (50, 6), (120, 9)])
def test_linear_progress_costs_few_calls_and_is_noticed_promptly(minutes: int, max_polls: int) -> None:
    duration = minutes * 60
    polls, lag, _ = simulate(duration, linear)
    assert polls <= max_polls
    assert 0 <= lag <= 0.10 * duration


def test_fifty_minutes_costs_at_most_a_fiftieth_of_fixed_polling_counting_every_call() -> None:
    duration = 50 * 60
    polls, lag, _ = simulate(duration, linear)
    calls = 1 + polls + 1  # create + status polls + results
    assert fixed_calls(duration) == 602
    assert calls * 50 <= fixed_calls(duration)  # <= 12 calls, i.e. <= 10 polls
    assert lag <= 0.10 * duration


@pytest.mark.parametrize("to_percent", [math.floor, round], ids=["floored", "rounded"])
def test_every_linear_export_from_one_minute_to_three_hours_is_noticed_within_a_tenth(
    to_percent: Callable[[float], int],
) -> None:
    for duration in range(60, BUDGET_S, 7):
        polls, lag, _ = simulate(duration, linear, to_percent=to_percent)
        assert 0 <= lag <= 0.10 * duration, (duration, lag)
        if duration <= 3600:
            assert polls <= 6, (duration, polls)
        assert polls <= 11, (duration, polls)


@given(
    duration=st.floats(min_value=60, max_value=20_000),
    moments=st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=4),
    rounded=st.booleans(),
)
def test_a_linear_estimate_never_sends_the_next_check_past_the_ten_percent_rule(
    duration: float, moments: list[float], rounded: bool
) -> None:
    """Whatever the checks so far, the next one lands before 110 % of a linear export's duration."""
    to_percent = round if rounded else math.floor
    previous = None
    for elapsed in sorted({int(m * duration) for m in moments if 1 <= int(m * duration) < duration}):
        percent = min(99, to_percent(100 * elapsed / duration))
        planned = plan(elapsed, percent, previous)
        if percent >= 1:  # with a figure to go by (0 % is no estimate: backoff)
            assert elapsed + planned.wait_s <= 1.10 * duration
        previous = Observation(elapsed, percent, planned.earliest_s, planned.latest_s)


def test_a_check_that_still_finds_it_pending_re_aims_instead_of_stepping() -> None:
    # Aimed at the predicted finish, the export is still at 99 %: the next check is seconds away.
    previous = Observation(2880, 96, earliest_s=2967.8, latest_s=3015.7)
    assert plan(3010, 99, previous).wait_s <= 0.02 * 3010 + MIN_WAIT_S


def test_exports_shorter_than_the_first_check_are_noticed_at_it() -> None:
    assert first_poll_state()["waitSeconds"] == FIRST_WAIT_S == 60
    polls, lag, elapsed = simulate(20, linear)
    assert (polls, lag, elapsed) == (1, 40, 60)  # the documented exception to the 10 % rule


# -- robustness: estimates that are not linear --------------------------------------------------------


def _jumpy(seed: int, points: float) -> Progress:
    rng = random.Random(seed)
    noise: dict[float, float] = {}

    def progress(f: float) -> float:
        noise.setdefault(f, rng.uniform(-points, points) / 100)
        return max(0.0, f + noise[f])

    return progress


NON_LINEAR: dict[str, Progress] = {
    "accelerating (f^2)": lambda f: f * f,
    "accelerating (f^3)": lambda f: f**3,
    "decelerating (sqrt)": math.sqrt,
    "steps of 10 %": lambda f: math.floor(f * 10) / 10,
    "queued 20 % of the time at 0 %": lambda f: max(0.0, (f - 0.2) / 0.8),
    "jumpy, +-8 points": _jumpy(7, 8),
}


@pytest.mark.parametrize("curve", NON_LINEAR.values(), ids=NON_LINEAR.keys())
@pytest.mark.parametrize("minutes", [10, 50])
def test_non_linear_estimates_stay_cheap_and_are_noticed_within_fifteen_percent(curve: Progress, minutes: int) -> None:
    duration = minutes * 60
    polls, lag, _ = simulate(duration, curve)
    assert 1 + polls + 1 <= fixed_calls(duration) / 8
    assert polls <= 16
    assert 0 <= lag <= 0.15 * duration


STALLS: dict[str, Progress] = {
    "stuck at 40 % until done": lambda f: min(f, 0.40),
    "stuck at 5 % until done": lambda f: min(f, 0.05),
    "stuck at 99 % for the last fifth": lambda f: min(0.99, f / 0.8),
}


@pytest.mark.parametrize("curve", STALLS.values(), ids=STALLS.keys())
@pytest.mark.parametrize("minutes", [10, 20, 50])
def test_a_stalled_estimate_backs_off_and_is_noticed_within_five_minutes(curve: Progress, minutes: int) -> None:
    polls, lag, _ = simulate(minutes * 60, curve)
    assert polls <= 16
    assert 0 <= lag <= BACKOFF_CAP_S


@pytest.mark.parametrize("minutes", [1, 10, 50])
def test_without_an_estimate_it_is_backoff_at_most_half_the_elapsed_time_and_five_minutes(minutes: int) -> None:
    duration = minutes * 60
    polls, lag, elapsed = simulate(duration, lambda f: 0.0)
    assert lag <= min(BACKOFF_CAP_S, 0.5 * (elapsed - lag))
    assert polls <= {1: 2, 10: 7, 50: 15}[minutes]


def test_without_an_estimate_the_waits_grow_with_the_time_spent() -> None:
    state, waits = first_poll_state(), []
    for _ in range(9):
        state = after_poll(state, 0, BUDGET_S)
        waits.append(state["waitSeconds"])
    assert waits == [30, 45, 68, 102, 153, 229, 300, 300, 300]


def test_a_falling_or_stalled_figure_is_no_estimate() -> None:
    rising = after_poll(after_poll(first_poll_state(), 10, BUDGET_S), 20, BUDGET_S)
    assert rising["basis"] == "confirmed"
    fell = after_poll(rising, 12, BUDGET_S)
    assert fell["basis"] == "stalled" and fell["waitSeconds"] == math.ceil(0.5 * fell["waitedSeconds"])
    stuck = after_poll(after_poll(first_poll_state(), 30, BUDGET_S), 30, BUDGET_S)
    assert stuck["basis"] == "stalled"


def test_a_figure_that_runs_ahead_of_its_prediction_is_treated_as_accelerating() -> None:
    first = after_poll(first_poll_state(), 5, BUDGET_S)  # predicts ~10 % at the next check
    assert first["basis"] == "unverified" and first["waitSeconds"] == 60
    ahead = after_poll(first, 40, BUDGET_S)
    assert ahead["basis"] == "accelerating" and ahead["waitSeconds"] <= 0.5 * ahead["waitedSeconds"]


def test_pending_at_a_hundred_percent_is_about_to_finish() -> None:
    assert next_wait_s(600, 100, polls=3) <= 0.02 * 600 + MIN_WAIT_S


def test_ninety_nine_percent_again_is_checked_every_tenth_of_the_elapsed_time() -> None:
    previous = Observation(2000, 99, earliest_s=2000.0, latest_s=2030.5)
    finishing = plan(2031, 99, previous)
    assert finishing.basis == "finishing" and finishing.wait_s == 203
    assert plan(9000, 99, Observation(8000, 99)).wait_s == BACKOFF_CAP_S


# -- the state machine's contract -----------------------------------------------------------------------


@given(
    elapsed=st.floats(min_value=0, max_value=40_000, allow_nan=False),
    percent=st.integers(min_value=-5, max_value=120),
    polls=st.integers(min_value=0, max_value=200),
    previous=st.none()
    | st.builds(
        Observation,
        st.floats(0, 40_000, allow_nan=False),
        st.integers(0, 100),
        st.none() | st.floats(0, 80_000, allow_nan=False),
        st.none() | st.floats(0, 80_000, allow_nan=False),
    ),
)
def test_any_wait_is_positive_and_bounded(
    elapsed: float, percent: int, polls: int, previous: Observation | None
) -> None:
    wait = next_wait_s(elapsed, percent, polls, previous)
    assert isinstance(wait, int) and 1 <= wait <= MAX_WAIT_S
    assert wait <= max(FIRST_WAIT_S, MIN_WAIT_S, MAX_JUMP_FRACTION * elapsed)


def test_the_state_is_json_and_survives_the_older_shape() -> None:
    state = after_poll(first_poll_state(), 12, BUDGET_S)
    assert state["previous"] == {
        "elapsedSeconds": 60,
        "percent": 12,
        "earliestSeconds": pytest.approx(461.5, abs=0.1),
        "latestSeconds": pytest.approx(521.7, abs=0.1),
    }
    older = {"waitSeconds": 120, "waitedSeconds": 60, "polls": 1, "previous": {"elapsedSeconds": 60, "percent": 12}}
    assert after_poll(older, 36, BUDGET_S)["waitSeconds"] >= MIN_WAIT_S


def test_waits_are_trimmed_to_the_budget() -> None:
    state = {"waitSeconds": 300, "waitedSeconds": 10_500, "polls": 20, "previous": None}
    after = after_poll(state, 0, budget_s=10_800)
    assert after["waitedSeconds"] == 10_800 and after["waitSeconds"] == 1 and after["polls"] == 21
    assert after_poll({"waitSeconds": 15, "waitedSeconds": 0, "polls": 0}, 0, budget_s=20)["waitSeconds"] == 5
