"""The stack's export bucket: delivered files, presigned links, and one marker per workflow run.

Layout: ``exports/<execution name>/<file>.gz`` for files and ``requests/<execution name>.json``
for the marker that remembers which Fullstory export a run created (so a retried create task
reuses it instead of starting another). Both expire with the bucket's lifecycle rule.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from fullstory_client import ExportFile

from .aws import NotConfigured, s3

BUCKET_ENV = "EXPORT_BUCKET"
URL_TTL_ENV = "EXPORT_URL_TTL_SECONDS"
DEFAULT_URL_TTL_S = 3600
MAX_URL_TTL_S = 7 * 86_400  # SigV4's limit
EXPORT_PREFIX = "exports/"
MARKER_PREFIX = "requests/"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def bucket() -> str:
    name = os.environ.get(BUCKET_ENV, "").strip()
    if not name:
        raise NotConfigured(f"{BUCKET_ENV} is not set")
    return name


def url_ttl_s() -> int:
    raw = os.environ.get(URL_TTL_ENV, "").strip()
    value = int(raw) if raw.isdigit() else DEFAULT_URL_TTL_S
    return max(60, min(MAX_URL_TTL_S, value))


def safe_name(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-.")[:120] or "export"


def s3_uri(key: str) -> str:
    return f"s3://{bucket()}/{key}"


def export_key(execution_name: str, filename: str) -> str:
    return f"{EXPORT_PREFIX}{safe_name(execution_name)}/{safe_name(filename)}"


def is_export_key(key: str) -> bool:
    return key.startswith(EXPORT_PREFIX) and ".." not in key


def read_marker(execution_name: str) -> str | None:
    """The operation id an earlier attempt of this run created, if any."""
    from botocore.exceptions import ClientError

    try:
        body = s3().get_object(Bucket=bucket(), Key=f"{MARKER_PREFIX}{safe_name(execution_name)}.json")["Body"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    data: Any = json.loads(body.read())
    operation_id = data.get("operationId") if isinstance(data, dict) else None
    return operation_id if isinstance(operation_id, str) and operation_id else None


def write_marker(execution_name: str, operation_id: str) -> None:
    s3().put_object(
        Bucket=bucket(),
        Key=f"{MARKER_PREFIX}{safe_name(execution_name)}.json",
        Body=json.dumps({"operationId": operation_id, "at": datetime.now(UTC).isoformat()}).encode(),
        ContentType="application/json",
        ServerSideEncryption="AES256",
    )


def upload(file: ExportFile, key: str, *, filename: str, metadata: dict[str, str]) -> int:
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
    return url, datetime.now(UTC) + timedelta(seconds=seconds)


def object_size(key: str) -> int | None:
    from botocore.exceptions import ClientError

    try:
        return int(s3().head_object(Bucket=bucket(), Key=key)["ContentLength"])
    except ClientError:
        return None
