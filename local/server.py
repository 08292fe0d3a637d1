"""The local tool server: template.yaml's routes, served by the same handlers, no Docker, no AWS.

Secrets Manager, S3 and Step Functions are moto, in-process, so handlers take the same code
paths as in Lambda (secrets through the Parameters and Secrets extension's HTTP interface,
local/secrets_extension.py); the export workflow is the template's ASL file run by moto's interpreter,
its Lambda tasks served by our handlers (local/workflows.py). Fullstory is the embedded
simulator unless FULLSTORY_API_KEY is given.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import cors, s3_links
from .apigw import combined_headers, http_api_event, http_response
from .async_invocations import ScalingDispatcher
from .fullstory_sim import FullstorySimulator
from .lambda_runtime import LocalFunction, use_layer
from .secrets_extension import PORT_ENV, SecretsExtension, cache_ttl_s
from .template import TEMPLATE, Route, functions, load_template, parameter_defaults, resolve
from .workflows import MOTO_CONFIG, Deployed, LambdaDispatcher, deploy, stop_running_executions

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
LOCAL_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    # Only here: callbacks to a receiver on 127.0.0.1 and downloads from the embedded simulator.
    "LOCAL_ALLOW_LOOPBACK_URLS": "true",
}
# Settings a developer may override from the shell, as the template parameters would in AWS.
OVERRIDABLE_ENV = (
    "FULLSTORY_API_BASE_URL",
    "FULLSTORY_AI_ANALYSIS_ENABLED",
    "FULLSTORY_SUMMARY_BASE_PROFILES",
    # The summary cache and the Activation budget (template parameters SummaryCacheTtlHours,
    # MonthlyActivationBudget, VisitProfileConcurrency).
    "FULLSTORY_SUMMARY_CACHE_TTL_HOURS",
    "FULLSTORY_ACTIVATION_BUDGET",
    "FULLSTORY_VISIT_PROFILE_CONCURRENCY",
    "LOG_LEVEL",
    "POWERTOOLS_LOG_LEVEL",
    "LOCAL_EXPORT_WAIT_SCALE",
)
# The simulator's exports finish in seconds: the workflow waits this share of what it waits in AWS
# (its first check after 3 s instead of 60 s). LOCAL_EXPORT_WAIT_SCALE=1 keeps AWS's waits.
LOCAL_EXPORT_WAIT_SCALE = "0.05"


def tool_selection(raw: str | None) -> str:
    """ENABLED_TOOLS as the template parameter EnabledTools takes it; unknown names are an error
    here too, as the parameter's AllowedPattern makes them one in a deploy."""
    from opal_tools.selection import parse_selection, unknown_tokens
    from tools.registry import TOOLS

    selection = parse_selection(raw)
    unknown = unknown_tokens(selection, TOOLS)
    if unknown:
        raise ValueError(
            f"ENABLED_TOOLS: unknown {', '.join(unknown)}; use all, or groups (segments, exports, sessions, ai) "
            "and/or tool names, comma-separated"
        )
    return ",".join(sorted(selection))


LOCAL_S3_PREFIX = s3_links.PREFIX  # delivered export files: presigned S3 links cannot reach moto
LOCAL_S3_LINKS_ENV = "LOCAL_S3_LINK_PREFIX"  # platform_kit.settings reads it (the layer is not imported here)
LISTEN_BACKLOG = 128  # a browser or a load test opens dozens of connections at once
_CONTENT_LENGTH = re.compile(r"[0-9]{1,20}")
_JSON = {"content-type": "application/json"}


def _message(text: str) -> bytes:
    return json.dumps({"message": text}).encode()


