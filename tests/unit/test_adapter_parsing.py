from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from opal_tools.adapter import MAX_BODY_BYTES, parse_body, validate
from opal_tools.problems import Problem
from tools.segments import LIST_SEGMENTS
from tools.sessions import LIST_SESSIONS


def _event(body: str | None, *, b64: bool = False) -> dict[str, Any]:
    if body is not None and b64:
        body = base64.b64encode(body.encode()).decode()
    return {"body": body, "isBase64Encoded": b64}


def test_opal_envelope_extra_keys_are_ignored() -> None:
    body = {
        "parameters": {"limit": 5},
        "auth": {"provider": "OptiID", "credentials": {"access_token": "x"}},
        "environment": {"execution_mode": "interactive"},
        "chat_metadata": {"thread_id": "t"},
        "async_callback": {"url": "http://127.0.0.1:1/cb", "callback_token": "c"},
    }
    assert parse_body(_event(json.dumps(body))) == {"limit": 5}


def test_bare_parameter_object_is_tolerated() -> None:
    assert parse_body(_event('{"limit": 5, "environment": {}}')) == {"limit": 5}


def test_base64_body_and_empty_body() -> None:
    assert parse_body(_event('{"parameters": {"limit": 3}}', b64=True)) == {"limit": 3}
    assert parse_body(_event(None)) == {}
    assert parse_body(_event('{"parameters": null}')) == {}


@pytest.mark.parametrize("body", ["not json", "[1,2]", '"text"', "{", '{"parameters": [1]}', '{"parameters": "x"}'])
def test_unreadable_bodies_are_400_naming_the_body(body: str) -> None:
    with pytest.raises(Problem) as raised:
        parse_body(_event(body))
    assert raised.value.status == 400
    assert raised.value.errors[0]["parameter"] in ("body", "parameters")


def test_oversized_body_is_413() -> None:
    with pytest.raises(Problem) as raised:
        parse_body(_event('{"parameters": {"x": "' + "a" * MAX_BODY_BYTES + '"}}'))
    assert raised.value.status == 413


def _problem(spec: Any, raw: dict[str, Any]) -> Problem:
    with pytest.raises(Problem) as raised:
        validate(spec, raw)
    assert raised.value.status == 400
    return raised.value


def test_every_bad_parameter_is_named_with_what_is_allowed() -> None:
    problem = _problem(LIST_SEGMENTS, {"limit": 500, "creator": "not-an-email", "colour": "red"})
    named = {e["parameter"]: e["problem"] for e in problem.errors}
    assert set(named) == {"limit", "creator", "colour"}
    assert "100" in named["limit"]
    assert "limit" in named["colour"] and "paginationToken" in named["colour"]  # lists the real parameters
    for name in ("limit", "creator", "colour"):
        assert name in problem.detail


def test_wrong_types_are_named() -> None:
    problem = _problem(LIST_SEGMENTS, {"limit": "lots"})
    assert problem.errors == [{"parameter": "limit", "problem": problem.errors[0]["problem"]}]
    assert "integer" in problem.errors[0]["problem"]


def test_rule_across_parameters_names_one_of_them() -> None:
    problem = _problem(LIST_SESSIONS, {"limit": 5})
    assert problem.errors[0]["parameter"] == "uid"
    assert "email" in problem.errors[0]["problem"]


def test_lenient_values() -> None:
    params = validate(LIST_SESSIONS, {"email": "  john.doe@example.com ", "uid": "", "limit": "7"})
    assert params.model_dump() == {"uid": None, "email": "john.doe@example.com", "limit": 7}
