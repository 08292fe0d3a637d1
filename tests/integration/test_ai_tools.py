"""The nine AI analysis tools through their handlers, against the simulator's summary endpoint."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import replace
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator
from tests.conftest import call_tool, context, load_handler, tool_event
from tests.unit.test_summary_configurations import sdk_shape_problems
from tools.registry import TOOLS

pytestmark = pytest.mark.usefixtures("aws")

TYPED = [
    "fullstory_get_session_quick_summary",
    "fullstory_get_session_behavior_summary",
    "fullstory_get_session_support_summary",
    "fullstory_get_session_technical_summary",
    "fullstory_get_session_conversion_funnel_summary",
    "fullstory_get_session_user_intent_summary",
]


def _session_with(simulator: FullstorySimulator, *, console: bool = False, cmp_failure: bool = False) -> Any:
    for session in simulator.data.sessions:
        events = [event for _, event in session.iter_events()]
        if console and not any(e.kind == "console-error" for e in events):
            continue
        if cmp_failure and not any(e.consent == "cmp-error" for e in events):
            continue
        return session
    raise AssertionError("the simulator has no such session")


@pytest.mark.parametrize("tool", TYPED)
def test_typed_summaries_answer_with_text(simulator: FullstorySimulator, tool: str) -> None:
    session = simulator.data.sessions[3]
    status, answer = call_tool(tool, {"sessionId": session.id})
    assert status == 200, answer
    assert answer["sessionId"] == session.id
    assert isinstance(answer["summary"], str) and len(answer["summary"]) > 20


def test_each_summary_type_differs(simulator: FullstorySimulator) -> None:
    session = _session_with(simulator, console=True)
    texts = {tool: call_tool(tool, {"sessionId": session.id})[1]["summary"] for tool in TYPED}
    assert len(set(texts.values())) == len(TYPED), texts


def test_quick_summary_is_short(simulator: FullstorySimulator) -> None:
    session = _session_with(simulator, console=True)
    summary = call_tool("fullstory_get_session_quick_summary", {"sessionId": session.id})[1]["summary"]
    assert 1 <= len(re.findall(r"[.!?](?:\s|$)", summary)) <= 3


def test_technical_summary_names_the_sessions_console_errors(simulator: FullstorySimulator) -> None:
    session = _session_with(simulator, console=True)
    messages = {e.message for _, e in session.iter_events() if e.kind == "console-error"}
    summary = call_tool("fullstory_get_session_technical_summary", {"sessionId": session.id})[1]["summary"]
    assert any(message in summary for message in messages)


def test_cmp_detection_finds_the_seeded_consent_failure(simulator: FullstorySimulator) -> None:
    session = _session_with(simulator, cmp_failure=True)
    status, answer = call_tool("fullstory_get_cmp_error_detection", {"sessionId": session.id})
    assert status == 200
    assert answer["consentBannerProblem"] is True
    assert answer["findingCount"] == len(answer["findings"]) > 0
    assert any(f["kind"] == "consent" for f in answer["findings"])
    assert all({"kind", "page", "time", "message"} <= set(f) for f in answer["findings"])


def test_session_id_forms_are_accepted(simulator: FullstorySimulator) -> None:
    session = simulator.data.sessions[5]
    for form in (session.id.replace(":", "!"), f"https://app.fullstory.com/ui/o-1/session/{session.id}"):
        status, answer = call_tool("fullstory_get_session_quick_summary", {"sessionId": form})
        assert status == 200 and answer["sessionId"] == session.id


@pytest.mark.parametrize("bad", ["7291042947185627", "abc", "../../v2/visit_profile", "", "1:2:3"])
def test_bad_session_ids_are_400_with_the_expected_form(bad: str) -> None:
    status, problem = call_tool("fullstory_get_session_support_summary", {"sessionId": bad})
    assert status == 400
    assert problem["errors"][0]["parameter"] == "sessionId"
    assert "deviceId:sessionId" in problem["errors"][0]["problem"] or "at least 1" in problem["errors"][0]["problem"]


def test_unknown_session_is_404() -> None:
    status, problem = call_tool("fullstory_get_session_quick_summary", {"sessionId": "1:2"})
    assert status == 404 and problem["error_code"] == "SESSION_NOT_FOUND"
    assert "fullstory_list_sessions" in problem["detail"]


def _profile_calls(simulator: FullstorySimulator) -> int:
    return simulator.requests.calls(r"^/v2/visit_profile")


def _all_ai_calls(simulator: FullstorySimulator) -> list[tuple[str, dict[str, Any]]]:
    session = _session_with(simulator, console=True)
    user = _busy_user(simulator)
    return [
        *[(tool, {"sessionId": session.id}) for tool in (*TYPED, "fullstory_get_cmp_error_detection")],
        ("fullstory_get_custom_session_summary", {"sessionId": session.id, "pre_prompt": "PM", "post_prompt": "List"}),
        ("fullstory_visit_profile", {"uid": user.uid, "limit": 3}),
        ("fullstory_visit_profile", {"uid": user.uid, "limit": 2, "llm": {"pre_prompt": "Act as a technical lead."}}),
    ]


def test_no_ai_tool_touches_a_summary_profile(simulator: FullstorySimulator) -> None:
    before_profiles, before_summaries = _profile_calls(simulator), len(simulator.summary_requests)
    for tool, parameters in _all_ai_calls(simulator):
        status, answer = call_tool(tool, parameters)
        assert status == 200, (tool, answer)
    received = simulator.summary_requests.entries()[before_summaries:]
    assert len(received) == len(TYPED) + 1 + 1 + 3 + 2
    assert _profile_calls(simulator) == before_profiles  # not created, read, changed or deleted
    for request in received:  # the whole configuration, as the SDK sends it, and no saved profile behind it
        assert request.method == "POST" and "config_profile" not in request.body
        assert sdk_shape_problems(request.body) == []
        assert request.body["llm"]["pre_prompt"] and request.body["llm"]["post_prompt"]
        assert isinstance(request.body["llm"]["temperature"], float)


@pytest.mark.parametrize("tool", TYPED)
def test_each_typed_summary_sends_its_configuration(simulator: FullstorySimulator, tool: str) -> None:
    from tools.summary_profiles import CONFIGURATIONS

    session = simulator.data.sessions[7]
    status, answer = call_tool(tool, {"sessionId": session.id})
    assert status == 200, answer
    received = simulator.summary_requests.last()
    assert received.session_id == session.id
    assert received.body == CONFIGURATIONS[answer["summaryType"]].body()


def test_an_edited_prompt_reaches_fullstory_on_the_very_next_call(
    simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools import summary_profiles

    session = _session_with(simulator, console=True)
    first = call_tool("fullstory_get_session_quick_summary", {"sessionId": session.id})[1]["summary"]
    assert simulator.summary_requests.last().body["llm"]["post_prompt"] == summary_profiles.QUICK.post_prompt
    edited = replace(summary_profiles.QUICK, post_prompt="List every console error and failed network request.")
    monkeypatch.setitem(summary_profiles.CONFIGURATIONS, "quick", edited)  # what a new deploy would carry
    second = call_tool("fullstory_get_session_quick_summary", {"sessionId": session.id})[1]["summary"]
    assert simulator.summary_requests.last().body["llm"]["post_prompt"] == edited.post_prompt
    assert second != first and "Technical analysis" in second  # the edit shaped the answer, too


def test_custom_summary_sends_the_callers_prompts(simulator: FullstorySimulator) -> None:
    session = simulator.data.sessions[8]
    params = {
        "sessionId": session.id,
        "pre_prompt": "Act as a product manager.",
        "post_prompt": "List features.",
        "temperature": 0.9,
    }
    assert call_tool("fullstory_get_custom_session_summary", params)[0] == 200
    assert simulator.summary_requests.last().body == {
        "llm": {"pre_prompt": "Act as a product manager.", "post_prompt": "List features.", "temperature": 0.9}
    }


def test_visit_profile_sends_the_perspective_and_schema_with_every_session(simulator: FullstorySimulator) -> None:
    from tools.summary_profiles import VISIT_SCHEMA

    user = _busy_user(simulator)
    before = len(simulator.summary_requests)
    llm = {"pre_prompt": "Act as a technical lead.", "post_prompt": "Focus on console errors.", "temperature": 0.3}
    status, answer = call_tool("fullstory_visit_profile", {"uid": user.uid, "limit": 3, "llm": llm})
    assert status == 200 and answer["sessionsAnalysed"] == 3
    received = simulator.summary_requests.entries()[before:]
    assert {r.session_id for r in received} == {s["sessionId"] for s in answer["sessions"]}
    assert all(r.body == {"llm": {**llm, "response_schema": VISIT_SCHEMA}} for r in received)


# --- the operator's base profiles (SummaryBaseProfiles) -----------------------------------------


def test_a_named_base_profile_is_the_base_and_our_prompts_override_it(
    simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.summary_profiles import QUICK

    # The operator's own profile, made in Fullstory beforehand (here: straight in the simulator).
    own = simulator.profiles.create(
        {"name": "ops", "llm": {"pre_prompt": "Old.", "post_prompt": "Old."}, "events": {"exclude_types": ["copy"]}}
    )
    monkeypatch.setenv("FULLSTORY_SUMMARY_BASE_PROFILES", f"quick={own.id},custom={own.id}")
    session = simulator.data.sessions[4]
    before = _profile_calls(simulator)
    status, answer = call_tool("fullstory_get_session_quick_summary", {"sessionId": session.id})
    assert status == 200, answer
    received = simulator.summary_requests.last()
    assert received.body == {"config_profile": own.id, **QUICK.body()} and sdk_shape_problems(received.body) == []
    assert received.effective["llm"]["post_prompt"] == QUICK.post_prompt  # ours replaced the profile's
    assert received.effective["events"] == {"exclude_types": ["copy"]}  # the rest of the profile stays
    call_tool("fullstory_get_session_support_summary", {"sessionId": session.id})
    assert "config_profile" not in simulator.summary_requests.last().body  # only the types named
    assert _profile_calls(simulator) == before


def test_a_missing_base_profile_is_named_in_the_404(
    simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FULLSTORY_SUMMARY_BASE_PROFILES", "technical=no-such-profile")
    status, problem = call_tool("fullstory_get_session_technical_summary", {"sessionId": simulator.data.sessions[4].id})
    assert status == 404 and problem["error_code"] == "SESSION_NOT_FOUND"
    assert "no-such-profile" in problem["detail"] and "SummaryBaseProfiles" in problem["detail"]


def test_a_malformed_base_profile_setting_is_a_clear_error(
    simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FULLSTORY_SUMMARY_BASE_PROFILES", "quik=abc")
    before = len(simulator.summary_requests)
    status, problem = call_tool("fullstory_get_session_quick_summary", {"sessionId": simulator.data.sessions[4].id})
    assert status == 503 and problem["error_code"] == "CONFIGURATION_ERROR"
    assert "FULLSTORY_SUMMARY_BASE_PROFILES" in problem["detail"] and "'quik=abc'" in problem["detail"]
    assert len(simulator.summary_requests) == before  # nothing was asked of Fullstory


def test_custom_summary_parameters_are_checked() -> None:
    status, problem = call_tool(
        "fullstory_get_custom_session_summary", {"sessionId": "1:2", "pre_prompt": "", "temperature": 1.5}
    )
    assert status == 400
    assert {e["parameter"] for e in problem["errors"]} == {"pre_prompt", "post_prompt", "temperature"}


@pytest.mark.parametrize("tool", [t.name for t in TOOLS if t.ai])
def test_disabled_ai_answers_a_clear_problem(tool: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FULLSTORY_AI_ANALYSIS_ENABLED", "false")
    status, problem = call_tool(tool, {"sessionId": "1:2"})
    assert status == 403 and problem["error_code"] == "AI_ANALYSIS_DISABLED"


def test_key_without_ai_access_is_403(simulator: FullstorySimulator) -> None:
    simulator.inject(r"^/v2/", status=403, times=10)
    status, problem = call_tool("fullstory_get_session_quick_summary", {"sessionId": simulator.data.sessions[1].id})
    assert status == 403 and problem["error_code"] == "FULLSTORY_FORBIDDEN" and "Architect" in problem["detail"]


def test_rate_limited_summary_is_429(simulator: FullstorySimulator) -> None:
    session = simulator.data.sessions[2]
    simulator.inject(r"/summary$", status=429, retry_after=45, times=5)
    status, problem = call_tool("fullstory_get_session_quick_summary", {"sessionId": session.id})
    assert status == 429 and problem["retry_after"] == 45


def test_slow_summary_is_a_timeout_problem_inside_the_deadline(simulator: FullstorySimulator) -> None:
    session = simulator.data.sessions[2]
    call_tool("fullstory_get_session_quick_summary", {"sessionId": session.id})
    simulator.inject(r"/summary$", delay_s=5.0, times=1)
    response = load_handler("fullstory_get_session_quick_summary")(
        tool_event("fullstory_get_session_quick_summary", {"sessionId": session.id}), context(timeout_s=3)
    )
    assert response["statusCode"] == 504
    assert json.loads(response["body"])["error_code"] == "FULLSTORY_TIMEOUT"


# --- visit profile ---------------------------------------------------------------------------


def _busy_user(simulator: FullstorySimulator) -> Any:
    counts: dict[str, int] = {}
    for session in simulator.data.sessions:
        counts[session.uid] = counts.get(session.uid, 0) + 1
    uid = max(counts, key=lambda u: counts[u])
    return next(u for u in simulator.data.users if u.uid == uid)


def test_visit_profile_summarises_recent_sessions_and_recurring_issues(simulator: FullstorySimulator) -> None:
    user = _busy_user(simulator)
    status, answer = call_tool("fullstory_visit_profile", {"uid": user.uid, "limit": 6})
    assert status == 200, answer
    assert answer["sessionsFound"] == answer["sessionsAnalysed"] == 6
    assert all(s["summary"] and s["replayUrl"] for s in answer["sessions"])
    created = [s["createdAt"] for s in answer["sessions"]]
    assert created == sorted(created, reverse=True)
    for issue in answer["recurringIssues"]:
        assert issue["sessions"] >= 2
        in_sessions = sum(1 for s in answer["sessions"] if any(i["message"] == issue["message"] for i in s["issues"]))
        assert in_sessions == issue["sessions"]


def test_visit_profile_with_a_custom_perspective(simulator: FullstorySimulator) -> None:
    user = _busy_user(simulator)
    llm = {"pre_prompt": "Act as a technical lead.", "post_prompt": "Focus on console errors and failed requests."}
    status, answer = call_tool("fullstory_visit_profile", {"email": user.email, "limit": 2, "llm": llm})
    assert status == 200 and answer["sessionsAnalysed"] == 2


@pytest.mark.parametrize("parameters", [{}, {"uid": "usr_1001", "email": "john.doe@example.com"}])
def test_visit_profile_needs_exactly_one_of_uid_and_email(parameters: dict[str, Any]) -> None:
    status, problem = call_tool("fullstory_visit_profile", parameters)
    assert status == 400 and problem["errors"][0]["parameter"] == "uid"
    assert "exactly one" in problem["errors"][0]["problem"]


def test_visit_profile_returns_what_finished_before_the_deadline(simulator: FullstorySimulator) -> None:
    user = _busy_user(simulator)
    simulator.inject(r"/summary$", delay_s=8.0, times=2)  # two sessions are very slow
    response = load_handler("fullstory_visit_profile")(
        tool_event("fullstory_visit_profile", {"uid": user.uid, "limit": 5}), context(timeout_s=5)
    )
    assert _summary_threads() == []  # the two slow ones were cut at the deadline, not left running
    answer = json.loads(response["body"])
    assert response["statusCode"] == 200, answer
    assert answer["sessionsAnalysed"] == 3
    assert len(answer["notAnalysed"]) == 2 and "not analysed" in answer["note"]


def _summary_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("summary_")]


def test_visit_profile_leaves_nothing_running_once_it_has_answered(
    simulator: FullstorySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the summary cache (no table: each summary made within the call). Five at a time; every
    # summary takes 3.8 s and the tool has 8 s (its client 6.5 s): the first five finish, the next
    # five start with too little time to finish, and the last two are never started.
    monkeypatch.setenv("FULLSTORY_VISIT_PROFILE_CONCURRENCY", "5")
    user = _busy_user(simulator)
    marker = "Act as the reviewer of this test's deadline."  # tells its requests from earlier tests' stragglers

    def sent() -> int:
        llms = [r.body.get("llm") for r in simulator.summary_requests.entries()]
        return sum(isinstance(llm, dict) and llm.get("pre_prompt") == marker for llm in llms)

    simulator.summary_latency_s = 3.8
    try:
        response = load_handler("fullstory_visit_profile")(
            tool_event("fullstory_visit_profile", {"uid": user.uid, "limit": 12, "llm": {"pre_prompt": marker}}),
            context(timeout_s=8),
        )
        alive = _summary_threads()
        sent_at_answer = sent()
        time.sleep(1.0)  # anything still running would ask for more, or hold its connection, now
        sent_later = sent()
    finally:
        simulator.summary_latency_s = 0.0
    answer = json.loads(response["body"])
    assert response["statusCode"] == 200, answer
    assert alive == []
    assert sent_later == sent_at_answer
    assert 5 <= sent_at_answer < 12  # the last sessions were never asked for
    assert answer["sessionsFound"] == 12 and answer["sessionsAnalysed"] == 5
    late = answer["notAnalysed"]
    assert [s["reason"] for s in late] == ["not finished before the tool's time limit"] * 7
    created = [s["createdAt"] for s in answer["sessions"]] + [s["createdAt"] for s in late]
    assert created == sorted(created, reverse=True)  # in the order listed: the five newest were analysed
