"""P3 export polling: Fullstory calls, state transitions and lateness while an export runs 1 minute to 3 hours.

The wait is read from the workflow that SAM deploys (statemachine/export_segment.asl.json): the
states one poll passes through, and its ``Wait`` state -- a fixed ``Seconds``, or a ``SecondsPath``
ending in ``waitSeconds`` (then the wait comes from the check task: ``segment_exports.polling``, the
code that task runs, with the task's own polling budget). That schedule then drives our real
Fullstory client against the simulator on a simulated clock (waits advance the clock; nothing
sleeps), and so does fixed 5-second polling. Fullstory calls are counted by the simulator;
transitions are polls times the states of one poll.

Goals (issue 13): completion noticed within max(60 s, 15 % of the duration) at every duration, and
at most 1/25 of fixed polling's calls from 50 minutes on. The schedule reads no progress estimate,
so the simulator's (linear) one flatters nothing here; tests/workflow/test_poll_cost.py runs the
same durations with estimates absent, stuck, falling and jumping.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .report import NA, Row, verdict
from .services import ROOT

ASL = ROOT / "statemachine" / "export_segment.asl.json"
DURATIONS_MIN = (1, 10, 50, 120, 180)
FIXED_POLL_S = 5
GOAL_CALL_FRACTION = 1 / 25
GOAL_CALLS_FROM_MIN = 50
GOAL_LATE_FRACTION, GOAL_LATE_FLOOR_S = 0.15, 60
MAX_POLLS = 3000  # bounded: fixed 5 s polling of a 3-hour export takes 2160
KEY = "bench-export-key"

# (state after a poll, or None before the first) -> (next wait, new state)
WaitRule = Callable[[Any], tuple[int, Any]]


@dataclass
class Policy:
    description: str
    poll_states: tuple[str, ...]  # the states one poll passes through (one transition each)
    next_wait: WaitRule


class NoPolicy(Exception):
    """The workflow's waiting could not be read; the message says why."""


def _edges(state: dict[str, Any]) -> Iterator[str]:
    if isinstance(state.get("Next"), str):
        yield state["Next"]
    if isinstance(state.get("Default"), str):
        yield state["Default"]
    for choice in state.get("Choices") or []:
        if isinstance(choice, dict) and isinstance(choice.get("Next"), str):
            yield choice["Next"]


def _cycle(states: dict[str, Any], start: str) -> tuple[str, ...] | None:
    """The shortest path of states from ``start`` back to itself, if any (breadth first)."""
    paths: list[tuple[str, ...]] = [(start,)]
    for _ in range(len(states)):
        grown: list[tuple[str, ...]] = []
        for path in paths:
            for target in _edges(states.get(path[-1], {})):
                if target == start:
                    return path
                if target not in path and target in states:
                    grown.append((*path, target))
        paths = grown
    return None


def _fixed(seconds: int) -> WaitRule:
    return lambda state: (seconds, state)


def _from_check_task() -> tuple[WaitRule, str]:
    """``SecondsPath``: the check task computes the wait; run the same code it runs."""
    layer = str(ROOT / "layers" / "fullstory")
    if layer not in sys.path:
        sys.path.insert(0, layer)
    try:
        from segment_exports import polling
    except ImportError as exc:
        raise NoPolicy(f"the wait comes from the check task, but segment_exports.polling is missing ({exc})") from None

    def rule(state: Any) -> tuple[int, Any]:
        state = polling.first_poll_state() if state is None else polling.after_poll(state, polling.DEFAULT_BUDGET_S)
        return int(state["waitSeconds"]), state

    how = (
        f"first {polling.MIN_WAIT_S} s, then max({polling.MIN_WAIT_S} s, {polling.LATE_FRACTION:.0%} of the time "
        f"spent), ≤ {polling.MAX_WAIT_S} s, trimmed to the {polling.DEFAULT_BUDGET_S // 3600} h budget"
    )
    return rule, how


