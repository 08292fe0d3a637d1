"""The MCP revisions this server speaks and the JSON-RPC error codes it answers with.

The values are the specification's; the ``mcp-types`` package holds them too, but importing any
part of it builds its whole pydantic model set (about 100 ms on a cold start), so they are
stated here and tests/mcp checks them against it.
"""

from __future__ import annotations

from typing import Final

# Reached through the ``initialize`` handshake; 2024-11-05 predates the Streamable HTTP transport.
HANDSHAKE_VERSIONS: Final = ("2025-03-26", "2025-06-18", "2025-11-25")
# Stateless per-request revisions: every request carries its version in ``params._meta``.
MODERN_VERSIONS: Final = ("2026-07-28",)
SUPPORTED_VERSIONS: Final = (*HANDSHAKE_VERSIONS, *MODERN_VERSIONS)
LATEST_HANDSHAKE_VERSION: Final = HANDSHAKE_VERSIONS[-1]
# What a request without an MCP-Protocol-Version header is taken to speak (transports, 2025-06-18 on).
DEFAULT_VERSION: Final = "2025-03-26"
# Revisions whose tools carry ``title``/``outputSchema`` and whose results carry ``structuredContent``.
STRUCTURED_VERSIONS: Final = ("2025-06-18", "2025-11-25", "2026-07-28")

VERSION_HEADER: Final = "mcp-protocol-version"
METHOD_HEADER: Final = "mcp-method"
NAME_HEADER: Final = "mcp-name"
# Reserved ``_meta`` keys of the per-request revisions.
META_PROTOCOL_VERSION: Final = "io.modelcontextprotocol/protocolVersion"
META_CLIENT_CAPABILITIES: Final = "io.modelcontextprotocol/clientCapabilities"
META_SERVER_INFO: Final = "io.modelcontextprotocol/serverInfo"

PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
HEADER_MISMATCH: Final = -32020
UNSUPPORTED_PROTOCOL_VERSION: Final = -32022
# Ours, from the implementation-defined band (-32000..-32019) clear of the codes SDKs use themselves:
# refusals at the HTTP layer (an Origin not allowed, no valid token, the token store down).
FORBIDDEN: Final = -32010
UNAUTHORIZED: Final = -32011
UNAVAILABLE: Final = -32012

SERVER_INFO: Final = {"name": "fullstory-opal-tools", "title": "Fullstory tools", "version": "1.0.0"}
