"""Functions running at once in one process (the local server runs every function in-process, on
its own thread) each log under their own name and request id (issue 12.16)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator
from local.lambda_runtime import LambdaContext
from tests.conftest import LogSink, load_handler, tool_event

pytestmark = pytest.mark.usefixtures("aws")


def _call_lines(sink: LogSink, start: int) -> list[dict[str, Any]]:
    lines = []
    for line in sink.lines[start:]:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("message") == "tool call":
            lines.append(record)
    return lines


def test_a_slow_call_keeps_its_own_function_name_while_another_runs(
    simulator: FullstorySimulator, log_sink: LogSink
) -> None:
    slow_event = tool_event("fullstory_list_segments", {"limit": 2})
    fast_event = tool_event("fullstory_get_segment", {"id": ""})  # a 400, answered at once
    load_handler("fullstory_get_segment")  # imported before the race, as a warm container
    simulator.inject("segments", method="GET", delay_s=1.0)
    start = len(log_sink.lines)
    before = len(simulator.requests)
    slow_context = LambdaContext(function_name="ListSegmentsFunction", memory_limit_in_mb=512, timeout_s=10)
    slow = threading.Thread(target=lambda: load_handler("fullstory_list_segments")(slow_event, slow_context))
    slow.start()
    deadline = time.monotonic() + 5
    while len(simulator.requests) == before and time.monotonic() < deadline:  # the slow call is under way
        time.sleep(0.01)
    fast_context = LambdaContext(function_name="GetSegmentFunction", memory_limit_in_mb=512, timeout_s=10)
    assert load_handler("fullstory_get_segment")(fast_event, fast_context)["statusCode"] == 400
    slow.join(10)
    lines = {line["tool"]: line for line in _call_lines(log_sink, start)}
    assert set(lines) == {"fullstory_list_segments", "fullstory_get_segment"}
    listed, looked_up = lines["fullstory_list_segments"], lines["fullstory_get_segment"]
    assert listed["status"] == 200 and looked_up["status"] == 400
    assert listed["function_name"] == "ListSegmentsFunction"
    assert listed["function_request_id"] == slow_context.aws_request_id
    assert listed["correlation_id"] == slow_event["requestContext"]["requestId"]
    assert looked_up["function_name"] == "GetSegmentFunction"
    assert looked_up["correlation_id"] == fast_event["requestContext"]["requestId"]
