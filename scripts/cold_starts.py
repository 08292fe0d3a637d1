"""`make cold-starts STACK=<name> [HOURS=24] [REGION=...]`: each function's cold starts, measured by Lambda.

    python scripts/cold_starts.py STACK [--hours 24] [--region REGION] [--timeout 120]

For every ``AWS::Lambda::Function`` of the stack, one CloudWatch Logs Insights query over its log group
(``/aws/lambda/<function name>``) reads the platform's per-invocation report over the window and lets
Insights compute the figures: invocations, the share that started cold (reports with an Init Duration),
and Init Duration p50/p90/p99. The only place the cold-start goal can be measured for real.

The report comes in two forms, and the query reads both:
  - JSON log format (the template sets ``LoggingConfig: LogFormat: JSON``): a ``platform.report`` event,
    its Init Duration in ``record.metrics.initDurationMs``;
  - plain text (a function without JSON logging): the ``REPORT RequestId: ...`` line, which Insights
    parses into ``@initDuration``.
The table's last column says which form each function's logs had.

Exit status: 0, 1 when a query failed or did not finish in time, 2 when it could not run at all.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

QUERY = """\
filter @type = "REPORT" or type = "platform.report"
| fields coalesce(@initDuration, record.metrics.initDurationMs) as initMs
| stats count(*) as invocations, count(initMs) as coldStarts,
    pct(initMs, 50) as initP50, pct(initMs, 90) as initP90, pct(initMs, 99) as initP99,
    count(record.metrics.durationMs) as jsonReports"""
BATCH = 5  # queries running at once: well below the account's limit on concurrent Insights queries
DONE = {"Complete", "Failed", "Cancelled", "Timeout", "Unknown"}


class ColdStartError(Exception):
    """The report cannot be made at all (exit 2)."""


@dataclass
class Function:
    logical_id: str
    physical_id: str
    invocations: int = 0
    cold: int = 0
    p50: float | None = None
    p90: float | None = None
    p99: float | None = None
    form: str = ""
    problem: str = ""  # why there are no figures (a failed or unfinished query)
    scanned_bytes: float = 0.0

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.physical_id}"


def _error(exc: Exception) -> tuple[str, str]:
    error = (getattr(exc, "response", None) or {}).get("Error") or {}
    return str(error.get("Code", type(exc).__name__)), str(error.get("Message", exc))


def stack_functions(cfn: Any, stack: str, region: str) -> list[Function]:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    found: list[Function] = []
    try:
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
            for resource in page.get("StackResourceSummaries", []):
                if resource.get("ResourceType") == "AWS::Lambda::Function" and resource.get("PhysicalResourceId"):
                    found.append(Function(resource["LogicalResourceId"], resource["PhysicalResourceId"]))
    except NoCredentialsError:
        raise ColdStartError(
            "No AWS credentials: run `aws configure` or `aws sso login`, or set AWS_PROFILE."
        ) from None
    except ClientError as exc:
        code, message = _error(exc)
        if code == "ValidationError" and "does not exist" in message:
            raise ColdStartError(f"stack {stack} does not exist in {region} (check STACK= and REGION=).") from None
        raise ColdStartError(f"cannot list the resources of stack {stack}: {code}: {message}") from None
    except BotoCoreError as exc:
        raise ColdStartError(f"cannot list the resources of stack {stack}: {exc}") from None
    if not found:
        raise ColdStartError(f"stack {stack} has no Lambda functions.")
    return found


def _number(row: dict[str, str], name: str) -> float | None:
    try:
        return float(row[name])
    except (KeyError, ValueError):
        return None


def _read(function: Function, results: list[list[dict[str, str]]]) -> None:
    row = {cell["field"]: cell["value"] for cell in results[0]} if results else {}
    function.invocations = int(_number(row, "invocations") or 0)
    function.cold = int(_number(row, "coldStarts") or 0)
    function.p50, function.p90, function.p99 = (_number(row, f"initP{p}") for p in (50, 90, 99))
    json_reports = int(_number(row, "jsonReports") or 0)
    if not function.invocations:
        function.form = "no invocations in the window"
    elif json_reports == function.invocations:
        function.form = "JSON platform.report"
    elif not json_reports:
        function.form = "text REPORT"
    else:  # the log format changed within the window
        function.form = f"JSON platform.report ({json_reports}) and text REPORT"


def _start(logs: Any, function: Function, start: int, end: int) -> str | None:
    """The query's id, or None with the reason on the function."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        started = logs.start_query(
            logGroupNames=[function.log_group], startTime=start, endTime=end, queryString=QUERY, limit=1
        )
        return str(started["queryId"])
    except ClientError as exc:
        code, message = _error(exc)
        if code == "ResourceNotFoundException":  # Lambda creates it on the first run (unless the stack did)
            function.form = f"no invocations: no log group {function.log_group}"
        else:
            function.problem = f"query not started: {code}: {message}"
    except BotoCoreError as exc:
        function.problem = f"query not started: {exc}"
    return None


