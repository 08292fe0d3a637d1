"""/mcp loads per message only what that message needs (observed in a fresh interpreter): the
handshake no tool, a tools/call the called tool's module, tools/list every tool."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "fullstory"
TOOL_MODULES = {"tools.segments", "tools.exports", "tools.export_runs", "tools.sessions", "tools.summaries"}


def _loaded_after(method: str, params: dict[str, object]) -> set[str]:
    script = f"""
import json, sys
sys.path[:0] = [{str(LAYER)!r}, {str(ROOT / "functions" / "mcp")!r}]
import app  # the function's entry point, as Lambda's init imports it
from mcp_server.messages import Message
from mcp_server.methods import handshake_era
handshake_era(Message(method={method!r}, params={params!r}, id=1), "2025-11-25", None, "cold-path")
print(json.dumps(sorted(sys.modules)))
"""
    done = subprocess.run(  # noqa: S603 - this interpreter running our own code
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_initialize_loads_no_tool() -> None:
    offer = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    loaded = _loaded_after("initialize", offer)
    assert not loaded & TOOL_MODULES and "tools.registry" not in loaded and "tools.runtime" not in loaded


def test_a_call_loads_only_the_called_tools_module() -> None:
    loaded = _loaded_after("tools/call", {"name": "fullstory_get_segment", "arguments": {}})
    assert loaded & TOOL_MODULES == {"tools.segments"}
    assert "tools.registry" not in loaded and "tools.runtime" in loaded


def test_the_listing_loads_every_tool() -> None:
    loaded = _loaded_after("tools/list", {})
    assert loaded >= TOOL_MODULES and "tools.registry" in loaded
