"""Packages by role, imports only downward: the Fullstory client knows no AWS and no Opal, the Opal kit
knows no Fullstory, a tool's function loads only its own tool, and discovery loads no HTTP client.

The package rules are read from the source (module-level imports, with ``ast``; imports inside
functions are lazy and ``if TYPE_CHECKING:`` ones never run); what a function really loads is
observed in a fresh interpreter (``sys.modules`` after importing it as Lambda does).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tools.registry import TOOLS

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "fullstory"
OURS = {path.parent.name for path in LAYER.glob("*/__init__.py")}
AWS = {"boto3", "botocore", "aws_lambda_powertools", "platform_kit"}
# What each package of the layer may not import (directly or through another of ours).
FORBIDDEN = {
    "fullstory_client": AWS | {"opal_tools", "tools", "segment_exports", "summary_store", "mcp_server"},
    "opal_tools": {"fullstory_client", "tools", "segment_exports", "summary_store", "boto3", "mcp_server"},
    "platform_kit": {"opal_tools", "tools", "segment_exports", "summary_store", "mcp_server"},
    "segment_exports": {"opal_tools", "tools", "summary_store", "mcp_server"},
    # The cache's table and counters only: given a DynamoDB client, knowing no Fullstory and no Opal.
    "summary_store": AWS | {"fullstory_client", "opal_tools", "tools", "segment_exports", "mcp_server"},
    "tools": {"mcp_server"},
    # The MCP surface on top of everything, but it loads the tools per message (inside its functions).
    "mcp_server": {"tools", "fullstory_client", "segment_exports", "summary_store", "boto3"},
}


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            pending.extend([*node.body, *node.orelse])
        elif isinstance(node, ast.Try):
            pending.extend([*node.body, *node.orelse, *node.finalbody])
    return found


def _module_file(name: str) -> Path | None:
    base = LAYER.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(path: Path, package: str) -> set[str]:
    """The modules ``path`` imports when it is imported (ours by module, others by top-level name)."""
    names: set[str] = set()
    for node in _module_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:  # relative: from the importing module's package
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parts, *([base] if base else [])])
        names.add(base)
        names.update(f"{base}.{alias.name}" for alias in node.names if _module_file(f"{base}.{alias.name}"))
    return {name for name in names if name.split(".")[0] not in OURS or _module_file(name)}


@cache
def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in LAYER.glob("*/**/*.py"):
        parts = path.relative_to(LAYER).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = name if parts[-1] == "__init__" else ".".join(parts[:-1])
        graph[name] = _imported(path, package)
    return graph


def _closure(start: set[str]) -> set[str]:
    """Every module importing ``start`` imports, ours followed through (a package's __init__ included)."""
    graph, seen, pending = _graph(), set(), list(start)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        parents = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        pending.extend(parent for parent in parents if parent in graph)
        pending.extend(graph.get(name, ()))
    return seen


def _tops(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_each_package_imports_only_downward(package: str) -> None:
    assert set(FORBIDDEN) == OURS, "a new package of the layer needs its rule here"
    modules = {name for name in _graph() if name.split(".")[0] == package}
    reached = _tops(_closure(modules))
    assert reached & FORBIDDEN[package] == set(), f"{package} reaches {sorted(reached & FORBIDDEN[package])}"


def _entry_point_imports(path: Path) -> set[str]:
    return _imported(path, "")


@pytest.mark.parametrize("tool", [spec.name for spec in TOOLS])
def test_a_tools_function_loads_no_other_tools_module(tool: str) -> None:
    # Its cold start pays for its own tool: the registry and the other tools' modules stay unloaded.
    [spec] = [spec for spec in TOOLS if spec.name == tool]
    loaded = _closure(_entry_point_imports(ROOT / "functions" / tool / "app.py"))
    tool_modules = {other.run.__module__ for other in TOOLS}
    assert loaded & tool_modules == {spec.run.__module__}
    assert "tools.registry" not in loaded


def test_workflow_tasks_import_no_opal_adapter_and_no_tool() -> None:
    for app in ROOT.glob("workflow/*/app.py"):
        loaded = _closure(_entry_point_imports(app))
        assert "opal_tools.adapter" not in loaded, app
        assert loaded & {spec.run.__module__ for spec in TOOLS} == set(), app


def _loaded_in_a_fresh_interpreter(script: str) -> set[str]:
    """``sys.modules`` (top-level names and our modules) after ``script`` in an isolated interpreter."""
    code = (
        f"import sys; sys.path[:0] = [{str(LAYER)!r}, {str(ROOT)!r}]\n"
        + script
        + "\nimport json; print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter running our own code
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_discovery_function_loads_no_http_client_and_no_aws() -> None:
    loaded = _loaded_in_a_fresh_interpreter(
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('app', {str(ROOT / 'functions/discovery/app.py')!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "handler = module.lambda_handler\n"
        "for path in ('/discovery', '/openapi.json'):\n"
        "    assert handler({'rawPath': path}, None)['statusCode'] == 200\n"
    )
    assert "urllib3" not in loaded
    assert "boto3" not in loaded
    assert "fullstory_client.client" not in loaded  # the errors and models only
    assert "tools.registry" in loaded  # it did build every tool's schema


def test_the_fullstory_client_loads_no_aws_and_no_opal() -> None:
    modules = sorted(name for name in _graph() if name.split(".")[0] == "fullstory_client")
    loaded = _loaded_in_a_fresh_interpreter("".join(f"import {name}\n" for name in modules))
    assert "urllib3" in loaded  # it did load its transport
    assert _tops(loaded) & (AWS | {"opal_tools", "tools", "segment_exports"}) == set()
