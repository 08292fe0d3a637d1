"""Every revision the SDK offers, negotiated by the official client against `make run`'s /mcp."""

from __future__ import annotations

import pytest

from local.server import LocalToolServer
from tests.mcp.conftest import ALL_VERSIONS, connected, run


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_each_revision_lists_and_calls(server: LocalToolServer, version: str) -> None:
    async def scenario() -> None:
        async with connected(f"{server.base_url}/mcp", version) as session:
            assert session.protocol_version == version
            listed = await session.list_tools()
            assert "fullstory_list_segments" in [tool.name for tool in listed.tools]
            result = await session.call_tool("fullstory_list_segments", {"limit": 2})
            assert not result.is_error
            print(version, result.structured_content)

    run(scenario)
