"""The export tools through their Lambda handlers: moto Secrets Manager, real HTTP to the simulator.

The async tool and the run-status tool need the workflow deployed: tests/workflow/test_async_tools.py.
"""

from __future__ import annotations

import gzip
import time
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from tests.conftest import call_tool

pytestmark = pytest.mark.usefixtures("aws")

WEEK = {"start": "2026-11-09T00:00:00Z", "end": "2026-11-16T00:00:00Z"}


def _request(**overrides: Any) -> dict[str, Any]:
    return {"segmentId": "everyone", "type": "TYPE_SESSIONS", "format": "FORMAT_NDJSON", "timeRange": WEEK, **overrides}


def _later(simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the simulator's clock (exports finish by its clock), not ours."""
    monkeypatch.setattr(simulator, "clock", lambda: time.time() + seconds)


def test_create_export_maps_people_words_to_fullstory(simulator: FullstorySimulator) -> None:
    status, answer = call_tool(
        "fullstory_create_segment_export",
        _request(
            type="sessions",
            format="ndjson",
            timezone="asia/tokyo",
            fields="url, Referrer, page title, event name, user id, email, evt_productId_str",
            timeRange={"start": "2026-11-09T09:00:00+09:00", "end": "2026-11-16T00:00:00Z"},
        ),
    )
    assert status == 200, answer
    job = next(j for j in simulator.exports.all() if j.operation_id == answer["operationId"])
    # Fullstory knows only TYPE_EVENT / TYPE_INDIVIDUAL: sessions are events with a session scope.
    assert (job.request.type, job.request.scope) == ("TYPE_EVENT", "SCOPE_SESSIONS")
    assert job.request.fields == (
        "PageUrl", "PageRefererUrl", "PageName", "EventCustomName", "UserAppKey", "UserEmail", "evt_productId_str"
    )  # fmt: skip
    assert job.request.timezone == "Asia/Tokyo" and job.request.format == "FORMAT_NDJSON"
    request = answer["request"]
    week = {"start": "2026-11-09T00:00:00Z", "end": "2026-11-16T00:00:00Z"}
    assert request["timeRange"] == week and request["segmentTimeRange"] == week
    assert request["sentToFullstory"] == {
        "type": "TYPE_EVENT",
        "eventDetails": {"scope": "SCOPE_SESSIONS"},
        "fields": list(job.request.fields),
        "timeRange": week,
        "segmentTimeRange": week,
    }
    # What the answer says Fullstory was sent is what it received.
    sent = {k: v for k, v in job.request.body.items() if k not in {"segmentId", "format", "timezone"}}
    assert sent == request["sentToFullstory"]
    assert request["fieldNames"]["url"] == "PageUrl" and request["fieldNames"]["page title"] == "PageName"
    assert request["fieldNames"]["user id"] == "UserAppKey"
    notes = " ".join(request["notes"])
    assert "no page-title column" in notes and "same range as timeRange" in notes
    assert answer["state"] == "PENDING" and "fullstory_get_operation_status" in answer["next"]


def test_a_given_segment_time_range_is_sent_as_given(simulator: FullstorySimulator) -> None:
    status, answer = call_tool("fullstory_create_segment_export", _request(segmentTimeRange={"start": "", "end": ""}))
    assert status == 200, answer
    job = next(j for j in simulator.exports.all() if j.operation_id == answer["operationId"])
    assert job.request.body["segmentTimeRange"] == {"start": "", "end": ""}
    assert job.request.body["timeRange"] == WEEK
    assert answer["request"]["segmentTimeRange"] == {"start": "", "end": ""}
    assert not any("segmentTimeRange" in note for note in answer["request"].get("notes", []))


@pytest.mark.parametrize(
    ("kind", "sent_type", "scope"),
    [("TYPE_INDIVIDUAL", "TYPE_INDIVIDUAL", None), ("TYPE_EVENT", "TYPE_EVENT", "SCOPE_EVENTS"),
     ("TYPE_PAGES", "TYPE_EVENT", "SCOPE_PAGES")],
)  # fmt: skip
def test_each_export_type(simulator: FullstorySimulator, kind: str, sent_type: str, scope: str | None) -> None:
    fields = "user id, email" if kind == "TYPE_INDIVIDUAL" else "url"
    status, answer = call_tool("fullstory_create_segment_export", _request(type=kind, fields=fields))
    assert status == 200, answer
    job = next(j for j in simulator.exports.all() if j.operation_id == answer["operationId"])
    assert job.request.type == sent_type
    if kind == "TYPE_INDIVIDUAL":
        assert job.request.fields == ("Uid", "Email")
    else:
        assert job.request.scope == scope  # the simulator's default scope is SCOPE_EVENTS


BAD_REQUESTS = [
    ({"segmentId": ""}, "segmentId"),
    ({"type": "TYPE_USERS_AND_MORE"}, "type"),
    ({"format": "FORMAT_XML"}, "format"),
    ({"timeRange": {"start": "last week"}}, "timeRange.start"),
    ({"timeRange": {"start": "2026-11-09"}}, "timeRange.start"),
    ({"timeRange": {"end": "2026-13-01T00:00:00Z"}}, "timeRange.end"),
    ({"timeRange": {"start": "2026-11-16T00:00:00Z", "end": "2026-11-09T00:00:00Z"}}, "timeRange"),
    ({"timeRange": "last week"}, "timeRange"),
    ({"segmentTimeRange": {"start": "yesterday"}}, "segmentTimeRange.start"),
    ({"timeRange": {}}, "timeRange"),
    ({"timeRange": {"start": None, "end": None}}, "timeRange"),
    ({"timeRange": None}, "timeRange"),
    ({"timeRange": {"start": "0001-01-01T00:00:00+01:00"}}, "timeRange.start"),
    ({"timeRange": {"end": "9999-12-31T23:59:59-01:00"}}, "timeRange.end"),
    ({"segmentTimeRange": {"start": "0001-01-01T00:00:00+01:00"}}, "segmentTimeRange.start"),
    ({"segmentTimeRange": {"end": "9999-12-31T23:59:59-01:00"}}, "segmentTimeRange.end"),
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"fields": "url, PageUrl"}, "fields"),
    ({"fields": "url, url"}, "fields"),
    ({"fields": "favourite colour"}, "fields"),
    ({"fields": "PageUrll"}, "fields"),
    ({"type": "TYPE_INDIVIDUAL", "fields": "url"}, "fields"),
    ({"limit": 5}, "limit"),
]


