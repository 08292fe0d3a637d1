from __future__ import annotations

import pytest

from fullstory_client import normalize_session_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4617328710723584:7291042947185627", "4617328710723584:7291042947185627"),
        ("  4617328710723584:7291042947185627 ", "4617328710723584:7291042947185627"),
        ("4617328710723584!7291042947185627", "4617328710723584:7291042947185627"),
        ("4617328710723584%3A7291042947185627", "4617328710723584:7291042947185627"),
        (
            "https://app.fullstory.com/ui/o-1ABC-na1/session/4617328710723584:7291042947185627",
            "4617328710723584:7291042947185627",
        ),
        (
            "https://app.fullstory.com/ui/o-1ABC-na1/session/4617328710723584%3A7291042947185627?foo=1",
            "4617328710723584:7291042947185627",
        ),
        (
            "https://app.eu1.fullstory.com/ui/o-1/session/0b6d6a1e-1f2a-4c3b-9d8e-1a2b3c4d5e6f:7c1d2e3f-aaaa-bbbb-cccc-1234567890ab",
            "0b6d6a1e-1f2a-4c3b-9d8e-1a2b3c4d5e6f:7c1d2e3f-aaaa-bbbb-cccc-1234567890ab",
        ),
    ],
)
def test_accepted_forms(raw: str, expected: str) -> None:
    assert normalize_session_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "7291042947185627", "a:b:c", "../../etc/passwd", "4617:72/91", "https://app.fullstory.com/ui/o/segments/x",
     "4617328710723584:", ":7291042947185627", "46 17:72"],
)
def test_rejected_forms(raw: str) -> None:
    assert normalize_session_id(raw) is None
