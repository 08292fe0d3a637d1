"""Requests to URLs someone else chose (Opal's callback, Fullstory's download link): which URLs are
refused, that the address checked is the address connected to (DNS rebinding), that TLS still
verifies the name, and how the callback sender retries. Real sockets, loopback only; DNS answers
come from a stand-in resolver where a test needs a name."""

from __future__ import annotations

import datetime as dt
import gzip
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from fullstory_client import UpstreamError, outbound
from fullstory_client.download import open_download
from fullstory_client.outbound import UrlRefused
from platform_kit.outbound import allowance
from platform_kit.settings import ALLOW_LOOPBACK_ENV, ALLOWED_HOSTS_ENV
from segment_exports.callback import check_url, send

# Every way we know to name a place that is not the public internet. Refused deployed; the
# loopback ones are allowed only with the local server's allowance.
LOOPBACK = [
    "https://127.0.0.1/cb",
    "https://127.1/cb",  # inet_aton shorthand
    "https://2130706433/cb",  # 127.0.0.1 as one number
    "https://0x7f000001/cb",
    "https://017700000001/cb",  # octal
    "https://127.255.255.254/cb",
    "https://[::1]/cb",
    "https://[0:0:0:0:0:0:0:1]/cb",
    "https://localhost/cb",
    "https://LOCALHOST./cb",
    "https://localhost:9001/2018-06-01/runtime/invocation/next",  # the Lambda runtime API
]
NOT_PUBLIC = [
    "https://[::ffff:127.0.0.1]/cb",  # IPv4-mapped loopback (refused even locally)
    "https://[64:ff9b::7f00:1]/cb",  # NAT64 of 127.0.0.1 (refused even locally)
    "https://0.0.0.0/cb",
    "https://0/cb",
    "https://[::]/cb",
    "https://10.0.0.1/cb",
    "https://10.255.255.255/cb",
    "https://172.16.0.1/cb",
    "https://172.31.255.254/cb",
    "https://192.168.0.1/cb",
    "https://169.254.169.254/latest/meta-data/",  # instance metadata
    "https://169.254.170.2/v2/credentials",  # container credentials
    "https://[fd00:ec2::254]/latest/meta-data/",  # IMDS over IPv6
    "https://[fe80::1]/cb",
    "https://[fe80::1%25eth0]/cb",
    "https://100.64.0.1/cb",  # CGNAT
    "https://100.127.255.254/cb",
    "https://224.0.0.1/cb",  # multicast
    "https://239.255.255.250/cb",
    "https://[ff02::1]/cb",
    "https://[fc00::1]/cb",  # ULA
    "https://[fdff:ffff::1]/cb",
    "https://[::ffff:10.0.0.1]/cb",
    "https://[::ffff:169.254.169.254]/cb",
    "https://198.18.0.1/cb",  # benchmarking
    "https://192.0.2.1/cb",  # documentation
    "https://240.0.0.1/cb",  # reserved
    "https://255.255.255.255/cb",
]
NOT_HTTPS = [
    "http://opal.example.com/cb",
    "http://93.184.216.34/cb",
    "ftp://opal.example.com/cb",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_",
    "javascript:alert(1)",
    "//opal.example.com/cb",
    "opal.example.com/cb",
    "",
    "https://",
    "https:///cb",
    "https://opal.example.com:99999/cb",
    "https://user:secret@opal.example.com/cb",
    "https://user@opal.example.com/cb",
]
PUBLIC = ["https://93.184.216.34/cb", "https://[2606:2800:220:1:248:1893:25c8:1946]/cb", "https://8.8.8.8:8443/x?y=1"]


@pytest.fixture(autouse=True)
def _deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    """As deployed: no loopback allowance and no allow-list. (Names resolve with the system
    resolver, which knows localhost and numeric forms; a test that needs other names installs one.)"""
    monkeypatch.delenv(ALLOW_LOOPBACK_ENV, raising=False)
    monkeypatch.delenv(ALLOWED_HOSTS_ENV, raising=False)


def _dns(monkeypatch: pytest.MonkeyPatch, *answers: list[str]) -> list[str]:
    """Each lookup takes the next answer (the last one repeats); returns the names looked up."""
    asked: list[str] = []
    queue = list(answers)

    def resolver(host: str, port: Any, **_: Any) -> list[Any]:
        asked.append(host)
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, 1, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(outbound, "getaddrinfo", resolver)
    return asked


def _refused(url: str) -> str:
    with pytest.raises(UrlRefused) as raised:
        outbound.resolve(outbound.parse(url))
    return raised.value.reason


@pytest.mark.parametrize("url", LOOPBACK + NOT_PUBLIC)
def test_addresses_outside_the_public_internet_are_refused(url: str) -> None:
    assert "public address" in _refused(url) or "https" in _refused(url)