@pytest.mark.parametrize("tool", ["fullstory_create_segment_export", "fullstory_export_segment"])
@pytest.mark.parametrize(("change", "named"), BAD_REQUESTS)
def test_bad_export_requests_are_400s_naming_the_parameter(tool: str, change: dict[str, Any], named: str) -> None:
    parameters = _request(**change)
    status, problem = call_tool(tool, parameters)
    assert status == 400, problem
    assert named in {e["parameter"] for e in problem["errors"]}
    assert named in problem["detail"]


def test_missing_required_parameters_are_all_named() -> None:
    status, problem = call_tool("fullstory_create_segment_export", {})
    assert status == 400
    assert {e["parameter"] for e in problem["errors"]} == {"segmentId", "type", "format", "timeRange"}


def test_a_standard_key_gets_a_clear_403(simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulator, "admin", False)
    status, problem = call_tool("fullstory_create_segment_export", _request())
    assert status == 403 and "Admin key" in problem["detail"]


def test_operation_status_pending_then_completed_with_a_working_link(
    simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, created = call_tool("fullstory_create_segment_export", _request(format="FORMAT_CSV", fields="url, email"))
    status, pending = call_tool("fullstory_get_operation_status", {"operationId": created["operationId"]})
    assert status == 200 and pending["state"] == "PENDING"
    assert 0 <= pending["percentComplete"] < 100 and pending["step"]
    assert "Check again in about" in pending["next"] and "downloadUrl" not in pending

    _later(simulator, monkeypatch, 3600)
    status, done = call_tool("fullstory_get_operation_status", {"operationId": created["operationId"]})
    assert status == 200 and done["state"] == "COMPLETED" and done["percentComplete"] == 100
    assert done["searchExportId"] and done["downloadUrlExpiresAt"] and done["resultsAvailableUntil"]
    assert "5 minutes" in done["note"] and "fullstory_get_search_export_results" in done["note"]
    file = requests.get(done["downloadUrl"], timeout=10)
    assert file.status_code == 200
    assert gzip.decompress(file.content).decode().splitlines()[0] == "PageUrl,UserEmail"


def test_operation_status_failed_says_why(simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    simulator.fail_next_export("the segment matched too much data; narrow the time range")
    _, created = call_tool("fullstory_create_segment_export", _request())
    _later(simulator, monkeypatch, 3600)
    status, failed = call_tool("fullstory_get_operation_status", {"operationId": created["operationId"]})
    assert status == 200 and failed["state"] == "FAILED"
    assert failed["reason"] == "the segment matched too much data; narrow the time range"
    assert "downloadUrl" not in failed and failed["next"]


def test_unknown_operation_is_404() -> None:
    status, problem = call_tool("fullstory_get_operation_status", {"operationId": "no-such-operation"})
    assert status == 404 and problem["error_code"] == "OPERATION_NOT_FOUND"
    assert "fullstory_create_segment_export" in problem["detail"]


@pytest.mark.parametrize(
    "execution_id",
    [
        "manual-0123456789abcdef0123456789abcdef",
        "opal-tc-42-0123456789abcdef",
        "arn:aws:states:us-east-1:123456789012:execution:ExportStateMachine:opal-tc-42-0123456789abcdef",
    ],
)
def test_an_execution_id_as_operation_id_points_to_the_export_status_tool(execution_id: str) -> None:
    # Before: "Fullstory has no such resource", with no word of the other tool.
    status, problem = call_tool("fullstory_get_operation_status", {"operationId": execution_id})
    assert status == 404 and problem["title"] == "Not an operationId"
    assert "executionId of fullstory_export_segment" in problem["detail"]
    assert "fullstory_get_export_status" in problem["detail"]
    assert problem["errors"][0]["parameter"] == "operationId"


def test_a_segment_name_as_segment_id_says_how_to_find_the_id() -> None:
    status, problem = call_tool("fullstory_create_segment_export", _request(segmentId="High-Value Customers"))
    assert status == 404 and problem["error_code"] == "SEGMENT_NOT_FOUND"
    assert "'High-Value Customers' looks like a display name" in problem["detail"]
    assert "fullstory_list_segments" in problem["detail"] and "fullstory_get_segment" in problem["detail"]
    assert problem["errors"] == [
        {"parameter": "segmentId", "problem": "is not the id of a segment (see fullstory_list_segments)"}
    ]


def test_search_export_results_gives_a_fresh_link(
    simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, created = call_tool("fullstory_create_segment_export", _request())
    _later(simulator, monkeypatch, 3600)
    _, done = call_tool("fullstory_get_operation_status", {"operationId": created["operationId"]})
    status, again = call_tool("fullstory_get_search_export_results", {"id": done["searchExportId"]})
    assert status == 200 and again["searchExportId"] == done["searchExportId"]
    assert again["downloadUrl"] != done["downloadUrl"]  # a new signed link each time
    assert again["downloadUrlExpiresAt"] and "5 minutes" in again["note"] and "gzip" in again["file"]
    assert requests.get(again["downloadUrl"], timeout=10).status_code == 200


def test_search_export_results_before_the_export_is_done_is_409(simulator: FullstorySimulator) -> None:
    simulator.export_seconds, saved = 3600.0, simulator.export_seconds
    try:
        _, created = call_tool("fullstory_create_segment_export", _request())
        job = next(j for j in simulator.exports.all() if j.operation_id == created["operationId"])
        status, problem = call_tool("fullstory_get_search_export_results", {"id": job.export_id})
    finally:
        simulator.export_seconds = saved
    assert status == 409 and problem["error_code"] == "EXPORT_NOT_READY"
    assert "fullstory_get_operation_status" in problem["detail"]


def test_unknown_search_export_is_404() -> None:
    status, problem = call_tool("fullstory_get_search_export_results", {"id": "no-such-export"})
    assert status == 404 and problem["error_code"] == "EXPORT_NOT_FOUND"


@pytest.mark.parametrize(
    ("tool", "parameters"),
    [("fullstory_export_segment", _request()), ("fullstory_get_export_status", {"executionId": "manual-1"})],
)
def test_workflow_tools_without_a_deployed_workflow_say_so(tool: str, parameters: dict[str, Any]) -> None:
    status, problem = call_tool(tool, parameters)
    assert status == 503 and problem["error_code"] == "EXPORT_WORKFLOW_NOT_CONFIGURED"
