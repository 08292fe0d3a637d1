"""MCP clients in a browser (the MCP Inspector's direct mode): CORS lets through the headers the SDK
sends, and once an origin is allowed for CORS it is allowed by /mcp's Origin guard too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from mcp.shared.inbound import MCP_METHOD_HEADER, MCP_NAME_HEADER, MCP_PROTOCOL_VERSION_HEADER

from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer
from tests.contract.test_cors import _deployed_cors
from tests.mcp.conftest import TOKEN

INSPECTOR = "http://localhost:6274"


def test_cors_allows_the_headers_mcp_clients_send() -> None:
    cors = _deployed_cors(INSPECTOR)
    assert {MCP_PROTOCOL_VERSION_HEADER, MCP_METHOD_HEADER, MCP_NAME_HEADER, "authorization", "content-type"} <= set(
        cors["allowHeaders"]
    )
    assert "www-authenticate" in cors["exposeHeaders"]


@pytest.fixture(scope="module")
def inspector_allowed(simulator: FullstorySimulator) -> Iterator[LocalToolServer]:
    with LocalToolServer(simulator=simulator, bearer_token=TOKEN, cors_allowed_origins=INSPECTOR) as running:
        yield running


def test_a_browser_preflight_and_call_from_an_allowed_origin(inspector_allowed: LocalToolServer) -> None:
    url = f"{inspector_allowed.base_url}/mcp"
    preflight = requests.options(
        url,
        headers={
            "origin": INSPECTOR,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type,mcp-protocol-version",
        },
        timeout=30,
    )
    assert preflight.status_code == 204
    assert "mcp-protocol-version" in preflight.headers["access-control-allow-headers"]
    call = requests.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"origin": INSPECTOR, "authorization": f"Bearer {TOKEN}", "mcp-protocol-version": "2025-06-18"},
        timeout=30,
    )
    assert call.status_code == 200 and call.json()["result"]["tools"]
    assert call.headers["access-control-allow-origin"] == INSPECTOR
