"""AI summaries of one session: the typed summaries, the custom summary, CMP/error detection."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from fullstory_client import EXPECTED_FORM, normalize_session_id
from opal_tools.spec import ToolSpec

from .needs import FULLSTORY, SUMMARY_CACHE
from .params import ToolParameters
from .summarize import summary_type_request
from .summary_answers import cached_summary
from .summary_profiles import CONFIGURATIONS, custom_configuration

if TYPE_CHECKING:
    from fullstory_client import FullstoryClient
    from fullstory_client.summary_config import SummaryConfiguration

    from .summary_cache import SummaryCache


def _session_id(value: str) -> str:
    normalized = normalize_session_id(value)
    if normalized is None:
        raise PydanticCustomError("session_id", "is not a Fullstory session id; expected " + EXPECTED_FORM)
    return normalized


SessionId = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(_session_id)]
Prompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]

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


EXAMPLE_SESSION = {"sessionId": "4617328710723584:7291042947185627"}


def _typed(
    summary_type: str,
    session_id: str,
    fullstory: FullstoryClient,
    summaries: SummaryCache,
    configuration: SummaryConfiguration | None = None,
    shape: Callable[[dict[str, Any]], dict[str, Any]] = dict,
) -> dict[str, Any]:
    chosen, profile = summary_type_request(summary_type, configuration)
    head = {"sessionId": session_id, "summaryType": summary_type}
    return cached_summary(head, summaries, fullstory, session_id, chosen, profile, shape)


def summary_logic(summary_type: str) -> Callable[..., dict[str, Any]]:
    """The logic of a typed summary tool: ``{sessionId, summaryType, summary, cached, ...}``."""
    if summary_type not in CONFIGURATIONS:  # fail at import, not on the first call
        raise KeyError(f"no summary configuration {summary_type!r}")

    def run(params: SessionParams, *, fullstory: FullstoryClient, summaries: SummaryCache) -> dict[str, Any]:
        return _typed(summary_type, params.sessionId, fullstory, summaries)

    return run


def custom_summary(
    params: CustomSummaryParams, *, fullstory: FullstoryClient, summaries: SummaryCache
) -> dict[str, Any]:
    """The caller's own prompts, sent with the request (nothing saved in Fullstory)."""
    configuration = custom_configuration(params.pre_prompt, params.post_prompt, params.temperature)
    return _typed("custom", params.sessionId, fullstory, summaries, configuration)


def _findings(found: dict[str, Any]) -> dict[str, Any]:
    findings = found.get("findings")
    findings = findings if isinstance(findings, list) else []
    return {
        "findingCount": len(findings),
        "findings": findings,
        "consentBannerProblem": bool(found.get("consent_banner_problem")),
        "consentStatus": found.get("consent_status"),
        "summary": found.get("summary"),
    }


def detect_problems(params: SessionParams, *, fullstory: FullstoryClient, summaries: SummaryCache) -> dict[str, Any]:
    """Visible errors and consent-banner problems, one finding each."""
    answer = _typed("cmp-error-detection", params.sessionId, fullstory, summaries, shape=_findings)
    answer.pop("summaryType", None)
    return answer


# Every summary tool may answer before the analysis is done; the model must know to ask again.
RUNNING_HINT = " A slow analysis answers status running: call again after retryAfterSeconds for the result."


def _summary_tool(name: str, description: str, example: str, run: Callable[..., dict[str, Any]]) -> ToolSpec:
    return ToolSpec(
        name=name,
        description=description + RUNNING_HINT,
        parameters=SessionParams,
        group="ai",
        run=run,
        needs=(FULLSTORY, SUMMARY_CACHE),
        ai=True,
        example_prompt=example,
        example_parameters=EXAMPLE_SESSION,
    )


QUICK_SUMMARY = _summary_tool(
    "fullstory_get_session_quick_summary",
    "Summarise one Fullstory session in two or three sentences: what the user did, whether they reached their "
    "goal, and any issue. Use for fast triage, daily reviews or a status line for stakeholders. Needs the "
    "session id (deviceId:sessionId from fullstory_list_sessions, or a replay URL).",
    "Give me a quick summary of session 4617328710723584:7291042947185627.",
    summary_logic("quick"),
)
BEHAVIOR_SUMMARY = _summary_tool(
    "fullstory_get_session_behavior_summary",
    "Analyse the user's behavior in one Fullstory session: persona (power user, first-timer, explorer), "
    "navigation style, features used, engagement and inferred goals. Use for UX research and product questions "
    "about how someone used the site.",
    "What kind of user is this and how did they navigate? Session 4617328710723584:7291042947185627.",
    summary_logic("behavior"),
)
SUPPORT_SUMMARY = _summary_tool(
    "fullstory_get_session_support_summary",
    "Summarise one Fullstory session for a support agent with a ticket in hand: what the user tried, what went "
    "wrong (errors, failed requests), frustration signals (rage clicks, repeated failures), how it ended and the "
    "recommended follow-up.",
    "A customer says checkout broke. What happened in session 4617328710723584:7291042947185627?",
    summary_logic("support"),
)
TECHNICAL_SUMMARY = _summary_tool(
    "fullstory_get_session_technical_summary",
    "Technical report of one Fullstory session for developers and QA: console errors and warnings, JavaScript "
    "exceptions, failed network requests, slow or broken page loads, and the user action that triggered each.",
    "Which console errors and failed requests happened in session 4617328710723584:7291042947185627?",
    summary_logic("technical"),
)
CONVERSION_FUNNEL_SUMMARY = _summary_tool(
    "fullstory_get_session_conversion_funnel_summary",
    "Analyse one Fullstory session as a conversion funnel (checkout, signup, booking): stages reached, where and "
    "why the user dropped off, hesitation signals, blockers and purchase intent.",
    "Where did this shopper drop off in session 4617328710723584:7291042947185627, and why?",
    summary_logic("conversion-funnel"),
)
USER_INTENT_SUMMARY = _summary_tool(
    "fullstory_get_session_user_intent_summary",
    "Judge what the user came to do in one Fullstory session, from their first actions: exploring, researching, "
    "ready to buy, seeking support or comparing, with a confidence and the evidence.",
    "What was this visitor trying to do? Session 4617328710723584:7291042947185627.",
    summary_logic("user-intent"),
)
CMP_ERROR_DETECTION = _summary_tool(
    "fullstory_get_cmp_error_detection",
    "Detect problems in one Fullstory session as a structured list: visible error banners, toasts, alerts and "
    "modals, console and network failures, and consent-management (cookie banner, privacy preference) problems. "
    "Each finding has kind, page, time and message. Use for consent-platform QA and compliance-sensitive flows.",
    "Any consent-management problems in session 4617328710723584:7291042947185627?",
    detect_problems,
)
CUSTOM_SUMMARY = ToolSpec(
    name="fullstory_get_custom_session_summary",
    description=(
        "Summarise one Fullstory session with your own instructions, when none of the typed summaries fits: a "
        "pre_prompt (role and context, placed before the session data), a post_prompt (what to produce, placed "
        "after it) and a temperature (low for factual, higher for creative)." + RUNNING_HINT
    ),
    parameters=CustomSummaryParams,
    group="ai",
    run=custom_summary,
    needs=(FULLSTORY, SUMMARY_CACHE),
    ai=True,
    example_prompt="Act as a product manager: list the features used in session 4617328710723584:7291042947185627.",
    example_parameters={
        **EXAMPLE_SESSION,
        "pre_prompt": "Act as a product manager reviewing how customers use our checkout.",
        "post_prompt": "List the features used and suggest three improvements.",
        "temperature": 0.4,
    },
)
