"""A secret that holds nothing usable is a 503 naming the secret to fix, never a 500 (issue 12.10).

Read as in Lambda: through the secrets extension's interface (local/secrets_extension.py, moto
behind it); what the extension may answer beyond what moto stores is in tests/unit/test_secrets.py.
The answer names the environment variable (and, after authentication, the secret's name), never
the value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from platform_kit import secrets
from tests.conftest import API_KEY_SECRET, BEARER, TOKEN_SECRET, _reset_layer_caches, call_tool


def test_an_arn_is_named_without_the_account() -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:stack/opal-bearer-token-AbCdEf"
    assert secrets.secret_name(arn) == "stack/opal-bearer-token-AbCdEf"
    assert "123456789012" not in str(secrets.SecretMalformed("X", arn, "is empty"))


@pytest.fixture
def put(aws: Any) -> Iterator[Any]:
    """Stores a secret value as an operator might have, and forgets what was cached."""

    def put_value(secret_id: str, **value: Any) -> None:
        aws.put_secret_value(SecretId=secret_id, **value)
        _reset_layer_caches()

    yield put_value


# An empty SecretString is refused by moto (AWS stores it): tests/unit/test_secrets.py covers it.
BOTO3_MALFORMED: dict[str, dict[str, Any]] = {
    "binary not utf-8": {"SecretBinary": b"\xff\xfe\x00key"},
    "whitespace only": {"SecretString": "   \n"},
}


@pytest.mark.parametrize("value", list(BOTO3_MALFORMED.values()), ids=list(BOTO3_MALFORMED))
def test_a_malformed_token_secret_is_a_503_naming_its_variable(put: Any, value: dict[str, Any]) -> None:
    put(TOKEN_SECRET, **value)
    status, body = call_tool("fullstory_list_segments", {"limit": 1})
    assert status == 503, body
    assert body["error_code"] == "TOKEN_SECRET_INVALID"
    assert "OPAL_BEARER_TOKEN_SECRET_ID" in body["detail"]
    assert TOKEN_SECRET not in json.dumps(body)  # before authentication: not even the secret's name
    assert call_tool("fullstory_list_segments", {"limit": 1}, token="other")[0] == 503  # nothing to compare with
    assert call_tool("fullstory_list_segments", {"limit": 1}, token=None)[0] == 401  # refused without the secret


@pytest.mark.parametrize(
    "value",
    [*BOTO3_MALFORMED.values(), {"SecretString": "na1.key\nsecond-line"}, {"SecretString": "naïve-key"}],
    ids=[*BOTO3_MALFORMED, "line break inside", "non-ascii"],
)
def test_a_malformed_api_key_secret_is_a_503_naming_the_secret(put: Any, value: dict[str, Any]) -> None:
    put(API_KEY_SECRET, **value)
    status, body = call_tool("fullstory_list_segments", {"limit": 1})
    assert status == 503, body
    assert body["error_code"] == "FULLSTORY_NOT_CONFIGURED"
    assert "FULLSTORY_API_KEY_SECRET_ID" in body["detail"] and API_KEY_SECRET in body["detail"]
    text = json.dumps(body)
    for secret_text in ("second-line", "naïve-key", "na1.key"):
        assert secret_text not in text


def test_a_fixed_secret_is_used_again(put: Any) -> None:
    put(TOKEN_SECRET, SecretString=" ")
    assert call_tool("fullstory_list_segments", {"limit": 1})[0] == 503
    put(TOKEN_SECRET, SecretString=BEARER)
    assert call_tool("fullstory_list_segments", {"limit": 1})[0] == 200
