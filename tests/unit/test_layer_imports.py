"""The layer's runtime code stays off ``requests``: its import chain cost every cold start ~20 ms."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "fullstory"
HANDLERS = sorted([*ROOT.glob("functions/*/app.py"), *ROOT.glob("workflow/*/app.py")])
FORBIDDEN = ("requests", "charset_normalizer")


def _layer_modules() -> list[str]:
    """Every module of the layer's packages (fullstory_client, opal_tools, catalog, segment_exports)."""
    modules = []
    for path in sorted(LAYER.glob("*/*.py")):
        package, name = path.parent.name, path.stem
        modules.append(package if name == "__init__" else f"{package}.{name}")
    return modules


# Run in a fresh interpreter: pytest itself (and the other tests) have long imported requests.
_SCRIPT = """
import importlib, importlib.util, json, sys
layer, modules, handlers = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
sys.path.insert(0, layer)
for name in modules:
    importlib.import_module(name)
for index, path in enumerate(handlers):  # every handler module is named app: load each under its own name
    spec = importlib.util.spec_from_file_location(f"handler_{index}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert callable(getattr(module, "lambda_handler", None)), path
print(json.dumps(sorted(sys.modules)))
"""


def test_no_layer_module_or_handler_imports_requests() -> None:
    modules = _layer_modules()
    assert {"fullstory_client", "opal_tools.adapter", "catalog", "segment_exports.callback"} <= set(modules)
    assert len(HANDLERS) > 10
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-I", "-c", _SCRIPT, str(LAYER), json.dumps(modules), json.dumps([str(h) for h in HANDLERS])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = set(json.loads(result.stdout))
    assert "urllib3" in loaded  # the transport the layer does use
    assert [name for name in FORBIDDEN if name in loaded] == []


FIRST_PARTY = ("catalog", "fullstory_client", "opal_tools", "segment_exports")


def _first_party_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return [name for name in names if name.split(".")[0] in FIRST_PARTY]


def test_every_tool_function_starts_its_secret_reads_before_its_other_imports() -> None:
    tools = [path for path in ROOT.glob("functions/*/app.py") if "tool_handler" in path.read_text(encoding="utf-8")]
    assert len(tools) == 17
    first = {str(path.relative_to(ROOT)): _first_party_imports(path)[0] for path in tools}
    assert {path: name for path, name in first.items() if name != "opal_tools.secrets_prefetch"} == {}
    # Functions that serve no tool read no secrets (the discovery function may not read them at all).
    others = [path for path in HANDLERS if path not in tools]
    assert [p for p in others if "opal_tools.secrets_prefetch" in _first_party_imports(p)] == []
