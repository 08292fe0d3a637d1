"""Fixtures for the export workflow: a simulator on a virtual clock, the deployed ASL in moto, and
Opal's callback endpoint on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.fullstory_sim import FullstorySimulator
from tests.conftest import register_secret

from .harness import BEARER, CallbackServer, VirtualClock, Workflow, deployed_workflow

register_secret(BEARER)
CALLBACK_TOKEN = register_secret("opal-callback-token-7f3a9c")
SIM_KEY = register_secret("wf-sim-key")


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def sim(clock: VirtualClock) -> Iterator[FullstorySimulator]:
    """A fresh simulator per test (its exports and request log are this test's), on the virtual clock."""
    with FullstorySimulator(api_key=SIM_KEY, export_seconds=600.0, clock=clock.time) as simulator:
        yield simulator


@pytest.fixture
def workflow(monkeypatch: pytest.MonkeyPatch, sim: FullstorySimulator, clock: VirtualClock) -> Iterator[Workflow]:
    with deployed_workflow(monkeypatch, sim, clock) as deployed:
        yield deployed


@pytest.fixture
def callbacks() -> Iterator[CallbackServer]:
    server = CallbackServer().start()
    yield server
    server.stop()
