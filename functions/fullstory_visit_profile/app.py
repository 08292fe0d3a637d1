"""fullstory_visit_profile: a user's recent sessions summarised side by side, and what recurs across them.

Sessions are summarised concurrently (bounded) within the tool's deadline: when time runs
short, the finished ones are returned and the rest are named as not analysed.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import opal_tools.secrets_prefetch  # noqa: F401 - first: the secrets are read while the rest imports
from catalog.ai import VISIT_PROFILE, VisitProfileParams
from catalog.summary_profiles import visit_configuration
from catalog.summary_tools import summarize_as
from fullstory_client import FullstoryClient, FullstoryError
from fullstory_client.models import Session
from opal_tools.adapter import tool_handler
from opal_tools.problems import Problem
from opal_tools.views import session_view

MAX_CONCURRENCY = 5  # summaries are slow; more in parallel mostly earns 429s
ANSWER_MARGIN_S = 0.5


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


def visit_profile(params: VisitProfileParams, client: FullstoryClient) -> dict[str, Any]:
    who = f"uid {params.uid}" if params.uid else f"email {params.email}"
    sessions = client.list_sessions(uid=params.uid, email=params.email, limit=params.limit).sessions[: params.limit]
    if not sessions:
        return {"user": who, "sessionsFound": 0, "sessions": [], "note": f"Fullstory has no sessions for {who}."}
    llm = params.llm
    configuration = visit_configuration(
        llm.pre_prompt if llm else None, llm.post_prompt if llm else None, llm.temperature if llm else 0.2
    )

    pool = ThreadPoolExecutor(max_workers=min(MAX_CONCURRENCY, len(sessions)), thread_name_prefix="summary")
    futures: dict[Future[dict[str, Any]], Session] = {
        pool.submit(summarize_as, "visit-profile", client, s.full_id, configuration): s for s in sessions
    }
    _, late = wait(futures, timeout=_time_left(client))
    pool.shutdown(wait=False, cancel_futures=True)  # never wait past the deadline for stragglers

    analysed: list[dict[str, Any]] = []
    not_analysed: list[dict[str, Any]] = []
    failures: list[Exception] = []
    for future, session in futures.items():
        view = session_view(session)
        if future in late:
            not_analysed.append({**view, "reason": "not finished before the tool's time limit"})
            continue
        error = future.exception()
        if error is None:
            found = future.result()
            pages = found.get("pages_visited")
            analysed.append(
                {
                    **view,
                    "summary": found.get("summary"),
                    "issues": _issues(found),
                    "pagesVisited": pages if isinstance(pages, list) else [],
                }
            )
        elif isinstance(error, FullstoryError | Problem):
            failures.append(error)
            reason = error.detail if isinstance(error, Problem) else f"Fullstory error: {error.message}"
            not_analysed.append({**view, "reason": reason})
        else:
            raise error
    if not analysed and failures and not late:
        raise failures[0]  # e.g. a key without AI access: one clear problem, not N copies
    recurring_issues, recurring_pages = _recurring(analysed)
    order = {s.full_id: i for i, s in enumerate(sessions)}
    analysed.sort(key=lambda item: order[item["sessionId"]])
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
