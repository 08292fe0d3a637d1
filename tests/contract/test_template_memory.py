"""ToolMemorySize: one template parameter for the functions' memory, a tool's own memory_mb kept as
its minimum (evaluated here for every allowed size, as CloudFormation would)."""

from __future__ import annotations

from typing import Any

import pytest

from local.template import functions, load_template
from scripts.generate import MEMORY_SIZES_MB, logical_id
from tools.registry import TOOLS

TEMPLATE = load_template()
PARAMETER = TEMPLATE["Parameters"]["ToolMemorySize"]


def _value(node: Any, size: int) -> Any:
    """The intrinsics ToolMemorySize's conditions use, for ToolMemorySize = ``size``."""
    if isinstance(node, dict) and "Ref" in node:
        assert node["Ref"] == "ToolMemorySize"
        return str(size)
    if isinstance(node, dict) and "Fn::Equals" in node:
        left, right = (_value(side, size) for side in node["Fn::Equals"])
        return str(left) == str(right)
    if isinstance(node, dict) and "Fn::Or" in node:
        assert 2 <= len(node["Fn::Or"]) <= 10  # CloudFormation's limits for Fn::Or
        return any(_value(test, size) for test in node["Fn::Or"])
    if isinstance(node, dict) and "Fn::Not" in node:
        return not _value(node["Fn::Not"][0], size)
    if isinstance(node, dict) and "Fn::If" in node:
        condition, then, otherwise = node["Fn::If"]
        return _value(then if _value(TEMPLATE["Conditions"][condition], size) else otherwise, size)
    return node


def test_the_parameter_keeps_todays_size_and_offers_the_generators_sizes() -> None:
    assert PARAMETER["Type"] == "Number" and PARAMETER["Default"] == 512
    assert tuple(PARAMETER["AllowedValues"]) == MEMORY_SIZES_MB
    assert "Power Tuning" in PARAMETER["Description"]
    assert TEMPLATE["Globals"]["Function"]["MemorySize"] == {"Ref": "ToolMemorySize"}


@pytest.mark.parametrize("size", MEMORY_SIZES_MB)
def test_every_tool_gets_the_size_or_its_own_minimum(size: int) -> None:
    for spec in TOOLS:
        props = TEMPLATE["Resources"][f"{logical_id(spec)}Function"]["Properties"]
        memory = props.get("MemorySize", TEMPLATE["Globals"]["Function"]["MemorySize"])
        assert int(_value(memory, size)) == max(size, spec.memory_mb or 0), spec.name


def test_a_tool_minimum_is_meaningful_today() -> None:
    # Without it the AI visit profile (fan-out over summaries) would get the 512 MB default.
    assert any(spec.memory_mb and spec.memory_mb > PARAMETER["Default"] for spec in TOOLS)


def test_the_local_server_reports_the_deployed_default_sizes() -> None:
    sizes = {definition.logical_id: definition.memory_mb for definition in functions(TEMPLATE)}
    for spec in TOOLS:
        assert sizes[f"{logical_id(spec)}Function"] == max(512, spec.memory_mb or 0)
