"""Segment export lifecycle, operations, results links and the gzip files they serve."""

from __future__ import annotations

import csv
import gzip
import io
import json
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from local.fullstory_sim.timeutil import parse_rfc3339

from .conftest import Api, FakeClock

OPERATION_KEYS = {
    "id",
    "type",
    "details",
    "results",
    "state",
    "errorDetails",
    "createdAt",
    "finishedAt",
    "estimatePctComplete",
    "step",
}


ALL_TIME = {"start": "", "end": ""}


def export(api: Api, **body: Any) -> str:
    # segmentTimeRange all time, as hauser sends it, so membership is not cut to the saved range.
    payload = {
        "segmentId": "everyone",
        "type": "TYPE_EVENT",
        "format": "FORMAT_NDJSON",
        "timeRange": ALL_TIME,
        "segmentTimeRange": ALL_TIME,
        **body,
    }
    response = api.post("/segments/v1/exports", json=payload)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"operationId"}
    return str(response.json()["operationId"])


def finish(api: Api, clock: FakeClock, operation_id: str) -> dict[str, Any]:
    clock.advance(api.sim.export_seconds)
    operation: dict[str, Any] = api.get(f"/operations/v1/{operation_id}").json()
    assert operation["state"] == "COMPLETED", operation
    return operation


def download(api: Api, clock: FakeClock, **body: Any) -> tuple[requests.Response, bytes]:
    operation = finish(api, clock, export(api, **body))
    link = api.get(f"/search/v1/exports/{operation['results']['searchExportId']}/results").json()
    response = requests.get(link["location"], timeout=10)  # no Authorization header: the URL is signed
    assert response.status_code == 200, response.text
    return response, gzip.decompress(response.content)


def ndjson(raw: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in raw.decode().splitlines()]


def test_lifecycle_pending_to_completed(api: Api, clock: FakeClock) -> None:
    operation_id = export(api)
    first = api.get(f"/operations/v1/{operation_id}").json()
    assert set(first) == OPERATION_KEYS
    assert first["type"] == "SEARCH_EXPORT" and first["state"] == "PENDING"
    assert first["results"] is None and first["finishedAt"] is None and first["errorDetails"] == ""
    assert first["estimatePctComplete"] == 0 and first["step"]
    clock.advance(30)
    middle = api.get(f"/operations/v1/{operation_id}").json()
    assert middle["state"] == "PENDING" and 0 < middle["estimatePctComplete"] < 100
    assert middle["step"] != first["step"]
    clock.advance(30)
    done = api.get(f"/operations/v1/{operation_id}").json()
    assert done["state"] == "COMPLETED" and done["estimatePctComplete"] == 100
    assert set(done["results"]) == {"expires", "searchExportId"}
    created, finished = parse_rfc3339(done["createdAt"]), parse_rfc3339(done["finishedAt"])
    assert finished - created == pytest.approx(60)
    assert parse_rfc3339(done["results"]["expires"]) > finished


def test_fifty_minute_export_with_a_fake_clock(clock: FakeClock) -> None:
    with FullstorySimulator(api_key="k", export_seconds=3000, clock=clock) as sim:
        api = Api(sim, auth="Basic k")
        operation_id = export(api)
        clock.advance(2999)
        assert api.get(f"/operations/v1/{operation_id}").json()["estimatePctComplete"] == 99
        clock.advance(1)
        assert api.get(f"/operations/v1/{operation_id}").json()["state"] == "COMPLETED"


def test_fail_next_export(api: Api, clock: FakeClock, sim: FullstorySimulator) -> None:
    sim.fail_next_export("quota exceeded for segment exports")
    failing, ok = export(api), export(api)
    clock.advance(60)
    failed = api.get(f"/operations/v1/{failing}").json()
    assert failed["state"] == "FAILED" and failed["errorDetails"] == "quota exceeded for segment exports"
    assert failed["results"] is None and failed["finishedAt"]
    assert api.get(f"/operations/v1/{ok}").json()["state"] == "COMPLETED"


