"""Shared fixtures: the simulator on an ephemeral loopback port, moto secrets behind the secrets
extension's HTTP interface, handler loading."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from local.apigw import http_api_event
from local.lambda_runtime import LambdaContext, import_handler
from local.secrets_extension import DEFAULT_TTL_S, PORT_ENV, SecretsExtension

if TYPE_CHECKING:
    from local.fullstory_sim import FullstorySimulator

ROOT = Path(__file__).resolve().parent.parent
API_KEY_SECRET = "test/fullstory-api-key"
TOKEN_SECRET = "test/opal-bearer-token"
BEARER = "test-bearer-token-0123456789"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@pytest.fixture(scope="session")
def simulator() -> Iterator[FullstorySimulator]:
    from local.fullstory_sim import FullstorySimulator

    with FullstorySimulator(api_key="sim-test-key", export_seconds=2.0) as sim:
        yield sim


@pytest.fixture(autouse=True)
def _fresh_simulator_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "simulator" in request.fixturenames:
        request.getfixturevalue("simulator").clear_faults()


class ExtensionClock:
    """The secrets extension's clock: real time, moved on by tests to let its cache expire."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


_extensions: list[tuple[SecretsExtension, ExtensionClock]] = []  # the one serving now, if any


def _reset_layer_caches() -> None:
    """As in a fresh container: no client, no connection, and a new extension with an empty cache."""
    from opal_tools import adapter
    from platform_kit import fullstory, secrets

    fullstory.reset()
    secrets.reset()
    adapter.bearer_auth._last_forced = None
    for extension, _ in _extensions:
        extension.reset()


def let_secrets_cache_expire() -> None:
    """Time passes beyond the extension's SECRETS_MANAGER_TTL: its next answers are read afresh."""
    for extension, clock in _extensions:
        clock.offset += extension.ttl_s + 1


@contextmanager
def secrets_extension(monkeypatch: pytest.MonkeyPatch) -> Iterator[SecretsExtension]:
    """The secrets extension on a loopback port, backed by moto (start it inside ``mock_aws``)."""
    clock = ExtensionClock()
    with SecretsExtension(os.environ["AWS_SESSION_TOKEN"], ttl_s=DEFAULT_TTL_S, clock=clock) as extension:
        monkeypatch.setenv(PORT_ENV, str(extension.port))
        _extensions.append((extension, clock))
        try:
            yield extension
        finally:
            _extensions.remove((extension, clock))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, simulator: FullstorySimulator) -> Iterator[Any]:
    """moto Secrets Manager holding the simulator's key and the bearer token, read through the secrets
    extension's interface; env as the template sets it."""
    from moto import mock_aws

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "FULLSTORY_API_KEY_SECRET_ID": API_KEY_SECRET,
        "OPAL_BEARER_TOKEN_SECRET_ID": TOKEN_SECRET,
        "FULLSTORY_API_BASE_URL": simulator.base_url,
        "FULLSTORY_AI_ANALYSIS_ENABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "FullstoryOpalToolsTest",
        "FULLSTORY_RETRY_BASE_DELAY_S": "0.01",  # backoff steps of 10 ms keep fault tests quick
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws(), secrets_extension(monkeypatch):
        import boto3

        client = boto3.client("secretsmanager")
        client.create_secret(Name=API_KEY_SECRET, SecretString=simulator.api_key)
        client.create_secret(Name=TOKEN_SECRET, SecretString=BEARER)
        _reset_layer_caches()
        yield client
        _reset_layer_caches()


@pytest.fixture
def extension(aws: Any) -> SecretsExtension:
    """The secrets extension the ``aws`` fixture serves (what it was asked for, its cache)."""
    return _extensions[-1][0]


# Every value here must never appear in a log line or a tool response. Tests that introduce
# another secret (a rotated key, a callback token) add it with ``register_secret``.
SECRETS: set[str] = {BEARER, "sim-test-key"}


def register_secret(value: str) -> str:
    SECRETS.add(value)
    return value


class LogSink(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a broken record must not hide the others
            self.lines.append(repr(record.__dict__))


@pytest.fixture(scope="session")
def log_sink() -> Iterator[LogSink]:
    """Collects every log record of the whole suite: ours through Powertools' own formatter."""
    from platform_kit.observability import logger

    sink = LogSink()
    std_logger = logger._logger
    if std_logger.handlers and std_logger.handlers[0].formatter is not None:
        sink.setFormatter(std_logger.handlers[0].formatter)
    # Powertools' logger propagates, so the root logger sees its records and everyone else's.
    logging.getLogger().addHandler(sink)
    yield sink
    logging.getLogger().removeHandler(sink)


@pytest.fixture(autouse=True)
def _no_secret_in_logs(log_sink: LogSink) -> Iterator[None]:
    start = len(log_sink.lines)
    yield
    for line in log_sink.lines[start:]:
        leaked = [secret for secret in SECRETS if secret and secret in line]
        assert not leaked, f"a secret appeared in a log line: {line[:200]}"


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret and secret in text]
    assert not leaked, "a secret appeared in a response"


_loaded: dict[str, Handler] = {}


def load_handler(function_dir: str) -> Handler:
    """Import functions/<dir>/app.py under its own name, as the local server and Lambda do."""
    if function_dir not in _loaded:
        _loaded[function_dir] = import_handler(
            ROOT / "functions" / function_dir, "app.lambda_handler", f"_test_fn_{function_dir}"
        )
    return _loaded[function_dir]


def tool_event(
    tool: str,
    parameters: Any = None,
    *,
    token: str | None = BEARER,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    all_headers = {"content-type": "application/json", **(headers or {})}
    if token is not None:
        all_headers["authorization"] = f"Bearer {token}"
    body = raw_body if raw_body is not None else json.dumps({"parameters": parameters or {}})
    return http_api_event("POST", f"/tools/{tool}", headers=all_headers, body=body.encode())


def context(timeout_s: int = 25) -> LambdaContext:
    return LambdaContext(function_name="test", memory_limit_in_mb=512, timeout_s=timeout_s)


def call_tool(tool: str, parameters: Any = None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    response = load_handler(tool)(tool_event(tool, parameters, **kwargs), context())
    assert_no_secret(response["body"])
    return response["statusCode"], json.loads(response["body"])


os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "fullstory-opal-tools-test")