def _finished(logs: Any, query_id: str, function: Function) -> bool:
    """Whether the query has ended; if so, its figures (or its failure) are on the function."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = logs.get_query_results(queryId=query_id)
    except (ClientError, BotoCoreError) as exc:
        function.problem = "query results unreadable: {}: {}".format(*_error(exc))
        return True
    status = answer.get("status", "Unknown")
    if status not in DONE:
        return False
    function.scanned_bytes = float((answer.get("statistics") or {}).get("bytesScanned", 0.0))
    if status == "Complete":
        _read(function, answer.get("results", []))
    else:
        function.problem = f"query {status.lower()}"
    return True


def measure(
    logs: Any,
    functions: list[Function],
    *,
    start: int,
    end: int,
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Runs the query for every function, a few at a time, polling until done or ``timeout`` s in all."""
    from botocore.exceptions import BotoCoreError, ClientError

    deadline = clock() + timeout
    for first in range(0, len(functions), BATCH):
        running = {}
        for function in functions[first : first + BATCH]:
            query_id = _start(logs, function, start, end)
            if query_id is not None:
                running[query_id] = function
        pause = 1.0
        while running:
            running = {q: f for q, f in running.items() if not _finished(logs, q, f)}
            if running and clock() >= deadline:
                for query_id, function in running.items():
                    function.problem = f"query did not finish within {timeout:g} s"
                    with contextlib.suppress(ClientError, BotoCoreError):  # it would end by itself anyway
                        logs.stop_query(queryId=query_id)
                running = {}
            if running:
                sleep(pause)
                pause = min(pause * 1.5, 5.0)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def table(functions: list[Function]) -> list[str]:
    """Slowest cold starts (init p99) first; then functions that ran only warm, then those that did not run."""

    def order(f: Function) -> tuple[int, float, str]:
        if f.problem:
            return (3, 0.0, f.logical_id)
        if not f.invocations:
            return (2, 0.0, f.logical_id)
        if f.p99 is None:
            return (1, -f.invocations, f.logical_id)
        return (0, -f.p99, f.logical_id)

    width = max(len("function"), *(len(f.logical_id) for f in functions))
    columns = ("invocations", "cold %", "init p50 ms", "init p90 ms", "init p99 ms")
    widths = [len(c) for c in columns]
    lines = [f"{'function':<{width}}  " + "  ".join(columns) + "  log form"]
    for f in sorted(functions, key=order):
        if f.problem or not f.invocations:
            cells = ["0" if not f.problem else "-", *("-" * 4)]
        else:
            cells = [str(f.invocations), f"{100 * f.cold / f.invocations:.1f}", _ms(f.p50), _ms(f.p90), _ms(f.p99)]
        figures = "  ".join(f"{cell:>{w}}" for cell, w in zip(cells, widths, strict=True))
        lines.append(f"{f.logical_id:<{width}}  {figures}  {f.problem or f.form}")
    return lines


def run(
    stack: str,
    cfn: Any,
    logs: Any,
    *,
    region: str,
    hours: float,
    timeout: float = 120.0,
    now: Callable[[], float] = time.time,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    try:
        functions = stack_functions(cfn, stack, region)
    except ColdStartError as exc:
        print(f"make cold-starts: {exc}", file=sys.stderr)
        return 2
    end = int(now())
    start = end - int(hours * 3600)
    window = " to ".join(time.strftime("%Y-%m-%d %H:%M", time.gmtime(t)) for t in (start, end)) + " UTC"
    print(f"Cold starts of stack {stack} ({region}), the last {hours:g} h ({window}), from CloudWatch Logs Insights:")
    measure(logs, functions, start=start, end=end, timeout=timeout, clock=clock, sleep=sleep)
    for line in table(functions):
        print(line)
    invocations = sum(f.invocations for f in functions)
    cold = sum(f.cold for f in functions)
    share = f", {100 * cold / invocations:.1f} % cold" if invocations else ""
    scanned = sum(f.scanned_bytes for f in functions) / 1e6
    print(f"all functions: {invocations} invocations{share}; Insights scanned {scanned:.1f} MB")
    return 1 if any(f.problem for f in functions) else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/cold_starts.py", description="Cold starts of a deployed stack.")
    parser.add_argument("stack", help="the CloudFormation stack name")
    parser.add_argument("--hours", type=float, default=24.0, help="the window, ending now (default 24)")
    parser.add_argument("--region", default=None, help="AWS region (default: boto3's, e.g. AWS_REGION)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the queries (default 120)")
    args = parser.parse_args(argv)
    if args.hours <= 0:
        parser.error("--hours must be more than 0")
    import boto3

    session = boto3.Session(region_name=args.region)
    if not session.region_name:
        print("make cold-starts: no AWS region: pass REGION=<region> or set AWS_REGION.", file=sys.stderr)
        return 2
    cfn, logs = session.client("cloudformation"), session.client("logs")
    return run(args.stack, cfn, logs, region=session.region_name, hours=args.hours, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
