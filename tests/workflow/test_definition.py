"""The ASL file itself: every task retries transient faults with jitter and catches the rest, the
run is bounded, the error names are the ones the task functions raise, and the template's
DefinitionSubstitutions fill exactly its placeholders."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from local.template import load_template
from segment_exports.errors import TASK_ERRORS
from tools.export_runs import EXPORT_WORKFLOW_TIMEOUT_S

ROOT = Path(__file__).resolve().parents[2]
ASL_PATH = ROOT / "statemachine" / "export_segment.asl.json"
ASL_TEXT = ASL_PATH.read_text()
ASL: dict[str, Any] = json.loads(ASL_TEXT)
TASKS = {name: state for name, state in ASL["States"].items() if state["Type"] == "Task"}
LAMBDA_SERVICE_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.TooManyRequestsException",
}
# How Step Functions reports a function that died: out of memory, killed, timed out (Lambda's own
# timeout, or the state's TimeoutSeconds).
CRASH_ERRORS = {
    "Lambda.Unknown",
    "Runtime.ExitError",
    "Runtime.OutOfMemory",
    "Runtime.Unknown",
    "Sandbox.Timedout",
    "States.Timeout",
}
KNOWN_ERRORS = {cls.__name__ for cls in TASK_ERRORS} | LAMBDA_SERVICE_ERRORS | CRASH_ERRORS | {"States.ALL"}


def test_jsonpath_and_bounded_run() -> None:
    assert ASL["QueryLanguage"] == "JSONPath"  # moto cannot run JSONata
    assert ASL["TimeoutSeconds"] == EXPORT_WORKFLOW_TIMEOUT_S  # what the async tool publishes


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_retries_with_jitter_and_catches_the_rest(name: str) -> None:
    state = TASKS[name]
    assert state["Resource"] == "arn:aws:states:::lambda:invoke"
    assert 0 < state["TimeoutSeconds"] <= 960
    retriers = state["Retry"]
    assert set(retriers[0]["ErrorEquals"]) >= LAMBDA_SERVICE_ERRORS
    for retrier in retriers:
        assert retrier["JitterStrategy"] == "FULL"
        assert retrier["BackoffRate"] >= 1 and retrier["MaxDelaySeconds"] > 0 and retrier["MaxAttempts"] > 0
        assert "States.ALL" not in retrier["ErrorEquals"]
    assert [c["ErrorEquals"] for c in state["Catch"]] == [["States.ALL"]]


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_retries_a_function_that_died(name: str) -> None:
    # Each task is idempotent (the create through its marker, the delivery through its key, the
    # callback through its attempt count), so a crashed attempt is retried, a bounded number of times.
    [crashed] = [r for r in TASKS[name]["Retry"] if set(r["ErrorEquals"]) & CRASH_ERRORS]
    assert set(crashed["ErrorEquals"]) == CRASH_ERRORS
    assert 1 <= crashed["MaxAttempts"] <= 3 and crashed["IntervalSeconds"] >= 1


def test_error_names_are_the_task_functions_errors() -> None:
    for state in TASKS.values():
        for rule in [*state["Retry"], *state["Catch"]]:
            assert set(rule["ErrorEquals"]) <= KNOWN_ERRORS, rule["ErrorEquals"]


def test_create_is_retried_only_on_errors_that_prove_nothing_was_created() -> None:
    # FullstoryUnavailable is a 5xx or a broken connection: after a create, the export may exist.
    retried = {error for rule in TASKS["CreateExport"]["Retry"] for error in rule["ErrorEquals"]}
    assert retried == LAMBDA_SERVICE_ERRORS | CRASH_ERRORS | {"FullstoryThrottled", "StorageUnavailable"}


def test_callbacks_are_not_retried_by_the_workflow() -> None:
    # The notify task makes the SDK's three attempts itself; a Retry on its answer would multiply them.
    for name in ("NotifySuccess", "NotifyFailure"):
        retried = {error for rule in TASKS[name]["Retry"] for error in rule["ErrorEquals"]}
        assert retried == LAMBDA_SERVICE_ERRORS | CRASH_ERRORS | {"StorageUnavailable"}


def test_a_callback_that_fails_still_ends_in_the_delivered_file() -> None:
    states = ASL["States"]
    assert TASKS["NotifySuccess"]["Next"] == "Delivered" and TASKS["NotifySuccess"]["ResultPath"] == "$.result"
    assert TASKS["NotifySuccess"]["Catch"][0]["Next"] == "CallbackNotSent"
    assert states["CallbackNotSent"]["Next"] == "Delivered"
    assert states["CallbackNotSent"]["ResultPath"] == "$.result.Payload.callback"
    assert states["Delivered"] == {"Type": "Succeed", "OutputPath": "$.result.Payload"}
    assert "CallbackFailed" not in states


def test_failures_end_in_a_fail_state_after_telling_opal() -> None:
    states = ASL["States"]
    for task in ("CreateExport", "CheckExport", "DeliverFile"):
        assert TASKS[task]["Catch"][0]["Next"] == "Failed"
    assert states["Failed"]["Choices"][0] == {"Variable": "$.callback", "IsPresent": True, "Next": "NotifyFailure"}
    assert states["NotifyFailure"]["Next"] == "Fail" and states["NotifyFailure"]["Catch"][0]["Next"] == "Fail"
    assert states["Fail"] == {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}
    assert states["ExportFailed"]["Parameters"]["Cause.$"] == "$.job.Payload.errorDetails"


def test_definition_substitutions_fill_every_placeholder_with_a_workflow_function() -> None:
    template = load_template()
    machine = template["Resources"]["ExportStateMachine"]["Properties"]
    assert machine["DefinitionUri"] == "statemachine/export_segment.asl.json"
    assert machine["Type"] == "STANDARD"
    placeholders = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", ASL_TEXT))
    substitutions = machine["DefinitionSubstitutions"]
    assert placeholders == set(substitutions)
    for value in substitutions.values():
        function_id, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn"
        assert template["Resources"][function_id]["Properties"]["CodeUri"].startswith("workflow/")
