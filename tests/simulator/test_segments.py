"""GET /segments/v1 (paging, creator filter, token spellings) and GET /segments/v1/{id}."""

from __future__ import annotations

import re

from local.fullstory_sim import FullstorySimulator
from local.fullstory_sim.timeutil import parse_rfc3339

from .conftest import Api, encoded


def test_dataset_has_builtin_and_custom_segments(sim: FullstorySimulator) -> None:
    names = {s.name for s in sim.data.segments}
    assert len(sim.data.segments) >= 25
    assert {
        "Everyone",
        "Rage Clicks",
        "High-Value Customers",
        "Admin Users",
        "Blog Readers",
        "Checkout Abandoners",
    } <= names
    creators = {s.creator for s in sim.data.segments if s.creator}
    assert "maria@acme.com" in creators and len(creators) >= 3


def test_first_page_defaults_to_20_with_next_token(api: Api) -> None:
    body = api.get("/segments/v1").json()
    assert len(body["segments"]) == 20
    assert body["nextPaginationToken"]
    first = body["segments"][0]
    assert first["id"] == "everyone"


def test_paging_visits_every_segment_once(api: Api, sim: FullstorySimulator) -> None:
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 7}
    pages = 0
    while True:
        body = api.get("/segments/v1", params=params).json()
        pages += 1
        seen += [s["id"] for s in body["segments"]]
        if "nextPaginationToken" not in body:
            break
        params = {"limit": 7, "paginationToken": body["nextPaginationToken"]}
    assert seen == [s.id for s in sim.data.segments]
    assert pages == -(-len(sim.data.segments) // 7)


def test_both_token_spellings_return_the_same_page(api: Api) -> None:
    token = api.get("/segments/v1", params={"limit": 5}).json()["nextPaginationToken"]
    camel = api.get("/segments/v1", params={"limit": 5, "paginationToken": token}).json()
    snake = api.get("/segments/v1", params={"limit": 5, "pagination_token": token}).json()
    assert camel == snake
    assert camel["segments"][0]["id"] != "everyone"


def test_all_segments_fit_in_one_page_of_100_without_token(api: Api, sim: FullstorySimulator) -> None:
    body = api.get("/segments/v1", params={"limit": 100}).json()
    assert len(body["segments"]) == len(sim.data.segments)
    assert "nextPaginationToken" not in body


def test_limit_above_100_is_400(api: Api) -> None:
    response = api.get("/segments/v1", params={"limit": 101})
    assert response.status_code == 400
    assert set(response.json()) == {"message", "code"} and "limit" in response.json()["message"]


def test_invalid_or_foreign_token_is_400(api: Api) -> None:
    assert api.get("/segments/v1", params={"paginationToken": "garbage!"}).status_code == 400
    token = api.get("/segments/v1", params={"limit": 2, "creator": "maria@acme.com"}).json()["nextPaginationToken"]
    # other list parameters must not change between pages
    assert api.get("/segments/v1", params={"limit": 2, "paginationToken": token}).status_code == 400


def test_creator_filter(api: Api, sim: FullstorySimulator) -> None:
    expected = [s.id for s in sim.data.segments if s.creator == "maria@acme.com"]
    body = api.get("/segments/v1", params={"creator": "Maria@Acme.com", "limit": 100}).json()
    assert [s["id"] for s in body["segments"]] == expected
    assert {s["creator"] for s in body["segments"]} == {"maria@acme.com"}
    assert api.get("/segments/v1", params={"creator": "nobody@acme.com"}).json() == {"segments": []}


def test_builtin_segment_has_no_created_and_no_creator(api: Api, sim: FullstorySimulator) -> None:
    body = api.get("/segments/v1/everyone").json()
    assert body == {
        "id": "everyone",
        "name": "Everyone",
        "url": f"https://app.fullstory.com/ui/{sim.data.org_id}/segments/everyone/people/0",
    }


def test_custom_segment_fields(api: Api, sim: FullstorySimulator) -> None:
    segment = next(s for s in sim.data.segments if s.name == "High-Value Customers")
    body = api.get(f"/segments/v1/{segment.id}").json()
    assert body["name"] == "High-Value Customers" and body["creator"] == segment.creator
    assert re.fullmatch(r"[A-Za-z0-9]{12}", body["id"])
    assert parse_rfc3339(body["created"]) < sim.clock()
    assert body["url"].endswith(f"/segments/{segment.id}/people/0")


def test_legacy_email_style_id_is_url_decoded(api: Api, sim: FullstorySimulator) -> None:
    legacy = next(s for s in sim.data.segments if ":" in s.id and "@" in s.id)
    response = api.get(f"/segments/v1/{encoded(legacy.id)}")
    assert response.status_code == 200 and response.json()["id"] == legacy.id


def test_unknown_segment_is_404(api: Api) -> None:
    response = api.get("/segments/v1/doesNotExist")
    assert response.status_code == 404
    assert response.json()["code"] == "resource_not_found"
