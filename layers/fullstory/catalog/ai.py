"""AI session analysis tools: typed summaries, custom summary, CMP/error detection, visit profile."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from fullstory_client import EXPECTED_FORM, normalize_session_id
from opal_tools.spec import ToolSpec

from .base import OptionalEmail, OptionalText, ToolParameters, parameter_error


def _session_id(value: str) -> str:
    normalized = normalize_session_id(value)
    if normalized is None:
        raise PydanticCustomError("session_id", "is not a Fullstory session id; expected " + EXPECTED_FORM)
    return normalized


SessionId = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_session_id)]
Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
OptionalPrompt = Annotated[OptionalText, Field(max_length=4000)]

SESSION_ID_DESCRIPTION = (
    "The session to analyse, as deviceId:sessionId (the sessionId that fullstory_list_sessions returns, e.g. "
    "4617328710723584:7291042947185627). A pasted Fullstory replay URL or the older deviceId!sessionId form also works."
)


class SessionParams(ToolParameters):
    sessionId: SessionId = Field(description=SESSION_ID_DESCRIPTION)


class CustomSummaryParams(ToolParameters):
    sessionId: SessionId = Field(description=SESSION_ID_DESCRIPTION)
    pre_prompt: Prompt = Field(
        description="Text placed before the session data: the role and context, e.g. 'Act as a product manager "
        "reviewing how customers use our checkout.'"
    )
    post_prompt: Prompt = Field(
        description="Text placed after the session data: what to produce and in what form, e.g. 'List the features "
        "used and suggest three improvements.'"
    )
    temperature: float = Field(
        0.4, ge=0.0, le=1.0, description="Creativity of the answer: low (0.1-0.3) for factual, higher for creative."
    )


class VisitLlm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    pre_prompt: OptionalPrompt = Field(None, description="Role and context placed before each session's data.")
    post_prompt: OptionalPrompt = Field(None, description="What to produce for each session.")
    temperature: float = Field(0.2, ge=0.0, le=1.0, description="Creativity, 0.0 to 1.0.")


class VisitProfileParams(ToolParameters):
    uid: OptionalText = Field(None, max_length=256, description="The user's id in your app (FS identify uid).")
    email: OptionalEmail = Field(None, description="The user's email address.")
    limit: int = Field(5, ge=1, le=20, description="How many of the user's most recent sessions to analyse.")
    llm: VisitLlm | None = Field(
        None,
        description="Optional perspective for the analysis: {pre_prompt, post_prompt, temperature (default 0.2)}, "
        'e.g. {"pre_prompt": "Act as a technical lead", "post_prompt": "Focus on recurring errors"}. '
        "Omit for a support and UX insight report.",
    )

    @model_validator(mode="after")
    def _exactly_one_user(self) -> Self:
        if (self.uid is None) == (self.email is None):
            raise parameter_error("uid", "give exactly one of uid or email (not both, not neither)")
        return self


def _summary_tool(name: str, description: str, example: str) -> ToolSpec:
    return ToolSpec(
        name=name, description=description, parameters=SessionParams, group="ai", ai=True, example_prompt=example
    )


QUICK_SUMMARY = _summary_tool(
    "fullstory_get_session_quick_summary",
    "Summarise one Fullstory session in two or three sentences: what the user did, whether they reached their "
    "goal, and any issue. Use for fast triage, daily reviews or a status line for stakeholders. Needs the "
    "session id (deviceId:sessionId from fullstory_list_sessions, or a replay URL).",
    "Give me a quick summary of session 4617328710723584:7291042947185627.",
)
BEHAVIOR_SUMMARY = _summary_tool(
    "fullstory_get_session_behavior_summary",
    "Analyse the user's behavior in one Fullstory session: persona (power user, first-timer, explorer), "
    "navigation style, features used, engagement and inferred goals. Use for UX research and product questions "
    "about how someone used the site.",
    "What kind of user is this and how did they navigate? Session 4617328710723584:7291042947185627.",
)
SUPPORT_SUMMARY = _summary_tool(
    "fullstory_get_session_support_summary",
    "Summarise one Fullstory session for a support agent with a ticket in hand: what the user tried, what went "
    "wrong (errors, failed requests), frustration signals (rage clicks, repeated failures), how it ended and the "
    "recommended follow-up.",
    "A customer says checkout broke. What happened in session 4617328710723584:7291042947185627?",
)
TECHNICAL_SUMMARY = _summary_tool(
    "fullstory_get_session_technical_summary",
    "Technical report of one Fullstory session for developers and QA: console errors and warnings, JavaScript "
    "exceptions, failed network requests, slow or broken page loads, and the user action that triggered each.",
    "Which console errors and failed requests happened in session 4617328710723584:7291042947185627?",
)
CONVERSION_FUNNEL_SUMMARY = _summary_tool(
    "fullstory_get_session_conversion_funnel_summary",
    "Analyse one Fullstory session as a conversion funnel (checkout, signup, booking): stages reached, where and "
    "why the user dropped off, hesitation signals, blockers and purchase intent.",
    "Where did this shopper drop off in session 4617328710723584:7291042947185627, and why?",
)
USER_INTENT_SUMMARY = _summary_tool(
    "fullstory_get_session_user_intent_summary",
    "Judge what the user came to do in one Fullstory session, from their first actions: exploring, researching, "
    "ready to buy, seeking support or comparing, with a confidence and the evidence.",
    "What was this visitor trying to do? Session 4617328710723584:7291042947185627.",
)
CMP_ERROR_DETECTION = _summary_tool(
    "fullstory_get_cmp_error_detection",
    "Detect problems in one Fullstory session as a structured list: visible error banners, toasts, alerts and "
    "modals, console and network failures, and consent-management (cookie banner, privacy preference) problems. "
    "Each finding has kind, page, time and message. Use for consent-platform QA and compliance-sensitive flows.",
    "Any consent-management problems in session 4617328710723584:7291042947185627?",
)
CUSTOM_SUMMARY = ToolSpec(
    name="fullstory_get_custom_session_summary",
    description=(
        "Summarise one Fullstory session with your own instructions, when none of the typed summaries fits: a "
        "pre_prompt (role and context, placed before the session data), a post_prompt (what to produce, placed "
        "after it) and a temperature (low for factual, higher for creative)."
    ),
    parameters=CustomSummaryParams,
    group="ai",
    ai=True,
    example_prompt="Act as a product manager: list the features used in session 4617328710723584:7291042947185627.",
)
VISIT_PROFILE = ToolSpec(
    name="fullstory_visit_profile",
    description=(
        "Whole-person view of one user across their recent Fullstory sessions: each session summarised (with its "
        "replay link) and the problems that recur across sessions. Find the user by exactly one of uid or email. "
        "Use to prepare a support call, find recurring frustration for UX research, or spot users who keep "
        "struggling. Optionally give a perspective (llm.pre_prompt / llm.post_prompt)."
    ),
    parameters=VisitProfileParams,
    group="ai",
    ai=True,
    example_prompt="Analyse the profile of customer@company.com and look for recurring issues.",
)

AI_TOOLS: tuple[ToolSpec, ...] = (
    QUICK_SUMMARY,
    BEHAVIOR_SUMMARY,
    SUPPORT_SUMMARY,
    TECHNICAL_SUMMARY,
    CONVERSION_FUNNEL_SUMMARY,
    USER_INTENT_SUMMARY,
    CUSTOM_SUMMARY,
    CMP_ERROR_DETECTION,
    VISIT_PROFILE,
)
