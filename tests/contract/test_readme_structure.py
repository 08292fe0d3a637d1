"""The README leads: its first screen gets a newcomer running and points an operator to Opal; its sections come
in the order a reader needs them; every link and every pointer into it from elsewhere lands somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(TEXT.splitlines()[:40])
# Links to documents that another branch of this round adds; checked like any other once they exist.
AWAITED = {"docs/mcp.md"}
SOURCE_FOLDERS = (
    "bench",
    "docs",
    "events",
    "functions",
    "layers",
    "local",
    "scripts",
    "statemachine",
    "tests",
    "workflow",
)
SECTIONS = [
    "Try it locally",
    "From here to Opal",
    "Tools",
    "Run locally",
    "Deploy to AWS",
    "Connect over MCP",
    "Operate",
    "Development",
    "Documents",
]


def _headings(text: str) -> list[str]:
    return re.findall(r"^#{1,6} (.+?)\s*$", _outside_code(text), re.M)


def _outside_code(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower().replace("`", "")).replace(" ", "-")


def test_the_first_screen_says_what_it_is_how_to_run_it_and_how_to_get_to_opal() -> None:
    assert FIRST_SCREEN.startswith("# Fullstory tools for Optimizely Opal\n")
    for command in (
        "make run",
        "curl http://127.0.0.1:3000/discovery",
        '-H "Authorization: Bearer $TOKEN"',
        "http://127.0.0.1:3000/tools/fullstory_list_segments",
    ):
        assert command in FIRST_SCREEN, command
    # The prerequisites for a deploy and a registration, before the reader needs them.
    prerequisites = ("AWS CLI", "credentials", "Python 3.11", "SAM CLI", "Admin for exports", "admin rights in Opal")
    for prerequisite in prerequisites:
        assert prerequisite in FIRST_SCREEN, prerequisite
    for link in ("(#deploy-to-aws)", "(#connect-over-mcp)", "(#run-locally)", "(#operate)"):
        assert link in FIRST_SCREEN, link


def test_the_sections_come_in_the_order_a_reader_needs_them() -> None:
    top = re.findall(r"^## (.+?)\s*$", _outside_code(TEXT), re.M)
    assert top == SECTIONS


def test_the_details_live_in_docs_and_the_readme_links_them() -> None:
    for document in ("docs/export-workflow.md", "docs/export-fields.md", "docs/performance.md"):
        assert f"]({document})" in TEXT, document
    # What moved stays out of the README: the field table, the workflow's states, the bench table.
    assert "| said | event exports" not in TEXT
    assert "CreateExport -> WaitForExport" not in TEXT
    assert "| measurement | subject |" not in TEXT


def _links(path: Path) -> list[tuple[str, str]]:
    text = _outside_code(path.read_text(encoding="utf-8"))
    return [(target, anchor) for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", text)]


def test_every_relative_link_lands() -> None:
    problems = []
    for document in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        for target, anchor in _links(document):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path = (document.parent / target).resolve() if target else document
            shown = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
            if not path.exists():
                if shown not in AWAITED:
                    problems.append(f"{document.name}: {target} does not exist")
                continue
            headings = _headings(path.read_text(encoding="utf-8")) if path.suffix == ".md" else []
            if anchor and anchor not in {_anchor(h) for h in headings}:
                problems.append(f"{document.name}: {target}#{anchor} names no heading")
    assert not problems


def _pointers() -> list[tuple[str, str]]:
    """(file, section) for every pointer such as (README, "Tool selection") in the project's own files."""
    files = [ROOT / name for name in ("samconfig.toml", "template.yaml", "Makefile")]
    for folder in SOURCE_FOLDERS:
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".md", ".json"} and p.is_file()]
    pattern = re.compile(r"README(?:, |'s |\s\()[\"']([A-Z][^\"']+)[\"']")
    return [
        (path.relative_to(ROOT).as_posix(), section)
        for path in files
        if "__pycache__" not in path.parts
        for section in pattern.findall(path.read_text(encoding="utf-8", errors="ignore"))
    ]


def test_every_pointer_into_the_readme_names_a_section_it_has() -> None:
    pointers = _pointers()
    assert ("samconfig.toml", "Tool selection") in pointers  # the reader finds the ones we know of
    lead_ins = set(re.findall(r"\*\*(.+?)\.?\*\*", TEXT))  # a bold lead-in names a part of a section
    missing = [(name, section) for name, section in pointers if section not in {*_headings(TEXT), *lead_ins}]
    assert not missing


def test_the_readme_lists_the_make_targets_as_make_help_does() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.findall(r"^([a-z-]+):.*## (.*)$", makefile, re.M)
    listing = "\n".join(f"make {name:<12} {what}" for name, what in targets)
    assert f"```text\n{listing}\n```" in TEXT, f"the README's Development section: paste `make help`:\n{listing}"
    mentioned = set(re.findall(r"`make ([a-z-]+)", TEXT))
    assert mentioned <= {name for name, _ in targets}, mentioned - {name for name, _ in targets}


def test_the_deployed_stack_checks_output_in_the_readme_is_the_tested_one_in_docs() -> None:
    # docs/deployed-stack-checks.md holds the scripts' real output (tests/unit/test_smoke.py, test_cold_starts.py).
    docs = (ROOT / "docs" / "deployed-stack-checks.md").read_text(encoding="utf-8")
    shown = re.findall(r"^```text\n(\$ make (?:smoke|cold-starts) .*?)^```", TEXT, re.M | re.S)
    assert len(shown) == 2
    assert all(block in docs for block in shown)


def test_every_local_setting_the_readme_lists_is_one_the_local_server_reads() -> None:
    section = TEXT[TEXT.index("### Local settings") : TEXT.index("\n## ", TEXT.index("### Local settings"))]
    variables = {v for row in re.findall(r"^\| (.+?) \|", section, re.M) for v in re.findall(r"`([A-Z][A-Z_]+)`", row)}
    assert {"PORT", "OPAL_BEARER_TOKEN", "FULLSTORY_API_KEY", "LOG_LEVEL"} <= variables
    local = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "local").glob("*.py"))
    assert not {v for v in variables if f'"{v}"' not in local}
