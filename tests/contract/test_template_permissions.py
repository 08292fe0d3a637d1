"""Least privilege, derived from the code: what each function of template.yaml uses is what it gets.

Every function runs, in moto with the Fullstory simulator, the calls that reach every AWS permission
its code has a reason for (the tools through their routes, the workflow's tasks through a real run
of the state machine), each with exactly the environment the template gives it (tests/contract/
permissions.py). What it touched is then compared with the template:

* every AWS action it used, on the resource it used it on, is allowed by its role;
* every statement of its role was used (or is listed in UNEXERCISED, with why);
* its environment names exactly the stack's resources it touched (a secret id, the bucket, the
  state machine), nothing it does not use;
* it may read the Fullstory key exactly when it calls Fullstory.

A new AWS call in the code fails here until the template grants it; a grant the code stops using
fails here until it is removed.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from local.apigw import http_api_event
from local.fullstory_sim import FullstorySimulator
from local.lambda_runtime import import_handler, use_layer
from local.template import FunctionDef, functions, load_template
from local.workflows import MOTO_CONFIG, LambdaDispatcher, deploy, stop_running_executions
from tests.conftest import register_secret, secrets_extension
from tests.contract.conditions import deployed
from tests.contract.permissions import (
    PSEUDO,
    UNATTRIBUTED,
    AwsTrace,
    Grant,
    Runner,
    TracedFunction,
    Use,
    area,
    iam_uses,
    reaches_beyond,
    resolve,
    role_grants,
)
from tests.contract.test_template import RAW, TOOLS, _refs, translate
from tests.workflow.harness import CallbackServer, VirtualClock, export_request, patch_moto
from tools.needs import FULLSTORY
from tools.registry import TOOLS as CATALOG
from tools.summaries import SessionParams

STACK = "perm-test"
BEARER = register_secret("perm-bearer-token-0123456789abcdef")
CALLBACK_TOKEN = register_secret("perm-callback-token-5e1d07")
SIM_KEY = register_secret("perm-sim-key-77c2")
PLACEHOLDER_KEY = "REPLACE_ME"  # the template's SecretString: what the key secret holds until the customer sets it
KEY_SECRET, TOKEN_SECRET = "FullstoryApiKeySecret", "OpalBearerTokenSecret"
# Environment the tests add to every function: no real sleeps, no metrics to flush.
TEST_ENV = {"FULLSTORY_RETRY_BASE_DELAY_S": "0", "POWERTOOLS_METRICS_DISABLED": "true"}
# Granted for a reason these runs cannot reach cheaply; each must stay granted and its reason true.
UNEXERCISED = {
    ("ExportDeliverFunction", "s3:AbortMultipartUpload"): (
        "s3transfer aborts a multipart upload (files over 16 MiB) that broke off halfway; reaching it needs "
        "a 16 MiB export whose download fails, so it is granted on the export prefix the function writes"
    ),
    ("ExportNotifyFunction", "s3:ListBucket"): (
        "a run's callback object that is gone (expired by the lifecycle rule, or removed when the same call "
        "was resent after its run ended) must read as missing (404), not as a storage failure (403)"
    ),
}
FUNCTIONS = {f.logical_id: f for f in functions(load_template())}
[STATE_MACHINE] = [k for k, v in RAW["Resources"].items() if v["Type"] == "AWS::Serverless::StateMachine"]
PRINCIPALS = [*sorted(FUNCTIONS), STATE_MACHINE]
TOOL_FUNCTION = {tool: function_id for function_id, tool in TOOLS.items()}
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


@dataclass
class Observed:
    uses: dict[str, set[Use]]
    grants: dict[str, list[Grant]]
    named: dict[str, dict[str, str]]  # function -> environment variable -> the resource it names
    touches: dict[str, set[str]]  # principal -> resources its uses touched
    invocations: Counter[str]
    fullstory_calls: Counter[str]
    answers: dict[str, tuple[int, Any]]  # scenario -> (status, body)
    secret_arns: dict[str, str]  # logical id -> ARN
    areas: set[str]  # every part of the stack: what anyone used, and each resource itself


# ---------------------------------------------------------------------- the deployment


def _parameters(simulator: FullstorySimulator) -> dict[str, str]:
    values = {name: str(spec.get("Default", "")) for name, spec in RAW["Parameters"].items()}
    values["FullstoryApiBaseUrl"] = simulator.base_url  # a deploy parameter: the Fullstory it talks to
    return {**values, **PSEUDO, "AWS::StackName": STACK}


def _resource_arns(refs: dict[str, str], resource_ids: set[str]) -> dict[str, tuple[set[str], set[str]]]:
    """Per resource of the stack: its ARNs, and the prefixes of the ARNs of what is inside it."""
    arns: dict[str, tuple[set[str], set[str]]] = {}
    for logical_id in resource_ids:
        kind = RAW["Resources"][logical_id]["Type"]
        if kind == "AWS::SecretsManager::Secret":
            arns[logical_id] = ({refs[logical_id]}, set())
        elif kind == "AWS::S3::Bucket":
            arns[logical_id] = ({refs[f"{logical_id}.Arn"]}, {refs[f"{logical_id}.Arn"] + "/"})
        elif kind == "AWS::Serverless::StateMachine":
            machine = refs[logical_id]
            arns[logical_id] = ({machine}, {machine.replace(":stateMachine:", ":execution:") + ":"})
        elif kind == "AWS::DynamoDB::Table":
            arns[logical_id] = ({refs[f"{logical_id}.Arn"]}, set())
        elif kind == "AWS::Serverless::Function":
            arns[logical_id] = ({refs[f"{logical_id}.Arn"]}, {refs[f"{logical_id}.Arn"] + ":"})
    return arns


def _touched(use: Use, arns: dict[str, tuple[set[str], set[str]]]) -> set[str]:
    return {
        logical_id
        for logical_id, (own, inside) in arns.items()
        if use.resource in own or any(use.resource.startswith(prefix) for prefix in inside)
    }


class Stack:
    """The template deployed in moto; its functions run by the ``Runner``."""

    def __init__(
        self, traced: dict[str, TracedFunction], key_secret: str, runner: Runner, dispatcher: LambdaDispatcher
    ) -> None:
        self.functions = traced
        self.key_secret = key_secret
        self.runner = runner
        self._dispatcher = dispatcher
        self.called: set[str] = set()

    def dispatcher_busy(self) -> bool:
        return not self._dispatcher.wait_idle(timeout_s=0)

    def tool(self, tool: str, parameters: dict[str, Any], **envelope: Any) -> tuple[int, Any]:
        self.called.add(tool)
        body = json.dumps({"parameters": parameters, **envelope}).encode()
        headers = {"content-type": "application/json", "authorization": f"Bearer {BEARER}"}
        response = self.functions[TOOL_FUNCTION[tool]].invoke(
            http_api_event("POST", f"/tools/{tool}", headers=headers, body=body)
        )
        return int(response["statusCode"]), json.loads(response["body"])

    def mcp(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """tools/call over /mcp (McpFunction, which runs any tool): the tool's answer; an error result fails."""
        self.called.add(f"mcp {tool}")
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
        headers = {
            "content-type": "application/json",
            "authorization": f"Bearer {BEARER}",
            "mcp-protocol-version": "2025-11-25",
        }
        response = self.functions["McpFunction"].invoke(
            http_api_event("POST", "/mcp", headers=headers, body=json.dumps(call).encode())
        )
        assert response["statusCode"] == 200, response
        result: dict[str, Any] = json.loads(response["body"])["result"]
        assert not result["isError"], (tool, result)
        return dict(result["structuredContent"])

    def get(self, function_id: str, path: str) -> tuple[int, Any]:
        response = self.functions[function_id].invoke(http_api_event("GET", path))
        return int(response["statusCode"]), json.loads(response["body"])

    def wait(self, execution_arn: str, timeout_s: float = 120.0) -> dict[str, Any]:
        import boto3

        deadline = time.monotonic() + timeout_s
        while True:
            run: dict[str, Any] = boto3.client("stepfunctions").describe_execution(executionArn=execution_arn)
            if run["status"] in TERMINAL:
                return run
            assert time.monotonic() < deadline, f"run still {run['status']} after {timeout_s} s"
            time.sleep(0.02)


