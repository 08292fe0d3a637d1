"""fullstory_get_session_conversion_funnel_summary: the session as a conversion funnel."""

from __future__ import annotations

from catalog.ai import CONVERSION_FUNNEL_SUMMARY
from catalog.summary_tools import summary_tool
from opal_tools.adapter import tool_handler

lambda_handler = tool_handler(CONVERSION_FUNNEL_SUMMARY, summary_tool("conversion-funnel"))
