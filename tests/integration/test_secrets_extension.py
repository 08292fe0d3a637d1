"""The local stand-in for the Parameters and Secrets Lambda Extension (local/secrets_extension.py).

It must answer as AWS documents the extension: GET /secretsmanager/get?secretId=… (versionId,
versionStage), only with the X-Aws-Parameters-Secrets-Token header, GetSecretValue's JSON back,
each answer kept for SECRETS_MANAGER_TTL seconds; moto (Secrets Manager) behind it.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from local.secrets_extension import SecretsExtension, cache_ttl_s
from tests.conftest import ExtensionClock, register_secret

TOKEN = "extension-session-token"
STRING = register_secret("ext-string-value-41c9")
BINARY = b"\x00ext-binary-value\xff"


@pytest.fixture
def sm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    for key, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        import boto3

        client = boto3.client("secretsmanager")
        client.create_secret(Name="app/string", SecretString=STRING)
        client.create_secret(Name="app/binary", SecretBinary=BINARY)
        yield client


@pytest.fixture
def clock() -> ExtensionClock:
    return ExtensionClock()


@pytest.fixture
def extension(sm: Any, clock: ExtensionClock) -> Iterator[SecretsExtension]:
    with SecretsExtension(TOKEN, ttl_s=300, clock=clock) as running:
        yield running


def get(extension: SecretsExtension, query: dict[str, str], token: str | None = TOKEN) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("localhost", extension.port, timeout=5)
    try:
        headers = {"X-Aws-Parameters-Secrets-Token": token} if token is not None else {}
        connection.request("GET", f"/secretsmanager/get?{urlencode(query)}", headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, body.decode()


def test_a_secret_string_comes_back_as_get_secret_value_json(extension: SecretsExtension) -> None:
    status, answer = get(extension, {"secretId": "app/string"})
    assert status == 200
    assert answer["Name"] == "app/string" and answer["SecretString"] == STRING
    assert answer["ARN"].startswith("arn:aws:secretsmanager:us-east-1:") and "AWSCURRENT" in answer["VersionStages"]
    assert isinstance(answer["VersionId"], str) and isinstance(answer["CreatedDate"], float)


def test_a_secret_binary_comes_back_base64_encoded(extension: SecretsExtension) -> None:
    status, answer = get(extension, {"secretId": "app/binary"})
    assert status == 200 and base64.b64decode(answer["SecretBinary"]) == BINARY and "SecretString" not in answer


def test_by_arn_and_by_version(extension: SecretsExtension, sm: Any) -> None:
    arn = get(extension, {"secretId": "app/string"})[1]["ARN"]
    first_version = get(extension, {"secretId": arn})[1]["VersionId"]
    sm.put_secret_value(SecretId="app/string", SecretString=register_secret("ext-string-value-2"))
    assert get(extension, {"secretId": arn, "versionStage": "AWSPREVIOUS"})[1]["SecretString"] == STRING
    assert get(extension, {"secretId": arn, "versionId": first_version})[1]["SecretString"] == STRING


@pytest.mark.parametrize("token", [None, "", "another-token"], ids=["no header", "empty", "wrong"])
def test_only_the_functions_own_token_is_answered(extension: SecretsExtension, token: str | None) -> None:
    status, body = get(extension, {"secretId": "app/string"}, token=token)
    assert status == 401 and STRING not in str(body)
    assert extension.requests == {}


def test_what_secrets_manager_refuses_comes_back_with_its_status(extension: SecretsExtension) -> None:
    status, answer = get(extension, {"secretId": "app/missing"})
    assert status >= 400 and answer["__type"] == "ResourceNotFoundException"  # moto says 404, AWS 400
    assert get(extension, {})[0] == 400  # no secretId


def test_answers_are_kept_for_the_ttl(extension: SecretsExtension, sm: Any, clock: ExtensionClock) -> None:
    assert get(extension, {"secretId": "app/string"})[1]["SecretString"] == STRING
    rotated = register_secret("ext-string-rotated-77")
    sm.put_secret_value(SecretId="app/string", SecretString=rotated)
    clock.offset += 299
    assert get(extension, {"secretId": "app/string"})[1]["SecretString"] == STRING  # still cached
    clock.offset += 2
    assert get(extension, {"secretId": "app/string"})[1]["SecretString"] == rotated
    assert extension.requests["app/string"] == 3


def test_a_ttl_of_zero_reads_secrets_manager_every_time(sm: Any) -> None:
    with SecretsExtension(TOKEN, ttl_s=0) as extension:
        assert get(extension, {"secretId": "app/string"})[1]["SecretString"] == STRING
        rotated = register_secret("ext-string-rotated-zero")
        sm.put_secret_value(SecretId="app/string", SecretString=rotated)
        assert get(extension, {"secretId": "app/string"})[1]["SecretString"] == rotated


def test_the_cache_is_configured_as_the_extension_reads_it() -> None:
    assert cache_ttl_s({}) == 300
    assert cache_ttl_s({"SECRETS_MANAGER_TTL": "60"}) == 60
    assert cache_ttl_s({"SECRETS_MANAGER_TTL": "900"}) == 300  # its maximum
    assert cache_ttl_s({"SECRETS_MANAGER_TTL": "60", "PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED": "false"}) == 0
    assert cache_ttl_s({"SECRETS_MANAGER_TTL": "60", "PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE": "0"}) == 0


def test_nothing_but_its_get_is_served(extension: SecretsExtension) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", extension.port, timeout=5)
    try:
        connection.request(
            "GET", "/systemsmanager/parameters/get?name=x", headers={"X-Aws-Parameters-Secrets-Token": TOKEN}
        )
        assert connection.getresponse().status == 404
    finally:
        connection.close()
    connection = http.client.HTTPConnection("127.0.0.1", extension.port, timeout=5)
    try:
        connection.request(
            "POST", "/secretsmanager/get?secretId=app/string", headers={"X-Aws-Parameters-Secrets-Token": TOKEN}
        )
        assert connection.getresponse().status == 405
    finally:
        connection.close()
