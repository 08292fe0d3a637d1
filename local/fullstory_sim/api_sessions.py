"""Sessions: `GET /sessions/v2` and the Activation endpoints under `/v2/sessions/{id}/…`
(events, context, summary)."""

from __future__ import annotations

import base64
import re
import time
from typing import TYPE_CHECKING, Any

from .context import context_document, select_events, v2_events
from .errors import bad_request, not_found, required
from .facts import derive
from .model import Session
from .overrides import DEFAULT_CONFIGURATION, merge
from .profiles import validate_config, validate_llm
from .routing import Request, Response, Route, route
from .schema_fill import fill
from .summaries import choose_lens, summarize
from .summary_requests import SummaryRequest
from .timeutil import parse_rfc3339

if TYPE_CHECKING:
    from .simulator import FullstorySimulator

_ID = re.compile(r"^(?P<device>[0-9A-Za-z-]+)[:!](?P<session>[0-9A-Za-z-]+)$")


def _page_token(offset: int, who: str) -> str:
    return base64.urlsafe_b64encode(f"sessions:{offset}:{who}".encode()).decode().rstrip("=")


def _page_offset(token: str, who: str) -> int:
    """Tokens are bound to the query (uid/email), which must not change between pages."""
    try:
        kind, offset, bound = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(":", 2)
        if kind != "sessions" or bound != who or int(offset) < 0:
            raise ValueError("token does not belong to this query")
        return int(offset)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("invalid pagination_token") from None


def list_sessions(sim: FullstorySimulator, req: Request) -> Response:
    uid, email = req.arg("uid"), req.arg("email")
    if uid is None and email is None:
        raise bad_request("uid or email is required", "required_field")
    limit = req.int_arg("limit", default=20, low=0) or 20  # proto3: 0 means "unset"
    who = f"{uid or ''}|{email or ''}"
    token = req.arg("pagination_token", "paginationToken")
    offset = _page_offset(token, who) if token else 0
    users = []
    if uid is not None and (user := sim.data.user(uid)) is not None:
        users.append(user)
    if email is not None:
        users.extend(sim.data.users_with_email(email))
    found = {s.id: s for u in users for s in sim.data.sessions_of(u.uid)}  # union, de-duplicated
    now_ms = sim.clock() * 1000
    recent = sorted((s for s in found.values() if s.start_ms <= now_ms), key=lambda s: s.start_ms, reverse=True)
    # A page holds at most `sessions_page_size`, whatever `limit` asks; the rest is behind the token.
    end = offset + min(limit, sim.sessions_page_size)
    body: dict[str, Any] = {
        "sessions": [
            {
                "userId": s.device_id,
                "sessionId": s.session_id,
                "createdTime": str(s.created_s),  # int64 → string, epoch seconds
                "fsUrl": sim.data.session_url(s),
            }
            for s in recent[offset:end]
        ]
    }
    if end < len(recent):
        body["pagination_token"] = _page_token(end, who)
    return Response.json(body)


def _session(sim: FullstorySimulator, req: Request) -> Session:
    raw = req.params["session_id"].strip()
    if not raw:
        raise required("session_id")
    m = _ID.match(raw)
    if m is None:
        raise bad_request(f"invalid session_id {raw!r}: expected <deviceId>:<sessionId> (URL-encode ':' as %3A)")
    session = sim.data.session(f"{m['device']}:{m['session']}")
    if session is None:
        raise not_found()
    return session


def session_events(sim: FullstorySimulator, req: Request) -> Response:
    return Response.json({"events": v2_events(_session(sim, req))})


def session_context(sim: FullstorySimulator, req: Request) -> Response:
    session = _session(sim, req)
    body = req.json(required=False)
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    return Response.json(context_document(sim.data, session, validate_config(body)))


def _end_timestamp(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        parse_rfc3339(str(value))
    except ValueError:
        raise bad_request("end_timestamp must be an RFC 3339 timestamp") from None
    return str(value)


def _summarize(
    sim: FullstorySimulator,
    session: Session,
    config: dict[str, dict[str, Any]],
    end_timestamp: str | None,
) -> Response:
    llm = config["llm"]
    pre, post = str(llm.get("pre_prompt") or ""), str(llm.get("post_prompt") or "")
    temperature = float(llm.get("temperature") or 0.2)
    facts = derive(sim.data, session, select_events(session, config, end_timestamp))
    if sim.summary_latency_s > 0:
        time.sleep(sim.summary_latency_s)  # LLM latency; request threads are independent
    schema = llm.get("response_schema")
    # "simulated" is ours, not Fullstory's: no one should take these answers for its model's.
    if schema:
        lens, _ = choose_lens(f"{pre}\n{post}")
        return Response.json({"response": fill(schema, facts, lens), "response_schema": schema, "simulated": True})
    return Response.json({"summary": summarize(facts, pre, post, temperature), "simulated": True})


def _base(sim: FullstorySimulator, profile_id: Any) -> dict[str, dict[str, Any]]:
    """The saved profile's sections, or the default configuration when no profile is named."""
    if profile_id in (None, ""):
        return DEFAULT_CONFIGURATION
    if not isinstance(profile_id, str):
        raise bad_request("config_profile must be a string")
    profile = sim.profiles.get(profile_id)
    return merge(DEFAULT_CONFIGURATION, {"llm": profile.llm, **profile.config})


def summary_get(sim: FullstorySimulator, req: Request) -> Response:
    """A saved profile as it is; `config_profile` is optional (docs: generate-summary)."""
    session = _session(sim, req)
    profile_id = req.arg("config_profile")
    config = _base(sim, profile_id)
    end = _end_timestamp(req.arg("end_timestamp"))
    query = {k: v for k, v in (("config_profile", profile_id), ("end_timestamp", end)) if v is not None}
    sim.summary_requests.record(SummaryRequest("GET", session.id, query, config))
    return _summarize(sim, session, config, end)


def summary_post(sim: FullstorySimulator, req: Request) -> Response:
    """ "Generate Summary With Overrides": the body's configuration merged onto the optional profile."""
    session = _session(sim, req)
    body = req.json(required=False)
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    overrides = {"llm": validate_llm(body.get("llm")), **validate_config(body)}
    config = merge(_base(sim, body.get("config_profile")), overrides)
    sim.summary_requests.record(SummaryRequest("POST", session.id, body, config))
    # The SDK's CLI puts an end timestamp into `slice`; select_events reads it there.
    return _summarize(sim, session, config, None)


ROUTES: list[Route] = [
    route("GET", "/sessions/v2", list_sessions),
    route("GET", "/v2/sessions/{session_id}/events", session_events, admin=True),
    route("POST", "/v2/sessions/{session_id}/context", session_context, admin=True),
    route("GET", "/v2/sessions/{session_id}/summary", summary_get, admin=True),
    route("POST", "/v2/sessions/{session_id}/summary", summary_post, admin=True),
]
