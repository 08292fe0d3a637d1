"""`make run` as a process (``python -m local``): its banner counts the tools discovery lists, and
``LOG_LEVEL=INFO`` alone (as the README says) prints one JSON line per tool call."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
GUARD_S = 120  # not a speed check: only so a broken start fails instead of hanging


@dataclass
class Served:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    base_url: str = ""
    token: str = ""

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, found: Callable[[list[str]], bool]) -> list[str]:
        deadline = time.monotonic() + GUARD_S
        while time.monotonic() < deadline and self.process.poll() is None:
            seen = list(self.lines)
            if found(seen):
                return seen
            time.sleep(0.1)
        raise AssertionError("".join(self.lines))

    def banner(self) -> str:
        seen = self.wait_for(lambda lines: any(line.startswith("Ctrl-C stops.") for line in lines))
        return "".join(seen)


def _tool_call_lines(lines: list[str]) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("message") == "tool call":
            found.append(record)
    return found


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "ENABLED_TOOLS", "LOG_LEVEL"))}
    env.update(PORT="0", LOG_LEVEL="INFO", FULLSTORY_AI_ANALYSIS_ENABLED="false", PYTHONUNBUFFERED="1")
    env.pop("FULLSTORY_API_KEY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "local"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    running = Served(process)
    threading.Thread(target=running.read, daemon=True).start()
    try:
        banner = running.banner()
        base_url = re.search(r"Discovery URL:\s+(\S+)/discovery", banner)
        token = re.search(r"Bearer token:\s+(\S+)", banner)
        assert base_url and token, banner
        running.base_url, running.token = base_url.group(1), token.group(1)
        yield running
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_banner_counts_the_tools_discovery_lists(served: Served) -> None:
    listed = requests.get(f"{served.base_url}/discovery", timeout=30).json()["functions"]
    banner = served.banner()
    assert f"publishing {len(listed)} tools (AI analysis off)" in banner
    assert "ENABLED_TOOLS" not in banner  # not set by the user: nothing to echo


def test_the_banner_names_the_mcp_url_and_it_answers_initialize(served: Served) -> None:
    found = re.search(r"MCP URL:\s+(\S+)", served.banner())
    assert found, served.banner()
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    answer = requests.post(
        found.group(1), json=initialize, headers={"authorization": f"Bearer {served.token}"}, timeout=30
    )
    assert answer.status_code == 200 and answer.json()["result"]["protocolVersion"] == "2025-11-25"


def test_log_level_info_prints_one_line_per_tool_call(served: Served) -> None:
    before = len(_tool_call_lines(served.lines))
    answer = requests.post(
        f"{served.base_url}/tools/fullstory_list_segments",
        json={"parameters": {"limit": 2}},
        headers={"Authorization": f"Bearer {served.token}"},
        timeout=30,
    )
    assert answer.status_code == 200
    seen = served.wait_for(lambda lines: len(_tool_call_lines(lines)) > before)
    [line] = _tool_call_lines(seen)[before:]
    assert line["tool"] == "fullstory_list_segments" and line["status"] == 200 and line["outcome"] == "success"
