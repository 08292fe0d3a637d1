from __future__ import annotations

from fullstory_client import resolve_base_url


def test_default_host() -> None:
    assert resolve_base_url("na1.abc") == "https://api.fullstory.com"


def test_eu_key_prefix_selects_eu_host() -> None:
    assert resolve_base_url("eu1.abcdef") == "https://api.eu1.fullstory.com"


def test_override_wins_and_is_normalised() -> None:
    assert resolve_base_url("eu1.abcdef", " http://127.0.0.1:8900/ ") == "http://127.0.0.1:8900"
    assert resolve_base_url("eu1.abcdef", "") == "https://api.eu1.fullstory.com"
