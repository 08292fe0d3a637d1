"""The four export jobs of the tool's own stories (shared/reference/tool-user-stories.md and the
tool descriptions), each through the tool against the simulator: what Fullstory received, exactly,
what the answer says, and the file that comes out at the end. The async tool's workflow task sends
the same request."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from local.lambda_runtime import import_handler
from tests.conftest import ROOT, call_tool, context

pytestmark = pytest.mark.usefixtures("aws")

DAY_S = 86_400
NOW = time.time()


def _at(epoch_s: float) -> str:
    return datetime.fromtimestamp(int(epoch_s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


LAST_MONTH = {"start": _at(NOW - 30 * DAY_S), "end": _at(NOW)}
LAST_WEEK = {"start": _at(NOW - 7 * DAY_S), "end": _at(NOW)}
LAST_QUARTER = {"start": _at(NOW - 90 * DAY_S), "end": _at(NOW)}


def _segment_id(simulator: FullstorySimulator, name: str) -> str:
    return next(s.id for s in simulator.data.segments if s.name == name)


def _seeds(simulator: FullstorySimulator) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """story -> (the tool's parameters, the body Fullstory must receive)."""
    purchases, blog = _segment_id(simulator, "Completed Purchases"), _segment_id(simulator, "Blog Readers")
    return {
        "all users last month as CSV": (
            {"segmentId": "everyone", "type": "TYPE_INDIVIDUAL", "format": "FORMAT_CSV", "timeRange": LAST_MONTH},
            {"segmentId": "everyone", "type": "TYPE_INDIVIDUAL", "format": "FORMAT_CSV", "timeRange": LAST_MONTH,
             "segmentTimeRange": LAST_MONTH},
        ),
        "events of a custom segment as JSON with chosen fields": (
            {"segmentId": purchases, "type": "TYPE_EVENT", "format": "FORMAT_JSON", "timeRange": LAST_WEEK,
             "fields": "event_name,user_id,product_id,event_properties.price"},
            {"segmentId": purchases, "type": "TYPE_EVENT", "format": "FORMAT_JSON", "timeRange": LAST_WEEK,
             "segmentTimeRange": LAST_WEEK, "fields": ["EventCustomName", "UserAppKey", "evt_*"]},
        ),
        "all sessions last quarter as NDJSON in Asia/Tokyo time": (
            {"segmentId": "everyone", "type": "TYPE_SESSIONS", "format": "FORMAT_NDJSON", "timeRange": LAST_QUARTER,
             "timezone": "Asia/Tokyo"},
            {"segmentId": "everyone", "type": "TYPE_EVENT", "format": "FORMAT_NDJSON", "timeRange": LAST_QUARTER,
             "segmentTimeRange": LAST_QUARTER, "timezone": "Asia/Tokyo", "eventDetails": {"scope": "SCOPE_SESSIONS"}},
        ),
        "page events of a segment as CSV: url, referrer, title": (
            {"segmentId": blog, "type": "TYPE_PAGES", "format": "FORMAT_CSV", "timeRange": LAST_MONTH,
             "fields": "url,referrer,page_title"},
            {"segmentId": blog, "type": "TYPE_EVENT", "format": "FORMAT_CSV", "timeRange": LAST_MONTH,
             "segmentTimeRange": LAST_MONTH, "fields": ["PageUrl", "PageRefererUrl", "PageName"],
             "eventDetails": {"scope": "SCOPE_PAGES"}},
        ),
    }  # fmt: skip


STORIES = [
    "all users last month as CSV",
    "events of a custom segment as JSON with chosen fields",
    "all sessions last quarter as NDJSON in Asia/Tokyo time",
    "page events of a segment as CSV: url, referrer, title",
]


def _job_body(simulator: FullstorySimulator, operation_id: str) -> dict[str, Any]:
    job = next(j for j in simulator.exports.all() if j.operation_id == operation_id)
    return job.request.body


def _file(simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch, operation_id: str) -> str:
    monkeypatch.setattr(simulator, "clock", lambda: time.time() + 3600)  # the export is done by then
    status, done = call_tool("fullstory_get_operation_status", {"operationId": operation_id})
    assert status == 200 and done["state"] == "COMPLETED", done
    download = requests.get(done["downloadUrl"], timeout=10)
    assert download.status_code == 200
    return gzip.decompress(download.content).decode()


def _rows(text: str, fmt: str) -> list[dict[str, Any]]:
    if fmt == "FORMAT_CSV":
        return list(csv.DictReader(io.StringIO(text)))
    if fmt == "FORMAT_JSON":
        rows: list[dict[str, Any]] = json.loads(text)
        return rows
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("story", STORIES)
def test_each_seed_example_succeeds_end_to_end(
    simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch, story: str
) -> None:
    parameters, expected_body = _seeds(simulator)[story]
    status, answer = call_tool("fullstory_create_segment_export", parameters)
    assert status == 200, answer
    assert _job_body(simulator, answer["operationId"]) == expected_body
    notes = " ".join(answer["request"]["notes"])
    assert "same range as timeRange" in notes  # said, since segmentTimeRange was not given

    rows = _rows(_file(simulator, monkeypatch, answer["operationId"]), parameters["format"])
    assert rows, f"{story}: the file is empty"
    if "fields" in expected_body:
        standard = [f for f in expected_body["fields"] if not f.endswith("_*")]
        assert all(set(standard) <= set(row) for row in rows)


def test_the_event_example_includes_the_properties_and_says_how_to_name_them(
    simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    parameters, _ = _seeds(simulator)["events of a custom segment as JSON with chosen fields"]
    _, answer = call_tool("fullstory_create_segment_export", parameters)
    request = answer["request"]
    assert request["fieldNames"] == {
        "event_name": "EventCustomName",
        "user_id": "UserAppKey",
        "product_id": "evt_*",
        "event_properties.price": "evt_*",
    }
    notes = " ".join(request["notes"])
    assert "evt_product_id_<type>" in notes and "evt_price_<type>" in notes
    rows = _rows(_file(simulator, monkeypatch, answer["operationId"]), "FORMAT_JSON")
    assert {r["EventCustomName"] for r in rows} == {"Order Completed"}
    assert all("evt_revenue_real" in r and r["UserAppKey"] for r in rows)  # the event's own properties


def test_the_page_example_sends_page_name_for_the_title_and_says_so(
    simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    parameters, _ = _seeds(simulator)["page events of a segment as CSV: url, referrer, title"]
    _, answer = call_tool("fullstory_create_segment_export", parameters)
    assert answer["request"]["fieldNames"] == {
        "url": "PageUrl",
        "referrer": "PageRefererUrl",
        "page_title": "PageName",
    }
    assert any("no page-title column" in note and "PageName" in note for note in answer["request"]["notes"])
    text = _file(simulator, monkeypatch, answer["operationId"])
    assert text.splitlines()[0] == "PageUrl,PageRefererUrl,PageName"


@pytest.mark.parametrize("story", STORIES)
def test_the_async_tools_workflow_sends_the_same_request(simulator: FullstorySimulator, story: str) -> None:
    parameters, expected_body = _seeds(simulator)[story]
    create = import_handler(ROOT / "workflow" / "export_create", "app.lambda_handler", "_test_wf_export_create")
    created = create({"request": parameters}, context())
    assert _job_body(simulator, created["operationId"]) == expected_body
