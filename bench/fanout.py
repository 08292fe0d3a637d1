"""P4 fan-out: fullstory_visit_profile over 5 sessions vs one session summary, 1 s per summary.

The simulator's summaries are made to take 1 s (``/__sim/config``) for this measurement only.
Both are warm calls through our handlers (the summary profiles already exist); median of runs.
"""

from __future__ import annotations

import json
import sys
import urllib.request

from .cold_start import spawn
from .report import Row, median, ratio, verdict
from .services import Services

SUMMARY_LATENCY_S = 1.0
GOAL = 1.5


def _configure(sim_url: str, latency_s: float) -> None:
    request = urllib.request.Request(  # noqa: S310 - the loopback simulator
        f"{sim_url}/__sim/config",
        data=json.dumps({"summary_latency_s": latency_s}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        answer.read()


def measure(services: Services) -> list[Row]:
    title = "P4 fan-out"
    if services.uid_sessions < 5:
        return [
            Row(
                title, "visit_profile", f"n/a (no simulated user has 5 sessions: {services.uid_sessions})", result="n/a"
            )
        ]
    _configure(services.sim_url, SUMMARY_LATENCY_S)
    try:
        argv = [sys.executable, "-m", "bench.warm_child", "fanout", "{fd}", services.uid]
        _, line, code, tail = spawn(argv, services.lambda_env(), timeout_s=300)
    finally:
        _configure(services.sim_url, 0.0)
    if code != 0 or not line.strip():
        raise RuntimeError(f"fan-out child failed (exit {code}): {tail}")
    samples = json.loads(line)
    visit, single = median(samples["visit_profile"]), median(samples["one_summary"])
    value = visit / single
    return [
        Row(
            title,
            f"fullstory_visit_profile, 5 sessions ({SUMMARY_LATENCY_S:g} s per summary)",
            f"{visit:.2f} s",
        ),
        Row(title, "one session summary (fullstory_get_session_quick_summary)", f"{single:.2f} s"),
        Row(
            title, "5-session profile vs one summary", ratio(value), "one summary", f"≤ {GOAL}×", verdict(value <= GOAL)
        ),
    ]
