"""Fault injection through the Python API, and the request log."""

from __future__ import annotations

import time

import pytest
import requests

from local.fullstory_sim import FullstorySimulator

from .conftest import Api


def test_429_with_integer_retry_after_for_the_next_n_requests(api: Api, sim: FullstorySimulator) -> None:
    sim.inject(r"^/segments/v1$", status=429, retry_after=7, times=2)
    for _ in range(2):
        limited = api.get("/segments/v1")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "7"
        assert set(limited.json()) == {"message", "code"} and limited.json()["code"] == "too_many_requests"
    assert api.get("/segments/v1").status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(api: Api, sim: FullstorySimulator, status: int) -> None:
    sim.inject(r"^/segments/v1/everyone$", status=status)
    failed = api.get("/segments/v1/everyone")
    assert failed.status_code == status and failed.json()["message"]
    assert "Retry-After" not in failed.headers
    assert api.get("/segments/v1/everyone").status_code == 200


def test_only_matching_paths_and_methods_are_hit(api: Api, sim: FullstorySimulator) -> None:
    sim.inject(r"^/segments/v1/exports$", status=503, method="POST")
    assert api.get("/segments/v1").status_code == 200
    assert api.get("/sessions/v2", params={"uid": "usr_1001"}).status_code == 200
    assert api.post("/segments/v1/exports", json={}).status_code == 503
    assert api.post("/segments/v1/exports", json={}).status_code == 400  # the fault is used up


def test_delay_then_normal_answer(api: Api, sim: FullstorySimulator) -> None:
    sim.inject(r"^/segments/v1$", delay_s=0.4)
    started = time.monotonic()
    response = api.get("/segments/v1")
    assert time.monotonic() - started >= 0.4
    assert response.status_code == 200 and response.json()["segments"]
    with pytest.raises(requests.Timeout):
        sim.inject(r"^/segments/v1$", delay_s=1.0)
        api.http.get(sim.base_url + "/segments/v1", timeout=0.2)


def test_malformed_body(api: Api, sim: FullstorySimulator) -> None:
    sim.inject(r"^/segments/v1$", body='{"segments": [', times=1)
    broken = api.get("/segments/v1")
    assert broken.status_code == 200
    with pytest.raises(ValueError):
        broken.json()
    sim.inject(r"^/segments/v1$", status=502, body="<html>Bad Gateway</html>")
    gateway = api.get("/segments/v1")
    assert gateway.status_code == 502 and gateway.text == "<html>Bad Gateway</html>"


def test_connection_reset(api: Api, sim: FullstorySimulator) -> None:
    assert api.get("/segments/v1").status_code == 200  # warm the pooled keep-alive connection
    sim.inject(r"^/segments/v1$", reset=True)
    with pytest.raises(requests.ConnectionError):
        api.get("/segments/v1")
    assert api.get("/segments/v1").status_code == 200


def test_first_matching_fault_wins_and_clear(api: Api, sim: FullstorySimulator) -> None:
    sim.inject(r"^/segments/", status=500, times=5)
    sim.inject(r"^/segments/v1$", status=429, times=5)
    assert api.get("/segments/v1").status_code == 500
    sim.clear_faults()
    assert api.get("/segments/v1").status_code == 200


def test_faults_apply_before_auth(sim: FullstorySimulator) -> None:
    sim.inject(r"^/segments/v1$", status=429, retry_after=1)
    assert Api(sim, auth=None).get("/segments/v1").status_code == 429


@pytest.mark.parametrize(
    "kwargs",
    [{"status": 42}, {"times": 0}, {"delay_s": -1.0}, {"retry_after": -5}],
)
def test_invalid_injection_fails_loudly(sim: FullstorySimulator, kwargs: dict[str, int | float]) -> None:
    with pytest.raises(ValueError):
        sim.inject(r"^/x$", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sim.inject(r"([unclosed", status=500)


def test_request_log_counts_calls_per_endpoint(api: Api, sim: FullstorySimulator) -> None:
    sim.inject(r"^/segments/v1/everyone$", status=503, times=2)
    for _ in range(3):
        api.get("/segments/v1/everyone")
    api.get("/segments/v1", params={"limit": 5})
    api.get("/__sim/faults")  # control calls are not logged
    assert list(sim.requests) == [("GET", "/segments/v1/everyone")] * 3 + [("GET", "/segments/v1")]
    assert sim.requests.calls(r"^/segments/v1/everyone$", "GET") == 3
    assert sim.requests.calls(r"^/segments/v1/everyone$", "POST") == 0
    assert sim.requests.entries()[-1].query == "limit=5"
    assert len(sim.requests) == 4 and sim.requests[0] == ("GET", "/segments/v1/everyone")
    sim.requests.clear()
    assert len(sim.requests) == 0


def test_request_log_keeps_encoded_paths(api: Api, sim: FullstorySimulator) -> None:
    session = sim.data.sessions[0]
    api.get(f"/v2/sessions/{session.device_id}%3A{session.session_id}/events")
    assert sim.requests[-1] == ("GET", f"/v2/sessions/{session.device_id}%3A{session.session_id}/events")
