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


# --- answers that are not the expected JSON, and faults after the request was processed ------

_EXPORT = {"segmentId": "everyone", "type": "TYPE_INDIVIDUAL", "format": "FORMAT_CSV", "timeRange": {"start": ""}}


@pytest.mark.parametrize("status", [502, 504])
def test_after_processing_the_export_exists_but_the_answer_is_the_fault(
    api: Api, sim: FullstorySimulator, status: int
) -> None:
    before = len(sim.exports.all())
    sim.inject(r"^/segments/v1/exports$", method="POST", status=status, after_processing=True)
    answer = api.post("/segments/v1/exports", json=_EXPORT)
    assert answer.status_code == status and "operationId" not in answer.json()
    assert len(sim.exports.all()) == before + 1  # the proxy forwarded it: Fullstory created it
    sim.inject(r"^/segments/v1/exports$", method="POST", status=status)  # before processing
    assert api.post("/segments/v1/exports", json=_EXPORT).status_code == status
    assert len(sim.exports.all()) == before + 1


def test_after_processing_reset_and_delay(api: Api, sim: FullstorySimulator) -> None:
    before = len(sim.exports.all())
    sim.inject(r"^/segments/v1/exports$", method="POST", reset=True, after_processing=True)
    with pytest.raises(requests.ConnectionError):
        api.post("/segments/v1/exports", json=_EXPORT)
    sim.inject(r"^/segments/v1/exports$", method="POST", delay_s=0.5, after_processing=True)
    with pytest.raises(requests.Timeout):
        api.http.post(sim.base_url + "/segments/v1/exports", json=_EXPORT, timeout=0.2)
    assert len(sim.exports.all()) == before + 2


def test_redirect_empty_and_html_bodies(api: Api, sim: FullstorySimulator) -> None:
    sim.inject(r"^/sessions/v2$", status=302, location="https://login.example.com/sso")
    moved = api.http.get(sim.base_url + "/sessions/v2", params={"uid": "usr_1001"}, allow_redirects=False)
    assert moved.status_code == 302 and moved.headers["Location"] == "https://login.example.com/sso"
    assert moved.content == b""
    sim.inject(r"^/sessions/v2$", status=200, body="")
    empty = api.get("/sessions/v2", params={"uid": "usr_1001"})
    assert empty.status_code == 200 and empty.content == b""
    sim.inject(r"^/sessions/v2$", body="<html><body>Sign in</body></html>", content_type="text/html")
    page = api.get("/sessions/v2", params={"uid": "usr_1001"})
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html" and "Sign in" in page.text


@pytest.mark.parametrize(
    "kwargs",
    [{"location": "https://x.example"}, {"status": 200, "location": "https://x.example"}, {"after_processing": True}],
)
def test_invalid_new_fault_kinds_fail_loudly(sim: FullstorySimulator, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        sim.inject(r"^/x$", **kwargs)  # type: ignore[arg-type]


def test_new_fault_kinds_over_http(api: Api, sim: FullstorySimulator) -> None:
    spec = {"path_regex": "^/segments/v1/exports$", "method": "POST", "status": 504, "after_processing": True}
    assert api.post("/__sim/faults", json=spec).status_code == 201
    before = len(sim.exports.all())
    assert api.post("/segments/v1/exports", json=_EXPORT).status_code == 504
    assert len(sim.exports.all()) == before + 1
    redirect = {"path_regex": "^/segments/v1$", "status": 301, "location": "https://elsewhere.example/"}
    assert api.post("/__sim/faults", json=redirect).status_code == 201
    assert api.http.get(sim.base_url + "/segments/v1", allow_redirects=False).status_code == 301
