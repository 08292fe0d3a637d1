"""The registry: every tool of this deployment, in discovery order. It is the only list of tools.

Discovery, OpenAPI and the tool reference read it at runtime; `make generate` writes from it
everything per tool that cannot be read at runtime (template.yaml's functions, routes and log
groups, events/, the README's tool table, functions/<tool>/app.py). Importing it imports every
tool module: a tool's own function imports only its module (``tools.segments``, say).
"""

from __future__ import annotations

from opal_tools.spec import ToolSpec

from . import export_runs, exports, segments, sessions, summaries, visit_profile

INSTRUCTIONS = (
    "Tools for Fullstory, the digital experience analytics platform: segments, segment exports, a user's "
    "session replays, and AI summaries of sessions. Session ids have the form deviceId:sessionId, as "
    "fullstory_list_sessions returns them."
)

TOOLS: tuple[ToolSpec, ...] = (
    segments.LIST_SEGMENTS,
    segments.GET_SEGMENT,
    exports.CREATE_SEGMENT_EXPORT,
    exports.GET_OPERATION_STATUS,
    exports.GET_SEARCH_EXPORT_RESULTS,
    export_runs.EXPORT_SEGMENT,
    export_runs.GET_EXPORT_STATUS,
    sessions.LIST_SESSIONS,
    summaries.QUICK_SUMMARY,
    summaries.BEHAVIOR_SUMMARY,
    summaries.SUPPORT_SUMMARY,
    summaries.TECHNICAL_SUMMARY,
    summaries.CONVERSION_FUNNEL_SUMMARY,
    summaries.USER_INTENT_SUMMARY,
    summaries.CUSTOM_SUMMARY,
    summaries.CMP_ERROR_DETECTION,
    visit_profile.VISIT_PROFILE,
)
TOOLS_BY_NAME: dict[str, ToolSpec] = {tool.name: tool for tool in TOOLS}
# The groups ENABLED_TOOLS may name, in the order their tools are listed.
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(tool.group for tool in TOOLS))
