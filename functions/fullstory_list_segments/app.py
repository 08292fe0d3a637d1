"""fullstory_list_segments: one page of segments, with the token for the next."""

from __future__ import annotations

from typing import Any

from catalog.segments import LIST_SEGMENTS, ListSegmentsParams
from fullstory_client import BadRequest, FullstoryClient
from opal_tools.adapter import tool_handler
from opal_tools.problems import bad_parameters
from opal_tools.views import segment_view


def list_segments(params: ListSegmentsParams, client: FullstoryClient) -> dict[str, Any]:
    try:
        page = client.list_segments(limit=params.limit, pagination_token=params.paginationToken, creator=params.creator)
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


lambda_handler = tool_handler(LIST_SEGMENTS, list_segments)
