"""RFC 9457 problem bodies: every failure a caller sees, and nothing it should not see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails


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
