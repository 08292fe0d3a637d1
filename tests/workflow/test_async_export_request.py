"""fullstory_export_segment with the workflow deployed in moto: for each of the stories' export jobs
(tests/seed_exports.py) Fullstory receives exactly what fullstory_create_segment_export sends, and
the 202 answer says what that is."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator
from tests.conftest import call_tool as _call_tool
from tests.seed_exports import STORIES, received, seed_exports

from .harness import BEARER, VirtualClock, Workflow


def _call(tool: str, parameters: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return _call_tool(tool, token=BEARER, raw_body=json.dumps({"parameters": parameters}))


@pytest.mark.parametrize("story", STORIES)
def test_the_async_tool_sends_the_seed_request_and_says_so(
    workflow: Workflow, sim: FullstorySimulator, clock: VirtualClock, story: str
) -> None:
    parameters, expected_body = seed_exports(sim, clock.time())[story]
    status, accepted = _call("fullstory_export_segment", parameters)
    assert status == 202, accepted
    run = workflow.wait(accepted["executionArn"])
    assert run["status"] == "SUCCEEDED", run
    [job] = sim.exports.all()
    assert received(sim, job.operation_id) == expected_body
    answer = accepted["request"]
    assert answer["sentToFullstory"]["segmentTimeRange"] == expected_body["segmentTimeRange"]
    assert answer["sentToFullstory"].get("fields") == expected_body.get("fields")
    assert any("same range as timeRange" in note for note in answer["notes"])
