"""How Fullstory objects are shown to a language model: small, named plainly, readable times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fullstory_client.models import Segment, Session

_ZERO = timedelta(0)


def readable_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.utcoffset() != _ZERO:  # Fullstory's times arrive in UTC already: skip the conversion
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def segment_view(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.id,
        "name": segment.name,
        "creator": segment.creator or None,
        "created": iso_time(segment.created),
        "url": segment.url,
    }


def session_view(session: Session) -> dict[str, Any]:
    return {
        "sessionId": session.full_id,
        "replayUrl": session.fs_url,
        "created": readable_time(session.created_time),
        "createdAt": iso_time(session.created_time),
    }