def test_fail_exports_for_segments(api: Api, clock: FakeClock, sim: FullstorySimulator) -> None:
    sim.fail_exports_for_segments = {"rageClicks"}
    failing, ok = export(api, segmentId="rageClicks"), export(api, segmentId="deadClicks")
    clock.advance(60)
    failed = api.get(f"/operations/v1/{failing}").json()
    assert failed["state"] == "FAILED" and failed["errorDetails"]
    assert api.get(f"/operations/v1/{ok}").json()["state"] == "COMPLETED"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"segmentId": ""}, 400),
        ({"segmentId": "no-such-segment"}, 404),
        ({"type": "TYPE_SESSIONS"}, 400),
        ({"format": "FORMAT_XML"}, 400),
        ({"timeRange": {"start": "yesterday", "end": ""}}, 400),
        ({"timeRange": {"start": "2025-06-02T00:00:00Z", "end": "2025-06-01T00:00:00Z"}}, 400),
        ({"eventDetails": {"scope": "SCOPE_EVERYTHING"}}, 400),
        ({"fields": ["UserEmail", "UserEmail"]}, 400),
        ({"fields": ["NoSuchField"]}, 400),
        ({"timezone": "Mars/Olympus_Mons"}, 400),
    ],
)
def test_bad_export_requests(api: Api, body: dict[str, Any], status: int) -> None:
    payload = {"segmentId": "everyone", "type": "TYPE_EVENT", "format": "FORMAT_JSON", **body}
    response = api.post("/segments/v1/exports", json=payload)
    assert response.status_code == status
    assert set(response.json()) == {"message", "code"}


