"""``POST /mcp``: MCP's Streamable HTTP transport, stateless, answering ``application/json``.

Per request: the Origin (DNS rebinding) → POST only (405 with ``Allow: POST``) → the bearer token
(401 with ``WWW-Authenticate: Bearer``) → the JSON → the revision → one JSON-RPC message.
No session is kept (no ``Mcp-Session-Id`` is issued; one sent is ignored), notifications get 202.

Revisions: the ``initialize`` handshake ones (2025-03-26, 2025-06-18, 2025-11-25; a request
without an ``MCP-Protocol-Version`` header is taken as 2025-03-26) and the per-request 2026-07-28,
whose requests carry their revision in ``params._meta`` and in headers that must agree with the
body. An unsupported header is a 400 with ``UNSUPPORTED_PROTOCOL_VERSION`` naming ours.
"""

from __future__ import annotations

import json
from typing import Any

from opal_tools.adapter import authenticate, decode_body, note_request
from opal_tools.problems import Problem
from platform_kit.observability import LambdaHandler, logger, with_lambda_logging
from platform_kit.settings import settings

from . import methods
from .messages import Message, RpcError, error_body, parse_message, request_id_of, result_body
from .protocol import (
    DEFAULT_VERSION,
    FORBIDDEN,
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    MODERN_VERSIONS,
    PARSE_ERROR,
    SUPPORTED_VERSIONS,
    UNAUTHORIZED,
    UNAVAILABLE,
    UNSUPPORTED_PROTOCOL_VERSION,
    VERSION_HEADER,
)

Response = dict[str, Any]
# Batches were part of 2025-03-26 only (2025-06-18 removed them).
BATCH_VERSIONS = ("2025-03-26",)


def _headers(event: dict[str, Any]) -> dict[str, str]:
    return {str(key).lower(): str(value) for key, value in (event.get("headers") or {}).items()}


def _response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Response:
    response: Response = {"statusCode": status, "headers": {**(headers or {})}}
    if body is not None:
        response["headers"]["content-type"] = "application/json"
        response["body"] = json.dumps(body, default=str, ensure_ascii=False)
    else:
        response["body"] = ""
    return response


def _error(error: RpcError, status: int, headers: dict[str, str] | None = None) -> Response:
    return _response(error.status or status, error_body(error), headers)


def _origin_refused(headers: dict[str, str]) -> bool:
    """The specification's DNS-rebinding guard: a browser's Origin must be one we allow (servers send none)."""
    origin = headers.get("origin")
    if origin is None:
        return False
    allowed = settings().mcp_allowed_origins
    return "*" not in allowed and origin.strip().lower().rstrip("/") not in allowed


def _refusal(problem: Problem) -> Response:
    """An authentication problem as an HTTP answer with a JSON-RPC error body (no id: none was read)."""
    code = UNAUTHORIZED if problem.status == 401 else UNAVAILABLE
    headers = {"www-authenticate": "Bearer"} if problem.status == 401 else {}
    if problem.retry_after is not None:
        headers["retry-after"] = str(problem.retry_after)
    return _error(RpcError(code, problem.detail), problem.status, headers)


def _version(headers: dict[str, str], body: Any) -> str:
    requested = headers.get(VERSION_HEADER)
    if requested is None:
        return DEFAULT_VERSION
    if requested.strip() not in SUPPORTED_VERSIONS:
        raise RpcError(
            UNSUPPORTED_PROTOCOL_VERSION,
            f"Unsupported protocol version {requested[:64]!r}; this server speaks {', '.join(SUPPORTED_VERSIONS)}.",
            data={"supported": list(SUPPORTED_VERSIONS), "requested": requested[:64]},
            request_id=request_id_of(body),
            status=400,
        )
    return requested.strip()


def _answer(message: Message, version: str, headers: dict[str, str], context: Any, request_id: str | None) -> Any:
    """The result of one request; its ``RpcError`` answers with the request's id."""
    try:
        if version in MODERN_VERSIONS:
            return methods.modern(message, version, headers, context, request_id)
        return methods.handshake_era(message, version, context, request_id)
    except RpcError as error:
        error.request_id = message.id
        raise


def _one(value: Any, version: str, headers: dict[str, str], context: Any, request_id: str | None) -> Any:
    """The JSON-RPC answer to one message (None for a notification); errors as error objects."""
    try:
        message = parse_message(value)
        if message.is_notification:
            return None
        result = _answer(message, version, headers, context, request_id)
        assert message.id is not None  # a request: checked above
        return result_body(message.id, result)
    except RpcError as error:
        return error_body(error)


def _batch(body: list[Any], version: str, headers: dict[str, str], context: Any, request_id: str | None) -> Response:
    if version not in BATCH_VERSIONS or not body:
        message = "Send one JSON-RPC message per request (batches are part of revision 2025-03-26 only)."
        return _error(RpcError(INVALID_REQUEST, message), 400)
    answers = [answer for item in body if (answer := _one(item, version, headers, context, request_id)) is not None]
    return _response(200, answers) if answers else _response(202)


def _status(error: RpcError, version: str) -> int:
    """The HTTP status of a JSON-RPC error answering a request: at 2026-07-28 the revision's table
    (404 for an unknown method, 400 for the client's other faults); before, JSON-RPC's error in a 200."""
    if version not in MODERN_VERSIONS or error.code == INTERNAL_ERROR:
        return 200
    return 404 if error.code == METHOD_NOT_FOUND else 400


def _message_response(body: Any, headers: dict[str, str], context: Any, request_id: str | None) -> Response:
    version = _version(headers, body)
    if isinstance(body, list):
        return _batch(body, version, headers, context, request_id)
    try:
        message = parse_message(body)
        if message.is_notification:
            return _response(202)
        result = _answer(message, version, headers, context, request_id)
    except RpcError as error:
        return _error(error, _status(error, version))
    assert message.id is not None
    return _response(200, result_body(message.id, result))


def _respond(event: dict[str, Any], context: Any, request_id: str | None) -> Response:
    headers = _headers(event)
    if _origin_refused(headers):
        message = "This Origin may not call this server (set CorsAllowedOrigins to allow a browser origin)."
        return _error(RpcError(FORBIDDEN, message), 403)
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method") or "POST").upper()
    if method != "POST":
        # No server-initiated stream (GET) and no session to end (DELETE): this server is stateless.
        return _response(405, headers={"allow": "POST"})
    try:
        authenticate(event)
    except Problem as problem:
        return _refusal(problem)
    try:
        body = decode_body(event, not_json="must be JSON")
    except Problem as problem:
        if problem.status == 413:
            return _error(RpcError(INVALID_REQUEST, problem.detail), 413)
        reason = problem.errors[0]["problem"] if problem.errors else problem.detail
        return _error(RpcError(PARSE_ERROR, f"Parse error: the body {reason}."), problem.status)
    if body is None:
        return _error(RpcError(PARSE_ERROR, "Parse error: the body is empty; send one JSON-RPC message."), 400)
    try:
        return _message_response(body, headers, context, request_id)
    except RpcError as error:
        return _error(error, 400)


def mcp_handler() -> LambdaHandler:
    """The Lambda handler of ``/mcp``."""

    def handle(event: dict[str, Any], context: Any) -> Response:
        request_id, _thread = note_request(event, context)
        try:
            return _respond(event, context, request_id)
        except Exception:  # a bug of ours: logged with its traceback, answered without it
            logger.exception("mcp request failed")
            return _error(RpcError(INTERNAL_ERROR, "Internal error; it was logged with this request's id."), 500)

    return with_lambda_logging(handle)
