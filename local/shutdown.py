"""Block until Ctrl-C or SIGTERM, then stop what was started: for `make run` and the standalone simulator."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable


def serve_until_stopped(stop: Callable[[], None]) -> None:
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