def _scenarios(
    stack: Stack, simulator: FullstorySimulator, callbacks: CallbackServer, hold: threading.Event
) -> dict[str, tuple[int, Any]]:
    """Calls that reach every AWS use each function's code has; each must answer as it should."""
    answers: dict[str, tuple[int, Any]] = {}

    def expect(
        status: int,
        scenario: str,
        tool: str,
        parameters: dict[str, Any],
        over_mcp: dict[str, Any] | None = None,
        **envelope: Any,
    ) -> Any:
        """The call, and when it answers 200 the same call over /mcp (whose one function runs every
        tool) with ``over_mcp`` as its parameters if given (a summary of another session: a cache miss)."""
        answers[scenario] = answer = stack.tool(tool, parameters, **envelope)
        assert answer[0] == status, (scenario, answer)
        if status == 200:
            answers[f"mcp {scenario}"] = (200, stack.mcp(tool, over_mcp or parameters))
        return answer[1]

    for path in ("/discovery", "/openapi.json"):
        answers[path] = stack.get("DiscoveryFunction", path)
        assert answers[path][0] == 200, answers[path]

    user, session, other = simulator.data.users[0], simulator.data.sessions[3], simulator.data.sessions[4]
    expect(200, "list segments", "fullstory_list_segments", {"limit": 5})
    expect(200, "get segment", "fullstory_get_segment", {"id": "everyone"})
    expect(200, "list sessions", "fullstory_list_sessions", {"uid": user.uid, "limit": 3})
    for spec in CATALOG:
        if spec.ai and spec.parameters is SessionParams:
            expect(200, spec.name, spec.name, {"sessionId": session.id}, over_mcp={"sessionId": other.id})
    prompts = {"pre_prompt": "Act as a product manager.", "post_prompt": "List three improvements."}
    expect(200, "custom summary", "fullstory_get_custom_session_summary", {"sessionId": session.id, **prompts})
    expect(200, "visit profile", "fullstory_visit_profile", {"uid": user.uid, "limit": 2})
    _summaries_cached_and_direct(stack, expect, session.id, prompts)
    created = expect(200, "create export", "fullstory_create_segment_export", export_request())
    expect(200, "operation status", "fullstory_get_operation_status", {"operationId": created["operationId"]})

    # The async export, delivered and called back: the four tasks, the bucket, the state machine.
    callback = {"url": callbacks.url("/callbacks/tc-perm-1"), "tool_call_id": "tc-perm-1"}
    opal = {**callback, "callback_token": CALLBACK_TOKEN}
    accepted = expect(202, "export", "fullstory_export_segment", export_request(), async_callback=opal)
    run = stack.wait(accepted["executionArn"])
    assert run["status"] == "SUCCEEDED" and len(callbacks.received) == 1, run
    result = json.loads(run["output"])
    expect(200, "export results", "fullstory_get_search_export_results", {"id": result["searchExportId"]})
    done = expect(200, "export status", "fullstory_get_export_status", {"executionId": accepted["executionId"]})
    assert done["status"] == "SUCCEEDED" and done["result"]["downloadUrl"], done
    # Opal resends the finished call with a new envelope: the run is read, not started again.
    resent = {**callback, "callback_token": register_secret("perm-callback-token-2-93ab")}
    again = expect(200, "export resent", "fullstory_export_segment", export_request(), async_callback=resent)
    assert again["executionId"] == accepted["executionId"] and again["status"] == "already_answered", again
    assert again["callback"]["delivered"] is True, again  # read from the run's callback object: s3:GetObject

    # Over MCP (no callback): the same workflow, followed with the status tool.
    over_mcp = stack.mcp("fullstory_export_segment", export_request())
    assert stack.wait(over_mcp["executionArn"])["status"] == "SUCCEEDED"
    delivered = stack.mcp("fullstory_get_export_status", {"executionId": over_mcp["executionId"]})
    assert delivered["status"] == "SUCCEEDED" and delivered["result"]["downloadUrl"], delivered

    # A run still going: the status tool reads its progress from the run's history.
    hold.clear()
    try:
        started = expect(202, "export held", "fullstory_export_segment", export_request())
        running = expect(200, "status running", "fullstory_get_export_status", {"executionId": started["executionId"]})
        assert running["status"] == "RUNNING" and "progress" in running, running
        assert answers["mcp status running"][1]["status"] == "RUNNING"
    finally:
        hold.set()
    assert stack.wait(started["executionArn"])["status"] == "SUCCEEDED"

    # Any tool without a scenario of its own (a new one, say): its sample call, as the registry has it.
    for spec in CATALOG:
        if spec.name not in stack.called:
            answers[spec.name] = answer = stack.tool(spec.name, dict(spec.example_parameters))
            assert answer[0] < 500, (spec.name, answer)

    # The key secret back at its placeholder: the tools that never call Fullstory answer as usual.
    import boto3

    boto3.client("secretsmanager").put_secret_value(SecretId=stack.key_secret, SecretString=PLACEHOLDER_KEY)
    _forget_cached_secrets()
    answers["placeholder status"] = stack.tool("fullstory_get_export_status", {"executionId": accepted["executionId"]})
    answers["placeholder export"] = late = stack.tool("fullstory_export_segment", export_request())
    if late[0] == 202:
        assert stack.wait(late[1]["executionArn"])["status"] == "FAILED"  # its create task: no key
    return answers


