"""A Fullstory host that cannot be reached: the answer names the host and the cause (refused, DNS,
TLS, timeout) and where to fix it, never the key. Real sockets on 127.0.0.1 only."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from fullstory_client import FullstoryClient, UpstreamError, UpstreamTimeout
from local.fullstory_sim import FullstorySimulator
from tests.conftest import _reset_layer_caches, call_tool

KEY = "fs-key-never-shown-0123"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def _fails(base_url: str, **options: float) -> UpstreamError:
    client = FullstoryClient(KEY, base_url=base_url, sleep=lambda _: None, max_attempts=1, **options)
    with pytest.raises(UpstreamError) as raised:
        client.list_segments()
    assert KEY not in raised.value.message
    return raised.value


def test_a_refused_connection_names_the_host_and_the_refusal() -> None:
    port = _closed_port()
    assert f"127.0.0.1:{port}: connection refused" in _fails(f"http://127.0.0.1:{port}").message


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    error = _fails("https://no-such-host.invalid")  # .invalid never resolves (RFC 6761)
    assert "no-such-host.invalid: DNS failure" in error.message


def test_tls_to_a_plain_http_port_is_a_tls_error(simulator: FullstorySimulator) -> None:
    port = simulator.base_url.rsplit(":", 1)[1]
    assert f"127.0.0.1:{port}: TLS error (" in _fails(f"https://127.0.0.1:{port}").message


def test_no_answer_in_time_is_a_timeout_naming_the_host(silent_port: int) -> None:
    error = _fails(f"http://127.0.0.1:{silent_port}", read_timeout=0.2)
    assert isinstance(error, UpstreamTimeout)
    assert error.message == f"Fullstory at 127.0.0.1:{silent_port} did not answer within 0.2 s"


@pytest.mark.usefixtures("aws")
def test_the_tool_answer_says_which_host_refused_and_where_to_fix_it(monkeypatch: pytest.MonkeyPatch) -> None:
    port = _closed_port()
    monkeypatch.setenv("FULLSTORY_API_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("LOCAL_ALLOW_LOOPBACK_URLS", "true")
    _reset_layer_caches()
    status, problem = call_tool("fullstory_list_segments", {"limit": 1})
    assert status == 502 and problem["error_code"] == "FULLSTORY_UNAVAILABLE", problem
    assert problem["title"] == "Fullstory could not be reached"
    assert f"127.0.0.1:{port}: connection refused" in problem["detail"]
    assert "FullstoryApiBaseUrl" in problem["detail"] and "FULLSTORY_API_BASE_URL" in problem["detail"]
