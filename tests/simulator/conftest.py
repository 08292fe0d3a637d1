"""Fixtures for the simulator's own tests: a fresh simulator per test on an ephemeral loopback
port, a controllable clock, and an authenticated HTTP session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from local.fullstory_sim import FullstorySimulator, Session

KEY = "sim-test-key"
START = 1_750_000_000.0  # 2025-06-15T15:06:40Z


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Api:
    """requests.Session bound to the simulator's base URL with the API key."""

    def __init__(self, sim: FullstorySimulator, auth: str | None = f"Basic {KEY}") -> None:
        self.sim = sim
        self.http = requests.Session()
        if auth is not None:
            self.http.headers["Authorization"] = auth

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.sim.base_url + path, timeout=10, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.http.post(self.sim.base_url + path, timeout=10, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.http.delete(self.sim.base_url + path, timeout=10, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.http.put(self.sim.base_url + path, timeout=10, **kw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> Iterator[FullstorySimulator]:
    with FullstorySimulator(api_key=KEY, export_seconds=60.0, clock=clock, seed=42) as s:
        yield s


@pytest.fixture
def api(sim: FullstorySimulator) -> Iterator[Api]:
    client = Api(sim)
    yield client
    client.http.close()


def path_id(session: Session, sep: str = "%3A") -> str:
    """Session id as it goes into a path: `deviceId%3AsessionId`."""
    return f"{session.device_id}{sep}{session.session_id}"


def encoded(segment_id: str) -> str:
    return quote(segment_id, safe="")


def find_session(sim: FullstorySimulator, test: Callable[[Session], bool]) -> Session:
    for session in reversed(sim.data.sessions):
        if test(session):
            return session
    raise AssertionError("the seeded dataset has no such session")


def kinds(session: Session) -> set[str]:
    return {e.kind for _, e in session.iter_events()}