def _summaries_cached_and_direct(stack: Stack, expect: Any, session_id: str, prompts: dict[str, str]) -> None:
    """The summaries the calls above handed to the worker, then read from the cache; and, with caching
    off (SummaryCacheTtlHours 0), each session tool asking Fullstory itself: why it holds the key."""
    runner = stack.runner
    worker = "SummaryWorkerFunction"
    deadline = time.monotonic() + 120
    # The worker runs once the calling function has answered (one function at a time here).
    while runner.invocations[worker] < 1 or stack.dispatcher_busy():
        assert time.monotonic() < deadline, "the summary worker never finished"
        time.sleep(0.05)
    again = expect(200, "cached summary", "fullstory_get_session_quick_summary", {"sessionId": session_id})
    assert again["cached"] is True, again
    direct = {TOOL_FUNCTION[spec.name] for spec in CATALOG if spec.ai and spec.name != "fullstory_visit_profile"}
    saved = {fid: dict(runner.environments[fid]) for fid in direct}
    try:
        for fid in direct:
            runner.environments[fid]["FULLSTORY_SUMMARY_CACHE_TTL_HOURS"] = "0"
        for spec in CATALOG:
            if spec.ai and spec.parameters is SessionParams:
                answer = expect(200, f"{spec.name} uncached", spec.name, {"sessionId": session_id})
                assert answer["cached"] is False, answer
        params = {"sessionId": session_id, **prompts}
        expect(200, "custom summary uncached", "fullstory_get_custom_session_summary", params)
    finally:
        runner.environments.update(saved)


