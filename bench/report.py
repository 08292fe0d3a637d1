"""Figures, ratios against goals, and the one markdown table `make bench` prints."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

PASS, MISS, INFO, NA = "PASS", "MISS", "info", "n/a"


@dataclass
class Row:
    measurement: str
    subject: str
    figure: str
    versus: str = ""
    goal: str = ""
    result: str = INFO


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 200 samples is the 198th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def verdict(ok: bool) -> str:
    return PASS if ok else MISS


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.2f} ms"


def mb(kib: float) -> str:
    return f"{kib / 1024:.1f} MB"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


def markdown(rows: Sequence[Row]) -> str:
    header = ("measurement", "subject", "figure (median)", "vs", "goal", "result")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = (row.measurement, row.subject, row.figure, row.versus, row.goal, row.result)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)
