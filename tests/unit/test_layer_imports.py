"""The layer's runtime code stays off ``requests``: its import chain cost every cold start ~20 ms."""

from __future__ import annotations

import ast
from pathlib import Path

from scripts import check_built_layer
from tools.registry import TOOLS

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted([*ROOT.glob("functions/*/app.py"), *ROOT.glob("workflow/*/app.py")])
FORBIDDEN = ("requests", "charset_normalizer")


def test_no_layer_module_or_handler_imports_requests() -> None:
    # The trace imports every layer module and every handler in a fresh, isolated interpreter:
    # pytest itself (and the other tests) have long imported requests.
    sources = check_built_layer.handler_module_sources()
    assert {"opal_tools/openapi.py", "segment_exports/callback.py", "fullstory_client/client.py"} <= set(sources)
    assert "urllib3/__init__.py" in sources  # the transport the layer does use
    assert [source for source in sources if source.split("/")[0] in FORBIDDEN] == []


FIRST_PARTY = ("tools", "fullstory_client", "opal_tools", "segment_exports")


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
    tools = [ROOT / "functions" / spec.name / "app.py" for spec in TOOLS]
    assert tools and all(path.is_file() for path in tools)
    first = {str(path.relative_to(ROOT)): _first_party_imports(path)[0] for path in tools}
    assert {path: name for path, name in first.items() if name != "opal_tools.secrets_prefetch"} == {}
    # Functions that serve no tool read no secrets (the discovery function may not read them at all).
    others = [path for path in HANDLERS if path not in tools]
    assert [p for p in others if "opal_tools.secrets_prefetch" in _first_party_imports(p)] == []
