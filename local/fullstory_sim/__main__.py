"""`python -m local.fullstory_sim --port 8900` — run the simulator standalone."""

from __future__ import annotations

import argparse

from ..shutdown import serve_until_stopped
from .simulator import FullstorySimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.fullstory_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--api-key", default="sim-key")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--export-seconds", type=float, default=6.0)
    parser.add_argument("--summary-latency", type=float, default=0.0, help="seconds each summary takes")
    parser.add_argument("--non-admin", action="store_true", help="behave like a Standard (non-Admin) key")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    sim = FullstorySimulator(
        api_key=args.api_key,
        host=args.host,
        port=args.port,
        export_seconds=args.export_seconds,
        seed=args.seed,
        admin=not args.non_admin,
        verbose=args.verbose,
        summary_latency_s=args.summary_latency,
    )
    sim.start()
    print(f"Fullstory simulator listening on {sim.base_url}", flush=True)
    print(f"API key: {sim.api_key}   (send 'Authorization: Basic {sim.api_key}')", flush=True)
    print(f"FULLSTORY_API_BASE_URL={sim.base_url}", flush=True)
    serve_until_stopped(sim.stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
