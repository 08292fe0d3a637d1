"""Which tools this installation publishes: ``ENABLED_TOOLS`` (template parameter ``EnabledTools``).

A comma-separated list of tool groups and/or single tool names; ``all`` (the default, also when
unset or blank) publishes every tool. Opal accounts have a tool limit, so an installation may
publish only what its users need. Selection happens at runtime only: every function is deployed
(an idle one costs nothing), discovery lists the selected tools and the others answer 404.
"""

from __future__ import annotations

from collections.abc import Iterable

from platform_kit.settings import ALL_TOOLS, parse_tool_selection, settings

from .spec import ToolSpec

ALL = ALL_TOOLS


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


def unknown_tokens(selection: Iterable[str], tools: Iterable[ToolSpec]) -> list[str]:
    """Tokens that name neither a group nor a tool of ``tools`` (a typo would otherwise publish nothing)."""
    known = {ALL, *(name for spec in tools for name in (spec.group, spec.name))}
    return sorted(token for token in selection if token not in known)
