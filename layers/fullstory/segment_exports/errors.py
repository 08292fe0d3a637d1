"""Errors the workflow tasks report to Step Functions. A class's name is its error name in
statemachine/export_segment.asl.json (Retry/Catch match on it), so renaming one is a contract change.
"""

from __future__ import annotations

from fullstory_client import FullstoryError, MalformedResponse, RateLimited, UpstreamError
from fullstory_client import errors as fs


class TaskError(Exception):
    """Base class; the message is what the user reads in the failure callback and the Fail cause."""


class ExportRequestInvalid(TaskError):
    """The workflow input is not a valid export request (not retried)."""


class FullstoryThrottled(TaskError):
    """Fullstory kept answering 429 (retried by the workflow with long, jittered backoff)."""


class FullstoryUnavailable(TaskError):
    """Fullstory failed transiently: 5xx, timeout, broken connection (retried with jitter)."""


class FullstoryRejected(TaskError):
    """Fullstory refused the request for good: key, permission, unknown segment, bad value (not retried)."""


class FullstoryCreateUncertain(TaskError):
    """Creating the export failed in a way that may have created it anyway (a 5xx, a timeout, a
    broken connection, an attempt that died after sending). Not retried: a retry could start a
    second export for the same request."""


class ExportTimedOut(TaskError):
    """The export stayed PENDING longer than the workflow waits for it."""


class StorageUnavailable(TaskError):
    """Reading or writing the export bucket failed (retried a few times)."""


class ExportLinkRefused(TaskError):
    """Fullstory's download link (or a redirect) points outside the public internet (not retried)."""


class ExportFileInvalid(TaskError):
    """The downloaded file is not gzip, or not the requested format: nothing is stored (not retried)."""


TASK_ERRORS: tuple[type[TaskError], ...] = (
    ExportRequestInvalid,
    FullstoryThrottled,
    FullstoryUnavailable,
    FullstoryRejected,
    FullstoryCreateUncertain,
    ExportTimedOut,
    StorageUnavailable,
    ExportLinkRefused,
    ExportFileInvalid,
)


def task_error(error: FullstoryError, *, creating: bool = False) -> TaskError:
    """The workflow's name for a Fullstory failure. ``creating``: the failed call was the POST that
    starts an export. Only answers that prove nothing was created may be retried there: a 429 or a
    4xx. Any other failure (a gateway's 502/503/504 included: a proxy may have forwarded the POST)
    is FullstoryCreateUncertain, which the workflow never retries."""
    said = f" ({error.message})" if error.message else ""
    if isinstance(error, RateLimited):
        return FullstoryThrottled("Fullstory is rate limiting this account" + said)
    if isinstance(error, fs.Unauthorized):
        return FullstoryRejected("Fullstory rejected the API key configured for this tool registry" + said)
    if isinstance(error, fs.Forbidden):
        return FullstoryRejected(
            "The Fullstory API key may not export segments (an Admin key and the Segment Export add-on are needed)"
            + said
        )
    if isinstance(error, fs.NotFound) and creating:  # the create names one thing: the segment
        return FullstoryRejected(
            "Fullstory has no segment with that segmentId" + said + "; segmentId takes a segment's id, not its "
            "name: find it with fullstory_list_segments"
        )
    if isinstance(error, fs.NotFound):
        return FullstoryRejected("Fullstory has no such segment, operation or export" + said)
    if isinstance(error, fs.BadRequest):
        return FullstoryRejected("Fullstory did not accept the export request" + said)
    if creating and not 400 <= error.status < 500:
        return FullstoryCreateUncertain(
            "Fullstory did not confirm the export" + said + "; it was not retried so that no second export starts. "
            "Check Fullstory's operations list, or start the export again."
        )
    if isinstance(error, UpstreamError | MalformedResponse):
        return FullstoryUnavailable("Fullstory failed to answer" + said)
    return FullstoryRejected("Fullstory answered with an error" + said)
