"""MCP_ALLOWED_ORIGINS (the template's CorsAllowedOrigins): origins as the guard compares them, and a
clear error for a value that is not a list of origins."""

from __future__ import annotations

import pytest

from platform_kit.settings import MCP_ORIGINS_ENV, SettingsError, parse


def test_origins_are_normalised_and_empty_allows_none() -> None:
    assert parse({MCP_ORIGINS_ENV: "https://A.example.com/, http://localhost:6274"}).mcp_allowed_origins == (
        "https://a.example.com",
        "http://localhost:6274",
    )
    assert parse({MCP_ORIGINS_ENV: "*"}).mcp_allowed_origins == ("*",)
    assert parse({}).mcp_allowed_origins == ()


@pytest.mark.parametrize("value", ["javascript:alert(1)", "https://a.example/path", "a.example"])
def test_a_value_that_is_no_origin_names_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match=MCP_ORIGINS_ENV):
        parse({MCP_ORIGINS_ENV: value})
