"""Hostile requests to every tool (issue 12.8, 12.13): each class that once answered 500, or that
a real client sends, is generated here; each must be a clear 400 naming what is wrong, or, for
``null``, the same answer as leaving the parameter out.

Classes: integer literals longer than Python converts, anywhere in the body; nesting deeper than
the adapter reads; timestamps at the edges of the datetime range; bodies that are not UTF-8;
bodies marked base64 that are not base64; ``null`` for any set of parameters, nested ones too.
Each class gets ``CLASS_CASES`` cases (FUZZ_TOTAL scales them, as in test_fuzz_tools).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opal_tools.adapter import MAX_INTEGER_DIGITS, MAX_NESTING, validate
from opal_tools.problems import Problem
from tests.conftest import tool_event
from tests.fuzz.test_fuzz_tools import DERANDOMIZE, FUZZ_TOTAL, _call, _check, _names, _sample
from tools.registry import TOOLS, TOOLS_BY_NAME

pytestmark = pytest.mark.usefixtures("aws")

CLASS_SHARE = 0.02  # of FUZZ_TOTAL, per class
CLASS_CASES = math.ceil(FUZZ_TOTAL * CLASS_SHARE)
TOOL_NAMES = [t.name for t in TOOLS]
SENTINEL = "__PLACE_HERE__"
FUZZ_SETTINGS = settings(
    max_examples=CLASS_CASES,
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.function_scoped_fixture,
    ],
)

# Where in a body a hostile value may sit: (sample parameters, a parameter name) -> a body.
Position = Callable[[dict[str, Any], str], Any]
POSITIONS: dict[str, Position] = {
    "parameter": lambda p, name: {"parameters": {**p, name: SENTINEL}},
    "in an array": lambda p, name: {"parameters": {**p, name: [1, "x", SENTINEL]}},
    "in an object": lambda p, name: {"parameters": {**p, name: {"k": {"k": SENTINEL}}}},
    "unknown parameter": lambda p, name: {"parameters": {**p, "extra": SENTINEL}},
    "parameters itself": lambda p, name: {"parameters": SENTINEL},
    "bare body": lambda p, name: {**p, name: SENTINEL},
    "auth": lambda p, name: {"parameters": p, "auth": {"provider": "OptiID", "credentials": {"expires_at": SENTINEL}}},
    "auth_credentials": lambda p, name: {"parameters": p, "auth_credentials": [{"status": "delivered", "x": SENTINEL}]},
    "async_callback": lambda p, name: {
        "parameters": p,
        "async_callback": {"url": "https://o.example/cb", "tool_call_id": SENTINEL},
    },
    "environment": lambda p, name: {"parameters": p, "environment": {"execution_mode": SENTINEL}},
    "whole body": lambda p, name: SENTINEL,
}


@st.composite
def placed(draw: st.DrawFn, literal: st.SearchStrategy[str]) -> tuple[str, str]:
    """A tool and a body text with ``literal`` (raw JSON text) at some position."""
    tool = draw(st.sampled_from(TOOL_NAMES))
    where = draw(st.sampled_from(sorted(POSITIONS)))
    body = POSITIONS[where](_sample(tool), draw(st.sampled_from(_names(tool))))
    return tool, json.dumps(body).replace(json.dumps(SENTINEL), draw(literal), 1)


def _body_error(response: dict[str, Any]) -> str:
    assert response["statusCode"] == 400, response["body"][:300]
    body = json.loads(response["body"])
    [error] = body["errors"]
    assert error["parameter"] == "body", error
    return str(error["problem"])


huge_integers = st.builds(
    lambda sign, digits: sign + digits,
    st.sampled_from(["", "-"]),
    st.integers(MAX_INTEGER_DIGITS + 1, 60_000).map(lambda n: "7" * n),
)


@FUZZ_SETTINGS
@given(case=placed(huge_integers))
def test_huge_integers_anywhere_are_400s_naming_the_body(case: tuple[str, str]) -> None:
    tool, body = case
    response = _call(tool, tool_event(tool, raw_body=body))
    _check(tool, response)
    assert "digits" in _body_error(response)


deep_values = st.builds(
    lambda openers, leaf: "".join(openers) + leaf + "".join("]" if o == "[" else "}" for o in reversed(openers)),
    st.lists(st.sampled_from(["[", '{"k":']), min_size=MAX_NESTING + 1, max_size=30_000),
    st.sampled_from(["1", "null", '"x"', "{}", "[]"]),
)


@FUZZ_SETTINGS
@given(case=placed(deep_values))
def test_deep_nesting_anywhere_is_a_400_naming_the_body(case: tuple[str, str]) -> None:
    tool, body = case
    response = _call(tool, tool_event(tool, raw_body=body))
    _check(tool, response)
    _body_error(response)


# Timestamps at the edges of what datetime holds, and past them (issue 12.8); the first ones leave
# datetime's range only once converted to UTC.
OUT_OF_RANGE_IN_UTC = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:59:59.999+01:00",
    "0001-01-01T13:00:00+14:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T00:01:00-23:59",
]
EDGE_DATES = ["0001-01-01T", "0000-01-01T", "9999-12-31T", "10000-01-01T", "2024-02-29T", "2023-02-29T"]
EDGE_DATES += ["1970-01-01T", "0001-01-01 ", "9999-12-31t"]
built_timestamps = st.builds(
    lambda date, time_, fraction, zone: f"{date}{time_}{fraction}{zone}",
    st.sampled_from(EDGE_DATES),
    st.sampled_from(["00:00:00", "23:59:59", "23:59:60", "24:00:00", "00:00:61"]),
    st.sampled_from(["", ".5", ".999999", ".123456789", ".0000000001"]),
    st.sampled_from(["Z", "z", "+00:00", "+01:00", "-01:00", "+23:59", "-23:59", "+24:00", "+14:00", "-00:00", ""]),
)
edge_timestamps = st.sampled_from(OUT_OF_RANGE_IN_UTC) | built_timestamps
TIME_RANGE_TOOLS = [t.name for t in TOOLS if "timeRange" in _names(t.name)]


@st.composite
def timestamp_cases(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    tool = draw(st.sampled_from(TIME_RANGE_TOOLS) | st.sampled_from(TOOL_NAMES))
    parameters = copy.deepcopy(_sample(tool))
    stamp = draw(edge_timestamps)
    if tool in TIME_RANGE_TOOLS and draw(st.booleans()):
        which = draw(st.sampled_from(["timeRange", "segmentTimeRange"]))
        parameters[which] = {**parameters.get(which, {}), draw(st.sampled_from(["start", "end"])): stamp}
    else:  # any parameter, as a model might put a date anywhere
        parameters[draw(st.sampled_from(_names(tool)))] = stamp
    return tool, parameters


@FUZZ_SETTINGS
@given(case=timestamp_cases())
def test_timestamps_at_the_datetime_edges_never_break_a_tool(case: tuple[str, dict[str, Any]]) -> None:
    tool, parameters = case
    _check(tool, _call(tool, tool_event(tool, parameters)))


@pytest.mark.parametrize(
    "stamp",
    [
        # Converting these to UTC leaves datetime's range (once an OverflowError and a 500).
        *OUT_OF_RANGE_IN_UTC,
        "0000-01-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T00:00:00+24:00",
    ],
)
@pytest.mark.parametrize("field", ["start", "end"])
def test_an_impossible_timestamp_is_a_400_naming_it(stamp: str, field: str) -> None:
    tool = "fullstory_create_segment_export"
    parameters = {**_sample(tool), "timeRange": {field: stamp}}
    response = _call(tool, tool_event(tool, parameters))
    _check(tool, response)
    assert response["statusCode"] == 400
    assert [e["parameter"] for e in json.loads(response["body"])["errors"]] == [f"timeRange.{field}"]


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


non_utf8_bodies = st.one_of(
    st.binary(min_size=1, max_size=400).filter(_not_utf8),
    st.builds(
        lambda text, bad: text.encode() + bad,
        st.text(max_size=80),
        st.sampled_from([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe9"]),
    ),
    st.just('{"parameters": {"limit": 5, "id": "caf\xe9"}}'.encode("latin-1")),
)


@FUZZ_SETTINGS
@given(tool=st.sampled_from(TOOL_NAMES), data=non_utf8_bodies)
def test_bodies_that_are_not_utf8_are_400s_naming_the_body(tool: str, data: bytes) -> None:
    event = tool_event(tool, raw_body="")
    event["body"], event["isBase64Encoded"] = base64.b64encode(data).decode(), True  # as API Gateway passes them
    response = _call(tool, event)
    _check(tool, response)
    assert "UTF-8" in _body_error(response)


def _not_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return True
    return False


not_base64 = st.one_of(
    st.text(min_size=1, max_size=300).filter(_not_base64),
    st.builds(lambda v: json.dumps({"parameters": v}), st.dictionaries(st.text(max_size=8), st.integers(), max_size=3)),
    st.sampled_from(["é", "====", "a", "ab=c", "YWJj\x00", "YWJj ZGVm", "\u202e\u202e\u202e\u202e"]),
).filter(_not_base64)


@FUZZ_SETTINGS
@given(tool=st.sampled_from(TOOL_NAMES), body=not_base64)
def test_bodies_marked_base64_that_are_not_are_400s_naming_the_body(tool: str, body: str) -> None:
    event = tool_event(tool, raw_body="")
    event["body"], event["isBase64Encoded"] = body, True
    response = _call(tool, event)
    _check(tool, response)
    assert "base64" in _body_error(response)


@st.composite
def nulled(draw: st.DrawFn) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A tool's sample (with its nested objects filled in) with some keys set to null, and the same
    with those keys left out."""
    tool = draw(st.sampled_from(TOOL_NAMES))
    sample = copy.deepcopy(_sample(tool))
    for name in _names(tool):  # every parameter present, so that any may be nulled
        sample.setdefault(name, draw(st.sampled_from(["x", 5, 0.5, True, {"pre_prompt": "p", "temperature": 0.3},
                                                      {"start": "2024-05-01T00:00:00Z"}])))  # fmt: skip
    with_null, without = copy.deepcopy(sample), copy.deepcopy(sample)
    for name in draw(st.lists(st.sampled_from(sorted(sample)), min_size=1, unique=True)):
        value = sample[name]
        if isinstance(value, dict) and value and draw(st.booleans()):
            inner = draw(st.sampled_from(sorted(value)))
            with_null[name][inner] = None
            del without[name][inner]
        else:
            with_null[name] = None
            del without[name]
    return tool, with_null, without


def _outcome(tool: str, parameters: dict[str, Any]) -> Any:
    try:
        return ("ok", validate(TOOLS_BY_NAME[tool], parameters).model_dump())
    except Problem as problem:
        return ("400", problem.errors)


@settings(max_examples=CLASS_CASES * 5, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(case=nulled())
def test_null_is_the_same_as_leaving_the_parameter_out(case: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    tool, with_null, without = case
    assert _outcome(tool, with_null) == _outcome(tool, without)
