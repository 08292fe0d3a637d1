"""Delivered export files on the local server: only through a link the registry signed.

Presigned S3 links cannot reach the in-process S3 (moto), so the local server serves them itself:
``https://<host>/<key>?X-Amz-...`` is fetched as ``<server>/__local/s3/<host>/<key>?X-Amz-...``.
The link is checked as S3 checks it (SigV4 query signature with the credentials that signed it,
expiry), so the local server is no open door to every object of every bucket.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote

PREFIX = "/__local/s3/"
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_EXPIRES_S = 7 * 24 * 3600  # S3's own limit for a SigV4 link
CLOCK_SKEW = timedelta(minutes=15)
REQUIRED = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders")


class LinkRefused(Exception):
    """The request is not a valid, unexpired link signed by the registry; the message says why."""


@dataclass(frozen=True)
class SignedObject:
    bucket: str
    key: str


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _bucket_and_key(host: str, path: str) -> SignedObject:
    name = host.split(":", 1)[0].lower()
    if name.startswith(("s3.", "s3-")):  # path style: s3.<region>.amazonaws.com/<bucket>/<key>
        bucket, _, key = path.partition("/")
    elif ".s3." in name or ".s3-" in name:  # virtual-hosted style: <bucket>.s3.amazonaws.com/<key>
        bucket, key = name.split(".s3", 1)[0], path
    else:
        raise LinkRefused("not an S3 link")
    if not bucket or not key:
        raise LinkRefused("the link names no object")
    return SignedObject(bucket=bucket, key=unquote(key))


def _check_validity(params: dict[str, str], day: str, now: datetime | None) -> None:
    """The link's time window: signed on its scope's day, not in the future, not expired."""
    try:
        signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        expires_s = int(params["X-Amz-Expires"])
    except ValueError:
        raise LinkRefused("X-Amz-Date or X-Amz-Expires is malformed") from None
    if day != params["X-Amz-Date"][:8] or not 1 <= expires_s <= MAX_EXPIRES_S:
        raise LinkRefused("X-Amz-Date or X-Amz-Expires is out of range")
    current = now or datetime.now(UTC)
    if signed_at > current + CLOCK_SKEW:
        raise LinkRefused("signed in the future")
    if current > signed_at + timedelta(seconds=expires_s):
        raise LinkRefused("the link has expired")


def _signature(method: str, host: str, path: str, params: dict[str, str], scope: list[str], secret_key: str) -> str:
    """SigV4 over the host header only, as S3 computes it for a presigned GET."""
    day, region = scope[1], scope[2]
    canonical_query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()))
    canonical_request = "\n".join((method, "/" + path, canonical_query, f"host:{host}\n", "host", "UNSIGNED-PAYLOAD"))
    string_to_sign = "\n".join(
        (
            ALGORITHM,
            params["X-Amz-Date"],
            f"{day}/{region}/s3/aws4_request",
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        )
    )
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), day)
    for part in (region, "s3", "aws4_request"):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(
    method: str, rest: str, query: str, *, access_key: str, secret_key: str, now: datetime | None = None
) -> SignedObject:
    """The object a presigned link (``rest`` = ``<host>/<path>`` after the prefix) grants, or LinkRefused."""
    host, _, path = rest.partition("/")
    pairs = parse_qsl(query, keep_blank_values=True)
    params = dict(pairs)
    if len(params) != len(pairs):
        raise LinkRefused("a query parameter is repeated")
    signature = params.pop("X-Amz-Signature", "")
    if not signature or any(not params.get(name) for name in REQUIRED):
        raise LinkRefused("not a presigned link (no X-Amz-Signature)")
    if params["X-Amz-Algorithm"] != ALGORITHM or params["X-Amz-SignedHeaders"] != "host":
        raise LinkRefused("not a SigV4 link signed over the host only")
    scope = params["X-Amz-Credential"].split("/")
    if len(scope) != 5 or scope[3] != "s3" or scope[4] != "aws4_request":
        raise LinkRefused("the credential scope is not S3's")
    if not hmac.compare_digest(scope[0], access_key):
        raise LinkRefused("signed by someone else")
    _check_validity(params, scope[1], now)
    if not hmac.compare_digest(_signature(method, host, path, params, scope, secret_key), signature):
        raise LinkRefused("the signature does not match")
    return _bucket_and_key(host, path)
