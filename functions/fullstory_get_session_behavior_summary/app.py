"""fullstory_get_session_behavior_summary: the session summarised under the behavior summary configuration."""

from __future__ import annotations

from catalog.ai import BEHAVIOR_SUMMARY
from catalog.summary_tools import summary_tool
from opal_tools.adapter import tool_handler

lambda_handler = tool_handler(BEHAVIOR_SUMMARY, summary_tool("behavior"))
