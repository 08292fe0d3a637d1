"""fullstory_visit_profile: a user's recent sessions summarised side by side, and what recurs across them.

Sessions are summarised concurrently (bounded) within the tool's deadline: when time runs
short, the finished ones are returned and the rest are named as not analysed. No summary is
started too late to finish, and none is still running once the tool has answered.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from catalog.ai import VISIT_PROFILE, VisitProfileParams
from catalog.summary_profiles import visit_configuration
from catalog.summary_tools import summarize_as
from fullstory_client import FullstoryClient, FullstoryError, UpstreamTimeout
from fullstory_client.summary_config import SummaryConfiguration
from opal_tools.adapter import tool_handler
from opal_tools.fanout import Done, Task, Unfinished, fan_out
from opal_tools.problems import Problem
from opal_tools.views import session_view

MAX_CONCURRENCY = 5  # summaries are slow; more in parallel mostly earns 429s
ANSWER_MARGIN_S = 1.0  # before the client's deadline: the workers' grace, then the answer itself
JOIN_GRACE_S = 0.5  # for summaries ending at the deadline (their requests time out then)
MIN_SUMMARY_S = 1.0  # an LLM summary started with less time than this could not finish: not started


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


def visit_profile(params: VisitProfileParams, client: FullstoryClient) -> dict[str, Any]:
    who = f"uid {params.uid}" if params.uid else f"email {params.email}"
    sessions = client.list_sessions(uid=params.uid, email=params.email, limit=params.limit).sessions[: params.limit]
    if not sessions:
        return {"user": who, "sessionsFound": 0, "sessions": [], "note": f"Fullstory has no sessions for {who}."}
    llm = params.llm
    configuration = visit_configuration(
        llm.pre_prompt if llm else None, llm.post_prompt if llm else None, llm.temperature if llm else 0.2
    )
    outcomes = fan_out(
        [_summary_task(client, s.full_id, configuration) for s in sessions],
        within_s=_time_left(client),
        max_concurrency=MAX_CONCURRENCY,
        min_start_s=MIN_SUMMARY_S,
        grace_s=JOIN_GRACE_S,
        name="summary",
    )

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


lambda_handler = tool_handler(VISIT_PROFILE, visit_profile)
