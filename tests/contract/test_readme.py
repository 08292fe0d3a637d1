"""The README's tool reference is generated from the tool registry and must not go stale."""

from __future__ import annotations

from pathlib import Path

from scripts import generate
from tools.registry import TOOLS

ROOT = Path(__file__).resolve().parents[2]


def test_readme_tool_table_matches_the_registry() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == generate.readme(readme), "run make generate to refresh README.md"


def test_every_tool_is_in_the_table_with_an_example_prompt() -> None:
    table = generate.table()
    for tool in TOOLS:
        assert f"`{tool.name}`" in table
        assert tool.example_prompt and tool.example_prompt in table
