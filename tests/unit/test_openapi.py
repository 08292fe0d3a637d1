from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.conftest import load_handler
from tools.registry import TOOLS


def _document(monkeypatch: pytest.MonkeyPatch, ai: str = "true") -> dict[str, Any]:
    monkeypatch.setenv("FULLSTORY_AI_ANALYSIS_ENABLED", ai)
    response = load_handler("discovery")({"rawPath": "/openapi.json"}, None)
    assert response["statusCode"] == 200
    document: dict[str, Any] = json.loads(response["body"])
    return document


def test_document_is_valid_openapi_with_every_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    document = _document(monkeypatch)
    validate(document)
    assert {f"/tools/{t.name}" for t in TOOLS} | {"/discovery"} == set(document["paths"])


def test_request_schemas_carry_the_parameter_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    document = _document(monkeypatch)
    operation = document["paths"]["/tools/fullstory_list_segments"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["parameters"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert schema["properties"]["limit"]["maximum"] == 100
    assert operation["security"] == [{"opalBearer": []}]
    assert "400" in operation["responses"] and "429" in operation["responses"]


def test_async_tool_answers_202(monkeypatch: pytest.MonkeyPatch) -> None:
    for tool in TOOLS:
        responses = _document(monkeypatch)["paths"][tool.endpoint]["post"]["responses"]
        assert ("202" in responses) == (tool.mode == "async")


def test_ai_tools_leave_the_document_when_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = set(_document(monkeypatch, ai="false")["paths"])
    assert all((t.endpoint in paths) != t.ai for t in TOOLS)
