"""The AWS Parameters and Secrets Lambda Extension's Secrets Manager interface, on a loopback port.

``make run`` and the tests point the functions at it (``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT``)
so that they read secrets exactly as in Lambda: ``GET /secretsmanager/get?secretId=<id>`` (with
``versionId`` or ``versionStage`` optionally), the ``X-Aws-Parameters-Secrets-Token`` header
holding the function's ``AWS_SESSION_TOKEN``, and GetSecretValue's JSON as the answer. Behind it
is Secrets Manager through boto3 (moto, in-process). Like the extension it keeps each answer for
``SECRETS_MANAGER_TTL`` seconds (default 300, 0 = no cache; ``PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED
=false`` or ``..._CACHE_SIZE=0`` turn the cache off too), and serves nothing else.

What AWS does not document is chosen plainly here: a missing or wrong token is 401, an unknown
path 404, and a Secrets Manager error comes back with its HTTP status and its error code.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

GET_PATH = "/secretsmanager/get"
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
PORT_ENV = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
TTL_ENV = "SECRETS_MANAGER_TTL"
DEFAULT_TTL_S = 300  # the extension's default, and its maximum
CacheKey = tuple[str, str, str]  # secretId, versionId, versionStage


def cache_ttl_s(environ: dict[str, str] | os._Environ[str]) -> int:
    """The cache lifetime the extension would take from ``environ`` (0: no cache)."""
    if environ.get("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "true").strip().lower() == "false":
        return 0
    if environ.get("PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", "").strip() == "0":
        return 0
    raw = environ.get(TTL_ENV, "").strip()
    return max(0, min(DEFAULT_TTL_S, int(raw))) if raw.isdigit() else DEFAULT_TTL_S


def _default_client() -> Any:
    import boto3

    return boto3.client("secretsmanager")


def _answer(found: dict[str, Any]) -> dict[str, Any]:
    """GetSecretValue's JSON: SecretBinary as base64, CreatedDate as epoch seconds."""
    answer: dict[str, Any] = {key: found[key] for key in ("ARN", "Name", "VersionId", "VersionStages") if key in found}
    if "SecretString" in found:
        answer["SecretString"] = found["SecretString"]
    if "SecretBinary" in found:
        answer["SecretBinary"] = base64.b64encode(found["SecretBinary"]).decode("ascii")
    created = found.get("CreatedDate")
    if isinstance(created, datetime):
        answer["CreatedDate"] = created.timestamp()
    return answer


class SecretsExtension:
    """The extension for one 'container': its cache, its Secrets Manager client, its port."""

    def __init__(
        self,
        session_token: str,
        *,
        ttl_s: int = DEFAULT_TTL_S,
        client_factory: Callable[[], Any] = _default_client,
        clock: Callable[[], float] = time.monotonic,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.session_token = session_token
        self.ttl_s = ttl_s
        self.requests: Counter[str] = Counter()  # secretId -> requests answered (never a value)
        self._client_factory = client_factory
        self._client: Any = None
        self._clock = clock
        self._cache: dict[CacheKey, tuple[float, bytes]] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> SecretsExtension:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="secrets-extension", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SecretsExtension:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def reset(self) -> None:
        """As a new container's extension: an empty cache and a new Secrets Manager client."""
        with self._lock:
            self._cache.clear()
            self._client = None

    def get(self, key: CacheKey) -> tuple[int, bytes]:
        """(status, body) for one request, from the cache while it is fresh."""
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and now - cached[0] < self.ttl_s:
                return HTTPStatus.OK, cached[1]
            if self._client is None:
                self._client = self._client_factory()
            client = self._client
        from botocore.exceptions import ClientError

        secret_id, version_id, version_stage = key
        params = {"SecretId": secret_id}
        if version_id:
            params["VersionId"] = version_id
        if version_stage:
            params["VersionStage"] = version_stage
        try:
            found = client.get_secret_value(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400)
            body = {"__type": error.get("Code", "ClientError"), "message": error.get("Message", "")}
            return status, json.dumps(body).encode()
        payload = json.dumps(_answer(found)).encode()
        if self.ttl_s > 0:
            with self._lock:
                self._cache[key] = (now, payload)
        return HTTPStatus.OK, payload

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        extension = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != GET_PATH:
                    self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
                    return
                if self.headers.get(TOKEN_HEADER) != extension.session_token:
                    self._send(HTTPStatus.UNAUTHORIZED, b"the token header is missing or wrong", "text/plain")
                    return
                query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
                secret_id = query.get("secretId", "")
                if not secret_id:
                    self._send(HTTPStatus.BAD_REQUEST, b"secretId is required", "text/plain")
                    return
                extension.requests[secret_id] += 1
                key = (secret_id, query.get("versionId", ""), query.get("versionStage", ""))
                self._send(*extension.get(key))

            def _refuse(self) -> None:
                self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"GET only", "text/plain")

            do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

        return Handler
