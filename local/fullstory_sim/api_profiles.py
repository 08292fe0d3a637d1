"""Summary ("visit") profile CRUD — `/v2/visit_profile`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .routing import Request, Response, Route, route

if TYPE_CHECKING:
    from .simulator import FullstorySimulator


def create_profile(sim: FullstorySimulator, req: Request) -> Response:
    return Response.json(sim.profiles.create(req.json()).to_json())


def get_profile(sim: FullstorySimulator, req: Request) -> Response:
    return Response.json(sim.profiles.get(req.params["id"]).to_json())


def list_profiles(sim: FullstorySimulator, req: Request) -> Response:
    limit = req.int_arg("limit", default=20, low=0, high=100) or 20
    return Response.json(sim.profiles.page(limit, req.arg("pagination_token", "paginationToken")))


def update_profile(sim: FullstorySimulator, req: Request) -> Response:
    return Response.json(sim.profiles.update(req.params["id"], req.json()).to_json())


def delete_profile(sim: FullstorySimulator, req: Request) -> Response:
    sim.profiles.delete(req.params["id"])
    return Response.json({})


ROUTES: list[Route] = [
    route("POST", "/v2/visit_profile", create_profile, admin=True),
    route("GET", "/v2/visit_profile", list_profiles, admin=True),
    route("GET", "/v2/visit_profile/{id}", get_profile, admin=True),
    route("POST", "/v2/visit_profile/{id}", update_profile, admin=True),
    route("DELETE", "/v2/visit_profile/{id}", delete_profile, admin=True),
]
