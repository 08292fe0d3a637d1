"""Summaries through the cache and the Activation budget: each paid for once, and never past the budget.

A miss claims the entry (a conditional write: identical concurrent calls pay once), counts the
Activation (refused, without any Fullstory call, when it would pass the month's budget), and hands
the Fullstory request to the worker function (an asynchronous invocation: it has minutes, the call
has seconds). The call then waits for the entry until its deadline and answers the result, or at
once that the analysis is running and when to ask again; that later call is answered from the
cache. With caching off (``SummaryCacheTtlHours`` 0) the call asks Fullstory itself, within its
own time, as before: nothing can continue after it.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from fullstory_client import BadRequest, Forbidden, NotFound, RateLimited, Unauthorized
from opal_tools.problems import Problem
from platform_kit.observability import SERVICE
from platform_kit.settings import settings
from summary_store.budget import ActivationBudget, BudgetExhausted, BudgetState
from summary_store.keys import summary_key
from summary_store.table import FAILED, SummaryTable

from .aws_problems import aws_unavailable
from .summarize import summarize
from .summary_jobs import SummaryJob, request_body

if TYPE_CHECKING:
    from fullstory_client import FullstoryClient
    from fullstory_client.summary_config import SummaryConfiguration

_log = logging.getLogger(__name__)

# A claim outlives the worker's Lambda timeout (template.yaml: SummaryWorkerFunction), so it lapses
# only when the worker is dead; then the next call claims the summary again.
CLAIM_S = 150
# Fullstory ends a session after 30 minutes of inactivity, or after 24 hours of capture: a session
# that started less than this long ago may still be recording, and its summary is kept only briefly.
MAY_BE_RECORDING_S = 24 * 3600 + 30 * 60
RECORDING_TTL_S = 30 * 60
TYPICAL_SUMMARY_S = 30  # what "ask again in N s" assumes a summary takes in all
POLL_FIRST_S, POLL_MAX_S = 0.05, 0.5

Launch = Callable[[SummaryJob], None]


@dataclass(frozen=True)
class Ready:
    result: dict[str, Any]
    cached: bool  # this call paid nothing for it
    generated_at: str | None


@dataclass(frozen=True)
class Running:
    retry_after_s: int


@dataclass(frozen=True)
class Pending:
    """A summary being made (by the worker), to wait for."""

    key: str
    made_here: bool  # this call claimed and paid for it


def budget_problem(exhausted: BudgetExhausted) -> Problem:
    state = exhausted.state
    return Problem(
        429,
        "Monthly Activation budget reached",
        f"This registry may spend {state.limit} Fullstory Activations (AI summaries) per calendar month (UTC) "
        f"and has counted {state.used} this month; the budget resets at {state.resets_at}. Summaries already "
        "made are still answered from the cache. An administrator can raise MonthlyActivationBudget.",
        "ACTIVATION_BUDGET_EXHAUSTED",
        retry_after=exhausted.retry_after_s,
    )


def problem_dict(problem: Problem) -> dict[str, Any]:
    return {"status": problem.status, "title": problem.title, "detail": problem.detail, "code": problem.error_code}


def stored_problem(problem: dict[str, Any]) -> Problem:
    return Problem(
        int(problem.get("status", 502)),
        str(problem.get("title", "The summary failed")),
        str(problem.get("detail", "")),
        str(problem.get("code", "SUMMARY_FAILED")),
    )


def nothing_generated(error: Exception) -> bool:
    """Fullstory refused the summary outright (or it was never sent): no Activation was used."""
    if isinstance(error, Problem):
        return error.error_code == "SESSION_NOT_FOUND"  # summarize()'s 404
    return isinstance(error, BadRequest | Unauthorized | Forbidden | NotFound | RateLimited)


def record_spend(state: BudgetState) -> None:
    """One ActivationSpent per Activation, and the month's running count (the budget alarm reads it)."""
    if is_metrics_disabled():
        return
    namespace = settings().metrics_namespace
    with single_metric(name="ActivationSpent", unit=MetricUnit.Count, value=1, namespace=namespace) as metric:
        metric.add_dimension(name="service", value=SERVICE)
    with single_metric(
        name="ActivationsThisMonth", unit=MetricUnit.Count, value=state.used, namespace=namespace
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)


def ttl_for(ttl_s: int, started_at: float | None, now: float) -> int:
    """A summary's lifetime: brief for a session that may still be recording (when its start is known)."""
    if started_at is not None and now - started_at < MAY_BE_RECORDING_S:
        return min(ttl_s, RECORDING_TTL_S)
    return ttl_s


def lambda_launcher(function_name: str) -> Launch:
    def launch(job: SummaryJob) -> None:
        from platform_kit import aws

        aws.lambda_().invoke(
            FunctionName=function_name, InvocationType="Event", Payload=json.dumps(job.event()).encode()
        )

    return launch


