"""AI summaries of one session, answered in a shape a language model reads directly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from fullstory_client import FullstoryClient
from fullstory_client.profiles import ProfileDefinition, SessionNotFound, summary_profiles

from .problems import Problem


class HasSessionId(Protocol):
    @property
    def sessionId(self) -> str: ...


def session_not_found(session_id: str) -> Problem:
    return Problem(
        404,
        "Session not found",
        f"Fullstory has no session {session_id}. Use fullstory_list_sessions to find a user's session ids.",
        "SESSION_NOT_FOUND",
    )


def summarize(client: FullstoryClient, session_id: str, definition: ProfileDefinition) -> dict[str, Any]:
    """``{"summary": text}`` or the structured fields of a profile with a response schema."""
    try:
        result = summary_profiles(client).summarize(session_id, definition)
    except SessionNotFound:
        raise session_not_found(session_id) from None
    if isinstance(result.response, dict):
        return dict(result.response)
    if result.summary is None:
        return {"summary": "" if result.response is None else str(result.response)}
    return {"summary": result.summary}


def summary_tool(definition: ProfileDefinition, summary_type: str) -> Callable[[Any, FullstoryClient], dict[str, Any]]:
    """The logic of a summary tool whose profile is fixed in code."""

    def run(params: HasSessionId, client: FullstoryClient) -> dict[str, Any]:
        return {
            "sessionId": params.sessionId,
            "summaryType": summary_type,
            **summarize(client, params.sessionId, definition),
        }

    return run
