"""Which tools this installation publishes: ``ENABLED_TOOLS`` (template parameter ``EnabledTools``).

A comma-separated list of groups (``segments``, ``exports``, ``sessions``, ``ai``) and/or single
tool names; ``all`` (the default, also when unset or blank) publishes every tool. Opal accounts
have a tool limit, so an installation may publish only what its users need. In AWS the disabled
tools' functions are not deployed at all (template Conditions); discovery and the adapter read
the same list so that a function deployed against another selection still refuses politely.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import get_args

from platform_kit.settings import ALL_TOOLS, parse_tool_selection, settings

from .spec import ToolGroup, ToolSpec

ALL = ALL_TOOLS
GROUPS: tuple[str, ...] = get_args(ToolGroup)


def parse_selection(raw: str | None) -> frozenset[str]:
    """The selection's tokens, lower-cased; ``{"all"}`` when nothing is selected."""
    return parse_tool_selection(raw)


def selection_from_env() -> frozenset[str]:
    return settings().enabled_tools


def is_selected(spec: ToolSpec, selection: frozenset[str]) -> bool:
    return ALL in selection or spec.group in selection or spec.name in selection


def tool_enabled(spec: ToolSpec) -> bool:
    return is_selected(spec, selection_from_env())


def ai_analysis_enabled() -> bool:
    """The AI toggle (template parameter EnableAiAnalysis); on unless turned off."""
    return settings().ai_analysis_enabled


def unknown_tokens(selection: Iterable[str], tool_names: Iterable[str]) -> list[str]:
    """Tokens that name neither a group nor a tool (a typo would otherwise publish nothing)."""
    known = {ALL, *GROUPS, *tool_names}
    return sorted(token for token in selection if token not in known)
