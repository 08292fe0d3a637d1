"""An export file being downloaded: the gzip bytes exactly as Fullstory stored them, streamed."""

from __future__ import annotations

import re
from types import TracebackType

from urllib3 import BaseHTTPResponse
from urllib3.exceptions import HTTPError, ReadTimeoutError

from .errors import DownloadLinkExpired, FullstoryError, NotFound, RateLimited, UpstreamError, UpstreamTimeout

_FILENAME = re.compile(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', re.IGNORECASE)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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
