"""Export workflow, task 3: stream the finished export's gzip file into the stack's bucket.

The link Fullstory hands out lives about 5 minutes, so it is fetched here, right before the
download, and fetched once more if storage refuses it (a retry after a long backoff). The link is
fetched only from a public https address (fullstory_client/outbound.py), and the file is checked
on its way into the bucket (file_check.py). A retry of this task writes the same key again: one
object per run, whatever happened to the previous attempt.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fullstory_client import DownloadLinkExpired, ExportFile, FullstoryClient, FullstoryError, UpstreamError
from fullstory_client.download import open_download
from fullstory_client.outbound import UrlRefused
from platform_kit.outbound import allowance
from platform_kit.settings import settings
from segment_exports import storage
from segment_exports.errors import ExportFileInvalid, ExportLinkRefused, StorageUnavailable
from segment_exports.file_check import CheckedExport
from segment_exports.task import with_fullstory, workflow_task
from tools.export_request import CreateSegmentExportParams
from tools.views import iso_time

DOWNLOAD_ATTEMPTS = 3
_EXTENSIONS = {"FORMAT_CSV": "csv", "FORMAT_JSON": "json", "FORMAT_NDJSON": "ndjson"}


def run_day(started: Any) -> str:
    """The run's start date (the same for every attempt of the task), today when it is not given."""
    try:
        return datetime.fromisoformat(str(started)).astimezone(UTC).strftime("%Y-%m-%d")
    except ValueError:
        return datetime.now(UTC).strftime("%Y-%m-%d")


def default_filename(params: CreateSegmentExportParams, day: str) -> str:
    return f"{storage.safe_name(params.segmentId)}-{day}.{_EXTENSIONS[params.format]}.gz"


def _store(file: ExportFile, key: str, filename: str, metadata: dict[str, str], export_format: str) -> int:
    try:
        return storage.upload(CheckedExport(file, export_format), key, filename=filename, metadata=metadata)
    except (FullstoryError, ExportFileInvalid):
        raise  # the download broke off, or it is not the export
    except Exception as exc:  # botocore / s3transfer
        raise StorageUnavailable(f"the file could not be written to the export bucket ({type(exc).__name__})") from None


def _copy(
    client: FullstoryClient, search_export_id: str, execution: str, params: CreateSegmentExportParams, day: str
) -> tuple[str, str, int]:
    metadata = {"search-export-id": search_export_id[:256], "segment-id": params.segmentId[:256]}
    for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
        link = client.get_search_export_results(search_export_id)
        try:
            opened = open_download(
                link.location,
                allowance=allowance(),
                connect_timeout=client.connect_timeout,
                read_timeout=client.read_timeout,
            )
            with opened as file:
                filename = file.filename or default_filename(params, day)
                key = storage.export_key(execution, filename)
                return key, filename, _store(file, key, filename, metadata, params.format)
        except UrlRefused as refused:
            raise ExportLinkRefused(
                f"Fullstory's download link was not followed: it {refused.reason}; nothing was stored"
            ) from None
        except (DownloadLinkExpired, UpstreamError):
            # A refused or broken download: a fresh link and a new attempt cost seconds, not a retry.
            if attempt == DOWNLOAD_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def deliver(event: dict[str, Any], context: Any) -> dict[str, Any]:
    job = event.get("job") or {}
    params = CreateSegmentExportParams.model_validate(event.get("request") or {})
    execution = str(event.get("execution") or "run")
    search_export_id = str(job.get("searchExportId") or "")
    day = run_day(event.get("started"))
    key, filename, size = with_fullstory(
        lambda client: _copy(client, search_export_id, execution, params, day), context
    )
    url, url_expires = storage.presign(key)
    retention_days = settings().export_retention_days
    result: dict[str, Any] = {
        "executionId": execution,
        "operationId": job.get("operationId"),
        "searchExportId": search_export_id,
        "segmentId": params.segmentId,
        "type": params.type,
        "format": params.format,
        "bucket": storage.bucket(),
        "key": key,
        "s3Uri": storage.s3_uri(key),
        "fileName": filename,
        "contentType": "application/gzip",
        "sizeBytes": size,
        "downloadUrl": url,
        "downloadUrlExpiresAt": iso_time(url_expires),
        "polls": int((job.get("poll") or {}).get("polls", 0)),
    }
    if retention_days is not None:
        result["storedUntil"] = iso_time(datetime.now(UTC) + timedelta(days=retention_days))
    return result


lambda_handler = workflow_task("deliver", deliver)
