"""The signed Secrets Manager read that keeps boto3 off Lambda's cold path, and its boto3 fallback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from opal_tools import aws_secrets, secrets
from opal_tools.aws_secrets import DirectReadFailed, DirectSecrets, Settings, settings_from_env, signed_headers

LAMBDA_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "fn",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "session-token",
}


@pytest.mark.parametrize("token", ["session-token", None])
def test_signature_is_the_one_botocore_computes(monkeypatch: pytest.MonkeyPatch, token: str | None) -> None:
    from botocore import auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    now = datetime(2026, 11, 26, 12, 34, 56, tzinfo=UTC)
    settings = Settings("https://secretsmanager.eu-west-1.amazonaws.com", "eu-west-1", "AKIDEXAMPLE", "secret", token)
    body = json.dumps({"SecretId": "stack/fullstory-api-key"}).encode()

    ours = signed_headers(settings, "secretsmanager.eu-west-1.amazonaws.com", body, now)

    monkeypatch.setattr(auth, "get_current_datetime", lambda: now.replace(tzinfo=None))
    request = AWSRequest(
        method="POST",
        url=settings.endpoint + "/",
        data=body,
        headers={"Content-Type": aws_secrets.CONTENT_TYPE, "X-Amz-Target": aws_secrets.TARGET},
    )
    auth.SigV4Auth(Credentials("AKIDEXAMPLE", "secret", token), "secretsmanager", "eu-west-1").add_auth(request)
    assert ours["authorization"] == request.headers["Authorization"]
    assert ours["x-amz-date"] == request.headers["X-Amz-Date"]
    assert ours.get("x-amz-security-token") == request.headers.get("X-Amz-Security-Token")


def test_applies_only_in_lambda_with_credentials_in_the_environment() -> None:
    settings = settings_from_env(LAMBDA_ENV)
    assert settings is not None
    assert settings.endpoint == "https://secretsmanager.eu-west-1.amazonaws.com"
    assert settings.session_token == "session-token"
    assert settings_from_env({k: v for k, v in LAMBDA_ENV.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}) is None
    assert settings_from_env({k: v for k, v in LAMBDA_ENV.items() if k != "AWS_SECRET_ACCESS_KEY"}) is None
    assert settings_from_env({**LAMBDA_ENV, "AWS_USE_FIPS_ENDPOINT": "true"}) is None
    assert settings_from_env({**LAMBDA_ENV, "AWS_REGION": "us-iso-east-1"}) is None
    assert settings_from_env({**LAMBDA_ENV, "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://h:1/some/path"}) is None


def test_endpoint_overrides_and_partitions() -> None:
    china = settings_from_env({**LAMBDA_ENV, "AWS_REGION": "cn-north-1"})
    assert china is not None and china.endpoint == "https://secretsmanager.cn-north-1.amazonaws.com.cn"
    for name in ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_SECRETSMANAGER", "AWS_ENDPOINT_URL"):
        local = settings_from_env({**LAMBDA_ENV, name: "http://127.0.0.1:4566/"})
        assert local is not None and local.endpoint == "http://127.0.0.1:4566"
    ignored = settings_from_env(
        {**LAMBDA_ENV, "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}
    )
    assert ignored is not None and ignored.endpoint.startswith("https://secretsmanager.")


class FakeSecretsManager(ThreadingHTTPServer):
    """Answers GetSecretValue like Secrets Manager; records what it was sent."""

    daemon_threads = True

    def __init__(self) -> None:
        self.secrets: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.refuse_with: str | None = None
        self.connections = 0
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeSecretsManager

    def setup(self) -> None:
        super().setup()
        self.server.connections += 1

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
        if self.server.refuse_with:
            status, answer = 400, {"__type": self.server.refuse_with, "message": "no"}
        elif body.get("SecretId") in self.server.secrets:
            status, answer = 200, self.server.secrets[body["SecretId"]]
        else:
            status, answer = 400, {"__type": "com.amazonaws#ResourceNotFoundException", "Message": "not found"}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def fake_sm() -> Iterator[FakeSecretsManager]:
    server = FakeSecretsManager()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_reads_strings_and_binaries_over_one_kept_alive_connection(fake_sm: FakeSecretsManager) -> None:
    fake_sm.secrets["a"] = {"Name": "a", "SecretString": "alpha"}
    fake_sm.secrets["b"] = {"Name": "b", "SecretBinary": "YmV0YQ=="}
    settings = settings_from_env({**LAMBDA_ENV, "AWS_ENDPOINT_URL_SECRETS_MANAGER": fake_sm.url})
    assert settings is not None
    client = DirectSecrets(settings)
    assert client.get_secret_value("a") == "alpha"
    assert client.get_secret_value("b") == "beta"
    assert fake_sm.connections == 1
    headers, body = fake_sm.requests[0]
    assert body == {"SecretId": "a"}
    assert headers["x-amz-target"] == "secretsmanager.GetSecretValue"
    assert headers["x-amz-security-token"] == "session-token"
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    with pytest.raises(DirectReadFailed) as failed:
        client.get_secret_value("missing")
    assert failed.value.error_type == "ResourceNotFoundException" and not failed.value.credentials_rejected
    client.close_locked()


def test_a_dropped_keep_alive_connection_is_replaced_once(fake_sm: FakeSecretsManager) -> None:
    fake_sm.secrets["a"] = {"SecretString": "alpha"}
    settings = settings_from_env({**LAMBDA_ENV, "AWS_ENDPOINT_URL": fake_sm.url})
    assert settings is not None
    client = DirectSecrets(settings)
    assert client.get_secret_value("a") == "alpha"
    assert client._connection is not None and client._connection.sock is not None
    client._connection.sock.close()  # as when the server closed an idle connection
    assert client.get_secret_value("a") == "alpha"
    client.close_locked()


@pytest.fixture
def in_lambda(monkeypatch: pytest.MonkeyPatch, fake_sm: FakeSecretsManager) -> Iterator[FakeSecretsManager]:
    for key, value in {**LAMBDA_ENV, "AWS_ENDPOINT_URL_SECRETS_MANAGER": fake_sm.url, "TOKEN_ID": "tok"}.items():
        monkeypatch.setenv(key, value)
    secrets.clear_cache()
    yield fake_sm
    secrets.clear_cache()


def test_read_secret_in_lambda_is_cached_and_force_reads_again(in_lambda: FakeSecretsManager) -> None:
    in_lambda.secrets["tok"] = {"SecretString": " token-1 \n"}
    assert secrets.read_secret("TOKEN_ID") == "token-1"
    in_lambda.secrets["tok"] = {"SecretString": "token-2"}
    assert secrets.read_secret("TOKEN_ID") == "token-1"  # within max_age
    assert secrets.read_secret("TOKEN_ID", force=True) == "token-2"
    assert len(in_lambda.requests) == 2


def test_rejected_credentials_fall_back_to_boto3_for_good(
    in_lambda: FakeSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    monkeypatch.delenv("AWS_ENDPOINT_URL_SECRETS_MANAGER")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETSMANAGER", in_lambda.url)  # botocore ignores this spelling
    in_lambda.refuse_with = "UnrecognizedClientException"
    with mock_aws():
        import boto3
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
        boto3.client("secretsmanager", region_name="eu-west-1").create_secret(Name="tok", SecretString="from-boto3")
        assert secrets.read_secret("TOKEN_ID") == "from-boto3"
        assert secrets.read_secret("TOKEN_ID", force=True) == "from-boto3"
        parameters.clear_caches()
    assert len(in_lambda.requests) == 1  # not asked again once it refused our signature


def test_unreadable_secret_is_unavailable_on_both_paths(in_lambda: FakeSecretsManager) -> None:
    from moto import mock_aws

    with mock_aws():
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
        with pytest.raises(secrets.SecretUnavailable):
            secrets.read_secret("TOKEN_ID")
        parameters.clear_caches()


def test_prefetch_reads_both_secrets_in_the_background_once(
    in_lambda: FakeSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_lambda.secrets["tok"] = {"SecretString": "token"}
    in_lambda.secrets["key"] = {"SecretString": "na1.key"}
    monkeypatch.setenv("KEY_ID", "key")
    assert secrets.prefetch("TOKEN_ID", "KEY_ID")
    assert not secrets.prefetch("TOKEN_ID", "KEY_ID")  # once per container
    assert secrets.read_secret("TOKEN_ID") == "token"  # waits for the prefetch, reads nothing more
    assert secrets.read_secret("KEY_ID") == "na1.key"
    assert [body["SecretId"] for _, body in in_lambda.requests] == ["tok", "key"]
    assert in_lambda.connections == 1


def test_a_failed_prefetch_leaves_the_read_to_the_caller(
    in_lambda: FakeSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEY_ID", "key")
    assert secrets.prefetch("TOKEN_ID", "KEY_ID")  # neither secret exists yet
    secrets._await_prefetch()
    in_lambda.secrets["tok"] = {"SecretString": "token"}
    assert secrets.read_secret("TOKEN_ID") == "token"  # read again, now that it exists
    assert [body["SecretId"] for _, body in in_lambda.requests] == ["tok", "key", "tok"]


def test_no_prefetch_outside_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.setenv("TOKEN_ID", "tok")
    secrets.clear_cache()
    assert not secrets.prefetch("TOKEN_ID")
    assert secrets._prefetch is None
