"""The process's one Powertools logger and one metrics object, and the per-invocation log keys.

One logger per process: each new Powertools logger adds a (substring-matching) filter to the root
handlers that hides the records of loggers with a similar service name. The template sets the
service to the stack name, so two stacks in one account keep their metrics apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

from .settings import settings

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

SERVICE = settings().service
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=settings().metrics_namespace, service=SERVICE)

# What Powertools' inject_lambda_context logs of the Lambda context: log key -> context attribute.
LAMBDA_CONTEXT_KEYS = {
    "function_name": "function_name",
    "function_memory_size": "memory_limit_in_mb",
    "function_arn": "invoked_function_arn",
    "function_request_id": "aws_request_id",
}


def with_lambda_logging(handler: LambdaHandler) -> LambdaHandler:
    """Powertools' ``inject_lambda_context(clear_state=True)``, with the keys kept per thread.

    In Lambda one invocation runs at a time, so this is the same; where several functions share
    one process (the local server runs them on concurrent threads), each line still names the
    function and request that wrote it. Powertools' own decorator writes the logger's shared keys.
    """
    cold_start = True

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        nonlocal cold_start
        logger.thread_safe_clear_keys()
        keys: dict[str, Any] = {"cold_start": cold_start}
        cold_start = False
        for key, attribute in LAMBDA_CONTEXT_KEYS.items():
            value = getattr(context, attribute, None)
            if value is not None:
                keys[key] = value
        request_id = (event.get("requestContext") or {}).get("requestId") if isinstance(event, dict) else None
        if request_id:
            keys["correlation_id"] = request_id
        logger.thread_safe_append_keys(**keys)
        return handler(event, context)

    return handle
