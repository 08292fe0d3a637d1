"""Fullstory's failures, and the tools' own, as problem bodies that a model (and the person behind it) can act on."""

from __future__ import annotations

from fullstory_client import errors as fs
from opal_tools.problems import Problem

_FORBIDDEN_HINT = (
    "The Fullstory API key does not allow this. Segment exports need an Admin key; session "
    "data and AI summaries need an Admin or Architect key (and Anywhere: Activation for summaries)."
)


def fullstory_problem(error: fs.FullstoryError) -> Problem:
    """The one mapping of Fullstory's typed errors to problems."""
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
            f"{_sentence(error.message)} Try again; long sessions or busy periods can be slow.",
            "FULLSTORY_TIMEOUT",
        )
    if isinstance(error, fs.MalformedResponse):
        return Problem(
            502,
            "Unreadable answer from Fullstory",
            f"Fullstory answered with something that is not the documented format: {error.message}. Try again later.",
            "FULLSTORY_MALFORMED_RESPONSE",
        )
    if error.status == 0:  # no answer at all: the host or the network, which the message names
        return Problem(
            502,
            "Fullstory could not be reached",
            f"{_sentence(error.message)} {_UNREACHABLE_HINT}",
            "FULLSTORY_UNAVAILABLE",
        )
    return Problem(
        502,
        "Fullstory is unavailable",
        f"Fullstory failed to answer (HTTP {error.status}) after retries. Try again later.",
        "FULLSTORY_UNAVAILABLE",
    )


_UNREACHABLE_HINT = (
    "If that host is wrong, fix the stack's FullstoryApiBaseUrl parameter (FULLSTORY_API_BASE_URL locally); "
    "if it is right, check the network path to it, or try again later."
)


def _sentence(message: str) -> str:
    text = message.strip() or "Fullstory did not answer"
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def session_not_found(session_id: str, base_profile: str | None = None) -> Problem:
    detail = f"Fullstory has no session {session_id}."
    if base_profile:  # Fullstory's 404 does not say which of the two it could not find
        detail = (
            f"Fullstory has no session {session_id}, or no summary profile {base_profile} (the base profile "
            "configured in SummaryBaseProfiles)."
        )
    return Problem(
        404,
        "Session not found",
        f"{detail} Use fullstory_list_sessions to find a user's session ids.",
        "SESSION_NOT_FOUND",
    )
