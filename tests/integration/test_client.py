"""The Fullstory client over real HTTP against the simulator."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import pytest
import requests

from fullstory_client import (
    CreateUncertain,
    Forbidden,
    FullstoryClient,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unauthorized,
    UpstreamError,
    UpstreamTimeout,
)
from fullstory_client.models import TimeRange
from fullstory_client.summary_config import SummaryConfiguration
from local.fullstory_sim import FullstorySimulator
from local.fullstory_sim.summaries import SIMULATED_PREFIX


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(simulator: FullstorySimulator, sleeps: Sleeps) -> Iterator[FullstoryClient]:
    fs = FullstoryClient(simulator.api_key, base_url=simulator.base_url, sleep=sleeps, read_timeout=2.0)
    yield fs
    fs.close()


def _count(simulator: FullstorySimulator, method: str, prefix: str) -> int:
    return sum(1 for m, p in list(simulator.requests) if m == method and p.startswith(prefix))


def test_segments_page_through_everything(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = client.list_segments(limit=5, pagination_token=token)
        pages += 1
        assert len(page.segments) <= 5
        seen.extend(s.id for s in page.segments)
        token = page.next_pagination_token
        if not token:
            break
    assert pages > 1
    assert len(seen) == len(set(seen)) == len(simulator.data.segments)
    assert "everyone" in seen


def test_creator_filter(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    creator = next(s.creator for s in simulator.data.segments if s.creator)
    page = client.list_segments(limit=100, creator=creator)
    assert page.segments and all(s.creator == creator for s in page.segments)


def test_builtin_segment_has_no_created(client: FullstoryClient) -> None:
    everyone = client.get_segment("everyone")
    assert everyone.id == "everyone" and everyone.created is None and everyone.name


def test_unknown_segment_is_not_found(client: FullstoryClient) -> None:
    with pytest.raises(NotFound):
        client.get_segment("no-such-segment/../x")


def test_sessions_by_email_and_union(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    users = [u for u in simulator.data.users if u.email][:2]
    by_email = client.list_sessions(email=users[0].email, limit=100).sessions
    by_uid = client.list_sessions(uid=users[1].uid, limit=100).sessions
    both = client.list_sessions(email=users[0].email, uid=users[1].uid, limit=100).sessions
    assert by_email and by_uid
    assert {s.full_id for s in both} == {s.full_id for s in by_email} | {s.full_id for s in by_uid}
    created = [s.created_time for s in by_email]
    assert created == sorted(created, reverse=True)
    assert all(s.full_id in s.fs_url for s in by_email)


def test_export_lifecycle_to_a_gzip_file() -> None:
    now = [1_800_000_000.0]
    with FullstorySimulator(api_key="k", export_seconds=60, clock=lambda: now[0]) as sim:
        fs = FullstoryClient("k", base_url=sim.base_url)
        operation_id = fs.create_segment_export(
            segment_id="everyone",
            export_type="TYPE_EVENT",
            export_format="FORMAT_NDJSON",
            time_range=TimeRange(start="", end=""),
            fields=["UserEmail", "EventType", "PageUrl"],
            scope="SCOPE_SESSIONS",
        )
        pending = fs.get_operation(operation_id)
        assert pending.state == "PENDING" and pending.results is None
        now[0] += 30
        halfway = fs.get_operation(operation_id)
        assert halfway.state == "PENDING" and pending.estimate_pct_complete < halfway.estimate_pct_complete < 100
        now[0] += 31
        done = fs.get_operation(operation_id)
        assert done.state == "COMPLETED" and done.results is not None and done.type == "SEARCH_EXPORT"
        download = fs.get_search_export_results(done.results.search_export_id)
        raw = requests.get(download.location, timeout=5)  # signed URL: no Authorization header
        assert raw.status_code == 200
        rows = [json.loads(line) for line in gzip.decompress(raw.content).decode().splitlines() if line]
        assert rows and set(rows[0]) == {"UserEmail", "EventType", "PageUrl"}
        fs.close()


def test_summaries_carry_their_whole_configuration(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    configuration = SummaryConfiguration(
        pre_prompt="You are a QA engineer.",
        post_prompt="List console errors and network failures.",
        temperature=0.2,
        events={"exclude_types": ["element-seen"]},
    )
    session = simulator.data.sessions[0]
    before = _count(simulator, "POST", "/v2/visit_profile")
    summary = client.generate_summary(session.id, configuration)
    assert summary.summary and summary.summary.removeprefix(SIMULATED_PREFIX).startswith("Technical analysis")
    received = simulator.summary_requests.last()
    assert received.method == "POST" and received.session_id == session.id
    assert received.body == {
        "llm": {
            "pre_prompt": "You are a QA engineer.",
            "post_prompt": "List console errors and network failures.",
            "temperature": 0.2,
        },
        "events": {"exclude_types": ["element-seen"]},
    }
    # An operator's existing profile is named as the base, and still nothing is written.
    base = simulator.profiles.create({"name": "operator's own", "events": {"include_types": ["navigate"]}})
    client.generate_summary(session.id, configuration, base_profile=base.id)
    received = simulator.summary_requests.last()
    assert received.body["config_profile"] == base.id and received.body["llm"] == configuration.body()["llm"]
    assert received.effective["events"] == {"include_types": ["navigate"], "exclude_types": ["element-seen"]}
    assert _count(simulator, "POST", "/v2/visit_profile") == before
    with pytest.raises(NotFound):
        client.generate_summary("1:2", configuration)


def test_wrong_key_is_unauthorized(simulator: FullstorySimulator) -> None:
    with pytest.raises(Unauthorized):
        FullstoryClient("wrong-key", base_url=simulator.base_url).list_segments()


def test_non_admin_key_is_forbidden_for_exports() -> None:
    with FullstorySimulator(api_key="k", admin=False) as sim, pytest.raises(Forbidden):
        FullstoryClient("k", base_url=sim.base_url).create_segment_export(
            segment_id="everyone",
            export_type="TYPE_INDIVIDUAL",
            export_format="FORMAT_CSV",
            time_range=TimeRange(),
        )


# --- retries, Retry-After and deadlines ---------------------------------------------------


def test_429_is_retried_after_retry_after(
    client: FullstoryClient, simulator: FullstorySimulator, sleeps: Sleeps
) -> None:
    simulator.inject(r"^/segments/v1$", status=429, retry_after=2, times=2)
    assert client.list_segments(limit=1).segments
    assert sleeps.calls == [2.0, 2.0]


def test_429_that_outlasts_the_deadline_is_raised_at_once(
    client: FullstoryClient, simulator: FullstorySimulator, sleeps: Sleeps
) -> None:
    simulator.inject(r"^/segments/v1$", status=429, retry_after=20, times=1)
    client.set_time_budget(5)
    with pytest.raises(RateLimited) as raised:
        client.list_segments()
    assert raised.value.retry_after == 20
    assert sleeps.calls == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_on_get_is_retried(
    client: FullstoryClient, simulator: FullstorySimulator, sleeps: Sleeps, status: int
) -> None:
    simulator.inject(r"^/segments/v1/everyone$", status=status, times=2)
    assert client.get_segment("everyone").id == "everyone"
    assert len(sleeps.calls) == 2 and all(0 < s <= 8 for s in sleeps.calls)


def test_persistent_5xx_gives_up_after_max_attempts(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    before = _count(simulator, "GET", "/segments/v1/everyone")
    simulator.inject(r"^/segments/v1/everyone$", status=503, times=10)
    with pytest.raises(UpstreamError) as raised:
        client.get_segment("everyone")
    assert raised.value.status == 503
    assert _count(simulator, "GET", "/segments/v1/everyone") - before == client.max_attempts


def test_slow_answer_past_read_timeout(simulator: FullstorySimulator, sleeps: Sleeps) -> None:
    fs = FullstoryClient(simulator.api_key, base_url=simulator.base_url, read_timeout=0.3, sleep=sleeps)
    simulator.inject(r"^/segments/v1/everyone$", delay_s=1.0, times=1)
    assert fs.get_segment("everyone").id == "everyone"  # GET retried after the timeout
    simulator.inject(r"^/segments/v1/exports$", delay_s=1.0, times=1, method="POST")
    with pytest.raises(CreateUncertain):  # sent, unanswered: not sent again (tests/integration/test_create_once.py)
        fs.create_segment_export(
            segment_id="everyone", export_type="TYPE_INDIVIDUAL", export_format="FORMAT_CSV", time_range=TimeRange()
        )
    fs.close()


def test_read_timeout_never_exceeds_the_deadline(simulator: FullstorySimulator, sleeps: Sleeps) -> None:
    fs = FullstoryClient(simulator.api_key, base_url=simulator.base_url, read_timeout=20, sleep=sleeps)
    fs.set_time_budget(1.2)
    simulator.inject(r"^/segments/v1/everyone$", delay_s=3.0, times=1)
    with pytest.raises(UpstreamTimeout):
        fs.get_segment("everyone")
    fs.close()


def test_malformed_body_is_a_typed_error(client: FullstoryClient, simulator: FullstorySimulator) -> None:
    simulator.inject(r"^/segments/v1$", status=200, body="{not json", times=1)
    with pytest.raises(MalformedResponse):
        client.list_segments()


def test_connection_reset_on_get_is_retried(
    client: FullstoryClient, simulator: FullstorySimulator, sleeps: Sleeps
) -> None:
    simulator.inject(r"^/segments/v1/everyone$", reset=True, times=1)
    assert client.get_segment("everyone").id == "everyone"
    assert len(sleeps.calls) == 1
