"""One create per request (issue 12.1): a POST that Fullstory may have processed is never sent again.

The simulator's ``after_processing`` faults play a proxy that forwarded the request to Fullstory
(the export exists) and then answered 502/504, reset the connection or stayed silent.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from fullstory_client import BadRequest, CreateUncertain, FullstoryClient, UpstreamError
from fullstory_client.models import TimeRange
from local.fullstory_sim import FullstorySimulator
from tests.conftest import call_tool

EXPORTS = r"^/segments/v1/exports$"
WEEK = {"start": "2026-11-09T00:00:00Z", "end": "2026-11-16T00:00:00Z"}


@pytest.fixture
def client(simulator: FullstorySimulator) -> Iterator[FullstoryClient]:
    fs = FullstoryClient(simulator.api_key, base_url=simulator.base_url, sleep=lambda _: None, read_timeout=0.5)
    yield fs
    fs.close()


def _create(client: FullstoryClient) -> str:
    return client.create_segment_export(
        segment_id="everyone",
        export_type="TYPE_INDIVIDUAL",
        export_format="FORMAT_CSV",
        time_range=TimeRange(start=WEEK["start"], end=WEEK["end"]),
    )


def _new_exports(simulator: FullstorySimulator, before: set[str]) -> list[str]:
    return [job.operation_id for job in simulator.exports.all() if job.operation_id not in before]


def _known(simulator: FullstorySimulator) -> set[str]:
    return {job.operation_id for job in simulator.exports.all()}


PROCESSED_THEN = {
    "500": {"status": 500},
    "502": {"status": 502},
    "503": {"status": 503},
    "504": {"status": 504},
    "reset": {"reset": True},
    "read timeout": {"delay_s": 1.5},
    "empty 200": {"status": 200, "body": ""},
    "html 200": {"status": 200, "body": "<html>Gateway</html>", "content_type": "text/html"},
    "redirect": {"status": 302, "location": "https://login.example.com/"},
}


@pytest.mark.parametrize("fault", list(PROCESSED_THEN))
def test_a_create_that_may_have_worked_is_sent_once_and_says_where_to_look(
    fault: str, client: FullstoryClient, simulator: FullstorySimulator
) -> None:
    before = _known(simulator)
    posts = simulator.requests.calls(EXPORTS, "POST")
    simulator.inject(EXPORTS, method="POST", times=10, after_processing=True, **PROCESSED_THEN[fault])
    with pytest.raises(CreateUncertain) as raised:
        _create(client)
    created = _new_exports(simulator, before)
    assert len(created) == 1  # before the fix: 4 under 502/503/504 (one per attempt)
    assert simulator.requests.calls(EXPORTS, "POST") - posts == 1
    # Newest first; other exports started in the last minutes (other tests, other users) may follow.
    assert raised.value.candidates[0] == created[0]
    assert set(raised.value.candidates) <= {job.operation_id for job in simulator.exports.all()}
    assert "may have created the export" in raised.value.message and created[0] in raised.value.message


def test_a_gateway_error_before_fullstory_still_is_not_resent() -> None:
    with FullstorySimulator(api_key="fresh-key") as fresh:  # no other export in its operations list
        fs = FullstoryClient(fresh.api_key, base_url=fresh.base_url, sleep=lambda _: None)
        fresh.inject(EXPORTS, method="POST", times=10, status=504)  # we cannot tell this from the above
        with pytest.raises(CreateUncertain) as raised:
            _create(fs)
        assert fresh.exports.all() == [] and fresh.requests.calls(EXPORTS, "POST") == 1
        assert raised.value.candidates == () and "lists no export operation started" in raised.value.message
        fs.close()


def test_429_proves_nothing_was_created_so_it_is_retried(
    client: FullstoryClient, simulator: FullstorySimulator
) -> None:
    before = _known(simulator)
    simulator.inject(EXPORTS, method="POST", times=2, status=429, retry_after=0)
    operation_id = _create(client)
    assert _new_exports(simulator, before) == [operation_id]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_sent_nothing_so_it_is_retried() -> None:
    attempts: list[float] = []
    fs = FullstoryClient("k", base_url=f"http://127.0.0.1:{_free_port()}", sleep=attempts.append)
    with pytest.raises(UpstreamError) as raised:
        _create(fs)
    assert type(raised.value) is UpstreamError and not raised.value.may_have_been_processed
    assert len(attempts) == fs.max_attempts - 1  # a sleep between each try


def test_an_error_text_in_the_create_answer_is_the_problem(
    client: FullstoryClient, simulator: FullstorySimulator
) -> None:
    # Fullstory's SDK types the create answer as {operationId?, error?}.
    simulator.inject(EXPORTS, method="POST", status=200, body=json.dumps({"error": "segment is too large"}))
    with pytest.raises(BadRequest) as raised:
        _create(client)
    assert raised.value.message == "segment is too large"


def test_a_numeric_operation_id_is_read_as_text(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    simulator.inject(EXPORTS, method="POST", status=200, body='{"operationId": 123456789, "extra": {"x": 1}}')
    assert _create(client) == "123456789"


def test_a_summary_post_is_not_resent_either(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    # Summaries cost Activations: the transport's rule holds for every POST, not only exports.
    path = f"/v2/sessions/{simulator.data.sessions[0].id.replace(':', '%3A')}/summary"
    posts = simulator.requests.calls("/summary$", "POST")
    simulator.inject("/summary$", method="POST", times=10, status=502, after_processing=True)
    with pytest.raises(UpstreamError) as raised:
        client._request("POST", path, json_body={"llm": {"pre_prompt": "p"}})
    assert raised.value.may_have_been_processed
    assert simulator.requests.calls("/summary$", "POST") - posts == 1


# --- the sync tool ------------------------------------------------------------------------


def _tool_request(**overrides: Any) -> dict[str, Any]:
    return {"segmentId": "everyone", "type": "TYPE_INDIVIDUAL", "format": "FORMAT_CSV", "timeRange": WEEK, **overrides}


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("status", [502, 504])
def test_the_create_tool_makes_one_export_and_says_how_to_check(status: int, simulator: FullstorySimulator) -> None:
    before = _known(simulator)
    simulator.inject(EXPORTS, method="POST", times=10, status=status, after_processing=True)
    code, problem = call_tool("fullstory_create_segment_export", _tool_request())
    created = _new_exports(simulator, before)
    assert len(created) == 1  # before the fix: 4
    assert code == 502 and problem["error_code"] == "FULLSTORY_CREATE_UNCERTAIN", problem
    assert "may have created the export" in problem["detail"] and created[0] in problem["detail"]
    assert "fullstory_get_operation_status" in problem["detail"]


@pytest.mark.usefixtures("aws")
def test_the_create_tool_shows_fullstorys_error_text(simulator: FullstorySimulator) -> None:
    simulator.inject(EXPORTS, method="POST", status=200, body='{"error": "too many fields for this export"}')
    code, problem = call_tool("fullstory_create_segment_export", _tool_request())
    assert code == 400 and "too many fields for this export" in problem["detail"], problem
