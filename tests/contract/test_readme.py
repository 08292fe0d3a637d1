"""The README's tool reference is generated from the catalog and must not go stale."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from catalog import TOOLS

ROOT = Path(__file__).resolve().parents[2]


def _script() -> object:
    spec = importlib.util.spec_from_file_location("tool_reference", ROOT / "scripts" / "tool_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tool_reference"] = module
    spec.loader.exec_module(module)
    return module


def test_readme_tool_table_matches_the_catalog() -> None:
    script = _script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == script.render(readme), "run `python scripts/tool_reference.py` to refresh README.md"  # type: ignore[attr-defined]


def test_every_tool_is_in_the_table_with_an_example_prompt() -> None:
    table = _script().table()  # type: ignore[attr-defined]
    for tool in TOOLS:
        assert f"`{tool.name}`" in table
        assert tool.example_prompt and tool.example_prompt in table
