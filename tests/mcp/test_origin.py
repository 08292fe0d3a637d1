"""The specification's Origin guard (DNS rebinding): browsers' origins must be allowed, servers send none."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer
from tests.mcp.conftest import TOKEN

ALLOWED_ORIGIN = "https://opal.example.com"
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


def _names(listing: Any) -> list[str]:
    return [tool.name for tool in listing.tools]


@pytest.fixture(scope="module")
def guarded(simulator: FullstorySimulator) -> Iterator[LocalToolServer]:
    with LocalToolServer(simulator=simulator, bearer_token=TOKEN, cors_allowed_origins=ALLOWED_ORIGIN) as running:
        yield running


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        (None, 200),  # servers (Opal, Claude's connectors, agents) send no Origin
        (ALLOWED_ORIGIN, 200),
        (ALLOWED_ORIGIN.upper() + "/", 200),
        ("https://evil.example.com", 403),
        ("http://opal.example.com", 403),
        ("null", 403),
    ],
)
def test_a_browser_origin_must_be_allowed(guarded: LocalToolServer, origin: str | None, status: int) -> None:
    headers = {"authorization": f"Bearer {TOKEN}", **({"origin": origin} if origin else {})}
    response = requests.post(f"{guarded.base_url}/mcp", json=PING, headers=headers, timeout=30)
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["error"]["code"] == -32010 and "Origin" in response.json()["error"]["message"]


def test_the_origin_is_checked_before_the_token(guarded: LocalToolServer) -> None:
    # A page on another origin learns nothing, not even whether a token would do.
    response = requests.post(
        f"{guarded.base_url}/mcp", json=PING, headers={"origin": "https://evil.example"}, timeout=30
    )
    assert response.status_code == 403 and "www-authenticate" not in response.headers
