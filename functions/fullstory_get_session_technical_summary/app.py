"""fullstory_get_session_technical_summary: the session summarised under the technical summary configuration."""

from __future__ import annotations

from catalog.ai import TECHNICAL_SUMMARY
from catalog.summary_tools import summary_tool
from opal_tools.adapter import tool_handler

lambda_handler = tool_handler(TECHNICAL_SUMMARY, summary_tool("technical"))
