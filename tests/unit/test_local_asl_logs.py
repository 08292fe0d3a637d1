"""moto's ASL interpreter under the local server: a Choice's IsPresent test of an absent path is
no error (it is how AWS documents the test), and a real missing path still logs and fails the run."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from local.workflows import MOTO_CONFIG, quiet_is_present_probes

IS_PRESENT = {
    "StartAt": "Has",
    "States": {
        "Has": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.callback", "IsPresent": True, "Next": "Yes"}],
            "Default": "No",
        },
        "Yes": {"Type": "Succeed"},
        "No": {"Type": "Succeed"},
    },
}
MISSING = {
    "StartAt": "Use",
    "States": {"Use": {"Type": "Pass", "Parameters": {"x.$": "$.callback"}, "End": True}},
}


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.lines.append(record.getMessage())


@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws(config=MOTO_CONFIG):
        import boto3

        yield boto3.client("stepfunctions", region_name="us-east-1")


def _run(sfn: Any, definition: dict[str, Any]) -> tuple[str, list[str]]:
    lines = _Lines()
    logging.getLogger("moto").addHandler(lines)
    try:
        arn = sfn.create_state_machine(
            name=f"m{time.monotonic_ns()}",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/r",
        )["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        for _ in range(200):
            status = str(sfn.describe_execution(executionArn=execution)["status"])
            if status != "RUNNING":
                return status, lines.lines
            time.sleep(0.05)
        raise AssertionError("the run did not end")
    finally:
        logging.getLogger("moto").removeHandler(lines)


def test_an_is_present_test_of_an_absent_path_logs_nothing(sfn: Any) -> None:
    quiet_is_present_probes()
    status, errors = _run(sfn, IS_PRESENT)
    assert status == "SUCCEEDED" and errors == []


def test_a_real_missing_path_still_logs_and_fails(sfn: Any) -> None:
    quiet_is_present_probes()
    status, errors = _run(sfn, MISSING)
    assert status == "FAILED" and any("$.callback" in line for line in errors), errors
