"""The nine AI analysis tools through their handlers, against the simulator's summary endpoint."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from catalog.ai import AI_TOOLS
from local.fullstory_sim import FullstorySimulator
from tests.conftest import call_tool, context, load_handler, tool_event

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


def _profile_posts(simulator: FullstorySimulator) -> int:
    return sum(1 for m, p in list(simulator.requests) if m == "POST" and p == "/v2/visit_profile")


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


def test_profiles_are_created_once_and_reused(simulator: FullstorySimulator) -> None:
    session = simulator.data.sessions[7]
    call_tool("fullstory_get_session_behavior_summary", {"sessionId": session.id})
    before = _profile_posts(simulator)
    for _ in range(3):
        assert call_tool("fullstory_get_session_behavior_summary", {"sessionId": session.id})[0] == 200
    assert _profile_posts(simulator) == before


def test_custom_prompts_reuse_one_profile_per_settings(simulator: FullstorySimulator) -> None:
    session = simulator.data.sessions[8]
    params = {"sessionId": session.id, "pre_prompt": "Act as a product manager.", "post_prompt": "List features."}
    before = _profile_posts(simulator)
    assert call_tool("fullstory_get_custom_session_summary", params)[0] == 200
    assert call_tool("fullstory_get_custom_session_summary", params)[0] == 200
    assert _profile_posts(simulator) == before + 1
    assert call_tool("fullstory_get_custom_session_summary", {**params, "temperature": 0.9})[0] == 200
    assert _profile_posts(simulator) == before + 2


def test_custom_profiles_stay_bounded(simulator: FullstorySimulator) -> None:
    from fullstory_client.profiles import CUSTOM_PREFIX, MAX_CUSTOM_PROFILES

    session = simulator.data.sessions[9]
    for n in range(MAX_CUSTOM_PROFILES + 5):
        params = {"sessionId": session.id, "pre_prompt": f"Role {n}.", "post_prompt": "Summarise."}
        assert call_tool("fullstory_get_custom_session_summary", params)[0] == 200
    listed = simulator.profiles.list_all() if hasattr(simulator.profiles, "list_all") else None
    names = [p.name for p in listed] if listed is not None else _profile_names(simulator)
    assert sum(1 for name in names if name.startswith(CUSTOM_PREFIX)) <= MAX_CUSTOM_PROFILES


def _profile_names(simulator: FullstorySimulator) -> list[str]:
    import requests

    names: list[str] = []
    token = ""
    while True:
        page = requests.get(f"{simulator.base_url}/v2/visit_profile", params={"limit": 100, "pagination_token": token},
                            headers={"Authorization": f"Basic {simulator.api_key}"}, timeout=5).json()
        names += [p["name"] for p in page["profiles"]]
        token = page.get("next_pagination_token") or ""
        if not token:
            return names


def test_custom_summary_parameters_are_checked() -> None:
    status, problem = call_tool("fullstory_get_custom_session_summary",
                                {"sessionId": "1:2", "pre_prompt": "", "temperature": 1.5})
    assert status == 400
    assert {e["parameter"] for e in problem["errors"]} == {"pre_prompt", "post_prompt", "temperature"}


@pytest.mark.parametrize("tool", [t.name for t in AI_TOOLS])
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
    call_tool("fullstory_get_session_quick_summary", {"sessionId": session.id})  # profile exists now
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
        in_sessions = sum(1 for s in answer["sessions"]
                          if any(i["message"] == issue["message"] for i in s["issues"]))
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
    call_tool("fullstory_visit_profile", {"uid": user.uid, "limit": 1})  # the profile exists now
    simulator.inject(r"/summary$", delay_s=8.0, times=2)  # two sessions are very slow
    response = load_handler("fullstory_visit_profile")(
        tool_event("fullstory_visit_profile", {"uid": user.uid, "limit": 5}), context(timeout_s=5)
    )
    answer = json.loads(response["body"])
    assert response["statusCode"] == 200, answer
    assert answer["sessionsAnalysed"] == 3
    assert len(answer["notAnalysed"]) == 2 and "not analysed" in answer["note"]
