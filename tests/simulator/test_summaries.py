"""Session summaries: lens chosen by the prompt, grounded in the session's real events; structured
answers for response schemas; the documented override merge; plainly marked as simulated; latency."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator, Session
from local.fullstory_sim.summaries import SIMULATED_PREFIX

from .conftest import Api, find_session, kinds, path_id

PROMPTS = {
    "technical": ("You are a senior developer doing QA.", "List every console error and failed network request."),
    "support": ("You are a customer support agent with a ticket in hand.", "What went wrong and what should I do?"),
    "funnel": ("You analyse conversion funnels.", "Which checkout stages were reached and where did they drop off?"),
    "intent": ("Judge the user's intent from their first actions.", "Give the intent and a confidence."),
    "behavior": ("You are a UX researcher.", "Describe the persona, navigation style and engagement."),
    "consent": ("You audit consent management (CMP) and cookie banners.", "Report any consent problems."),
    "quick": ("Give a quick triage.", "Answer in two or three sentences."),
}


def summary(api: Api, session: Session, pre: str, post: str, **llm: Any) -> str:
    response = api.post(
        f"/v2/sessions/{path_id(session)}/summary", json={"llm": {"pre_prompt": pre, "post_prompt": post, **llm}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["simulated"] is True and set(response.json()) == {"summary", "simulated"}
    text = str(response.json()["summary"])
    assert text.startswith(SIMULATED_PREFIX)
    return text.removeprefix(SIMULATED_PREFIX)


def errors_of(session: Session) -> tuple[list[str], list[str]]:
    consoles = [e.message for _, e in session.iter_events() if e.kind == "console-error"]
    requests = [e.request_url for _, e in session.iter_events() if e.kind == "network-error"]
    return consoles, requests


@pytest.fixture
def broken(sim: FullstorySimulator) -> Session:
    return find_session(sim, lambda s: {"console-error", "network-error"} <= kinds(s) and s.journey == "abandon")


def test_technical_summary_names_the_real_errors(api: Api, broken: Session) -> None:
    text = summary(api, broken, *PROMPTS["technical"])
    consoles, requests = errors_of(broken)
    assert consoles and requests
    for message in consoles:
        assert message in text
    for url in requests:
        assert url in text
    assert broken.id in text


def test_lenses_give_different_answers(api: Api, broken: Session) -> None:
    texts = {lens: summary(api, broken, pre, post) for lens, (pre, post) in PROMPTS.items()}
    assert len(set(texts.values())) == len(texts)
    assert "Funnel progress:" in texts["funnel"]
    assert re.search(r"Primary intent: .+ \(confidence 0\.\d\d\)", texts["intent"])
    assert texts["behavior"].startswith("Persona: ")
    assert "Consent banner" in texts["consent"]
    assert "Suggested follow-up:" in texts["support"]


def test_quick_is_at_most_three_sentences(api: Api, sim: FullstorySimulator) -> None:
    for session in sim.data.sessions[::25]:
        text = summary(api, session, *PROMPTS["quick"])
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
        assert 1 <= len(sentences) <= 3, text


def test_consent_lens_detects_a_broken_cmp(api: Api, sim: FullstorySimulator) -> None:
    broken_cmp = find_session(
        sim, lambda s: any(e.consent == "cmp-error" and e.kind == "console-error" for _, e in s.iter_events())
    )
    text = summary(api, broken_cmp, *PROMPTS["consent"])
    cmp_message = next(
        e.message for _, e in broken_cmp.iter_events() if e.consent == "cmp-error" and e.kind == "console-error"
    )
    assert cmp_message.rstrip(".") in text and "FAILED" in text
    fine = find_session(
        sim,
        lambda s: (
            any(e.consent == "accept" for _, e in s.iter_events())
            and not any(e.consent == "cmp-error" for _, e in s.iter_events())
        ),
    )
    fine_text = summary(api, fine, *PROMPTS["consent"])
    assert "FAILED" not in fine_text and "accepted all" in fine_text


def test_funnel_lens_reports_the_drop_off(api: Api, sim: FullstorySimulator) -> None:
    declined = find_session(sim, lambda s: any("/api/checkout/payment" in e.request_url for _, e in s.iter_events()))
    text = summary(api, declined, *PROMPTS["funnel"])
    assert "Drop-off: at Checkout: payment" in text and "402" in text
    bought = find_session(sim, lambda s: any(e.custom_name == "Order Completed" for _, e in s.iter_events()))
    assert "Converted" in summary(api, bought, *PROMPTS["funnel"])


def test_structured_response_follows_the_schema(api: Api, broken: Session) -> None:
    schema = {
        "type": "OBJECT",
        "properties": {
            "summary": {"type": "STRING"},
            "severity": {"type": "STRING", "enum": ["low", "medium", "high"]},
            "has_errors": {"type": "BOOLEAN"},
            "error_count": {"type": "INTEGER"},
            "confidence": {"type": "NUMBER"},
            "findings": {
                "type": "ARRAY",
                "items": {
                    "type": "OBJECT",
                    "properties": {
                        "kind": {"type": "STRING"},
                        "page": {"type": "STRING"},
                        "time": {"type": "STRING"},
                        "message": {"type": "STRING"},
                    },
                },
            },
        },
        "required": ["summary", "findings"],
    }
    profile = api.post(
        "/v2/visit_profile",
        json={
            "name": "Technical findings",
            "llm": {
                "pre_prompt": "You are a developer.",
                "post_prompt": "List console and network errors.",
                "response_schema": schema,
                "temperature": 0.2,
            },
        },
    ).json()
    response = api.get(f"/v2/sessions/{path_id(broken)}/summary", params={"config_profile": profile["id"]})
    body = response.json()
    assert set(body) == {"response", "response_schema", "simulated"} and body["response_schema"] == schema
    assert body["simulated"] is True
    answer = body["response"]
    assert set(answer) == set(schema["properties"])
    assert isinstance(answer["summary"], str) and answer["summary"].startswith(SIMULATED_PREFIX)
    assert answer["severity"] == "high" and answer["has_errors"] is True
    consoles, requests = errors_of(broken)
    assert answer["error_count"] == len(consoles) + len(requests)
    assert isinstance(answer["confidence"], float) and 0 < answer["confidence"] <= 1
    paths = {p.path for p in broken.pages}
    assert answer["findings"] and all(set(f) == {"kind", "page", "time", "message"} for f in answer["findings"])
    assert all(f["page"] in paths for f in answer["findings"])
    found = {f["message"] for f in answer["findings"]}
    assert set(consoles) <= found


def test_structured_answer_for_a_clean_session(api: Api, sim: FullstorySimulator) -> None:
    clean = find_session(
        sim, lambda s: not kinds(s) & {"console-error", "network-error", "rage-click", "dead-click", "error-click"}
    )
    schema = {
        "type": "OBJECT",
        "properties": {"has_errors": {"type": "BOOLEAN"}, "issues": {"type": "ARRAY", "items": {"type": "STRING"}}},
    }
    body = api.post(
        f"/v2/sessions/{path_id(clean)}/summary", json={"llm": {"pre_prompt": "technical", "response_schema": schema}}
    ).json()
    assert body["response"] == {"has_errors": False, "issues": []}


def test_profile_and_per_request_overrides(api: Api, broken: Session) -> None:
    profile = api.post(
        "/v2/visit_profile",
        json={"name": "intent", "llm": {"pre_prompt": PROMPTS["intent"][0], "post_prompt": PROMPTS["intent"][1]}},
    )
    profile_id = profile.json()["id"]
    saved = api.get(f"/v2/sessions/{path_id(broken)}/summary", params={"config_profile": profile_id}).json()
    assert saved["summary"].removeprefix(SIMULATED_PREFIX).startswith("Primary intent:")
    overridden = api.post(
        f"/v2/sessions/{path_id(broken)}/summary",
        json={
            "config_profile": profile_id,
            "llm": {"pre_prompt": PROMPTS["technical"][0], "post_prompt": PROMPTS["technical"][1]},
        },
    ).json()
    assert overridden["summary"].removeprefix(SIMULATED_PREFIX).startswith("Technical analysis")


def test_profile_slice_limits_what_the_llm_sees(api: Api, broken: Session) -> None:
    first_error = next(i for i, (_, e) in enumerate(broken.iter_events()) if e.kind == "console-error")
    body = {
        "llm": {"pre_prompt": PROMPTS["technical"][0], "post_prompt": PROMPTS["technical"][1]},
        "slice": {"mode": "FIRST", "event_limit": first_error},
    }
    text = api.post(f"/v2/sessions/{path_id(broken)}/summary", json=body).json()["summary"]
    first_message = errors_of(broken)[0][0]
    assert "Console errors (" not in text and first_message not in text
    assert first_message in summary(api, broken, *PROMPTS["technical"])  # visible without the slice


def test_summary_errors(api: Api, sim: FullstorySimulator) -> None:
    session = sim.data.sessions[0]
    base = f"/v2/sessions/{path_id(session)}/summary"
    assert api.get(base, params={"config_profile": "0000"}).status_code == 404
    assert api.post(base, json={"config_profile": "0000", "llm": {"pre_prompt": "x"}}).status_code == 404
    assert api.post("/v2/sessions/1%3A2/summary", json={"llm": {"pre_prompt": "x"}}).status_code == 404
    for bad in (
        {"llm": {"pre_prompt": "x", "response_schema": {"type": "object"}}},  # types are CAPITALISED
        {"llm": {"response_schema": {"type": "INTEGER", "enum": ["1"], "format": "enum"}}},  # enum is for STRING
        {"events": {"include_types": "click"}},
        {"events": {"include_types": [""]}},
        {"config_profile": 7},
    ):
        response = api.post(base, json=bad)
        assert response.status_code == 400 and set(response.json()) == {"message", "code"}, bad


def test_no_profile_means_the_default_configuration(api: Api, sim: FullstorySimulator) -> None:
    # docs (generate-summary): config_profile is optional; SDK summaryWithOverrides: without it the
    # request's configuration is used "in its entirety without referencing a saved profile".
    session = sim.data.sessions[0]
    base = f"/v2/sessions/{path_id(session)}/summary"
    plain = api.get(base)
    assert plain.status_code == 200 and plain.json()["summary"].startswith(SIMULATED_PREFIX)
    assert sim.summary_requests.last().effective["llm"]["pre_prompt"] == ""
    assert api.post(base, json={}).json() == plain.json()
    assert len(sim.profiles.page(100, None)["profiles"]) == 0  # nothing was saved along the way


MERGE = json.loads((Path(__file__).parents[1] / "fixtures" / "summaries" / "override_merge_examples.json").read_text())


@pytest.mark.parametrize("example", MERGE["examples"], ids=[e["name"] for e in MERGE["examples"]])
def test_overrides_merge_onto_the_profile_as_the_docs_show(
    api: Api, sim: FullstorySimulator, example: dict[str, Any]
) -> None:
    profile = api.post("/v2/visit_profile", json={"name": example["name"], **example["profile"]})
    assert profile.status_code == 200, profile.text
    session = sim.data.sessions[0]
    body = {"config_profile": profile.json()["id"], **example["override"]}
    assert api.post(f"/v2/sessions/{path_id(session)}/summary", json=body).status_code == 200
    effective = sim.summary_requests.last().effective
    for section, expected in example["result"].items():
        assert {key: effective[section][key] for key in expected} == expected
    stored = api.get(f"/v2/visit_profile/{profile.json()['id']}").json()
    saved = {"llm": stored["llm"], **stored["configuration"]}
    assert {k: saved[k] for k in example["profile"]} == example["profile"]  # the override was for one request


def test_empty_overrides_keep_the_profile_values(api: Api, sim: FullstorySimulator) -> None:
    profile = api.post("/v2/visit_profile", json={"name": "p", "llm": {"pre_prompt": "Keep me", "temperature": 0.3}})
    session = sim.data.sessions[0]
    body = {"config_profile": profile.json()["id"], "llm": {"pre_prompt": "", "post_prompt": "Added"}}
    api.post(f"/v2/sessions/{path_id(session)}/summary", json=body)
    llm = sim.summary_requests.last().effective["llm"]
    assert (llm["pre_prompt"], llm["post_prompt"], llm["temperature"]) == ("Keep me", "Added", 0.3)


def test_custom_event_names_select_events(api: Api, sim: FullstorySimulator) -> None:
    session = find_session(sim, lambda s: any(e.custom_name == "Added to Cart" for _, e in s.iter_events()))
    body = {"events": {"include_types": ["navigate", "Added to Cart"]}}
    context = api.post(f"/v2/sessions/{path_id(session)}/context", json=body)
    assert context.status_code == 200, context.text
    events = [e for page in context.json()["context_data"]["pages"] for e in page["events"]]
    assert {e["type"] for e in events} == {"navigate", "custom"}
    assert {e["description"] for e in events if e["type"] == "custom"} == {'Custom event "Added to Cart"'}
    without = {"events": {"exclude_types": ["Added to Cart"]}}
    excluded = api.post(f"/v2/sessions/{path_id(session)}/context", json=without)
    pages = excluded.json()["context_data"]["pages"]
    assert not [e for page in pages for e in page["events"] if "Added to Cart" in e["description"]]


def test_summary_latency(api: Api, sim: FullstorySimulator) -> None:
    sim.summary_latency_s = 0.4
    started = time.monotonic()
    summary(api, sim.data.sessions[0], "quick", "")
    assert time.monotonic() - started >= 0.4


def test_summaries_are_deterministic(api: Api, broken: Session) -> None:
    assert summary(api, broken, *PROMPTS["support"]) == summary(api, broken, *PROMPTS["support"])
