"""template.yaml's state machines and buckets in moto, with Lambda tasks served by our handlers.

moto's Step Functions interpreter (``execute_state_machine``) runs the same ASL file SAM deploys,
with the template's DefinitionSubstitutions filled in. A task invokes its Lambda through boto3,
which moto's Docker-free Lambda backend answers; that backend's ``invoke`` is replaced here by a
dispatcher to the functions' handlers (in-process, each under its own module as in Lambda), and
exceptions are reported as Lambda reports them (FunctionError + {errorType, errorMessage}), so
the ASL's Retry/Catch see the same error names as in AWS.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Literal
from unittest import mock

from .lambda_runtime import LocalFunction
from .tables import create_tables
from .template import ROOT, resolve

MOTO_CONFIG: Any = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/local-state-machine"


MOTO_ASL_LOGGER = "moto.stepfunctions.parser.asl.component.eval_component"


class IsPresentProbeFilter(logging.Filter):
    """Drops moto's error line for a Choice rule's ``IsPresent`` test of an absent path.

    moto evaluates ``"Variable": "$.callback", "IsPresent": true`` by reading the path and catching
    the NoSuchJsonPathError, but logs it as an error first: on every run without a callback. In AWS
    that is the documented test, no error. Any other failure still logs (and fails the run).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if "NoSuchJsonPathError" not in record.getMessage():
            return True
        from moto.stepfunctions.parser.asl.component.state.choice.comparison.variable import Variable

        frame: FrameType | None = sys._getframe()
        while frame is not None:
            if frame.f_code.co_name == "_eval_body" and isinstance(frame.f_locals.get("self"), Variable):
                return False
            frame = frame.f_back
        return True


def quiet_is_present_probes() -> None:
    """Installs ``IsPresentProbeFilter`` once on moto's ASL logger."""
    moto_logger = logging.getLogger(MOTO_ASL_LOGGER)
    if not any(isinstance(f, IsPresentProbeFilter) for f in moto_logger.filters):
        moto_logger.addFilter(IsPresentProbeFilter())


def function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical_id}"


def logical_id_of(function_name: str) -> str:
    """``arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]`` or a bare name -> name."""
    return function_name.split(":")[6] if function_name.startswith("arn:") else function_name


def bucket_name(logical_id: str) -> str:
    return f"local-{logical_id.lower()}"[:63]


def _resources(template: dict[str, Any], type_: str) -> dict[str, Any]:
    return {k: v for k, v in (template.get("Resources") or {}).items() if v.get("Type") == type_}


def definition(template: dict[str, Any], logical_id: str, refs: dict[str, str]) -> str:
    """The state machine's ASL text with its DefinitionSubstitutions applied, as CloudFormation does."""
    props = template["Resources"][logical_id]["Properties"]
    text = (ROOT / str(props["DefinitionUri"])).read_text(encoding="utf-8")
    for key, value in (props.get("DefinitionSubstitutions") or {}).items():
        text = text.replace("${" + key + "}", resolve(value, refs))
    return text


@dataclass
class Deployed:
    buckets: dict[str, str] = field(default_factory=dict)  # logical id -> name
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    tables: dict[str, str] = field(default_factory=dict)  # logical id -> name


def deploy(template: dict[str, Any], refs: dict[str, str]) -> Deployed:
    """Creates the template's buckets and state machines in moto (which must be running); adds
    their Ref / GetAtt values (and the functions' ARNs) to ``refs``."""
    import boto3

    quiet_is_present_probes()
    deployed = Deployed()
    for logical_id in _resources(template, "AWS::Serverless::Function"):
        refs[f"{logical_id}.Arn"] = function_arn(logical_id)
        refs.setdefault(logical_id, logical_id)  # Ref of a function: its name
    deployed.tables = create_tables(template, refs)
    s3 = boto3.client("s3", region_name=REGION)
    for logical_id in _resources(template, "AWS::S3::Bucket"):
        name = bucket_name(logical_id)
        s3.create_bucket(Bucket=name)
        refs[logical_id] = name
        refs[f"{logical_id}.Arn"] = f"arn:aws:s3:::{name}"
        deployed.buckets[logical_id] = name
    sfn = boto3.client("stepfunctions", region_name=REGION)
    for logical_id, resource in _resources(template, "AWS::Serverless::StateMachine").items():
        kind: Literal["STANDARD", "EXPRESS"] = (
            "EXPRESS" if (resource.get("Properties") or {}).get("Type") == "EXPRESS" else "STANDARD"
        )
        created = sfn.create_state_machine(
            name=logical_id, definition=definition(template, logical_id, refs), roleArn=ROLE_ARN, type=kind
        )
        refs[logical_id] = refs[f"{logical_id}.Arn"] = created["stateMachineArn"]
        refs[f"{logical_id}.Name"] = logical_id
        deployed.state_machines[logical_id] = created["stateMachineArn"]
    return deployed


def stop_running_executions(deployed: Deployed) -> None:
    """Stops runs still waiting, so no task runs after moto (and the local AWS) is gone."""
    import boto3

    sfn = boto3.client("stepfunctions", region_name=REGION)
    for arn in deployed.state_machines.values():
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn, statusFilter="RUNNING"):
            for execution in page["executions"]:
                sfn.stop_execution(executionArn=execution["executionArn"], error="LocalShutdown")


