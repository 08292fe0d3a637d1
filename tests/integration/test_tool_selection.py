"""ENABLED_TOOLS: discovery and the tools' answers follow the selection; `make run` serves every tool."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer
from opal_tools.selection import parse_selection, unknown_tokens
from tests.conftest import call_tool, load_handler
from tools.registry import TOOLS

SELECTED = "segments,fullstory_list_sessions"
SELECTED_TOOLS = ["fullstory_list_segments", "fullstory_get_segment", "fullstory_list_sessions"]


def _discovery(path: str = "/discovery") -> dict[str, Any]:
    response = load_handler("discovery")({"rawPath": path}, None)
    assert response["statusCode"] == 200
    document: dict[str, Any] = json.loads(response["body"])
    return document


def _published(monkeypatch: pytest.MonkeyPatch, enabled: str | None, ai: str = "true") -> list[str]:
    if enabled is None:
        monkeypatch.delenv("ENABLED_TOOLS", raising=False)
    else:
        monkeypatch.setenv("ENABLED_TOOLS", enabled)
    monkeypatch.setenv("FULLSTORY_AI_ANALYSIS_ENABLED", ai)
    return [function["name"] for function in _discovery()["functions"]]


# ---------------------------------------------------------------------- parsing


def test_blank_or_unset_selects_everything() -> None:
    assert parse_selection(None) == parse_selection("") == parse_selection(" , ") == frozenset({"all"})
    assert parse_selection(" Segments , fullstory_list_sessions,") == frozenset({"segments", "fullstory_list_sessions"})
    assert unknown_tokens(parse_selection("segments,sesions,ai"), TOOLS) == ["sesions"]


# ---------------------------------------------------------------------- discovery


def test_discovery_lists_only_the_selected_groups_and_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _published(monkeypatch, SELECTED) == SELECTED_TOOLS  # registry order, not the list's
    assert _published(monkeypatch, None) == [t.name for t in TOOLS]
    assert _published(monkeypatch, "all") == [t.name for t in TOOLS]
    exports = [t.name for t in TOOLS if t.group == "exports"]
    assert _published(monkeypatch, "exports") == exports
    assert _published(monkeypatch, "fullstory_visit_profile") == ["fullstory_visit_profile"]


def test_ai_analysis_off_still_hides_selected_ai_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _published(monkeypatch, "ai,segments", ai="false") == ["fullstory_list_segments", "fullstory_get_segment"]
    assert _published(monkeypatch, "fullstory_get_session_quick_summary", ai="false") == []


def test_openapi_document_follows_the_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    _published(monkeypatch, SELECTED)
    tools = [path for path in _discovery("/openapi.json")["paths"] if path.startswith("/tools/")]
    assert sorted(tools) == sorted(f"/tools/{name}" for name in SELECTED_TOOLS)


# ---------------------------------------------------------------------- the tools' answers


@pytest.mark.usefixtures("aws")
def test_a_tool_not_enabled_answers_a_clear_404(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENABLED_TOOLS", SELECTED)
    status, body = call_tool("fullstory_get_session_quick_summary", {"sessionId": "1:2"})
    assert status == 404
    assert body["error_code"] == "TOOL_NOT_ENABLED"
    assert "not enabled in this installation" in body["detail"]
    status, body = call_tool("fullstory_list_segments", {"limit": 2})
    assert status == 200 and len(body["segments"]) == 2


@pytest.mark.usefixtures("aws")
def test_not_enabled_comes_before_ai_disabled_and_ai_disabled_still_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FULLSTORY_AI_ANALYSIS_ENABLED", "false")
    monkeypatch.setenv("ENABLED_TOOLS", "segments")
    assert call_tool("fullstory_get_session_quick_summary", {"sessionId": "1:2"})[0] == 404
    monkeypatch.setenv("ENABLED_TOOLS", "ai")
    status, body = call_tool("fullstory_get_session_quick_summary", {"sessionId": "1:2"})
    assert (status, body["error_code"]) == (403, "AI_ANALYSIS_DISABLED")


# ---------------------------------------------------------------------- make run


@pytest.fixture
def selected_server(simulator: FullstorySimulator) -> Iterator[LocalToolServer]:
    overrides = {"ENABLED_TOOLS": SELECTED}
    with LocalToolServer(simulator=simulator, bearer_token="local-token", env_overrides=overrides) as running:
        yield running


def test_local_server_serves_every_tool_and_publishes_only_the_selection(selected_server: LocalToolServer) -> None:
    base = selected_server.base_url
    # Every function is deployed (and served) whatever the selection, as in AWS.
    assert sorted(r.path for r in selected_server.routes) == sorted(
        ["/discovery", "/openapi.json", *["/mcp"] * 3, *(f"/tools/{tool.name}" for tool in TOOLS)]
    )
    names = [f["name"] for f in requests.get(base + "/discovery", timeout=5).json()["functions"]]
    assert names == SELECTED_TOOLS
    auth = {"Authorization": "Bearer local-token"}
    listed = requests.post(
        base + "/tools/fullstory_list_segments", json={"parameters": {"limit": 1}}, headers=auth, timeout=10
    )
    assert listed.status_code == 200
    # Deployed but not selected: the tool itself says so, to a caller with the token only.
    missing = requests.post(base + "/tools/fullstory_get_session_quick_summary", json={}, headers=auth, timeout=5)
    assert (missing.status_code, missing.json()["error_code"]) == (404, "TOOL_NOT_ENABLED")
    anonymous = requests.post(base + "/tools/fullstory_get_session_quick_summary", json={}, timeout=5)
    assert anonymous.status_code == 401
    # The export workflow is deployed whatever the selection, too.
    assert set(selected_server.deployed.state_machines) == {"ExportStateMachine"}
    assert set(selected_server.deployed.buckets) == {"ExportBucket"}


def test_local_server_refuses_an_unknown_name(simulator: FullstorySimulator) -> None:
    server = LocalToolServer(simulator=simulator, env_overrides={"ENABLED_TOOLS": "segments,sesions"})
    with pytest.raises(ValueError, match="unknown sesions"):
        server.start()
    server.stop()
