"""What each function of template.yaml does in AWS, observed by running it, and what its role allows.

* ``AwsTrace`` records every AWS call a function makes (presigned URLs included) through a botocore
  handler that every new session registers, the way moto registers its own stub. A call belongs to
  the function that is running: ``Runner`` runs one function at a time, each with exactly the
  environment the template gives it, and notes how many requests Fullstory (the simulator) saw.
* ``iam_uses`` turns a call into the IAM action and resource it needs.
* ``role_grants`` resolves a role's statements to the concrete ARNs of the moto deployment.

Nothing inside our code is patched: AWS is moto, Fullstory the loopback simulator.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from local.lambda_runtime import LocalFunction
from local.template import FunctionDef

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
PSEUDO = {
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
LOCK_TIMEOUT_S = 120.0
UNATTRIBUTED = "<nobody>"
_SUB = re.compile(r"\$\{([^}]+)\}")
# Request parameters that say which resource a call touches.
_RESOURCE_PARAMS = (
    "Bucket",
    "Key",
    "Prefix",
    "SecretId",
    "stateMachineArn",
    "executionArn",
    "FunctionName",
    "TableName",
)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resolve(expr: Any, refs: dict[str, str]) -> str:
    """An intrinsic expression of an environment variable or an IAM resource, as CloudFormation
    would resolve it with these values (Ref, Fn::GetAtt, Fn::Sub in both forms, Fn::Join)."""
    if isinstance(expr, bool):
        return str(expr).lower()
    if isinstance(expr, str | int | float):
        return str(expr)
    if isinstance(expr, dict) and len(expr) == 1:
        ((function, arg),) = expr.items()
        if function == "Ref":
            return _ref(str(arg), refs)
        if function == "Fn::GetAtt":
            return _ref(".".join(arg) if isinstance(arg, list) else str(arg), refs)
        if function == "Fn::Sub":
            text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            values = {name: resolve(value, refs) for name, value in local.items()}

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
                if name.startswith("!"):
                    return "${" + name[1:] + "}"
                return values[name] if name in values else _ref(name, refs)

            return _SUB.sub(substitute, str(text))
        if function == "Fn::Join":
            delimiter, items = arg
            return str(delimiter).join(resolve(item, refs) for item in items)
    raise ValueError(f"cannot resolve {expr!r}")


def _ref(name: str, refs: dict[str, str]) -> str:
    if name not in refs:
        raise KeyError(f"the test deployment has no value for {name}")
    return refs[name]


# ---------------------------------------------------------------------- what the code does


@dataclass(frozen=True)
class Call:
    principal: str
    service: str  # the signing name: the IAM prefix
    operation: str
    params: tuple[tuple[str, str], ...]
    status: int | None  # None: a presigned URL (no request was sent)

    def param(self, name: str) -> str:
        return dict(self.params).get(name, "")


class AwsTrace:
    """Every AWS API call (and presigned URL) made while installed, with who made it."""

    def __init__(self, principal: Callable[[], str | None]) -> None:
        self._principal = principal
        self._lock = threading.Lock()
        self.calls: list[Call] = []

    def install(self) -> None:
        from botocore import handlers

        handlers.BUILTIN_HANDLERS.append(("provide-client-params", self._before))
        handlers.BUILTIN_HANDLERS.append(("after-call", self._after))
        _forget_sessions()  # every client from now on is built by a session that has the handlers

    def uninstall(self) -> None:
        from botocore import handlers

        handlers.BUILTIN_HANDLERS.remove(("provide-client-params", self._before))
        handlers.BUILTIN_HANDLERS.remove(("after-call", self._after))
        _forget_sessions()

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        principal = self._principal()
        if principal is None:
            return
        pending = {
            "principal": principal,
            "service": str(model.service_model.signing_name),
            "operation": str(model.name),
            "params": tuple((k, str(params[k])) for k in _RESOURCE_PARAMS if isinstance(params.get(k), str)),
        }
        if context.get("is_presign_request"):
            self._add(Call(**pending, status=None))
        else:
            context["_permissions_trace"] = pending

    def _after(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        pending = context.pop("_permissions_trace", None)
        if pending is not None:
            self._add(Call(**pending, status=int(http_response.status_code)))

    def _add(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)


def _forget_sessions() -> None:
    import boto3

    from platform_kit import aws

    boto3.DEFAULT_SESSION = None
    aws.reset()


class Runner:
    """Runs one function at a time, with its own environment, and knows who is running.

    A call belongs to the function whose handler is on the calling stack, or, from a thread of its
    own, to the function running then (S3 transfers, and the secrets extension answering it: in
    Lambda the extension reads Secrets Manager with the function's role); moto's Step Functions
    interpreter invoking a task is the state machine; the test's own calls (setup, waiting) belong
    to nobody.
    """

    def __init__(
        self,
        environments: dict[str, dict[str, str]],
        fullstory_requests: Callable[[], int],
        state_machine: str,
        new_container: Callable[[], None],
    ) -> None:
        self.environments = environments
        self._new_container = new_container  # forgets what one process's functions would share
        self._names = {name for env in environments.values() for name in env}
        self._fullstory_requests = fullstory_requests
        self._state_machine = state_machine
        self._lock = threading.Lock()
        self._current: str | None = None
        self.invocations: Counter[str] = Counter()
        self.fullstory_calls: Counter[str] = Counter()

    @contextmanager
    def running(self, function_id: str) -> Iterator[None]:
        if not self._lock.acquire(timeout=LOCK_TIMEOUT_S):
            raise AssertionError(f"{function_id} waited {LOCK_TIMEOUT_S} s for another function to finish")
        saved = {name: os.environ.get(name) for name in self._names}
        try:
            for name in self._names:
                os.environ.pop(name, None)
            os.environ.update(self.environments[function_id])
            self._new_container()
            self._current = function_id
            before = self._fullstory_requests()
            try:
                yield
            finally:
                self.fullstory_calls[function_id] += self._fullstory_requests() - before
                self.invocations[function_id] += 1
                self._current = None
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            self._lock.release()

    def principal(self) -> str | None:
        """Who makes the AWS call being made now: the nearest caller on the stack that is a function
        or moto's Step Functions interpreter (a run invoking its task)."""
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code is TracedFunction.invoke.__code__:
                return str(frame.f_locals["self"].definition.logical_id)
            if str(frame.f_globals.get("__name__", "")).startswith("moto.stepfunctions."):
                return self._state_machine
            frame = frame.f_back  # type: ignore[assignment]
        if threading.current_thread() is threading.main_thread():
            return None  # the test itself: setting up, waiting for a run
        # A thread the running function started (S3 transfers run in their own), or the secrets
        # extension's, answering it.
        return self._current if self._current is not None else UNATTRIBUTED


class TracedFunction(LocalFunction):
    """A function's handler, run by the ``Runner`` (the state machine's tasks and the tools alike)."""

    def __init__(self, definition: FunctionDef, runner: Runner) -> None:
        super().__init__(definition)
        self._runner = runner

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        with self._runner.running(self.definition.logical_id):
            return super().invoke(event)


# ---------------------------------------------------------------------- what IAM must allow


@dataclass(frozen=True)
class Use:
    action: str
    resource: str
    prefix: str | None = None  # s3:prefix, for s3:ListBucket


_S3_OBJECT_ACTIONS = {
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "DeleteObject": "s3:DeleteObject",
}
_EXECUTION_ACTIONS = {"DescribeExecution", "GetExecutionHistory", "StopExecution"}
_MACHINE_ACTIONS = {"StartExecution", "ListExecutions", "DescribeStateMachine"}
_DYNAMODB_ITEM_ACTIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem"}


def iam_uses(call: Call, secret_arns: dict[str, str]) -> list[Use]:
    """The IAM permissions ``call`` needs (AWS's service authorization reference)."""
    service, operation = call.service, call.operation
    if service == "secretsmanager" and operation == "GetSecretValue":
        secret = call.param("SecretId")
        return [Use("secretsmanager:GetSecretValue", secret_arns.get(secret, secret))]
    if service == "s3" and operation in _S3_OBJECT_ACTIONS:
        bucket, key = call.param("Bucket"), call.param("Key")
        uses = [Use(_S3_OBJECT_ACTIONS[operation], f"arn:aws:s3:::{bucket}/{key}")]
        if operation in ("GetObject", "HeadObject") and call.status == 404:
            # Only a role that may list the key's prefix learns "no such key" (404), not 403.
            uses.append(Use("s3:ListBucket", f"arn:aws:s3:::{bucket}", prefix=key))
        return uses
    if service == "s3" and operation in ("ListObjectsV2", "ListObjects"):
        return [Use("s3:ListBucket", f"arn:aws:s3:::{call.param('Bucket')}", prefix=call.param("Prefix"))]
    if service == "states" and operation in _EXECUTION_ACTIONS:
        return [Use(f"states:{operation}", call.param("executionArn"))]
    if service == "states" and operation in _MACHINE_ACTIONS:
        return [Use(f"states:{operation}", call.param("stateMachineArn"))]
    if service == "dynamodb" and operation in _DYNAMODB_ITEM_ACTIONS:
        return [Use(f"dynamodb:{operation}", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{call.param('TableName')}")]
    if service == "lambda" and operation == "Invoke":
        name = call.param("FunctionName")
        arn = name if name.startswith("arn:") else f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        return [Use("lambda:InvokeFunction", arn)]
    return [Use(f"{service}:{operation}", f"<no mapping for {service}.{operation} in tests/contract/permissions.py>")]


@dataclass(frozen=True)
class Grant:
    action: str
    resource: str
    prefixes: tuple[str, ...] | None = None  # Condition StringLike s3:prefix

    def allows(self, use: Use) -> bool:
        if not fnmatchcase(use.action.lower(), self.action.lower()):
            return False
        if not fnmatchcase(use.resource, self.resource):
            return False
        if self.prefixes is None:
            return True
        return use.prefix is not None and any(fnmatchcase(use.prefix, pattern) for pattern in self.prefixes)

    def __str__(self) -> str:
        condition = f" (s3:prefix like {list(self.prefixes)})" if self.prefixes is not None else ""
        return f"{self.action} on {self.resource}{condition}"


def role_grants(template: dict[str, Any], principal_id: str, refs: dict[str, str]) -> list[Grant]:
    """Every (action, resource) the principal's role allows (its inline policies; the managed ones
    are checked elsewhere), with the deployment's values filled in."""
    props = template["Resources"][principal_id]["Properties"]
    role_id = (props.get("Role") or props["RoleArn"])["Fn::GetAtt"][0]
    grants: list[Grant] = []
    for policy in template["Resources"][role_id]["Properties"].get("Policies", []):
        for statement in as_list(policy["PolicyDocument"]["Statement"]):
            assert statement.get("Effect") == "Allow", statement
            assert "NotAction" not in statement and "NotResource" not in statement, statement
            prefixes = _prefix_condition(statement.get("Condition"))
            for action in as_list(statement["Action"]):
                for resource in as_list(statement["Resource"]):
                    grants.append(Grant(str(action), resolve(resource, refs), prefixes))
    return grants


def _prefix_condition(condition: Any) -> tuple[str, ...] | None:
    if condition is None:
        return None
    assert set(condition) == {"StringLike"} and set(condition["StringLike"]) == {"s3:prefix"}, (
        f"tests/contract/permissions.py does not evaluate the condition {condition}: extend it"
    )
    return tuple(str(p) for p in as_list(condition["StringLike"]["s3:prefix"]))


# ---------------------------------------------------------------------- how far a grant reaches


def area(use: Use) -> str:
    """The part of the stack a use reaches: a bucket's top-level folder, a state machine's runs, or
    the resource itself (a secret, a function, a state machine)."""
    if use.resource.startswith("arn:aws:s3:::"):
        bucket, _, key = use.resource.removeprefix("arn:aws:s3:::").partition("/")
        folder = (key or use.prefix or "").split("/", 1)
        return f"arn:aws:s3:::{bucket}/{folder[0]}/" if len(folder) == 2 else f"arn:aws:s3:::{bucket}"
    if ":execution:" in use.resource:
        return use.resource.rsplit(":", 1)[0] + ":"
    return use.resource


def probes(reach: str) -> list[Use]:
    """Uses inside an area (any action: the grant's own is filled in when probing)."""
    if reach.startswith("arn:aws:s3:::"):
        bucket, _, folder = reach.removeprefix("arn:aws:s3:::").partition("/")
        return [
            Use("*", f"arn:aws:s3:::{bucket}/{folder}probe"),
            Use("*", f"arn:aws:s3:::{bucket}", prefix=f"{folder}probe"),
        ]
    if reach.endswith(":"):
        return [Use("*", f"{reach}probe")]
    return [Use("*", reach)]


def reaches_beyond(grant: Grant, own: set[str], everywhere: set[str]) -> list[str]:
    """The areas of the stack outside ``own`` that ``grant`` would let its holder into."""
    return sorted(
        reach
        for reach in everywhere - own
        if any(grant.allows(Use(grant.action, probe.resource, probe.prefix)) for probe in probes(reach))
    )
