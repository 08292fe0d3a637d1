"""The HTTP API's CORS (template parameter CorsAllowedOrigins): none by default; when set, the
origins given, the headers the tools read and GET/POST/OPTIONS, as API Gateway deploys it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from local.template import parameter_defaults
from opal_tools.adapter import OPAL_ID_HEADERS
from tests.contract.conditions import deployed, value_of
from tests.contract.test_template import API_ID, RAW, translate

CORS_KEY = "x-amazon-apigateway-cors"


def _deployed_cors(origins: str | None) -> Any:
    parameters = {} if origins is None else {"CorsAllowedOrigins": origins}
    refs = {**parameter_defaults(RAW), **parameters}
    template = deployed(translate(parameters), refs)
    return template["Resources"][API_ID]["Properties"]["Body"].get(CORS_KEY)


def test_no_cors_by_default() -> None:
    assert RAW["Parameters"]["CorsAllowedOrigins"]["Default"] == ""
    assert _deployed_cors(None) is None


def test_given_origins_get_the_headers_the_tools_read() -> None:
    cors = _deployed_cors("https://debugger.example,http://localhost:5173")
    assert value_of(cors["allowOrigins"], {}) == ["https://debugger.example", "http://localhost:5173"]
    assert {"authorization", "content-type", "x-opal-thread-id", *OPAL_ID_HEADERS} <= set(cors["allowHeaders"])
    assert sorted(cors["allowMethods"]) == ["GET", "OPTIONS", "POST"]
    assert not cors.get("allowCredentials")  # a bearer header, never cookies
    assert "retry-after" in cors["exposeHeaders"]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("", True),
        ("*", True),
        ("https://debugger.example", True),
        ("https://a.example:8443,http://localhost:5173", True),
        ("https://a.example, https://b.example", False),
        ("javascript:alert(1)", False),
        ("https://a.example/path", False),
        ("https://a.example,", False),
    ],
)
def test_the_parameter_accepts_only_origins(value: str, ok: bool) -> None:
    pattern = RAW["Parameters"]["CorsAllowedOrigins"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is ok
