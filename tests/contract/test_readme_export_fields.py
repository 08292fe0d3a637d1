"""docs/export-fields.md (linked from the README): its table of everyday export-field words and its counts say
exactly what the tools do."""

from __future__ import annotations

import re
from pathlib import Path

from tools.export_fields import EVENT_ALIASES, EVENT_EXPORT_FIELDS, INDIVIDUAL_ALIASES, INDIVIDUAL_FIELDS

ROOT = Path(__file__).resolve().parents[2]
HEADER = "| said | event exports (`TYPE_EVENT`/`_SESSIONS`/`_PAGES`) | `TYPE_INDIVIDUAL` |"


def _table() -> tuple[dict[str, str], dict[str, str]]:
    lines = (ROOT / "docs" / "export-fields.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == HEADER) + 2
    event: dict[str, str] = {}
    individual: dict[str, str] = {}
    for line in lines[start:]:
        if not line.strip().startswith("|"):
            break
        said, for_events, for_people = (cell.strip() for cell in line.strip().strip("|").split("|"))
        for word in said.split(", "):
            if found := re.match(r"`(\w+)`", for_events):
                event[word] = found.group(1)
            if found := re.match(r"`(\w+)`", for_people):
                individual[word] = found.group(1)
    return event, individual


def test_the_table_is_the_tools() -> None:
    event, individual = _table()
    assert event == EVENT_ALIASES
    assert individual == INDIVIDUAL_ALIASES


def test_the_counts_are_the_tools() -> None:
    readme = (ROOT / "docs" / "export-fields.md").read_text(encoding="utf-8")
    total = len(set(EVENT_EXPORT_FIELDS) | set(INDIVIDUAL_FIELDS))
    assert f"{len(EVENT_EXPORT_FIELDS)} for event exports" in readme
    assert f"{len(INDIVIDUAL_FIELDS)} for `TYPE_INDIVIDUAL`" in readme
    assert f"{total} names in all" in readme
