"""The official client against /mcp without the registry's bearer token: refused at every revision."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from mcp.shared.exceptions import MCPError

from local.server import LocalToolServer
from tests.mcp.conftest import ALL_VERSIONS, connected, run

ALLOWED_ORIGIN = "https://opal.example.com"
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


@pytest.mark.parametrize("token", [None, "not-the-token"])
@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_the_sdk_client_is_refused_without_the_token(server: LocalToolServer, token: str | None, version: str) -> None:
    exchanges: list[httpx2.Response] = []

    async def scenario() -> None:
        async with connected(f"{server.base_url}/mcp", version, token=token, exchanges=exchanges):
            pass

    with pytest.raises(Exception) as refused:  # the SDK surfaces the JSON-RPC error of the 401
        run(scenario)
    errors = [error for error in _leaves(refused.value) if isinstance(error, MCPError)]
    assert errors and errors[0].error.code == -32011, refused.value
    assert [(r.status_code, r.headers.get("www-authenticate")) for r in exchanges] == [(401, "Bearer")]


def _leaves(error: BaseException) -> Iterator[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error
