"""Authentication (Basic raw key, Bearer), non-admin keys and key rotation."""

from __future__ import annotations

import base64

import pytest

from local.fullstory_sim import FullstorySimulator

from .conftest import KEY, Api, path_id

UNAUTHORIZED = {"message": "access is unauthorized", "code": "unauthorized"}
FORBIDDEN = {"message": "insufficient permissions", "code": "forbidden"}


@pytest.mark.parametrize(
    "header",
    [None, "Basic wrong-key", f"Basic {base64.b64encode(f'{KEY}:'.encode()).decode()}", KEY, "Basic ", f"Token {KEY}"],
)
def test_missing_or_wrong_key_is_401(sim: FullstorySimulator, header: str | None) -> None:
    response = Api(sim, auth=header).get("/segments/v1")
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


@pytest.mark.parametrize("scheme", ["Basic", "Bearer", "basic"])
def test_raw_key_with_basic_or_bearer_is_accepted(sim: FullstorySimulator, scheme: str) -> None:
    assert Api(sim, auth=f"{scheme} {KEY}").get("/segments/v1").status_code == 200


def test_key_rotation_at_runtime(sim: FullstorySimulator) -> None:
    old, new = Api(sim), Api(sim, auth="Basic rotated-key")
    assert new.get("/segments/v1").status_code == 401
    sim.api_key = "rotated-key"
    assert old.get("/segments/v1").status_code == 401
    assert new.get("/segments/v1").status_code == 200


def test_non_admin_key_is_forbidden_on_exports_and_activation() -> None:
    with FullstorySimulator(api_key=KEY, admin=False) as sim:
        api = Api(sim)
        session = sim.data.sessions[0]
        forbidden = [
            api.post(
                "/segments/v1/exports", json={"segmentId": "everyone", "type": "TYPE_EVENT", "format": "FORMAT_JSON"}
            ),
            api.get("/operations/v1"),
            api.get("/search/v1/exports/abc/results"),
            api.get("/v2/visit_profile"),
            api.get(f"/v2/sessions/{path_id(session)}/events"),
            api.post(f"/v2/sessions/{path_id(session)}/summary", json={"llm": {"pre_prompt": "x"}}),
            api.post(f"/v2/sessions/{path_id(session)}/context", json={}),
        ]
        for response in forbidden:
            assert response.status_code == 403, response.url
            assert response.json() == FORBIDDEN
        assert api.get("/segments/v1").status_code == 200
        assert api.get("/sessions/v2", params={"uid": "usr_1001"}).status_code == 200
        sim.admin = True  # upgrading the key takes effect at once
        assert api.get("/v2/visit_profile").status_code == 200


def test_wrong_key_is_checked_before_admin(sim: FullstorySimulator) -> None:
    sim.admin = False
    assert Api(sim, auth="Basic nope").get("/v2/visit_profile").status_code == 401


def test_control_endpoints_need_no_auth(sim: FullstorySimulator) -> None:
    anonymous = Api(sim, auth=None)
    assert anonymous.get("/__sim/requests").status_code == 200
    assert anonymous.get("/__sim/health").json() == {"ok": True}
