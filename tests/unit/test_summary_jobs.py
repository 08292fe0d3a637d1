"""What identifies a cached summary, the worker's event, and how long a summary is kept."""

from __future__ import annotations

from typing import Any

import pytest

from summary_store.budget import BudgetState
from summary_store.keys import month_key, next_month, summary_key
from tools.summary_cache import MAY_BE_RECORDING_S, RECORDING_TTL_S, ttl_for
from tools.summary_jobs import BadJob, SummaryJob, configuration_of, request_body
from tools.summary_profiles import CONFIGURATIONS, custom_configuration, visit_configuration

SESSION = "4617328710723584:7291042947185627"


@pytest.mark.parametrize("summary_type", sorted(CONFIGURATIONS))
def test_the_worker_rebuilds_exactly_the_configuration_sent(summary_type: str) -> None:
    for profile in (None, "base-profile-1"):
        body = request_body(CONFIGURATIONS[summary_type], profile)
        configuration, base = configuration_of(body)
        assert request_body(configuration, base) == body and base == profile


def test_everything_that_shapes_a_summary_changes_its_key() -> None:
    base = custom_configuration("Be brief.", "Say it.", 0.4)
    key = summary_key(SESSION, request_body(base, None))
    assert key == summary_key(SESSION, request_body(custom_configuration("Be brief.", "Say it.", 0.4), None))
    assert key.startswith(f"summary#{SESSION}#")
    others = [
        request_body(custom_configuration("Be brief!", "Say it.", 0.4), None),
        request_body(custom_configuration("Be brief.", "Say it!", 0.4), None),
        request_body(custom_configuration("Be brief.", "Say it.", 0.5), None),
        request_body(base, "a-base-profile"),
        request_body(CONFIGURATIONS["technical"], None),
        request_body(visit_configuration(None, None, 0.2), None),
    ]
    keys = {summary_key(SESSION, other) for other in others}
    assert key not in keys and len(keys) == len(others)
    assert summary_key("1:2", request_body(base, None)) != key


def _event(**changes: Any) -> dict[str, Any]:
    request = request_body(CONFIGURATIONS["quick"], None)
    event = {
        "key": summary_key(SESSION, request),
        "claimId": "c1",
        "sessionId": SESSION,
        "request": request,
        "ttlSeconds": 3600,
    }
    return {**event, **changes}


def test_a_worker_event_round_trips() -> None:
    job = SummaryJob.from_event(_event())
    assert job.event() == _event()


@pytest.mark.parametrize(
    "changes",
    [
        {"key": "summary#someone-else#0"},  # would write another entry
        {"sessionId": "not a session"},
        {"request": {"llm": "x"}},
        {"claimId": ""},
        {"ttlSeconds": 0},
    ],
)
def test_a_forged_or_broken_worker_event_is_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(BadJob):
        SummaryJob.from_event(_event(**changes))


def test_a_session_that_may_still_be_recording_is_kept_briefly() -> None:
    now = 1_800_000_000.0
    week = 168 * 3600
    assert ttl_for(week, None, now) == week  # start unknown (a single-session tool)
    assert ttl_for(week, now - 600, now) == RECORDING_TTL_S
    assert ttl_for(week, now - MAY_BE_RECORDING_S - 1, now) == week
    assert ttl_for(600, now - 60, now) == 600


def test_months_and_their_reset_are_utc_calendar_months() -> None:
    december_31_late = 1798761599.0  # 2026-12-31T23:59:59Z
    assert month_key(december_31_late) == "budget#2026-12"
    assert month_key(december_31_late + 1) == "budget#2027-01"
    assert next_month(december_31_late).isoformat() == "2027-01-01T00:00:00+00:00"
    assert BudgetState(0, 3, "2027-01-01T00:00:00Z").as_dict() == {
        "limit": None,
        "used": 3,
        "remaining": None,
        "resetsAt": "2027-01-01T00:00:00Z",
    }
    assert BudgetState(2, 5, "x").as_dict()["remaining"] == 0


def test_make_run_takes_the_simulators_summary_latency_from_the_environment() -> None:
    from local.__main__ import DEFAULT_SUMMARY_LATENCY_S, summary_latency_s

    assert summary_latency_s({}) == DEFAULT_SUMMARY_LATENCY_S > 0
    assert summary_latency_s({"FULLSTORY_SIM_SUMMARY_LATENCY_S": "0"}) == 0.0
    assert summary_latency_s({"FULLSTORY_SIM_SUMMARY_LATENCY_S": "40"}) == 40.0
    for bad in ("soon", "-1", "nan"):
        with pytest.raises(ValueError, match="FULLSTORY_SIM_SUMMARY_LATENCY_S"):
            summary_latency_s({"FULLSTORY_SIM_SUMMARY_LATENCY_S": bad})
