from __future__ import annotations

import pytest

from fullstory_client import errors as fs
from tools.problems import fullstory_problem as from_fullstory_error


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (fs.RateLimited("slow down", retry_after=7), 429, "FULLSTORY_RATE_LIMITED"),
        (fs.NotFound("Requested resource does not exist", status=404), 404, "FULLSTORY_NOT_FOUND"),
        (fs.Forbidden("insufficient permissions", status=403), 403, "FULLSTORY_FORBIDDEN"),
        (fs.Unauthorized("access is unauthorized", status=401), 502, "FULLSTORY_UNAUTHORIZED"),
        (fs.BadRequest("bad", status=400), 400, "FULLSTORY_BAD_REQUEST"),
        (fs.UpstreamTimeout("late"), 504, "FULLSTORY_TIMEOUT"),
        (fs.UpstreamError("boom", status=503), 502, "FULLSTORY_UNAVAILABLE"),
        (fs.MalformedResponse("junk", status=200), 502, "FULLSTORY_MALFORMED_RESPONSE"),
    ],
)
def test_fullstory_errors_become_clear_problems(error: fs.FullstoryError, status: int, code: str) -> None:
    problem = from_fullstory_error(error)
    assert (problem.status, problem.error_code) == (status, code)
    body = problem.body("req-1")
    assert body["status"] == status and body["title"] and body["detail"] and body["request_id"] == "req-1"


def test_rate_limit_carries_retry_after() -> None:
    assert from_fullstory_error(fs.RateLimited("x", retry_after=7)).body()["retry_after"] == 7
    assert from_fullstory_error(fs.RateLimited("x", retry_after=None)).body()["retry_after"] == 10


def test_forbidden_explains_key_levels() -> None:
    assert "Admin" in from_fullstory_error(fs.Forbidden("insufficient permissions", status=403)).detail
