"""Tolerant where Fullstory is loose (issue 11.5): answers that are valid but unusual still read.

Real HTTP: the simulator serves the unusual body as Fullstory would, the client and tools read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from fullstory_client import FullstoryClient
from local.fullstory_sim import FullstorySimulator
from tests.conftest import call_tool

# An operation of another type: its results are no export reference, its times unset.
DELETE_USER = {
    "id": "op-delete-1",
    "type": "DELETE_USER",
    "state": "COMPLETED",
    "details": {"uid": "usr_1001"},
    "results": {"deletedCount": "3"},
    "errorDetails": None,
    "createdAt": "",
    "finishedAt": None,
    "estimatePctComplete": 100,
    "someNewField": {"added": "later"},
}


@pytest.fixture
def client(simulator: FullstorySimulator) -> Iterator[FullstoryClient]:
    fs = FullstoryClient(simulator.api_key, base_url=simulator.base_url, sleep=lambda _: None)
    yield fs
    fs.close()


def test_an_operation_of_another_type_is_read(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    simulator.inject(r"^/operations/v1/op-delete-1$", body=json.dumps(DELETE_USER))
    operation = client.get_operation("op-delete-1")
    assert (operation.type, operation.state, operation.results, operation.created_at) == (
        "DELETE_USER", "COMPLETED", None, None
    )  # fmt: skip


def test_numeric_ids_empty_created_and_extra_fields(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    segment = {"id": 4242, "name": "Numeric", "created": "", "creator": "a@b.co", "url": None, "shared": True}
    simulator.inject(r"^/segments/v1/4242$", body=json.dumps(segment))
    read = client.get_segment("4242")
    assert (read.id, read.name, read.created) == ("4242", "Numeric", None)
    sessions = {"sessions": [{"userId": 1234567890, "sessionId": 987654321, "createdTime": 1411492739, "x": 1}]}
    simulator.inject(r"^/sessions/v2$", body=json.dumps(sessions))
    [session] = client.list_sessions(uid="usr_1001").sessions
    assert session.full_id == "1234567890:987654321" and session.created_time is not None


@pytest.mark.usefixtures("aws")
def test_the_status_tool_reports_an_operation_of_another_type(simulator: FullstorySimulator) -> None:
    simulator.inject(r"^/operations/v1/op-delete-1$", body=json.dumps(DELETE_USER))
    status, answer = call_tool("fullstory_get_operation_status", {"operationId": "op-delete-1"})
    assert status == 200, answer
    assert answer["type"] == "DELETE_USER" and answer["state"] == "COMPLETED" and "searchExportId" not in answer


@pytest.mark.usefixtures("aws")
def test_get_segment_tries_the_name_when_fullstory_answers_400(simulator: FullstorySimulator) -> None:
    named = next(s for s in simulator.data.segments if " " in s.name)
    simulator.inject(r"^/segments/v1/[^/]*%20", method="GET", status=400)  # a name is no id
    status, answer = call_tool("fullstory_get_segment", {"id": named.name})
    assert status == 200, answer
    assert answer["segment"]["id"] == named.id and answer["matchedBy"] == "exact name"


@pytest.mark.usefixtures("aws")
def test_list_sessions_follows_pagination_token_until_the_limit(simulator: FullstorySimulator) -> None:
    heavy = max(simulator.data.users, key=lambda u: len(simulator.data.sessions_of(u.uid)))
    total = len(simulator.data.sessions_of(heavy.uid))
    assert total > simulator.sessions_page_size  # so one page cannot hold them
    before = len(simulator.requests)
    status, answer = call_tool("fullstory_list_sessions", {"uid": heavy.uid, "limit": 100})
    assert status == 200 and answer["count"] == total  # before: one page only
    queries = [parse_qs(e.query) for e in simulator.requests.entries()[before:] if e.path == "/sessions/v2"]
    assert len(queries) == 2 and "pagination_token" not in queries[0] and queries[1]["pagination_token"]
    status, answer = call_tool("fullstory_list_sessions", {"uid": heavy.uid, "limit": total - 2})
    assert status == 200 and answer["count"] == total - 2
    ids = [s["sessionId"] for s in answer["sessions"]]
    assert len(set(ids)) == len(ids)
