"""POST /mcp: every tool of the registry over MCP (Streamable HTTP, stateless)."""

from mcp_server.handler import mcp_handler

lambda_handler = mcp_handler()
