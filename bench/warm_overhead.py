"""P2 warm overhead: a warm tool call through our handler vs a bare ``requests`` call.

Both hit the simulator's ``GET /segments/v1?limit=20`` over a kept-alive connection, interleaved
in one warm child process; the bare call is the floor (no auth check, no validation, no models,
no logs or metrics). Ratio of the p50s; p99s reported beside.
"""

from __future__ import annotations

import json
import sys

from .cold_start import spawn
from .report import Row, percentile, ratio, verdict
from .services import Services

GOAL_P50 = 1.3
# A call that takes ~40 ms is Nagle + delayed ACK on a server writing headers and body apart.
NAGLE_SUSPECT_S = 0.035


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def measure(services: Services) -> list[Row]:
    argv = [sys.executable, "-m", "bench.warm_child", "overhead", "{fd}", services.sim_url]
    _, line, code, tail = spawn(argv, services.lambda_env(), timeout_s=300)
    if code != 0 or not line.strip():
        raise RuntimeError(f"warm overhead child failed (exit {code}): {tail}")
    samples = json.loads(line)
    ours, bare = samples["ours"], samples["bare"]
    p50, p99 = percentile(ours, 50), percentile(ours, 99)
    b50, b99 = percentile(bare, 50), percentile(bare, 99)
    value = p50 / b50
    title = "P2 warm overhead"
    rows = [
        Row(
            title,
            f"ours: fullstory_list_segments handler, {len(ours)} warm calls",
            f"p50 {_ms(p50)} · p99 {_ms(p99)}",
        ),
        Row(title, "bare requests.Session GET, same endpoint", f"p50 {_ms(b50)} · p99 {_ms(b99)}"),
        Row(
            title,
            "ours vs bare (p50; p99 ratio beside)",
            f"{ratio(value)} (p99 {ratio(p99 / b99)})",
            "bare requests",
            f"≤ {GOAL_P50}× at p50",
            verdict(value <= GOAL_P50),
        ),
    ]
    if b50 >= NAGLE_SUSPECT_S:
        rows.append(Row(title, "note", f"bare calls take {_ms(b50)}: Nagle + delayed ACK in the simulator's server?"))
    return rows