def local_object(method: str, rest: str, query: str) -> tuple[int, dict[str, str], bytes]:
    """A delivered file from the in-process S3, for a link the registry signed (``rest``: host/key)."""
    import boto3
    from botocore.exceptions import ClientError

    # The credentials the in-process S3 signs with: those of the registry's own functions.
    credentials = boto3.Session().get_credentials()
    frozen = credentials.get_frozen_credentials() if credentials is not None else None
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        return 403, _JSON, _message("Forbidden: no credentials to check the link with")
    try:
        signed = s3_links.verify(method, rest, query, access_key=frozen.access_key, secret_key=frozen.secret_key)
    except s3_links.LinkRefused as refused:
        return 403, _JSON, _message(f"Forbidden: {refused}")
    try:
        found = boto3.client("s3").get_object(Bucket=signed.bucket, Key=signed.key)
    except ClientError:
        return 404, _JSON, _message("Not Found")
    headers = {"content-type": str(found.get("ContentType") or "application/octet-stream")}
    if found.get("ContentDisposition"):
        headers["content-disposition"] = str(found["ContentDisposition"])
    return 200, headers, found["Body"].read()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that closes its connection (a reload, a cancelled fetch) is not an error.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class LocalToolServer:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bearer_token: str | None = None,
        fullstory_api_key: str | None = None,
        fullstory_base_url: str | None = None,
        simulator: FullstorySimulator | None = None,
        env_overrides: dict[str, str] | None = None,
        template_path: Path = TEMPLATE,
        cors_allowed_origins: str | None = None,
        summary_latency_s: float = 0.0,
    ) -> None:
        self.host, self.port = host, port
        self.bearer_token = bearer_token or secrets.token_urlsafe(32)
        self._own_simulator = simulator is None and not fullstory_api_key
        self.simulator = simulator or (
            None if fullstory_api_key else FullstorySimulator(summary_latency_s=summary_latency_s)
        )
        self.fullstory_api_key = fullstory_api_key
        self.fullstory_base_url = fullstory_base_url
        self.env_overrides = env_overrides or {}
        self.template_path = template_path
        # As the template parameter CorsAllowedOrigins; any origin unless CORS_ALLOWED_ORIGINS says otherwise.
        self.cors_allowed_origins = (
            cors_allowed_origins if cors_allowed_origins is not None else os.environ.get(cors.ENV)
        )
        self.cors: cors.CorsPolicy | None = None
        self.routes: dict[Route, LocalFunction] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._moto: Any = None
        self._saved_env: dict[str, str | None] = {}
        self.deployed = Deployed()
        self.dispatcher: LambdaDispatcher | None = None
        self.secrets_extension: SecretsExtension | None = None

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> LocalToolServer:
        from moto import mock_aws

        if self.simulator is not None and self._own_simulator:
            self.simulator.start()
        api_key = self.fullstory_api_key or (self.simulator.api_key if self.simulator else "")
        base_url = self.simulator.base_url if self.simulator else (self.fullstory_base_url or "")
        use_layer()
        template = load_template(self.template_path)
        refs = parameter_defaults(template)
        # Every function is served whatever the selection, as every one is deployed; they read it at runtime.
        refs["EnabledTools"] = tool_selection(self.env_overrides.get("ENABLED_TOOLS", os.environ.get("ENABLED_TOOLS")))
        pattern = str(template["Parameters"]["CorsAllowedOrigins"]["AllowedPattern"])
        refs["CorsAllowedOrigins"] = cors.local_origins(self.cors_allowed_origins, pattern)
        self.cors = cors.cors_policy(template, refs["CorsAllowedOrigins"])
        refs.update(
            {
                name: f"local/{name}"
                for name, res in template["Resources"].items()
                if res.get("Type") == "AWS::SecretsManager::Secret"
            }
        )
        defs = functions(template)
        env_names = {k for definition in defs for k in definition.environment} | set(self.env_overrides)
        env_names |= {"FULLSTORY_API_BASE_URL", "POWERTOOLS_METRICS_DISABLED", *OVERRIDABLE_ENV}
        env_names.add(PORT_ENV)
        self._saved_env = {k: os.environ.get(k) for k in (*LOCAL_AWS_ENV, *env_names)}
        os.environ.update(LOCAL_AWS_ENV)
        self._moto = mock_aws(config=MOTO_CONFIG)
        self._moto.start()
        # Buckets and state machines first: their names and ARNs are in the functions' environment.
        self.deployed = deploy(template, refs)
        env: dict[str, str] = {}
        for definition in defs:
            env.update({k: resolve(v, refs) for k, v in definition.environment.items()})
        # The console is for the server's own lines; per-call JSON logs when asked (LOG_LEVEL=INFO).
        env["LOG_LEVEL"] = env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        env["LOCAL_EXPORT_WAIT_SCALE"] = LOCAL_EXPORT_WAIT_SCALE
        env.update({k: os.environ[k] for k in OVERRIDABLE_ENV if k in os.environ})
        # As the template's LogLevel sets both; Powertools reads POWERTOOLS_LOG_LEVEL first.
        level = os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL")
        if level:
            env["LOG_LEVEL"] = env["POWERTOOLS_LOG_LEVEL"] = level
        env["FULLSTORY_API_BASE_URL"] = base_url
        env.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # EMF lines would drown the console
        env.update(self.env_overrides)
        os.environ.update(env)
        self._put_secrets(env, api_key)
        # The functions read their secrets as in Lambda: from the extension's HTTP interface.
        self.secrets_extension = SecretsExtension(
            LOCAL_AWS_ENV["AWS_SESSION_TOKEN"], ttl_s=cache_ttl_s(os.environ)
        ).start()
        os.environ[PORT_ENV] = str(self.secrets_extension.port)
        by_logical_id: dict[str, LocalFunction] = {}
        for definition in defs:
            function = by_logical_id[definition.logical_id] = LocalFunction(definition)
            for route in definition.routes:
                self.routes[route] = function
        self.dispatcher = ScalingDispatcher(by_logical_id).start()
        self._httpd = _Server((self.host, self.port), self._request_handler())
        if self.host in ("127.0.0.1", "localhost"):  # the layer takes a loopback prefix only
            # Delivered files' links in the answers point here: moto's S3 is not on the internet.
            self._saved_env.setdefault(LOCAL_S3_LINKS_ENV, os.environ.get(LOCAL_S3_LINKS_ENV))
            os.environ[LOCAL_S3_LINKS_ENV] = self.base_url + LOCAL_S3_PREFIX
        threading.Thread(target=self._httpd.serve_forever, name="local-tools", daemon=True).start()
        return self

    def _put_secrets(self, env: dict[str, str], api_key: str) -> None:
        import boto3

        client = boto3.client("secretsmanager")
        for env_var, value in (
            ("FULLSTORY_API_KEY_SECRET_ID", api_key),
            ("OPAL_BEARER_TOKEN_SECRET_ID", self.bearer_token),
        ):
            name = env.get(env_var)
            if name:
                client.create_secret(Name=name, SecretString=value)

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._moto is not None:
            # Runs still waiting must not call a task once the in-process AWS is gone.
            stop_running_executions(self.deployed)
        if self.dispatcher is not None:
            self.dispatcher.close()
            self.dispatcher = None
        if self.secrets_extension is not None:
            self.secrets_extension.stop()
            self.secrets_extension = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self.simulator is not None and self._own_simulator:
            self.simulator.stop()
        for key, value in self._saved_env.items():  # leave the process as we found it
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env = {}

    def __enter__(self) -> LocalToolServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"routes": self.routes, "policy": self.cors})


