"""One summary to make, as the worker function is given it: what to ask Fullstory, and where the result goes.

The event is built by our own functions only (the worker has no route), but it is still checked:
the key must be the one its session and request give, so no event can write another entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fullstory_client import normalize_session_id
from fullstory_client.summary_config import SummaryConfiguration
from summary_store.keys import summary_key


def request_body(configuration: SummaryConfiguration, base_profile: str | None) -> dict[str, Any]:
    """Everything a summary sends to Fullstory, and so everything that shapes it."""
    body: dict[str, Any] = {"config_profile": base_profile} if base_profile else {}
    body.update(configuration.body())
    return body


class BadJob(ValueError):
    """A worker event that is not a summary job of ours."""


def _section(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name, {})
    if not isinstance(value, dict):
        raise BadJob(f"{name} must be an object")
    return value


def configuration_of(body: Mapping[str, Any]) -> tuple[SummaryConfiguration, str | None]:
    """The configuration and base profile ``request_body`` was made of (its exact inverse)."""
    llm = _section(body, "llm")
    pre, post, temperature = llm.get("pre_prompt"), llm.get("post_prompt"), llm.get("temperature")
    schema = llm.get("response_schema")
    profile = body.get("config_profile")
    if not isinstance(pre, str) or not isinstance(post, str) or not isinstance(temperature, int | float):
        raise BadJob("llm must hold pre_prompt, post_prompt and temperature")
    if schema is not None and not isinstance(schema, dict):
        raise BadJob("llm.response_schema must be an object")
    if profile is not None and not isinstance(profile, str):
        raise BadJob("config_profile must be a string")
    configuration = SummaryConfiguration(
        pre_prompt=pre,
        post_prompt=post,
        temperature=float(temperature),
        response_schema=schema,
        slice=_section(body, "slice"),
        context=_section(body, "context"),
        events=_section(body, "events"),
        cache=_section(body, "cache"),
    )
    return configuration, profile


@dataclass(frozen=True)
class SummaryJob:
    key: str
    claim_id: str
    session_id: str
    request: dict[str, Any]  # request_body(...)
    ttl_s: int  # how long the result is kept

    def event(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "claimId": self.claim_id,
            "sessionId": self.session_id,
            "request": self.request,
            "ttlSeconds": self.ttl_s,
        }

    @classmethod
    def from_event(cls, event: Any) -> SummaryJob:
        if not isinstance(event, dict):
            raise BadJob("the event must be an object")
        session_id = normalize_session_id(str(event.get("sessionId", "")))
        request, claim_id, ttl_s = event.get("request"), event.get("claimId"), event.get("ttlSeconds")
        if session_id is None or not isinstance(request, dict):
            raise BadJob("sessionId and request are required")
        if not isinstance(claim_id, str) or not claim_id or not isinstance(ttl_s, int) or ttl_s <= 0:
            raise BadJob("claimId and ttlSeconds are required")
        configuration_of(request)
        if event.get("key") != summary_key(session_id, request):
            raise BadJob("the key is not the one of this session and request")
        return cls(summary_key(session_id, request), claim_id, session_id, request, ttl_s)
