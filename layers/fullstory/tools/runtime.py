"""One tool as a Lambda function: the Opal adapter, given a provider for each need and Fullstory's errors.

Each provider makes its need's value for one call and hands it to the logic; the Fullstory client
comes within the function's deadline, with the key read again after a 401 (rotation); the export
workflow's runs and bucket come with AWS's failures turned into problems.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opal_tools.adapter import Provider, tool_handler
from opal_tools.spec import ToolSpec
from platform_kit.fullstory import run_with_fullstory
from platform_kit.observability import LambdaHandler
from segment_exports.bucket import ExportBucket
from segment_exports.executions import ExportRuns

from .needs import FULLSTORY, READ_EXPORT_RUNS, STORE_CALLBACKS
from .problems import problem_of
from .workflow_problems import workflow_problems


def _fullstory(use: Callable[[Any], Any], context: Any) -> Any:
    return run_with_fullstory(use, context)


def _export_runs(use: Callable[[Any], Any], context: Any) -> Any:
    with workflow_problems():
        return use(ExportRuns.configured())


def _export_bucket(use: Callable[[Any], Any], context: Any) -> Any:
    with workflow_problems():
        return use(ExportBucket())


# By keyword: the needs that give the same keyword share its provider.
PROVIDERS: dict[str, Provider] = {
    FULLSTORY.keyword: _fullstory,
    READ_EXPORT_RUNS.keyword: _export_runs,
    STORE_CALLBACKS.keyword: _export_bucket,
}


def lambda_handler_for(spec: ToolSpec) -> LambdaHandler:
    return tool_handler(spec, providers=PROVIDERS, problem_of=problem_of)
