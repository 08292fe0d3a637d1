from __future__ import annotations

import json
from typing import Any

import pytest

from catalog import TOOLS
from tests.conftest import load_handler

OPAL_TYPES = {"string", "integer", "number", "boolean", "array", "object"}


def _manifest(monkeypatch: pytest.MonkeyPatch, ai: str = "true") -> dict[str, Any]:
    monkeypatch.setenv("FULLSTORY_AI_ANALYSIS_ENABLED", ai)
    response = load_handler("discovery")({"rawPath": "/discovery"}, None)
    assert response["statusCode"] == 200
    manifest: dict[str, Any] = json.loads(response["body"])
    return manifest


def test_every_tool_is_published_with_opal_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = _manifest(monkeypatch)
    names = [f["name"] for f in manifest["functions"]]
    assert names == [t.name for t in TOOLS]
    for function in manifest["functions"]:
        assert set(function) >= {"name", "description", "parameters", "endpoint", "http_method"}
        assert function["endpoint"] == f"/tools/{function['name']}"
        assert function["http_method"] == "POST"
        assert isinstance(function["description"], str) and len(function["description"]) > 80
        assert isinstance(function["parameters"], list)
        for parameter in function["parameters"]:
            assert parameter["type"] in OPAL_TYPES
            assert isinstance(parameter["description"], str) and parameter["description"]
            assert isinstance(parameter["required"], bool)


def test_no_null_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    # A null description makes Opal's whole registry sync fail.
    def walk(value: Any, path: str) -> None:
        assert value is not None, path
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")

    walk(_manifest(monkeypatch), "$")


def test_bounds_and_requirements_are_published(monkeypatch: pytest.MonkeyPatch) -> None:
    functions = {f["name"]: f for f in _manifest(monkeypatch)["functions"]}
    limit = next(p for p in functions["fullstory_list_segments"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    assert "From 1 to 100" in limit["description"] and "Default 20" in limit["description"]
    segment_id = next(p for p in functions["fullstory_get_segment"]["parameters"] if p["name"] == "id")
    assert segment_id["required"] is True
    sessions = {p["name"]: p for p in functions["fullstory_list_sessions"]["parameters"]}
    assert not sessions["uid"]["required"] and not sessions["email"]["required"]


def test_ai_tools_vanish_when_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    enabled = {f["name"] for f in _manifest(monkeypatch, "true")["functions"]}
    disabled = {f["name"] for f in _manifest(monkeypatch, "false")["functions"]}
    ai_tools = {t.name for t in TOOLS if t.ai}
    assert disabled == enabled - ai_tools
    assert not (disabled & ai_tools)
