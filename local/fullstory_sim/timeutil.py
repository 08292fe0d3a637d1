"""RFC 3339 helpers. Fullstory emits UTC timestamps with a `Z` suffix and millisecond or
microsecond precision; we emit milliseconds (operations use microseconds like the doc example)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def rfc3339_ms(epoch_ms: int, tz: tzinfo | None = None) -> str:
    """`2024-05-01T12:34:56.789Z` (or `+09:00` style offset when a zone is given)."""
    dt = datetime.fromtimestamp(epoch_ms / 1000, tz or UTC)
    text = dt.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if tz is None else text


def rfc3339_s(epoch_s: float) -> str:
    return rfc3339_ms(round(epoch_s * 1000))


def rfc3339_us(epoch_s: float) -> str:
    """Microsecond precision, as in the operations example (`2020-09-22T22:40:52.174736Z`)."""
    dt = datetime.fromtimestamp(epoch_s, UTC)
    return dt.isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_rfc3339(text: str) -> float:
    """Epoch seconds for an RFC 3339 timestamp; raises ValueError when malformed.

    A zone designator is required (RFC 3339 has no local times)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone offset")
    return dt.timestamp()


def day_stamp(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%d")
