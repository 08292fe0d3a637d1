"""P1 cold start of /mcp beside a tool's: a fresh process imports the MCP function's handler and
answers its first message, tools/list or a tools/call of fullstory_list_segments.

The same harness as P1 (``cold_start``: its child, its environment, the extension's cache emptied
before each run, interleaved rounds after one discarded warm-up each). A stateless MCP server
meets cold starts on any message, as a new execution environment may get any request.

    .venv-bench/bin/python -m bench.mcp_cold_start [--runs N]   # this part alone
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/mcp_cold_start.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cold_start import CHILD, Sample, _event, spawn, template_literals
from bench.events import tool_event
from bench.report import Row, markdown, mb, median, ms, ratio
from bench.services import ROOT, Services, running

LAYER = ROOT / "layers" / "fullstory"
VERSION = "2025-11-25"
MESSAGES: dict[str, dict[str, Any]] = {
    "tools/list": {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    "tools/call": {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "fullstory_list_segments", "arguments": {"limit": 20}},
    },
}
TITLE = "P1 cold start (MCP)"


def mcp_event(message: dict[str, Any]) -> dict[str, Any]:
    """An HTTP API event of one POST /mcp, as API Gateway hands it to the function."""
    event = tool_event("fullstory_list_segments", {})
    event["routeKey"] = event["requestContext"]["routeKey"] = "POST /mcp"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/mcp"
    event["headers"] = {**event["headers"], "mcp-protocol-version": VERSION, "accept": "application/json"}
    event["body"] = json.dumps(message)
    return event


def _run(name: str, services: Services, events: dict[str, Path]) -> Sample:
    env = services.lambda_env()
    is_tool = name == "tool"
    env.update(template_literals("ListSegmentsFunction" if is_tool else "McpFunction"))
    services.reset_secrets_cache()
    code_dir = ROOT / "functions" / ("fullstory_list_segments" if is_tool else "mcp")
    wall, line, code, tail = spawn(
        [sys.executable, str(CHILD), str(code_dir), str(LAYER), str(events[name]), "{fd}"], env
    )
    phases: dict[str, Any] = json.loads(line) if line.strip() else {}
    answered = phases.get("tools") if name == "tools/list" else phases.get("segments")
    if code != 0 or phases.get("status") != 200 or not answered:
        raise RuntimeError(f"cold start of {name} failed (exit {code}, {phases.get('error')}): {tail}")
    return Sample(wall, int(phases["rss_kib"]), phases)


def measure(services: Services, runs: int) -> list[Row]:
    names = ["tool", *MESSAGES]
    samples: dict[str, list[Sample]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="bench-mcp-") as tmp:
        events = {"tool": _event(Path(tmp))}
        for name, message in MESSAGES.items():
            path = Path(tmp) / f"{name.replace('/', '_')}.json"
            path.write_text(json.dumps(mcp_event(message)), encoding="utf-8")
            events[name] = path
        for name in names:  # warm-up: .pyc files and the page cache, discarded
            _run(name, services, events)
        for _ in range(runs):
            for name in names:
                samples[name].append(_run(name, services, events))
    return rows(samples)


def rows(samples: dict[str, list[Sample]]) -> list[Row]:
    wall = {name: median([s.wall_s for s in runs]) for name, runs in samples.items()}
    rss = {name: median([float(s.rss_kib) for s in runs]) for name, runs in samples.items()}

    def timing(name: str) -> str:
        imported = median([float(s.phases["import_ms"]) / 1000 for s in samples[name]])
        first = median([float(s.phases["first_call_ms"]) / 1000 for s in samples[name]])
        return f"{ms(wall[name])} (import {ms(imported)}, first call {ms(first)}) · {mb(rss[name])}"

    return [
        Row(TITLE, "a tool's function: fullstory_list_segments (source tree)", timing("tool")),
        Row(TITLE, f"/mcp tools/list ({VERSION}): every tool's module and schema", timing("tools/list")),
        Row(
            TITLE, f"/mcp tools/call fullstory_list_segments ({VERSION}): that tool's module only", timing("tools/call")
        ),
        Row(TITLE, "/mcp tools/list vs the tool's function", ratio(wall["tools/list"] / wall["tool"]), "the tool"),
        Row(TITLE, "/mcp tools/call vs the tool's function", ratio(wall["tools/call"] / wall["tool"]), "the tool"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mcp_cold_start", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with running(with_peers=False) as services:
        print(markdown(measure(services, max(1, min(args.runs, 50)))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
