"""The export workflow under test: the ASL file SAM deploys, run by moto's interpreter.

* moto with ``execute_state_machine`` runs statemachine/export_segment.asl.json with the template's
  DefinitionSubstitutions; its Lambda tasks are answered by our handlers in-process
  (local/workflows.py, the same machinery ``make run`` uses), against the Fullstory simulator.
* Time is virtual: moto's Wait states and Retry sleeps advance a ``VirtualClock`` that is also
  the simulator's clock, so a 50-minute export runs in milliseconds and its poll count is exact.
  Only those two moto internals are patched (never ``time.sleep`` itself). The workflow's overall
  TimeoutSeconds is enforced on the same clock.
* A loopback HTTP server plays Opal's callback endpoint.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.lambda_runtime import LocalFunction, use_layer
from local.template import FunctionDef, functions, load_template, parameter_defaults, resolve
from local.workflows import MOTO_CONFIG, Deployed, LambdaDispatcher, deploy, stop_running_executions
from platform_kit.settings import ALLOW_LOOPBACK_ENV

API_KEY_SECRET = "wf/fullstory-api-key"
TOKEN_SECRET = "wf/opal-bearer-token"
BEARER = "wf-bearer-token-0123456789"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


class VirtualClock:
    """Epoch seconds that move only when the workflow waits."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()
        self.waits: list[float] = []  # every Wait state's seconds, in order

    def time(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, float(seconds))


class _Sleeper:
    """Stands in for the ``time`` module inside moto's retrier only."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock

    def sleep(self, seconds: float) -> None:
        self._clock.advance(seconds)


_parsed: dict[str, Any] = {}
_original_parse: Any = None


def _parse_once(definition: str) -> Any:
    """moto parses the ASL (with a slow pure-Python ANTLR) at create and at every start; the parsed
    program keeps no run state (that lives in each run's environment), so parse each text once."""
    if definition not in _parsed:
        _parsed[definition] = _original_parse(definition)
    return _parsed[definition]


def patch_moto(monkeypatch: pytest.MonkeyPatch, clock: VirtualClock) -> None:
    global _original_parse
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    if _original_parse is None:
        _original_parse = AmazonStateLanguageParser.parse
    from moto.stepfunctions.parser.asl.component.program.program import Program
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    deadlines: dict[int, float] = {}
    original_eval = Program.eval

    def program_eval(self: Any, env: Any) -> None:
        if self.timeout_seconds is not None:
            deadlines[id(env)] = clock.time() + self.timeout_seconds.timeout_seconds
        original_eval(self, env)

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        clock.waits.append(wait_seconds)
        deadline = deadlines.get(id(env))
        if deadline is not None and clock.time() + wait_seconds >= deadline:
            clock.advance(deadline - clock.time())
            env.set_timed_out()  # what TimeoutSeconds does to the run, on the virtual clock
            return
        clock.advance(wait_seconds)

    monkeypatch.setattr(Program, "eval", program_eval)
    monkeypatch.setattr(AmazonStateLanguageParser, "parse", staticmethod(_parse_once))
    monkeypatch.setattr(WaitFunction, "_wait_interval", wait_interval)
    monkeypatch.setattr(retrier_decl, "time", _Sleeper(clock))


@dataclass
class Callback:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class CallbackServer:
    """Opal's callback endpoint on loopback: records every POST, answers the queued statuses."""

    statuses: list[int] = field(default_factory=list)
    received: list[Callback] = field(default_factory=list)
    raw_bodies: list[bytes] = field(default_factory=list)
    delay_s: float = 0.0  # before answering: a slow Opal
    _server: ThreadingHTTPServer | None = None

    def start(self) -> CallbackServer:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                recorder.raw_bodies.append(raw)
                recorder.received.append(
                    Callback(self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw or b"{}"))
                )
                status = recorder.statuses.pop(0) if recorder.statuses else 200
                time.sleep(recorder.delay_s)
                try:
                    self.send_response(status)
                    if 300 <= status < 400:
                        self.send_header("location", "/callbacks/elsewhere")
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the caller gave up waiting

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def url(self, path: str = "/callbacks/tc-1") -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@dataclass
class Workflow:
    """The deployed state machine and what a test needs around it."""

    arn: str
    deployed: Deployed
    dispatcher: LambdaDispatcher
    clock: VirtualClock

    def sfn(self) -> Any:
        import boto3

        return boto3.client("stepfunctions")

    def start(self, execution_input: dict[str, Any], name: str | None = None) -> str:
        # AWS names unnamed runs with a UUID; moto would leave the name empty.
        started = self.sfn().start_execution(
            stateMachineArn=self.arn, input=json.dumps(execution_input), name=name or str(uuid.uuid4())
        )
        return str(started["executionArn"])

    def wait(self, execution_arn: str, timeout_s: float = 60.0) -> dict[str, Any]:
        """Blocks (real time) until the run ends; its DescribeExecution answer."""
        deadline = time.monotonic() + timeout_s
        while True:
            described: dict[str, Any] = self.sfn().describe_execution(executionArn=execution_arn)
            if described["status"] in TERMINAL:
                return described
            if time.monotonic() > deadline:
                raise AssertionError(f"run still {described['status']} after {timeout_s} s")
            time.sleep(0.01)

    def run(self, execution_input: dict[str, Any], name: str | None = None) -> dict[str, Any]:
        return self.wait(self.start(execution_input, name))

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.sfn().get_execution_history(executionArn=execution_arn)["events"]
        return events


