"""`make smoke`'s mcp check against the real /mcp (the local server), not only against its fake."""

from __future__ import annotations

from local.server import LocalToolServer
from scripts import smoke
from tests.mcp.conftest import TOKEN
from tools.registry import TOOLS


def _stack(server: LocalToolServer) -> smoke.Stack:
    return smoke.Stack(
        name="local",
        region="us-east-1",
        status="UPDATE_COMPLETE",
        outputs={"ToolsApiUrl": server.base_url},
        parameters={"EnabledTools": "all", "EnableAiAnalysis": "true"},
        tools=[tool.name for tool in TOOLS],
        tools_from="the registry",
    )


def test_the_smoke_check_passes_against_mcp(server: LocalToolServer) -> None:
    check = smoke.check_mcp(_stack(server), smoke.Secret("local/token", TOKEN), timeout=30)
    assert check.outcome == "PASS", check.reason
    assert f"protocol {smoke.MCP_PROTOCOL_VERSION}; tools/list lists the {len(TOOLS)} tools" in check.reason


def test_the_smoke_check_fails_a_wrong_token_against_mcp(server: LocalToolServer) -> None:
    check = smoke.check_mcp(_stack(server), smoke.Secret("local/token", "not-the-token"), timeout=30)
    assert check.outcome == "FAIL" and "answered 401" in check.reason
