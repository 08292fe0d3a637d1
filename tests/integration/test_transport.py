"""The urllib3 transport under the client: error mapping, downloads, proxies (loopback only).
Opal callbacks: tests/integration/test_outbound_requests.py."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from fullstory_client import DownloadLinkExpired, FullstoryClient, NotFound, UpstreamError, UpstreamTimeout
from fullstory_client.client import pool_manager, proxy_for

GZIP = gzip.compress(b'{"a": 1}\n' * 1000)
FILE_HEADERS = {"Content-Encoding": "gzip", "Content-Disposition": 'attachment; filename="x.ndjson.gz"'}


@dataclass
class Origin:
    """A loopback server: /file (gzip, labelled Content-Encoding: gzip), /hop (redirect to /file on
    the other loopback name), /loop (redirects forever), /expired (403), /status/<n>; records requests."""

    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Origin:
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so the pool has something to keep

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                origin.seen.append(("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
                if self.path == "/file":
                    self._answer(200, GZIP, FILE_HEADERS)
                elif self.path == "/hop":
                    self._answer(302, headers={"Location": origin.url("/file", host="localhost")})
                elif self.path == "/loop":
                    self._answer(302, headers={"Location": "/loop"})
                elif self.path == "/expired":
                    self._answer(403, b"<Error><Code>ExpiredToken</Code></Error>")
                else:
                    self._answer(404)

            def do_POST(self) -> None:
                origin.bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                origin.seen.append(("POST", self.path, {k.lower(): v for k, v in self.headers.items()}))
                last = self.path.rsplit("/", 1)[-1]
                status = int(last) if last.isdigit() else 404
                self._answer(status, headers={"Location": "/elsewhere"} if 300 <= status < 400 else None)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        assert self._server is not None
        return f"http://{host}:{self._server.server_address[1]}{path}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin().start()
    yield server
    server.stop()


@pytest.fixture
def client(origin: Origin) -> Iterator[FullstoryClient]:
    fs = FullstoryClient("secret-key", base_url=origin.url(""), read_timeout=2.0, sleep=lambda _: None)
    yield fs
    fs.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _idle_slots(fs: FullstoryClient, url: str) -> int:
    pool = fs._http.connection_from_url(url)
    assert pool.pool is not None
    return pool.pool.qsize()


# --- transport errors -> typed errors, and which are tried again -------------------------


class _Raises:
    """Stands in for the pool: raises ``error`` on every request and counts them."""

    def __init__(self, error: Exception) -> None:
        self.error, self.calls = error, 0

    def request(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected", "get_retried", "post_retried"),
    [
        (ConnectTimeoutError("connect timed out"), UpstreamTimeout, True, True),  # nothing was sent
        (ReadTimeoutError(None, "/x", "read timed out"), UpstreamTimeout, True, False),  # type: ignore[arg-type]
        (NewConnectionError(None, "refused"), UpstreamError, True, True),  # type: ignore[arg-type] # never sent
        (ProxyError("no proxy", NewConnectionError(None, "refused")), UpstreamError, True, True),  # type: ignore[arg-type]
        (ProtocolError("Connection aborted.", ConnectionResetError()), UpstreamError, True, False),
        (SSLError("handshake failed"), UpstreamError, True, False),
    ],
)
def test_transport_errors_map_to_typed_errors_and_retries(
    error: Exception, expected: type[UpstreamError], get_retried: bool, post_retried: bool
) -> None:
    fs = FullstoryClient("k", base_url="http://127.0.0.1:9", sleep=lambda _: None)
    fs._http = get = _Raises(error)  # type: ignore[assignment]
    with pytest.raises(expected) as raised:
        fs.get_segment("everyone")
    assert type(raised.value) is expected
    assert get.calls == (fs.max_attempts if get_retried else 1)
    fs._http = create = _Raises(error)  # type: ignore[assignment]
    with pytest.raises(expected):
        fs.generate_summary("1:2", _summary_configuration())
    assert create.calls == (fs.max_attempts if post_retried else 1)  # a POST that may have arrived: once


def _summary_configuration() -> Any:
    from fullstory_client.summary_config import SummaryConfiguration

    return SummaryConfiguration(pre_prompt="p", post_prompt="q", temperature=0.2)


def test_refused_connection_is_an_upstream_error_after_bounded_retries() -> None:
    port = _free_port()
    fs = FullstoryClient("k", base_url=f"http://127.0.0.1:{port}", sleep=lambda _: None)
    with pytest.raises(UpstreamError) as raised:
        fs.list_segments()
    assert type(raised.value) is UpstreamError
    assert raised.value.message == (
        f"no answer from Fullstory at 127.0.0.1:{port}: connection refused (nothing accepts connections on that port)"
    )


def test_api_calls_send_the_key_query_and_json(client: FullstoryClient, origin: Origin) -> None:
    with pytest.raises(NotFound):  # the origin is no Fullstory
        client.list_segments(limit=3, creator="a b&c")
    _, path, headers = origin.seen[-1]
    assert path == "/segments/v1?limit=3&creator=a+b%26c"
    assert headers["authorization"] == "Basic secret-key" and headers["integration-source"] == "fullstory-opal-tools"
    assert headers["accept"] == "application/json" and "gzip" in headers["accept-encoding"]
    with pytest.raises(NotFound):
        client.generate_summary("1:2", _summary_configuration())
    _, path, headers = origin.seen[-1]
    assert path == "/v2/sessions/1%3A2/summary" and headers["content-type"] == "application/json"
    assert json.loads(origin.bodies[-1]) == {"llm": {"pre_prompt": "p", "post_prompt": "q", "temperature": 0.2}}


# --- downloads ---------------------------------------------------------------------------


def test_download_keeps_gzip_bytes_and_never_sends_the_key(client: FullstoryClient, origin: Origin) -> None:
    with client.open_export_file(origin.url("/hop")) as file:  # redirected to the other host name
        assert file.filename == "x.ndjson.gz"
        data = b"".join(iter(lambda: file.read(1000), b""))
    assert data == GZIP and file.bytes_read == len(GZIP)
    assert [path for _, path, _ in origin.seen] == ["/hop", "/file"]
    for _, _, headers in origin.seen:
        assert "authorization" not in headers and "integration-source" not in headers
        assert "gzip" in headers["accept-encoding"]  # storage must not inflate the file for us


def test_endless_redirects_are_an_upstream_error(client: FullstoryClient, origin: Origin) -> None:
    with pytest.raises(UpstreamError) as raised:
        client.open_export_file(origin.url("/loop"))
    host = origin.url("").removeprefix("http://")
    assert raised.value.message == f"the export download from {host} failed: too many redirects"
    assert len(origin.seen) == 6  # the link and 5 redirects


def test_refused_download_link_is_typed_and_releases_the_connection(client: FullstoryClient, origin: Origin) -> None:
    url = origin.url("/expired")
    free = _idle_slots(client, url)
    with pytest.raises(DownloadLinkExpired):
        client.open_export_file(url)
    assert _idle_slots(client, url) == free


def test_a_download_closed_halfway_gives_its_connection_slot_back(client: FullstoryClient, origin: Origin) -> None:
    url = origin.url("/file")
    free = _idle_slots(client, url)
    for _ in range(3):
        with client.open_export_file(url) as file:
            assert len(file.read(10)) == 10
    assert _idle_slots(client, url) == free
    with client.open_export_file(url) as file:  # and the pool still works
        assert file.read() == GZIP


def test_download_that_cannot_connect_is_an_upstream_error(client: FullstoryClient) -> None:
    with pytest.raises(UpstreamError) as raised:
        client.open_export_file(f"http://127.0.0.1:{_free_port()}/file")
    assert type(raised.value) is UpstreamError


# --- environment: proxies and CA bundles, as requests honoured them -------------------------


def test_proxy_from_the_environment_unless_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "internal.example")
    monkeypatch.setenv("no_proxy", "internal.example")
    assert proxy_for("https://api.fullstory.com") is None
    monkeypatch.setenv("HTTPS_PROXY", "user:p%40ss@proxy.example:3128")
    monkeypatch.setenv("https_proxy", "user:p%40ss@proxy.example:3128")
    assert proxy_for("https://api.fullstory.com") == "http://user:p%40ss@proxy.example:3128"
    assert proxy_for("https://files.internal.example/x") is None
    manager = pool_manager(proxy_for("https://api.fullstory.com"))
    assert isinstance(manager, urllib3.ProxyManager)
    assert manager.proxy_headers == urllib3.make_headers(proxy_basic_auth="user:p@ss")


def test_ca_bundle_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, aws: Any) -> None:
    # The client takes the bundle it is given; the environment names it to the settings, and the
    # factory hands it over.
    from platform_kit.fullstory import fullstory_client

    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert "ca_certs" not in pool_manager(None).connection_pool_kw
    assert "ca_certs" not in fullstory_client()._http.connection_pool_kw
    corp = str(tmp_path / "corp.pem")
    assert pool_manager(None, ca_bundle=corp).connection_pool_kw["ca_certs"] == corp
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", corp)
    assert fullstory_client()._http.connection_pool_kw["ca_certs"] == corp  # another environment, another client
