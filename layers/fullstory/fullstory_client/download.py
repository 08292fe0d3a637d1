"""An export file being downloaded: the gzip bytes exactly as Fullstory stored them, streamed.

The link comes from Fullstory's answer, so it is treated as untrusted: ``open_download`` fetches it
only over https from a public address (see outbound.py), redirects included.
"""

from __future__ import annotations

import re
from types import TracebackType

import urllib3
from urllib3 import BaseHTTPResponse
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, ReadTimeoutError

from . import outbound
from .errors import DownloadLinkExpired, FullstoryError, NotFound, RateLimited, UpstreamError, UpstreamTimeout

_FILENAME = re.compile(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', re.IGNORECASE)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_REDIRECTS = 5
# No Authorization: the signed URL carries its own. gzip accepted, so storage sends the file as
# stored instead of inflating it on the fly.
_HEADERS = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate", "User-Agent": "fullstory-opal-tools/1.0"}


def _filename(disposition: str | None) -> str | None:
    found = _FILENAME.search(disposition or "")
    if not found:
        return None
    name = _UNSAFE.sub("-", found.group(1).rsplit("/", 1)[-1]).strip("-.")
    return name[:200] or None


class ExportFile:
    """File-like (``read``) over an open download; counts the bytes handed out. Close it when done."""

    def __init__(self, response: BaseHTTPResponse) -> None:
        self._response = response
        self.filename = _filename(response.headers.get("Content-Disposition"))
        length = response.headers.get("Content-Length", "")
        self.size: int | None = int(length) if length.isdigit() else None
        self.content_type = response.headers.get("Content-Type", "application/gzip")
        self.bytes_read = 0

    def read(self, amount: int | None = -1) -> bytes:
        try:
            # Keep the bytes compressed even if storage labels them Content-Encoding: gzip.
            chunk = self._response.read(None if amount is None or amount < 0 else amount, decode_content=False)
        except ReadTimeoutError:
            raise UpstreamTimeout("the export download stalled") from None
        except (HTTPError, OSError) as exc:  # ProtocolError (reset, cut short), SSLError, ...
            raise UpstreamError(f"the export download broke off ({type(exc).__name__})") from None
        self.bytes_read += len(chunk)
        return chunk

    def close(self) -> None:
        release(self._response)

    def __enter__(self) -> ExportFile:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def release(response: BaseHTTPResponse) -> None:
    """Give the connection back to its pool; a body not read to the end closes it first (no drain).

    A body read to the end has already given it back, and then this only closes the response.
    """
    response.close()
    response.release_conn()


def error_for_download(response: BaseHTTPResponse) -> FullstoryError:
    """Cloud storage answers XML, not Fullstory's JSON: map by status only."""
    status = response.status
    if status in (400, 401, 403):
        return DownloadLinkExpired("the export's download link was refused (expired or altered)", status=status)
    if status == 404:
        return NotFound("the export file no longer exists at its download link", status=status)
    if status == 429:
        raw = response.headers.get("Retry-After", "").strip()
        return RateLimited(
            "the export download was rate limited", retry_after=int(raw) if raw.isdigit() else None, status=status
        )
    if status >= 500:
        return UpstreamError(f"the export download failed (HTTP {status})", status=status)
    return FullstoryError(f"the export download answered HTTP {status}", status=status)


def open_download(
    location: str,
    *,
    allowance: outbound.Allowance = outbound.STRICT,
    connect_timeout: float = 3.05,
    read_timeout: float = 20.0,
) -> ExportFile:
    """Start streaming the file at a results ``location`` (the caller closes it).

    Raises ``outbound.UrlRefused`` when the link or a redirect leaves the public internet,
    ``DownloadLinkExpired`` when storage refuses the signature (ask for a fresh link), other
    FullstoryErrors for the rest.
    """
    timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
    try:
        response = outbound.request(
            "GET",
            location,
            headers=_HEADERS,
            timeout=timeout,
            allowance=allowance,
            max_redirects=MAX_REDIRECTS,
            stream=True,
        )
    except (HTTPError, OSError) as exc:
        # NewConnectionError (refused, unresolvable) subclasses ConnectTimeoutError but is no timeout.
        if isinstance(exc, ConnectTimeoutError | ReadTimeoutError) and not isinstance(exc, NewConnectionError):
            raise UpstreamTimeout("the export download did not start in time") from None
        raise UpstreamError("the connection for the export download failed") from None
    if response.status in outbound.REDIRECT_STATUSES:
        release(response)
        raise UpstreamError(f"the export download was redirected more than {MAX_REDIRECTS} times")
    if response.status != 200:
        error = error_for_download(response)
        release(response)
        raise error
    return ExportFile(response)
