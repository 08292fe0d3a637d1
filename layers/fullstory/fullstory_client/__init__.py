"""Fullstory REST API client (no AWS, no Opal)."""

from .client import FullstoryClient
from .download import ExportFile
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
