"""The tool contracts: every tool this registry publishes, in discovery order.

``TOOLS`` and ``TOOLS_BY_NAME`` are assembled on first use: a tool's function imports only its
own group (``catalog.segments``), so its cold start builds none of the other groups' models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opal_tools.spec import ToolSpec

    TOOLS: tuple[ToolSpec, ...]
    TOOLS_BY_NAME: dict[str, ToolSpec]

INSTRUCTIONS = (
    "Tools for Fullstory, the digital experience analytics platform: segments, segment exports, a user's "
    "session replays, and AI summaries of sessions. Session ids have the form deviceId:sessionId, as "
    "fullstory_list_sessions returns them."
)


def __getattr__(name: str) -> Any:
    if name not in ("TOOLS", "TOOLS_BY_NAME"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .ai import AI_TOOLS
    from .exports import EXPORT_TOOLS
    from .segments import GET_SEGMENT, LIST_SEGMENTS
    from .sessions import SESSION_TOOLS

    tools = (LIST_SEGMENTS, GET_SEGMENT, *EXPORT_TOOLS, *SESSION_TOOLS, *AI_TOOLS)
    globals().update(TOOLS=tools, TOOLS_BY_NAME={tool.name: tool for tool in tools})
    return globals()[name]
