"""/mcp at the HTTP level, as the specification words it: what a client gets for every malformed or
refused message (never a 500), and what a stateless server answers to GET, DELETE and notifications."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from local.server import LocalToolServer
from tests.mcp.conftest import TOKEN

AUTH = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
MODERN = "2026-07-28"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
}


def _post(server: LocalToolServer, body: Any, **headers: str) -> requests.Response:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.post(f"{server.base_url}/mcp", data=data, headers={**AUTH, **headers}, timeout=30)


def _error(response: requests.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["jsonrpc"] == "2.0" and body["error"]["code"] == code, body
    assert "Traceback" not in response.text
    return body


def _modern(method: str, params: dict[str, Any] | None = None, **meta: Any) -> dict[str, Any]:
    envelope = {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        **meta,
    }
    return {"jsonrpc": "2.0", "id": 7, "method": method, "params": {**(params or {}), "_meta": envelope}}


def _modern_headers(method: str, **extra: str) -> dict[str, str]:
    return {"mcp-protocol-version": MODERN, "mcp-method": method, **extra}


# ---------------------------------------------------------------------- transport


def test_initialize_answers_json_without_a_session(server: LocalToolServer) -> None:
    response = _post(server, INITIALIZE, accept="application/json, text/event-stream")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert "mcp-session-id" not in {key.lower() for key in response.headers}
    result = response.json()["result"]
    assert result["protocolVersion"] == "2025-11-25"
    assert result["capabilities"] == {"tools": {"listChanged": False}}
    assert result["serverInfo"]["name"] and result["instructions"]


@pytest.mark.parametrize(
    ("offered", "agreed"),
    [
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2024-11-05", "2025-11-25"),
        ("2099-01-01", "2025-11-25"),
    ],
)
def test_initialize_negotiates_as_the_specification_says(server: LocalToolServer, offered: str, agreed: str) -> None:
    # The client's revision when we speak it; otherwise our latest, and the client decides.
    body = {**INITIALIZE, "params": {**INITIALIZE["params"], "protocolVersion": offered}}
    assert _post(server, body).json()["result"]["protocolVersion"] == agreed


def test_a_session_id_sent_is_ignored(server: LocalToolServer) -> None:
    response = _post(server, {"jsonrpc": "2.0", "id": 2, "method": "ping"}, **{"mcp-session-id": "whatever"})
    assert response.status_code == 200 and response.json() == {"jsonrpc": "2.0", "id": 2, "result": {}}


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_get_and_delete_are_405_allowing_post(server: LocalToolServer, method: str) -> None:
    response = requests.request(method, f"{server.base_url}/mcp", headers=AUTH, timeout=30)
    assert response.status_code == 405 and response.headers["allow"] == "POST"


@pytest.mark.parametrize("version", [None, "2025-06-18", MODERN])
def test_a_notification_is_accepted_with_no_body(server: LocalToolServer, version: str | None) -> None:
    headers = {"mcp-protocol-version": version} if version else {}
    response = _post(server, {"jsonrpc": "2.0", "method": "notifications/initialized"}, **headers)
    assert response.status_code == 202 and response.content == b""


def test_an_unsupported_protocol_version_header_is_400_naming_ours(server: LocalToolServer) -> None:
    body = _error(
        _post(server, {"jsonrpc": "2.0", "id": 3, "method": "ping"}, **{"mcp-protocol-version": "1.0"}), 400, -32022
    )
    assert body["id"] == 3
    assert body["error"]["data"] == {
        "supported": ["2025-03-26", "2025-06-18", "2025-11-25", MODERN],
        "requested": "1.0",
    }


# ---------------------------------------------------------------------- JSON-RPC errors


@pytest.mark.parametrize("raw", ["{not json", "", "[1,", '{"jsonrpc": "2.0", "id": 1, "method": "ping"'])
def test_malformed_json_is_a_parse_error(server: LocalToolServer, raw: str) -> None:
    assert _error(_post(server, raw), 400, -32700)["id"] is None


@pytest.mark.parametrize(
    ("message", "echoed"),
    [
        ({"jsonrpc": "1.0", "id": 1, "method": "ping"}, 1),
        ({"id": 1, "method": "ping"}, 1),
        ({"jsonrpc": "2.0", "id": None, "method": "ping"}, None),
        ({"jsonrpc": "2.0", "id": True, "method": "ping"}, None),
        ({"jsonrpc": "2.0", "id": 1.5, "method": "ping"}, None),
        ({"jsonrpc": "2.0", "id": 1}, 1),
        ({"jsonrpc": "2.0", "id": 1, "method": 42}, 1),
        ({"jsonrpc": "2.0", "method": "tools/list"}, None),  # a request without its id
        ({"jsonrpc": "2.0", "id": 1, "result": {}}, 1),  # a response is not for the server
        ('"just a string"', None),
        (42, None),
    ],
)
def test_an_invalid_request_is_named_so(server: LocalToolServer, message: Any, echoed: Any) -> None:
    assert _error(_post(server, message), 400, -32600)["id"] == echoed


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ({"jsonrpc": "2.0", "id": 4, "method": "tools/list", "params": [1, 2]}, "params"),
        ({"jsonrpc": "2.0", "id": 4, "method": "tools/list", "params": {"cursor": "page-2"}}, "cursor"),
        ({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {}}, "name"),
        ({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "nope_tool"}}, "nope_tool"),
        (
            {
                "jsonrpc": "2.0",
                "id": 4,
                "method": "tools/call",
                "params": {"name": "fullstory_get_segment", "arguments": [1]},
            },
            "arguments",
        ),
        ({"jsonrpc": "2.0", "id": 4, "method": "initialize", "params": {"capabilities": {}}}, "protocolVersion"),
    ],
)
def test_bad_params_are_invalid_params(server: LocalToolServer, message: dict[str, Any], named: str) -> None:
    response = _post(server, message, **{"mcp-protocol-version": "2025-11-25"})
    body = _error(response, 200, -32602)  # an answer to a request: JSON-RPC's error, in a 200
    assert body["id"] == 4 and named in body["error"]["message"]


def test_an_unknown_method_is_method_not_found(server: LocalToolServer) -> None:
    for method in ("resources/list", "prompts/list", "tools/delete", "server/discover"):
        assert _error(_post(server, {"jsonrpc": "2.0", "id": 5, "method": method}), 200, -32601)["id"] == 5


def test_batches_only_at_2025_03_26(server: LocalToolServer) -> None:
    batch = [{"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"jsonrpc": "2.0", "method": "notifications/initialized"},
             {"jsonrpc": "2.0", "id": 2, "method": "nope"}]  # fmt: skip
    answers = _post(server, batch).json()  # no header: 2025-03-26
    assert [answer["id"] for answer in answers] == [1, 2]
    assert answers[0]["result"] == {} and answers[1]["error"]["code"] == -32601
    _error(_post(server, batch, **{"mcp-protocol-version": "2025-06-18"}), 400, -32600)
    assert _post(server, [{"jsonrpc": "2.0", "method": "notifications/initialized"}]).status_code == 202


def test_a_body_too_large_is_refused_before_it_is_read(server: LocalToolServer) -> None:
    huge = json.dumps({**INITIALIZE, "params": {**INITIALIZE["params"], "pad": "x" * 300_000}})
    _error(_post(server, huge), 413, -32600)


# ---------------------------------------------------------------------- 2026-07-28


def test_modern_requests_carry_their_envelope(server: LocalToolServer) -> None:
    listed = _post(server, _modern("tools/list"), **_modern_headers("tools/list")).json()["result"]
    assert listed["resultType"] == "complete" and listed["tools"] and "nextCursor" not in listed
    assert listed["_meta"]["io.modelcontextprotocol/serverInfo"]["name"]
    discovered = _post(server, _modern("server/discover"), **_modern_headers("server/discover")).json()["result"]
    assert MODERN in discovered["supportedVersions"] and discovered["capabilities"]["tools"] is not None


@pytest.mark.parametrize(
    ("message", "headers", "status", "code"),
    [
        ({"jsonrpc": "2.0", "id": 7, "method": "tools/list"}, _modern_headers("tools/list"), 400, -32602),
        (_modern("tools/list"), _modern_headers("tools/call"), 400, -32020),
        (_modern("tools/list"), {"mcp-protocol-version": MODERN}, 400, -32020),
        (
            _modern("tools/call", {"name": "fullstory_get_segment"}),
            _modern_headers("tools/call", **{"mcp-name": "fullstory_list_segments"}),
            400,
            -32020,
        ),
        (
            _modern("tools/list", **{"io.modelcontextprotocol/protocolVersion": "2025-11-25"}),
            _modern_headers("tools/list"),
            400,
            -32020,
        ),
        (_modern("ping"), _modern_headers("ping"), 404, -32601),  # gone at 2026-07-28
        (_modern("initialize"), _modern_headers("initialize"), 404, -32601),
    ],
)
def test_modern_envelope_errors(
    server: LocalToolServer, message: dict[str, Any], headers: dict[str, str], status: int, code: int
) -> None:
    assert _error(_post(server, message, **headers), status, code)["id"] == 7


# ---------------------------------------------------------------------- auth and origin


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer"])
def test_without_the_token_it_is_401_with_www_authenticate(server: LocalToolServer, authorization: str | None) -> None:
    headers = {"content-type": "application/json", **({"authorization": authorization} if authorization else {})}
    response = requests.post(f"{server.base_url}/mcp", json=INITIALIZE, headers=headers, timeout=30)
    _error(response, 401, -32011)
    assert response.headers["www-authenticate"] == "Bearer"
    assert TOKEN not in response.text


def test_make_run_allows_any_browser_origin_by_default(server: LocalToolServer) -> None:
    # As its CORS does (CORS_ALLOWED_ORIGINS unset: *), so the MCP Inspector's direct mode works locally.
    response = _post(server, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, origin="http://localhost:6274")
    assert response.status_code == 200 and response.headers["access-control-allow-origin"]
