"""/v2/visit_profile CRUD, paging, validation and the per-org cap."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator

from .conftest import KEY, Api

LLM = {"pre_prompt": "You are a support agent.", "post_prompt": "Summarise.", "temperature": 0.3}


def create(api: Api, name: str = "Support", **extra: Any) -> dict[str, Any]:
    response = api.post("/v2/visit_profile", json={"name": name, "llm": LLM, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_get_update_delete(api: Api) -> None:
    created = create(api, slice={"mode": "LAST", "event_limit": 200}, events={"exclude_types": ["element-seen"]})
    assert uuid.UUID(created["id"]).version == 4
    assert created["name"] == "Support" and created["llm"] == LLM
    assert created["configuration"]["slice"] == {"mode": "LAST", "event_limit": 200}
    assert set(created["configuration"]) == {"slice", "context", "events", "cache"}
    assert api.get(f"/v2/visit_profile/{created['id']}").json() == created
    updated = api.post(f"/v2/visit_profile/{created['id']}", json={"llm": {"temperature": 0.9}, "name": "Renamed"})
    assert updated.status_code == 200
    body = updated.json()
    assert body["name"] == "Renamed" and body["llm"]["temperature"] == 0.9
    assert body["llm"]["pre_prompt"] == LLM["pre_prompt"]  # partial update keeps the rest
    assert body["configuration"]["slice"]["mode"] == "LAST"
    assert api.delete(f"/v2/visit_profile/{created['id']}").json() == {}
    gone = api.get(f"/v2/visit_profile/{created['id']}")
    assert gone.status_code == 404 and gone.json()["code"] == "resource_not_found"
    assert api.delete(f"/v2/visit_profile/{created['id']}").status_code == 404


def test_ids_are_server_assigned_and_distinct(api: Api) -> None:
    ids = {create(api, f"p{i}")["id"] for i in range(5)}
    assert len(ids) == 5


def test_list_pages_with_next_pagination_token(api: Api) -> None:
    names = [f"profile-{i}" for i in range(5)]
    for name in names:
        create(api, name)
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        body = api.get("/v2/visit_profile", params=params).json()
        seen += [p["name"] for p in body["profiles"]]
        if "next_pagination_token" not in body:
            break
        params = {"limit": 2, "pagination_token": body["next_pagination_token"]}
    assert seen == names
    assert api.get("/v2/visit_profile", params={"pagination_token": "bogus"}).status_code == 400
    assert api.get("/v2/visit_profile", params={"limit": 101}).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"llm": LLM},
        {"name": "x", "llm": {**LLM, "temperature": 7}},
        {"name": "x", "llm": {**LLM, "model": "GPT_5"}},
        {"name": "x", "llm": {**LLM, "response_schema": {"$schema": "x", "type": "OBJECT"}}},
        {"name": "x", "llm": {**LLM, "response_schema": {"type": "ARRAY"}}},
        {"name": "x", "llm": LLM, "slice": {"mode": "MIDDLE"}},
        {"name": "x", "llm": LLM, "context": {"include": ["weather"]}},
        {"name": "x", "events": {"include_types": "click"}},
    ],
)
def test_invalid_profiles_are_400(api: Api, body: dict[str, Any]) -> None:
    response = api.post("/v2/visit_profile", json=body)
    assert response.status_code == 400
    assert set(response.json()) == {"message", "code"}


def test_only_the_name_is_required(api: Api) -> None:
    # SDK profile.ts: create(name, configuration), every ProfileConfiguration field optional; the docs'
    # merge example saves a profile of `events` alone, with a custom event name among its types.
    events = {"include_types": ["Added to Cart"]}
    created = api.post("/v2/visit_profile", json={"name": "events only", "events": events})
    assert created.status_code == 200, created.text
    assert created.json()["llm"] == {} and created.json()["configuration"]["events"] == events


def test_profile_cap() -> None:
    with FullstorySimulator(api_key=KEY, max_profiles=3) as sim:
        api = Api(sim)
        for i in range(3):
            create(api, f"p{i}")
        over = api.post("/v2/visit_profile", json={"name": "one too many", "llm": LLM})
        assert over.status_code == 400 and over.json()["code"] == "resource_exhausted"
        first = api.get("/v2/visit_profile").json()["profiles"][0]["id"]
        api.delete(f"/v2/visit_profile/{first}")
        assert api.post("/v2/visit_profile", json={"name": "fits again", "llm": LLM}).status_code == 200
