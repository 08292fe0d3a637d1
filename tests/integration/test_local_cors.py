"""The local server's CORS settings (CORS_ALLOWED_ORIGINS): any origin by default, a list, or none."""

from __future__ import annotations

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer

ORIGIN = "https://opal-tools-debugger.example"


def test_any_origin_unless_configured(simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS", raising=False)
    with LocalToolServer(simulator=simulator) as local:
        response = requests.get(local.base_url + "/discovery", headers={"Origin": ORIGIN}, timeout=5)
        assert response.headers["access-control-allow-origin"] == "*"


def test_listed_origins_only(simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "http://localhost:5173, https://a.example")
    with LocalToolServer(simulator=simulator) as local:
        allowed = requests.get(local.base_url + "/discovery", headers={"Origin": "http://localhost:5173"}, timeout=5)
        assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
        assert "Origin" in allowed.headers["vary"]
        preflight = requests.options(
            local.base_url + "/tools/fullstory_list_segments",
            headers={"Origin": "https://a.example", "Access-Control-Request-Method": "POST"},
            timeout=5,
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://a.example"
        other = requests.options(local.base_url + "/discovery", headers={"Origin": "https://evil.example"}, timeout=5)
        assert "access-control-allow-origin" not in other.headers
        assert "access-control-allow-methods" not in other.headers


def test_cors_can_be_turned_off(simulator: FullstorySimulator) -> None:
    with LocalToolServer(simulator=simulator, cors_allowed_origins="none") as local:
        response = requests.get(local.base_url + "/discovery", headers={"Origin": ORIGIN}, timeout=5)
        assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
        assert requests.options(local.base_url + "/discovery", headers={"Origin": ORIGIN}, timeout=5).status_code == 404


@pytest.mark.parametrize("setting", ["javascript:alert(1)", "https://a.example/path", "https://a.example;x"])
def test_a_bad_setting_is_refused_at_start(simulator: FullstorySimulator, setting: str) -> None:
    server = LocalToolServer(simulator=simulator, cors_allowed_origins=setting)
    try:
        with pytest.raises(ValueError, match="CORS_ALLOWED_ORIGINS"):
            server.start()
    finally:
        server.stop()
