"""Typed errors for everything that can go wrong talking to Fullstory.

Callers map these to user-facing answers; the message never contains the API key.
"""

from __future__ import annotations


class FullstoryError(Exception):
    """Base class: ``status`` is Fullstory's HTTP status (0 when no answer arrived).

    ``may_have_been_processed``: a request that creates something (a POST) failed after it was
    sent, in a way that does not say whether Fullstory acted on it (a 5xx, which a proxy may give
    after forwarding it; a read timeout; a connection lost after sending).
    """

    kind = "fullstory_error"

    def __init__(self, message: str, *, status: int = 0, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.may_have_been_processed = False


class BadRequest(FullstoryError):
    """Fullstory rejected the request (400): a parameter it does not accept."""

    kind = "bad_request"


class Unauthorized(FullstoryError):
    """401: the API key is missing, wrong, or was rotated."""

    kind = "unauthorized"


class Forbidden(FullstoryError):
    """403: the key's permission level (Standard/Architect/Admin) or the plan does not allow this."""

    kind = "forbidden"


class NotFound(FullstoryError):
    """404: no such segment, operation, export, session or profile."""

    kind = "not_found"


class DownloadLinkExpired(Forbidden):
    """The signed download URL of an export was refused (expired or altered): ask for a fresh one."""

    kind = "download_link_expired"


class RateLimited(FullstoryError):
    """429 after our own retries: ``retry_after`` seconds as Fullstory said, when it did."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: int | None, status: int = 429, code: str | None = None) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class UpstreamError(FullstoryError):
    """5xx, a reset connection, or no answer in time: Fullstory is having a bad moment."""

    kind = "upstream_error"


class UpstreamTimeout(UpstreamError):
    """Fullstory did not answer within the read timeout or the caller's deadline."""

    kind = "upstream_timeout"


class MalformedResponse(FullstoryError):
    """Fullstory answered 2xx with a body we cannot read (not JSON, or not the documented shape)."""

    kind = "malformed_response"


class CreateUncertain(FullstoryError):
    """Creating an export failed in a way that may have created it anyway; it was not sent again.

    ``candidates`` are the ids of export operations Fullstory listed as started meanwhile (one of
    them may be this export); empty when none was found or the list could not be read.
    Deliberately no ``UpstreamError``: nothing may treat it as a transient failure to retry.
    """

    kind = "create_uncertain"

    def __init__(
        self, message: str, *, status: int = 0, candidates: tuple[str, ...] = (), timed_out: bool = False
    ) -> None:
        super().__init__(message, status=status)
        self.may_have_been_processed = True
        self.candidates = candidates
        self.timed_out = timed_out  # no answer in time (rather than a wrong one)


class UnsafeId(BadRequest):
    """An id that would change the request's path (``.``, ``..``); nothing was sent to Fullstory."""

    kind = "unsafe_id"
