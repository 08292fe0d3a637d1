"""The README's tool reference is generated from the catalog and must not go stale."""

from __future__ import annotations

from pathlib import Path

from catalog import TOOLS
from scripts import tool_reference

ROOT = Path(__file__).resolve().parents[2]


def test_readme_tool_table_matches_the_catalog() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == tool_reference.render(readme), "run `python scripts/tool_reference.py` to refresh README.md"


def test_every_tool_is_in_the_table_with_an_example_prompt() -> None:
    table = tool_reference.table()
    for tool in TOOLS:
        assert f"`{tool.name}`" in table
        assert tool.example_prompt and tool.example_prompt in table
