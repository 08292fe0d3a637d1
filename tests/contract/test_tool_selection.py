"""Tool selection in the template: EnabledTools decides which functions, routes and workflow are deployed.

The template is SAM-transformed (samtranslator, as `sam deploy` does), then its Conditions are
evaluated for a parameter value and Fn::If decided (local/conditions.py), which is what
CloudFormation would create. What that should be comes from the catalog (each tool's group and
name), so the template, the catalog and the discovery filter cannot drift apart.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from catalog import TOOLS as CATALOG
from local.conditions import deployed
from opal_tools.selection import GROUPS, is_selected, parse_selection
from tests.contract.test_template import RAW, RAW_RESOURCES, SUB_VARIABLE, TOOLS, translate

DISCOVERY_ROUTES = {"GET /discovery", "GET /openapi.json"}
WORKFLOW_TOOLS = {"fullstory_export_segment", "fullstory_get_export_status"}
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


def _expected_tools(enabled_tools: str) -> set[str]:
    selection = parse_selection(enabled_tools)
    return {spec.name for spec in CATALOG if is_selected(spec, selection)}


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


@pytest.mark.parametrize("enabled_tools", SELECTIONS)
def test_only_selected_tools_are_deployed_and_routed(enabled_tools: str) -> None:
    template = _deployed(enabled_tools)
    expected = _expected_tools(enabled_tools)
    functions = set(_of_type(template, "AWS::Lambda::Function"))
    deployed_tools = {tool for logical_id, tool in TOOLS.items() if logical_id in functions}
    assert deployed_tools == expected
    assert "DiscoveryFunction" in functions
    assert _routes(template) == DISCOVERY_ROUTES | {f"POST /tools/{tool}" for tool in expected}
    # Each deployed tool keeps its role, its API permission and its log group; nothing is left of the others.
    for logical_id in TOOLS:
        present = logical_id in functions
        assert (f"{logical_id}Role" in template["Resources"]) is present, logical_id
        assert (f"{logical_id}ToolPermission" in template["Resources"]) is present, logical_id
        log_group = logical_id.removesuffix("Function") + "LogGroup"
        assert (log_group in template["Resources"]) is present, log_group


@pytest.mark.parametrize("enabled_tools", SELECTIONS)
def test_the_export_workflow_comes_with_the_tools_that_use_it(enabled_tools: str) -> None:
    template = _deployed(enabled_tools)
    wanted = bool(_expected_tools(enabled_tools) & WORKFLOW_TOOLS)
    resources = template["Resources"]
    for logical_id in ["ExportBucket", "ExportBucketPolicy", "ExportStateMachine", *WORKFLOW_FUNCTIONS]:
        assert (logical_id in resources) is wanted, logical_id
    assert ("ExportWorkflowFailuresAlarm" in resources) is wanted
    assert ("ExportStateMachineArn" in template["Outputs"]) is wanted
    assert ("ExportBucketName" in template["Outputs"]) is wanted
    widgets = str(resources["OperationsDashboard"]["Properties"]["DashboardBody"])
    assert ("Export workflow runs" in widgets) is wanted


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


def test_ai_analysis_off_hides_but_does_not_undeploy() -> None:
    # EnableAiAnalysis=false keeps the AI functions (they answer "disabled"); EnabledTools removes them.
    ai = {spec.name for spec in CATALOG if spec.ai}
    with_ai_off = _deployed("all", EnableAiAnalysis="false")
    functions = set(_of_type(with_ai_off, "AWS::Lambda::Function"))
    assert {TOOLS[f] for f in functions if f in TOOLS} >= ai
    without_ai = _deployed("segments,exports,sessions", EnableAiAnalysis="true")
    functions = set(_of_type(without_ai, "AWS::Lambda::Function"))
    assert not {TOOLS[f] for f in functions if f in TOOLS} & ai
