"""fullstory_visit_profile: a user's recent sessions summarised side by side, and what recurs across them.

Sessions are summarised concurrently (bounded) within the tool's deadline: when time runs
short, the finished ones are returned and the rest are named as not analysed. No summary is
started too late to finish, and none is still running once the tool has answered.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fullstory_client import FullstoryError, UpstreamTimeout
from opal_tools.fanout import Done, Outcome, Task, Unfinished, fan_out
from opal_tools.problems import Problem
from opal_tools.spec import ToolSpec

from .needs import FULLSTORY
from .params import OptionalEmail, OptionalText, ToolParameters, parameter_error
from .summarize import summarize_as
from .summary_profiles import visit_configuration
from .views import session_view

if TYPE_CHECKING:
    from fullstory_client import FullstoryClient
    from fullstory_client.models import Session
    from fullstory_client.summary_config import SummaryConfiguration

MAX_CONCURRENCY = 5  # summaries are slow; more in parallel mostly earns 429s
ANSWER_MARGIN_S = 1.0  # before the client's deadline: the workers' grace, then the answer itself
JOIN_GRACE_S = 0.5  # for summaries ending at the deadline (their requests time out then)
MIN_SUMMARY_S = 1.0  # an LLM summary started with less time than this could not finish: not started

OptionalPrompt = Annotated[OptionalText, Field(max_length=4000)]


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


def _issues(found: dict[str, Any]) -> list[dict[str, str]]:
    raw = found.get("issues")
    if not isinstance(raw, list):
        return []
    return [{k: str(item.get(k, "")) for k in ("kind", "page", "message")} for item in raw if isinstance(item, dict)]


def _recurring(analysed: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Issues and pages seen in at least two of the analysed sessions."""
    issue_sessions: Counter[tuple[str, str]] = Counter()
    issue_pages: dict[tuple[str, str], set[str]] = {}
    page_sessions: Counter[str] = Counter()
    for session in analysed:
        keys = {(i["kind"], i["message"]) for i in session["issues"]}
        issue_sessions.update(keys)
        for issue in session["issues"]:
            issue_pages.setdefault((issue["kind"], issue["message"]), set()).add(issue["page"])
        page_sessions.update(set(session.get("pagesVisited", [])))
    issues = [
        {"kind": kind, "message": message, "sessions": count, "pages": sorted(issue_pages[(kind, message)])}
        for (kind, message), count in issue_sessions.most_common()
        if count >= 2
    ]
    pages = [page for page, count in page_sessions.most_common(10) if count >= 2]
    return issues, pages


def _time_left(client: FullstoryClient) -> float | None:
    return None if client.deadline is None else client.deadline - time.monotonic() - ANSWER_MARGIN_S


def _summary_task(
    client: FullstoryClient, session_id: str, configuration: SummaryConfiguration
) -> Task[dict[str, Any]]:
    def run(budget: float | None) -> dict[str, Any]:
        # Its own view of the client: this summary's I/O ends when the fan-out's time does.
        return summarize_as("visit-profile", client.with_time_budget(budget), session_id, configuration)

    return run


def _analysed(view: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
    pages = found.get("pages_visited")
    return {
        **view,
        "summary": found.get("summary"),
        "issues": _issues(found),
        "pagesVisited": pages if isinstance(pages, list) else [],
    }


def _reason(error: FullstoryError | Problem) -> str:
    return error.detail if isinstance(error, Problem) else f"Fullstory error: {error.message}"


def _configuration(llm: VisitLlm | None) -> SummaryConfiguration:
    if llm is None:
        return visit_configuration(None, None, 0.2)
    return visit_configuration(llm.pre_prompt, llm.post_prompt, llm.temperature)


def _sorted_outcomes(
    outcomes: list[Outcome[dict[str, Any]]], sessions: list[Session]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Exception], bool]:
    """(analysed, not analysed, failures, whether time ran short) of the fan-out's outcomes."""
    analysed: list[dict[str, Any]] = []
    not_analysed: list[dict[str, Any]] = []
    failures: list[Exception] = []
    late = False
    for outcome, session in zip(outcomes, sessions, strict=True):
        view = session_view(session)
        if isinstance(outcome, Done):
            analysed.append(_analysed(view, outcome.value))
        elif isinstance(outcome, Unfinished) or isinstance(outcome.error, UpstreamTimeout):
            late = True  # cut short by the tool's deadline (its budget ended the request)
            not_analysed.append({**view, "reason": "not finished before the tool's time limit"})
        elif isinstance(outcome.error, FullstoryError | Problem):
            failures.append(outcome.error)
            not_analysed.append({**view, "reason": _reason(outcome.error)})
        else:
            raise outcome.error
    return analysed, not_analysed, failures, late


def visit_profile(params: VisitProfileParams, *, fullstory: FullstoryClient) -> dict[str, Any]:
    who = f"uid {params.uid}" if params.uid else f"email {params.email}"
    sessions = fullstory.list_sessions(uid=params.uid, email=params.email, limit=params.limit).sessions
    sessions = sessions[: params.limit]
    if not sessions:
        return {"user": who, "sessionsFound": 0, "sessions": [], "note": f"Fullstory has no sessions for {who}."}
    configuration = _configuration(params.llm)
    outcomes = fan_out(
        [_summary_task(fullstory, s.full_id, configuration) for s in sessions],
        within_s=_time_left(fullstory),
        max_concurrency=MAX_CONCURRENCY,
        min_start_s=MIN_SUMMARY_S,
        grace_s=JOIN_GRACE_S,
        name="summary",
    )
    analysed, not_analysed, failures, late = _sorted_outcomes(outcomes, sessions)
    if not analysed and failures and not late:
        raise failures[0]  # e.g. a key without AI access: one clear problem, not N copies
    recurring_issues, recurring_pages = _recurring(analysed)
    answer: dict[str, Any] = {
        "user": who,
        "sessionsFound": len(sessions),
        "sessionsAnalysed": len(analysed),
        "recurringIssues": recurring_issues,
        "recurringPages": recurring_pages,
        "sessions": [{k: v for k, v in s.items() if k != "pagesVisited"} for s in analysed],
    }
    if not_analysed:
        answer["notAnalysed"] = not_analysed
        answer["note"] = (
            f"{len(not_analysed)} of {len(sessions)} sessions were not analysed (see notAnalysed); "
            "ask again with a smaller limit, or summarise them one by one."
        )
    return answer


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
    run=visit_profile,
    needs=(FULLSTORY,),
    ai=True,
    example_prompt="Analyse the profile of john.doe@example.com and look for recurring issues.",
    example_parameters={
        "email": "john.doe@example.com",
        "limit": 5,
        "llm": {
            "pre_prompt": "Act as a technical lead.",
            "post_prompt": "Focus on recurring errors and what to fix first.",
            "temperature": 0.2,
        },
    },
    # Summarises up to 5 sessions at once: more memory is more CPU for the parallel TLS/JSON work.
    memory_mb=1024,
)
