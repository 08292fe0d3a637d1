"""tools/list is Opal's discovery in MCP's words: the same tools, descriptions and parameters, JSON
Schemas a validator accepts, and results the protocol's own wire types (mcp-types) accept at each revision."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import mcp_types
import mcp_types.version
import pytest
import requests
from mcp_types import methods

from local.server import LocalToolServer
from mcp_server import protocol
from tests.mcp.conftest import ALL_VERSIONS, HANDSHAKE_VERSIONS, MODERN_VERSION, TOKEN
from tools.registry import TOOLS, TOOLS_BY_NAME

AUTH = {"authorization": f"Bearer {TOKEN}"}
READ_WRITE = {"fullstory_create_segment_export", "fullstory_export_segment"}  # they start exports


def _rpc(server: LocalToolServer, version: str, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method, "params": dict(params or {})}
    headers = {**AUTH, "mcp-protocol-version": version}
    if version == MODERN_VERSION:
        body["params"]["_meta"] = {
            mcp_types.PROTOCOL_VERSION_META_KEY: version,
            mcp_types.CLIENT_CAPABILITIES_META_KEY: {},
        }
        headers |= {"mcp-method": method, **({"mcp-name": body["params"]["name"]} if "name" in body["params"] else {})}
    response = requests.post(f"{server.base_url}/mcp", json=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


@pytest.fixture(scope="module")
def listings(server: LocalToolServer) -> dict[str, dict[str, Any]]:
    return {version: _rpc(server, version, "tools/list") for version in ALL_VERSIONS}


@pytest.fixture(scope="module")
def discovery(server: LocalToolServer) -> dict[str, dict[str, Any]]:
    document = requests.get(f"{server.base_url}/discovery", timeout=30).json()
    return {function["name"]: function for function in document["functions"]}


def test_the_protocol_constants_are_the_sdks() -> None:
    assert set(protocol.HANDSHAKE_VERSIONS) <= set(mcp_types.version.HANDSHAKE_PROTOCOL_VERSIONS)
    assert protocol.MODERN_VERSIONS == mcp_types.version.MODERN_PROTOCOL_VERSIONS
    assert protocol.LATEST_HANDSHAKE_VERSION == mcp_types.version.LATEST_HANDSHAKE_VERSION
    assert protocol.DEFAULT_VERSION == mcp_types.DEFAULT_NEGOTIATED_VERSION
    assert (protocol.PARSE_ERROR, protocol.INVALID_REQUEST, protocol.METHOD_NOT_FOUND) == (
        mcp_types.PARSE_ERROR,
        mcp_types.INVALID_REQUEST,
        mcp_types.METHOD_NOT_FOUND,
    )
    assert (protocol.INVALID_PARAMS, protocol.INTERNAL_ERROR) == (mcp_types.INVALID_PARAMS, mcp_types.INTERNAL_ERROR)
    assert protocol.HEADER_MISMATCH == mcp_types.HEADER_MISMATCH
    assert protocol.UNSUPPORTED_PROTOCOL_VERSION == mcp_types.UNSUPPORTED_PROTOCOL_VERSION
    assert protocol.META_PROTOCOL_VERSION == mcp_types.PROTOCOL_VERSION_META_KEY
    assert protocol.META_CLIENT_CAPABILITIES == mcp_types.CLIENT_CAPABILITIES_META_KEY
    assert protocol.META_SERVER_INFO == mcp_types.SERVER_INFO_META_KEY
    # Our own codes are in the implementation-defined band, clear of the SDK's own ones.
    ours = {protocol.FORBIDDEN, protocol.UNAUTHORIZED, protocol.UNAVAILABLE}
    assert all(-32019 <= code <= -32000 for code in ours)
    assert not ours & {mcp_types.CONNECTION_CLOSED, mcp_types.REQUEST_TIMEOUT}


def test_mcp_and_discovery_publish_the_same_tools(
    listings: dict[str, dict[str, Any]], discovery: dict[str, dict[str, Any]]
) -> None:
    for version, listing in listings.items():
        assert [tool["name"] for tool in listing["tools"]] == list(discovery), version
        for tool in listing["tools"]:
            opal = discovery[tool["name"]]
            assert tool["description"] == opal["description"]
            schema = tool["inputSchema"]
            assert list(schema["properties"]) == [p["name"] for p in opal["parameters"]]
            assert schema.get("required", []) == [p["name"] for p in opal["parameters"] if p["required"]]
            for parameter in opal["parameters"]:
                mine = schema["properties"][parameter["name"]]
                assert mine["type"] == parameter["type"], (tool["name"], parameter["name"])
                assert mine["description"] == parameter["description"]
                assert mine.get("enum") == parameter["schema"].get("enum")
                for bound in ("minimum", "maximum", "minLength", "maxLength", "pattern"):
                    assert mine.get(bound) == parameter["schema"].get(bound)


@pytest.mark.parametrize("spec", TOOLS, ids=lambda spec: spec.name)
def test_each_input_schema_is_valid_and_says_what_the_tool_takes(
    listings: dict[str, dict[str, Any]], spec: Any
) -> None:
    [tool] = [tool for tool in listings["2025-11-25"]["tools"] if tool["name"] == spec.name]
    schema = tool["inputSchema"]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    if spec.example_parameters:
        jsonschema.validate(json.loads(json.dumps(dict(spec.example_parameters))), schema)
    with pytest.raises(jsonschema.ValidationError):  # a parameter no tool has
        jsonschema.validate({**dict(spec.example_parameters), "notAParameter": 1}, schema)
    for name, field in spec.parameters.model_fields.items():
        default = field.default
        if not field.is_required() and isinstance(default, (int, str, float, bool)) and default not in ("", None):
            assert schema["properties"][field.alias or name]["default"] == default


def test_annotations_say_what_each_tool_does(listings: dict[str, dict[str, Any]]) -> None:
    for tool in listings["2025-11-25"]["tools"]:
        reads = tool["name"] not in READ_WRITE
        assert tool["annotations"] == {
            "title": tool["title"],
            "readOnlyHint": reads,
            "destructiveHint": False,
            "idempotentHint": reads,
            "openWorldHint": True,
        }
        assert tool["title"].startswith("Fullstory: ")
    assert {spec.name for spec in TOOLS if not spec.read_only} == READ_WRITE


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_every_result_is_what_the_revision_defines(server: LocalToolServer, version: str, listings: Any) -> None:
    def exact(method: str, result: dict[str, Any]) -> None:
        # The revision's wire type accepts it and drops nothing: no field it does not define.
        assert methods.serialize_server_result(method, version, result) == result

    exact("tools/list", listings[version])
    call = _rpc(server, version, "tools/call", {"name": "fullstory_get_segment", "arguments": {"id": "everyone"}})
    exact("tools/call", call)
    failed = _rpc(server, version, "tools/call", {"name": "fullstory_get_segment", "arguments": {}})
    exact("tools/call", failed)
    assert failed["isError"] is True
    if version == MODERN_VERSION:
        exact("server/discover", _rpc(server, version, "server/discover"))
    else:
        offer = {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
        initialized = _rpc(server, version, "initialize", offer)
        exact("initialize", initialized)
        assert initialized["protocolVersion"] == version
        exact("ping", _rpc(server, version, "ping"))


def test_2025_03_26_gets_only_what_it_defines(listings: dict[str, dict[str, Any]], server: LocalToolServer) -> None:
    # Tool titles, output schemas and structuredContent came with 2025-06-18.
    assert all("title" not in tool and "outputSchema" not in tool for tool in listings["2025-03-26"]["tools"])
    assert all("title" in tool and "outputSchema" in tool for tool in listings["2025-06-18"]["tools"])
    call = _rpc(server, "2025-03-26", "tools/call", {"name": "fullstory_get_segment", "arguments": {"id": "everyone"}})
    assert "structuredContent" not in call and json.loads(call["content"][0]["text"])["segment"]["id"] == "everyone"


def test_the_export_tools_are_listed_with_what_mcp_can_do(listings: dict[str, dict[str, Any]]) -> None:
    # MCP has no Opal callback: the export's description already says to follow it with the status tool.
    [export] = [
        tool for tool in listings[HANDSHAKE_VERSIONS[-1]]["tools"] if tool["name"] == "fullstory_export_segment"
    ]
    assert "fullstory_get_export_status" in export["description"]
    assert TOOLS_BY_NAME["fullstory_export_segment"].mode == "async"


def test_the_stack_says_where_mcp_is() -> None:
    from tests.contract.test_template import API_ID, RAW

    url = RAW["Outputs"]["McpUrl"]["Value"]["Fn::Sub"]
    assert url == f"https://${{{API_ID}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/mcp"
    routes = RAW["Resources"]["McpFunction"]["Properties"]["Events"]
    assert {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in routes.values()} == {
        ("POST", "/mcp"),
        ("GET", "/mcp"),
        ("DELETE", "/mcp"),
    }
