"""fullstory_get_custom_session_summary: the caller's own prompts, on a profile reused per prompt set."""

from __future__ import annotations

from typing import Any

import opal_tools.secrets_prefetch  # noqa: F401 - first: the secrets are read while the rest imports
from catalog.ai import CUSTOM_SUMMARY, CustomSummaryParams
from catalog.summary_profiles import custom_profile
from fullstory_client import FullstoryClient
from opal_tools.adapter import tool_handler
from opal_tools.session_summaries import summarize


def custom_summary(params: CustomSummaryParams, client: FullstoryClient) -> dict[str, Any]:
    definition = custom_profile(params.pre_prompt, params.post_prompt, params.temperature)
    return {"sessionId": params.sessionId, "summaryType": "custom", **summarize(client, params.sessionId, definition)}


lambda_handler = tool_handler(CUSTOM_SUMMARY, custom_summary)
