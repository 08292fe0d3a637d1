"""`make run`'s server end to end: template routes, moto secrets, the same handlers, over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer
from tools.registry import TOOLS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(simulator: FullstorySimulator) -> Iterator[LocalToolServer]:
    with LocalToolServer(simulator=simulator, bearer_token="local-token") as running:
        yield running


def test_discovery_is_public_and_lists_the_registry(server: LocalToolServer) -> None:
    response = requests.get(server.base_url + "/discovery", timeout=5)
    assert response.status_code == 200
    assert [f["name"] for f in response.json()["functions"]] == [t.name for t in TOOLS]


def test_curl_style_call_returns_five_segments(server: LocalToolServer) -> None:
    # curl -d sends application/x-www-form-urlencoded; the tools read the JSON anyway.
    response = requests.post(
        server.base_url + "/tools/fullstory_list_segments",
        data='{"parameters":{"limit":5}}',
        headers={"Authorization": "Bearer local-token", "Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert response.status_code == 200
    body = response.json()
    assert len(body["segments"]) == 5 and body["nextPaginationToken"]
    assert set(body["segments"][0]) == {"id", "name", "creator", "created", "url"}


def test_tools_need_the_token(server: LocalToolServer) -> None:
    response = requests.post(server.base_url + "/tools/fullstory_list_segments", json={}, timeout=5)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_route_is_404(server: LocalToolServer) -> None:
    assert requests.post(server.base_url + "/tools/nope", json={}, timeout=5).status_code == 404
    assert requests.get(server.base_url + "/tools/fullstory_list_segments", timeout=5).status_code == 404


def _sample_parameters(tool: str) -> dict[str, Any]:
    sample = json.loads((ROOT / "events" / f"{tool}.json").read_text())
    parameters: dict[str, Any] = json.loads(sample["body"])["parameters"]
    return parameters


def _live_ids(
    server: LocalToolServer, simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """Parameters of the tools that take an id another tool hands out, from real calls."""

    def call(tool: str, parameters: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(
            f"{server.base_url}/tools/{tool}",
            json={"parameters": parameters},
            headers={"Authorization": "Bearer local-token"},
            timeout=30,
        )
        answer: dict[str, Any] = response.json()
        return answer

    created = call("fullstory_create_segment_export", _sample_parameters("fullstory_create_segment_export"))
    monkeypatch.setattr(simulator, "clock", lambda: time.time() + 3600)  # the export is done an hour later
    finished = call("fullstory_get_operation_status", {"operationId": created["operationId"]})
    started = call("fullstory_export_segment", _sample_parameters("fullstory_export_segment"))
    return {
        "fullstory_get_operation_status": {"operationId": created["operationId"]},
        "fullstory_get_search_export_results": {"id": finished["searchExportId"]},
        "fullstory_get_export_status": {"executionId": started["executionId"]},
    }


def test_every_tool_answers_through_the_local_server(
    server: LocalToolServer, simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = _live_ids(server, simulator, monkeypatch)
    for tool in TOOLS:
        parameters = live.get(tool.name) or _sample_parameters(tool.name)
        if "sessionId" in parameters:
            parameters["sessionId"] = simulator.data.sessions[0].id
        response = requests.post(
            server.base_url + tool.endpoint,
            json={"parameters": parameters},
            headers={"Authorization": "Bearer local-token"},
            timeout=30,
        )
        assert response.status_code in (200, 202), (tool.name, response.text)
