"""Segment export endpoints: create, operations, results link, and the signed download."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from .errors import bad_request
from .exports import DownloadError, parse_export_request
from .routing import Request, Response, Route, route

if TYPE_CHECKING:
    from .simulator import FullstorySimulator

OPERATION_TYPES = ("DELETE_USER", "SEARCH_EXPORT", "DELETE_SESSION", "DELETE_SEGMENT_SESSIONS", "DELETE_SEGMENT_USERS")
STATES = ("PENDING", "COMPLETED", "FAILED")


def create_export(sim: FullstorySimulator, req: Request) -> Response:
    now = sim.clock()
    export_request = parse_export_request(req.json(), sim.data, now)
    job = sim.exports.create(export_request, now, sim.export_seconds, set(sim.fail_exports_for_segments))
    return Response.json({"operationId": job.operation_id})


def get_operation(sim: FullstorySimulator, req: Request) -> Response:
    return Response.json(sim.exports.get(req.params["id"]).to_json(sim.clock()))


def list_operations(sim: FullstorySimulator, req: Request) -> Response:
    limit = req.int_arg("limit", default=100, low=0, high=100) or 100
    op_type = req.arg("type")
    state = req.arg("state")
    if op_type is not None and op_type not in OPERATION_TYPES:
        raise bad_request(f"invalid type {op_type!r}: must be one of {', '.join(OPERATION_TYPES)}")
    if state is not None and state not in STATES:
        raise bad_request(f"invalid state {state!r}: must be one of {', '.join(STATES)}")
    now = sim.clock()
    ops = [j.to_json(now) for j in sim.exports.all()]  # newest first
    ops = [o for o in ops if (op_type in (None, o["type"])) and (state in (None, o["state"]))]
    token = req.arg("paginationToken", "pagination_token")
    offset = 0
    if token:
        try:
            kind, raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(":")
            if kind != "operations":
                raise ValueError(kind)
            offset = int(raw)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("invalid pagination token") from None
    body: dict[str, Any] = {"operations": ops[offset : offset + limit]}
    if offset + limit < len(ops):
        body["nextPaginationToken"] = base64.urlsafe_b64encode(f"operations:{offset + limit}".encode()).decode()
    return Response.json(body)


def export_results(sim: FullstorySimulator, req: Request) -> Response:
    return Response.json(sim.exports.issue_link(req.params["id"], sim.clock(), sim.base_url))


def download(sim: FullstorySimulator, req: Request) -> Response:
    """The signed URL: no Authorization header needed (auth is in the URL), gzip body."""
    try:
        job = sim.exports.resolve_link(
            req.params["token"], req.arg("Expires") or "", req.arg("Signature") or "", sim.clock()
        )
    except DownloadError as err:
        return Response(err.status, err.xml(), "application/xml; charset=UTF-8")
    data = sim.exports.file_for(job, sim.data, sim.matcher)
    return Response(200, data, "application/gzip", {"Content-Disposition": f'attachment; filename="{job.filename()}"'})


ROUTES: list[Route] = [
    route("POST", "/segments/v1/exports", create_export, admin=True),
    route("GET", "/operations/v1", list_operations, admin=True),
    route("GET", "/operations/v1/{id}", get_operation, admin=True),
    route("GET", "/search/v1/exports/{id}/results", export_results, admin=True),
    route("GET", "/__sim/downloads/{token}", download, auth=False),
]
