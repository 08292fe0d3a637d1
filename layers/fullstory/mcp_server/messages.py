"""JSON-RPC 2.0 as MCP uses it: one request or notification in, a result or an error out.

MCP narrows JSON-RPC: an id is a string or an integer, never null; params are an object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .protocol import INVALID_PARAMS, INVALID_REQUEST

RequestId = str | int


class RpcError(Exception):
    """A JSON-RPC error answer; ``status`` is the HTTP status it goes out with (None: the era's default)."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        data: Any = None,
        request_id: RequestId | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.data, self.request_id, self.status = code, message, data, request_id, status


@dataclass(frozen=True)
class Message:
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    id: RequestId | None = None  # None: a notification (it gets no answer)

    @property
    def is_notification(self) -> bool:
        return self.id is None


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def request_id_of(value: Any) -> RequestId | None:
    """The id of the message ``value`` when it has a valid one (to answer an error with)."""
    request_id = value.get("id") if isinstance(value, dict) else None
    return request_id if _valid_id(request_id) else None


def parse_message(value: Any) -> Message:
    """The message ``value`` holds; ``RpcError`` (Invalid Request / Invalid params) when it is not one."""
    if not isinstance(value, dict):
        raise RpcError(INVALID_REQUEST, "The body must be one JSON-RPC request or notification object.", status=400)
    if "id" in value and not _valid_id(value["id"]):
        raise RpcError(INVALID_REQUEST, "A request's id must be a string or an integer (not null).", status=400)
    request_id: RequestId | None = value.get("id")
    if value.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, 'jsonrpc must be "2.0".', request_id=request_id, status=400)
    if "result" in value or "error" in value:
        message = "This server takes requests and notifications, not responses."
        raise RpcError(INVALID_REQUEST, message, request_id=request_id, status=400)
    method = value.get("method")
    if not isinstance(method, str) or not method:
        message = "method is required (a non-empty string)."
        raise RpcError(INVALID_REQUEST, message, request_id=request_id, status=400)
    if request_id is None and not method.startswith("notifications/"):
        message = f"{method[:100]} is a request, so it needs an id (a string or an integer)."
        raise RpcError(INVALID_REQUEST, message, status=400)
    params = value.get("params")
    if params is not None and not isinstance(params, dict):
        raise RpcError(INVALID_PARAMS, "params must be an object.", request_id=request_id)
    return Message(method=method, params=params or {}, id=request_id)


def result_body(request_id: RequestId, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def error_body(error: RpcError) -> dict[str, Any]:
    detail: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.data is not None:
        detail["data"] = error.data
    return {"jsonrpc": "2.0", "id": error.request_id, "error": detail}
