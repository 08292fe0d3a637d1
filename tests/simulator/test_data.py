"""The seeded dataset: size, realism invariants and determinism."""

from __future__ import annotations

import re
from collections import Counter

from local.fullstory_sim import FullstorySimulator

from .conftest import KEY, START, kinds


def test_size_and_coverage(sim: FullstorySimulator) -> None:
    data = sim.data
    assert len(data.users) >= 60 and len(data.sessions) >= 300
    per_user = Counter(s.uid for s in data.sessions)
    assert all(per_user[u.uid] >= 1 for u in data.users)
    assert sum(1 for u in data.users if per_user[u.uid] >= 10) >= 3
    assert any(u.email == "john.doe@example.com" for u in data.users)
    assert all(re.fullmatch(r"usr_\d{4}", u.uid) for u in data.users)
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+@example\.com", u.email) for u in data.users)
    assert len({u.email for u in data.users}) == len(data.users)


def test_sessions_are_recent_and_well_formed(sim: FullstorySimulator) -> None:
    for session in sim.data.sessions:
        assert session.device_id.isdigit() and session.session_id.isdigit()
        assert START - 61 * 86400 < session.start_ms / 1000 < START
        assert session.pages and session.pages[0].events[0].kind == "navigate"
        stamps = [e.at_ms for _, e in session.iter_events()]
        assert stamps == sorted(stamps)
        assert all(p.url.startswith("https://www.acme-outfitters.com/") for p in session.pages)


def test_every_event_kind_and_consent_story_occurs(sim: FullstorySimulator) -> None:
    seen: set[str] = set()
    for session in sim.data.sessions:
        seen |= kinds(session)
    assert {
        "navigate",
        "click",
        "dead-click",
        "error-click",
        "rage-click",
        "input-change",
        "console-error",
        "network-error",
        "element-seen",
        "custom",
    } <= seen
    consent = Counter(e.consent for s in sim.data.sessions for _, e in s.iter_events())
    assert consent["banner-shown"] and consent["accept"] and consent["reject"]
    assert consent["cmp-error"] and consent["banner-reshown"]
    messages = {e.message for s in sim.data.sessions for _, e in s.iter_events() if e.kind == "console-error"}
    assert "TypeError: Cannot read properties of undefined (reading 'price')" in messages
    failed = [e for s in sim.data.sessions for _, e in s.iter_events() if e.kind == "network-error"]
    assert all(e.status >= 400 and e.request_url.startswith("https://") for e in failed)


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = FullstorySimulator(seed=7, anchor=START).data
    b = FullstorySimulator(seed=7, anchor=START).data
    c = FullstorySimulator(seed=8, anchor=START).data
    assert [s.id for s in a.sessions] == [s.id for s in b.sessions]
    assert [u.email for u in a.users] == [u.email for u in b.users]
    assert [s.id for s in a.sessions] != [s.id for s in c.sessions]


def test_data_follows_the_clock(sim: FullstorySimulator) -> None:
    later = FullstorySimulator(seed=42, clock=lambda: START + 30 * 86400).data
    assert [s.id for s in later.sessions] == [s.id for s in sim.data.sessions]
    assert later.sessions[0].start_ms - sim.data.sessions[0].start_ms == 30 * 86400 * 1000


def test_the_documented_example_session_is_john_does_latest_visit() -> None:
    # The README's tool table, the tools' descriptions and their sample events name this session.
    from tools.summaries import EXAMPLE_SESSION

    device_id, session_id = EXAMPLE_SESSION["sessionId"].split(":")
    for seed in (42, 7):
        data = FullstorySimulator(api_key=KEY, seed=seed).data
        latest = max(data.sessions_of("usr_1001"), key=lambda s: s.start_ms)
        assert (latest.device_id, latest.session_id) == (device_id, session_id), seed
        assert len({(s.device_id, s.session_id) for s in data.sessions}) == len(data.sessions)
