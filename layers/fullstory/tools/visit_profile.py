"""fullstory_visit_profile: a user's recent sessions summarised side by side, and what recurs across them.

Each session goes through the summary cache and the Activation budget. Their summaries are started
concurrently (as many at once as the request has sessions, bounded by VisitProfileConcurrency),
then waited for until the tool's deadline. Summaries not finished by then go on in the summary
worker and are listed with when to ask again: the next call completes the profile from the cache.
With caching off, each summary is made within this call, and those cut short are not analysed.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fullstory_client import FullstoryError, UpstreamTimeout
from opal_tools.fanout import Done, Failed, Outcome, Task, fan_out
from opal_tools.problems import Problem
from opal_tools.spec import ToolSpec
from platform_kit.settings import settings

from .needs import FULLSTORY, SUMMARY_CACHE
from .params import OptionalEmail, OptionalText, ToolParameters, parameter_error
from .summarize import summary_type_request
from .summary_answers import provenance, running_note
from .summary_cache import Pending, Ready, Running
from .summary_profiles import visit_configuration
from .views import session_view

if TYPE_CHECKING:
    from fullstory_client import FullstoryClient
    from fullstory_client.models import Session
    from fullstory_client.summary_config import SummaryConfiguration

    from .summary_cache import SummaryCache

MAX_SESSIONS = 20
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
    limit: int = Field(
        5,
        ge=1,
        le=MAX_SESSIONS,
        description="How many of the user's most recent sessions to analyse (1-20). Summaries still running "
        "when the answer is due go on in the background: call again to complete the profile from the cache.",
    )
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


Started = Ready | Pending
Result = Ready | Running | Problem


def _begin_task(
    summaries: SummaryCache, client: FullstoryClient, session: Session, configuration: SummaryConfiguration
) -> Task[Started]:
    chosen, profile = summary_type_request("visit-profile", configuration)
    started_at = session.created_time.timestamp() if session.created_time is not None else None

    def run(budget: float | None) -> Started:
        # Its own view of the client: this summary's I/O ends when the fan-out's time does.
        view = client.with_time_budget(budget)
        return summaries.begin(view, session.full_id, chosen, base_profile=profile, started_at=started_at)

    return run


def _summaries_of(
    summaries: SummaryCache, fullstory: FullstoryClient, sessions: list[Session], configuration: SummaryConfiguration
) -> list[Outcome[Result]]:
    """Start every session's summary (bounded concurrency), then wait for those being made."""
    started = fan_out(
        [_begin_task(summaries, fullstory, s, configuration) for s in sessions],
        within_s=_time_left(fullstory),
        max_concurrency=min(settings().visit_profile_concurrency, len(sessions)),
        min_start_s=MIN_SUMMARY_S,
        grace_s=JOIN_GRACE_S,
        name="summary",
    )
    waiting = {i: o.value for i, o in enumerate(started) if isinstance(o, Done) and isinstance(o.value, Pending)}
    finished = dict(zip(waiting, summaries.wait(list(waiting.values()), _time_left(fullstory)), strict=True))
    outcomes: list[Outcome[Result]] = []
    for index, outcome in enumerate(started):
        if index in finished:
            outcomes.append(Done(finished[index]))
        elif isinstance(outcome, Done):
            assert isinstance(outcome.value, Ready)  # the pending ones were waited for
            outcomes.append(Done(outcome.value))
        else:
            outcomes.append(outcome)
    return outcomes


def _analysed(view: dict[str, Any], ready: Ready) -> dict[str, Any]:
    found = ready.result
    pages = found.get("pages_visited")
    return {
        **view,
        "summary": found.get("summary"),
        "issues": _issues(found),
        "pagesVisited": pages if isinstance(pages, list) else [],
        **provenance(ready),
    }


def _reason(error: FullstoryError | Problem) -> str:
    return error.detail if isinstance(error, Problem) else f"Fullstory error: {error.message}"


def _configuration(llm: VisitLlm | None) -> SummaryConfiguration:
    if llm is None:
        return visit_configuration(None, None, 0.2)
    return visit_configuration(llm.pre_prompt, llm.post_prompt, llm.temperature)


