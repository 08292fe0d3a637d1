"""The logic of the summary tools: a session summarised under its type's configuration.

The configuration and the operator's base profile are looked up on every call, so the request
carries exactly what the code says now; nothing is remembered between calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fullstory_client import FullstoryClient
from fullstory_client.summary_config import SummaryConfiguration
from opal_tools.session_summaries import summarize

from .ai import SessionParams
from .summary_base_profiles import base_profile
from .summary_profiles import CONFIGURATIONS


def summarize_as(
    summary_type: str, client: FullstoryClient, session_id: str, configuration: SummaryConfiguration | None = None
) -> dict[str, Any]:
    """``session_id`` summarised by ``configuration`` (default: the type's own), on the type's base profile."""
    chosen = CONFIGURATIONS[summary_type] if configuration is None else configuration
    return summarize(client, session_id, chosen, base_profile=base_profile(summary_type))


def summary_tool(summary_type: str) -> Callable[[SessionParams, FullstoryClient], dict[str, Any]]:
    """The logic of a typed summary tool: ``{sessionId, summaryType, summary}``."""
    if summary_type not in CONFIGURATIONS:  # fail at import, not on the first call
        raise KeyError(f"no summary configuration {summary_type!r}")

    def run(params: SessionParams, client: FullstoryClient) -> dict[str, Any]:
        return {
            "sessionId": params.sessionId,
            "summaryType": summary_type,
            **summarize_as(summary_type, client, params.sessionId),
        }

    return run
