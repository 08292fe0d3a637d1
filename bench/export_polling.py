"""P3 export polling: Fullstory calls and state transitions while an export runs 1, 10 and 50 minutes.

The wait policy is read from the workflow that SAM deploys (statemachine/export_segment.asl.json):
the states one poll passes through, and how long each wait is -- a ``Wait`` state's ``Seconds``,
its ``SecondsPath`` (then the wait comes from the check task: ``segment_exports.polling``, the code
that task runs), or a ``Retry`` on a "still pending" error (``IntervalSeconds``, ``BackoffRate``,
``MaxDelaySeconds``, ``MaxAttempts``). That schedule then drives our real Fullstory client against
the simulator on a simulated clock (waits advance the clock; nothing sleeps), and so does fixed
5-second polling. Fullstory calls are counted by the simulator; transitions are polls times the
states of one poll. The simulator's ``estimatePctComplete`` grows linearly with time.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .report import NA, Row, verdict
from .services import ROOT

ASL = ROOT / "statemachine" / "export_segment.asl.json"
DURATIONS_MIN = (1, 10, 50)
FIXED_POLL_S = 5
GOAL_CALL_FRACTION = 1 / 50
GOAL_LATE_FRACTION = 0.10
MAX_POLLS = 2000  # bounded: fixed 5 s polling of a 50-minute export takes 600
PENDING_ERROR_HINTS = ("pending", "notready", "notdone", "inprogress", "running")
KEY = "bench-export-key"

# (state after a poll or None before the first, percent seen, seconds waited so far) -> next wait
WaitRule = Callable[[Any, int, int], tuple[int, Any]]


@dataclass
class Policy:
    description: str
    poll_states: tuple[str, ...]  # the states one poll passes through (one transition each)
    next_wait: WaitRule
    max_polls: int = MAX_POLLS


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
    return lambda state, percent, waited: (seconds, state)


def _from_check_task(budget_s: int) -> WaitRule:
    """``SecondsPath``: the check task computes the wait; run the same code it runs."""
    layer = str(ROOT / "layers" / "fullstory")
    if layer not in sys.path:
        sys.path.insert(0, layer)
    try:
        from segment_exports import polling
    except ImportError as exc:
        raise NoPolicy(f"the wait comes from the check task, but segment_exports.polling is missing ({exc})") from None
    if not (hasattr(polling, "first_poll_state") and hasattr(polling, "after_poll")):
        raise NoPolicy("segment_exports.polling has no first_poll_state/after_poll")

    def rule(state: Any, percent: int, waited: int) -> tuple[int, Any]:
        state = polling.first_poll_state() if state is None else polling.after_poll(state, percent, budget_s)
        return int(state["waitSeconds"]), state

    return rule


def _backoff(retry: dict[str, Any]) -> tuple[WaitRule, int]:
    interval = float(retry.get("IntervalSeconds", 1))
    rate = float(retry.get("BackoffRate", 2.0))
    cap = float(retry.get("MaxDelaySeconds", math.inf))

    def rule(state: Any, percent: int, waited: int) -> tuple[int, Any]:
        attempt = 0 if state is None else int(state) + 1
        return math.ceil(min(cap, interval * rate**attempt)), attempt

    return rule, int(retry.get("MaxAttempts", 3)) + 1


def policy_from_asl(path: Path = ASL) -> Policy:
    definition = json.loads(path.read_text(encoding="utf-8"))
    states: dict[str, Any] = definition.get("States") or {}
    budget = int(definition.get("TimeoutSeconds") or 4 * 3600)
    for name, state in states.items():
        if state.get("Type") != "Wait":
            continue
        cycle = _cycle(states, name)
        if cycle is None:
            continue
        if "Seconds" in state:
            rule, how = _fixed(int(state["Seconds"])), f"Wait {state['Seconds']} s"
        elif str(state.get("SecondsPath", "")).endswith("waitSeconds"):
            rule, how = _from_check_task(budget), f"Wait SecondsPath {state['SecondsPath']} (segment_exports.polling)"
        else:
            raise NoPolicy(
                f"Wait state {name} takes its seconds from {state.get('SecondsPath')!r}: not computable here"
            )
        return Policy(f"{how}; one poll = {' → '.join(cycle)}", cycle, rule)
    for name, state in states.items():
        for retry in state.get("Retry") or []:
            errors = [str(e).lower() for e in retry.get("ErrorEquals") or []]
            if any(hint in error for error in errors for hint in PENDING_ERROR_HINTS):
                rule, attempts = _backoff(retry)
                how = (
                    f"Retry on {retry['ErrorEquals']}: {retry.get('IntervalSeconds', 1)} s × "
                    f"{retry.get('BackoffRate', 2.0)}, max {retry.get('MaxDelaySeconds', '∞')} s"
                )
                return Policy(f"{how}; one poll = {name}", (name,), rule, attempts)
    raise NoPolicy("no Wait loop and no Retry on a pending error in the workflow")


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
            waited = percent = polls = 0
            while True:
                wait, state = policy.next_wait(state, percent, waited)
                clock.now += wait
                waited += wait
                operation = client.get_operation(operation_id)
                polls += 1
                if operation.state != "PENDING":
                    break
                if polls >= policy.max_polls:
                    raise RuntimeError(f"still pending after {polls} polls ({waited} s): the policy gives up")
                percent = round(operation.estimate_pct_complete)
            if operation.results is not None:
                client.get_search_export_results(operation.results.search_export_id)
            calls = len([r for r in sim.requests.entries() if not r.path.startswith("/__sim")])
        finally:
            client.close()
    return Outcome(calls, polls, polls * len(policy.poll_states), waited)


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
        duration = minutes * 60
        ours, baseline = run(policy, duration), run(fixed, duration)
        late = (ours.noticed_s - duration) / duration
        fraction = ours.calls / baseline.calls
        goals = [f"noticed ≤ +{GOAL_LATE_FRACTION:.0%}"]
        ok = late <= GOAL_LATE_FRACTION
        if minutes == DURATIONS_MIN[-1]:
            goals.insert(0, "calls ≤ 1/50 of fixed")
            ok = ok and fraction <= GOAL_CALL_FRACTION
        rows.append(
            Row(
                title,
                f"{minutes}-minute export: ours / fixed 5 s",
                f"{ours.calls} / {baseline.calls} Fullstory calls (1/{baseline.calls / ours.calls:.1f}; polls "
                f"{ours.polls} / {baseline.polls}); {ours.transitions} / {baseline.transitions} transitions; "
                f"noticed +{ours.noticed_s - duration} s ({late:.1%})",
                "fixed 5 s",
                "; ".join(goals),
                verdict(ok),
            )
        )
    return rows
