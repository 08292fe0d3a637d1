"""What the adapter gives a tool's logic: the envelope when the tool needs Opal's call, each other need
from its provider, by keyword, and nothing it does not declare; ``Accepted`` answers 202 and a
malformed callback is a 400 naming it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import Field

from opal_tools import adapter
from opal_tools.adapter import Provider, parse_request, tool_handler
from opal_tools.spec import OPAL_CALL, Need, ToolSpec
from opal_tools.tool_call import Accepted, ToolCall, parse_async_callback
from tests.conftest import BEARER, context, tool_event
from tools.params import ToolParameters


class Params(ToolParameters):
    name: str = Field(description="a name")


CALLBACK = {"url": "https://opal.example/cb/1", "tool_call_id": "tc-1", "callback_token": "cb-token"}


@pytest.fixture(autouse=True)
def _authorized(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adapter.bearer_auth, "is_authorized", lambda header: header == f"Bearer {BEARER}")


def _spec(run: Any, *needs: Need, mode: Any = "sync") -> ToolSpec:
    return ToolSpec(
        name=f"demo_{mode}", description="d" * 90, parameters=Params, group="exports", run=run, needs=needs,
        mode=mode, timeout_s=60 if mode == "async" else None,
    )  # fmt: skip


def _invoke(
    spec: ToolSpec, body: dict[str, Any], providers: dict[str, Provider] | None = None
) -> tuple[int, dict[str, Any]]:
    response = tool_handler(spec, providers=providers)(tool_event(spec.name, raw_body=json.dumps(body)), context())
    return response["statusCode"], json.loads(response["body"])


def test_logic_that_needs_the_call_gets_it_by_keyword_and_may_answer_202() -> None:
    seen: list[ToolCall] = []

    def logic(params: Params, *, call: ToolCall) -> Accepted:
        seen.append(call)
        return Accepted({"status": "accepted", "name": params.name})

    body = {"parameters": {"name": "x"}, "async_callback": CALLBACK, "environment": {"execution_mode": "headless"},
            "chat_metadata": {"thread_id": "t-9"}}  # fmt: skip
    status, answer = _invoke(_spec(logic, OPAL_CALL, mode="async"), body)
    assert (status, answer) == (202, {"status": "accepted", "name": "x"})
    [call] = seen
    assert call.tool == "demo_async" and call.execution_mode == "headless" and call.thread_id == "t-9"
    assert call.async_callback is not None and call.async_callback.as_dict() == CALLBACK
    assert "cb-token" not in repr(call)  # the token never reaches a log line through repr


def test_logic_that_needs_nothing_gets_only_its_parameters() -> None:
    # Called with the parameters alone: a keyword it does not take would be a TypeError, a 500.
    status, answer = _invoke(_spec(lambda params: {"name": params.name}), {"parameters": {"name": "y"}})
    assert (status, answer) == (200, {"name": "y"})


def test_each_need_comes_from_its_provider_by_keyword_once_per_call() -> None:
    made: list[str] = []

    def store(use: Any, _context: Any) -> Any:
        made.append("store")
        return use({"kind": "store"})

    def logic(params: Params, *, store: dict[str, str], call: ToolCall) -> dict[str, Any]:
        return {"store": store["kind"], "tool": call.tool}

    spec = _spec(logic, Need("demo_store", "store"), OPAL_CALL)
    providers: dict[str, Provider] = {"store": store, "unused": lambda use, _c: pytest.fail("not a need of this tool")}
    for _ in range(2):
        status, answer = _invoke(spec, {"parameters": {"name": "s"}}, providers)
        assert (status, answer) == (200, {"store": "store", "tool": "demo_sync"})
    assert made == ["store", "store"]


def test_a_provider_may_run_the_logic_again() -> None:
    # As the Fullstory provider does after a 401: read the key afresh and call once more.
    calls: list[str] = []

    def retrying(use: Any, _context: Any) -> Any:
        try:
            return use("stale")
        except PermissionError:
            return use("fresh")

    def logic(params: Params, *, key: str) -> dict[str, Any]:
        calls.append(key)
        if key == "stale":
            raise PermissionError
        return {"key": key}

    status, answer = _invoke(_spec(logic, Need("demo_key", "key")), {"parameters": {"name": "k"}}, {"key": retrying})
    assert (status, answer, calls) == (200, {"key": "fresh"}, ["stale", "fresh"])


def test_a_sync_tool_ignores_a_stray_callback_block() -> None:
    seen: list[ToolCall] = []

    def logic(params: Params, *, call: ToolCall) -> dict[str, Any]:
        seen.append(call)
        return {}

    status, _ = _invoke(_spec(logic, OPAL_CALL), {"parameters": {"name": "z"}, "async_callback": "garbage"})
    assert status == 200 and seen[0].async_callback is None


def test_an_async_call_without_callback_is_allowed() -> None:
    status, answer = _invoke(
        _spec(lambda params, *, call: Accepted({"callback": call.async_callback is None}), OPAL_CALL, mode="async"),
        {"parameters": {"name": "x"}},
    )
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
        _spec(lambda p, *, call: Accepted({}), OPAL_CALL, mode="async"),
        {"parameters": {"name": "x"}, "async_callback": raw},
    )
    assert status == 400 and {e["parameter"] for e in problem["errors"]} == named


def test_parse_request_splits_parameters_and_envelope() -> None:
    event = {"body": json.dumps({"parameters": {"a": 1}, "async_callback": CALLBACK, "other": 2})}
    assert parse_request(event) == ({"a": 1}, {"async_callback": CALLBACK})
    bare = {"body": json.dumps({"a": 1, "async_callback": CALLBACK})}
    assert parse_request(bare) == ({"a": 1}, {"async_callback": CALLBACK})
    assert parse_async_callback(None) is None
