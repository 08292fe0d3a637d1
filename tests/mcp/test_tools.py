"""A realistic call of every tool over MCP with the official client: the same answers as the Opal
endpoint, structuredContent valid against the listed outputSchema, failures as isError results."""

from __future__ import annotations

import json
import time
from typing import Any

import jsonschema
import pytest
from mcp.client.session import ClientSession

from local.server import LocalToolServer
from opal_tools.spec import ToolSpec
from tests.mcp.conftest import TOKEN, connected, run
from tools.registry import TOOLS, TOOLS_BY_NAME

VERSION = "2025-11-25"
# Tools whose sample parameters name what an earlier call returns: they are called after it.
CHAINED = {"fullstory_get_operation_status", "fullstory_get_search_export_results", "fullstory_get_export_status"}


async def _call(session: ClientSession, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The tool's answer, after checking the result's shape: one text block holding the same JSON."""
    result = await session.call_tool(name, arguments)
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    [block] = result.content
    assert block.type == "text" and json.loads(block.text) == result.structured_content
    return result.structured_content


async def _completed_operation(session: ClientSession, operation_id: str) -> dict[str, Any]:
    for _ in range(120):  # the simulator finishes an export in seconds
        status = await _call(session, "fullstory_get_operation_status", {"operationId": operation_id})
        if status["state"] != "PENDING":
            return status
        time.sleep(0.25)
    raise AssertionError(f"export {operation_id} never finished")


def _arguments(spec: ToolSpec, answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The tool's sample parameters; a session tool analyses the user's session that list_sessions found."""
    arguments = dict(spec.example_parameters)
    if "sessionId" in arguments:
        arguments["sessionId"] = answers["fullstory_list_sessions"]["sessions"][0]["sessionId"]
    return arguments


def test_every_tool_answers_over_mcp_and_matches_its_output_schema(server: LocalToolServer) -> None:
    answers: dict[str, dict[str, Any]] = {}

    async def scenario() -> None:
        async with connected(f"{server.base_url}/mcp", VERSION) as session:
            listed = {tool.name: tool for tool in (await session.list_tools()).tools}
            for spec in TOOLS:
                if spec.name not in CHAINED:
                    answers[spec.name] = await _call(session, spec.name, _arguments(spec, answers))
            operation_id = answers["fullstory_create_segment_export"]["operationId"]
            done = answers["fullstory_get_operation_status"] = await _completed_operation(session, operation_id)
            assert done["state"] == "COMPLETED", done
            answers["fullstory_get_search_export_results"] = await _call(
                session, "fullstory_get_search_export_results", {"id": done["searchExportId"]}
            )
            execution_id = answers["fullstory_export_segment"]["executionId"]
            answers["fullstory_get_export_status"] = await _call(
                session, "fullstory_get_export_status", {"executionId": execution_id}
            )
            for name, answer in answers.items():
                jsonschema.validate(answer, listed[name].output_schema or {})

    run(scenario)
    assert set(answers) == set(TOOLS_BY_NAME)
    assert answers["fullstory_get_segment"]["segment"]["id"] == "everyone"
    assert answers["fullstory_get_search_export_results"]["downloadUrl"].startswith("http")
    assert answers["fullstory_get_export_status"]["executionId"] == answers["fullstory_export_segment"]["executionId"]


def test_the_export_starts_the_workflow_and_says_how_to_follow_it(server: LocalToolServer) -> None:
    spec = TOOLS_BY_NAME["fullstory_export_segment"]

    async def scenario() -> dict[str, Any]:
        async with connected(f"{server.base_url}/mcp", VERSION) as session:
            return await _call(session, spec.name, dict(spec.example_parameters))

    first, second = run(scenario), run(scenario)
    assert first["status"] == "accepted" and first["runStatus"] == "RUNNING"
    assert "fullstory_get_export_status" in first["message"] and first["executionId"] in first["message"]
    assert first["executionId"] != second["executionId"]  # no Opal tool_call_id: each call is its own export
    import boto3

    arn = server.deployed.state_machines["ExportStateMachine"]
    runs = boto3.client("stepfunctions").list_executions(stateMachineArn=arn)["executions"]
    assert {first["executionId"], second["executionId"]} <= {execution["name"] for execution in runs}


def test_an_mcp_call_is_the_opal_call(server: LocalToolServer) -> None:
    """The same logic: the Opal endpoint and tools/call answer the same JSON for the same parameters."""
    import requests

    spec = TOOLS_BY_NAME["fullstory_list_sessions"]
    opal = requests.post(
        f"{server.base_url}{spec.endpoint}",
        json={"parameters": dict(spec.example_parameters)},
        headers={"authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert opal.status_code == 200

    async def scenario() -> dict[str, Any]:
        async with connected(f"{server.base_url}/mcp", VERSION) as session:
            return await _call(session, spec.name, dict(spec.example_parameters))

    assert run(scenario) == opal.json()


@pytest.mark.parametrize(
    ("name", "arguments", "named"),
    [
        ("fullstory_get_segment", {}, "id"),
        ("fullstory_list_segments", {"limit": 1000}, "limit"),
        ("fullstory_list_sessions", {"email": "not-an-email"}, "email"),
        ("fullstory_create_segment_export", {"segmentId": "everyone", "type": "TYPE_NOPE"}, "type"),
        ("fullstory_get_segment", {"id": "everyone", "colour": "red"}, "colour"),
    ],
)
def test_bad_parameters_are_error_results_naming_the_parameter(
    server: LocalToolServer, name: str, arguments: dict[str, Any], named: str
) -> None:
    async def scenario() -> Any:
        async with connected(f"{server.base_url}/mcp", VERSION) as session:
            return await session.call_tool(name, arguments)

    result = run(scenario)
    assert result.is_error
    assert named in result.content[0].text and "Invalid parameters" in result.content[0].text
    problem = result.structured_content
    assert problem["error_code"] == "INVALID_PARAMETERS"
    assert named in [error["parameter"] for error in problem["errors"]]


def test_a_fullstory_failure_is_an_error_result_naming_the_cause(server: LocalToolServer) -> None:
    async def scenario() -> Any:
        async with connected(f"{server.base_url}/mcp", VERSION) as session:
            return await session.call_tool("fullstory_get_segment", {"id": "no-such-segment-anywhere"})

    result = run(scenario)
    assert result.is_error
    assert result.structured_content["status"] == 404
    assert "no-such-segment-anywhere" in result.content[0].text
