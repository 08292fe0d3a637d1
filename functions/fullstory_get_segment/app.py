"""fullstory_get_segment: by id, built-in id, or (when no id matches) by name."""

from __future__ import annotations

import difflib
from typing import Any

from catalog.segments import GET_SEGMENT, GetSegmentParams
from fullstory_client import BadRequest, FullstoryClient, NotFound
from fullstory_client.models import Segment
from opal_tools.adapter import tool_handler
from opal_tools.problems import Problem
from opal_tools.views import segment_view

MAX_PAGES = 20  # 2,000 segments: enough for large orgs, bounded against 429s


def _all_segments(client: FullstoryClient) -> list[Segment]:
    segments: list[Segment] = []
    token: str | None = None
    for _ in range(MAX_PAGES):
        page = client.list_segments(limit=100, pagination_token=token)
        segments.extend(page.segments)
        token = page.next_pagination_token
        if not token:
            break
    return segments


def get_segment(params: GetSegmentParams, client: FullstoryClient) -> dict[str, Any]:
    try:
        return {"segment": segment_view(client.get_segment(params.id)), "matchedBy": "id"}
    except (NotFound, BadRequest):  # Fullstory answers 400 for a string that cannot be an id (a name)
        pass
    segments = _all_segments(client)
    wanted = params.id.casefold()
    for matched_by, matches in (
        ("exact name", [s for s in segments if s.name == params.id]),
        ("name, ignoring case", [s for s in segments if s.name.casefold() == wanted]),
    ):
        if matches:
            answer: dict[str, Any] = {"segment": segment_view(matches[0]), "matchedBy": matched_by}
            if len(matches) > 1:
                answer["otherMatches"] = [segment_view(s) for s in matches[1:]]
                answer["note"] = f"{len(matches)} segments have this name; the first is shown."
            return answer
    names = [s.name for s in segments]
    close = difflib.get_close_matches(params.id, names, n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(repr(n) for n in close)}?" if close else ""
    raise Problem(
        404,
        "Segment not found",
        f"No Fullstory segment has the id or name {params.id!r}.{hint} "
        "Use fullstory_list_segments to see segment ids and names.",
        "SEGMENT_NOT_FOUND",
    )


lambda_handler = tool_handler(GET_SEGMENT, get_segment)