def test_malformed_json_body_is_400(api: Api) -> None:
    response = api.post("/segments/v1/exports", data="{oops", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_argument"


def test_snake_case_body_and_both_scope_spellings(api: Api, clock: FakeClock) -> None:
    snake = {
        "segment_id": "rageClicks",
        "type": "TYPE_EVENT",
        "format": "FORMAT_NDJSON",
        "time_range": {"start": "", "end": ""},
        "event_details": {"scope": "SCOPE_EVENT"},
    }
    response = api.post("/segments/v1/exports", json=snake)
    assert response.status_code == 200
    _, raw_singular = download(api, clock, segmentId="rageClicks", eventDetails={"scope": "SCOPE_EVENT"})
    _, raw_plural = download(api, clock, segmentId="rageClicks", eventDetails={"scope": "SCOPE_EVENTS"})
    assert raw_singular == raw_plural


@pytest.mark.parametrize(("fmt", "ext"), [("FORMAT_JSON", "json"), ("FORMAT_NDJSON", "ndjson"), ("FORMAT_CSV", "csv")])
def test_each_format_with_requested_fields(api: Api, clock: FakeClock, fmt: str, ext: str) -> None:
    fields = ["UserEmail", "EventType", "EventTargetText", "PageUrl", "EventModFrustrated"]
    response, raw = download(api, clock, segmentId="rageClicks", format=fmt, fields=fields)
    assert response.headers["Content-Type"] in {"application/gzip", "application/octet-stream"}
    assert response.headers["Content-Disposition"] == f'attachment; filename="Rage-Clicks-2025-06-15.{ext}.gz"'
    if fmt == "FORMAT_JSON":
        rows = json.loads(raw)
    elif fmt == "FORMAT_NDJSON":
        rows = ndjson(raw)
    else:
        reader = csv.DictReader(io.StringIO(raw.decode()))
        assert reader.fieldnames == fields
        rows = list(reader)
    assert rows and all(list(r) == fields for r in rows)
    assert {r["EventType"] for r in rows} == {"click"}
    assert all(int(r["EventModFrustrated"]) >= 1 for r in rows)


def test_rage_click_rows_match_the_data(api: Api, clock: FakeClock, sim: FullstorySimulator) -> None:
    _, raw = download(api, clock, segmentId="rageClicks", fields=["SessionId", "EventModFrustrated", "EventStart"])
    rows = ndjson(raw)
    bursts = [e.click_count for s in sim.data.sessions for _, e in s.iter_events() if e.kind == "rage-click"]
    assert len(rows) == sum(bursts)  # one click row per click of each burst, counting up
    assert sum(1 for r in rows if r["EventModFrustrated"] == 1) == len(bursts)
    assert isinstance(rows[0]["SessionId"], int)  # ids are int64 numbers inside export files
    stamps = [parse_rfc3339(r["EventStart"]) for r in rows]
    assert stamps == sorted(stamps)


def test_scopes_widen(api: Api, clock: FakeClock) -> None:
    counts = []
    for scope in ("SCOPE_EVENTS", "SCOPE_PAGES", "SCOPE_SESSIONS", "SCOPE_INDIVIDUAL"):
        _, raw = download(api, clock, segmentId="rageClicks", eventDetails={"scope": scope}, fields=["EventStart"])
        counts.append(len(ndjson(raw)))
    assert counts == sorted(counts) and counts[0] < counts[1] < counts[2] < counts[3]


def test_time_range_filters_events(api: Api, clock: FakeClock) -> None:
    start, end = "2025-06-01T00:00:00Z", "2025-06-08T00:00:00Z"
    _, raw = download(api, clock, fields=["EventStart"], timeRange={"start": start, "end": end})
    rows = ndjson(raw)
    _, everything = download(api, clock, fields=["EventStart"])
    expected = [
        r for r in ndjson(everything) if parse_rfc3339(start) <= parse_rfc3339(r["EventStart"]) < parse_rfc3339(end)
    ]
    assert rows and rows == expected  # by EventStart, [start, end)
    assert len(rows) < len(ndjson(everything))


def test_default_fields_and_custom_vars(api: Api, clock: FakeClock) -> None:
    _, raw = download(api, clock, format="FORMAT_JSON")
    rows = json.loads(raw)
    assert {
        "IndvId",
        "UserId",
        "SessionId",
        "PageId",
        "UserEmail",
        "EventStart",
        "EventType",
        "PageUrl",
        "PageRefererUrl",
        "PageName",
        "user_loyaltyTier_str",
        "evt_price_real",
    } <= set(rows[0])
    assert "PageTitle" not in rows[0]  # no official field list has a title column
    login = [r for r in rows if r["EventCustomName"] == "Login Success"]
    assert login and {r["evt_method_str"] for r in login} <= {"password", "google", "apple", "sso"}


def test_individual_export(api: Api, clock: FakeClock, sim: FullstorySimulator) -> None:
    admins = next(s for s in sim.data.segments if s.name == "Admin Users")
    fields = ["Uid", "Email", "NumSessions", "LastSessionStart", "user_role_str"]
    _, raw = download(api, clock, segmentId=admins.id, type="TYPE_INDIVIDUAL", format="FORMAT_CSV", fields=fields)
    rows = list(csv.DictReader(io.StringIO(raw.decode())))
    expected = {u.uid for u in sim.data.users if u.role == "admin"}
    assert {r["Uid"] for r in rows} == expected
    for row in rows:
        assert int(row["NumSessions"]) == len(sim.data.sessions_of(row["Uid"]))
        assert row["user_role_str"] == "admin"


def test_results_link_expires_and_can_be_refreshed(api: Api, clock: FakeClock) -> None:
    operation = finish(api, clock, export(api))
    path = f"/search/v1/exports/{operation['results']['searchExportId']}/results"
    link = api.get(path).json()
    assert set(link) == {"location", "expires"}
    assert link["location"].startswith(f"{api.sim.base_url}/__sim/downloads/")
    assert "Expires=" in link["location"] and "Signature=" in link["location"]
    assert parse_rfc3339(link["expires"]) - clock.now == pytest.approx(300, abs=1)
    clock.advance(301)
    expired = requests.get(link["location"], timeout=10)
    assert expired.status_code == 403 and "ExpiredToken" in expired.text
    fresh = api.get(path).json()
    assert requests.get(fresh["location"], timeout=10).status_code == 200


def test_tampered_link_is_rejected(api: Api, clock: FakeClock) -> None:
    operation = finish(api, clock, export(api))
    location = api.get(f"/search/v1/exports/{operation['results']['searchExportId']}/results").json()["location"]
    tampered = location[:-4] + ("0000" if not location.endswith("0000") else "1111")
    response = requests.get(tampered, timeout=10)
    assert response.status_code == 403 and "SignatureDoesNotMatch" in response.text


def test_results_before_completion_and_unknown_ids(api: Api) -> None:
    operation_id = export(api)
    assert api.get(f"/search/v1/exports/{operation_id}/results").status_code == 404  # op id ≠ export id
    assert api.get("/operations/v1/nope").status_code == 404
    assert api.get("/search/v1/exports/nope/results").status_code == 404


def test_results_of_a_pending_export_are_refused(api: Api, sim: FullstorySimulator) -> None:
    export(api)
    job = sim.exports.all()[0]
    response = api.get(f"/search/v1/exports/{job.export_id}/results")
    assert response.status_code == 400 and response.json()["code"] == "failed_precondition"


def test_list_operations(api: Api, clock: FakeClock) -> None:
    first = export(api)
    clock.advance(1)
    second = export(api)
    body = api.get("/operations/v1", params={"type": "SEARCH_EXPORT"}).json()
    assert [o["id"] for o in body["operations"]] == [second, first]  # newest first
    assert "nextPaginationToken" not in body
    assert api.get("/operations/v1", params={"state": "COMPLETED"}).json()["operations"] == []
    paged = api.get("/operations/v1", params={"limit": 1}).json()
    assert len(paged["operations"]) == 1 and paged["nextPaginationToken"]
    assert api.get("/operations/v1", params={"state": "RUNNING"}).status_code == 400
