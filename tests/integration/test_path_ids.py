"""Ids cannot change the path (issue 12.7): '.' and '..' are refused before anything is sent.

The id parameters are taken from the tool registry (``id`` and every ``…Id``), so a new tool's ids join.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fullstory_client import FullstoryClient, NotFound, UnsafeId
from local.fullstory_sim import FullstorySimulator
from tests.conftest import call_tool
from tools.registry import TOOLS

ROOT = Path(__file__).resolve().parents[2]
ID_PARAMETERS = [
    (spec.name, name) for spec in TOOLS for name in spec.parameters.model_fields if name == "id" or name.endswith("Id")
]


def _parameters(tool: str) -> dict[str, Any]:
    event = json.loads((ROOT / "events" / f"{tool}.json").read_text())
    parameters: dict[str, Any] = json.loads(event["body"])["parameters"]
    return parameters


def test_the_registry_has_the_ids_we_expect() -> None:
    names = {name for _, name in ID_PARAMETERS}
    assert {"id", "segmentId", "operationId", "executionId", "sessionId"} <= names


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("value", [".", "..", " .. ", "..."])
@pytest.mark.parametrize(("tool", "parameter"), ID_PARAMETERS)
def test_a_dot_segment_id_is_a_400_naming_it(
    tool: str, parameter: str, value: str, simulator: FullstorySimulator
) -> None:
    before = len(simulator.requests)
    status, problem = call_tool(tool, {**_parameters(tool), parameter: value})
    assert status == 400, problem
    assert parameter in [e["parameter"] for e in problem["errors"]], problem
    assert len(simulator.requests) == before  # nothing reached Fullstory


@pytest.fixture
def client(simulator: FullstorySimulator) -> Iterator[FullstoryClient]:
    fs = FullstoryClient(simulator.api_key, base_url=simulator.base_url, sleep=lambda _: None)
    yield fs
    fs.close()


@pytest.mark.parametrize("value", [".", "..", "...", ""])
def test_the_client_refuses_them_too(value: str, client: FullstoryClient, simulator: FullstorySimulator) -> None:
    before = len(simulator.requests)
    for call in (client.get_segment, client.get_operation, client.get_search_export_results):
        with pytest.raises(UnsafeId):
            call(value)
    assert len(simulator.requests) == before


def test_other_characters_are_encoded_into_one_segment(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    for value in ("../operations/v1", "a/b", "..%2f..", "x?y#z", "./."):
        with pytest.raises(NotFound):
            client.get_segment(value)
        _, path = simulator.requests[-1]
        assert path.count("/") == 3 and path.startswith("/segments/v1/"), path


@pytest.mark.usefixtures("aws")
def test_an_answer_cannot_steer_the_next_path(simulator: FullstorySimulator) -> None:
    operation = {"id": "op-1", "type": "SEARCH_EXPORT", "state": "COMPLETED", "results": {"searchExportId": ".."}}
    simulator.inject(r"^/operations/v1/op-1$", body=json.dumps(operation))
    searches = simulator.requests.calls("^/search/")
    status, problem = call_tool("fullstory_get_operation_status", {"operationId": "op-1"})
    assert status == 502 and problem["error_code"] == "FULLSTORY_MALFORMED_RESPONSE", problem
    assert simulator.requests.calls("^/search/") == searches
