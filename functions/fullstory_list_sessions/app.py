"""fullstory_list_sessions: a user's recent sessions with replay links and summary-ready ids."""

from __future__ import annotations

from typing import Any

from catalog.sessions import LIST_SESSIONS, ListSessionsParams
from fullstory_client import FullstoryClient
from opal_tools.adapter import tool_handler
from opal_tools.views import session_view


def list_sessions(params: ListSessionsParams, client: FullstoryClient) -> dict[str, Any]:
    found = client.list_sessions(uid=params.uid, email=params.email, limit=params.limit)
    sessions = [session_view(s) for s in found.sessions[: params.limit]]
    who = " or ".join(f"{k} {v}" for k, v in (("uid", params.uid), ("email", params.email)) if v)
    answer: dict[str, Any] = {"sessions": sessions, "count": len(sessions), "user": who}
    if sessions:
        answer["next"] = "Pass a sessionId to a fullstory_get_session_*_summary tool to analyse that session."
    else:
        answer["note"] = f"Fullstory has no sessions for {who}."
    return answer


lambda_handler = tool_handler(LIST_SESSIONS, list_sessions)
