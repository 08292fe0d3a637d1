"""How a summary tool answers what the cache gave it: the result with where it came from, or "running"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .summary_cache import Ready, Running

if TYPE_CHECKING:
    from fullstory_client import FullstoryClient
    from fullstory_client.summary_config import SummaryConfiguration

    from .summary_cache import SummaryCache


def _now() -> str:
    return datetime.now(tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def running_note(retry_after_s: int) -> str:
    return (
        f"The analysis is still running in the background. Ask again (the same call) in about {retry_after_s} s: "
        "the result is then answered from the cache, at no extra cost."
    )


def provenance(outcome: Ready) -> dict[str, Any]:
    return {"cached": outcome.cached, "generatedAt": outcome.generated_at or _now()}


def cached_summary(
    head: dict[str, Any],
    summaries: SummaryCache,
    fullstory: FullstoryClient,
    session_id: str,
    configuration: SummaryConfiguration,
    base_profile: str | None,
    shape: Callable[[dict[str, Any]], dict[str, Any]] = dict,
) -> dict[str, Any]:
    """``head`` + the shaped result + cached/generatedAt + the month's budget; or status running."""
    outcome = summaries.summary(fullstory, session_id, configuration, base_profile=base_profile)
    answer = dict(head)
    if isinstance(outcome, Running):
        answer |= {
            "status": "running",
            "retryAfterSeconds": outcome.retry_after_s,
            "note": running_note(outcome.retry_after_s),
        }
    else:
        answer |= {**shape(outcome.result), **provenance(outcome)}
    budget = summaries.budget_state()
    if budget is not None:
        answer["activationBudget"] = budget
    return answer
