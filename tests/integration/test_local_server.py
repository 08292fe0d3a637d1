"""`make run`'s server end to end: template routes, moto secrets, the same handlers, over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from catalog import TOOLS
from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(simulator: FullstorySimulator) -> Iterator[LocalToolServer]:
    with LocalToolServer(simulator=simulator, bearer_token="local-token") as running:
        yield running


def test_discovery_is_public_and_lists_the_catalog(server: LocalToolServer) -> None:
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


def test_every_tool_answers_through_the_local_server(server: LocalToolServer, simulator: FullstorySimulator) -> None:
    for tool in TOOLS:
        sample = json.loads((ROOT / "events" / f"{tool.name}.json").read_text())
        parameters = json.loads(sample["body"])["parameters"]
        if "sessionId" in parameters:
            parameters["sessionId"] = simulator.data.sessions[0].id
        response = requests.post(server.base_url + tool.endpoint, json={"parameters": parameters},
                                 headers={"Authorization": "Bearer local-token"}, timeout=30)
        assert response.status_code in (200, 202), (tool.name, response.text)
