"""API errors, rendered as Fullstory's v2 error body `{"message": ..., "code": ...}`.

The v1 error shape is undocumented (reference §0 "Error bodies"); we use the v2 shape
everywhere so clients that read `message` work against both [I].
"""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        return {"message": self.message, "code": self.code}


def bad_request(message: str, code: str = "invalid_argument") -> ApiError:
    return ApiError(400, message, code)


def required(field: str) -> ApiError:
    return ApiError(400, f"{field} is required", "required_field")


def not_found(message: str = "Requested resource does not exist") -> ApiError:
    return ApiError(404, message, "resource_not_found")


def unauthorized() -> ApiError:
    return ApiError(401, "access is unauthorized", "unauthorized")


def forbidden() -> ApiError:
    return ApiError(403, "insufficient permissions", "forbidden")


# Default bodies for statuses injected without a body (fault injection).
STATUS_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad request", "invalid_argument"),
    401: ("access is unauthorized", "unauthorized"),
    403: ("insufficient permissions", "forbidden"),
    404: ("Requested resource does not exist", "resource_not_found"),
    408: ("request timeout", "deadline_exceeded"),
    409: ("conflict", "aborted"),
    429: ("too many requests: rate limit exceeded, retry later", "too_many_requests"),
    500: ("internal server error", "internal"),
    502: ("bad gateway", "bad_gateway"),
    503: ("service unavailable, please retry", "unavailable"),
    504: ("gateway timeout", "deadline_exceeded"),
}


def for_status(status: int) -> ApiError:
    message, code = STATUS_DEFAULTS.get(status, (f"error {status}", "unknown"))
    return ApiError(status, message, code)
