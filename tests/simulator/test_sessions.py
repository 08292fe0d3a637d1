"""GET /sessions/v2 and GET /v2/sessions/{id}/events."""

from __future__ import annotations

import re

import pytest

from local.fullstory_sim import FullstorySimulator

from .conftest import Api, find_session, kinds, path_id


def _all_pages(api: Api, params: dict[str, object]) -> tuple[list[dict[str, str]], int]:
    """Every session behind ``params``, following ``pagination_token`` as Fullstory's SDK does."""
    sessions: list[dict[str, str]] = []
    query, pages = dict(params), 0
    while True:
        body = api.get("/sessions/v2", params=query).json()
        pages += 1
        sessions.extend(body["sessions"])
        if "pagination_token" not in body:
            return sessions, pages
        query["pagination_token"] = body["pagination_token"]


def test_sessions_by_email_newest_first(api: Api, sim: FullstorySimulator) -> None:
    john = sim.data.users_with_email("john.doe@example.com")[0]
    expected = sorted(sim.data.sessions_of(john.uid), key=lambda s: s.start_ms, reverse=True)
    sessions, _ = _all_pages(api, {"email": "john.doe@example.com", "limit": 100})
    assert [f"{s['userId']}:{s['sessionId']}" for s in sessions] == [s.id for s in expected]
    first = sessions[0]
    assert set(first) == {"userId", "sessionId", "createdTime", "fsUrl"}
    assert isinstance(first["createdTime"], str) and first["createdTime"] == str(expected[0].start_ms // 1000)
    assert first["fsUrl"] == (
        f"https://app.fullstory.com/ui/{sim.data.org_id}/session/{first['userId']}:{first['sessionId']}"
    )
    assert re.fullmatch(r"\d+", first["userId"]) and re.fullmatch(r"\d+", first["sessionId"])


def test_limit_defaults_to_20_and_is_honoured(api: Api, sim: FullstorySimulator) -> None:
    sim.sessions_page_size = 100
    heavy = next(u for u in sim.data.users if len(sim.data.sessions_of(u.uid)) >= 10)
    assert len(api.get("/sessions/v2", params={"uid": heavy.uid, "limit": 3}).json()["sessions"]) == 3
    default = api.get("/sessions/v2", params={"uid": heavy.uid}).json()["sessions"]
    assert len(default) == min(20, len(sim.data.sessions_of(heavy.uid)))


def test_pages_follow_pagination_token(api: Api, sim: FullstorySimulator) -> None:
    heavy = max(sim.data.users, key=lambda u: len(sim.data.sessions_of(u.uid)))
    total = len(sim.data.sessions_of(heavy.uid))
    sim.sessions_page_size = 4
    first = api.get("/sessions/v2", params={"uid": heavy.uid, "limit": 100}).json()
    assert len(first["sessions"]) == 4 and first["pagination_token"]
    sessions, pages = _all_pages(api, {"uid": heavy.uid, "limit": 100})
    assert len(sessions) == len({s["sessionId"] for s in sessions}) == total
    assert pages == -(-total // 4)
    last = api.get("/sessions/v2", params={"uid": heavy.uid, "limit": 3}).json()
    assert len(last["sessions"]) == 3  # the limit still caps the page
    camel = api.get("/sessions/v2", params={"uid": heavy.uid, "paginationToken": first["pagination_token"]}).json()
    assert camel["sessions"][0] == sessions[4]


@pytest.mark.parametrize("token", ["garbage", "c2Vzc2lvbnM6NDp4fHk"])  # the second belongs to another query
def test_foreign_or_broken_pagination_token_is_400(api: Api, sim: FullstorySimulator, token: str) -> None:
    response = api.get("/sessions/v2", params={"uid": "usr_1001", "pagination_token": token})
    assert response.status_code == 400 and "pagination_token" in response.json()["message"]


def test_uid_and_email_give_the_union(api: Api, sim: FullstorySimulator) -> None:
    a, b = sim.data.users[3], sim.data.users[4]
    by_uid = {s["sessionId"] for s in api.get("/sessions/v2", params={"uid": a.uid, "limit": 100}).json()["sessions"]}
    by_email = {
        s["sessionId"] for s in api.get("/sessions/v2", params={"email": b.email, "limit": 100}).json()["sessions"]
    }
    both = api.get("/sessions/v2", params={"uid": a.uid, "email": b.email, "limit": 100}).json()["sessions"]
    assert by_uid and by_email and not by_uid & by_email
    assert [s["sessionId"] for s in both] and {s["sessionId"] for s in both} == by_uid | by_email
    same = api.get("/sessions/v2", params={"uid": a.uid, "email": a.email, "limit": 100}).json()["sessions"]
    assert len(same) == len(by_uid)  # no duplicates when both name the same person


def test_uid_or_email_required(api: Api) -> None:
    response = api.get("/sessions/v2", params={"limit": 5})
    assert response.status_code == 400 and set(response.json()) == {"message", "code"}


def test_unknown_person_has_no_sessions(api: Api) -> None:
    assert api.get("/sessions/v2", params={"email": "nobody@example.com"}).json() == {"sessions": []}


def test_session_events_snake_case(api: Api, sim: FullstorySimulator) -> None:
    session = find_session(sim, lambda s: {"console-error", "network-error"} <= kinds(s))
    body = api.get(f"/v2/sessions/{path_id(session)}/events").json()
    events = body["events"]
    assert len(events) == session.num_events
    assert set(events[0]) == {
        "device_id",
        "session_id",
        "view_id",
        "event_time",
        "event_type",
        "event_properties",
        "source_type",
        "source_properties",
    }
    assert {e["device_id"] for e in events} == {session.device_id}
    assert {e["view_id"] for e in events} == {p.page_id for p in session.pages}
    consoles = [e for e in events if e["event_type"] == "console-error"]
    expected = [e.message for _, e in session.iter_events() if e.kind == "console-error"]
    assert [c["event_properties"]["message"] for c in consoles] == expected
    network = next(e for e in events if e["event_type"] == "network-error")
    assert network["event_properties"]["status_code"] >= 400


def test_session_id_separators(api: Api, sim: FullstorySimulator) -> None:
    session = sim.data.sessions[10]
    colon = api.get(f"/v2/sessions/{path_id(session)}/events").json()
    bang = api.get(f"/v2/sessions/{path_id(session, '!')}/events").json()
    raw = api.get(f"/v2/sessions/{path_id(session, ':')}/events").json()
    assert colon == bang == raw and colon["events"]


def test_unknown_and_malformed_session_ids(api: Api) -> None:
    missing = api.get("/v2/sessions/123%3A456/events")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Requested resource does not exist", "code": "resource_not_found"}
    assert api.get("/v2/sessions/justonepart/events").status_code == 400


def test_context_document(api: Api, sim: FullstorySimulator) -> None:
    session = find_session(sim, lambda s: "console-error" in kinds(s))
    body = api.post(f"/v2/sessions/{path_id(session)}/context", json={}).json()["context_data"]
    ctx = body["context"]
    assert ctx["session_id"] == session.id and ctx["session_url"].endswith(session.id)
    assert set(ctx) >= {"org_context", "user_context", "location_context", "device_context", "session_created_at"}
    assert ctx["user_context"]["user_uid"] == session.uid
    assert [p["url"] for p in body["pages"]] == [p.url for p in session.pages]
    flat = [e for p in body["pages"] for e in p["events"]]
    assert len(flat) == session.num_events
    assert all({"type", "description", "timestamp", "content", "properties"} <= set(e) for e in flat)


def test_context_honours_filters_and_slice(api: Api, sim: FullstorySimulator) -> None:
    session = find_session(sim, lambda s: "console-error" in kinds(s) and s.num_events > 8)
    body = api.post(
        f"/v2/sessions/{path_id(session)}/context",
        json={
            "context": {"exclude": ["user", "org"]},
            "events": {"include_types": ["console-error", "navigate"], "exclude_event_timestamps": True},
        },
    ).json()["context_data"]
    assert "user_context" not in body["context"] and "org_context" not in body["context"]
    flat = [e for p in body["pages"] for e in p["events"]]
    assert {e["type"] for e in flat} == {"console-error", "navigate"}
    assert all("timestamp" not in e for e in flat)
    sliced = api.post(
        f"/v2/sessions/{path_id(session)}/context", json={"slice": {"mode": "LAST", "event_limit": 3}}
    ).json()["context_data"]
    last = [e for p in sliced["pages"] for e in p["events"]]
    assert len(last) == 3 and last[-1]["content"] == (
        session.pages[-1].events[-1].message or session.pages[-1].events[-1].target_text
    )
    # A name that is no built-in type may be a custom event's (docs: generate-summary-with-overrides).
    bad = api.post(f"/v2/sessions/{path_id(session)}/context", json={"events": {"include_types": "navigate"}})
    assert bad.status_code == 400
