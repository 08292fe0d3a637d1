"""Reading and validating a request never fails with a 500: each unreadable request is a 400 naming
what is wrong (issue 12.8), and ``null`` means "not given" for every parameter (issue 12.13)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pydantic import Field, field_validator

from opal_tools import adapter
from opal_tools.adapter import MAX_INTEGER_DIGITS, MAX_NESTING, parse_request, tool_handler, validate
from opal_tools.problems import Problem
from opal_tools.spec import ToolSpec
from opal_tools.tool_call import parse_async_callback
from tests.conftest import BEARER, ROOT, context, tool_event
from tools.params import ToolParameters
from tools.registry import TOOLS, TOOLS_BY_NAME


def _event(body: str, *, b64: bool = False) -> dict[str, Any]:
    return {"body": body, "isBase64Encoded": b64}


def _body_problem(event: dict[str, Any]) -> str:
    with pytest.raises(Problem) as raised:
        parse_request(event)
    assert raised.value.status == 400
    [error] = raised.value.errors
    assert error["parameter"] == "body"
    assert "body" in raised.value.detail
    return error["problem"]


HUGE = "9" * 5000  # over Python's 4300-digit int() limit: json.loads itself raised ValueError


@pytest.mark.parametrize(
    "body",
    [
        '{"parameters": {"limit": ' + HUGE + "}}",
        '{"parameters": {"limit": -' + HUGE + "}}",
        '{"parameters": {"limit": 5}, "auth": {"credentials": {"expires_at": ' + HUGE + "}}}",
        '{"parameters": {"limit": 5, "x": [1, [2, {"y": ' + HUGE + "}]]}}",
        '{"limit": ' + HUGE + "}",
        HUGE,
    ],
    ids=["parameter", "negative", "envelope", "nested", "bare", "whole body"],
)
def test_a_huge_integer_anywhere_is_a_400_naming_the_body(body: str) -> None:
    assert f"more than {MAX_INTEGER_DIGITS} digits" in _body_problem(_event(body))


def test_long_but_ordinary_integers_still_read() -> None:
    digits = "1" + "0" * (MAX_INTEGER_DIGITS - 1)
    assert parse_request(_event('{"parameters": {"limit": ' + digits + "}}"))[0] == {"limit": int(digits)}


@pytest.mark.parametrize("opener", ["[", '{"a": '])
def test_deep_nesting_is_a_400_naming_the_body(opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    for depth in (MAX_NESTING + 1, 900, 20_000):  # the last one past json's own recursion limit
        nested = opener * depth + "1" + closer * depth
        assert _body_problem(_event('{"parameters": {"limit": 5, "x": ' + nested + "}}"))
    ok = opener * (MAX_NESTING - 3) + "1" + closer * (MAX_NESTING - 3)
    assert parse_request(_event('{"parameters": {"x": ' + ok + "}}"))[0]["x"]


@pytest.mark.parametrize("body", ["é{}", "!!!", "eyJ", '{"parameters": {}}', "\u202e" * 8])
def test_a_base64_body_that_is_not_base64_is_a_400(body: str) -> None:
    assert "base64" in _body_problem(_event(body, b64=True))


def test_a_base64_body_that_is_not_utf8_is_a_400() -> None:
    for raw in (b"\xff\xfe{}", b'{"parameters": {"id": "\xe9"}}', bytes(range(256))):
        assert "UTF-8" in _body_problem(_event(base64.b64encode(raw).decode(), b64=True))


def test_a_validator_crash_is_a_400_not_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    class Crashing(ToolParameters):
        when: str = Field(description="a value whose check overflows")

        @field_validator("when")
        @classmethod
        def _overflow(cls, value: str) -> str:
            raise OverflowError("date value out of range")

    spec = ToolSpec(
        name="demo_crash", description="d" * 90, parameters=Crashing, group="exports", run=lambda params: {"ok": True}
    )
    monkeypatch.setattr(adapter.bearer_auth, "is_authorized", lambda header: header == f"Bearer {BEARER}")
    handler = tool_handler(spec)
    response = handler(tool_event(spec.name, {"when": "0001-01-01T00:00:00+01:00"}), context())
    assert response["statusCode"] == 400
    body = json.loads(response["body"])
    assert body["errors"][0]["parameter"] == "parameters"
    assert "OverflowError" not in response["body"] and "Traceback" not in response["body"]


# ------------------------------------------------------------------ null means "not given"


def _sample(tool: str) -> dict[str, Any]:
    event = json.loads((ROOT / "events" / f"{tool}.json").read_text())
    parameters: dict[str, Any] = json.loads(event["body"])["parameters"]
    return parameters


def _fields(tool: str) -> list[tuple[str, bool]]:
    model = TOOLS_BY_NAME[tool].parameters
    return [(field.alias or name, field.is_required()) for name, field in model.model_fields.items()]


def _outcome(tool: str, parameters: dict[str, Any]) -> Any:
    try:
        return validate(TOOLS_BY_NAME[tool], parameters).model_dump()
    except Problem as problem:
        return problem.errors


@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_null_for_an_optional_parameter_is_the_same_as_leaving_it_out(tool: str) -> None:
    sample = _sample(tool)
    for name, required in _fields(tool):
        if required:
            continue
        absent = {k: v for k, v in sample.items() if k != name}
        assert _outcome(tool, {**absent, name: None}) == _outcome(tool, absent), name


@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_null_for_a_required_parameter_is_a_400_naming_it(tool: str) -> None:
    sample = _sample(tool)
    for name, required in _fields(tool):
        if not required:
            continue
        with pytest.raises(Problem) as raised:
            validate(TOOLS_BY_NAME[tool], {**sample, name: None})
        assert raised.value.status == 400
        assert [e["parameter"] for e in raised.value.errors] == [name]
        assert raised.value.errors[0]["problem"] == "is required"


def test_what_language_models_send_for_limit_and_temperature() -> None:
    assert validate(TOOLS_BY_NAME["fullstory_list_segments"], {"limit": None}).model_dump()["limit"] == 20
    custom = {"sessionId": "1:2", "pre_prompt": "a", "post_prompt": "b", "temperature": None}
    assert validate(TOOLS_BY_NAME["fullstory_get_custom_session_summary"], custom).model_dump()["temperature"] == 0.4


def test_null_inside_nested_objects_is_not_given_either() -> None:
    visit = validate(
        TOOLS_BY_NAME["fullstory_visit_profile"],
        {"email": "a@b.co", "uid": None, "limit": None, "llm": {"pre_prompt": None, "temperature": None}},
    ).model_dump()
    assert visit["limit"] == 5 and visit["llm"]["temperature"] == 0.2 and visit["llm"]["pre_prompt"] is None
    export = _sample("fullstory_create_segment_export")
    parsed = validate(
        TOOLS_BY_NAME["fullstory_create_segment_export"],
        {**export, "timeRange": {"start": None, "end": "2024-05-08T00:00:00Z"}, "segmentTimeRange": None},
    ).model_dump()
    assert parsed["timeRange"] == {"start": "", "end": "2024-05-08T00:00:00Z"} and parsed["segmentTimeRange"] is None


def test_null_items_of_an_array_stay_values() -> None:
    from tools.params import without_nulls

    assert without_nulls({"a": [None, {"b": None, "c": 1}], "d": None}) == {"a": [None, {"c": 1}]}


# ------------------------------------------------------------------ async_callback without a token


def test_an_async_callback_without_callback_token_is_accepted() -> None:
    for block in (
        {"url": "https://opal.example/cb", "tool_call_id": "tc-1"},
        {"url": "https://opal.example/cb", "tool_call_id": "tc-1", "callback_token": None},
        {"url": "https://opal.example/cb", "tool_call_id": "tc-1", "callback_token": ""},
    ):
        callback = parse_async_callback(block)
        assert callback is not None and callback.callback_token is None
        assert callback.as_dict() == {"url": "https://opal.example/cb", "tool_call_id": "tc-1"}


def test_a_callback_token_that_is_not_a_string_is_still_a_400() -> None:
    with pytest.raises(Problem) as raised:
        parse_async_callback({"url": "https://opal.example/cb", "tool_call_id": "tc-1", "callback_token": 7})
    [error] = raised.value.errors
    assert error == {"parameter": "async_callback.callback_token", "problem": "must be a string when given"}
