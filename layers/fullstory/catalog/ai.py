"""AI session analysis tools (filled in by the AI analysis work)."""

from __future__ import annotations

from opal_tools.spec import ToolSpec

AI_TOOLS: tuple[ToolSpec, ...] = ()
