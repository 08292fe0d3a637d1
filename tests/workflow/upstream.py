"""What may stand between the workflow and Fullstory, on loopback: a forwarding proxy that can
rewrite or replace what comes back, and a file host that serves whatever a test wants downloaded.

The proxy forwards every request to the simulator first (so Fullstory does the work), then a rule
may replace the answer: "processed, then 504" is a create that made an export whose answer the
workflow never sees.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import urllib3


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


Rewrite = Callable[[Answer], Answer]


@dataclass
class _Rule:
    method: str
    pattern: re.Pattern[str]
    rewrite: Rewrite
    times: int


def gateway_timeout(_: Answer) -> Answer:
    return Answer(504, {"Content-Type": "text/html"}, b"<html><body>504 Gateway Time-out</body></html>")


def bad_gateway(_: Answer) -> Answer:
    return Answer(502, {"Content-Type": "text/html"}, b"<html><body>502 Bad Gateway</body></html>")


class _Server:
    def __init__(self) -> None:
        self._httpd: ThreadingHTTPServer | None = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self) -> Any:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def url(self, path: str = "") -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


class ForwardingProxy(_Server):
    """Forwards to ``upstream``; ``after(method, path, rewrite)`` replaces the next answers."""

    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.rules: list[_Rule] = []
        self.rewritten: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._http = urllib3.PoolManager()

    def after(self, method: str, path_regex: str, rewrite: Rewrite, *, times: int = 1) -> None:
        with self._lock:
            self.rules.append(_Rule(method, re.compile(path_regex), rewrite, times))

    def _rule_for(self, method: str, path: str) -> _Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.method == method and rule.pattern.search(path.split("?", 1)[0]) and rule.times > 0:
                    rule.times -= 1
                    self.rewritten.append((method, path))
                    return rule
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                upstream = proxy._http.request(
                    self.command, proxy.upstream + self.path, body=body, headers=headers, redirect=False
                )
                answer = Answer(
                    upstream.status, {"Content-Type": upstream.headers.get("Content-Type", "")}, upstream.data
                )
                rule = proxy._rule_for(self.command, self.path)
                if rule is not None:
                    answer = rule.rewrite(answer)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_DELETE = _forward

        return Handler


@dataclass
class FileHost(_Server):
    """Serves ``files[path] = (status, headers, body)`` and records what was asked for."""

    files: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_GET(self) -> None:
                host.seen.append(self.path)
                status, headers, body = host.files.get(self.path.split("?", 1)[0], (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
