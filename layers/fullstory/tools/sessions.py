"""Session tools: find a user's recorded sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from pydantic import Field, model_validator

from opal_tools.spec import ToolSpec

from .needs import FULLSTORY
from .params import OptionalEmail, OptionalText, ToolParameters, parameter_error
from .views import session_view

if TYPE_CHECKING:
    from fullstory_client import FullstoryClient


class ListSessionsParams(ToolParameters):
    uid: OptionalText = Field(
        None,
        max_length=256,
        description="The user's id in your app (the uid set with FS identify), e.g. '12345' or 'usr_1001'.",
    )
    email: OptionalEmail = Field(None, description="The user's email address, e.g. john.doe@example.com.")
    limit: int = Field(20, ge=1, le=100, description="How many of the most recent sessions to return.")

    @model_validator(mode="after")
    def _needs_a_user(self) -> Self:
        if self.uid is None and self.email is None:
            raise parameter_error("uid", "give uid or email (or both) to say whose sessions to list")
        return self


def list_sessions(params: ListSessionsParams, *, fullstory: FullstoryClient) -> dict[str, Any]:
    """A user's recent sessions with replay links and summary-ready ids."""
    found = fullstory.list_sessions(uid=params.uid, email=params.email, limit=params.limit)
    sessions = [session_view(s) for s in found.sessions[: params.limit]]
    who = " or ".join(f"{k} {v}" for k, v in (("uid", params.uid), ("email", params.email)) if v)
    answer: dict[str, Any] = {"sessions": sessions, "count": len(sessions), "user": who}
    if sessions:
        answer["next"] = "Pass a sessionId to a fullstory_get_session_*_summary tool to analyse that session."
    else:
        answer["note"] = f"Fullstory has no sessions for {who}."
    return answer


LIST_SESSIONS = ToolSpec(
    name="fullstory_list_sessions",
    description=(
        "List a user's most recent Fullstory sessions (recorded visits), newest first, found by the user's app "
        "user id (uid) and/or email; with both, sessions matching either are returned. Each session has its "
        "replay link, its creation time and the sessionId (deviceId:sessionId) that the AI session summary "
        "tools take. Use it when support needs a customer's replays after a ticket or an analyst wants a "
        "user's recent activity."
    ),
    parameters=ListSessionsParams,
    group="sessions",
    run=list_sessions,
    needs=(FULLSTORY,),
    example_prompt="Show the last 10 sessions for john.doe@example.com.",
    example_parameters={"email": "john.doe@example.com", "limit": 10},
)
