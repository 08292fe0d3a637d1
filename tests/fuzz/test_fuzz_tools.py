"""Property-based abuse of every tool in the registry: nothing breaks, every 400 names its parameter.

Cases are derived from the tool registry and each tool's sample event, so a new tool is covered
without touching this file. FUZZ_TOTAL sets the number of cases per run across all tools
(`make test` uses the CI size below; `make fuzz` a larger one).
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import assert_no_secret, context, load_handler, tool_event
from tools.registry import TOOLS, TOOLS_BY_NAME

pytestmark = pytest.mark.usefixtures("aws")

ROOT = Path(__file__).resolve().parents[2]
FUZZ_TOTAL = int(os.environ.get("FUZZ_TOTAL", "10000"))
RAW_SHARE = 0.1  # a tenth of the cases are unreadable bodies, the rest parameter objects
# CI runs the same cases every time; `make fuzz` explores new ones on each run.
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") != "1"
PER_TOOL = math.ceil(FUZZ_TOTAL * (1 - RAW_SHARE) / len(TOOLS))
RAW_CASES = math.ceil(FUZZ_TOTAL * RAW_SHARE)
EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]+(?:Error|Exception)\b|Traceback|File \"/")

TRICKY_STRINGS = [
    "../../segments/v1",
    "everyone/../../v2/visit_profile",
    "%2e%2e%2f%2e%2e%2f",
    "a?b=c#d",
    "x\r\nHost: evil",
    "\x00",
    "null",
    "None",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "' OR 1=1 --",
    "🙂" * 50,
    "ｅｖｅｒｙｏｎｅ",
    "\u202e",
    "1:2:3",
    "!",
    ":",
    "https://app.fullstory.com/ui/o/session/../../x",
    " ",
    "",
]
json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(TRICKY_STRINGS)
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
wild_string = st.one_of(
    st.sampled_from(TRICKY_STRINGS),
    st.text(min_size=1000, max_size=5000),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "é", "😀", "%3A"]), st.integers(2000, 40000)),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
)
wild_number = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 101, 10**9, 0.5, 1e308, "5", "five", True]),
)


def _sample(tool: str) -> dict[str, Any]:
    event = json.loads((ROOT / "events" / f"{tool}.json").read_text())
    parameters: dict[str, Any] = json.loads(event["body"])["parameters"]
    return parameters


def _names(tool: str) -> list[str]:
    model = TOOLS_BY_NAME[tool].parameters
    return [field.alias or name for name, field in model.model_fields.items()]


@st.composite
def mutated_parameters(draw: st.DrawFn, tool: str) -> Any:
    names = _names(tool)
    params = dict(_sample(tool))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["drop", "any", "string", "number", "extra", "nest", "replace"]))
        key = draw(st.sampled_from(names))
        if action == "drop":
            params.pop(key, None)
        elif action == "any":
            params[key] = draw(json_value)
        elif action == "string":
            params[key] = draw(wild_string)
        elif action == "number":
            params[key] = draw(wild_number)
        elif action == "extra":
            params[draw(st.text(min_size=1, max_size=30))] = draw(json_value)
        elif action == "nest":
            params[key] = {draw(st.text(max_size=10)): draw(json_value)}
        else:
            return draw(json_value)
    return params


def _check(tool: str, response: dict[str, Any]) -> None:
    status = response["statusCode"]
    assert status < 500 or status in (502, 503, 504), response  # never our own failure
    assert status != 500
    body_text = response["body"]
    assert_no_secret(body_text)
    body = json.loads(body_text)
    assert isinstance(body, dict)
    if status >= 300:
        assert not EXCEPTION_NAME.search(body_text), body_text[:300]
        assert body["title"] and body["detail"] and body["status"] == status
    if status == 400:
        allowed = set(_names(tool)) | {"body", "parameters"}
        assert body["errors"], body
        for error in body["errors"]:
            parameter = error["parameter"]
            assert parameter.split(".")[0] in allowed or error["problem"].startswith("is not a parameter"), error
            assert parameter in body["detail"]


def _call(tool: str, event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = load_handler(tool)(event, context(timeout_s=10))
    return response


@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_mutated_parameters_never_break_a_tool(tool: str) -> None:
    @settings(
        max_examples=PER_TOOL,
        deadline=None,
        derandomize=DERANDOMIZE,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(mutated_parameters(tool))
    def run(parameters: Any) -> None:
        _check(tool, _call(tool, tool_event(tool, raw_body=json.dumps({"parameters": parameters}))))

    run()


raw_bodies = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    json_value.map(json.dumps),
    st.builds(lambda v: json.dumps({"parameters": v}), json_value),
    st.just('{"parameters": {"limit": 5}' + " " * 300_000 + "}"),
    st.sampled_from(["", "{", "[]", "null", '"x"', "{" * 5000 + "}" * 5000, "[" * 100_000]),
)


@settings(
    max_examples=RAW_CASES,
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(
    tool=st.sampled_from([t.name for t in TOOLS]),
    body=raw_bodies,
    base64_flag=st.booleans(),
    content_type=st.sampled_from(
        [
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "",
            "application/xml",
        ]
    ),
)
def test_unreadable_bodies_are_clear_400s(tool: str, body: str, base64_flag: bool, content_type: str) -> None:
    event = tool_event(tool, raw_body=body, headers={"content-type": content_type})
    if base64_flag:
        event["body"] = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
        event["isBase64Encoded"] = True
    _check(tool, _call(tool, event))
