"""The ids, emails and segment names the README uses are in the simulator `make run` serves, so each example and
each "a user might say" prompt works there as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

from local.fullstory_sim import FullstorySimulator
from tests.readme_examples import examples

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "README.md").read_text(encoding="utf-8")
DATA = FullstorySimulator(api_key="readme").data  # the seed and dataset `make run` uses
TABLE = TEXT[TEXT.index("<!-- tool-table:begin") : TEXT.index("<!-- tool-table:end")]
PROMPTS = [row.rstrip(" |").rsplit(" | ", 1)[-1] for row in TABLE.splitlines() if row.startswith("| `")]


def _bodies() -> list[dict[str, object]]:
    return [json.loads(example.body)["parameters"] for example in examples(TEXT) if example.body]


def test_every_session_id_in_the_readme_is_a_simulated_session() -> None:
    ids = set(re.findall(r"\b\d{16}:\d{16,19}\b", TEXT))
    assert ids, "the README shows a session id"
    assert not {i for i in ids if DATA.session(i) is None}


def test_every_email_the_examples_and_prompts_name_is_a_simulated_person_or_creator() -> None:
    known = {user.email for user in DATA.users} | {s.creator for s in DATA.segments if s.creator}
    said = {e for text in [*PROMPTS, *map(json.dumps, _bodies())] for e in re.findall(r"[\w.]+@[\w.]+\w", text)}
    assert said, "the examples name a person by email"
    assert said <= known, said - known


def test_every_segment_the_examples_and_prompts_name_is_a_simulated_segment() -> None:
    ids = {str(p[k]) for p in _bodies() for k in ("id", "segmentId") if k in p and p.get("sessionId") is None}
    names = {name for prompt in PROMPTS for name in re.findall(r"'([^']+)' segment", prompt)}
    assert ids and names
    assert not {i for i in ids if DATA.segment(i) is None}
    assert names <= {s.name for s in DATA.segments}
