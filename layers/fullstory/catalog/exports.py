"""Segment export tools (filled in by the exports work)."""

from __future__ import annotations

from opal_tools.spec import ToolSpec

EXPORT_TOOLS: tuple[ToolSpec, ...] = ()
