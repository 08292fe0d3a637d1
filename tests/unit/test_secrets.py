"""Reading a secret from the Parameters and Secrets Lambda Extension (platform_kit/secrets.py).

Against a stand-in for the extension on loopback that answers whatever JSON a test gives it and
records what it was sent: the request's shape (path, query, token header), every kind of answer
(strings, binaries, malformed values, errors), and a connection that goes away.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from platform_kit import secrets
from platform_kit.settings import EXTENSION_PORT_ENV, TOKEN_SECRET_ENV
from tests.conftest import register_secret

SESSION_TOKEN = register_secret("session-token-for-the-extension-7c1f")
ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:stack/opal-bearer-token-AbCdEf"


class FakeExtension(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, Any]] = {}  # secretId -> (status, JSON body)
        self.seen: list[tuple[str, dict[str, list[str]], str | None]] = []  # path, query, token header
        self.close_after_answer = False
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: FakeExtension
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        self.server.seen.append((parts.path, query, self.headers.get("X-Aws-Parameters-Secrets-Token")))
        status, body = self.server.answers.get(query.get("secretId", [""])[0], (404, {"message": "no such secret"}))
        raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)
        if self.server.close_after_answer:
            self.close_connection = True  # without saying so: the client's next request finds it gone


@pytest.fixture
def extension(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeExtension]:
    server = FakeExtension()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    monkeypatch.setenv(EXTENSION_PORT_ENV, str(server.port))
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv(TOKEN_SECRET_ENV, ARN)
    secrets.reset()
    yield server
    secrets.reset()
    server.shutdown()
    server.server_close()


def test_one_get_on_localhost_with_the_session_token(extension: FakeExtension) -> None:
    extension.answers[ARN] = (200, {"ARN": ARN, "Name": "stack/opal-bearer-token", "SecretString": "tok-1\n"})
    assert secrets.read_secret(TOKEN_SECRET_ENV) == "tok-1"
    [(path, query, token)] = extension.seen
    assert path == "/secretsmanager/get"
    assert query == {"secretId": [ARN]}  # the ARN's ':' and '/' arrive intact
    assert token == SESSION_TOKEN


def test_no_cache_of_its_own_and_one_kept_alive_connection(extension: FakeExtension) -> None:
    extension.answers[ARN] = (200, {"SecretString": "tok-1"})
    assert secrets.read_secret(TOKEN_SECRET_ENV) == "tok-1"
    extension.answers[ARN] = (200, {"SecretString": "tok-2"})
    assert secrets.read_secret(TOKEN_SECRET_ENV) == "tok-2"  # the extension's cache is the only one
    assert len(extension.seen) == 2


def test_a_connection_the_extension_closed_is_replaced_once(extension: FakeExtension) -> None:
    extension.answers[ARN] = (200, {"SecretString": "tok-1"})
    extension.close_after_answer = True
    assert secrets.read_secret(TOKEN_SECRET_ENV) == "tok-1"
    assert secrets.read_secret(TOKEN_SECRET_ENV) == "tok-1"
    assert len(extension.seen) == 2


def test_a_secret_binary_is_read_as_text(extension: FakeExtension) -> None:
    extension.answers[ARN] = (200, {"SecretBinary": base64.b64encode(b"tok-bin").decode()})
    assert secrets.read_secret(TOKEN_SECRET_ENV) == "tok-bin"


MALFORMED = {
    "binary not base64": ({"SecretBinary": "!!! not base64 !!!"}, "holds a SecretBinary that is not UTF-8 text"),
    "binary not utf-8": (
        {"SecretBinary": base64.b64encode(b"\xff\xfe\x00key").decode()},
        "holds a SecretBinary that is not UTF-8 text",
    ),
    "empty string": ({"SecretString": ""}, "is empty"),
    "whitespace only": ({"SecretString": " \n\t "}, "holds only whitespace"),
}


@pytest.mark.parametrize("answer, problem", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_malformed_secret_names_its_variable_and_secret(
    extension: FakeExtension, answer: dict[str, str], problem: str
) -> None:
    extension.answers[ARN] = (200, answer)
    with pytest.raises(secrets.SecretMalformed) as raised:
        secrets.read_secret(TOKEN_SECRET_ENV)
    assert raised.value.env_var == TOKEN_SECRET_ENV and raised.value.secret_name == "stack/opal-bearer-token-AbCdEf"
    assert str(raised.value) == f"the secret stack/opal-bearer-token-AbCdEf (named by {TOKEN_SECRET_ENV}) {problem}"
    assert "123456789012" not in str(raised.value)
    assert len(extension.seen) == 1  # an answer, not a failure: not asked again


@pytest.mark.parametrize(
    "status, body",
    [(400, {"__type": "ResourceNotFoundException", "message": "no"}), (500, {}), (200, [1, 2]), (200, b"not json")],
    ids=["not found", "extension error", "not an object", "not json"],
)
def test_an_answer_without_a_value_is_unavailable(extension: FakeExtension, status: int, body: Any) -> None:
    extension.answers[ARN] = (status, body)
    with pytest.raises(secrets.SecretUnavailable) as raised:
        secrets.read_secret(TOKEN_SECRET_ENV)
    assert not isinstance(raised.value, secrets.SecretMalformed)
    assert TOKEN_SECRET_ENV in str(raised.value)


def test_without_an_extension_the_secret_is_unavailable_and_says_why(
    extension: FakeExtension, monkeypatch: pytest.MonkeyPatch
) -> None:
    idle = FakeExtension()  # bound, then closed: nothing listens on its port
    idle.server_close()
    monkeypatch.setenv(EXTENSION_PORT_ENV, str(idle.port))
    with pytest.raises(secrets.SecretUnavailable, match=f"no secrets extension answered on localhost:{idle.port}"):
        secrets.read_secret(TOKEN_SECRET_ENV)


def test_nothing_is_asked_without_a_secret_id_or_a_session_token(
    extension: FakeExtension, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    with pytest.raises(secrets.SecretUnavailable, match="AWS_SESSION_TOKEN is not set"):
        secrets.read_secret(TOKEN_SECRET_ENV)
    monkeypatch.delenv(TOKEN_SECRET_ENV)
    with pytest.raises(secrets.SecretUnavailable, match=f"{TOKEN_SECRET_ENV} is not set"):
        secrets.read_secret(TOKEN_SECRET_ENV)
    assert extension.seen == []
