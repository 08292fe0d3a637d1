"""The four export jobs of the tool's own stories (tests/seed_exports.py), each through the tool
against the simulator: what Fullstory received, exactly, what the answer says, and the file that
comes out at the end. The async tool's workflow task sends the same request."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from local.lambda_runtime import import_handler
from opal_tools.adapter import validate
from tests.conftest import ROOT, call_tool, context
from tests.seed_exports import STORIES, received, seed_exports
from tools.export_runs import EXPORT_SEGMENT

pytestmark = pytest.mark.usefixtures("aws")

NOW = time.time()


def _seeds(simulator: FullstorySimulator) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return seed_exports(simulator, NOW)


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
    assert received(simulator, answer["operationId"]) == expected_body
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
    # What fullstory_export_segment puts into the workflow's input, then the workflow's create task.
    request = validate(EXPORT_SEGMENT, parameters).model_dump(exclude_none=True)
    create = import_handler(ROOT / "workflow" / "export_create", "app.lambda_handler", "_test_wf_export_create")
    created = create({"request": request}, context())
    assert received(simulator, created["operationId"]) == expected_body