def _forget_cached_secrets() -> None:
    """As in a fresh container: every function reads its secrets itself, through its own extension
    (one process runs them all, and one extension serves them)."""
    from tests.conftest import _reset_layer_caches

    _reset_layer_caches()


@pytest.fixture(scope="module")
def observed() -> Iterator[Observed]:
    from moto import mock_aws

    use_layer()
    clock = VirtualClock()
    with (
        pytest.MonkeyPatch.context() as mp,
        FullstorySimulator(api_key=SIM_KEY, export_seconds=600.0, clock=clock.time) as simulator,
        mock_aws(config=MOTO_CONFIG),
        ExitStack() as later,
    ):
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            # Opal's callback receiver and the simulator's downloads are on loopback, as under `make run`.
            "LOCAL_ALLOW_LOOPBACK_URLS": "true",
            **TEST_ENV,
        }.items():
            mp.setenv(name, value)
        # The functions read their secrets through the extension's interface; its Secrets Manager calls
        # are made with the role of the function it answers (the one running: tests/contract/permissions.py).
        later.enter_context(secrets_extension(mp))
        patch_moto(mp, clock)
        hold = _holdable_waits(mp)
        refs = _parameters(simulator)
        template = deployed(translate(), refs)
        import boto3

        secrets = boto3.client("secretsmanager")
        values = {KEY_SECRET: SIM_KEY, TOKEN_SECRET: BEARER}
        for logical_id, value in values.items():
            name = resolve(RAW["Resources"][logical_id]["Properties"]["Name"], refs)
            refs[logical_id] = secrets.create_secret(Name=name, SecretString=value)["ARN"]
        refs.update({function_id: function_id for function_id in FUNCTIONS})  # Ref of a function: its name
        stack_resources = deploy(load_template(), refs)
        resources = {k for k, v in template["Resources"].items() if not k.startswith("AWS::")}
        named = {
            function_id: {
                name: next(iter(_refs(value) & set(RAW["Resources"])))
                for name, value in _variables(template, function_id).items()
                if _refs(value) & set(RAW["Resources"])
            }
            for function_id in FUNCTIONS
        }
        environments = {
            function_id: {name: resolve(value, refs) for name, value in _variables(template, function_id).items()}
            for function_id in FUNCTIONS
        }
        runner = Runner(environments, lambda: len(simulator.requests), STATE_MACHINE, _forget_cached_secrets)
        trace = AwsTrace(runner.principal)
        traced = {fid: TracedFunction(_short_summaries(fid, d), runner) for fid, d in FUNCTIONS.items()}
        dispatcher = LambdaDispatcher(dict(traced)).start()
        callbacks = CallbackServer().start()
        trace.install()
        _forget_cached_secrets()
        try:
            stack = Stack(traced, refs[KEY_SECRET], runner, dispatcher)
            answers = _scenarios(stack, simulator, callbacks, hold)
        finally:
            hold.set()
            stop_running_executions(stack_resources)
            dispatcher.close()
            callbacks.stop()
            trace.uninstall()
            _forget_cached_secrets()
        secret_arns = {resolve(RAW["Resources"][s]["Properties"]["Name"], refs): refs[s] for s in values}
        arns = _resource_arns(refs, resources & set(RAW["Resources"]))
        uses: dict[str, set[Use]] = {principal: set() for principal in [*PRINCIPALS, UNATTRIBUTED]}
        touches: dict[str, set[str]] = {principal: set() for principal in [*PRINCIPALS, UNATTRIBUTED]}
        for call in trace.calls:
            for use in iam_uses(call, secret_arns):
                uses[call.principal].add(use)
                touches[call.principal] |= _touched(use, arns)
        yield Observed(
            uses=uses,
            grants={principal: role_grants(template, principal, refs) for principal in PRINCIPALS},
            named=named,
            touches=touches,
            invocations=runner.invocations,
            fullstory_calls=runner.fullstory_calls,
            answers=answers,
            secret_arns={secret: refs[secret] for secret in values},
            areas={area(use) for used in uses.values() for use in used}
            | {area(Use("*", arn)) for own, _inside in arns.values() for arn in own},
        )


