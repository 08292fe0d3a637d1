"""The summary worker: makes one summary (one Activation, already counted) and writes it into the cache.

Invoked asynchronously by the AI tools (``tools.summary_cache``), with a Lambda timeout long enough
for slow summaries. It starts only on a claim that is still its own (an asynchronous event may be
delivered twice; the template also turns Lambda's retries off), and writes either the whole result
or the problem, never part of a result.
"""

from __future__ import annotations

from typing import Any

from fullstory_client import FullstoryError
from opal_tools.problems import Problem
from platform_kit import aws
from platform_kit.fullstory import FullstoryNotConfigured, run_with_fullstory
from platform_kit.observability import logger, with_lambda_logging
from platform_kit.settings import settings
from summary_store.budget import ActivationBudget
from summary_store.table import SummaryTable

from .problems import fullstory_problem
from .summarize import summarize
from .summary_cache import CLAIM_S, nothing_generated, problem_dict
from .summary_jobs import BadJob, SummaryJob, configuration_of


def _problem_of(error: Exception) -> Problem:
    if isinstance(error, Problem):
        return error
    if isinstance(error, FullstoryError):
        return fullstory_problem(error)
    if isinstance(error, FullstoryNotConfigured):
        return Problem(503, "Fullstory is not configured", error.detail, "FULLSTORY_NOT_CONFIGURED")
    return Problem(500, "Internal error", "The summary failed unexpectedly; the error was logged.", "INTERNAL_ERROR")


def make_summary(job: SummaryJob, table: SummaryTable, context: Any, budget: ActivationBudget | None = None) -> str:
    """What became of the job: ``done``, ``failed`` or ``skipped`` (not ours to make). A summary that
    Fullstory refused outright gives its Activation back to ``budget``."""
    if not table.begin(job.key, job.claim_id, CLAIM_S):
        return "skipped"
    configuration, base_profile = configuration_of(job.request)
    try:
        result = run_with_fullstory(
            lambda client: summarize(client, job.session_id, configuration, base_profile=base_profile), context
        )
    except Exception as error:
        problem = _problem_of(error)
        if problem.error_code == "INTERNAL_ERROR":
            logger.exception("summary worker failed")
        table.fail(job.key, job.claim_id, problem_dict(problem))
        if budget is not None and nothing_generated(error):
            budget.refund()
        return "failed"
    return _keep(job, table, result)


def _keep(job: SummaryJob, table: SummaryTable, result: dict[str, Any]) -> str:
    """The result into the cache; if the table refuses it (beyond DynamoDB's 400 KB item), the failure
    instead, so that no call waits for a claim that can never finish."""
    from botocore.exceptions import ClientError

    try:
        table.finish(job.key, job.claim_id, result, job.ttl_s)
    except ClientError as refused:
        logger.error("summary result not kept", extra={"code": refused.response.get("Error", {}).get("Code")})
        problem = Problem(
            502,
            "Summary could not be kept",
            "Fullstory answered a summary the registry could not store (larger than its cache allows). Try a "
            "shorter configuration, e.g. a custom summary asking for less.",
            "SUMMARY_NOT_KEPT",
        )
        table.fail(job.key, job.claim_id, problem_dict(problem))
        return "failed"
    return "done"


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        job = SummaryJob.from_event(event)
    except BadJob as bad:
        logger.error("not a summary job", extra={"reason": str(bad)})
        return {"outcome": "rejected"}
    current, client = settings(), aws.dynamodb()
    table = SummaryTable(current.summary_table, client)
    outcome = make_summary(job, table, context, ActivationBudget(current.summary_table, client, 0))
    logger.info("summary job", extra={"outcome": outcome, "session_id": job.session_id})
    return {"outcome": outcome}


lambda_handler = with_lambda_logging(handle)
