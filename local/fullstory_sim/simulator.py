"""`FullstorySimulator`: the public facade — configuration, state, start/stop, fault control."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from .exports import DEFAULT_FAILURE, ExportStore
from .faults import Fault, FaultBook, RequestLog
from .generate import generate
from .model import Dataset
from .profiles import ProfileStore
from .segments import SegmentMatcher
from .server import SimServer
from .summary_requests import SummaryRequests


class FullstorySimulator:
    """A loopback HTTP server that behaves like the Fullstory REST API over a seeded dataset.

    Mutable at runtime (read per request): `api_key` (simulate rotation), `admin` (False → a
    Standard key: exports and /v2 Activation endpoints answer 403), `export_seconds`,
    `summary_latency_s`, `fail_exports_for_segments`, `sessions_page_size`, `clock`, `verbose`.
    """

    def __init__(
        self,
        api_key: str = "sim-key",
        host: str = "127.0.0.1",
        port: int = 0,
        export_seconds: float = 6.0,
        clock: Callable[[], float] = time.time,
        seed: int = 42,
        *,
        admin: bool = True,
        verbose: bool = False,
        summary_latency_s: float = 0.0,
        fail_exports_for_segments: Iterable[str] = (),
        max_profiles: int = 100,
        anchor: float | None = None,
        sessions_page_size: int = 10,
    ) -> None:
        self.api_key = api_key
        self.host = host
        self.port = port
        self.export_seconds = float(export_seconds)
        self.clock = clock
        self.seed = seed
        self.admin = admin
        self.verbose = verbose
        self.summary_latency_s = float(summary_latency_s)
        self.fail_exports_for_segments: set[str] = set(fail_exports_for_segments)
        self.sessions_page_size = max(1, int(sessions_page_size))  # see GET /sessions/v2
        # Sessions end shortly before the anchor: the clock's current hour unless pinned, so the
        # data is "the last 60 days" and identical for every start within the same hour.
        anchor_s = anchor if anchor is not None else clock()
        self.data: Dataset = generate(seed, int(anchor_s // 3600 * 3600 * 1000))
        self.matcher = SegmentMatcher(self.data)
        self.requests = RequestLog()
        self.faults = FaultBook()
        self.exports = ExportStore(seed)
        self.profiles = ProfileStore(seed, max_profiles)
        self.summary_requests = SummaryRequests()
        self._server: SimServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FullstorySimulator:
        if self._server is not None:
            return self
        self._server = SimServer((self.host, self.port), self)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fullstory-sim", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> FullstorySimulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("simulator is not started; call start() or use it as a context manager")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    # --- auth --------------------------------------------------------------------------------
    def authorized(self, header: str) -> bool:
        """`Basic <raw key>` (documented) or `Bearer <key>` (used by some clients)."""
        scheme, _, value = header.strip().partition(" ")
        return scheme.lower() in {"basic", "bearer"} and value.strip() == self.api_key and bool(self.api_key)

    # --- faults ------------------------------------------------------------------------------
    def inject(
        self,
        path_regex: str,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        delay_s: float = 0.0,
        body: str | None = None,
        times: int = 1,
        method: str | None = None,
        reset: bool = False,
        after_processing: bool = False,
        content_type: str | None = None,
        location: str | None = None,
    ) -> Fault:
        """The next `times` requests whose path matches `path_regex` (re.search, no query string)
        get this fault: optional `delay_s` first, then a connection reset, or `status` (default
        body `{message, code}`, plus `Retry-After` when given; a 3xx has no body and a `location`),
        or a raw `body` (status 200 unless given, labelled `content_type`, JSON by default); a
        delay alone lets the request proceed normally. `after_processing`: the request is handled
        first (its effects happen) and the fault replaces only the answer."""
        return self.faults.add(
            path_regex,
            status=status,
            retry_after=retry_after,
            delay_s=delay_s,
            body=body,
            times=times,
            method=method,
            reset=reset,
            after_processing=after_processing,
            content_type=content_type,
            location=location,
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    def pending_faults(self) -> list[dict[str, Any]]:
        return self.faults.pending()

    # --- exports -----------------------------------------------------------------------------
    def fail_next_export(self, reason: str = DEFAULT_FAILURE) -> None:
        """The next created export ends FAILED with `errorDetails` = reason."""
        self.exports.fail_next(reason)
