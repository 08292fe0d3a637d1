"""What Opal hears back, and how runs are named."""

from __future__ import annotations

import json

import pytest

from fullstory_client import errors as fs
from segment_exports.callback import failure, failure_envelope, readable_cause, success_envelope
from segment_exports.errors import (
    FullstoryCreateUncertain,
    FullstoryRejected,
    FullstoryThrottled,
    FullstoryUnavailable,
    task_error,
)
from segment_exports.executions import execution_name


def test_success_envelope_is_v2_with_the_result() -> None:
    result = {"format": "FORMAT_CSV", "sizeBytes": 1234, "downloadUrl": "https://dl", "s3Uri": "s3://b/k",
              "downloadUrlExpiresAt": "2026-01-01T00:00:00Z"}  # fmt: skip
    envelope = success_envelope(result)
    assert envelope["content"] == result and envelope["content_type"] == "application/json"
    assert "CSV" in envelope["message"] and "1,234 bytes" in envelope["message"] and "https://dl" in envelope["message"]


def test_failure_envelope_reads_lambda_error_payloads() -> None:
    cause = json.dumps({"errorType": "FullstoryRejected", "errorMessage": "no such segment", "stackTrace": []})
    envelope = failure_envelope("FullstoryRejected", cause)
    assert envelope["error"]["detail"] == "no such segment" and envelope["error"]["status"] == 400
    assert envelope["error"]["error_code"] == "FULLSTORY_REJECTED" and "no such segment" in envelope["message"]
    assert failure("States.Runtime", "boom")["errorCode"] == "EXPORT_WORKFLOW_ERROR"
    assert readable_cause("plain reason") == "plain reason"


@pytest.mark.parametrize(
    ("error", "creating", "expected"),
    [
        (fs.RateLimited("slow down", retry_after=3), True, FullstoryThrottled),
        # A gateway's 502-504 may follow a create that the gateway forwarded: not proof of nothing.
        (fs.UpstreamError("bad gateway", status=502), True, FullstoryCreateUncertain),
        (fs.UpstreamError("gateway timeout", status=504), True, FullstoryCreateUncertain),
        (fs.UpstreamError("bad gateway", status=502), False, FullstoryUnavailable),
        (fs.FullstoryError("conflict", status=409), True, FullstoryRejected),
        (fs.UpstreamError("server error", status=500), True, FullstoryCreateUncertain),
        (fs.UpstreamTimeout("timed out"), True, FullstoryCreateUncertain),
        (fs.UpstreamError("server error", status=500), False, FullstoryUnavailable),
        (fs.MalformedResponse("not json", status=200), True, FullstoryCreateUncertain),
        (fs.NotFound("nope", status=404), False, FullstoryRejected),
        (fs.Forbidden("standard key", status=403), True, FullstoryRejected),
    ],
)
def test_only_answers_that_prove_nothing_was_created_are_retried_for_a_create(
    error: fs.FullstoryError, creating: bool, expected: type
) -> None:
    assert type(task_error(error, creating=creating)) is expected


def test_execution_names_are_stable_valid_and_distinct() -> None:
    name = execution_name("call/with:odd chars?" + "x" * 200)
    assert name == execution_name("call/with:odd chars?" + "x" * 200)
    assert len(name) <= 80 and all(c.isalnum() or c in "-_" for c in name)
    assert execution_name("tc-1") != execution_name("tc-2") != execution_name("tc_1")
    assert execution_name("tc-1").startswith("opal-tc-1-")
    assert execution_name("!!!").startswith("opal-") and execution_name(None).startswith("manual-")
