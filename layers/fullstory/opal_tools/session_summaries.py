"""AI summaries of one session, answered in a shape a language model reads directly."""

from __future__ import annotations

from typing import Any

from fullstory_client import FullstoryClient, NotFound
from fullstory_client.summary_config import SummaryConfiguration

from .problems import Problem


def session_not_found(session_id: str, base_profile: str | None = None) -> Problem:
    detail = f"Fullstory has no session {session_id}."
    if base_profile:  # Fullstory's 404 does not say which of the two it could not find
        detail = (
            f"Fullstory has no session {session_id}, or no summary profile {base_profile} (the base profile "
            "configured in SummaryBaseProfiles)."
        )
    return Problem(
        404,
        "Session not found",
        f"{detail} Use fullstory_list_sessions to find a user's session ids.",
        "SESSION_NOT_FOUND",
    )


def summarize(
    client: FullstoryClient, session_id: str, configuration: SummaryConfiguration, *, base_profile: str | None = None
) -> dict[str, Any]:
    """``{"summary": text}``, or the structured fields when the configuration has a response schema."""
    try:
        result = client.generate_summary(session_id, configuration, base_profile=base_profile)
    except NotFound:
        raise session_not_found(session_id, base_profile) from None
    if isinstance(result.response, dict):
        return dict(result.response)
    if result.summary is None:
        return {"summary": "" if result.response is None else str(result.response)}
    return {"summary": result.summary}
