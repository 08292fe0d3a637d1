"""What polling costs Fullstory: operation GETs for 1, 10 and 50-minute exports, against fixed
5-second polling, and how late completion is noticed. Measured on the deployed ASL with the
simulator's progress (estimatePctComplete rises linearly). Run with -s to see the table."""

from __future__ import annotations

import math

import pytest

from local.fullstory_sim import FullstorySimulator

from .harness import Workflow, export_request

OPERATION = r"^/operations/v1/"


@pytest.mark.parametrize("minutes", [1, 10, 50])
def test_poll_cost(workflow: Workflow, sim: FullstorySimulator, minutes: int) -> None:
    duration = minutes * 60.0
    sim.export_seconds = duration
    described = workflow.run({"request": export_request()})
    assert described["status"] == "SUCCEEDED"

    polls = sim.requests.calls(OPERATION, "GET")
    fixed = math.ceil(duration / 5)  # a poll every 5 s until done
    noticed_after = sum(workflow.clock.waits)  # virtual time of the poll that saw COMPLETED
    lag = noticed_after - duration
    print(
        f"\n{minutes:>3} min export: {polls} polls (fixed 5 s polling: {fixed}, 1/{fixed / polls:.0f}); "
        f"noticed {lag:.0f} s after completion ({lag / noticed_after:.1%} of elapsed)"
    )
    assert 0 <= lag <= 0.10 * noticed_after
    if minutes == 50:
        assert polls <= fixed / 50  # the goal: at most 1/50 of fixed polling
    assert polls <= 12
