"""Every summary configuration in code has the shape of the official SDK's request, and its response
schema speaks Fullstory's dialect (fixture: tests/fixtures/summaries/sdk_summary_request.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fullstory_client.summary_config import SummaryConfiguration
from tools.summary_profiles import CONFIGURATIONS, custom_configuration, visit_configuration

SDK = json.loads((Path(__file__).parents[1] / "fixtures" / "summaries" / "sdk_summary_request.json").read_text())
NODE = SDK["response_schema_node"]
JSON_TYPES = {"string": str, "number": (int, float), "boolean": bool, "object": dict, "array": list}

ALL: dict[str, SummaryConfiguration] = {
    **CONFIGURATIONS,
    "custom": custom_configuration("Act as a PM.", "List the features used.", 0.4),
    "visit-profile": visit_configuration(None, None, 0.2),
}


def sdk_shape_problems(body: dict[str, Any], shape: dict[str, Any] = SDK["body"], path: str = "") -> list[str]:
    """Where ``body`` leaves the SDK's request shape: unknown keys, wrong JSON types, values off a list."""
    problems = []
    for key, value in body.items():
        where = f"{path}{key}"
        if key not in shape:
            problems.append(f"{where}: not a field of the SDK's request")
        elif isinstance(shape[key], dict):
            problems += sdk_shape_problems(value, shape[key], f"{where}.") if isinstance(value, dict) else [where]
        elif isinstance(shape[key], list):  # an enumeration, or an array of such values
            values = value if isinstance(value, list) else [value]
            problems += [f"{where}: {v!r}" for v in values if v not in shape[key]]
        elif not isinstance(value, JSON_TYPES[shape[key]]) or (shape[key] == "number" and isinstance(value, bool)):
            problems.append(f"{where}: {type(value).__name__}, expected {shape[key]}")
    return problems


def dialect_problems(node: Any, path: str = "response_schema") -> list[str]:
    if not isinstance(node, dict):
        return [f"{path}: not an object"]
    problems = [f"{path}.{key}: not a schema field" for key in node if key not in NODE["keys"]]
    kind = node.get("type")
    if kind not in NODE["types"]:
        problems.append(f"{path}.type {kind!r} is not one of {NODE['types']}")
    if not node.get("description") and path != "response_schema":
        problems.append(f"{path}: no description to guide the model")
    if "enum" in node and (kind != "STRING" or node.get("format") != "enum"):
        problems.append(f'{path}: enum belongs on a STRING with "format": "enum"')
    if kind == "ARRAY":
        problems += dialect_problems(node.get("items"), f"{path}.items")
    if kind == "OBJECT":
        properties = node.get("properties") or {}
        if not properties:
            problems.append(f"{path}: an OBJECT needs properties")
        problems += [f"{path}.required: {name}" for name in node.get("required", []) if name not in properties]
        for name, sub in properties.items():
            problems += dialect_problems(sub, f"{path}.properties.{name}")
    return problems


@pytest.mark.parametrize("summary_type", list(ALL))
def test_configuration_has_the_sdks_request_shape(summary_type: str) -> None:
    body = ALL[summary_type].body()
    assert sdk_shape_problems(body) == []
    assert set(body["llm"]) >= {"pre_prompt", "post_prompt", "temperature"} and "config_profile" not in body
    assert 0.0 < body["llm"]["temperature"] <= 1.0  # a zero could read as "not given"


@pytest.mark.parametrize("summary_type", [t for t, c in ALL.items() if c.response_schema is not None])
def test_response_schema_speaks_fullstorys_dialect(summary_type: str) -> None:
    assert dialect_problems(ALL[summary_type].response_schema) == []


def test_the_checks_catch_what_they_should() -> None:
    assert dialect_problems({"type": "object"}) and dialect_problems(
        {"type": "OBJECT", "properties": {"k": {"type": "STRING", "description": "d", "enum": ["a"]}}}
    )
    assert dialect_problems({"type": "OBJECT", "$schema": "x", "properties": {"k": {"type": "STRING"}}})
    assert sdk_shape_problems({"llm": {"prompt": "x"}}) and sdk_shape_problems({"slice": {"mode": "MIDDLE"}})
    assert sdk_shape_problems({"llm": {"temperature": "0.2"}}) and sdk_shape_problems({"name": "a profile"})


def test_a_body_is_a_copy() -> None:
    body = CONFIGURATIONS["cmp-error-detection"].body()
    body["llm"]["response_schema"]["properties"].clear()
    assert CONFIGURATIONS["cmp-error-detection"].body()["llm"]["response_schema"]["properties"]
