"""fullstory_get_session_quick_summary: the session summarised under the quick summary configuration."""

from __future__ import annotations

from catalog.ai import QUICK_SUMMARY
from catalog.summary_tools import summary_tool
from opal_tools.adapter import tool_handler

lambda_handler = tool_handler(QUICK_SUMMARY, summary_tool("quick"))
