"""Every tool against Fullstory's bad days: a right answer after a bounded retry, or a clear problem.

Derived from the tool registry and each tool's sample event, so new tools join the matrix by themselves.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from local.fullstory_sim import FullstorySimulator
from tests.conftest import (
    API_KEY_SECRET,
    TOKEN_SECRET,
    _reset_layer_caches,
    assert_no_secret,
    context,
    let_secrets_cache_expire,
    load_handler,
    register_secret,
    tool_event,
)
from tools.registry import TOOLS

pytestmark = pytest.mark.usefixtures("aws")

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 3  # the function's timeout in these tests; every answer must come before it


def _parameters(tool: str, simulator: FullstorySimulator) -> dict[str, Any]:
    event = json.loads((ROOT / "events" / f"{tool}.json").read_text())
    parameters: dict[str, Any] = json.loads(event["body"])["parameters"]
    if "sessionId" in parameters:
        parameters["sessionId"] = simulator.data.sessions[0].id
    return parameters


def _call(tool: str, parameters: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    response = load_handler(tool)(tool_event(tool, parameters), context(timeout_s=TIMEOUT_S))
    elapsed = time.monotonic() - started
    assert_no_secret(response["body"])
    return response["statusCode"], json.loads(response["body"]), elapsed


def _baseline(tool: str, simulator: FullstorySimulator) -> tuple[dict[str, Any], int]:
    """The tool's parameters and its answer's status on a good day; skips tools that never ask Fullstory."""
    parameters = _parameters(tool, simulator)
    _call(tool, parameters)  # warm: secrets cached
    before = len(simulator.requests)
    status, _, _ = _call(tool, parameters)
    if len(simulator.requests) == before:
        pytest.skip(f"{tool} does not call Fullstory synchronously")
    return parameters, status


TRANSIENT = {
    "429": {"status": 429, "retry_after": 0},
    "500": {"status": 500},
    "502": {"status": 502},
    "503": {"status": 503},
    "reset": {"reset": True},
}


@pytest.mark.parametrize("fault", list(TRANSIENT))
@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_one_transient_fault_on_a_read_is_retried(tool: str, fault: str, simulator: FullstorySimulator) -> None:
    parameters, expected = _baseline(tool, simulator)
    simulator.inject(".", method="GET", times=1, **TRANSIENT[fault])
    status, body, elapsed = _call(tool, parameters)
    assert status == expected, body
    assert elapsed < TIMEOUT_S


PERSISTENT = {
    "429": ({"status": 429, "retry_after": 1}, 429, "FULLSTORY_RATE_LIMITED"),
    "503": ({"status": 503}, 502, "FULLSTORY_UNAVAILABLE"),
    "500": ({"status": 500}, 502, "FULLSTORY_UNAVAILABLE"),
    "slow": ({"delay_s": TIMEOUT_S + 1.0}, 504, "FULLSTORY_TIMEOUT"),
    "malformed": ({"status": 200, "body": "{not json"}, 502, "FULLSTORY_MALFORMED_RESPONSE"),
    "reset": ({"reset": True}, 502, "FULLSTORY_UNAVAILABLE"),
}


@pytest.mark.parametrize("fault", list(PERSISTENT))
@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_persistent_faults_become_clear_problems_inside_the_deadline(
    tool: str, fault: str, simulator: FullstorySimulator
) -> None:
    parameters, expected_ok = _baseline(tool, simulator)
    spec, status_expected, code = PERSISTENT[fault]
    simulator.inject(".", times=50, **spec)
    try:
        status, body, elapsed = _call(tool, parameters)
    finally:
        simulator.clear_faults()
    assert elapsed < TIMEOUT_S
    if status == expected_ok == 200 and fault == "malformed":
        return  # a tool that only reads lists may treat nothing as nothing; a 200 is then right too
    assert status == status_expected, body
    assert body["error_code"] in (code, "SESSION_NOT_FOUND") or body["error_code"].startswith("FULLSTORY_")
    if fault == "429":
        assert body["retry_after"] == 1


@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_rotated_fullstory_key_is_picked_up_by_every_tool(tool: str, simulator: FullstorySimulator, aws: Any) -> None:
    parameters, expected = _baseline(tool, simulator)
    original = simulator.api_key
    try:
        simulator.api_key = register_secret(f"rotated-key-for-{tool}")
        aws.put_secret_value(SecretId=API_KEY_SECRET, SecretString=simulator.api_key)
        let_secrets_cache_expire()  # the secrets extension sees the new value after SECRETS_MANAGER_TTL
        status, body, _ = _call(tool, parameters)  # the old key's 401 makes the function read the key again
        assert status == expected, body
    finally:
        simulator.api_key = original


# A secret that holds nothing usable (issue 12.10): a 503 naming the secret to fix, on every call,
# never a 500 and never the value. (An empty SecretString is refused by moto; the unit tests cover it.)
MALFORMED_SECRETS: dict[str, dict[str, Any]] = {
    "binary not UTF-8": {"SecretBinary": b"\xff\xfe\x00zz-secret-bits"},
    "whitespace only": {"SecretString": " \n\t "},
}
MALFORMED_KEYS = {**MALFORMED_SECRETS, "line break inside": {"SecretString": "na1.zz-secret\nzz-bits"}}


def _store(aws: Any, secret_id: str, value: dict[str, Any]) -> None:
    aws.put_secret_value(SecretId=secret_id, **value)
    _reset_layer_caches()


@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_a_malformed_api_key_secret_is_a_503_naming_it(tool: str, simulator: FullstorySimulator, aws: Any) -> None:
    parameters, _ = _baseline(tool, simulator)
    for fault, value in MALFORMED_KEYS.items():
        _store(aws, API_KEY_SECRET, value)
        status, body, elapsed = _call(tool, parameters)
        assert status == 503, (fault, body)
        assert body["error_code"] == "FULLSTORY_NOT_CONFIGURED"
        assert "FULLSTORY_API_KEY_SECRET_ID" in body["detail"] and API_KEY_SECRET in body["detail"]
        assert "zz-" not in json.dumps(body)
        assert elapsed < TIMEOUT_S


@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_a_malformed_token_secret_is_a_503_for_every_tool(tool: str, aws: Any) -> None:
    for fault, value in MALFORMED_SECRETS.items():
        _store(aws, TOKEN_SECRET, value)
        status, body, _ = _call(tool, {})
        assert status == 503, (fault, body)
        assert body["error_code"] == "TOKEN_SECRET_INVALID"
        assert "OPAL_BEARER_TOKEN_SECRET_ID" in body["detail"] and TOKEN_SECRET not in json.dumps(body)
