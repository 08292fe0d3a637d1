"""What a create-export request may say, as Fullstory documents it: the field names, custom
property columns, duplicates, and the segment's own time range when no segmentTimeRange is sent."""

from __future__ import annotations

import csv
import gzip
import io
import json
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator

from .conftest import Api, FakeClock

ALL_TIME = {"start": "", "end": ""}
DAY_S = 86_400


def _create(api: Api, **body: Any) -> requests.Response:
    payload = {"segmentId": "everyone", "type": "TYPE_EVENT", "format": "FORMAT_NDJSON", "timeRange": ALL_TIME}
    return api.post("/segments/v1/exports", json={**payload, **body})


def _rows(api: Api, clock: FakeClock, **body: Any) -> list[dict[str, Any]]:
    created = _create(api, **body)
    assert created.status_code == 200, created.text
    clock.advance(api.sim.export_seconds)
    operation = api.get(f"/operations/v1/{created.json()['operationId']}").json()
    link = api.get(f"/search/v1/exports/{operation['results']['searchExportId']}/results").json()
    raw = gzip.decompress(requests.get(link["location"], timeout=10).content).decode()
    if body.get("format") == "FORMAT_CSV":
        return list(csv.DictReader(io.StringIO(raw)))
    return [json.loads(line) for line in raw.splitlines()]


@pytest.mark.parametrize(
    "field",
    ["EventDuration", "EventSecondaryDuration", "EventCumulativeLayoutShift", "EventFirstInputDelay",
     "EventVarErrorKind", "EventVarFields", "EventMobileSourceFile", "PageNumDerivedEvents", "PageNumInfos",
     "PageNumWarnings", "PageClusterId", "PageMaxScrollDepthPercent", "LoadFirstPaintTime", "LoadLargestPaintTime",
     "AppName", "AppPackageName", "AppDeviceModel", "AppDeviceVendor", "AppVersion", "AppOsVersion", "AppViewName"],
)  # fmt: skip
def test_documented_fields_refused_before_are_accepted(api: Api, field: str) -> None:
    assert _create(api, fields=[field]).status_code == 200


def test_user_vars_is_an_individual_field(api: Api) -> None:
    assert _create(api, type="TYPE_INDIVIDUAL", fields=["Uid", "UserVars"]).status_code == 200


@pytest.mark.parametrize(
    ("fields", "export_type"),
    [(["PageTitle"], "TYPE_EVENT"), (["pageurl"], "TYPE_EVENT"), (["NumSessions"], "TYPE_EVENT"),
     (["PageUrl"], "TYPE_INDIVIDUAL"), (["evt_price"], "TYPE_EVENT"), (["evt_price_float"], "TYPE_EVENT"),
     (["event_properties.price"], "TYPE_EVENT"), (["evt_*", "evt_*"], "TYPE_EVENT"),
     (["PageUrl", "UserEmail", "PageUrl"], "TYPE_EVENT")],
)  # fmt: skip
def test_unknown_and_repeated_fields_are_400s(api: Api, fields: list[str], export_type: str) -> None:
    response = _create(api, type=export_type, fields=fields)
    assert response.status_code == 400, response.text
    assert "field" in response.json()["message"]


@pytest.mark.parametrize(
    "column",
    ["evt_product_id_str", "evt_price_raw_real", "evt_order.total_real", "page_foobar_str", "user_tags_strs",
     "user_scores_ints", "evt_ratios_reals", "user_visits_dates", "evt_flags_bools", "user_signup_date",
     "user_*", "evt_*"],
)  # fmt: skip
def test_custom_property_columns_as_fullstory_names_them(api: Api, column: str) -> None:
    assert _create(api, fields=["EventStart", column]).status_code == 200