@pytest.mark.parametrize("url", NOT_HTTPS)
def test_anything_but_https_urls_is_refused(url: str) -> None:
    reason = _refused(url)
    assert reason in {
        "must use https",
        "must be an https URL",
        "has no host",
        "is not a valid URL",
        "must not carry a user name or password",
    }, reason


@pytest.mark.parametrize("url", PUBLIC)
def test_https_to_a_public_address_passes(url: str) -> None:
    target = outbound.parse(url)
    assert outbound.resolve(target) == target.host


@pytest.mark.parametrize("url", LOOPBACK)
def test_the_local_allowance_opens_loopback_and_nothing_else(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    assert not allowance().loopback  # as deployed
    monkeypatch.setenv(ALLOW_LOOPBACK_ENV, "true")
    local = allowance()
    assert local.loopback
    outbound.resolve(outbound.parse(url, allowance=local), local)
    outbound.resolve(outbound.parse(url.replace("https://", "http://", 1), allowance=local), local)
    for other in ("https://10.0.0.1/cb", "https://169.254.169.254/", "http://93.184.216.34/cb", "https://[fc00::1]/"):
        with pytest.raises(UrlRefused):
            outbound.resolve(outbound.parse(other, allowance=local), local)


def test_every_address_a_name_resolves_to_must_be_public(monkeypatch: pytest.MonkeyPatch) -> None:
    _dns(monkeypatch, ["93.184.216.34", "10.0.0.7"])
    assert _refused("https://opal.example.com/cb") == "must point to a public address (10.0.0.7 is private)"
    _dns(monkeypatch, ["2606:2800:220:1::1", "fd12::1"])
    assert "fd12::1 is private" in _refused("https://opal.example.com/cb")
    _dns(monkeypatch, ["93.184.216.34", "2606:2800:220:1::1"])
    assert outbound.resolve(outbound.parse("https://opal.example.com/cb")) == "93.184.216.34"


def test_dns_rebinding_between_the_tool_call_and_the_callback_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    # Public when the tool checked it, loopback when the result is sent: refused at sending, and
    # nothing is connected to.
    asked = _dns(monkeypatch, ["93.184.216.34"], ["127.0.0.1"])
    check_url("https://rebind.example.com/cb")
    outcome = send("https://rebind.example.com/cb", "tok", {"message": "done"}, sleep=lambda _: None)
    assert outcome.delivered is False and outcome.attempts == 1
    assert outcome.reason == "async_callback.url must point to a public address (127.0.0.1 is loopback)"
    assert asked == ["rebind.example.com", "rebind.example.com"]


# --- real connections on loopback ------------------------------------------------------------


@dataclass
class Receiver:
    """A loopback HTTP(S) server answering POSTs with the status in the path's last segment; GET
    /hop redirects, /file serves gzip. Records method, path, headers and the TLS server name."""

    context: ssl.SSLContext | None = None
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)
    redirect_to: str = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.seen.append(("POST", self.path, {k.lower(): v for k, v in self.headers.items()}))
                last = self.path.rsplit("/", 1)[-1]
                status = int(last) if last.isdigit() else 200
                self._answer(status, headers={"Location": "/elsewhere"} if 300 <= status < 400 else None)

            def do_GET(self) -> None:
                receiver.seen.append(("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
                if self.path == "/file":
                    self._answer(200, gzip.compress(b'{"a": 1}\n'), {"Content-Type": "application/gzip"})
                elif self.path.startswith("/loop"):
                    self._answer(302, headers={"Location": "/loop"})
                else:
                    self._answer(302, headers={"Location": receiver.redirect_to})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.context is not None:
            self.context.sni_callback = lambda sock, name, ctx: receiver.server_names.append(name)  # type: ignore[assignment, func-returns-value]
            self._server.socket = self.context.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv(ALLOW_LOOPBACK_ENV, "true")
    server = Receiver().start()
    yield server
    server.stop()


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    # "callback.test" exists only in our resolver: had urllib3 resolved the name itself, the
    # request could not have arrived.
    asked = _dns(monkeypatch, ["127.0.0.1"])
    url = f"http://callback.test:{receiver.port}/cb/200"
    assert send(url, "tok", {"message": "ok"}, sleep=lambda _: None).delivered
    [(method, path, headers)] = receiver.seen
    assert (method, path) == ("POST", "/cb/200") and headers["host"] == f"callback.test:{receiver.port}"
    assert headers["authorization"] == "Bearer tok"
    assert headers["content-type"] == "application/vnd.optimizely.opal.tools+json"
    assert asked == ["callback.test"]


def test_the_sender_follows_the_sdk(receiver: Receiver) -> None:
    base = f"http://127.0.0.1:{receiver.port}"
    slept: list[float] = []
    failing = send(f"{base}/cb/503", "tok", {"m": 1}, sleep=slept.append)
    assert (failing.delivered, failing.attempts, failing.status) == (False, 3, 503) and slept == [0.5, 1.0]
    for status in (400, 401, 404, 429, 301, 307):
        outcome = send(f"{base}/cb/{status}", "tok", {"m": 1}, sleep=slept.append)
        assert (outcome.delivered, outcome.attempts, outcome.status) == (False, 1, status)
    assert [p for m, p, _ in receiver.seen if m == "POST"].count("/cb/307") == 1
    assert not [p for _, p, _ in receiver.seen if p == "/elsewhere"]  # no redirect followed
    tokenless = send(f"{base}/cb/200", None, {"m": 1})
    assert tokenless.delivered and "authorization" not in receiver.seen[-1][2]


def test_an_unreachable_callback_is_tried_three_times() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ALLOW_LOOPBACK_ENV, "true")
        outcome = send(f"http://127.0.0.1:{port}/cb", "tok", {}, sleep=lambda _: None)
    assert (outcome.delivered, outcome.attempts) == (False, 3)
    assert outcome.reason == "Opal's callback URL could not be reached (NewConnectionError), 3 attempts"


def test_the_allow_list_limits_callback_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOWED_HOSTS_ENV, "opal.optimizely.com, *.opal.example")
    _dns(monkeypatch, ["93.184.216.34"])
    for allowed in ("https://opal.optimizely.com/cb", "https://eu.opal.example/cb", "https://OPAL.OPTIMIZELY.COM./x"):
        check_url(allowed)
    for refused in (
        "https://evil.example/cb",
        "https://opal.optimizely.com.evil.example/cb",
        "https://opal.example/cb",
    ):
        with pytest.raises(UrlRefused, match="not one of the allowed hosts"):
            check_url(refused)


