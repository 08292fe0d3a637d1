"""Which tools this installation publishes: ``ENABLED_TOOLS`` (template parameter ``EnabledTools``).

A comma-separated list of tool groups and/or single tool names; ``all`` (the default, also when
unset or blank) publishes every tool. Opal accounts have a tool limit, so an installation may
publish only what its users need. Selection happens at runtime only: every function is deployed
(an idle one costs nothing), discovery lists the selected tools and the others answer 404.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from .spec import ToolSpec

ENABLED_TOOLS_ENV = "ENABLED_TOOLS"
ALL = "all"


def parse_selection(raw: str | None) -> frozenset[str]:
    """The selection's tokens, lower-cased; ``{"all"}`` when nothing is selected."""
    tokens = frozenset(token.strip().lower() for token in (raw or "").split(",") if token.strip())
    return tokens or frozenset({ALL})


def selection_from_env() -> frozenset[str]:
    return parse_selection(os.environ.get(ENABLED_TOOLS_ENV))


def is_selected(spec: ToolSpec, selection: frozenset[str]) -> bool:
    return ALL in selection or spec.group in selection or spec.name in selection


def tool_enabled(spec: ToolSpec) -> bool:
    return is_selected(spec, selection_from_env())


AI_ENABLED_ENV = "FULLSTORY_AI_ANALYSIS_ENABLED"


def ai_analysis_enabled() -> bool:
    """The AI toggle (template parameter EnableAiAnalysis); on unless explicitly turned off."""
    return os.environ.get(AI_ENABLED_ENV, "true").strip().lower() not in ("false", "0", "no", "off")


def unknown_tokens(selection: Iterable[str], tools: Iterable[ToolSpec]) -> list[str]:
    """Tokens that name neither a group nor a tool of ``tools`` (a typo would otherwise publish nothing)."""
    known = {ALL, *(name for spec in tools for name in (spec.group, spec.name))}
    return sorted(token for token in selection if token not in known)
