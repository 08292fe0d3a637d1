"""HTTP behaviour: JSON errors everywhere, 404/405, keep-alive, concurrency, clean shutdown, quiet
logging and the standalone entry point."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from local.fullstory_sim import FullstorySimulator

from .conftest import KEY, Api

ROOT = Path(__file__).resolve().parents[2]


def test_unknown_path_is_json_404(api: Api) -> None:
    response = api.get("/v3/nothing-here")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert set(response.json()) == {"message", "code"}


def test_wrong_method_is_405_with_allow(api: Api) -> None:
    response = api.put("/segments/v1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.json()["code"] == "method_not_allowed"
    assert api.delete("/v2/visit_profile").headers["Allow"] == "GET, POST"


def test_internal_error_never_leaks_a_traceback(
    api: Api, sim: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(sim.exports, "issue_link", explode)
    response = api.get("/search/v1/exports/x/results")
    assert response.status_code == 500
    assert response.json() == {"message": "internal server error", "code": "internal"}
    assert "Traceback" not in response.text and "secret" not in response.text


def test_keep_alive_serves_many_requests_on_one_connection(sim: FullstorySimulator) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=5)
    for path in ("/segments/v1", "/segments/v1/everyone", "/nope", "/segments/v1"):
        conn.request("GET", path, headers={"Authorization": f"Basic {KEY}"})
        response = conn.getresponse()
        body = response.read()
        assert response.version == 11 and response.getheader("Connection") != "close"
        assert json.loads(body)
    sock_before = conn.sock
    conn.request(
        "POST",
        "/segments/v1/exports",
        body=b'{"segmentId": "everyone"}',
        headers={"Authorization": f"Basic {KEY}", "Content-Type": "application/json"},
    )
    assert conn.getresponse().status == 400
    assert conn.sock is sock_before  # same socket: the body was consumed, the stream stayed in sync
    conn.close()


def test_concurrent_requests(sim: FullstorySimulator) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        client = Api(sim)
        try:
            for _ in range(10):
                assert client.get("/segments/v1", params={"limit": 3}).status_code == 200
        except BaseException as exc:
            errors.append(exc)
        finally:
            client.http.close()

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sim.requests.calls(r"^/segments/v1$") == 120


def test_slow_request_does_not_block_others(api: Api, sim: FullstorySimulator) -> None:
    sim.inject(r"^/segments/v1/everyone$", delay_s=1.5)
    slow = threading.Thread(target=lambda: Api(sim).get("/segments/v1/everyone"))
    slow.start()
    deadline = time.monotonic() + 5
    while sim.requests.calls(r"^/segments/v1/everyone$") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # wait until the slow request is being served
    started = time.monotonic()
    response = api.get("/segments/v1")
    assert response.status_code == 200 and time.monotonic() - started < 1.0
    assert slow.is_alive()
    slow.join()


def test_stop_closes_pooled_connections() -> None:
    sim = FullstorySimulator(api_key=KEY).start()
    api = Api(sim)
    assert api.get("/segments/v1").status_code == 200
    url = sim.base_url
    sim.stop()
    with pytest.raises(requests.ConnectionError):
        api.http.get(url + "/segments/v1", timeout=2)
    sim.stop()  # idempotent


def test_base_url_requires_start_and_context_manager_starts() -> None:
    sim = FullstorySimulator()
    with pytest.raises(RuntimeError):
        _ = sim.base_url
    with sim as running:
        assert running.base_url.startswith("http://127.0.0.1:") and running.port > 0
        assert requests.get(running.base_url + "/__sim/health", timeout=5).json() == {"ok": True}
    assert not sim.running


def test_quiet_by_default(sim: FullstorySimulator, capfd: pytest.CaptureFixture[str]) -> None:
    api = Api(sim)
    api.get("/segments/v1")
    api.get("/nope")
    sim.inject(r"^/segments/v1$", reset=True)
    with pytest.raises(requests.ConnectionError):
        api.get("/segments/v1")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_standalone_entry_point() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.fullstory_sim", "--port", "0", "--api-key", "cli-key"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        base_url = first.strip().rsplit(" ", 1)[-1]
        assert base_url.startswith("http://127.0.0.1:") and "cli-key" in second
        response = requests.get(base_url + "/segments/v1", headers={"Authorization": "Basic cli-key"}, timeout=5)
        assert response.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
