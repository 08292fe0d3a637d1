"""Every tool endpoint refuses callers without the registry token, and says nothing about it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import BEARER, context, load_handler, tool_event
from tools.registry import TOOLS

pytestmark = pytest.mark.usefixtures("aws")

BAD_AUTHORIZATION = {
    "missing": None,
    "empty": "",
    "scheme only": "Bearer",
    "basic scheme": f"Basic {BEARER}",
    "no scheme": BEARER,
    "wrong token": "Bearer not-the-token",
    "upper-cased token": f"Bearer {BEARER.upper()}",
    "prefix of token": f"Bearer {BEARER[:-1]}",
    "token plus more": f"Bearer {BEARER}0",
    "two tokens": f"Bearer {BEARER}, Bearer {BEARER}",
}


@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_bad_authorization_is_401_without_hints(tool: str) -> None:
    for case, header in BAD_AUTHORIZATION.items():
        event = tool_event(tool, {}, token=None)
        if header is not None:
            event["headers"]["authorization"] = header
        response = load_handler(tool)(event, context())
        assert response["statusCode"] == 401, case
        body = json.loads(response["body"])
        assert body["error_code"] == "UNAUTHORIZED" and "errors" not in body, case
        assert BEARER not in response["body"] and BEARER[:8] not in response["body"], case


def test_discovery_needs_no_token() -> None:
    response = load_handler("discovery")({"rawPath": "/discovery", "headers": {}}, context())
    assert response["statusCode"] == 200


def test_configuration_is_not_revealed_without_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FULLSTORY_AI_ANALYSIS_ENABLED", "false")
    monkeypatch.setenv("ENABLED_TOOLS", "segments")
    for tool in ("fullstory_get_session_quick_summary", "fullstory_list_sessions"):
        response = load_handler(tool)(tool_event(tool, {}, token="wrong"), context())
        assert response["statusCode"] == 401, tool