class SummaryCache:
    """The ``summaries`` need: summaries through the cache, the budget and the worker."""

    def __init__(
        self,
        table: SummaryTable | None,
        budget: ActivationBudget | None,
        launch: Launch | None,
        ttl_s: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table, self.budget, self.launch, self.ttl_s = table, budget, launch, ttl_s
        self._clock = clock

    @classmethod
    def configured(cls) -> SummaryCache:
        from platform_kit import aws

        current = settings()
        if not current.summary_table:
            if current.activation_budget:
                raise Problem(
                    503,
                    "Activation budget not configured",
                    "This function has an Activation budget but no table to count it in (SUMMARY_TABLE).",
                    "SUMMARY_CACHE_NOT_CONFIGURED",
                )
            return cls(None, None, None, 0)
        client = aws.dynamodb()
        worker = current.summary_worker_function
        return cls(
            SummaryTable(current.summary_table, client),
            ActivationBudget(current.summary_table, client, current.activation_budget),
            lambda_launcher(worker) if worker else None,
            current.summary_cache_ttl_h * 3600,
        )

    # ------------------------------------------------------------------ what the tools call

    def budget_state(self) -> dict[str, Any] | None:
        return None if self.budget is None else self.budget.state().as_dict()

    def begin(
        self,
        fullstory: FullstoryClient,
        session_id: str,
        configuration: SummaryConfiguration,
        *,
        base_profile: str | None = None,
        started_at: float | None = None,
    ) -> Ready | Pending:
        """The cached result, or the summary started (or found started by an identical call).

        With caching off, the summary itself, asked of Fullstory within this call's time."""
        if self.table is None or self.launch is None or self.ttl_s == 0:
            self._spend()
            try:
                made = summarize(fullstory, session_id, configuration, base_profile=base_profile)
            except Exception as error:
                if self.budget is not None and nothing_generated(error):
                    self.budget.refund()
                raise
            return Ready(made, False, None)
        request = request_body(configuration, base_profile)
        key = summary_key(session_id, request)
        now = self._clock()
        entry = self.table.read(key)
        if entry is not None and entry.fresh(now):
            return Ready(entry.result or {}, True, entry.generated_at)
        made_here = False
        if entry is None or not entry.claimed(now):
            job = SummaryJob(key, uuid.uuid4().hex, session_id, request, ttl_for(self.ttl_s, started_at, now))
            made_here = self._start(job)
        return Pending(key, made_here)

    def wait(self, pending: list[Pending], seconds: float | None) -> list[Ready | Running | Problem]:
        """Each started summary: its result, its problem, or ``Running`` when ``seconds`` ran out first."""
        if not pending:
            return []
        end = time.monotonic() + (CLAIM_S if seconds is None else max(0.0, seconds))
        outcomes: dict[int, Ready | Running | Problem] = {}
        pause = POLL_FIRST_S
        while True:
            last = time.monotonic() + pause > end
            for index, item in enumerate(pending):
                if index not in outcomes:
                    outcome = self._look(item, last)
                    if outcome is not None:
                        outcomes[index] = outcome
            if len(outcomes) == len(pending):
                return [outcomes[index] for index in range(len(pending))]
            time.sleep(pause)
            pause = min(POLL_MAX_S, pause * 1.5)

    def summary(
        self,
        fullstory: FullstoryClient,
        session_id: str,
        configuration: SummaryConfiguration,
        *,
        base_profile: str | None = None,
    ) -> Ready | Running:
        """One summary: from the cache, or made now; ``Running`` when it is still being made at the deadline."""
        started = self.begin(fullstory, session_id, configuration, base_profile=base_profile)
        if isinstance(started, Ready):
            return started
        [outcome] = self.wait([started], seconds_left(fullstory))
        if isinstance(outcome, Problem):
            raise outcome
        return outcome

    # ------------------------------------------------------------------ the steps

    def _spend(self) -> None:
        if self.budget is None:
            return
        try:
            record_spend(self.budget.spend())
        except BudgetExhausted as exhausted:
            raise budget_problem(exhausted) from None

    def _start(self, job: SummaryJob) -> bool:
        """Claim, pay, hand to the worker; False when another call claimed it first (it pays, we wait)."""
        assert self.table is not None and self.launch is not None
        if not self.table.claim(job.key, job.claim_id, CLAIM_S, job.session_id):
            return False
        try:
            self._spend()
        except Problem as refused:
            self.table.fail(job.key, job.claim_id, problem_dict(refused))  # the identical calls waiting learn it
            raise
        try:
            self.launch(job)
        except Exception:
            _log.exception("could not start the summary worker")
            if self.budget is not None:
                self.budget.refund()  # nothing was asked of Fullstory
            problem = Problem(
                503,
                "Summary could not be started",
                "The registry could not start the summary in the background; nothing was spent. Try again.",
                "SUMMARY_NOT_STARTED",
            )
            self.table.fail(job.key, job.claim_id, problem_dict(problem))
            raise problem from None
        return True

    def _look(self, pending: Pending, last: bool) -> Ready | Running | Problem | None:
        """What became of one started summary; None: not yet (and there is time to look again)."""
        assert self.table is not None  # only begin() with a table makes a Pending
        entry = self.table.read(pending.key)
        now = self._clock()
        if entry is not None and entry.fresh(now):
            return Ready(entry.result or {}, not pending.made_here, entry.generated_at)
        if entry is not None and entry.state == FAILED and entry.problem is not None:
            return stored_problem(entry.problem)
        if entry is None or last:
            age = now - entry.claimed_at if entry is not None else 0.0
            return Running(max(5, math.ceil(TYPICAL_SUMMARY_S - age)))
        return None


@contextmanager
def summary_cache_problems() -> Iterator[None]:
    """AWS failures of the cache, the budget or the worker's invocation, as a problem (never a 500)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise aws_unavailable(
            exc,
            "summary cache",
            "Summary cache unavailable",
            "AWS did not accept a request for the summary cache or the Activation budget; try again in a minute.",
            "SUMMARY_CACHE_UNAVAILABLE",
        ) from None


WAIT_MARGIN_S = 0.3  # the last read and the answer, after the waiting


def seconds_left(fullstory: FullstoryClient) -> float | None:
    if fullstory.deadline is None:
        return None
    return fullstory.deadline - time.monotonic() - WAIT_MARGIN_S
