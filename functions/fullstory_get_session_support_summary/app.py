"""fullstory_get_session_support_summary: the session summarised under the support summary configuration."""

from __future__ import annotations

from catalog.ai import SUPPORT_SUMMARY
from catalog.summary_tools import summary_tool
from opal_tools.adapter import tool_handler

lambda_handler = tool_handler(SUPPORT_SUMMARY, summary_tool("support"))
