"""Asynchronous Lambda invocations as Lambda runs them: each in an execution environment of its own.

The local server's functions run one request at a time each (``LocalFunction``), as one Lambda
environment does; Lambda scales asynchronous invocations out to as many environments as there are
events, so the summaries a visit profile hands to the worker run side by side here too.
"""

from __future__ import annotations

from .lambda_runtime import LocalFunction
from .workflows import LambdaDispatcher


class ScalingDispatcher(LambdaDispatcher):
    def event_container(self, function: LocalFunction) -> LocalFunction:
        return LocalFunction(function.definition)
