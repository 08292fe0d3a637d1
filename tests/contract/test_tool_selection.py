"""Tool selection is a runtime matter: EnabledTools changes what is published, never what is deployed.

The template is SAM-transformed (samtranslator, as `sam deploy` does), then its Conditions are
evaluated for a parameter value and Fn::If decided (tests/contract/conditions.py), which is what
CloudFormation would create: every tool's function, route and log group, and the export workflow,
whatever the selection. Discovery and the tools read the selection at runtime
(tests/integration/test_tool_selection.py); the parameter's pattern names exactly the registry's
groups and tools, so a typo still fails the deploy.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from tests.contract.conditions import deployed
from tests.contract.test_template import RAW, RAW_RESOURCES, SUB_VARIABLE, TOOLS, translate
from tools.registry import GROUPS
from tools.registry import TOOLS as CATALOG

DISCOVERY_ROUTES = {"GET /discovery", "GET /openapi.json"}
MCP_ROUTES = {"POST /mcp", "GET /mcp", "DELETE /mcp"}  # every tool over MCP, whatever the selection
WORKFLOW_FUNCTIONS = {
    logical_id
    for logical_id, resource in RAW_RESOURCES.items()
    if resource["Type"] == "AWS::Serverless::Function" and resource["Properties"]["CodeUri"].startswith("workflow/")
}
PSEUDO = {"AWS::StackName", "AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix", "AWS::NoValue"}
SELECTIONS = [
    "all",
    "segments,fullstory_list_sessions",
    "ai",
    "exports",
    "fullstory_create_segment_export",
    "fullstory_get_export_status,sessions",
    "fullstory_visit_profile",
]


@cache
def _translated() -> dict[str, Any]:
    return translate()


def _deployed(enabled_tools: str, **parameters: str) -> dict[str, Any]:
    refs = {name: str(spec.get("Default", "")) for name, spec in RAW["Parameters"].items()}
    refs.update(EnabledTools=enabled_tools, **parameters)
    return deployed(_translated(), refs)


def _of_type(template: dict[str, Any], type_: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _routes(template: dict[str, Any]) -> set[str]:
    [api] = _of_type(template, "AWS::ApiGatewayV2::Api").values()
    paths: dict[str, Any] = api["Properties"]["Body"]["paths"]
    return {f"{method.upper()} {path}" for path, item in paths.items() for method in item}


# ---------------------------------------------------------------------- the parameter


def test_allowed_pattern_names_exactly_the_catalog_groups_and_tools() -> None:
    pattern = RAW["Parameters"]["EnabledTools"]["AllowedPattern"]
    assert RAW["Parameters"]["EnabledTools"]["Default"] == "all"
    names = re.fullmatch(r"\^\(all\|\(\(([a-z_|]+)\)\(,\|\$\)\)\+\)\$", pattern)
    assert names, pattern
    listed = set(names.group(1).split("|"))
    assert listed == set(GROUPS) | {spec.name for spec in CATALOG}
    for good in ["all", *GROUPS, *(spec.name for spec in CATALOG), "segments,fullstory_list_sessions", "ai,exports"]:
        assert re.fullmatch(pattern, good), good
    for bad in ["", "session", "segments, ai", "all,segments", "Segments", "fullstory_list_segment", "segmentsai"]:
        assert not re.fullmatch(pattern, bad), bad


def test_functions_read_the_selection_from_the_parameter() -> None:
    variables = RAW["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["ENABLED_TOOLS"] == {"Ref": "EnabledTools"}


# ---------------------------------------------------------------------- what each selection deploys


def test_no_condition_decides_on_tools() -> None:
    # The remaining Conditions are about operations, none about which tools exist.
    operational = {name for name in RAW["Conditions"] if not name.startswith("ToolMemoryAtLeast")}  # a size
    assert operational == {
        "HasReservedConcurrency",
        "AccessLogsEnabled",
        "HasAlarmEmail",
        "HasCorsOrigins",
        "HasActivationBudget",
    }
    assert "EnabledTools" not in str(RAW["Conditions"])
    for logical_id in [*TOOLS, "ExportBucket", "ExportStateMachine", *WORKFLOW_FUNCTIONS]:
        assert "Condition" not in RAW_RESOURCES[logical_id], logical_id


@pytest.mark.parametrize("enabled_tools", SELECTIONS)
def test_every_tool_is_deployed_and_routed_whatever_the_selection(enabled_tools: str) -> None:
    template = _deployed(enabled_tools)
    functions = set(_of_type(template, "AWS::Lambda::Function"))
    assert {tool for logical_id, tool in TOOLS.items() if logical_id in functions} == {s.name for s in CATALOG}
    assert "DiscoveryFunction" in functions
    assert _routes(template) == DISCOVERY_ROUTES | MCP_ROUTES | {f"POST /tools/{spec.name}" for spec in CATALOG}
    # Each tool keeps its role, its API permission and its log group.
    for logical_id in TOOLS:
        assert f"{logical_id}Role" in template["Resources"], logical_id
        assert f"{logical_id}ToolPermission" in template["Resources"], logical_id
        log_group = logical_id.removesuffix("Function") + "LogGroup"
        assert log_group in template["Resources"], log_group


@pytest.mark.parametrize("enabled_tools", SELECTIONS)
def test_the_export_workflow_is_deployed_whatever_the_selection(enabled_tools: str) -> None:
    template = _deployed(enabled_tools)
    resources = template["Resources"]
    for logical_id in ["ExportBucket", "ExportBucketPolicy", "ExportStateMachine", *WORKFLOW_FUNCTIONS]:
        assert logical_id in resources, logical_id
    assert "ExportWorkflowFailuresAlarm" in resources
    assert {"ExportStateMachineArn", "ExportBucketName"} <= set(template["Outputs"])
    widgets = str(resources["OperationsDashboard"]["Properties"]["DashboardBody"])
    assert "Export workflow runs" in widgets


def _references(value: Any) -> set[str]:
    """Every logical id or parameter that a deployed value refers to."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref":
                found.add(str(item))
            elif key == "Fn::GetAtt":
                found.add(str(item[0] if isinstance(item, list) else item.split(".")[0]))
            elif key == "Fn::Sub":
                text, local = (item[0], item[1]) if isinstance(item, list) else (item, {})
                found |= {name.split(".")[0] for name in SUB_VARIABLE.findall(text) if name not in local}
                found |= _references(local)
            elif key == "DependsOn":
                found |= {str(d) for d in (item if isinstance(item, list) else [item])}
            else:
                found |= _references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


@pytest.mark.parametrize("enabled_tools", SELECTIONS)
def test_no_deployed_resource_refers_to_one_that_is_not(enabled_tools: str) -> None:
    # CloudFormation rejects a template whose resources point at resources their conditions removed.
    template = _deployed(enabled_tools)
    known = set(template["Resources"]) | set(RAW["Parameters"]) | PSEUDO
    for section in ("Resources", "Outputs"):
        for name, value in template[section].items():
            dangling = _references(value) - known
            assert not dangling, f"{name} refers to {dangling} with EnabledTools={enabled_tools}"


def test_neither_ai_analysis_off_nor_the_selection_undeploys_the_ai_tools() -> None:
    # EnableAiAnalysis=false keeps the AI functions (they answer "disabled"), and so does EnabledTools.
    ai = {spec.name for spec in CATALOG if spec.ai}
    for enabled_tools, ai_on in (("all", "false"), ("segments,exports,sessions", "true")):
        template = _deployed(enabled_tools, EnableAiAnalysis=ai_on)
        functions = set(_of_type(template, "AWS::Lambda::Function"))
        assert {TOOLS[f] for f in functions if f in TOOLS} >= ai
