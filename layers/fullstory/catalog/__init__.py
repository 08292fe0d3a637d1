"""The tool contracts: every tool this registry publishes, in discovery order."""

from __future__ import annotations

from opal_tools.spec import ToolSpec

from .segments import GET_SEGMENT, LIST_SEGMENTS
from .sessions import LIST_SESSIONS

TOOLS: tuple[ToolSpec, ...] = (LIST_SEGMENTS, GET_SEGMENT, LIST_SESSIONS)
TOOLS_BY_NAME: dict[str, ToolSpec] = {tool.name: tool for tool in TOOLS}

INSTRUCTIONS = (
    "Tools for Fullstory, the digital experience analytics platform: segments, segment exports, a user's "
    "session replays, and AI summaries of sessions. Session ids have the form deviceId:sessionId, as "
    "fullstory_list_sessions returns them."
)
