"""HTTP plumbing: a keep-alive (HTTP/1.1) threading server and the request handler that applies
faults, routes, authenticates, and turns every failure into a JSON `{message, code}` body.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from . import api_control, api_exports, api_profiles, api_segments, api_sessions
from .errors import ApiError, for_status, forbidden, unauthorized
from .faults import Fault
from .routing import Request, Response, Route

if TYPE_CHECKING:
    from .simulator import FullstorySimulator

ROUTES: list[Route] = [
    *api_segments.ROUTES,
    *api_exports.ROUTES,
    *api_sessions.ROUTES,
    *api_profiles.ROUTES,
    *api_control.ROUTES,
]
IDLE_TIMEOUT_S = 30.0  # idle keep-alive connections are dropped after this


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sim: FullstorySimulator) -> None:
        self.sim = sim
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, SimHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Client disconnects and resets are routine here; stay quiet unless verbose.
        if self.sim.verbose:
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Drop open keep-alive connections so pooled clients can't reach a stopped server."""
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class SimHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FullstorySimulator/1.0"
    timeout = IDLE_TIMEOUT_S
    server: SimServer

    # --- connection bookkeeping -----------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; without this Nagle + delayed ACK add ~40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def version_string(self) -> str:
        return self.server_version

    # --- logging / stdlib error pages ---------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.sim.verbose:
            sys.stderr.write(f"[fullstory-sim] {self.address_string()} {format % args}\n")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests get JSON too, never the stdlib HTML page."""
        err = for_status(code)
        self.close_connection = True
        self._send(Response.json({"message": message or err.message, "code": err.code}, status=code))

    # --- methods ------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    # --- core ---------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        sim = self.server.sim
        raw_path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.send_error(400, "malformed request body")
            return
        control = raw_path.startswith(api_control.CONTROL_PREFIXES)
        fault = None
        if not control:
            sim.requests.record(self.command, raw_path, query)
            fault = sim.faults.take(self.command, raw_path)
            if fault is not None and not fault.after_processing and self._apply_fault(fault):
                return
        request = Request(
            self.command, raw_path, Request.parse_query(query), {k.lower(): v for k, v in self.headers.items()}, body
        )
        try:
            response = self._dispatch(sim, request)
        except ApiError as err:
            response = Response.json(err.body(), status=err.status, headers=err.headers)
        except Exception:  # never leak a traceback to the client
            if sim.verbose:
                traceback.print_exc()
            response = Response.json({"message": "internal server error", "code": "internal"}, status=500)
        if fault is not None and fault.after_processing and self._apply_fault(fault):
            return  # processed, but the client gets the fault's answer instead
        self._send(response)

    def _dispatch(self, sim: FullstorySimulator, request: Request) -> Response:
        allowed: list[str] = []
        for candidate in ROUTES:
            params = candidate.match(request.path)
            if params is None:
                continue
            if candidate.method != request.method:
                allowed.append(candidate.method)
                continue
            request.params = params
            if candidate.auth and not sim.authorized(request.headers.get("authorization", "")):
                raise unauthorized()
            if candidate.admin and not sim.admin:
                raise forbidden()
            return candidate.handler(sim, request)
        if allowed:
            raise ApiError(
                405,
                f"method {request.method} is not allowed on {request.path}",
                "method_not_allowed",
                {"Allow": ", ".join(sorted(set(allowed)))},
            )
        raise ApiError(404, f"no such endpoint: {request.method} {request.path}", "not_found")

    def _apply_fault(self, fault: Fault) -> bool:
        """Returns True when the fault produced the whole outcome of this request."""
        if fault.delay_s > 0:
            time.sleep(fault.delay_s)
        if fault.reset:
            # RST instead of FIN: SO_LINGER with a zero timeout aborts the connection on close.
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            except OSError:
                pass
            return True
        if fault.status is None and fault.body is None:
            return False  # a pure delay: carry on normally
        status = fault.status or 200
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(int(fault.retry_after))
        if fault.location is not None:
            headers["Location"] = fault.location
        if fault.body is not None:
            self._send(Response(status, fault.body.encode(), fault.content_type, headers))
        elif 300 <= status < 400:  # a redirect carries no error body
            self._send(Response(status, b"", fault.content_type, headers))
        else:
            err = for_status(status)
            self._send(Response.json(err.body(), status=status, headers=headers))
        return True

    def _send(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
