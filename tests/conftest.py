"""Shared fixtures: the simulator on an ephemeral loopback port, moto secrets, handler loading."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from local.apigw import http_api_event
from local.lambda_runtime import LambdaContext, import_handler

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


def _reset_layer_caches() -> None:
    from aws_lambda_powertools.utilities import parameters

    from opal_tools import adapter, fullstory_access

    parameters.clear_caches()
    fullstory_access._clients.clear()
    adapter.bearer_auth._last_forced = None


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, simulator: FullstorySimulator) -> Iterator[Any]:
    """moto Secrets Manager holding the simulator's key and the bearer token; env as the template sets it."""
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
    with mock_aws():
        import boto3

        client = boto3.client("secretsmanager")
        client.create_secret(Name=API_KEY_SECRET, SecretString=simulator.api_key)
        client.create_secret(Name=TOKEN_SECRET, SecretString=BEARER)
        _reset_layer_caches()
        yield client
        _reset_layer_caches()


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
    from opal_tools.adapter import logger

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
