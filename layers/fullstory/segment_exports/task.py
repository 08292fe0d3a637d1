"""The Lambda handler shape of a workflow task: direct invocation by Step Functions, JSON in and out.

Failures leave as exceptions whose class name Step Functions matches (see errors.py). Logs carry
the run's name and the outcome, never the event (it holds Opal's callback token).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fullstory_client import FullstoryClient, FullstoryError
from platform_kit.fullstory import FullstoryNotConfigured, run_with_fullstory
from platform_kit.observability import logger, with_lambda_logging

from .errors import FullstoryRejected, TaskError, task_error

T = TypeVar("T")

TaskLogic = Callable[[dict[str, Any], Any], dict[str, Any]]
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def with_fullstory(work: Callable[[FullstoryClient], T], context: Any, *, creating: bool = False) -> T:
    """``work(client)`` with the tools' client (deadline, key rotation); Fullstory errors become task
    errors, classified for a create when ``creating``."""
    try:
        return run_with_fullstory(work, context)
    except FullstoryNotConfigured as exc:  # e.g. no API key in the secret yet
        raise FullstoryRejected(exc.detail) from None
    except FullstoryError as error:
        raise task_error(error, creating=creating) from None


def workflow_task(name: str, logic: TaskLogic) -> LambdaHandler:
    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        execution = str(event.get("execution") or "")[:128]
        logger.thread_safe_append_keys(task=name, execution=execution)
        try:
            result = logic(event, context)
        except TaskError as error:
            logger.warning("task failed", extra={"error": type(error).__name__, "reason": str(error)[:300]})
            raise
        except Exception:
            logger.exception("task crashed")
            raise
        logger.info("task done")
        return result

    return with_lambda_logging(handle)
