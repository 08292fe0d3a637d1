"""GET /discovery: the Opal tool manifest; GET /openapi.json: the same tools as OpenAPI (public, no auth)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from catalog import INSTRUCTIONS, TOOLS
from opal_tools.discovery import discovery_document, discovery_media_type
from opal_tools.selection import ai_analysis_enabled, is_selected, selection_from_env
from opal_tools.spec import ToolSpec

VERSION = "1.0.0"


def _published(ai_enabled: bool, selection: frozenset[str]) -> list[ToolSpec]:
    # EnabledTools / ENABLED_TOOLS chooses what is published; AI tools also need AI analysis on.
    return [tool for tool in TOOLS if (ai_enabled or not tool.ai) and is_selected(tool, selection)]


@cache
def _manifest(ai_enabled: bool, selection: frozenset[str]) -> tuple[str, str]:
    """The discovery document and its media type."""
    published = _published(ai_enabled, selection)
    return json.dumps(discovery_document(published, instructions=INSTRUCTIONS)), discovery_media_type(published)


@cache
def _openapi(ai_enabled: bool, selection: frozenset[str]) -> str:
    from opal_tools.openapi import openapi_document  # only this path pays for it

    document = openapi_document(
        _published(ai_enabled, selection), title="Fullstory tools for Opal", description=INSTRUCTIONS, version=VERSION
    )
    return json.dumps(document)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    path = str(event.get("rawPath") or "")
    published = (ai_analysis_enabled(), selection_from_env())
    if path.endswith("/openapi.json"):
        body, media_type = _openapi(*published), "application/json"
    else:
        body, media_type = _manifest(*published)
    return {
        "statusCode": 200,
        "headers": {"content-type": media_type, "cache-control": "max-age=60"},
        "body": body,
    }
