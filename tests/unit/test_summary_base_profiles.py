"""The operator's base profiles (SummaryBaseProfiles / FULLSTORY_SUMMARY_BASE_PROFILES): parsed once,
loud on a bad value, and the template's AllowedPattern refuses what the parser refuses."""

from __future__ import annotations

import re

import pytest

from platform_kit.settings import BASE_PROFILES_ENV
from tests.contract.test_template import RAW
from tools.summary_base_profiles import parse_base_profiles
from tools.summary_profiles import SUMMARY_TYPES

UUID = "1c07280f-df08-494f-873e-6214cb6c46b4"  # the SDK CLI's example profile id shape
VALID = {
    "": {},
    f"quick={UUID}": {"quick": UUID},
    f"quick={UUID},support=legacy.profile_1": {"quick": UUID, "support": "legacy.profile_1"},
    ",".join(f"{kind}=p{i}" for i, kind in enumerate(SUMMARY_TYPES)): {
        kind: f"p{i}" for i, kind in enumerate(SUMMARY_TYPES)
    },
}
MALFORMED = [
    "quick",  # no id
    "quick=",  # empty id
    "quik=abc",  # no such type
    "quick=abc,",  # a dangling comma
    ",quick=abc",
    "quick=a b",  # ids are URL-safe
    "quick=../../v2/visit_profile",  # nothing may steer the request elsewhere
    "quick=abc;support=def",
    "Quick=abc",
]


@pytest.mark.parametrize(("raw", "expected"), list(VALID.items()))
def test_valid_settings(raw: str, expected: dict[str, str]) -> None:
    assert dict(parse_base_profiles(raw)) == expected


@pytest.mark.parametrize("raw", [*MALFORMED, "quick=a,quick=b"])
def test_malformed_settings_fail_naming_the_variable(raw: str) -> None:
    with pytest.raises(ValueError, match=BASE_PROFILES_ENV) as raised:
        parse_base_profiles(raw)
    assert "quick" in str(raised.value) or "type=profileId" in str(raised.value)


def test_parsed_once_per_value() -> None:
    assert parse_base_profiles(f"quick={UUID}") is parse_base_profiles(f"quick={UUID}")


def test_the_template_parameter_feeds_the_variable_and_agrees_with_the_parser() -> None:
    parameter = RAW["Parameters"]["SummaryBaseProfiles"]
    assert parameter["Default"] == ""
    assert RAW["Globals"]["Function"]["Environment"]["Variables"][BASE_PROFILES_ENV] == {"Ref": "SummaryBaseProfiles"}
    pattern = parameter["AllowedPattern"]
    assert all(re.fullmatch(pattern, raw) for raw in VALID)
    assert not [raw for raw in MALFORMED if re.fullmatch(pattern, raw)]
