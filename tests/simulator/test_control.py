"""The /__sim/ HTTP control surface for out-of-process users."""

from __future__ import annotations

from local.fullstory_sim import FullstorySimulator

from .conftest import KEY, Api, FakeClock


def test_fault_lifecycle_over_http(api: Api, sim: FullstorySimulator) -> None:
    control = Api(sim, auth=None)
    created = control.post(
        "/__sim/faults", json={"path_regex": "^/segments/v1$", "status": 429, "retry_after": 3, "times": 2}
    )
    assert created.status_code == 201
    assert created.json()["fault"]["times"] == 2
    assert control.get("/__sim/faults").json()["faults"][0]["status"] == 429
    limited = api.get("/segments/v1")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert control.delete("/__sim/faults").status_code == 200
    assert control.get("/__sim/faults").json() == {"faults": []}
    assert api.get("/segments/v1").status_code == 200


def test_reset_and_delay_over_http(api: Api, sim: FullstorySimulator) -> None:
    control = Api(sim, auth=None)
    control.post("/__sim/faults", json={"path_regex": "everyone", "reset": True, "method": "GET"})
    assert sim.pending_faults()[0]["reset"] is True and sim.pending_faults()[0]["method"] == "GET"


def test_bad_fault_specs_are_400(sim: FullstorySimulator) -> None:
    control = Api(sim, auth=None)
    for spec in (
        {},
        {"path_regex": "x", "status": 1000},
        {"path_regex": "x", "colour": "red"},
        {"path_regex": "(", "status": 500},
        {"path_regex": "x", "times": 0},
    ):
        response = control.post("/__sim/faults", json=spec)
        assert response.status_code == 400, spec
        assert set(response.json()) == {"message", "code"}
    assert sim.pending_faults() == []


def test_request_log_over_http(api: Api, sim: FullstorySimulator) -> None:
    api.get("/segments/v1", params={"limit": 3})
    api.get("/sessions/v2", params={"email": "john.doe@example.com"})
    control = Api(sim, auth=None)
    logged = control.get("/__sim/requests").json()["requests"]
    assert [(r["method"], r["path"]) for r in logged] == [("GET", "/segments/v1"), ("GET", "/sessions/v2")]
    assert logged[0]["query"] == "limit=3"
    control.delete("/__sim/requests")
    assert control.get("/__sim/requests").json() == {"requests": []}


def test_config_over_http(api: Api, sim: FullstorySimulator, clock: FakeClock) -> None:
    control = Api(sim, auth=None)
    config = control.post("/__sim/config", json={"admin": False, "export_seconds": 1, "fail_next_export": "boom"})
    assert config.status_code == 200 and config.json()["admin"] is False and config.json()["export_seconds"] == 1.0
    assert api.get("/v2/visit_profile").status_code == 403
    control.post("/__sim/config", json={"admin": True})
    operation_id = api.post(
        "/segments/v1/exports", json={"segmentId": "everyone", "type": "TYPE_INDIVIDUAL", "format": "FORMAT_CSV"}
    ).json()["operationId"]
    clock.advance(1)
    failed = api.get(f"/operations/v1/{operation_id}").json()
    assert failed["state"] == "FAILED" and failed["errorDetails"] == "boom"
    control.post("/__sim/config", json={"api_key": "rotated"})
    assert api.get("/segments/v1").status_code == 401
    assert control.get("/__sim/config").json()["api_key"] == "rotated" != KEY
    assert control.post("/__sim/config", json={"export_seconds": -1}).status_code == 400
