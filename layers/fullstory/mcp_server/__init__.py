"""The registry's tools over MCP (Streamable HTTP, stateless, JSON answers): ``POST /mcp``.

``handler`` is the Lambda handler (HTTP checks, then one JSON-RPC message per POST), ``protocol``
the revisions and error codes, ``messages`` the JSON-RPC envelope, ``catalog`` the tools/list
entries, ``calls`` tools/call through the Opal adapter's own steps.
"""
