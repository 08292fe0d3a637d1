"""Session tools: find a user's recorded sessions."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from opal_tools.spec import ToolSpec

from .base import OptionalEmail, OptionalText, ToolParameters, parameter_error


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
    example_prompt="Show the last 10 sessions for john.doe@example.com.",
)


SESSION_TOOLS: tuple[ToolSpec, ...] = (LIST_SESSIONS,)