# The AI tools wait for the summary worker until their deadline, and the worker runs only after them
# (one function at a time here): a short timeout lets them answer "running" soon.
AI_TOOL_TIMEOUT_S = 4


def _short_summaries(function_id: str, definition: FunctionDef) -> FunctionDef:
    ai = {TOOL_FUNCTION[spec.name] for spec in CATALOG if spec.ai}
    return dataclasses.replace(definition, timeout_s=AI_TOOL_TIMEOUT_S) if function_id in ai else definition


def _variables(template: dict[str, Any], function_id: str) -> dict[str, Any]:
    environment = template["Resources"][function_id]["Properties"].get("Environment", {})
    variables: dict[str, Any] = environment.get("Variables", {})
    return variables


def _holdable_waits(mp: pytest.MonkeyPatch) -> threading.Event:
    """While the returned event is clear, a run's Wait state waits (really) instead of passing at once
    on the virtual clock: a run the test can look at while it is RUNNING."""
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    released = threading.Event()
    released.set()
    virtual = WaitFunction._wait_interval

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        released.wait(timeout=60)
        virtual(self, env, wait_seconds)

    mp.setattr(WaitFunction, "_wait_interval", wait_interval)
    return released


# ---------------------------------------------------------------------- the contract


def test_every_function_ran_and_every_call_has_an_owner(observed: Observed) -> None:
    # A function these runs never reach could need anything: the checks below would prove nothing.
    assert sorted(f for f in FUNCTIONS if not observed.invocations[f]) == []
    assert not observed.uses[UNATTRIBUTED], "AWS calls from a thread no function or run owns"


def _allowed(use: Use, grants: list[Grant]) -> bool:
    return any(grant.allows(use) for grant in grants)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_every_aws_call_is_allowed_by_the_role(observed: Observed, principal: str) -> None:
    grants = observed.grants[principal]
    denied = sorted(f"{use.action} on {use.resource}" for use in observed.uses[principal] if not _allowed(use, grants))
    assert not denied, f"{principal} uses what template.yaml does not grant it: {denied}"


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_every_grant_is_used(observed: Observed, principal: str) -> None:
    unused = {
        str(grant)
        for grant in observed.grants[principal]
        if not any(grant.allows(use) for use in observed.uses[principal])
        and (principal, grant.action) not in UNEXERCISED
    }
    assert not unused, f"{principal} is granted what its code never uses: {sorted(unused)}"


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_no_grant_reaches_beyond_what_the_principal_touches(observed: Observed, principal: str) -> None:
    # Used is not enough: a grant on the whole bucket is "used" by a read of one marker. No grant may
    # open a part of the stack (a bucket folder, another run's secret, a function) its holder never uses.
    own = {area(use) for use in observed.uses[principal]}
    broad = {str(g): beyond for g in observed.grants[principal] if (beyond := reaches_beyond(g, own, observed.areas))}
    assert not broad, f"{principal} is granted more than it touches: {broad}"


