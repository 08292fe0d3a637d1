"""Every tool against answers that are not Fullstory's JSON (issue 12.9): a clear 502, never success.

A redirect, an empty 200, a 200 that is not JSON and an HTML page (a proxy's or a sign-in wall's)
used to pass as "nothing found" for list tools. Kept apart from test_fault_matrix.py (its owner's
file); derived from the tool registry and each tool's sample event in the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator
from tests.conftest import assert_no_secret, context, load_handler, tool_event
from tools.registry import TOOLS

pytestmark = pytest.mark.usefixtures("aws")

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 3

NOT_JSON = {
    "redirect": ({"status": 302, "location": "https://sso.example.com/login?next=/api"}, "redirect"),
    "empty 200": ({"status": 200, "body": ""}, "empty body"),
    "not JSON 200": ({"status": 200, "body": "OK"}, "not JSON"),
    "HTML 200": ({"status": 200, "body": "<!doctype html><title>Sign in</title>", "content_type": "text/html"}, "HTML"),
}


def _call(tool: str, parameters: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = load_handler(tool)(tool_event(tool, parameters), context(timeout_s=TIMEOUT_S))
    assert_no_secret(response["body"])
    return response["statusCode"], json.loads(response["body"])


def _parameters(tool: str, simulator: FullstorySimulator) -> dict[str, Any]:
    event = json.loads((ROOT / "events" / f"{tool}.json").read_text())
    parameters: dict[str, Any] = json.loads(event["body"])["parameters"]
    if "sessionId" in parameters:
        parameters["sessionId"] = simulator.data.sessions[0].id
    return parameters


@pytest.mark.parametrize("fault", list(NOT_JSON))
@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_an_answer_that_is_not_json_is_a_clear_502(tool: str, fault: str, simulator: FullstorySimulator) -> None:
    parameters = _parameters(tool, simulator)
    _call(tool, parameters)  # warm: secrets cached
    before = len(simulator.requests)
    _call(tool, parameters)
    if len(simulator.requests) == before:
        pytest.skip(f"{tool} does not call Fullstory synchronously")
    spec, cause = NOT_JSON[fault]
    simulator.inject(".", times=50, **spec)
    try:
        status, problem = _call(tool, parameters)
    finally:
        simulator.clear_faults()
    assert status == 502, problem
    assert problem["error_code"] in ("FULLSTORY_MALFORMED_RESPONSE", "FULLSTORY_CREATE_UNCERTAIN"), problem
    assert "Fullstory" in problem["detail"] and cause in problem["detail"], problem["detail"]
    assert "sso.example.com" not in problem["detail"]  # where a redirect points is not repeated
