"""``make bench``: every figure measured in this run, one markdown table, ratios beside the goals.

    .venv-bench/bin/python -m bench.run [--runs N]

P5 (sam build) runs first because P1 also measures the layer as built; then P1 cold start (a tool's,
and /mcp's beside it), P2 warm overhead and P4 fan-out against the simulator and moto (own
processes, loopback only), and P3 export polling on a simulated clock.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cold_start, export_polling, fanout, mcp_cold_start, size, warm_overhead
from bench.report import MISS, Row, markdown
from bench.services import running

DEFAULT_RUNS = 11


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="cold starts per subject (median taken)")
    args = parser.parse_args(argv)
    runs = max(1, min(args.runs, 50))
    started = time.monotonic()
    load = os.getloadavg()[0]
    print(f"bench: Python {platform.python_version()}, {os.cpu_count()} cores, load {load:.2f}; {runs} cold runs")

    print("P5: sam build ...", flush=True)
    p5, function_sizes = size.measure()
    built = size.BUILD_DIR / size.LAYER
    with running() as services:
        print("P1: cold starts ...", flush=True)
        p1 = cold_start.measure(services, runs, built if built.is_dir() else None)
        print("P1: cold starts of /mcp ...", flush=True)
        p1 += mcp_cold_start.measure(services, runs)
        print("P2: warm overhead ...", flush=True)
        p2 = warm_overhead.measure(services)
        print("P4: fan-out ...", flush=True)
        p4 = fanout.measure(services)
    print("P3: export polling ...", flush=True)
    p3 = export_polling.measure()

    rows: list[Row] = [*p1, *p2, *p3, *p4, *p5]
    print()
    print(markdown(rows))
    print()
    if function_sizes:
        print("Function packages: " + ", ".join(function_sizes))
    elapsed = time.monotonic() - started
    print(f"Measured in {elapsed:.0f} s; load average now {os.getloadavg()[0]:.2f} (was {load:.2f}).")
    misses = [f"{row.measurement}: {row.subject}" for row in rows if row.result == MISS]
    print("Misses: " + ("; ".join(misses) if misses else "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
