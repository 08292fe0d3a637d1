"""The adapter's support for async tools: the envelope reaches logic that asks for it, ``Accepted``
answers 202, a malformed callback is a 400 naming it, and two-argument tools are unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import Field

from catalog.base import ToolParameters
from fullstory_client import FullstoryClient
from opal_tools import adapter
from opal_tools.adapter import parse_request, tool_handler
from opal_tools.spec import ToolSpec
from opal_tools.tool_call import Accepted, ToolCall, parse_async_callback
from platform_kit import fullstory
from tests.conftest import BEARER, context, tool_event


class Params(ToolParameters):
    name: str = Field(description="a name")


ASYNC_SPEC = ToolSpec(name="demo_async", description="d" * 90, parameters=Params, group="exports", mode="async",
                      timeout_s=60)  # fmt: skip
SYNC_SPEC = ToolSpec(name="demo_sync", description="d" * 90, parameters=Params, group="exports")
CALLBACK = {"url": "https://opal.example/cb/1", "tool_call_id": "tc-1", "callback_token": "cb-token"}


@pytest.fixture(autouse=True)
def _authorized(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adapter.bearer_auth, "is_authorized", lambda header: header == f"Bearer {BEARER}")
    monkeypatch.setattr(fullstory, "fullstory_client", lambda **_: FullstoryClient("k", base_url="http://127.0.0.1:9"))


def _invoke(spec: ToolSpec, logic: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = tool_handler(spec, logic)(tool_event(spec.name, raw_body=json.dumps(body)), context())
    return response["statusCode"], json.loads(response["body"])


def test_logic_with_a_third_argument_gets_the_call_and_may_answer_202() -> None:
    seen: list[ToolCall] = []

    def logic(params: Params, client: FullstoryClient, call: ToolCall) -> Accepted:
        seen.append(call)
        return Accepted({"status": "accepted", "name": params.name})

    body = {"parameters": {"name": "x"}, "async_callback": CALLBACK, "environment": {"execution_mode": "headless"},
            "chat_metadata": {"thread_id": "t-9"}}  # fmt: skip
    status, answer = _invoke(ASYNC_SPEC, logic, body)
    assert (status, answer) == (202, {"status": "accepted", "name": "x"})
    [call] = seen
    assert call.tool == "demo_async" and call.execution_mode == "headless" and call.thread_id == "t-9"
    assert call.async_callback is not None and call.async_callback.as_dict() == CALLBACK
    assert "cb-token" not in repr(call)  # the token never reaches a log line through repr


def test_two_argument_logic_is_unchanged() -> None:
    status, answer = _invoke(SYNC_SPEC, lambda params, client: {"name": params.name}, {"parameters": {"name": "y"}})
    assert (status, answer) == (200, {"name": "y"})


def test_a_sync_tool_ignores_a_stray_callback_block() -> None:
    seen: list[ToolCall] = []

    def logic(params: Params, client: FullstoryClient, call: ToolCall) -> dict[str, Any]:
        seen.append(call)
        return {}

    status, _ = _invoke(SYNC_SPEC, logic, {"parameters": {"name": "z"}, "async_callback": "garbage"})
    assert status == 200 and seen[0].async_callback is None


def test_an_async_call_without_callback_is_allowed() -> None:
    status, answer = _invoke(
        ASYNC_SPEC, lambda params, client, call: Accepted({"callback": call.async_callback is None}),
        {"parameters": {"name": "x"}},
    )  # fmt: skip
    assert (status, answer) == (202, {"callback": True})


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ([1], {"async_callback"}),
        ({"url": "javascript:alert(1)", "tool_call_id": "t", "callback_token": "c"}, {"async_callback.url"}),
        ({"url": "https://x/cb", "tool_call_id": " ", "callback_token": 5}, {"async_callback.tool_call_id",
                                                                              "async_callback.callback_token"}),
        ({"url": "https://x/" + "a" * 3000, "tool_call_id": "t", "callback_token": "c"}, {"async_callback.url"}),
    ],
)  # fmt: skip
def test_malformed_callbacks_are_400s_naming_the_field(raw: Any, named: set[str]) -> None:
    status, problem = _invoke(
        ASYNC_SPEC, lambda p, c, call: Accepted({}), {"parameters": {"name": "x"}, "async_callback": raw}
    )
    assert status == 400 and {e["parameter"] for e in problem["errors"]} == named


def test_parse_request_splits_parameters_and_envelope() -> None:
    event = {"body": json.dumps({"parameters": {"a": 1}, "async_callback": CALLBACK, "other": 2})}
    assert parse_request(event) == ({"a": 1}, {"async_callback": CALLBACK})
    bare = {"body": json.dumps({"a": 1, "async_callback": CALLBACK})}
    assert parse_request(bare) == ({"a": 1}, {"async_callback": CALLBACK})
    assert parse_async_callback(None) is None