@dataclass
class _Sorted:
    analysed: list[dict[str, Any]] = field(default_factory=list)
    running: list[dict[str, Any]] = field(default_factory=list)
    not_analysed: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    late: bool = False  # time ran short for some


def _sorted_outcomes(outcomes: list[Outcome[Result]], sessions: list[Session]) -> _Sorted:
    """The sessions by what became of their summaries."""
    out = _Sorted()
    for outcome, session in zip(outcomes, sessions, strict=True):
        view = session_view(session)
        value = outcome.value if isinstance(outcome, Done) else None
        if isinstance(value, Ready):
            out.analysed.append(_analysed(view, value))
        elif isinstance(value, Running):
            out.running.append({**view, "retryAfterSeconds": value.retry_after_s})
        else:
            error = value if isinstance(value, Problem) else outcome.error if isinstance(outcome, Failed) else None
            _sort_unfinished(out, view, error)
    return out


def _sort_unfinished(out: _Sorted, view: dict[str, Any], error: Exception | None) -> None:
    if error is None or isinstance(error, UpstreamTimeout):
        out.late = True  # cut short by the tool's deadline (its budget ended the request)
        out.not_analysed.append({**view, "reason": "not finished before the tool's time limit"})
    elif isinstance(error, FullstoryError | Problem):
        out.failures.append(error)
        out.not_analysed.append({**view, "reason": _reason(error)})
    else:
        raise error


def _notes(out: _Sorted, found: int) -> dict[str, Any]:
    notes: dict[str, Any] = {}
    parts = []
    if out.running:
        wait = max(s["retryAfterSeconds"] for s in out.running)
        notes["running"] = out.running
        parts.append(
            f"{len(out.running)} of {found} sessions are still being analysed (see running). " + running_note(wait)
        )
    if out.not_analysed:
        notes["notAnalysed"] = out.not_analysed
        parts.append(
            f"{len(out.not_analysed)} of {found} sessions were not analysed (see notAnalysed); ask again, "
            "or summarise them one by one."
        )
    if parts:
        notes["note"] = " ".join(parts)
    return notes


def visit_profile(params: VisitProfileParams, *, fullstory: FullstoryClient, summaries: SummaryCache) -> dict[str, Any]:
    who = f"uid {params.uid}" if params.uid else f"email {params.email}"
    sessions = fullstory.list_sessions(uid=params.uid, email=params.email, limit=params.limit).sessions
    sessions = sessions[: params.limit]
    if not sessions:
        return {"user": who, "sessionsFound": 0, "sessions": [], "note": f"Fullstory has no sessions for {who}."}
    out = _sorted_outcomes(_summaries_of(summaries, fullstory, sessions, _configuration(params.llm)), sessions)
    if not out.analysed and not out.running and out.failures and not out.late:
        raise out.failures[0]  # e.g. a key without AI access, or the budget: one clear problem, not N copies
    recurring_issues, recurring_pages = _recurring(out.analysed)
    answer: dict[str, Any] = {
        "user": who,
        "sessionsFound": len(sessions),
        "sessionsAnalysed": len(out.analysed),
        "complete": len(out.analysed) == len(sessions),
        "recurringIssues": recurring_issues,
        "recurringPages": recurring_pages,
        "sessions": [{k: v for k, v in s.items() if k != "pagesVisited"} for s in out.analysed],
        **_notes(out, len(sessions)),
    }
    budget = summaries.budget_state()
    if budget is not None:
        answer["activationBudget"] = budget
    return answer


VISIT_PROFILE = ToolSpec(
    name="fullstory_visit_profile",
    description=(
        "Whole-person view of one user across their recent Fullstory sessions: each session summarised (with its "
        "replay link) and the problems that recur across sessions. Find the user by exactly one of uid or email. "
        "Use to prepare a support call, find recurring frustration for UX research, or spot users who keep "
        "struggling. Optionally give a perspective (llm.pre_prompt / llm.post_prompt). Sessions still being "
        "analysed when it answers are listed under running: call again to complete the profile."
    ),
    parameters=VisitProfileParams,
    group="ai",
    run=visit_profile,
    needs=(FULLSTORY, SUMMARY_CACHE),
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
    # Starts up to VisitProfileConcurrency summaries at once: more memory is more CPU for the parallel TLS/JSON work.
    memory_mb=1024,
)
