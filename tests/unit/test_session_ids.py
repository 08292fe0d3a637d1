from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fullstory_client import normalize_session_id

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "fullstory" / "session_ids.json").read_text())


@pytest.mark.parametrize("case", FIXTURE["accepted"], ids=[c["form"][:60] for c in FIXTURE["accepted"]])
def test_every_form_fullstorys_sources_use(case: dict[str, Any]) -> None:
    assert case["source"] in FIXTURE["sources"]
    assert normalize_session_id(case["input"]) == case["expected"]
    assert normalize_session_id(f"  {case['input']}\n") == case["expected"]  # pasted with whitespace


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4617328710723584:7291042947185627", "4617328710723584:7291042947185627"),
        ("4617328710723584!7291042947185627", "4617328710723584:7291042947185627"),
        ("4617328710723584%3a7291042947185627", "4617328710723584:7291042947185627"),
        (
            "https://app.fullstory.com/ui/o-1ABC-na1/session/4617328710723584%3A7291042947185627?foo=1",
            "4617328710723584:7291042947185627",
        ),
        (
            "https://app.fullstory.com/ui/o-1ABC-na1/session/4617328710723584!7291042947185627/1700000000000",
            "4617328710723584:7291042947185627",
        ),
        (
            "https://app.fullstory.com/ui/o/session/5423563266297856%3A8658262255227649805%215580733057163270273#t=3",
            "8658262255227649805:5580733057163270273",
        ),
        (
            "HTTPS://APP.EU1.FULLSTORY.COM/ui/o-1/session/0b6d6a1e-1f2a-4c3b-9d8e-1a2b3c4d5e6f:7c1d2e3f-aaaa-bbbb-cccc",
            "0b6d6a1e-1f2a-4c3b-9d8e-1a2b3c4d5e6f:7c1d2e3f-aaaa-bbbb-cccc",
        ),
    ],
)
def test_todays_forms_still_work(raw: str, expected: str) -> None:
    assert normalize_session_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "", "7291042947185627", "a:b:c", "../../etc/passwd", "4617:72/91", "https://app.fullstory.com/ui/o/segments/x",
        "4617328710723584:", ":7291042947185627", "46 17:72", "..:..", ".:.", "4617%2F..:72",
        "https://app.fullstory.com/ui/org/session/5423563266297856:",  # the SDK would send '' here
        "https://app.fullstory.com/ui/org/session/(..!..(", "https://x/((UserAppKey:==:1))",
        "https://app.fullstory.com/ui/org/session/1:2:3",
    ],
)  # fmt: skip
def test_garbage_is_refused(raw: str) -> None:
    assert normalize_session_id(raw) is None