def test_rows_carry_the_new_fields(api: Api, clock: FakeClock) -> None:
    fields = ["EventType", "PageMaxScrollDepthPercent", "LoadFirstPaintTime", "LoadLargestPaintTime", "PageClusterId"]
    rows = _rows(api, clock, fields=fields)
    loads = [r for r in rows if r["EventType"] == "load"]
    navigates = [r for r in rows if r["EventType"] == "navigate"]
    # Load metrics are "present only for EventType load"; the scroll depth "only for EventType navigate".
    assert loads and len(loads) == len(navigates)
    assert all(r["LoadFirstPaintTime"] and r["LoadLargestPaintTime"] for r in loads)
    assert all(r["PageMaxScrollDepthPercent"] is None for r in loads)
    assert all(0 < r["PageMaxScrollDepthPercent"] <= 100 for r in navigates)
    assert all(isinstance(r["PageClusterId"], int) for r in rows)
    others = [r for r in rows if r["EventType"] not in {"load", "navigate"}]
    assert all(r["LoadFirstPaintTime"] is None and r["PageMaxScrollDepthPercent"] is None for r in others)


def test_custom_event_properties_are_real_numbers(api: Api, clock: FakeClock, sim: FullstorySimulator) -> None:
    # Fullstory infers every number as a real unless a schema declares it (v2 custom properties).
    rows = _rows(api, clock, segmentId="everyone", segmentTimeRange=ALL_TIME, fields=["EventCustomName", "evt_*"])
    added = [r for r in rows if r["EventCustomName"] == "Added to Cart"]
    assert added and all({"evt_productId_str", "evt_price_real", "evt_quantity_real"} <= set(r) for r in added)


def test_individual_user_vars_hold_the_custom_user_properties(api: Api, clock: FakeClock) -> None:
    rows = _rows(api, clock, type="TYPE_INDIVIDUAL", segmentTimeRange=ALL_TIME, fields=["Uid", "UserVars"])
    assert rows and all(set(r["UserVars"]) == {"user_role_str", "user_loyaltyTier_str", "user_newsletter_bool",
                                               "user_lifetimeValue_real"} for r in rows)  # fmt: skip


def test_without_segment_time_range_the_segments_saved_range_decides_who_matches(
    api: Api, clock: FakeClock, sim: FullstorySimulator
) -> None:
    # "The segment_time_range parameter can be used to override the segment's time range";
    # without it, the segment's saved range ("the last 30 days" here) limits who is exported.
    segment = next(s for s in sim.data.segments if s.name == "Blog Readers")
    assert segment.saved_range_days == 30
    body = {"segmentId": segment.id, "type": "TYPE_INDIVIDUAL", "fields": ["Uid"]}
    saved = {r["Uid"] for r in _rows(api, clock, **body)}
    overridden = {r["Uid"] for r in _rows(api, clock, **body, segmentTimeRange=ALL_TIME)}

    matching = [s for s in sim.data.sessions if sim.matcher.session_matches(segment, s)]
    recent_from = clock.now - 30 * DAY_S
    assert overridden == {s.uid for s in matching}
    assert saved == {s.uid for s in matching if s.start_ms / 1000 >= recent_from}
    assert saved < overridden


def test_the_request_body_is_kept_as_received(api: Api, sim: FullstorySimulator) -> None:
    body = {"segmentId": "everyone", "type": "TYPE_EVENT", "format": "FORMAT_CSV", "timeRange": ALL_TIME,
            "segmentTimeRange": ALL_TIME, "fields": ["PageUrl"], "eventDetails": {"scope": "SCOPE_PAGES"}}  # fmt: skip
    response = api.post("/segments/v1/exports", json=body)
    job = next(j for j in sim.exports.all() if j.operation_id == response.json()["operationId"])
    assert job.request.body == body


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
@pytest.mark.parametrize("name", ["timeRange", "segmentTimeRange"])
def test_times_at_the_edge_of_the_datetime_range_never_break_the_simulator(
    api: Api, clock: FakeClock, name: str, value: str
) -> None:
    bound = "start" if value.startswith("0001") else "end"
    rows = _rows(api, clock, fields=["EventStart"], **{name: {bound: value}})
    assert rows  # the whole dataset lies between the two
