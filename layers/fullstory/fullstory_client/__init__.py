"""Fullstory REST API client (no AWS, no Opal).

``FullstoryClient`` and ``ExportFile`` (and with them urllib3) are imported on first use: the
errors, models and session ids are all that tool contracts and discovery need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    BadRequest,
    CreateUncertain,
    DownloadLinkExpired,
    Forbidden,
    FullstoryError,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unauthorized,
    UnsafeId,
    UpstreamError,
    UpstreamTimeout,
)
from .hosts import resolve_base_url
from .session_ids import EXPECTED_FORM, normalize_session_id

if TYPE_CHECKING:
    from .client import FullstoryClient
    from .download import ExportFile

__all__ = [
    "EXPECTED_FORM",
    "BadRequest",
    "CreateUncertain",
    "DownloadLinkExpired",
    "ExportFile",
    "Forbidden",
    "FullstoryClient",
    "FullstoryError",
    "MalformedResponse",
    "NotFound",
    "RateLimited",
    "Unauthorized",
    "UnsafeId",
    "UpstreamError",
    "UpstreamTimeout",
    "normalize_session_id",
    "resolve_base_url",
]


def __getattr__(name: str) -> Any:
    if name == "FullstoryClient":
        from .client import FullstoryClient

        return FullstoryClient
    if name == "ExportFile":
        from .download import ExportFile

        return ExportFile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
