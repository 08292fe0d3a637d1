"""fullstory_get_session_user_intent_summary: the session summarised under the user intent summary configuration."""

from __future__ import annotations

from catalog.ai import USER_INTENT_SUMMARY
from catalog.summary_tools import summary_tool
from opal_tools.adapter import tool_handler

lambda_handler = tool_handler(USER_INTENT_SUMMARY, summary_tool("user-intent"))
