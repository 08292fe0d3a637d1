"""Segment tools: list and look up Fullstory segments."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from pydantic import Field

from fullstory_client import BadRequest, NotFound
from opal_tools.problems import Problem, bad_parameters
from opal_tools.spec import ToolSpec

from .needs import FULLSTORY
from .params import OptionalEmail, OptionalText, PathId, ToolParameters
from .views import segment_view

if TYPE_CHECKING:
    from fullstory_client import FullstoryClient
    from fullstory_client.models import Segment

MAX_PAGES = 20  # 2,000 segments: enough for large orgs, bounded against 429s


class ListSegmentsParams(ToolParameters):
    limit: int = Field(20, ge=1, le=100, description="How many segments to return in this page.")
    paginationToken: OptionalText = Field(
        None,
        max_length=1024,
        description="The nextPaginationToken from the previous answer, to get the next page. Omit for the first page.",
    )
    creator: OptionalEmail = Field(
        None, description="Only segments created by this Fullstory user, given as an email, e.g. maria@acme.com."
    )


class GetSegmentParams(ToolParameters):
    id: PathId = Field(
        description="The segment to look up: its id (e.g. 'everyone', 'rageClicks' or an opaque id such as "
        "'aBc123XyZ') or its display name (e.g. 'High-Value Customers')."
    )


def list_segments(params: ListSegmentsParams, *, fullstory: FullstoryClient) -> dict[str, Any]:
    """One page of segments, with the token for the next."""
    try:
        page = fullstory.list_segments(
            limit=params.limit, pagination_token=params.paginationToken, creator=params.creator
        )
    except BadRequest:
        if not params.paginationToken:
            raise
        # Fullstory's 400 here almost always means a token that is not from a previous answer.
        raise bad_parameters(
            [{"parameter": "paginationToken", "problem": "is not a nextPaginationToken from a previous answer"}]
        ) from None
    answer: dict[str, Any] = {
        "segments": [segment_view(segment) for segment in page.segments],
        "count": len(page.segments),
        "nextPaginationToken": page.next_pagination_token,
    }
    if page.next_pagination_token:
        answer["next"] = "More segments exist: call again with paginationToken set to nextPaginationToken."
    return answer


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


def _by_name(wanted: str, segments: list[Segment]) -> dict[str, Any] | None:
    folded = wanted.casefold()
    for matched_by, matches in (
        ("exact name", [s for s in segments if s.name == wanted]),
        ("name, ignoring case", [s for s in segments if s.name.casefold() == folded]),
    ):
        if matches:
            answer: dict[str, Any] = {"segment": segment_view(matches[0]), "matchedBy": matched_by}
            if len(matches) > 1:
                answer["otherMatches"] = [segment_view(s) for s in matches[1:]]
                answer["note"] = f"{len(matches)} segments have this name; the first is shown."
            return answer
    return None


def get_segment(params: GetSegmentParams, *, fullstory: FullstoryClient) -> dict[str, Any]:
    """By id, built-in id, or (when no id matches) by name."""
    try:
        return {"segment": segment_view(fullstory.get_segment(params.id)), "matchedBy": "id"}
    except (NotFound, BadRequest):  # Fullstory answers 400 for a string that cannot be an id (a name)
        pass
    segments = _all_segments(fullstory)
    found = _by_name(params.id, segments)
    if found is not None:
        return found
    close = difflib.get_close_matches(params.id, [s.name for s in segments], n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(repr(n) for n in close)}?" if close else ""
    raise Problem(
        404,
        "Segment not found",
        f"No Fullstory segment has the id or name {params.id!r}.{hint} "
        "Use fullstory_list_segments to see segment ids and names.",
        "SEGMENT_NOT_FOUND",
    )


LIST_SEGMENTS = ToolSpec(
    name="fullstory_list_segments",
    description=(
        "List the saved Fullstory segments (groups of users defined in Fullstory), with each segment's id, name, "
        "creator, creation time and app link. Use it when someone wants to see which segments exist, find a "
        "segment's id to export it, or see the segments a teammate created (filter by creator email). Answers "
        "one page at a time; pass the returned nextPaginationToken to get the next page."
    ),
    parameters=ListSegmentsParams,
    group="segments",
    run=list_segments,
    needs=(FULLSTORY,),
    example_prompt="Which Fullstory segments did maria@acme.com create?",
    example_parameters={"limit": 5},
)

GET_SEGMENT = ToolSpec(
    name="fullstory_get_segment",
    description=(
        "Get one Fullstory segment's details: id, name, who created it and when, and its link in the Fullstory "
        "app. Accepts a segment id, a built-in id such as 'everyone', or the segment's display name. Use it to "
        "check a segment before exporting from it or to answer 'tell me about segment X'."
    ),
    parameters=GetSegmentParams,
    group="segments",
    run=get_segment,
    needs=(FULLSTORY,),
    example_prompt="Details for the 'High-Value Customers' segment.",
    example_parameters={"id": "everyone"},
)
