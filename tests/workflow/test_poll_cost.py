"""What polling costs Fullstory, on the deployed ASL in moto against the simulator: every Fullstory
call of the run (create + status polls + results), against fixed 5-second polling (1 create + a
poll every 5 s until one sees COMPLETED + 1 results call), and how late completion is noticed, for
exports of 1 minute to 3 hours whose estimatePctComplete is linear (the simulator's), absent,
stuck, falling, accelerating or jumping. Run with -s to see the figures.

The goal (issue 13): at most 1/25 of fixed polling's calls at 50 minutes (602 -> at most 24) and
from there on, completion noticed within max(60 s, 15 % of the export's duration), whatever the
estimate does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator
from local.fullstory_sim.exports import ExportJob
from segment_exports.polling import DEFAULT_BUDGET_S, after_poll, first_poll_state
from tests.conftest import ROOT

from .harness import Workflow, export_request

CREATE = r"^/segments/v1/exports$"
OPERATION = r"^/operations/v1/"
RESULTS = r"^/search/v1/exports/[^/]+/results$"
FIXED_POLL_S = 5
FIFTY_MINUTES = 50 * 60

Estimate = Callable[[float], float | None]  # fraction of the duration elapsed -> percent shown, None: absent
ESTIMATES: dict[str, Estimate] = {
    "linear": lambda f: 100 * f,
    "absent": lambda f: None,
    "stuck at 0 %": lambda f: 0,
    "stuck at 99 %": lambda f: 99,
    "falling": lambda f: 99 * (1 - f),
    "accelerating (f^3)": lambda f: 100 * f**3,
    "jumping": lambda f: (0, 90, 40, 95, 10)[min(4, int(f * 5))],
}
# Every shape at the headline durations; the simulator's own and none at a few more in between.
CASES = [(shape, minutes) for shape in ESTIMATES for minutes in (1, 10, 50, 180)] + [
    (shape, minutes) for shape in ("linear", "absent") for minutes in (4, 25, 95, 150)
]


def fixed_calls(duration_s: float) -> int:
    return 1 + math.ceil(duration_s / FIXED_POLL_S) + 1


def scheduled_calls(duration_s: float) -> int:
    """The calls the policy's schedule alone makes for an export of ``duration_s``."""
    state, checks = first_poll_state(), 1
    while state["waitedSeconds"] + state["waitSeconds"] < duration_s:
        state, checks = after_poll(state, DEFAULT_BUDGET_S), checks + 1
    return 1 + checks + 1


def fullstory_calls(sim: FullstorySimulator) -> int:
    """Every request Fullstory's API saw (the simulator's own /__sim endpoints, and the signed file
    download, which fixed polling makes just the same, are not API calls)."""
    return sum(1 for entry in sim.requests.entries() if not entry.path.startswith("/__sim"))


def reshape_estimate(monkeypatch: pytest.MonkeyPatch, estimate: Estimate) -> None:
    original = ExportJob.to_json

    def to_json(self: ExportJob, now_s: float) -> dict[str, Any]:
        body = original(self, now_s)
        if body["state"] == "PENDING":
            shown = estimate((now_s - self.created_s) / self.duration_s)
            if shown is None:
                del body["estimatePctComplete"]
            else:
                body["estimatePctComplete"] = max(0, min(99, int(shown)))
        return body

    monkeypatch.setattr(ExportJob, "to_json", to_json)


def run_export(workflow: Workflow, sim: FullstorySimulator, duration: float) -> tuple[int, int, float]:
    """(Fullstory calls, status polls, seconds between completion and the poll that noticed it)."""
    sim.export_seconds = duration
    described = workflow.run({"request": export_request()})
    assert described["status"] == "SUCCEEDED", described
    assert sim.requests.calls(CREATE, "POST") == 1 and sim.requests.calls(RESULTS, "GET") == 1
    polls = sim.requests.calls(OPERATION, "GET")
    calls = fullstory_calls(sim)
    assert calls == 1 + polls + 1  # create + status polls + results, nothing else
    noticed_after = sum(workflow.clock.waits)  # virtual time of the poll that saw COMPLETED
    return calls, polls, noticed_after - duration


@pytest.mark.parametrize(("shape", "minutes"), CASES)
def test_poll_cost(
    workflow: Workflow, sim: FullstorySimulator, monkeypatch: pytest.MonkeyPatch, shape: str, minutes: int
) -> None:
    reshape_estimate(monkeypatch, ESTIMATES[shape])
    duration = minutes * 60.0
    calls, polls, late = run_export(workflow, sim, duration)
    fixed = fixed_calls(duration)
    print(
        f"\n{minutes:>3} min, estimate {shape}: {calls} Fullstory calls ({polls} polls) vs fixed 5 s polling "
        f"{fixed} (1/{fixed / calls:.1f}); noticed {late:.0f} s after completion ({late / duration:.1%})"
    )
    assert 0 <= late <= max(60.0, 0.15 * duration)
    assert calls == scheduled_calls(duration)  # the estimate has no say in the cost
    if duration <= FIFTY_MINUTES:
        assert calls * 25 <= fixed_calls(FIFTY_MINUTES)  # <= 24
    else:
        assert calls * 25 <= fixed


def test_fixed_polling_of_fifty_minutes_costs_602_calls() -> None:
    assert fixed_calls(FIFTY_MINUTES) == 602


def test_the_run_timeout_leaves_room_after_the_polling_budget() -> None:
    asl = json.loads((ROOT / "statemachine" / "export_segment.asl.json").read_text(encoding="utf-8"))
    states = asl["States"]
    after_budget = sum(states[name]["TimeoutSeconds"] for name in ("CheckExport", "DeliverFile", "NotifySuccess"))
    assert DEFAULT_BUDGET_S + after_budget < asl["TimeoutSeconds"]
