"""Secrets from the AWS Parameters and Secrets Lambda Extension: one HTTP GET on localhost.

The extension (a layer of every function that reads a secret, template.yaml) reads Secrets
Manager with the function's role and keeps each answer for ``SECRETS_MANAGER_TTL`` seconds
(template parameter ``SecretsCacheTtlSeconds``), so this module keeps no cache of its own. It
serves only while the function is invoked, not while it initialises: secrets are read by calls,
never at import. Its documented interface has no "bypass the cache" flag, so a rotated value is
seen once the extension's entry expires. ``local/secrets_extension.py`` serves the same interface
from moto for ``make run`` and the tests. Standard library only; no value ever reaches a log.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import threading
from urllib.parse import urlencode

from .settings import SESSION_TOKEN_ENV, settings

HOST = "localhost"  # where AWS documents the extension
GET_PATH = "/secretsmanager/get"
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
TIMEOUT_S = 5.0  # above SECRETS_MANAGER_TIMEOUT_MILLIS (template): the extension answers first

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_connection: http.client.HTTPConnection | None = None


class SecretUnavailable(Exception):
    """The secret is not configured or cannot be read; the message never holds its value."""


class SecretMalformed(SecretUnavailable):
    """The secret was read but holds nothing usable (empty, blank, binary that is not UTF-8 text).

    ``env_var`` and ``secret_name`` say which secret to fix; the message names both, never the value.
    """

    def __init__(self, env_var: str, secret_id: str, problem: str) -> None:
        self.env_var = env_var
        self.secret_name = secret_name(secret_id)
        super().__init__(f"the secret {self.secret_name} (named by {env_var}) {problem}")


def secret_name(secret_id: str) -> str:
    """A secret's name without the ARN around it (which would show the account id)."""
    if secret_id.startswith("arn:") and ":secret:" in secret_id:
        return secret_id.split(":secret:", 1)[1]
    return secret_id


def reset() -> None:
    """Close the connection to the extension (tests; a new 'container')."""
    global _connection
    with _lock:
        if _connection is not None:
            _connection.close()
        _connection = None


def _get(port: int, target: str, token: str) -> tuple[int, bytes]:
    """``GET target`` on the extension over one kept-alive connection; a stale one is replaced once."""
    global _connection
    with _lock:
        for fresh in (_connection is None or _connection.port != port, True):
            if fresh or _connection is None:
                if _connection is not None:
                    _connection.close()
                _connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
            try:
                _connection.request("GET", target, headers={TOKEN_HEADER: token})
                response = _connection.getresponse()
                status, payload = response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                _connection.close()
                _connection = None
                if fresh:
                    raise SecretUnavailable(
                        f"no secrets extension answered on {HOST}:{port} ({type(exc).__name__}); "
                        "is the AWS Parameters and Secrets Lambda Extension layer on this function?"
                    ) from None
                continue  # a kept-alive connection the extension had closed: once more on a new one
            if response.will_close:
                _connection.close()
                _connection = None
            return status, payload
    raise AssertionError("unreachable")


def _secret_text(payload: bytes, env_var: str, secret_id: str) -> str:
    """The value in the extension's answer (GetSecretValue's JSON): SecretString, or SecretBinary as text."""
    try:
        answer = json.loads(payload)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise SecretUnavailable(f"the secrets extension's answer for {env_var} is not GetSecretValue's JSON")
    if isinstance(answer.get("SecretString"), str):
        return str(answer["SecretString"])
    if isinstance(answer.get("SecretBinary"), str):
        try:
            return base64.b64decode(answer["SecretBinary"], validate=True).decode("utf-8")
        except ValueError:  # not base64 (binascii.Error), or not UTF-8 (UnicodeDecodeError)
            raise SecretMalformed(env_var, secret_id, "holds a SecretBinary that is not UTF-8 text") from None
    raise SecretUnavailable(f"the secrets extension's answer for {env_var} holds no secret value")


def read_secret(env_var: str) -> str:
    """The text of the secret named by environment variable ``env_var``, without surrounding blanks.

    ``SecretMalformed`` when it holds nothing usable (empty, blank, a SecretBinary that is not
    UTF-8 text); ``SecretUnavailable`` when it is not configured or cannot be read.
    """
    current = settings()
    secret_id = current.secret_id(env_var)
    if not secret_id:
        raise SecretUnavailable(f"{env_var} is not set")
    if not current.session_token:
        raise SecretUnavailable(f"{SESSION_TOKEN_ENV} is not set: the secrets extension answers the function only")
    target = f"{GET_PATH}?{urlencode({'secretId': secret_id})}"
    status, payload = _get(current.secrets_extension_port, target, current.session_token)
    if status != 200:
        _log.warning("the secrets extension answered %s for the secret named by %s", status, env_var)
        raise SecretUnavailable(f"the secrets extension answered {status} for the secret named by {env_var}")
    value = _secret_text(payload, env_var, secret_id)
    text = value.strip()
    if not text:
        raise SecretMalformed(env_var, secret_id, "is empty" if not value else "holds only whitespace")
    return text
