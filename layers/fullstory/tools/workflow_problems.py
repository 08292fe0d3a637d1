"""AWS failures of the tools that start or read export runs, as problems a model can act on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from opal_tools.problems import Problem
from platform_kit.aws import NotConfigured

from .aws_problems import aws_unavailable

_log = logging.getLogger(__name__)


@contextmanager
def workflow_problems() -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except NotConfigured as exc:
        _log.error("export workflow not configured: %s", exc)
        raise Problem(
            503,
            "Export workflow not configured",
            "This tool registry has no export workflow deployed; use fullstory_create_segment_export and "
            "fullstory_get_operation_status instead.",
            "EXPORT_WORKFLOW_NOT_CONFIGURED",
        ) from None
    except (ClientError, BotoCoreError) as exc:
        raise aws_unavailable(
            exc,
            "export workflow",
            "Export workflow unavailable",
            "AWS did not accept the request for the export workflow; try again in a minute.",
            "EXPORT_WORKFLOW_UNAVAILABLE",
        ) from None
