"""The tool contracts: every tool this registry publishes, in discovery order."""

from __future__ import annotations

from opal_tools.spec import ToolSpec

from .ai import AI_TOOLS
from .exports import EXPORT_TOOLS
from .segments import GET_SEGMENT, LIST_SEGMENTS
from .sessions import SESSION_TOOLS

TOOLS: tuple[ToolSpec, ...] = (LIST_SEGMENTS, GET_SEGMENT, *EXPORT_TOOLS, *SESSION_TOOLS, *AI_TOOLS)
TOOLS_BY_NAME: dict[str, ToolSpec] = {tool.name: tool for tool in TOOLS}

INSTRUCTIONS = (
    "Tools for Fullstory, the digital experience analytics platform: segments, segment exports, a user's "
    "session replays, and AI summaries of sessions. Session ids have the form deviceId:sessionId, as "
    "fullstory_list_sessions returns them."
)
