"""What /mcp publishes: the same tool selection and AI toggle as discovery (each on a server configured so)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from mcp.shared.exceptions import MCPError

from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer
from tests.mcp.conftest import TOKEN, connected, run
from tools.registry import TOOLS

ALLOWED_ORIGIN = "https://opal.example.com"
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


def _names(listing: Any) -> list[str]:
    return [tool.name for tool in listing.tools]


def test_ai_off_hides_the_ai_tools_and_refuses_them_as_error_results(simulator: FullstorySimulator) -> None:
    overrides = {"FULLSTORY_AI_ANALYSIS_ENABLED": "false"}
    with LocalToolServer(simulator=simulator, bearer_token=TOKEN, env_overrides=overrides) as server:

        async def scenario() -> tuple[Any, Any]:
            async with connected(f"{server.base_url}/mcp", "2025-11-25") as session:
                listed = await session.list_tools()
                return listed, await session.call_tool("fullstory_get_session_quick_summary", {"sessionId": "1:2"})

        listed, refused = run(scenario)
        discovery = requests.get(f"{server.base_url}/discovery", timeout=30).json()
    assert _names(listed) == [tool.name for tool in TOOLS if not tool.ai]
    assert _names(listed) == [function["name"] for function in discovery["functions"]]
    assert refused.is_error and "AI analysis is disabled" in refused.content[0].text
    assert refused.structured_content["error_code"] == "AI_ANALYSIS_DISABLED"


def test_the_tool_selection_is_discoverys(simulator: FullstorySimulator) -> None:
    overrides = {"ENABLED_TOOLS": "segments,fullstory_list_sessions"}
    with LocalToolServer(simulator=simulator, bearer_token=TOKEN, env_overrides=overrides) as server:

        async def scenario() -> tuple[Any, Any, Any]:
            async with connected(f"{server.base_url}/mcp", "2026-07-28") as session:
                listed = await session.list_tools()
                allowed = await session.call_tool("fullstory_get_segment", {"id": "everyone"})
                with pytest.raises(MCPError) as unknown:
                    await session.call_tool("fullstory_create_segment_export", {"segmentId": "everyone"})
                return listed, allowed, unknown.value

        listed, allowed, unknown = run(scenario)
        discovery = requests.get(f"{server.base_url}/discovery", timeout=30).json()
    assert _names(listed) == ["fullstory_list_segments", "fullstory_get_segment", "fullstory_list_sessions"]
    assert _names(listed) == [function["name"] for function in discovery["functions"]]
    assert not allowed.is_error
    # Not published: an unknown tool to this client, as the specification has it (Invalid params).
    assert unknown.error.code == -32602 and "fullstory_create_segment_export" in unknown.error.message
    assert json.dumps(allowed.structured_content)
