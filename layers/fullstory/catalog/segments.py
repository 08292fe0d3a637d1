"""Segment tools: list and look up Fullstory segments."""

from __future__ import annotations

from pydantic import Field

from opal_tools.spec import ToolSpec

from .base import OptionalEmail, OptionalText, PathId, ToolParameters


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
    example_prompt="Which Fullstory segments did maria@acme.com create?",
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
    example_prompt="Details for the 'High-Value Customers' segment.",
)