def policy_from_asl(path: Path = ASL) -> Policy:
    states: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")).get("States") or {}
    for name, state in states.items():
        cycle = _cycle(states, name) if state.get("Type") == "Wait" else None
        if cycle is None:
            continue
        if "Seconds" in state:
            rule, how = _fixed(int(state["Seconds"])), f"Wait {state['Seconds']} s"
        elif str(state.get("SecondsPath", "")).endswith("waitSeconds"):
            rule, schedule = _from_check_task()
            how = f"Wait SecondsPath {state['SecondsPath']} (segment_exports.polling: {schedule})"
        else:
            raise NoPolicy(f"Wait state {name} takes its seconds from {state.get('SecondsPath')!r}: not computable")
        return Policy(f"{how}; one poll = {' → '.join(cycle)}", cycle, rule)
    raise NoPolicy("no Wait loop in the workflow")


@dataclass
class Outcome:
    calls: int
    polls: int
    transitions: int
    noticed_s: int  # when the poll that saw COMPLETED happened (seconds after creation)


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def run(policy: Policy, duration_s: int) -> Outcome:
    """Create one export that takes ``duration_s`` and poll it by ``policy`` until it is done."""
    from fullstory_client import FullstoryClient
    from fullstory_client.models import TimeRange
    from local.fullstory_sim import FullstorySimulator

    clock = FakeClock(1_790_000_000.0)
    with FullstorySimulator(api_key=KEY, export_seconds=duration_s, clock=clock, anchor=clock.now) as sim:
        client = FullstoryClient(KEY, base_url=sim.base_url)
        try:
            operation_id = client.create_segment_export(
                segment_id="everyone", export_type="TYPE_INDIVIDUAL", export_format="FORMAT_CSV", time_range=TimeRange()
            )
            state: Any = None
            waited = polls = 0
            while True:
                wait, state = policy.next_wait(state)
                clock.now += wait
                waited += wait
                operation = client.get_operation(operation_id)
                polls += 1
                if operation.state != "PENDING":
                    break
                if polls >= MAX_POLLS:
                    raise RuntimeError(f"still pending after {polls} polls ({waited} s): the policy gives up")
            if operation.results is not None:
                client.get_search_export_results(operation.results.search_export_id)
            calls = len([r for r in sim.requests.entries() if not r.path.startswith("/__sim")])
        finally:
            client.close()
    return Outcome(calls, polls, polls * len(policy.poll_states), waited)


def _row(title: str, minutes: int, ours: Outcome, baseline: Outcome) -> Row:
    duration = minutes * 60
    late_s = ours.noticed_s - duration
    late_bound = max(GOAL_LATE_FLOOR_S, GOAL_LATE_FRACTION * duration)
    goals = [f"noticed ≤ +max({GOAL_LATE_FLOOR_S} s, {GOAL_LATE_FRACTION:.0%})"]
    ok = 0 <= late_s <= late_bound
    if minutes >= GOAL_CALLS_FROM_MIN:
        goals.insert(0, "calls ≤ 1/25 of fixed")
        ok = ok and ours.calls <= GOAL_CALL_FRACTION * baseline.calls
    return Row(
        title,
        f"{minutes}-minute export: ours / fixed 5 s",
        f"{ours.calls} / {baseline.calls} Fullstory calls (1/{baseline.calls / ours.calls:.1f}; polls "
        f"{ours.polls} / {baseline.polls}); {ours.transitions} / {baseline.transitions} transitions; "
        f"noticed +{late_s} s ({late_s / duration:.1%}; bound {late_bound:.0f} s)",
        "fixed 5 s",
        "; ".join(goals),
        verdict(ok),
    )


def measure() -> list[Row]:
    title = "P3 export polling"
    if not ASL.exists():
        return [Row(title, "export workflow", "n/a (no workflow yet)", result=NA)]
    try:
        policy = policy_from_asl()
    except NoPolicy as exc:
        return [Row(title, "export workflow", f"n/a ({exc})", result=NA)]
    fixed = Policy("fixed 5 s", policy.poll_states, _fixed(FIXED_POLL_S))
    rows = [Row(title, "policy read from the ASL", policy.description)]
    for minutes in DURATIONS_MIN:
        rows.append(_row(title, minutes, run(policy, minutes * 60), run(fixed, minutes * 60)))
    return rows
