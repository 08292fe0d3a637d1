"""The stack's export bucket: delivered files, presigned links, and one marker per workflow run.

Layout: ``exports/<execution name>/<file>.gz`` for files; ``requests/<execution name>.json`` for
the marker that remembers which Fullstory export a run created (so a retried create task reuses
it instead of starting another); ``callbacks/<execution name>.json`` for Opal's callback
(callback_refs.py). All expire with the bucket's lifecycle rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

from platform_kit.aws import NotConfigured, s3
from platform_kit.settings import BUCKET_ENV, settings

from .errors import StorageUnavailable

EXPORT_PREFIX = "exports/"
MARKER_PREFIX = "requests/"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def bucket() -> str:
    name = settings().export_bucket
    if not name:
        raise NotConfigured(f"{BUCKET_ENV} is not set")
    return name


def url_ttl_s() -> int:
    return settings().export_url_ttl_s


def safe_name(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-.")[:120] or "export"


def s3_uri(key: str) -> str:
    return f"s3://{bucket()}/{key}"


def export_key(execution_name: str, filename: str) -> str:
    return f"{EXPORT_PREFIX}{safe_name(execution_name)}/{safe_name(filename)}"


def is_export_key(key: str) -> bool:
    return key.startswith(EXPORT_PREFIX) and ".." not in key


@contextmanager
def storage_errors(doing: str) -> Iterator[None]:
    """An S3 failure while ``doing`` becomes StorageUnavailable (the workflow retries it)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise StorageUnavailable(f"the export bucket failed while {doing} ({code})") from None
    except BotoCoreError as exc:
        raise StorageUnavailable(f"the export bucket failed while {doing} ({type(exc).__name__})") from None


def _marker_key(execution_name: str) -> str:
    return f"{MARKER_PREFIX}{safe_name(execution_name)}.json"


@dataclass(frozen=True)
class Marker:
    """What an earlier attempt of this run's create left: the operation it created, or only its
    claim (it was about to send the create, or sent it and did not live to record the answer)."""

    operation_id: str | None
    claimed_at: str | None


def read_marker(execution_name: str) -> Marker | None:
    """The run's marker, if an earlier attempt left one."""
    from botocore.exceptions import ClientError

    with storage_errors("reading the run's marker"):
        try:
            body = s3().get_object(Bucket=bucket(), Key=_marker_key(execution_name))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
    try:
        data: Any = json.loads(body)
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    operation_id, claimed_at = data.get("operationId"), data.get("claimedAt")
    return Marker(
        operation_id if isinstance(operation_id, str) and operation_id else None,
        claimed_at if isinstance(claimed_at, str) else None,
    )


def _put_marker(execution_name: str, data: dict[str, Any], **conditions: str) -> None:
    s3().put_object(
        Bucket=bucket(),
        Key=_marker_key(execution_name),
        Body=json.dumps(data).encode(),
        ContentType="application/json",
        ServerSideEncryption="AES256",
        **conditions,  # type: ignore[arg-type]
    )


def claim_marker(execution_name: str) -> bool:
    """Writes the run's claim before the create is sent, only if no marker exists (an S3 conditional
    write, so two attempts running at once cannot both send it). False: another attempt has one."""
    from botocore.exceptions import ClientError

    with storage_errors("claiming the run's marker"):
        try:
            _put_marker(execution_name, {"claimedAt": datetime.now(UTC).isoformat()}, IfNoneMatch="*")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
    return True


def record_operation(execution_name: str, operation_id: str) -> None:
    """Replaces the claim with the operation the create started."""
    with storage_errors("recording the export's operation id"):
        _put_marker(execution_name, {"operationId": operation_id, "at": datetime.now(UTC).isoformat()})


def release_marker(execution_name: str) -> None:
    """Drops the claim after an answer that proves nothing was created, so a retry may create."""
    with storage_errors("releasing the run's marker"):
        s3().delete_object(Bucket=bucket(), Key=_marker_key(execution_name))


class Readable(Protocol):
    """What an upload reads: the download, or the check wrapped around it."""

    @property
    def bytes_read(self) -> int: ...

    def read(self, amount: int | None = -1) -> bytes: ...


def upload(file: Readable, key: str, *, filename: str, metadata: dict[str, str]) -> int:
    """Streams ``file`` into the bucket (multipart for large files, memory stays bounded); its size."""
    from boto3.s3.transfer import TransferConfig

    s3().upload_fileobj(
        cast(Any, file),  # file-like: read() is all upload_fileobj uses
        bucket(),
        key,
        ExtraArgs={
            "ContentType": "application/gzip",
            "ContentDisposition": f'attachment; filename="{safe_name(filename)}"',
            "ServerSideEncryption": "AES256",
            "Metadata": metadata,
        },
        Config=TransferConfig(multipart_threshold=16 * 2**20, multipart_chunksize=16 * 2**20, max_concurrency=4),
    )
    return file.bytes_read


def presign(key: str, *, ttl_s: int | None = None) -> tuple[str, datetime]:
    """A GET link to the object and when it stops working.

    Signed with the function's role: the link also stops working when those credentials expire,
    so keep EXPORT_URL_TTL_SECONDS to hours, not days.
    """
    seconds = ttl_s or url_ttl_s()
    url = s3().generate_presigned_url(
        "get_object", Params={"Bucket": bucket(), "Key": key}, ExpiresIn=seconds, HttpMethod="GET"
    )
    local = settings().local_s3_link_prefix
    if local is not None:  # the local server's in-process S3: the same signed link, through it
        url = local + url.removeprefix("https://")
    return url, datetime.now(UTC) + timedelta(seconds=seconds)


def object_size(key: str) -> int | None:
    from botocore.exceptions import ClientError

    try:
        return int(s3().head_object(Bucket=bucket(), Key=key)["ContentLength"])
    except ClientError:
        return None
