"""A budgeted view of the client: one per thread, sharing the connections, each ending by its own deadline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from fullstory_client import FullstoryClient, FullstoryError, UpstreamTimeout
from local.fullstory_sim import FullstorySimulator


def test_a_view_ends_by_its_own_deadline_and_never_after_the_clients(simulator: FullstorySimulator) -> None:
    client = FullstoryClient(simulator.api_key, base_url=simulator.base_url, read_timeout=20)
    client.set_time_budget(30)
    assert client.deadline is not None
    shared = client.deadline
    short, long = client.with_time_budget(0.8), client.with_time_budget(3600)
    assert short.deadline is not None and short.deadline < shared
    assert long.deadline == shared  # a view never outlives the client's own deadline
    assert client.with_time_budget(None).deadline == shared
    assert client.deadline == shared  # the views changed nothing of the client's

    # Two threads on one client at once, each with its own budget: only the short one is cut.
    simulator.inject(r"^/segments/v1/everyone$", delay_s=1.5, times=2)
    outcomes: dict[str, object] = {}

    def fetch(name: str, view: FullstoryClient) -> None:
        try:
            outcomes[name] = view.get_segment("everyone").id
        except FullstoryError as error:
            outcomes[name] = error

    threads = [threading.Thread(target=fetch, args=item) for item in (("short", short), ("long", long))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert isinstance(outcomes["short"], UpstreamTimeout)
    assert outcomes["long"] == "everyone"
    client.close()


@contextmanager
def _port_that_never_accepts() -> Iterator[int]:
    """A listening port whose backlog is full: the kernel drops further SYNs, so connecting hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    held: list[socket.socket] = []
    try:
        for _ in range(16):
            probe = socket.socket()
            probe.settimeout(0.2)
            held.append(probe)
            try:
                probe.connect(server.getsockname())
            except TimeoutError:
                break
        else:
            pytest.skip("this kernel accepts every connection; a hanging connect cannot be staged")
        yield server.getsockname()[1]
    finally:
        for probe in held:
            probe.close()
        server.close()


def test_connecting_is_bounded_by_the_budget_too() -> None:
    with _port_that_never_accepts() as port:
        client = FullstoryClient("key", base_url=f"http://127.0.0.1:{port}", connect_timeout=30, max_attempts=1)
        view = client.with_time_budget(1.0)
        started = time.monotonic()
        with pytest.raises(UpstreamTimeout):
            view.get_segment("everyone")
        assert time.monotonic() - started < 5  # not the 30 s connect timeout
        client.close()
