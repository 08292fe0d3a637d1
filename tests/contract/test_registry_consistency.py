"""One source of truth: the tool registry. Template, functions/, events/ and discovery must agree with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.template import functions, load_template
from opal_tools.adapter import parse_body, validate
from tools.registry import TOOLS, TOOLS_BY_NAME

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FUNCTIONS = functions(load_template())


def _routes() -> dict[tuple[str, str], str]:
    return {(r.method, r.path): f.code_dir.name for f in TEMPLATE_FUNCTIONS for r in f.routes}


def test_every_tool_has_exactly_one_function_route_and_event() -> None:
    routes = _routes()
    for tool in TOOLS:
        matching = [f for f in TEMPLATE_FUNCTIONS if f.code_dir.name == tool.name]
        assert len(matching) == 1, tool.name
        assert [(r.method, r.path) for r in matching[0].routes] == [("POST", f"/tools/{tool.name}")]
        assert routes[("POST", f"/tools/{tool.name}")] == tool.name
        assert (ROOT / "functions" / tool.name / "app.py").is_file()
        assert (ROOT / "events" / f"{tool.name}.json").is_file()


def test_no_function_outside_the_registry() -> None:
    in_template = {f.code_dir.name for f in TEMPLATE_FUNCTIONS if f.code_dir.parent == ROOT / "functions"}
    on_disk = {p.name for p in (ROOT / "functions").iterdir() if p.is_dir() and not p.name.startswith("_")}
    # Besides the tools: discovery, every tool over MCP (mcp_server), and the summary worker (no route;
    # the AI tools invoke it).
    allowed = set(TOOLS_BY_NAME) | {"discovery", "mcp", "summary_worker"}
    assert in_template == allowed
    assert not next(f for f in TEMPLATE_FUNCTIONS if f.code_dir.name == "summary_worker").routes
    assert on_disk - {"__pycache__"} == allowed
    # Every other function is a task of a workflow (workflow/<task>/), never an Opal tool.
    others = [f for f in TEMPLATE_FUNCTIONS if f.code_dir.parent != ROOT / "functions"]
    assert all(f.code_dir.parent == ROOT / "workflow" and not f.routes for f in others)


def _state_machine_functions() -> set[str]:
    """Logical ids of the functions the template's state machines call (DefinitionSubstitutions)."""
    template = load_template()
    called: set[str] = set()
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::StateMachine":
            for value in (resource["Properties"].get("DefinitionSubstitutions") or {}).values():
                if isinstance(value, dict) and "Fn::GetAtt" in value:
                    called.add(value["Fn::GetAtt"][0])
    return called


def test_workflow_tasks_are_exactly_what_the_state_machines_call() -> None:
    tasks = {f.logical_id: f.code_dir.name for f in TEMPLATE_FUNCTIONS if f.code_dir.parent == ROOT / "workflow"}
    on_disk = {p.name for p in (ROOT / "workflow").iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert set(tasks) == _state_machine_functions()
    assert set(tasks.values()) == on_disk - {"__pycache__"}
    for name in tasks.values():
        assert (ROOT / "workflow" / name / "app.py").is_file()
        assert (ROOT / "events" / "workflow" / f"{name}.json").is_file(), f"sample input for {name}"


def test_discovery_is_public_get() -> None:
    # HTTP API routes cannot end in "/"; register the URL without one (Opal resolves tools beside it).
    assert _routes()[("GET", "/discovery")] == "discovery"


def _event(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_sample_events_are_valid_tool_calls(tool: str) -> None:
    event = _event(ROOT / "events" / f"{tool}.json")
    assert event["version"] == "2.0"
    assert event["routeKey"] == f"POST /tools/{tool}"
    assert event["rawPath"] == f"/tools/{tool}"
    assert event["headers"]["authorization"].startswith("Bearer ")
    validate(TOOLS_BY_NAME[tool], parse_body(event))


def test_no_stray_events() -> None:
    names = {p.stem for p in (ROOT / "events").glob("*.json")}
    assert names <= set(TOOLS_BY_NAME) | {"discovery", "openapi"}
    workflow_events = {p.stem for p in (ROOT / "events" / "workflow").glob("*.json")}
    tasks = {f.code_dir.name for f in TEMPLATE_FUNCTIONS if f.code_dir.parent == ROOT / "workflow"}
    # Plus the workflow's own input, for StartExecution.
    assert workflow_events <= tasks | {"export_segment_input"}


def test_every_discovery_route_has_a_sample_event() -> None:
    # `sam local invoke DiscoveryFunction -e events/<name>.json`, one per route it serves.
    [discovery] = [f for f in TEMPLATE_FUNCTIONS if f.code_dir.name == "discovery"]
    events = [_event(path) for path in (ROOT / "events").glob("*.json")]
    samples = {(event["requestContext"]["http"]["method"], event["rawPath"]) for event in events}
    assert {(r.method, r.path) for r in discovery.routes} <= samples


def test_workflow_sample_inputs_are_valid_requests() -> None:
    from tools.export_request import CreateSegmentExportParams

    for name in ("export_create", "export_deliver", "export_segment_input"):
        event = _event(ROOT / "events" / "workflow" / f"{name}.json")
        CreateSegmentExportParams.model_validate(event["request"])