@cache
def _template() -> dict[str, Any]:
    return load_template()


_warm: dict[str, LocalFunction] = {}


def _warm_function(definition: FunctionDef) -> LocalFunction:
    """One 'container' per function for the whole session, as a warm Lambda (caches are reset)."""
    if definition.logical_id not in _warm:
        _warm[definition.logical_id] = LocalFunction(definition)
    return _warm[definition.logical_id]


def _reset_caches() -> None:
    from platform_kit import aws
    from tests.conftest import _reset_layer_caches

    _reset_layer_caches()
    aws.reset()


@contextmanager
def deployed_workflow(monkeypatch: pytest.MonkeyPatch, simulator: Any, clock: VirtualClock) -> Iterator[Workflow]:
    """moto (Secrets Manager, S3, Step Functions, Lambda) with template.yaml's export stack in it; the
    functions read their secrets through the secrets extension's interface."""
    from moto import mock_aws

    from tests.conftest import secrets_extension

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    template = _template()
    refs = parameter_defaults(template)
    refs.update({"FullstoryApiKeySecret": API_KEY_SECRET, "OpalBearerTokenSecret": TOKEN_SECRET})
    with mock_aws(config=MOTO_CONFIG), secrets_extension(monkeypatch):
        import boto3

        patch_moto(monkeypatch, clock)
        deployed = deploy(template, refs)
        defs = functions(template)
        for definition in defs:
            for name, value in definition.environment.items():
                monkeypatch.setenv(name, resolve(value, refs))
        monkeypatch.setenv("FULLSTORY_API_BASE_URL", simulator.base_url)
        monkeypatch.setenv("FULLSTORY_RETRY_BASE_DELAY_S", "0")  # the client's own backoff: no real sleeps
        monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        # What the local server allows (and the template does not): the simulator serves its downloads,
        # and the tests' Opal receives its callbacks, on loopback http.
        monkeypatch.setenv(ALLOW_LOOPBACK_ENV, "true")
        secrets = boto3.client("secretsmanager")
        secrets.create_secret(Name=API_KEY_SECRET, SecretString=simulator.api_key)
        secrets.create_secret(Name=TOKEN_SECRET, SecretString=BEARER)
        use_layer()
        dispatcher = LambdaDispatcher({d.logical_id: _warm_function(d) for d in defs}).start()
        _reset_caches()
        try:
            yield Workflow(deployed.state_machines["ExportStateMachine"], deployed, dispatcher, clock)
        finally:
            stop_running_executions(deployed)
            dispatcher.close()
            _reset_caches()


def export_request(**overrides: Any) -> dict[str, Any]:
    # The last three days: a file small enough that the simulator builds it in milliseconds.
    start = datetime.fromtimestamp(time.time() - 3 * 86_400, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    request: dict[str, Any] = {
        "segmentId": "everyone",
        "type": "TYPE_SESSIONS",
        "format": "FORMAT_NDJSON",
        "timeRange": {"start": start, "end": ""},
    }
    request.update(overrides)
    return request
