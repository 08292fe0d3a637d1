"""The local server (template.yaml's routes, moto, the Fullstory simulator) and the official MCP SDK's
client against its /mcp: every revision forced, the way a real client negotiates it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import mcp.client.session as client_session
import pytest
from mcp.client._probe import negotiate_auto
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from local.fullstory_sim import FullstorySimulator
from local.server import LocalToolServer

TOKEN = "mcp-test-token-0123456789"
HANDSHAKE_VERSIONS = ("2025-03-26", "2025-06-18", "2025-11-25")
MODERN_VERSION = "2026-07-28"
ALL_VERSIONS = (*HANDSHAKE_VERSIONS, MODERN_VERSION)


@pytest.fixture(scope="module")
def server(simulator: FullstorySimulator) -> Iterator[LocalToolServer]:
    with LocalToolServer(simulator=simulator, bearer_token=TOKEN) as running:
        yield running


@asynccontextmanager
async def connected(
    url: str, version: str | None, *, token: str | None = TOKEN, exchanges: list[httpx2.Response] | None = None
) -> AsyncIterator[ClientSession]:
    """A ``ClientSession`` at ``version``: a handshake revision through ``initialize`` (the client
    offering that revision), 2026-07-28 through ``server/discover``, None as the SDK's ``auto`` mode."""
    headers = {"authorization": f"Bearer {token}"} if token else {}

    async def keep(response: httpx2.Response) -> None:
        if exchanges is not None:
            exchanges.append(response)

    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30), event_hooks={"response": [keep]}) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        if version is None:
            await negotiate_auto(session)
        elif version == MODERN_VERSION:
            await session.discover()
        else:
            offered = client_session.LATEST_HANDSHAKE_VERSION
            client_session.LATEST_HANDSHAKE_VERSION = version  # what initialize offers
            try:
                await session.initialize()
            finally:
                client_session.LATEST_HANDSHAKE_VERSION = offered
        yield session


def run(coroutine: Callable[[], Any]) -> Any:
    return anyio.run(coroutine)