class LambdaDispatcher:
    """Answers moto's Lambda ``invoke`` with our handlers; can inject Lambda service errors and
    crashed invocations."""

    def __init__(self, functions: dict[str, LocalFunction]) -> None:
        self.functions = functions
        self.invocations: Counter[str] = Counter()
        self._faults: dict[str, list[tuple[str, int]]] = {}
        self._crashes: dict[str, list[tuple[str, bool]]] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._closed = False
        self._patch: Any = None

    def fail_next(
        self, logical_id: str, error_code: str = "ServiceException", *, status: int = 500, times: int = 1
    ) -> None:
        """The next ``times`` invocations of the function fail in the Lambda service (the handler does
        not run), as ``Lambda.<error_code>`` in the workflow."""
        with self._lock:
            self._faults.setdefault(logical_id, []).extend([(error_code, status)] * times)

    def crash_next(
        self, logical_id: str, error_type: str = "Runtime.ExitError", *, after_work: bool = True, times: int = 1
    ) -> None:
        """The next ``times`` invocations of the function die as Lambda reports a dead function (out of
        memory, killed, timed out): ``error_type`` is the workflow's error name. ``after_work``: the
        handler runs first (its side effects happen; its answer is lost), else it never starts."""
        with self._lock:
            self._crashes.setdefault(logical_id, []).extend([(error_type, after_work)] * times)

    def start(self) -> LambdaDispatcher:
        from moto.awslambda_simple.models import LambdaSimpleBackend

        dispatcher = self

        def invoke(
            backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
        ) -> bytes:
            if (headers or {}).get("X-Amz-Invocation-Type") == "Event":
                return dispatcher.invoke_event(function_name, body)
            return dispatcher.invoke(function_name, body, response_headers)

        self._patch = mock.patch.object(LambdaSimpleBackend, "invoke", invoke)
        self._patch.start()
        return self

    def close(self, drain_s: float = 10.0) -> None:
        """Refuse new invocations, let running handlers finish (bounded), then unpatch moto."""
        with self._idle:
            self._closed = True
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=drain_s)
        if self._patch is not None:
            self._patch.stop()
            self._patch = None

    def invoke_event(self, function_name: str, body: Any) -> bytes:
        """An asynchronous invocation (InvocationType Event): answered 202 at once, run on a thread of
        its own (in the container ``event_container`` gives). ``close`` waits for queued ones too."""
        from moto.core.exceptions import JsonRESTError

        function = self.functions.get(logical_id_of(function_name))
        if function is None:
            raise JsonRESTError("ResourceNotFoundException", f"Function not found: {function_name}")
        container = self.event_container(function)
        with self._lock:
            self._in_flight += 1

        def run() -> None:
            try:
                self.invoke(function_name, body, {}, function=container)
            except JsonRESTError:
                pass  # shutting down: Lambda too drops an event it cannot run
            finally:
                with self._idle:
                    self._in_flight -= 1
                    self._idle.notify_all()

        threading.Thread(target=run, name=f"event-{logical_id_of(function_name)}", daemon=True).start()
        return b""

    def wait_idle(self, timeout_s: float = 60.0) -> bool:
        """Wait until no invocation (queued asynchronous ones included) is running."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout_s)

    def event_container(self, function: LocalFunction) -> LocalFunction:
        """The function that runs one asynchronous invocation; a subclass may give each its own."""
        return function

    def invoke(
        self,
        function_name: str,
        body: Any,
        response_headers: dict[str, str],
        *,
        function: LocalFunction | None = None,
    ) -> bytes:
        from moto.core.exceptions import JsonRESTError

        logical_id = logical_id_of(function_name)
        function = function or self.functions.get(logical_id)
        with self._lock:
            if self._closed:
                raise JsonRESTError("ServiceException", "the local Lambda service is shutting down")
            self.invocations[logical_id] += 1
            queued = self._faults.get(logical_id)
            fault = queued.pop(0) if queued else None
            crashes = self._crashes.get(logical_id) if fault is None else None
            crash = crashes.pop(0) if crashes else None
            if fault is None and function is not None:
                self._in_flight += 1
        if fault is not None:
            error = JsonRESTError(fault[0], f"injected Lambda service error for {logical_id}")
            error.code = fault[1]
            raise error
        if function is None:
            raise JsonRESTError("ResourceNotFoundException", f"Function not found: {function_name}")
        raw = body.decode() if isinstance(body, bytes) else (body or "{}")
        try:
            if crash is None or crash[1]:
                result = function.invoke(json.loads(raw or "{}"))
        except Exception as exc:  # what the Lambda runtime reports for an unhandled exception
            return _function_error(response_headers, type(exc).__name__, str(exc))
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()
        if crash is not None:
            return _function_error(response_headers, crash[0], f"injected: {logical_id} died ({crash[0]})")
        return json.dumps(result, default=str).encode()


def _function_error(response_headers: dict[str, str], error_type: str, message: str) -> bytes:
    response_headers["x-amz-function-error"] = "Unhandled"
    return json.dumps({"errorType": error_type, "errorMessage": message, "stackTrace": []}).encode()