def test_unexercised_grants_are_still_granted_beside_what_they_complete(observed: Observed) -> None:
    for (principal, action), _reason in UNEXERCISED.items():
        granted = [g for g in observed.grants[principal] if g.action == action]
        assert granted, f"{principal} no longer has {action}: drop it from UNEXERCISED"
        if action == "s3:AbortMultipartUpload":
            # An abort belongs to an upload: the function really writes where it may abort.
            writes = [Use(action, use.resource) for use in observed.uses[principal] if use.action == "s3:PutObject"]
            assert all(_allowed(write, granted) for write in writes) and writes, (principal, action)
        else:
            # A listing only turns a missing object's 403 into a 404: the function really reads objects.
            assert any(use.action == "s3:GetObject" for use in observed.uses[principal]), (principal, action)


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_environment_names_exactly_the_resources_the_function_touches(observed: Observed, function_id: str) -> None:
    named = set(observed.named[function_id].values())
    touched = observed.touches[function_id]
    assert touched <= named, f"{function_id} touches {sorted(touched - named)} without its environment naming them"
    assert named <= touched, (
        f"{function_id}'s environment names {sorted(named - touched)}, which its code never touches: "
        f"drop {sorted(v for v, r in observed.named[function_id].items() if r not in touched)} from template.yaml"
    )


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_only_functions_that_call_fullstory_may_read_its_key(observed: Observed, function_id: str) -> None:
    calls_fullstory = observed.fullstory_calls[function_id] > 0
    reads_key = KEY_SECRET in observed.touches[function_id]
    key = Use("secretsmanager:GetSecretValue", observed.secret_arns[KEY_SECRET])
    granted_key = any(grant.allows(key) for grant in observed.grants[function_id])
    assert reads_key == calls_fullstory, (
        f"{function_id} {'calls' if calls_fullstory else 'never calls'} Fullstory but "
        f"{'reads' if reads_key else 'does not read'} its key"
    )
    assert granted_key == calls_fullstory


def test_the_registry_says_which_tools_call_fullstory(observed: Observed) -> None:
    # The adapter gives a tool a Fullstory client (and reads the key) only when it declares that need.
    for spec in CATALOG:
        function_id = TOOL_FUNCTION[spec.name]
        assert (FULLSTORY in spec.needs) == (observed.fullstory_calls[function_id] > 0), spec.name


def test_tools_that_never_call_fullstory_work_without_a_key(observed: Observed) -> None:
    # The key secret at its placeholder: the status tool and the async tool still answer (no 503).
    status, answer = observed.answers["placeholder status"]
    assert (status, answer.get("status")) == (200, "SUCCEEDED"), answer
    status, answer = observed.answers["placeholder export"]
    assert status == 202 and answer["status"] == "accepted", answer


# ---------------------------------------------------------------------- the secrets extension

EXTENSION_LAYER = {"Fn::FindInMap": ["ParametersSecretsExtension", {"Ref": "AWS::Region"}, "arm64"]}


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_functions_that_read_secrets_have_the_extension_and_only_they(observed: Observed, function_id: str) -> None:
    reads = any(use.action == "secretsmanager:GetSecretValue" for use in observed.uses[function_id])
    layers = translate()["Resources"][function_id]["Properties"].get("Layers", [])
    assert (EXTENSION_LAYER in layers) == reads, (
        f"{function_id} {'reads' if reads else 'reads no'} secrets: "
        f"{'add' if reads else 'drop'} the ParametersSecretsExtension layer in template.yaml"
    )


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_no_secret_is_read_while_a_function_initialises(monkeypatch: pytest.MonkeyPatch, function_id: str) -> None:
    # The extension serves only invocations, not a function's init: a read at import would fail in Lambda.
    from local.secrets_extension import SecretsExtension

    template = deployed(translate(), {name: str(spec.get("Default", "")) for name, spec in RAW["Parameters"].items()})
    for name in {name for f in FUNCTIONS for name in _variables(template, f)}:
        monkeypatch.delenv(name, raising=False)
    for name, value in _variables(template, function_id).items():
        if _refs(value) & {KEY_SECRET, TOKEN_SECRET}:
            monkeypatch.setenv(name, f"{STACK}/{name.lower()}")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "perm-test-session")
    with SecretsExtension("perm-test-session", client_factory=lambda: None) as extension:
        monkeypatch.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(extension.port))
        definition = FUNCTIONS[function_id]
        try:
            import_handler(definition.code_dir, definition.handler, f"_perm_init_{function_id}")
        finally:
            sys.modules.pop(f"_perm_init_{function_id}", None)
        assert extension.requests == {}
