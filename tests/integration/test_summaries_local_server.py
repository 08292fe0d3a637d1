"""The AI summaries through `make run`'s server: the template's environment carries the operator's
base profiles to the functions, and nothing is written into the (simulated) org."""

from __future__ import annotations

import requests

from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer


def test_base_profiles_reach_the_functions_and_nothing_is_written(simulator: FullstorySimulator) -> None:
    own = simulator.profiles.create({"name": "the operator's support profile", "llm": {"post_prompt": "Old."}})
    session = simulator.data.sessions[6]
    overrides = {"FULLSTORY_SUMMARY_BASE_PROFILES": f"support={own.id}"}
    profile_calls = simulator.requests.calls(r"^/v2/visit_profile")
    with LocalToolServer(simulator=simulator, bearer_token="local-token", env_overrides=overrides) as server:
        for tool, expected_base in (
            ("fullstory_get_session_support_summary", own.id),
            ("fullstory_get_cmp_error_detection", None),
        ):
            response = requests.post(
                f"{server.base_url}/tools/{tool}",
                json={"parameters": {"sessionId": session.id}},
                headers={"Authorization": "Bearer local-token"},
                timeout=30,
            )
            assert response.status_code == 200, response.text
            body = simulator.summary_requests.last().body
            assert body.get("config_profile") == expected_base and body["llm"]["post_prompt"] != "Old."
    assert simulator.requests.calls(r"^/v2/visit_profile") == profile_calls
