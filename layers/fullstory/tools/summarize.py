"""One session summarised under a configuration, answered in a shape a language model reads directly.

Each summary sends its whole configuration (tools/summary_profiles.py) with the request; the
configuration and the operator's base profile are looked up on every call, so the request carries
exactly what the code says now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fullstory_client import NotFound

from .problems import session_not_found
from .summary_base_profiles import base_profile
from .summary_profiles import CONFIGURATIONS

if TYPE_CHECKING:
    from fullstory_client import FullstoryClient
    from fullstory_client.summary_config import SummaryConfiguration


def summarize(
    client: FullstoryClient, session_id: str, configuration: SummaryConfiguration, *, base_profile: str | None = None
) -> dict[str, Any]:
    """``{"summary": text}``, or the structured fields when the configuration has a response schema."""
    try:
        result = client.generate_summary(session_id, configuration, base_profile=base_profile)
    except NotFound:
        raise session_not_found(session_id, base_profile) from None
    if isinstance(result.response, dict):
        return dict(result.response)
    if result.summary is None:
        return {"summary": "" if result.response is None else str(result.response)}
    return {"summary": result.summary}


def summary_type_request(
    summary_type: str, configuration: SummaryConfiguration | None = None
) -> tuple[SummaryConfiguration, str | None]:
    """The configuration (default: the type's own) and the type's base profile."""
    chosen = CONFIGURATIONS[summary_type] if configuration is None else configuration
    return chosen, base_profile(summary_type)


def summarize_as(
    summary_type: str, client: FullstoryClient, session_id: str, configuration: SummaryConfiguration | None = None
) -> dict[str, Any]:
    """``session_id`` summarised by ``configuration`` (default: the type's own), on the type's base profile."""
    chosen = CONFIGURATIONS[summary_type] if configuration is None else configuration
    return summarize(client, session_id, chosen, base_profile=base_profile(summary_type))
