"""What polling costs Fullstory, on the deployed ASL in moto against the simulator: every Fullstory
call of the run (create + status polls + results) for 1, 10 and 50-minute exports, against fixed
5-second polling (1 create + a poll every 5 s until one sees COMPLETED + 1 results call), and how
late completion is noticed. The simulator's estimatePctComplete rises linearly; the robustness
cases reshape it (absent, accelerating, stuck). Run with -s to see the figures.

The goal (issue 3): at 50 minutes at most 1/50 of fixed polling's calls (602 -> at most 12), with
completion noticed within 10 % of the elapsed time; 1 and 10-minute exports noticed within 10 % too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator
from local.fullstory_sim.exports import ExportJob

from .harness import Workflow, export_request

CREATE = r"^/segments/v1/exports$"
OPERATION = r"^/operations/v1/"
RESULTS = r"^/search/v1/exports/[^/]+/results$"
FIXED_POLL_S = 5

Estimate = Callable[[float], float | None]  # fraction of the duration elapsed -> percent shown, None: absent


def fixed_calls(duration_s: float) -> int:
    return 1 + math.ceil(duration_s / FIXED_POLL_S) + 1


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
                body["estimatePctComplete"] = min(99, int(shown))
        return body

    monkeypatch.setattr(ExportJob, "to_json", to_json)


def run_export(workflow: Workflow, sim: FullstorySimulator, minutes: float) -> tuple[int, int, float]:
    """(Fullstory calls, status polls, seconds between completion and the poll that noticed it)."""
    duration = minutes * 60.0
    sim.export_seconds = duration
    described = workflow.run({"request": export_request()})
    assert described["status"] == "SUCCEEDED", described
    assert sim.requests.calls(CREATE, "POST") == 1 and sim.requests.calls(RESULTS, "GET") == 1
    polls = sim.requests.calls(OPERATION, "GET")
    calls = fullstory_calls(sim)
    assert calls == 1 + polls + 1  # create + status polls + results, nothing else
    noticed_after = sum(workflow.clock.waits)  # virtual time of the poll that saw COMPLETED
    return calls, polls, noticed_after - duration


@pytest.mark.parametrize(("minutes", "max_calls"), [(1, 3), (10, 6), (50, 8)])
def test_poll_cost(workflow: Workflow, sim: FullstorySimulator, minutes: int, max_calls: int) -> None:
    duration = minutes * 60.0
    calls, polls, lag = run_export(workflow, sim, minutes)
    fixed = fixed_calls(duration)
    print(
        f"\n{minutes:>3} min export: {calls} Fullstory calls ({polls} polls) vs fixed 5 s polling {fixed} "
        f"(1/{fixed / calls:.0f}); noticed {lag:.0f} s after completion ({lag / duration:.1%} of the duration)"
    )
    assert 0 <= lag <= 0.10 * duration  # noticed within 10 %
    assert calls <= max_calls
    if minutes == 50:
        assert fixed == 602
        assert calls * 50 <= fixed  # the goal: at most 1/50 of fixed polling's calls (<= 12)


def test_without_an_estimate_it_backs_off_and_is_at_most_five_minutes_late(
    workflow: Workflow, sim: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    reshape_estimate(monkeypatch, lambda f: None)
    calls, polls, lag = run_export(workflow, sim, 50)
    print(f"\n 50 min, no estimate: {calls} Fullstory calls ({polls} polls); noticed {lag:.0f} s late")
    assert 0 <= lag <= 300
    assert calls <= 17  # 1/35 of fixed polling even blind


def test_an_accelerating_estimate_is_still_noticed_promptly(
    workflow: Workflow, sim: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    reshape_estimate(monkeypatch, lambda f: 100 * f * f)
    calls, polls, lag = run_export(workflow, sim, 50)
    print(f"\n 50 min, progress as time squared: {calls} Fullstory calls ({polls} polls); noticed {lag:.0f} s late")
    assert 0 <= lag <= 0.15 * 50 * 60
    assert calls <= 18


def test_an_estimate_stuck_until_done_is_noticed_within_five_minutes(
    workflow: Workflow, sim: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    reshape_estimate(monkeypatch, lambda f: 100 * min(f, 0.40))
    calls, polls, lag = run_export(workflow, sim, 10)
    print(f"\n 10 min, stuck at 40 % until done: {calls} Fullstory calls ({polls} polls); noticed {lag:.0f} s late")
    assert 0 <= lag <= 300
    assert calls <= 10
