"""The configuration behind each AI summary: prompts, temperature and response schema per purpose.

Fullstory assembles ``pre_prompt`` + the session's context + ``post_prompt``. Every summary sends
its configuration whole (``POST /v2/sessions/{id}/summary``), so what is written here is what
Fullstory uses on the very next call: no profile is saved in the customer's org, none can go stale.
Response schemas use Fullstory's dialect: CAPITALISED types, ``enum`` paired with ``"format":
"enum"``, a ``description`` on every property, no ``$schema``/``$id``.
"""

from __future__ import annotations

from typing import Any

from fullstory_client.summary_config import SummaryConfiguration

_ANALYST = (
    "You are a digital-experience analyst reviewing one recorded Fullstory session: the pages the user "
    "visited and the events on each (clicks, inputs, navigation, errors, frustration signals). Base every "
    "statement on the session data below; say so when the data does not show something."
)

QUICK = SummaryConfiguration(
    pre_prompt=_ANALYST,
    post_prompt=(
        "Write a quick summary in two or three sentences for a busy stakeholder: what the user did, whether "
        "they reached their apparent goal, and the single most important issue if there was one. No lists, "
        "no headings."
    ),
    temperature=0.2,
)

BEHAVIOR = SummaryConfiguration(
    pre_prompt=_ANALYST + " Your readers are UX researchers and product managers.",
    post_prompt=(
        "Describe the user's behavior: their likely persona (power user, first-timer, explorer, returning "
        "customer), navigation style (direct, searching, wandering), which features they interacted with and "
        "how, their engagement (time, depth, hesitation), and the goals you infer from their actions. Use short "
        "labelled paragraphs: Persona, Navigation, Feature interaction, Engagement, Inferred goals."
    ),
    temperature=0.3,
)

SUPPORT = SummaryConfiguration(
    pre_prompt=_ANALYST + " Your reader is a customer support agent with a ticket from this user in hand.",
    post_prompt=(
        "Summarise for the support agent: what the user was trying to do; what went wrong (issues, technical "
        "errors, failed requests); frustration signals such as rage clicks, dead clicks and repeated failed "
        "attempts, with the page and time of each; how the session ended; and a recommended follow-up for the "
        "agent. Be concrete; quote error messages exactly."
    ),
    temperature=0.2,
)

TECHNICAL = SummaryConfiguration(
    pre_prompt=_ANALYST + " Your readers are developers and QA engineers.",
    post_prompt=(
        "Produce a technical report: every console error and warning and JavaScript exception (exact message), "
        "every failed network request (URL and status), slow or failed page loads, and for each the user action "
        "that triggered it, the page and the time. Order by severity. End with the likely root causes. If there "
        "were no technical problems, say so plainly."
    ),
    temperature=0.1,
)

CONVERSION_FUNNEL = SummaryConfiguration(
    pre_prompt=_ANALYST + " Your reader optimises conversion (checkout, signup, booking).",
    post_prompt=(
        "Analyse the session as a conversion funnel: which stages the user reached (e.g. landing, product, "
        "cart, checkout, purchase), where they dropped off and the likely reason, hesitation signals (long "
        "pauses, back-and-forth, repeated edits), blockers (errors, confusing steps) and their purchase "
        "intent (low, medium, high) with the evidence."
    ),
    temperature=0.2,
)

USER_INTENT = SummaryConfiguration(
    pre_prompt=_ANALYST,
    post_prompt=(
        "Judge the user's intent, what they came to do, from their first actions: classify it as exploring, "
        "researching, ready to buy, seeking support, or comparing; give your confidence (low, medium, high) "
        "and the evidence; state the goal of the visit, and whether the session suggests they accomplished it."
    ),
    temperature=0.2,
)

_FINDING_KINDS = ["error_banner", "toast", "alert", "modal", "console_error", "network_failure", "consent"]

