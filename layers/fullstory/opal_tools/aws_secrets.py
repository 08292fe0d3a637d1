"""Secrets Manager ``GetSecretValue`` as one signed HTTPS request: no boto3 on a Lambda's cold path.

Importing boto3 and building a client costs a cold start about 0.2 s (and ~15 MB) for what is a
single SigV4-signed POST. In Lambda (``AWS_LAMBDA_FUNCTION_NAME`` set, the role's credentials
and region in the environment, as Lambda always provides them) ``opal_tools.secrets`` reads
secrets here first; everywhere else, and whenever this path fails, it uses Powertools' boto3
provider as before. Standard library only.

The endpoint honours ``AWS_ENDPOINT_URL_SECRETS_MANAGER`` (botocore's name) or
``AWS_ENDPOINT_URL_SECRETSMANAGER``, then ``AWS_ENDPOINT_URL``; FIPS, dual-stack and isolated
partitions are left to boto3.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

SERVICE = "secretsmanager"
TARGET = "secretsmanager.GetSecretValue"
CONTENT_TYPE = "application/x-amz-json-1.1"
TIMEOUT_S = 5.0
ENDPOINT_ENV = ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_SECRETSMANAGER", "AWS_ENDPOINT_URL")
# Answers meaning "this signer or these credentials are not accepted": stop using this path.
CREDENTIAL_ERRORS = frozenset(
    {
        "InvalidSignatureException",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "InvalidClientTokenId",
        "ExpiredTokenException",
    }
)


class SecretValueUnreadable(Exception):
    """Secrets Manager answered, but the value is not text: SecretBinary that is not base64 of UTF-8."""


class DirectReadFailed(Exception):
    """The secret was not read on this path; ``error_type`` is AWS's error name when it answered."""

    def __init__(self, message: str, *, status: int = 0, error_type: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type

    @property
    def credentials_rejected(self) -> bool:
        return self.error_type in CREDENTIAL_ERRORS


@dataclass(frozen=True)
class Settings:
    endpoint: str  # scheme://host[:port]
    region: str
    access_key: str
    secret_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


def settings_from_env(environ: Mapping[str, str] = os.environ) -> Settings | None:
    """Where and as whom to call Secrets Manager, when this path applies (in Lambda); else None."""
    if not environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return None
    if any(
        environ.get(flag, "").strip().lower() == "true"
        for flag in ("AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT")
    ):
        return None
    access_key, secret_key = environ.get("AWS_ACCESS_KEY_ID", ""), environ.get("AWS_SECRET_ACCESS_KEY", "")
    region = (environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "").strip()
    if not (access_key and secret_key and region) or "-iso" in region:
        return None
    endpoint = ""
    if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").strip().lower() != "true":
        endpoint = next((environ[name].strip() for name in ENDPOINT_ENV if environ.get(name, "").strip()), "")
    if not endpoint:
        suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
        endpoint = f"https://{SERVICE}.{region}.{suffix}"
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.path not in ("", "/"):
        return None
    return Settings(
        endpoint=f"{parts.scheme}://{parts.netloc}",
        region=region,
        access_key=access_key,
        secret_key=secret_key,
        session_token=environ.get("AWS_SESSION_TOKEN") or None,
    )


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signed_headers(settings: Settings, host: str, body: bytes, now: datetime) -> dict[str, str]:
    """The headers of a SigV4-signed ``POST /`` of the JSON protocol (``Authorization`` included)."""
    amz_date = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {"content-type": CONTENT_TYPE, "host": host, "x-amz-date": amz_date, "x-amz-target": TARGET}
    if settings.session_token:
        headers["x-amz-security-token"] = settings.session_token
    names = sorted(headers)
    canonical_headers = "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in names)
    signed = ";".join(names)
    canonical_request = "\n".join(("POST", "/", "", canonical_headers, signed, hashlib.sha256(body).hexdigest()))
    scope = f"{day}/{settings.region}/{SERVICE}/aws4_request"
    string_to_sign = "\n".join(
        ("AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest())
    )
    key = _hmac(("AWS4" + settings.secret_key).encode("utf-8"), day)
    for part in (settings.region, SERVICE, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={settings.access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"
    )
    return headers


class DirectSecrets:
    """One keep-alive connection to Secrets Manager per container; a stale one is replaced once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        parts = urlsplit(settings.endpoint)
        self._https = parts.scheme == "https"
        self._host = parts.netloc
        self._connection: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, timeout=TIMEOUT_S)
        return http.client.HTTPConnection(self._host, timeout=TIMEOUT_S)

    def get_secret_value(self, secret_id: str) -> str:
        body = json.dumps({"SecretId": secret_id}).encode("utf-8")
        with self._lock:
            for fresh in (self._connection is None, True):
                if self._connection is None:
                    self._connection = self._connect()
                headers = signed_headers(self.settings, self._host, body, datetime.now(UTC))
                try:
                    self._connection.request("POST", "/", body=body, headers=headers)
                    response = self._connection.getresponse()
                    status, payload = response.status, response.read()
                except (OSError, http.client.HTTPException) as exc:
                    self.close_locked()
                    if fresh:
                        raise DirectReadFailed(f"no answer from Secrets Manager ({type(exc).__name__})") from None
                    continue  # a kept-alive connection the server had closed: once more on a new one
                if response.will_close:
                    self.close_locked()
                return _secret_text(status, payload)
        raise AssertionError("unreachable")

    def close_locked(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _secret_text(status: int, payload: bytes) -> str:
    try:
        answer = json.loads(payload) if payload else {}
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if status != 200:
        error_type = str(answer.get("__type") or "").rsplit("#", 1)[-1]
        raise DirectReadFailed(
            f"Secrets Manager answered {status} {error_type}".strip(), status=status, error_type=error_type
        )
    if isinstance(answer.get("SecretString"), str):
        return str(answer["SecretString"])
    if isinstance(answer.get("SecretBinary"), str):
        try:
            return base64.b64decode(answer["SecretBinary"], validate=True).decode("utf-8")
        except ValueError:  # not base64 (binascii.Error), or not UTF-8 (UnicodeDecodeError)
            raise SecretValueUnreadable("SecretBinary is not base64-encoded UTF-8 text") from None
    raise DirectReadFailed("Secrets Manager's answer held no secret value", status=status)
