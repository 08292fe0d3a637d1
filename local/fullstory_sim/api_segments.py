"""`GET /segments/v1` and `GET /segments/v1/{id}`."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from .errors import bad_request, not_found
from .model import Dataset, Segment
from .routing import Request, Response, Route, route

if TYPE_CHECKING:
    from .simulator import FullstorySimulator


def segment_json(data: Dataset, segment: Segment) -> dict[str, Any]:
    out: dict[str, Any] = {"id": segment.id, "name": segment.name}
    if segment.creator is not None:
        out["creator"] = segment.creator
    if segment.created is not None:
        out["created"] = segment.created
    out["url"] = data.app_url(f"segments/{segment.id}/people/0")
    return out


def _token(offset: int, creator: str) -> str:
    return base64.urlsafe_b64encode(f"segments:{offset}:{creator}".encode()).decode().rstrip("=")


def _offset(token: str, creator: str) -> int:
    """Tokens are bound to the other list parameters, which must not change between pages."""
    try:
        kind, offset, bound = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(":", 2)
        if kind != "segments" or bound != creator:
            raise ValueError("token does not belong to this query")
        return int(offset)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("invalid pagination token") from None


def list_segments(sim: FullstorySimulator, req: Request) -> Response:
    limit = req.int_arg("limit", default=20, low=0, high=100) or 20
    creator = (req.arg("creator") or "").strip().lower()
    token = req.arg("paginationToken", "pagination_token")
    offset = _offset(token, creator) if token else 0
    items = [s for s in sim.data.segments if not creator or (s.creator or "").lower() == creator]
    page = items[offset : offset + limit]
    body: dict[str, Any] = {"segments": [segment_json(sim.data, s) for s in page]}
    if offset + limit < len(items):
        body["nextPaginationToken"] = _token(offset + limit, creator)
    return Response.json(body)


def get_segment(sim: FullstorySimulator, req: Request) -> Response:
    segment = sim.data.segment(req.params["id"])
    if segment is None:
        raise not_found(f"segment {req.params['id']!r} not found")
    return Response.json(segment_json(sim.data, segment))


ROUTES: list[Route] = [
    route("GET", "/segments/v1", list_segments),
    route("GET", "/segments/v1/{id}", get_segment),
]
