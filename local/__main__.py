"""`make run`: serve the tools on http://127.0.0.1:${PORT:-3000}."""

from __future__ import annotations

import json
import os
import sys
import urllib.request

from .server import LocalToolServer
from .shutdown import serve_until_stopped

# How long the embedded simulator takes per AI summary: a few seconds, as Fullstory's model does, so
# the summary cache and the continuation of slow summaries show (docs/summaries.md).
SUMMARY_LATENCY_ENV = "FULLSTORY_SIM_SUMMARY_LATENCY_S"
DEFAULT_SUMMARY_LATENCY_S = 3.0


def summary_latency_s(environ: dict[str, str] | os._Environ[str]) -> float:
    """The simulator's seconds per summary from ``FULLSTORY_SIM_SUMMARY_LATENCY_S``; ValueError naming it."""
    raw = (environ.get(SUMMARY_LATENCY_ENV) or "").strip()
    if not raw:
        return DEFAULT_SUMMARY_LATENCY_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 600:
        raise ValueError(f"{SUMMARY_LATENCY_ENV}={raw!r}: give the seconds a summary takes, 0 to 600")
    return value


def banner(server: LocalToolServer, selected: str, api_key: str | None) -> str:
    """What the server serves, counted from its own discovery (ENABLED_TOOLS and the AI toggle applied)."""
    from platform_kit.settings import settings  # the layer is importable once the server has started

    fullstory = (
        f"Fullstory API at {os.environ.get('FULLSTORY_API_BASE_URL') or 'the default host'}"
        if api_key
        else f"the embedded Fullstory simulator ({server.simulator.base_url if server.simulator else ''})"
    )
    with urllib.request.urlopen(f"{server.base_url}/discovery", timeout=10) as answer:  # noqa: S310 - our own server
        tools = [f"/tools/{function['name']}" for function in json.load(answer)["functions"]]
    chosen = [f"ENABLED_TOOLS={selected}"] if selected else []
    if not settings().ai_analysis_enabled:
        chosen.append("AI analysis off")
    selection = f" ({', '.join(chosen)})" if chosen else ""
    try_tool = (
        f"""    curl -H "Authorization: Bearer {server.bearer_token}" -d '{{"parameters":{{"limit":5}}}}' \\
         {server.base_url}/tools/fullstory_list_segments
"""
        if "/tools/fullstory_list_segments" in tools
        else ""
    )
    return f"""
Fullstory tools for Opal, publishing {len(tools)} tools{selection} against {fullstory}

  Discovery URL:  {server.base_url}/discovery
  Bearer token:   {server.bearer_token}
  MCP URL:        {server.base_url}/mcp (Streamable HTTP, the same bearer token)
  Export files:   the download links in the answers are served here ({server.base_url}/__local/s3/...)

  Try:
    curl {server.base_url}/discovery
{try_tool}
Ctrl-C stops."""


def main() -> int:
    port = int(os.environ.get("PORT", "3000"))
    selected = os.environ.get("ENABLED_TOOLS", "").strip()  # before the server fills in the template's default
    try:
        latency_s = summary_latency_s(os.environ)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    api_key = os.environ.get("FULLSTORY_API_KEY") or None
    server = LocalToolServer(
        port=port,
        bearer_token=os.environ.get("OPAL_BEARER_TOKEN") or None,
        fullstory_api_key=api_key,
        fullstory_base_url=os.environ.get("FULLSTORY_API_BASE_URL") or None,
        summary_latency_s=latency_s,
    )
    try:
        server.start()
    except OSError as exc:
        print(f"Cannot listen on 127.0.0.1:{port}: {exc.strerror}. Set PORT to another port.", file=sys.stderr)
        return 1
    except ValueError as exc:  # e.g. an unknown name in ENABLED_TOOLS, a bad CORS_ALLOWED_ORIGINS
        server.stop()
        print(str(exc), file=sys.stderr)
        return 2
    print(banner(server, selected, api_key), flush=True)
    serve_until_stopped(server.stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
