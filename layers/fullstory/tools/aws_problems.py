"""An AWS call that failed (a ClientError or BotoCoreError), as a 503 problem a model can act on."""

from __future__ import annotations

import logging

from opal_tools.problems import Problem

_log = logging.getLogger(__name__)


def aws_unavailable(exc: Exception, what: str, title: str, detail: str, code: str) -> Problem:
    """The problem for ``exc``, logged by its AWS error code only (the message may name resources)."""
    from botocore.exceptions import ClientError

    error_code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else type(exc).__name__
    _log.error("%s call failed: %s", what, error_code)
    return Problem(503, title, detail, code, retry_after=30)
