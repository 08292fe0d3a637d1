"""Requests to URLs that someone else chose: Opal's callback URL, Fullstory's export download link.

Deployed, only https to a public address is allowed. The host is resolved here, every address it
resolves to is checked, and the connection goes to the checked address, while the host name
still drives TLS (SNI and certificate verification) and the Host header. A name that resolves to
something else a moment later (DNS rebinding) therefore cannot move the request. urllib3 never
follows a redirect here; a caller that allows redirects gets every hop checked the same way.
Proxies from the environment are not used for these requests: through a proxy, the address
actually connected to could not be checked.

What else is allowed is the caller's to say, in an ``Allowance``: loopback addresses (over http
or https) only where the local server allows them (``make run`` calls a receiver on 127.0.0.1
and downloads from the embedded simulator; the template never allows it, tests/contract checks
that), and the CA bundle TLS is verified with. The default allows nothing more.
"""

from __future__ import annotations

import os.path
import socket
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:  # urllib3 itself is imported when the first request is sent: the checks need none of it
    import urllib3
    from urllib3 import BaseHTTPResponse

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CGNAT = ip_network("100.64.0.0/10")
_NAT64 = ip_network("64:ff9b::/96")  # a NAT64 gateway would connect to the IPv4 address inside

IPAddress = IPv4Address | IPv6Address
# The system resolver; tests replace it to play DNS (rebinding included).
getaddrinfo: Callable[..., list[Any]] = socket.getaddrinfo


class UrlRefused(Exception):
    """The URL may not be requested; ``reason`` says why, in words safe to show the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int
    path: str  # path and query, as sent in the request line

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == (443 if self.scheme == "https" else 80) else f"{host}:{self.port}"


@dataclass(frozen=True)
class Allowance:
    """What a request may do beyond https to a public address, verified with the system's CAs."""

    loopback: bool = False  # the local server only
    ca_bundle: str | None = None  # a CA file or directory to verify TLS with instead


STRICT = Allowance()


def host_allowed(host: str, allowed_hosts: Collection[str]) -> bool:
    """``host`` is listed, or a subdomain of a ``*.example.com`` entry."""
    for entry in allowed_hosts:
        entry = entry.strip().lower().rstrip(".")
        if host == entry or (entry.startswith("*.") and host.endswith(entry[1:])):
            return True
    return False


def not_public(address: IPAddress) -> str | None:
    """Why ``address`` is not a public internet address, or None when it is one."""
    if isinstance(address, IPv6Address):
        embedded = address.ipv4_mapped or (IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None)
        if embedded is not None:
            return not_public(embedded)
    checks = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("shared (CGNAT)", isinstance(address, IPv4Address) and address in _CGNAT),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    )
    return next((label for label, hit in checks if hit), None)


def _literal(host: str) -> IPAddress | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


def check_address(address: IPAddress, scheme: str, allowance: Allowance = STRICT) -> None:
    """Raises UrlRefused unless ``address`` may be connected to with ``scheme``."""
    if address.is_loopback and allowance.loopback:
        return
    why = not_public(address)
    if why is not None:
        raise UrlRefused(f"must point to a public address ({address} is {why})")
    if scheme != "https":
        raise UrlRefused("must use https")


def parse(url: str, *, allowed_hosts: Collection[str] = (), allowance: Allowance = STRICT) -> Target:
    """The URL's parts, after the checks that need no DNS; raises UrlRefused."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UrlRefused("is not a valid URL") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("https", "http"):
        raise UrlRefused("must be an https URL")
    if scheme == "http" and not allowance.loopback:
        raise UrlRefused("must use https")
    if not host:
        raise UrlRefused("has no host")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("must not carry a user name or password")
    if allowed_hosts and not host_allowed(host, allowed_hosts):
        raise UrlRefused(f"host {host} is not one of the allowed hosts")
    literal = _literal(host)
    if literal is not None:
        check_address(literal, scheme, allowance)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url, scheme, host, port or (443 if scheme == "https" else 80), path)


def resolve(target: Target, allowance: Allowance = STRICT) -> str:
    """The address to connect to: every address the host resolves to must pass (raises UrlRefused);
    a name that does not resolve raises OSError, as a failed connection would."""
    literal = _literal(target.host)
    if literal is not None:
        return str(literal)
    found = getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    addresses = [ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    if not addresses:
        raise OSError(f"{target.host} has no address")
    for address in addresses:
        check_address(address, target.scheme, allowance)
    return str(addresses[0])


def _ca_bundle(bundle: str | None) -> tuple[str | None, str | None]:
    """(file, directory) of the CA bundle; (None, None): the system store."""
    if not bundle:
        return None, None
    return (None, bundle) if os.path.isdir(bundle) else (bundle, None)


def _pool(target: Target, address: str, timeout: urllib3.Timeout, allowance: Allowance) -> urllib3.HTTPConnectionPool:
    import urllib3

    if target.scheme == "https":
        ca_file, ca_dir = _ca_bundle(allowance.ca_bundle)
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,  # SNI: the name, although the socket goes to the address
            assert_hostname=target.host,  # the certificate must be the name's
            ca_certs=ca_file,
            ca_cert_dir=ca_dir,
        )
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1)


def _send(
    method: str,
    target: Target,
    headers: Mapping[str, str],
    body: bytes | None,
    timeout: urllib3.Timeout,
    stream: bool,
    allowance: Allowance,
) -> BaseHTTPResponse:
    pool = _pool(target, resolve(target, allowance), timeout, allowance)
    response = pool.urlopen(
        method,
        target.path,
        body=body,
        headers={**headers, "Host": target.host_header},
        retries=False,
        redirect=False,
        assert_same_host=False,
        preload_content=not stream,
        decode_content=False,
    )
    if not stream:
        pool.close()
    return response


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: urllib3.Timeout,
    body: bytes | None = None,
    allowed_hosts: Collection[str] = (),
    allowance: Allowance = STRICT,
    max_redirects: int = 0,
    stream: bool = False,
) -> BaseHTTPResponse:
    """One request to a checked address. Up to ``max_redirects`` redirects are followed (as GET, each
    hop checked like the first); after that a redirect is returned as the answer. Raises
    UrlRefused, or urllib3's HTTPError / OSError when the connection fails."""
    target = parse(url, allowed_hosts=allowed_hosts, allowance=allowance)
    for hop in range(max_redirects + 1):
        response = _send(method, target, headers, body, timeout, stream, allowance)
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location or hop == max_redirects:
            return response
        response.close()
        response.release_conn()
        target = parse(urljoin(target.url, location), allowed_hosts=allowed_hosts, allowance=allowance)
        method, body = "GET", None
    raise AssertionError("unreachable")
