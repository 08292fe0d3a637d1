"""Everything per tool that is not read from the registry at runtime is generated from it, and kept so."""

from __future__ import annotations

import shutil
from pathlib import Path

from scripts import generate
from tools.registry import TOOLS

ROOT = Path(__file__).resolve().parents[2]


def test_no_generated_file_is_stale() -> None:
    stale = [str(path.relative_to(ROOT)) for path in generate.stale()]
    assert stale == [], f"{stale} differ from the tool registry: run make generate"


def _copy(tmp_path: Path) -> Path:
    for name in ("template.yaml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("functions", "events"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    index = Path("layers/fullstory/mcp_server/tool_index.py")  # generated too: /mcp's map of the tools
    (tmp_path / index).parent.mkdir(parents=True)
    shutil.copy(ROOT / index, tmp_path / index)
    return tmp_path


def test_a_hand_edit_of_a_generated_part_is_found_and_undone(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    spec = TOOLS[0]
    template = root / "template.yaml"
    template.write_text(template.read_text().replace(f"Path: {spec.endpoint} ", "Path: /tools/renamed "))
    event = root / "events" / f"{spec.name}.json"
    event.write_text(event.read_text().replace("REPLACE_WITH_OPAL_BEARER_TOKEN", "edited"))
    (root / "functions" / spec.name / "app.py").unlink()
    assert set(generate.stale(root)) == {template, event, root / "functions" / spec.name / "app.py"}
    generate.write(root)
    assert generate.stale(root) == []
    assert (root / "template.yaml").read_text() == (ROOT / "template.yaml").read_text()


def test_the_files_of_a_tool_no_longer_in_the_registry_are_removed(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    gone = root / "functions" / "fullstory_gone_tool"
    gone.mkdir()
    (gone / "app.py").write_text(generate.entry_point(TOOLS[0]))
    sample = root / "events" / "fullstory_gone_tool.json"
    sample.write_text(generate.event(TOOLS[0]).replace(TOOLS[0].name, "fullstory_gone_tool"))
    assert set(generate.stale(root)) == {gone / "app.py", sample}
    generate.write(root)
    assert not gone.exists() and not sample.exists()


def test_a_function_gets_what_its_tools_needs_grant() -> None:
    # Every need a tool declares is one the generator knows how to grant.
    assert {need.name for spec in TOOLS for need in spec.needs} <= set(generate.NEED_GRANTS)
