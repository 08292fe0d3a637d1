"""fullstory_get_session_behavior_summary: the session summarised by the behavior summary profile."""

from __future__ import annotations

import opal_tools.secrets_prefetch  # noqa: F401 - first: the secrets are read while the rest imports
from catalog.ai import BEHAVIOR_SUMMARY, PROFILE_FOR_TOOL
from opal_tools.adapter import tool_handler
from opal_tools.session_summaries import summary_tool

lambda_handler = tool_handler(BEHAVIOR_SUMMARY, summary_tool(PROFILE_FOR_TOOL[BEHAVIOR_SUMMARY.name], "behavior"))
