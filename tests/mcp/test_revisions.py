"""Every revision the SDK offers, negotiated by the official client against `make run`'s /mcp."""

from __future__ import annotations

import httpx2
import pytest

from local.server import LocalToolServer
from tests.mcp.conftest import ALL_VERSIONS, HANDSHAKE_VERSIONS, MODERN_VERSION, connected, run


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_each_revision_lists_and_calls(server: LocalToolServer, version: str) -> None:
    exchanges: list[httpx2.Response] = []

    async def scenario() -> None:
        async with connected(f"{server.base_url}/mcp", version, exchanges=exchanges) as session:
            assert session.protocol_version == version
            listed = await session.list_tools()
            assert [tool.name for tool in listed.tools][:2] == ["fullstory_list_segments", "fullstory_get_segment"]
            assert listed.next_cursor is None
            result = await session.call_tool("fullstory_list_segments", {"limit": 2})
            assert not result.is_error and "everyone" in result.content[0].text
            if version != "2025-03-26":
                assert result.structured_content is not None
                assert result.structured_content["segments"][0]["id"] == "everyone"

    run(scenario)
    posts = [response for response in exchanges if response.request.method == "POST"]
    assert all(response.status_code in (200, 202) for response in posts)
    assert not any("mcp-session-id" in response.headers for response in exchanges)  # stateless
    after_handshake = posts[1:] if version in HANDSHAKE_VERSIONS else posts
    assert {response.request.headers.get("mcp-protocol-version") for response in after_handshake} == {version}
    # The client may open the server's stream (GET): a stateless server has none, and says so.
    assert all(response.status_code == 405 for response in exchanges if response.request.method == "GET")


def test_auto_mode_discovers_the_per_request_revision(server: LocalToolServer) -> None:
    exchanges: list[httpx2.Response] = []

    async def scenario() -> str | None:
        async with connected(f"{server.base_url}/mcp", None, exchanges=exchanges) as session:
            await session.list_tools()
            return session.protocol_version

    assert run(scenario) == MODERN_VERSION
    first = exchanges[0].request
    assert (first.headers["mcp-method"], first.headers["mcp-protocol-version"]) == ("server/discover", MODERN_VERSION)
