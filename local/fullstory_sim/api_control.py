"""`/__sim/…` control endpoints for out-of-process users (no auth; loopback only).

- `POST /__sim/faults` `{path_regex, status?, retry_after?, delay_s?, body?, times?, method?, reset?,
  after_processing?, content_type?, location?}`
- `GET|DELETE /__sim/faults`
- `GET|DELETE /__sim/requests`
- `GET|POST /__sim/config` `{api_key?, admin?, export_seconds?, summary_latency_s?, fail_next_export?,
  fail_exports_for_segments?}`
- `GET /__sim/health`
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import bad_request
from .routing import Request, Response, Route, route

if TYPE_CHECKING:
    from .simulator import FullstorySimulator

_FAULT_KEYS = {"path_regex", "status", "retry_after", "delay_s", "body", "times", "method", "reset"}
_FAULT_KEYS |= {"after_processing", "content_type", "location"}


def add_fault(sim: FullstorySimulator, req: Request) -> Response:
    spec = req.json()
    if not isinstance(spec, dict) or not isinstance(spec.get("path_regex"), str):
        raise bad_request("path_regex (string) is required")
    unknown = set(spec) - _FAULT_KEYS
    if unknown:
        raise bad_request(f"unknown fault fields: {', '.join(sorted(unknown))}")
    try:
        fault = sim.inject(
            spec["path_regex"],
            status=spec.get("status"),
            retry_after=spec.get("retry_after"),
            delay_s=float(spec.get("delay_s") or 0.0),
            body=spec.get("body"),
            times=int(spec.get("times", 1)),
            method=spec.get("method"),
            reset=bool(spec.get("reset", False)),
            after_processing=bool(spec.get("after_processing", False)),
            content_type=spec.get("content_type"),
            location=spec.get("location"),
        )
    except (TypeError, ValueError) as exc:
        raise bad_request(str(exc)) from None
    return Response.json({"fault": fault.describe()}, status=201)


def list_faults(sim: FullstorySimulator, req: Request) -> Response:
    return Response.json({"faults": sim.pending_faults()})


def clear_faults(sim: FullstorySimulator, req: Request) -> Response:
    sim.clear_faults()
    return Response.json({})


def list_requests(sim: FullstorySimulator, req: Request) -> Response:
    return Response.json(
        {
            "requests": [
                {"method": e.method, "path": e.path, "query": e.query, "at": e.at} for e in sim.requests.entries()
            ]
        }
    )


def clear_requests(sim: FullstorySimulator, req: Request) -> Response:
    sim.requests.clear()
    return Response.json({})


def _config(sim: FullstorySimulator) -> dict[str, Any]:
    return {
        "api_key": sim.api_key,
        "admin": sim.admin,
        "export_seconds": sim.export_seconds,
        "summary_latency_s": sim.summary_latency_s,
        "fail_exports_for_segments": sorted(sim.fail_exports_for_segments),
        "base_url": sim.base_url,
        "org_id": sim.data.org_id,
    }


def get_config(sim: FullstorySimulator, req: Request) -> Response:
    return Response.json(_config(sim))


def set_config(sim: FullstorySimulator, req: Request) -> Response:
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    if "api_key" in body:
        if not isinstance(body["api_key"], str) or not body["api_key"]:
            raise bad_request("api_key must be a non-empty string")
        sim.api_key = body["api_key"]
    if "admin" in body:
        sim.admin = bool(body["admin"])
    for key in ("export_seconds", "summary_latency_s"):
        if key in body:
            value = body[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise bad_request(f"{key} must be a non-negative number")
            setattr(sim, key, float(value))
    if "fail_exports_for_segments" in body:
        sim.fail_exports_for_segments = {str(s) for s in body["fail_exports_for_segments"] or []}
    if body.get("fail_next_export"):
        sim.fail_next_export(str(body["fail_next_export"]))
    return Response.json(_config(sim))


def health(sim: FullstorySimulator, req: Request) -> Response:
    return Response.json({"ok": True})


ROUTES: list[Route] = [
    route("POST", "/__sim/faults", add_fault, auth=False),
    route("GET", "/__sim/faults", list_faults, auth=False),
    route("DELETE", "/__sim/faults", clear_faults, auth=False),
    route("GET", "/__sim/requests", list_requests, auth=False),
    route("DELETE", "/__sim/requests", clear_requests, auth=False),
    route("GET", "/__sim/config", get_config, auth=False),
    route("POST", "/__sim/config", set_config, auth=False),
    route("GET", "/__sim/health", health, auth=False),
]

# Control paths are never subject to fault injection (so a broad regex can't lock tests out).
CONTROL_PREFIXES = ("/__sim/faults", "/__sim/requests", "/__sim/config", "/__sim/health")
