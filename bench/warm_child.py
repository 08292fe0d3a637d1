"""Warm calls through our handlers, in a Lambda-like child process (one container, reused).

``python -m bench.warm_child overhead FD SIM_URL`` (P2): our fullstory_list_segments handler,
interleaved with bare ``requests`` calls to the same simulator endpoint, after warm-up calls.
``python -m bench.warm_child fanout FD UID`` (P4): fullstory_visit_profile over 5 sessions vs one
session summary, with the simulator's summaries taking 1 s each (set by the parent).
The samples (seconds) go to pipe FD as one JSON line.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from local.lambda_runtime import LambdaContext, import_handler

from .events import tool_event
from .services import ROOT, SIM_API_KEY

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
OVERHEAD_WARMUP = 30
OVERHEAD_SAMPLES = 300
FANOUT_RUNS = 3


def _context() -> LambdaContext:
    return LambdaContext(function_name="bench", memory_limit_in_mb=512, timeout_s=25)


def load(function: str) -> Handler:
    return import_handler(ROOT / "functions" / function, "app.lambda_handler", f"_bench_{function}")


def timed_call(handler: Handler, event: dict[str, Any]) -> float:
    fresh = copy.deepcopy(event)
    started = time.perf_counter()
    response = handler(fresh, _context())
    elapsed = time.perf_counter() - started
    if response.get("statusCode") != 200:
        raise RuntimeError(f"handler answered {response.get('statusCode')}: {str(response.get('body'))[:300]}")
    return elapsed


def overhead(sim_url: str) -> dict[str, Any]:
    import requests

    handler = load("fullstory_list_segments")
    event = tool_event("fullstory_list_segments", {"limit": 20})
    session = requests.Session()
    headers = {"Authorization": f"Basic {SIM_API_KEY}", "Accept": "application/json"}

    def bare() -> float:
        started = time.perf_counter()
        answer = session.get(f"{sim_url}/segments/v1", params={"limit": 20}, headers=headers, timeout=10)
        _ = answer.content
        elapsed = time.perf_counter() - started
        if answer.status_code != 200:
            raise RuntimeError(f"simulator answered {answer.status_code}")
        return elapsed

    for _ in range(OVERHEAD_WARMUP):
        timed_call(handler, event)
        bare()
    ours: list[float] = []
    plain: list[float] = []
    for _ in range(OVERHEAD_SAMPLES):  # interleaved, so drift hits both alike
        ours.append(timed_call(handler, event))
        plain.append(bare())
    return {"ours": ours, "bare": plain}


def fanout(uid: str) -> dict[str, Any]:
    visit = load("fullstory_visit_profile")
    single = load("fullstory_get_session_quick_summary")
    list_sessions = load("fullstory_list_sessions")
    listed = list_sessions(
        copy.deepcopy(tool_event("fullstory_list_sessions", {"uid": uid, "limit": 5})),
        _context(),
    )
    session_id = json.loads(listed["body"])["sessions"][0]["sessionId"]
    visit_event = tool_event("fullstory_visit_profile", {"uid": uid, "limit": 5})
    single_event = tool_event("fullstory_get_session_quick_summary", {"sessionId": session_id})
    timed_call(visit, visit_event)  # warm-up: both summary profiles exist from here on
    timed_call(single, single_event)
    visits: list[float] = []
    singles: list[float] = []
    for _ in range(FANOUT_RUNS):
        singles.append(timed_call(single, single_event))
        visits.append(timed_call(visit, visit_event))
    return {"visit_profile": visits, "one_summary": singles}


def main(argv: list[str]) -> int:
    mode, fd, argument = argv[0], int(argv[1]), argv[2]
    result = overhead(argument) if mode == "overhead" else fanout(argument)
    os.write(fd, (json.dumps(result) + "\n").encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
