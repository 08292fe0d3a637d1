"""One tool as a Lambda function: the Opal adapter, given a provider for each need and Fullstory's errors.

Each provider makes its need's value for one call and hands it to the logic; the Fullstory client
comes within the function's deadline, with the key read again after a 401 (rotation); the export
workflow's runs and bucket come with AWS's failures turned into problems.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fullstory_client import FullstoryError
from opal_tools.adapter import Provider, tool_handler
from opal_tools.problems import Problem
from opal_tools.spec import ToolSpec
from platform_kit.fullstory import FullstoryNotConfigured, run_with_fullstory
from platform_kit.observability import LambdaHandler
from segment_exports.bucket import ExportBucket
from segment_exports.executions import ExportRuns

from .needs import FULLSTORY, READ_EXPORT_RUNS, STORE_CALLBACKS, SUMMARY_CACHE
from .problems import fullstory_problem
from .workflow_problems import workflow_problems


def _fullstory(use: Callable[[Any], Any], context: Any) -> Any:
    return run_with_fullstory(use, context)


def _export_runs(use: Callable[[Any], Any], context: Any) -> Any:
    with workflow_problems():
        return use(ExportRuns.configured())


def _export_bucket(use: Callable[[Any], Any], context: Any) -> Any:
    with workflow_problems():
        return use(ExportBucket())


def _summary_cache(use: Callable[[Any], Any], context: Any) -> Any:
    # Imported here: only the AI tools need it, and the other tools' cold starts would pay for it.
    from .summary_cache import SummaryCache, summary_cache_problems

    with summary_cache_problems():
        return use(SummaryCache.configured())


def problem_of(error: Exception) -> Problem | None:
    """The adapter's error mapping for the tools: Fullstory's errors, and no usable key to call it with;
    anything else is not ours to say (an internal error)."""
    if isinstance(error, FullstoryNotConfigured):  # no usable key in the secret (yet)
        return Problem(503, "Fullstory is not configured", error.detail, "FULLSTORY_NOT_CONFIGURED")
    return fullstory_problem(error) if isinstance(error, FullstoryError) else None


# By keyword: the needs that give the same keyword share its provider.
PROVIDERS: dict[str, Provider] = {
    FULLSTORY.keyword: _fullstory,
    READ_EXPORT_RUNS.keyword: _export_runs,
    STORE_CALLBACKS.keyword: _export_bucket,
    SUMMARY_CACHE.keyword: _summary_cache,
}


def lambda_handler_for(spec: ToolSpec) -> LambdaHandler:
    return tool_handler(spec, providers=PROVIDERS, problem_of=problem_of)
