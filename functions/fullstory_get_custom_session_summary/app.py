"""fullstory_get_custom_session_summary: the caller's own prompts, sent with the request (nothing saved)."""

from __future__ import annotations

from typing import Any

from catalog.ai import CUSTOM_SUMMARY, CustomSummaryParams
from catalog.summary_profiles import custom_configuration
from catalog.summary_tools import summarize_as
from fullstory_client import FullstoryClient
from opal_tools.adapter import tool_handler


def custom_summary(params: CustomSummaryParams, client: FullstoryClient) -> dict[str, Any]:
    configuration = custom_configuration(params.pre_prompt, params.post_prompt, params.temperature)
    return {
        "sessionId": params.sessionId,
        "summaryType": "custom",
        **summarize_as("custom", client, params.sessionId, configuration),
    }


lambda_handler = tool_handler(CUSTOM_SUMMARY, custom_summary)