# --- TLS: the name is verified although the socket goes to an address --------------------------


def _certificates(tmp: Path) -> tuple[Path, Path, Path]:
    """A test CA (its PEM), and a key + certificate for callback.test signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "callback.test")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("callback.test")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = (tmp / "ca.pem", tmp / "key.pem", tmp / "cert.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    paths[2].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return paths


@pytest.fixture
def tls_receiver(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Receiver]:
    ca, key, cert = _certificates(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv(ALLOW_LOOPBACK_ENV, "true")
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    server = Receiver(context=context).start()
    yield server
    server.stop()


def test_https_to_the_checked_address_verifies_the_name_and_sends_it_as_sni(
    monkeypatch: pytest.MonkeyPatch, tls_receiver: Receiver
) -> None:
    _dns(monkeypatch, ["127.0.0.1"])
    outcome = send(f"https://callback.test:{tls_receiver.port}/cb/200", "tok", {"m": 1})
    assert outcome.delivered, outcome
    assert tls_receiver.server_names == ["callback.test"]
    assert tls_receiver.seen[-1][2]["host"] == f"callback.test:{tls_receiver.port}"


def test_https_to_an_address_whose_certificate_is_for_another_name_fails(
    monkeypatch: pytest.MonkeyPatch, tls_receiver: Receiver
) -> None:
    _dns(monkeypatch, ["127.0.0.1"])
    outcome = send(f"https://impostor.test:{tls_receiver.port}/cb/200", "tok", {"m": 1}, sleep=lambda _: None)
    assert outcome.delivered is False and "SSLError" in str(outcome.reason)
    assert tls_receiver.seen == []  # nothing was sent to the wrong party


# --- downloads: redirects are checked hop by hop -------------------------------------------------


def test_a_download_follows_a_redirect_between_public_names(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    _dns(monkeypatch, ["127.0.0.1"])
    receiver.redirect_to = f"http://storage.test:{receiver.port}/file"
    with open_download(f"http://links.test:{receiver.port}/hop", allowance=allowance()) as file:
        assert gzip.decompress(file.read()) == b'{"a": 1}\n'
    assert [(p, h["host"]) for _, p, h in receiver.seen] == [
        ("/hop", f"links.test:{receiver.port}"),
        ("/file", f"storage.test:{receiver.port}"),
    ]
    assert all("authorization" not in h for _, _, h in receiver.seen)


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "https://10.0.0.1/x", "gopher://127.0.0.1/", "file:///x"]
)
def test_a_download_redirected_out_of_the_public_internet_is_refused(receiver: Receiver, target: str) -> None:
    receiver.redirect_to = target
    with pytest.raises(UrlRefused):
        open_download(f"http://127.0.0.1:{receiver.port}/hop", allowance=allowance())
    assert [p for _, p, _ in receiver.seen] == ["/hop"]


def test_a_download_redirected_in_a_loop_gives_up(receiver: Receiver) -> None:
    with pytest.raises(UpstreamError, match="redirected more than 5 times"):
        open_download(f"http://127.0.0.1:{receiver.port}/loop", allowance=allowance())
    assert len(receiver.seen) == 6