class _Handler(BaseHTTPRequestHandler):
    """One connection's requests, as API Gateway routes them; ``routes`` and ``policy`` are the server's."""

    routes: dict[Route, LocalFunction] = {}  # noqa: RUF012 - set per server by a subclass
    policy: cors.CorsPolicy | None = None
    protocol_version = "HTTP/1.1"
    server_version = "fullstory-opal-local"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle + delayed ACK add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        cors_headers = self.policy.response_headers(self.headers.get("origin")) if self.policy else {}
        for key, value in {**headers, **cors_headers}.items():
            if key.lower() not in ("content-length", "connection"):
                self.send_header(key, value)
        self.send_header("content-length", str(len(body)))
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _message(self, status: HTTPStatus, detail: str = "") -> None:
        self._send(status, _JSON, _message(f"{status.phrase}: {detail}" if detail else status.phrase))

    def _refuse(self, status: HTTPStatus, detail: str) -> None:
        # The body cannot be read: the connection cannot carry another request.
        self.close_connection = True
        self._message(status, detail)

    def _content_length(self) -> int | None:
        """The body's length; None (after answering) when the header is unusable."""
        if self.headers.get("transfer-encoding"):
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
            return None
        values = {value.strip() for value in self.headers.get_all("content-length") or []}
        if not values:
            return 0
        if len(values) > 1 or not _CONTENT_LENGTH.fullmatch(next(iter(values))):
            self._refuse(HTTPStatus.BAD_REQUEST, "Content-Length must be one non-negative integer")
            return None
        length = int(next(iter(values)))
        if length > MAX_BODY_BYTES:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"at most {MAX_BODY_BYTES} bytes")
            return None
        return length

    def _preflight(self) -> None:
        if self.policy is None:  # no CORS configured: API Gateway has no OPTIONS route either
            self._message(HTTPStatus.NOT_FOUND)
            return
        headers = self.policy.preflight_headers(self.headers.get("origin"))
        self.send_response(HTTPStatus.NO_CONTENT)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-length", "0")
        self.end_headers()

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        length = self._content_length()
        if length is None:
            return
        body = self.rfile.read(length) if length else b""
        if self.command == "OPTIONS":
            self._preflight()
            return
        if self.command in ("GET", "HEAD") and path.startswith(LOCAL_S3_PREFIX):
            self._send(*local_object(self.command, path.removeprefix(LOCAL_S3_PREFIX), query))
            return
        function = self.routes.get(Route(self.command, path))
        if function is None:
            self._message(HTTPStatus.NOT_FOUND)
            return
        event = http_api_event(
            self.command,
            path,
            query=query,
            headers=combined_headers(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
        )
        try:
            status, headers, payload = http_response(function.invoke(event))
        except Exception:  # what API Gateway says when a function crashes
            self._message(HTTPStatus.INTERNAL_SERVER_ERROR)
            return
        self._send(status, headers, payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve
