"""RFC 9457 problem bodies: every failure a caller sees, and nothing it should not see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from fullstory_client import errors as fs


@dataclass
class Problem(Exception):
    status: int
    title: str
    detail: str
    error_code: str
    retry_after: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "error_code": self.error_code,
        }
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        if self.errors:
            body["errors"] = self.errors
        if request_id:
            body["request_id"] = request_id
        return body


def bad_parameters(errors: list[dict[str, str]]) -> Problem:
    names = ", ".join(dict.fromkeys(e["parameter"] for e in errors))
    return Problem(
        status=400,
        title="Invalid parameters",
        detail=f"Fix these parameters and call again: {names}. "
        + " ".join(f"{e['parameter']}: {e['problem']}" for e in errors),
        error_code="INVALID_PARAMETERS",
        errors=errors,
    )


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a parameter of this tool"
    msg = str(error["msg"])
    # pydantic prefixes messages of custom validators with "Value error, ".
    return msg.removeprefix("Value error, ")


def from_validation_error(exc: ValidationError, allowed: list[str]) -> Problem:
    errors: list[dict[str, str]] = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = [str(part) for part in error["loc"]]
        # Rules spanning several parameters name the one to fix in their context.
        parameter = ".".join(loc) or str((error.get("ctx") or {}).get("parameter", "parameters"))
        problem = _message(error)
        if error["type"] == "extra_forbidden":
            problem += f"; the parameters are: {', '.join(allowed)}"
        errors.append({"parameter": parameter, "problem": problem})
    return bad_parameters(errors)


_FORBIDDEN_HINT = (
    "The Fullstory API key does not allow this. Segment exports need an Admin key; session "
    "data and AI summaries need an Admin or Architect key (and Anywhere: Activation for summaries)."
)


def from_fullstory_error(error: fs.FullstoryError) -> Problem:
    """Fullstory's failures, said so that a model (and the person behind it) can act on them."""
    said = f" Fullstory said: {error.message}" if error.message else ""
    if isinstance(error, fs.RateLimited):
        wait = f" Try again in {error.retry_after} s." if error.retry_after is not None else " Try again shortly."
        return Problem(
            429,
            "Fullstory rate limit",
            "Fullstory is rate limiting this account." + wait,
            "FULLSTORY_RATE_LIMITED",
            retry_after=error.retry_after if error.retry_after is not None else 10,
        )
    if isinstance(error, fs.NotFound):
        return Problem(404, "Not found in Fullstory", "Fullstory has no such resource." + said, "FULLSTORY_NOT_FOUND")
    if isinstance(error, fs.Forbidden):
        return Problem(403, "Not permitted by Fullstory", _FORBIDDEN_HINT + said, "FULLSTORY_FORBIDDEN")
    if isinstance(error, fs.Unauthorized):
        return Problem(
            502,
            "Fullstory rejected the API key",
            "The Fullstory API key configured for this tool registry is missing or invalid; an "
            "administrator must store a valid key in the registry's Secrets Manager secret.",
            "FULLSTORY_UNAUTHORIZED",
        )
    if isinstance(error, fs.BadRequest):
        return Problem(
            400,
            "Fullstory rejected the request",
            "Fullstory did not accept the parameters." + said,
            "FULLSTORY_BAD_REQUEST",
            errors=[{"parameter": "parameters", "problem": f"rejected by Fullstory: {error.message}"}],
        )
    if isinstance(error, fs.CreateUncertain):
        check = (
            f" Check with fullstory_get_operation_status (operationId {' or '.join(error.candidates)}) before "
            "starting it again."
            if error.candidates
            else " Before starting it again, look for it among the segment exports in the Fullstory app."
        )
        title = "Fullstory did not confirm the export"
        return Problem(504 if error.timed_out else 502, title, error.message + check, "FULLSTORY_CREATE_UNCERTAIN")
    if isinstance(error, fs.UpstreamTimeout):
        return Problem(
            504,
            "Fullstory did not answer in time",
            "Fullstory took too long to answer. Try again; long sessions or busy periods can be slow.",
            "FULLSTORY_TIMEOUT",
        )
    if isinstance(error, fs.MalformedResponse):
        return Problem(
            502,
            "Unreadable answer from Fullstory",
            f"Fullstory answered with something that is not the documented format: {error.message}. Try again later.",
            "FULLSTORY_MALFORMED_RESPONSE",
        )
    return Problem(
        502,
        "Fullstory is unavailable",
        f"Fullstory failed to answer (HTTP {error.status or 'no response'}) after retries. Try again later.",
        "FULLSTORY_UNAVAILABLE",
    )


def unauthorized() -> Problem:
    # Deliberately says nothing about the expected token.
    return Problem(401, "Unauthorized", "A valid bearer token is required.", "UNAUTHORIZED")


def internal_error() -> Problem:
    return Problem(
        500,
        "Internal error",
        "The tool failed unexpectedly; the error was logged with this request id.",
        "INTERNAL_ERROR",
    )
