"""What the tools write to the log: structured lines with correlation ids, never results or secrets."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SECRETS, LogSink, call_tool, context, load_handler, tool_event

pytestmark = pytest.mark.usefixtures("aws")


def _tool_lines(sink: LogSink, start: int) -> list[dict[str, object]]:
    lines = []
    for line in sink.lines[start:]:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("message") == "tool call":
            lines.append(record)
    return lines


def test_one_structured_line_per_call_with_correlation_and_thread_ids(log_sink: LogSink) -> None:
    start = len(log_sink.lines)
    event = tool_event("fullstory_list_segments", {"limit": 3}, headers={"x-opal-thread-id": "thread-42"})
    response = load_handler("fullstory_list_segments")(event, context())
    assert response["statusCode"] == 200
    [line] = _tool_lines(log_sink, start)
    assert line["tool"] == "fullstory_list_segments" and line["outcome"] == "success" and line["status"] == 200
    assert line["correlation_id"] == event["requestContext"]["requestId"]
    assert line["opal_thread_id"] == "thread-42"


def test_opal_agent_and_workflow_execution_ids_are_logged(log_sink: LogSink) -> None:
    headers = {"X-Opal-Agent-Execution-Id": "agent-run-7", "x-opal-workflow-execution-id": "wf-run-3"}
    start = len(log_sink.lines)
    event = tool_event("fullstory_list_segments", {"limit": 1}, headers=headers)
    assert load_handler("fullstory_list_segments")(event, context())["statusCode"] == 200
    [line] = _tool_lines(log_sink, start)
    assert line["opal_agent_execution_id"] == "agent-run-7"
    assert line["opal_workflow_execution_id"] == "wf-run-3"
    # Keys are per call: the next call without the headers does not inherit them.
    start = len(log_sink.lines)
    call_tool("fullstory_list_segments", {"limit": 1})
    [line] = _tool_lines(log_sink, start)
    assert "opal_agent_execution_id" not in line and "opal_workflow_execution_id" not in line


def test_results_are_not_logged(log_sink: LogSink) -> None:
    start = len(log_sink.lines)
    status, answer = call_tool("fullstory_list_segments", {"limit": 5})
    assert status == 200
    logged = "\n".join(log_sink.lines[start:])
    for segment in answer["segments"]:
        assert segment["url"] not in logged


def test_failures_are_logged_with_their_outcome(log_sink: LogSink) -> None:
    start = len(log_sink.lines)
    assert call_tool("fullstory_list_segments", {"limit": 500})[0] == 400
    assert call_tool("fullstory_list_segments", {}, token="wrong")[0] == 401
    outcomes = [line["outcome"] for line in _tool_lines(log_sink, start)]
    assert outcomes == ["client_error", "unauthorized"]


def test_the_secret_watch_would_catch_a_leak(log_sink: LogSink) -> None:
    # The suite-wide check is only worth something if secrets do reach the sink when logged.
    from opal_tools.adapter import logger

    start = len(log_sink.lines)
    logger.info("harmless line", extra={"marker": "watch-check"})
    assert any("watch-check" in line for line in log_sink.lines[start:])
    assert "test-bearer-token-0123456789" in SECRETS


def test_opal_auth_credentials_never_reach_logs_or_answers(log_sink: LogSink) -> None:
    from tests.conftest import register_secret

    access_token = register_secret("optiid-access-token-5d1e0c")
    body = {
        "parameters": {"limit": 2},
        "auth": {"provider": "OptiID", "credentials": {"token_type": "Bearer", "access_token": access_token}},
        "auth_credentials": [
            {"provider": "OptiID", "status": "delivered", "credentials": {"access_token": access_token}}
        ],
    }
    event = tool_event("fullstory_list_segments", raw_body=json.dumps(body))
    start = len(log_sink.lines)
    response = load_handler("fullstory_list_segments")(event, context())
    assert response["statusCode"] == 200 and access_token not in response["body"]
    assert all(access_token not in line for line in log_sink.lines[start:])
