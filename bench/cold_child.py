"""One cold start: a fresh interpreter imports a handler and serves its first call, as Lambda does.

``python bench/cold_child.py CODE_DIR LAYER_DIR|- EVENT_FILE RESULT_FD``. CODE_DIR holds
``app.py`` (Lambda's task root); LAYER_DIR, when given, goes on sys.path as /opt/python does.
Only the standard library is imported before the handler, and only what a Lambda runtime's
bootstrap would have loaded anyway. As soon as the answer is ready, one JSON line (phase
times, status, peak RSS) goes to the inherited pipe RESULT_FD: the parent's clock stops when it
arrives, so interpreter teardown (which a Lambda never pays between calls) is not counted.
Peak RSS is ``VmHWM`` of this process image (``ru_maxrss`` would include the parent's memory
from before ``exec``).
"""

import sys
import time

started = time.perf_counter()
code_dir, layer_dir, event_file, result_fd = sys.argv[1:5]
sys.path[0] = code_dir  # this script's folder is not on a Lambda's path
if layer_dir != "-":
    sys.path.insert(1, layer_dir)

import json  # noqa: E402 - every runtime bootstrap has json loaded before the handler
import os  # noqa: E402


def peak_rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class Context:
    """The attributes a Lambda context has (what Powertools and Mangum read)."""

    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def __init__(self) -> None:
        self._deadline = time.monotonic() + 25

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


with open(event_file, encoding="utf-8") as handle:
    event = json.load(handle)
before_import = time.perf_counter()
import app  # noqa: E402 - the handler module, as Lambda's init phase imports it

imported = time.perf_counter()
response = app.lambda_handler(event, Context())
answered = time.perf_counter()
body = json.loads(response.get("body") or "{}")
rpc = body.get("result") or {}  # /mcp answers JSON-RPC: the tool's answer is its structuredContent
result = {
    "status": response.get("statusCode"),
    "segments": len(body.get("segments") or (rpc.get("structuredContent") or {}).get("segments") or []),
    "tools": len(rpc.get("tools") or []),
    "startup_ms": (before_import - started) * 1000,
    "import_ms": (imported - before_import) * 1000,
    "first_call_ms": (answered - imported) * 1000,
    "cpu_ms": (os.times().user + os.times().system) * 1000,
    "rss_kib": peak_rss_kib(),
    "error": None if response.get("statusCode") == 200 else str(body)[:300],
}
os.write(int(result_fd), (json.dumps(result) + "\n").encode())
