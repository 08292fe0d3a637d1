"""GET /discovery: the Opal tool manifest, generated from the catalog (public, no auth)."""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from catalog import INSTRUCTIONS, TOOLS
from opal_tools.discovery import discovery_document


def _ai_enabled() -> bool:
    return os.environ.get("FULLSTORY_AI_ANALYSIS_ENABLED", "true").strip().lower() not in ("false", "0", "no", "off")


@cache
def _manifest(ai_enabled: bool) -> str:
    tools = [tool for tool in TOOLS if ai_enabled or not tool.ai]
    return json.dumps(discovery_document(tools, instructions=INSTRUCTIONS))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "cache-control": "max-age=60"},
        "body": _manifest(_ai_enabled()),
    }