CMP_ERROR_DETECTION = SummaryConfiguration(
    pre_prompt=_ANALYST + " You audit consent management (cookie banners, privacy preferences) and visible errors.",
    post_prompt=(
        "Find every problem the user could see or that broke the experience: error banners, toasts, alerts and "
        "modals; console errors and failed network requests; and consent-management (CMP, cookie banner) "
        "problems such as a banner that did not appear, reappeared after a choice, buttons that did nothing, or "
        "consent scripts that failed. One finding per problem with its kind, page, time and exact message."
    ),
    # Not 0: a zero may read as "not given" (proto3 JSON) and fall back to Fullstory's default.
    temperature=0.1,
    response_schema={
        "type": "OBJECT",
        "properties": {
            "findings": {
                "type": "ARRAY",
                "description": "Each problem found, in time order.",
                "items": {
                    "type": "OBJECT",
                    "description": "One problem.",
                    "properties": {
                        "kind": {
                            "type": "STRING",
                            "description": "What kind of problem it is.",
                            "enum": _FINDING_KINDS,
                            "format": "enum",
                        },
                        "page": {"type": "STRING", "description": "URL or path of the page."},
                        "time": {"type": "STRING", "description": "RFC 3339 time of the problem."},
                        "message": {"type": "STRING", "description": "Exact text of the error, or what happened."},
                        "severity": {
                            "type": "STRING",
                            "description": "How badly it hurt the experience.",
                            "enum": ["high", "medium", "low"],
                            "format": "enum",
                        },
                    },
                    "required": ["kind", "page", "time", "message"],
                },
            },
            "consent_banner_problem": {"type": "BOOLEAN", "description": "True if consent management misbehaved."},
            "consent_status": {"type": "STRING", "description": "Banner shown or not, the choice made, failures."},
            "summary": {"type": "STRING", "description": "Two sentences on what was found."},
        },
        "required": ["findings", "consent_banner_problem", "summary"],
    },
)

# The summaries whose configuration is fixed in code, by summary type. Looked up on every call.
CONFIGURATIONS: dict[str, SummaryConfiguration] = {
    "quick": QUICK,
    "behavior": BEHAVIOR,
    "support": SUPPORT,
    "technical": TECHNICAL,
    "conversion-funnel": CONVERSION_FUNNEL,
    "user-intent": USER_INTENT,
    "cmp-error-detection": CMP_ERROR_DETECTION,
}
# Every summary type, also the two whose prompts come from the caller.
SUMMARY_TYPES: tuple[str, ...] = (*CONFIGURATIONS, "custom", "visit-profile")

VISIT_SCHEMA: dict[str, Any] = {
    "type": "OBJECT",
    "properties": {
        "summary": {"type": "STRING", "description": "The session summary as instructed."},
        "issues": {
            "type": "ARRAY",
            "description": "Problems in this session: errors, failed requests, frustration, consent problems.",
            "items": {
                "type": "OBJECT",
                "description": "One problem.",
                "properties": {
                    "kind": {"type": "STRING", "description": "What kind of problem, e.g. console_error."},
                    "page": {"type": "STRING", "description": "URL or path of the page."},
                    "message": {"type": "STRING", "description": "Exact text of the error, or what happened."},
                },
                "required": ["kind", "page", "message"],
            },
        },
        "pages_visited": {
            "type": "ARRAY",
            "description": "The pages of the session, in order.",
            "items": {"type": "STRING", "description": "URL of a page."},
        },
    },
    "required": ["summary", "issues"],
}

VISIT_DEFAULT_PRE_PROMPT = (
    _ANALYST + " This session is one of several recent sessions of the same user; you are preparing support "
    "and UX insight about that person."
)
VISIT_DEFAULT_POST_PROMPT = (
    "Summarise the session in three or four sentences: what the user tried to do, what went wrong (errors, "
    "failed requests, frustration such as rage clicks, consent problems) and how it ended. List each problem "
    "as an issue with its kind, page and exact message."
)


def custom_configuration(pre_prompt: str, post_prompt: str, temperature: float) -> SummaryConfiguration:
    return SummaryConfiguration(pre_prompt=pre_prompt, post_prompt=post_prompt, temperature=temperature)


def visit_configuration(pre_prompt: str | None, post_prompt: str | None, temperature: float) -> SummaryConfiguration:
    """Each session of a visit profile: the caller's perspective (or ours) and a structured answer."""
    return SummaryConfiguration(
        pre_prompt=pre_prompt or VISIT_DEFAULT_PRE_PROMPT,
        post_prompt=post_prompt or VISIT_DEFAULT_POST_PROMPT,
        temperature=temperature,
        response_schema=VISIT_SCHEMA,
    )
