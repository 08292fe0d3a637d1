"""The MCP methods this server offers, per era: the handshake revisions and the per-request one.

Handshake era (2025-03-26 .. 2025-11-25): initialize, ping, tools/list, tools/call. The
per-request revision (2026-07-28): server/discover, tools/list, tools/call, each request carrying
its revision and the client's capabilities in ``params._meta`` (initialize and ping are gone).
Anything else is Method not found.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from opal_tools.discovery import published
from opal_tools.selection import ai_analysis_enabled, selection_from_env

from . import calls
from .catalog import tool_entries
from .messages import Message, RpcError
from .protocol import (
    HANDSHAKE_VERSIONS,
    HEADER_MISMATCH,
    INVALID_PARAMS,
    LATEST_HANDSHAKE_VERSION,
    META_CLIENT_CAPABILITIES,
    META_PROTOCOL_VERSION,
    META_SERVER_INFO,
    METHOD_HEADER,
    METHOD_NOT_FOUND,
    MODERN_VERSIONS,
    NAME_HEADER,
    SERVER_INFO,
    SUPPORTED_VERSIONS,
    UNSUPPORTED_PROTOCOL_VERSION,
    VERSION_HEADER,
)
from .tool_index import INSTRUCTIONS

CAPABILITIES: dict[str, Any] = {"tools": {"listChanged": False}}
# How long a 2026-07-28 client may keep tools/list and server/discover: the tools change only with a deploy.
CACHE_TTL_MS = 60_000
_BASE64_SENTINEL = re.compile(r"=\?base64\?(.*)\?=")


def _not_found(method: str, version: str) -> RpcError:
    return RpcError(METHOD_NOT_FOUND, f"Method not found: {method[:100]} (revision {version}).")


def initialize(params: dict[str, Any]) -> dict[str, Any]:
    """The handshake: the client's revision when we speak it, else our latest (the client decides)."""
    requested = params.get("protocolVersion")
    if not isinstance(requested, str) or not requested:
        raise RpcError(INVALID_PARAMS, "params.protocolVersion is required (a string such as 2025-11-25).")
    for key in ("capabilities", "clientInfo"):
        if not isinstance(params.get(key), dict):
            raise RpcError(INVALID_PARAMS, f"params.{key} is required (an object).")
    version = requested if requested in HANDSHAKE_VERSIONS else LATEST_HANDSHAKE_VERSION
    return {
        "protocolVersion": version,
        "capabilities": CAPABILITIES,
        "serverInfo": SERVER_INFO,
        "instructions": INSTRUCTIONS,
    }


def list_tools(params: dict[str, Any], version: str) -> dict[str, Any]:
    """Every published tool in one page: this server never hands out a cursor, so any cursor is invalid."""
    if params.get("cursor") is not None:
        raise RpcError(INVALID_PARAMS, "Invalid cursor: tools/list answers all tools in one page (no nextCursor).")
    from tools.registry import TOOLS  # every tool's module: only tools/list needs them all

    specs = published(TOOLS, ai_analysis_enabled(), selection_from_env())
    return {"tools": tool_entries(specs, version)}


def handshake_era(message: Message, version: str, context: Any, request_id: str | None) -> dict[str, Any]:
    if message.method == "initialize":
        return initialize(message.params)
    if message.method == "ping":
        return {}
    if message.method == "tools/list":
        return list_tools(message.params, version)
    if message.method == "tools/call":
        return calls.call_tool(message.params, context, request_id, version)
    raise _not_found(message.method, version)


# ---------------------------------------------------------------------- 2026-07-28


def _header_value(raw: str | None) -> str | None:
    """A header as the client encoded it: plain, or ``=?base64?...?=`` for a value headers cannot carry."""
    if raw is None:
        return None
    match = _BASE64_SENTINEL.fullmatch(raw)
    if match is None:
        return raw
    try:
        return base64.b64decode(match.group(1), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def check_envelope(message: Message, headers: dict[str, str]) -> str:
    """The request's revision after the specification's checks: the ``_meta`` envelope, then the
    headers against the body, then the revision itself."""
    meta = message.params.get("_meta")
    if not isinstance(meta, dict) or META_PROTOCOL_VERSION not in meta or META_CLIENT_CAPABILITIES not in meta:
        raise RpcError(
            INVALID_PARAMS,
            f"params._meta must carry {META_PROTOCOL_VERSION!r} and {META_CLIENT_CAPABILITIES!r} "
            "(revision 2026-07-28).",
        )
    version = meta[META_PROTOCOL_VERSION]
    if headers.get(VERSION_HEADER) != version:
        mismatch = "The MCP-Protocol-Version header does not match params._meta's protocol version."
        raise RpcError(HEADER_MISMATCH, mismatch)
    if headers.get(METHOD_HEADER) != message.method:
        raise RpcError(HEADER_MISMATCH, "The Mcp-Method header does not match the request's method.")
    name = message.params.get("name")
    if message.method == "tools/call" and name is not None and _header_value(headers.get(NAME_HEADER)) != name:
        raise RpcError(HEADER_MISMATCH, "The Mcp-Name header does not match params.name.")
    if version not in MODERN_VERSIONS:
        raise RpcError(
            UNSUPPORTED_PROTOCOL_VERSION,
            "Unsupported protocol version.",
            data={"supported": list(SUPPORTED_VERSIONS), "requested": str(version)[:64]},
        )
    return str(version)


def discover() -> dict[str, Any]:
    return {
        "supportedVersions": list(SUPPORTED_VERSIONS),
        "capabilities": CAPABILITIES,
        "instructions": INSTRUCTIONS,
        "cacheScope": "private",
        "ttlMs": CACHE_TTL_MS,
    }


def modern(
    message: Message, version: str, headers: dict[str, str], context: Any, request_id: str | None
) -> dict[str, Any]:
    version = check_envelope(message, headers)
    if message.method == "server/discover":
        result = discover()
    elif message.method == "tools/list":
        result = {**list_tools(message.params, version), "cacheScope": "private", "ttlMs": CACHE_TTL_MS}
    elif message.method == "tools/call":
        result = calls.call_tool(message.params, context, request_id, version)
    else:
        raise _not_found(message.method, version)
    return {**result, "resultType": "complete", "_meta": {META_SERVER_INFO: SERVER_INFO}}
