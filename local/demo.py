"""`make demo`: a realistic Opal conversation against the tool registry, printed readably.

Uses a running `make run` when DEMO_BASE_URL and OPAL_BEARER_TOKEN are set (or the default
http://127.0.0.1:${PORT:-3000} answers and OPAL_BEARER_TOKEN is set); otherwise starts its own
local server with the embedded simulator. The async export's callback arrives at a small HTTP
receiver on a loopback port, as Opal's would.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

EXPORT_TIMEOUT_S = float(os.environ.get("DEMO_EXPORT_TIMEOUT_S", "900"))
MAX_LINES = 22


class CallbackReceiver:
    """Plays Opal's side of an async tool: records what the workflow POSTs back."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.received: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                authorized = self.headers.get("authorization") == f"Bearer {receiver.token}"
                self.send_response(200 if authorized else 401)
                self.send_header("content-length", "0")
                self.end_headers()
                if authorized:
                    receiver.received.append(json.loads(body or b"{}"))
                    receiver.arrived.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/opal/callback"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _show(value: Any) -> str:
    lines = json.dumps(value, indent=2, ensure_ascii=False).splitlines()
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"  … ({len(lines) - MAX_LINES} more lines)"]
    return "\n".join("    " + line for line in lines)


class Conversation:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def say(self, text: str) -> None:
        print(f"\n\033[1mUser:\033[0m {text}")

    def call(self, tool: str, parameters: dict[str, Any], *, quiet: bool = False, **envelope: Any) -> Any:
        body = {"parameters": parameters, **envelope}
        if not quiet:
            shown = {k: v for k, v in body.items() if k != "async_callback"}
            print(f"  Opal → POST /tools/{tool} {json.dumps(shown['parameters'], ensure_ascii=False)}")
        started = time.monotonic()
        response = self.http.post(f"{self.base_url}/tools/{tool}", json=body, timeout=60)
        answer = response.json()
        if not quiet:
            print(f"  ← {response.status_code} in {(time.monotonic() - started) * 1000:.0f} ms")
            print(_show(answer))
        return answer


def _last_week() -> dict[str, str]:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "start": (today - timedelta(days=7)).isoformat().replace("+00:00", "Z"),
        "end": today.isoformat().replace("+00:00", "Z"),
    }


def _export(chat: Conversation) -> None:
    callback_token = secrets.token_urlsafe(24)
    receiver = CallbackReceiver(callback_token)
    try:
        chat.say("Export everyone's sessions from last week as NDJSON and send me the file.")
        accepted = chat.call(
            "fullstory_export_segment",
            {"segmentId": "everyone", "type": "TYPE_SESSIONS", "format": "FORMAT_NDJSON", "timeRange": _last_week()},
            async_callback={"url": receiver.url, "tool_call_id": str(uuid.uuid4()), "callback_token": callback_token},
        )
        execution_id = accepted.get("executionId")
        if not execution_id:
            print("  (the export did not start; see the answer above)")
            return
        started = time.monotonic()
        while not receiver.arrived.wait(timeout=2.0):
            elapsed = time.monotonic() - started
            if elapsed > EXPORT_TIMEOUT_S:
                print(f"\n  (no callback after {EXPORT_TIMEOUT_S:.0f} s; giving up)")
                return
            status = chat.call("fullstory_get_export_status", {"executionId": execution_id}, quiet=True)
            progress = status.get("progress") or {}
            pct = progress.get("percentComplete")
            line = (
                f"  … {elapsed:4.0f} s  run {status.get('status', '?')}, Fullstory export "
                f"{progress.get('exportState') or '-'}"
                + (f" {pct:.0f} %" if isinstance(pct, int | float) else "")
                + f", {progress.get('checks', 0)} checks so far"
                + (f", next at {str(progress['nextCheckAt'])[11:19]} UTC" if progress.get("nextCheckAt") else "")
            )
            print("\r" + line.ljust(100), end="", flush=True)
        print(f"\n  Opal ← callback after {time.monotonic() - started:.0f} s (Bearer token checked):")
        print(_show(receiver.received[0]))
    finally:
        receiver.close()


def run(base_url: str, token: str) -> None:
    chat = Conversation(base_url, token)
    print(f"Opal registry: {base_url}/discovery")
    manifest = requests.get(f"{base_url}/discovery", timeout=10).json()
    names = [f["name"] for f in manifest["functions"]]
    print(f"  Opal synced {len(names)} tools: {', '.join(names)}")

    chat.say("Show me our Fullstory segments.")
    chat.call("fullstory_list_segments", {"limit": 5})
    chat.say("Tell me about the 'everyone' segment.")
    chat.call("fullstory_get_segment", {"id": "everyone"})
    chat.say("Show the last 5 sessions for john.doe@example.com.")
    found = chat.call("fullstory_list_sessions", {"email": "john.doe@example.com", "limit": 5})
    sessions = [s["sessionId"] for s in found.get("sessions", [])]
    if "fullstory_get_session_support_summary" in names and len(sessions) >= 2:
        chat.say("He opened a ticket. What went wrong in his latest session?")
        chat.call("fullstory_get_session_support_summary", {"sessionId": sessions[0]})
        chat.say("Any consent-banner problems in the session before that?")
        chat.call("fullstory_get_cmp_error_detection", {"sessionId": sessions[1]})
    elif "fullstory_get_session_support_summary" not in names:
        print("\n  (AI analysis is disabled in this registry: skipping the session summaries)")
    if "fullstory_export_segment" in names:
        _export(chat)


def _running_registry() -> tuple[str, str] | None:
    token = os.environ.get("OPAL_BEARER_TOKEN")
    base_url = os.environ.get("DEMO_BASE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '3000')}"
    if not token:
        return None
    try:
        requests.get(f"{base_url}/discovery", timeout=2).raise_for_status()
    except requests.RequestException:
        return None
    return base_url, token


def main() -> int:
    running = _running_registry()
    if running is not None:
        run(*running)
        return 0
    from .server import LocalToolServer

    print("No running registry given (DEMO_BASE_URL + OPAL_BEARER_TOKEN): starting a local one.")
    with LocalToolServer() as server:
        run(server.base_url, server.bearer_token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
