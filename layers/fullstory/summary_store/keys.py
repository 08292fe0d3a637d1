"""What identifies a cached summary, and a month of the Activation budget."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# Bumped when what the tools keep of Fullstory's answer changes shape: old entries are then misses.
RESULT_SHAPE = 1


def request_hash(request: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of everything sent for a summary (the whole body, base profile included)."""
    canonical = json.dumps(
        {"shape": RESULT_SHAPE, "request": request}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def summary_key(session_id: str, request: Mapping[str, Any]) -> str:
    return f"summary#{session_id}#{request_hash(request)}"


def month_key(now: float) -> str:
    return "budget#" + datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m")


def next_month(now: float) -> datetime:
    """When the calendar month (UTC) of ``now`` ends: the budget's reset."""
    moment = datetime.fromtimestamp(now, tz=UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)
