from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import load_handler
from tools.registry import TOOLS

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


# ------------------------------------------------------------------ media type and the SDK's shape (issue 12.14)
# The official Python SDK (optimizely-opal.opal-tools-sdk 0.2.3.dev0) serves discovery as
# DISCOVERY_V2 once any tool is async (service.py), else as application/json. Its discovery entries
# are dataclasses (models.py: Function, Parameter, AuthRequirement, each with to_dict); this schema
# is transcribed from those to_dict methods and the discovery route. Not installed here: the test
# below that uses the SDK's own classes runs only where the SDK can be imported.
DISCOVERY_V2 = "application/vnd.optimizely.opal.tools.discovery+json"
_AUTH = {
    "type": "object",
    "required": ["provider", "scope_bundle", "required"],
    "properties": {"provider": {"type": "string"}, "scope_bundle": {"type": "string"}, "required": {"type": "boolean"}},
    "additionalProperties": False,
}
SDK_DISCOVERY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["functions"],
    "additionalProperties": False,
    "properties": {
        "instructions": {"type": "string"},
        "rollbacks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "endpoint"],
                "properties": {
                    "name": {"type": "string"},
                    "endpoint": {"type": "string"},
                    "auth_requirements": {"type": "array", "items": _AUTH},
                },
                "additionalProperties": False,
            },
        },
        "functions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "description", "parameters", "endpoint", "http_method"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "description": {"type": "string", "minLength": 1},
                    "endpoint": {"type": "string"},
                    "http_method": {"type": "string"},
                    "auth_requirements": {"type": "array", "items": _AUTH},
                    "ui_resource": {"type": "string"},
                    "mode": {"enum": ["async"]},  # "sync" is the default and never emitted
                    "timeout": {"type": "integer", "minimum": 1},
                    "sensitive": {"type": "string"},
                    "wait": {"const": True},
                    "skippable_interaction": {"const": True},
                    "hints": {"type": "array", "items": {"enum": ["idempotent", "open_world", "write"]}},
                    "parameters": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "type", "description", "required"],
                            "additionalProperties": False,
                            "properties": {
                                "name": {"type": "string"},
                                "type": {"enum": sorted(OPAL_TYPES)},
                                # The SDK may emit null here; TMS then fails the whole sync: never null.
                                "description": {"type": "string", "minLength": 1},
                                "required": {"type": "boolean"},
                                "in_context": {"type": "boolean"},
                                "schema": {"type": "object"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def _served(monkeypatch: pytest.MonkeyPatch, enabled: str = "all") -> tuple[str, dict[str, Any]]:
    monkeypatch.setenv("ENABLED_TOOLS", enabled)
    response = load_handler("discovery")({"rawPath": "/discovery"}, None)
    assert response["statusCode"] == 200
    return response["headers"]["content-type"], json.loads(response["body"])  # plain JSON, whatever the type


def test_with_an_async_tool_discovery_is_served_as_the_sdk_serves_it(monkeypatch: pytest.MonkeyPatch) -> None:
    media_type, manifest = _served(monkeypatch)
    assert any(f.get("mode") == "async" for f in manifest["functions"])
    assert media_type == DISCOVERY_V2


def test_without_an_async_tool_discovery_is_plain_json(monkeypatch: pytest.MonkeyPatch) -> None:
    media_type, manifest = _served(monkeypatch, "segments,sessions")
    assert manifest["functions"] and not any(f.get("mode") == "async" for f in manifest["functions"])
    assert media_type == "application/json"


def test_openapi_stays_application_json(monkeypatch: pytest.MonkeyPatch) -> None:
    response = load_handler("discovery")({"rawPath": "/openapi.json"}, None)
    assert response["headers"]["content-type"] == "application/json"


@pytest.mark.parametrize("enabled", ["all", "segments,sessions", "exports"])
def test_discovery_has_the_sdks_shape(monkeypatch: pytest.MonkeyPatch, enabled: str) -> None:
    import jsonschema

    _, manifest = _served(monkeypatch, enabled)
    jsonschema.Draft202012Validator.check_schema(SDK_DISCOVERY_SCHEMA)
    jsonschema.validate(manifest, SDK_DISCOVERY_SCHEMA, cls=jsonschema.Draft202012Validator)


def test_the_schema_would_catch_a_wrong_shape() -> None:
    import jsonschema

    bad = {"functions": [{"name": "x", "description": "d", "parameters": [{"name": "p", "type": "list",
            "description": "d", "required": True}], "endpoint": "/tools/x", "http_method": "POST"}]}  # fmt: skip
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SDK_DISCOVERY_SCHEMA)


def test_every_entry_is_what_the_sdks_own_classes_emit(monkeypatch: pytest.MonkeyPatch) -> None:
    models = pytest.importorskip("opal_tools_sdk.models", reason="the official Opal tools SDK is not installed")
    _, manifest = _served(monkeypatch)
    for entry in manifest["functions"]:
        function = models.Function(
            name=entry["name"],
            description=entry["description"],
            parameters=[
                models.Parameter(
                    name=p["name"],
                    param_type=models.ParameterType(p["type"]),
                    description=p["description"],
                    required=p["required"],
                    in_context=p.get("in_context", False),
                    schema=p.get("schema"),
                )
                for p in entry["parameters"]
            ],
            endpoint=entry["endpoint"],
            auth_requirements=[models.AuthRequirement(**a) for a in entry["auth_requirements"]] or None,
            http_method=entry["http_method"],
            mode=entry.get("mode", "sync"),
            timeout=entry.get("timeout"),
        )
        # The SDK always writes in_context and leaves out an empty auth_requirements; otherwise equal.
        ours = {k: v for k, v in entry.items() if not (k == "auth_requirements" and not v)}
        ours["parameters"] = [{"in_context": False, **p} for p in entry["parameters"]]
        assert function.to_dict() == ours
