"""The first tools through their Lambda handlers: moto Secrets Manager, real HTTP to the simulator."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator
from local.secrets_extension import SecretsExtension
from tests.conftest import (
    API_KEY_SECRET,
    BEARER,
    TOKEN_SECRET,
    call_tool,
    context,
    let_secrets_cache_expire,
    load_handler,
    register_secret,
    tool_event,
)

pytestmark = pytest.mark.usefixtures("aws")

SEGMENT_KEYS = {"id", "name", "creator", "created", "url"}


def test_list_segments_page_and_next_page() -> None:
    status, first = call_tool("fullstory_list_segments", {"limit": 5})
    assert status == 200
    assert first["count"] == 5 and len(first["segments"]) == 5
    assert all(set(s) == SEGMENT_KEYS for s in first["segments"])
    assert first["nextPaginationToken"]
    status, second = call_tool("fullstory_list_segments", {"limit": 5, "paginationToken": first["nextPaginationToken"]})
    assert status == 200
    assert not {s["id"] for s in first["segments"]} & {s["id"] for s in second["segments"]}


def test_list_segments_by_creator(simulator: FullstorySimulator) -> None:
    creator = next(s.creator for s in simulator.data.segments if s.creator)
    status, answer = call_tool("fullstory_list_segments", {"creator": creator, "limit": 100})
    assert status == 200 and answer["segments"]
    assert {s["creator"] for s in answer["segments"]} == {creator}


def test_get_segment_by_id_builtin_and_name(simulator: FullstorySimulator) -> None:
    custom = next(s for s in simulator.data.segments if s.creator)
    status, by_id = call_tool("fullstory_get_segment", {"id": custom.id})
    assert status == 200 and by_id["matchedBy"] == "id" and by_id["segment"]["name"] == custom.name
    status, builtin = call_tool("fullstory_get_segment", {"id": "everyone"})
    assert status == 200 and builtin["segment"]["id"] == "everyone" and builtin["segment"]["created"] is None
    status, by_name = call_tool("fullstory_get_segment", {"id": custom.name})
    assert status == 200 and by_name["matchedBy"] == "exact name" and by_name["segment"]["id"] == custom.id
    status, by_case = call_tool("fullstory_get_segment", {"id": custom.name.upper()})
    assert status == 200 and by_case["matchedBy"] == "name, ignoring case" and by_case["segment"]["id"] == custom.id


def test_get_segment_unknown_suggests_close_names(simulator: FullstorySimulator) -> None:
    custom = next(s for s in simulator.data.segments if s.creator and len(s.name) > 6)
    status, problem = call_tool("fullstory_get_segment", {"id": custom.name[:-1] + "x"})
    assert status == 404 and problem["error_code"] == "SEGMENT_NOT_FOUND"
    assert custom.name in problem["detail"] and "fullstory_list_segments" in problem["detail"]


def test_list_sessions_by_email_uid_and_union(simulator: FullstorySimulator) -> None:
    user = next(u for u in simulator.data.users if u.email == "john.doe@example.com")
    other = next(u for u in simulator.data.users if u.uid != user.uid)
    status, by_email = call_tool("fullstory_list_sessions", {"email": user.email, "limit": 100})
    assert status == 200 and by_email["count"] >= 1
    for session in by_email["sessions"]:
        device, _, sid = session["sessionId"].partition(":")
        assert device and sid and session["sessionId"] in session["replayUrl"]
        assert session["created"].endswith("UTC")
    status, limited = call_tool("fullstory_list_sessions", {"uid": other.uid, "limit": 1})
    assert status == 200 and limited["count"] == 1
    status, both = call_tool("fullstory_list_sessions", {"uid": other.uid, "email": user.email, "limit": 100})
    ids = {s["sessionId"] for s in both["sessions"]}
    assert {s["sessionId"] for s in by_email["sessions"]} < ids


@pytest.mark.parametrize(
    ("parameters", "named"),
    [({}, "uid"), ({"email": "nope"}, "email"), ({"uid": "u", "limit": 101}, "limit"), ({"uid": "u", "x": 1}, "x")],
)
def test_list_sessions_bad_parameters(parameters: dict[str, Any], named: str) -> None:
    status, problem = call_tool("fullstory_list_sessions", parameters)
    assert status == 400
    assert named in {e["parameter"] for e in problem["errors"]}
    assert "Traceback" not in json.dumps(problem)


@pytest.mark.parametrize("token", [None, "wrong", BEARER.upper(), BEARER + "x", ""])
def test_bad_bearer_is_401_without_hints(token: str | None) -> None:
    response = load_handler("fullstory_list_segments")(
        tool_event("fullstory_list_segments", {}, token=token), context()
    )
    assert response["statusCode"] == 401
    assert response["headers"]["www-authenticate"] == "Bearer"
    assert BEARER not in response["body"]


def test_rotated_bearer_token_works_without_redeploy_once_the_extension_cache_expires(aws: Any) -> None:
    assert call_tool("fullstory_list_segments", {"limit": 1})[0] == 200
    aws.put_secret_value(SecretId=TOKEN_SECRET, SecretString=register_secret("rotated-token-value-123"))
    # The extension answers from its cache for SECRETS_MANAGER_TTL seconds, and offers no way around it.
    assert call_tool("fullstory_list_segments", {"limit": 1}, token="rotated-token-value-123")[0] == 401
    let_secrets_cache_expire()
    assert call_tool("fullstory_list_segments", {"limit": 1}, token="rotated-token-value-123")[0] == 200
    # No cache of ours: the old token stops working as soon as the extension has the new one.
    assert call_tool("fullstory_list_segments", {"limit": 1})[0] == 401


def test_rotated_fullstory_key_is_picked_up_after_a_401(
    aws: Any, simulator: FullstorySimulator, extension: SecretsExtension
) -> None:
    assert call_tool("fullstory_list_segments", {"limit": 1})[0] == 200
    original = simulator.api_key
    try:
        simulator.api_key = register_secret("rotated-fullstory-key")
        aws.put_secret_value(SecretId=API_KEY_SECRET, SecretString="rotated-fullstory-key")
        # Within the extension's TTL the re-read after Fullstory's 401 still gets the old key: a clear 502.
        status, answer = call_tool("fullstory_list_segments", {"limit": 1})
        assert status == 502 and answer["error_code"] == "FULLSTORY_UNAUTHORIZED", answer
        let_secrets_cache_expire()
        reads = extension.requests[API_KEY_SECRET]
        status, answer = call_tool("fullstory_list_segments", {"limit": 1})
        assert status == 200 and answer["count"] == 1
        assert extension.requests[API_KEY_SECRET] == reads + 1  # the key is read again after the 401, once
        assert call_tool("fullstory_list_segments", {"limit": 1})[0] == 200
        assert extension.requests[API_KEY_SECRET] == reads + 1  # and not on every call
    finally:
        simulator.api_key = original


def test_invalid_fullstory_key_is_a_clear_502(aws: Any) -> None:
    aws.put_secret_value(SecretId=API_KEY_SECRET, SecretString=register_secret("not-the-key"))
    status, problem = call_tool("fullstory_list_segments", {})
    assert status == 502 and problem["error_code"] == "FULLSTORY_UNAUTHORIZED"
    assert "not-the-key" not in json.dumps(problem)


def test_placeholder_key_says_not_configured(aws: Any) -> None:
    aws.put_secret_value(SecretId=API_KEY_SECRET, SecretString="REPLACE_ME")
    status, problem = call_tool("fullstory_list_segments", {})
    assert status == 503 and problem["error_code"] == "FULLSTORY_NOT_CONFIGURED"


def test_persistent_rate_limit_is_429_with_retry_after(simulator: FullstorySimulator) -> None:
    simulator.inject(r"^/segments/v1$", status=429, retry_after=60, times=5)
    response = load_handler("fullstory_list_segments")(tool_event("fullstory_list_segments", {}), context())
    body = json.loads(response["body"])
    assert response["statusCode"] == 429 and body["retry_after"] == 60
    assert response["headers"]["retry-after"] == "60"


def test_slow_fullstory_answers_inside_the_function_deadline(simulator: FullstorySimulator) -> None:
    simulator.inject(r"^/sessions/v2$", delay_s=6.0, times=5)
    started = time.monotonic()
    response = load_handler("fullstory_list_sessions")(
        tool_event("fullstory_list_sessions", {"uid": "usr_1001"}), context(timeout_s=4)
    )
    assert time.monotonic() - started < 4
    assert response["statusCode"] == 504
    assert json.loads(response["body"])["error_code"] == "FULLSTORY_TIMEOUT"


def test_unexpected_failure_is_a_problem_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from fullstory_client import FullstoryClient

    def explode(*_: Any, **__: Any) -> Any:
        raise RuntimeError("secret internals: /var/task/app.py line 3")

    monkeypatch.setattr(FullstoryClient, "list_segments", explode)
    status, problem = call_tool("fullstory_list_segments", {})
    assert status == 500 and problem["error_code"] == "INTERNAL_ERROR" and problem["request_id"]
    assert "RuntimeError" not in json.dumps(problem) and "internals" not in json.dumps(problem)
