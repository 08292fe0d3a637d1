"""`make cold-starts` (scripts/cold_starts.py) against botocore stubs of CloudFormation and CloudWatch Logs:
the stack's functions, one Insights query each (polled, bounded), and the table made of the answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from scripts import cold_starts

DOCS = Path(__file__).resolve().parents[2] / "docs" / "deployed-stack-checks.md"
STACK = "fullstory-opal-tools"
REGION = "eu-west-1"
NOW = 1_750_000_000  # 2025-06-15 15:06:40 UTC
DAY = 24 * 3600


def _client(service: str) -> Any:
    session = boto3.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client(service)  # type: ignore[call-overload]  # the service is a variable here


def physical(logical_id: str) -> str:
    return f"{STACK}-{logical_id}-AbC123dEf456"


def resources(*logical_ids: str) -> dict[str, Any]:
    summaries = [
        {
            "LogicalResourceId": logical_id,
            "PhysicalResourceId": physical(logical_id),
            "ResourceType": "AWS::Lambda::Function",
            "LastUpdatedTimestamp": datetime(2025, 6, 1, tzinfo=UTC),
            "ResourceStatus": "UPDATE_COMPLETE",
        }
        for logical_id in logical_ids
    ]
    # Other resources of the stack are not functions, and are left alone.
    summaries.append(
        {
            "LogicalResourceId": "ToolsApi",
            "PhysicalResourceId": "abc123",
            "ResourceType": "AWS::ApiGatewayV2::Api",
            "LastUpdatedTimestamp": datetime(2025, 6, 1, tzinfo=UTC),
            "ResourceStatus": "CREATE_COMPLETE",
        }
    )
    return {"StackResourceSummaries": summaries}


def row(**values: float | int) -> list[dict[str, str]]:
    """One Insights result row, values as Insights sends them: strings."""
    return [{"field": name, "value": str(value)} for name, value in values.items()]


def complete(*rows: list[dict[str, str]], scanned: float = 1.5e6) -> dict[str, Any]:
    stats = {"recordsMatched": 1.0, "recordsScanned": 10.0, "bytesScanned": scanned}
    return {"status": "Complete", "results": list(rows), "statistics": stats}


RUNNING: dict[str, Any] = {"status": "Running", "results": []}


@dataclass
class FakeTime:
    """The script's clock and sleep: sleeping moves the clock, nothing waits."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any, Stubber, Stubber]]:
    cfn, logs = _client("cloudformation"), _client("logs")
    with Stubber(cfn) as cfn_stub, Stubber(logs) as logs_stub:
        yield cfn, logs, cfn_stub, logs_stub
        cfn_stub.assert_no_pending_responses()
        logs_stub.assert_no_pending_responses()


def expect_query(logs_stub: Stubber, logical_id: str, query_id: str, hours: float = 24) -> None:
    logs_stub.add_response(
        "start_query",
        {"queryId": query_id},
        {
            "logGroupNames": [f"/aws/lambda/{physical(logical_id)}"],
            "startTime": NOW - int(hours * 3600),
            "endTime": NOW,
            "queryString": cold_starts.QUERY,
            "limit": 1,
        },
    )


def run(
    aws: Any, capsys: pytest.CaptureFixture[str], *, timeout: float = 60, hours: float = 24
) -> tuple[int, str, FakeTime]:
    cfn, logs, _, _ = aws
    fake = FakeTime()
    code = cold_starts.run(
        STACK,
        cfn,
        logs,
        region=REGION,
        hours=hours,
        timeout=timeout,
        now=lambda: NOW,
        clock=fake.clock,
        sleep=fake.sleep,
    )
    out, err = capsys.readouterr()
    return code, out + err, fake


def table_rows(out: str) -> dict[str, list[str]]:
    """function -> its cells (the five figures, then the log form)."""
    found = {}
    for line in out.splitlines():
        match = re.match(r"(\w+Function)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$", line)
        if match:
            found[match.group(1)] = list(match.groups()[1:])
    return found


def test_the_query_lets_insights_compute_the_figures_from_either_form() -> None:
    query = cold_starts.QUERY
    # The plain-text REPORT line (Insights' @type/@initDuration) and the JSON platform.report event.
    assert 'filter @type = "REPORT" or type = "platform.report"' in query
    assert "coalesce(@initDuration, record.metrics.initDurationMs) as initMs" in query
    for part in ("count(*) as invocations", "count(initMs) as coldStarts", "pct(initMs, 50)", "pct(initMs, 90)"):
        assert part in query
    assert "pct(initMs, 99)" in query and "count(record.metrics.durationMs) as jsonReports" in query


def test_json_reports_make_a_sorted_table(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, cfn_stub, logs_stub = aws
    cfn_stub.add_response(
        "list_stack_resources",
        resources("DiscoveryFunction", "ListSegmentsFunction", "GetSegmentFunction"),
        {"StackName": STACK},
    )
    for logical_id, query_id in (
        ("DiscoveryFunction", "q1"),
        ("ListSegmentsFunction", "q2"),
        ("GetSegmentFunction", "q3"),
    ):
        expect_query(logs_stub, logical_id, query_id)
    discovery = row(invocations=400, coldStarts=8, initP50=301.2, initP90=340.9, initP99=377.0, jsonReports=400)
    segments = row(invocations=1200, coldStarts=36, initP50=387.4, initP90=421.5, initP99=498.7, jsonReports=1200)
    warm_only = row(invocations=3, coldStarts=0, jsonReports=3)  # no cold start: Insights leaves the pct fields out
    logs_stub.add_response("get_query_results", RUNNING, {"queryId": "q1"})  # the first poll finds them running
    logs_stub.add_response("get_query_results", complete(segments), {"queryId": "q2"})
    logs_stub.add_response("get_query_results", RUNNING, {"queryId": "q3"})
    logs_stub.add_response("get_query_results", complete(discovery), {"queryId": "q1"})
    logs_stub.add_response("get_query_results", complete(warm_only), {"queryId": "q3"})
    code, out, fake = run(aws, capsys)
    assert code == 0, out
    assert out.startswith(
        f"Cold starts of stack {STACK} ({REGION}), the last 24 h (2025-06-14 15:06 to 2025-06-15 15:06 UTC), "
        "from CloudWatch Logs Insights:\n"
    )
    rows = table_rows(out)
    assert list(rows) == ["ListSegmentsFunction", "DiscoveryFunction", "GetSegmentFunction"]  # slowest p99 first
    assert rows["ListSegmentsFunction"] == ["1200", "3.0", "387", "422", "499", "JSON platform.report"]
    assert rows["DiscoveryFunction"] == ["400", "2.0", "301", "341", "377", "JSON platform.report"]
    assert rows["GetSegmentFunction"] == ["3", "0.0", "-", "-", "-", "JSON platform.report"]
    assert "all functions: 1603 invocations, 2.7 % cold; Insights scanned 4.5 MB" in out
    assert fake.sleeps == [1.0]


def test_text_reports_are_read_too(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, cfn_stub, logs_stub = aws
    cfn_stub.add_response("list_stack_resources", resources("ListSessionsFunction"), {"StackName": STACK})
    expect_query(logs_stub, "ListSessionsFunction", "q1", hours=6)
    text = row(invocations=50, coldStarts=5, initP50=410.0, initP90=455.2, initP99=470.9, jsonReports=0)
    logs_stub.add_response("get_query_results", complete(text), {"queryId": "q1"})
    code, out, _ = run(aws, capsys, hours=6)
    assert code == 0, out
    assert "the last 6 h (2025-06-15 09:06 to 2025-06-15 15:06 UTC)" in out
    assert table_rows(out)["ListSessionsFunction"] == ["50", "10.0", "410", "455", "471", "text REPORT"]


def test_functions_without_invocations_say_so(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, cfn_stub, logs_stub = aws
    cfn_stub.add_response(
        "list_stack_resources", resources("ExportNotifyFunction", "VisitProfileFunction"), {"StackName": STACK}
    )
    expect_query(logs_stub, "ExportNotifyFunction", "q1")
    logs_stub.add_client_error(  # never run, so Lambda has not created its log group
        "start_query", "ResourceNotFoundException", "Log group does not exist", 400
    )
    logs_stub.add_response("get_query_results", complete(scanned=0.0), {"queryId": "q1"})  # no rows at all
    code, out, _ = run(aws, capsys)
    assert code == 0, out
    rows = table_rows(out)
    assert rows["ExportNotifyFunction"] == ["0", "-", "-", "-", "-", "no invocations in the window"]
    assert rows["VisitProfileFunction"][:5] == ["0", "-", "-", "-", "-"]
    assert (
        rows["VisitProfileFunction"][5]
        == f"no invocations: no log group /aws/lambda/{physical('VisitProfileFunction')}"
    )
    assert "all functions: 0 invocations; Insights scanned 0.0 MB" in out


def test_a_query_that_does_not_finish_is_stopped_and_reported(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, cfn_stub, logs_stub = aws
    cfn_stub.add_response(
        "list_stack_resources", resources("ListSegmentsFunction", "ListSessionsFunction"), {"StackName": STACK}
    )
    expect_query(logs_stub, "ListSegmentsFunction", "q1")
    expect_query(logs_stub, "ListSessionsFunction", "q2")
    segments = row(invocations=1200, coldStarts=36, initP50=387.4, initP90=421.5, initP99=498.7, jsonReports=1200)
    logs_stub.add_response("get_query_results", complete(segments), {"queryId": "q1"})
    # Polls at 0, 1, 2.5, 4.75, 8.125 and 13.125 s: the last one is past the 10 s deadline.
    for _ in range(6):
        logs_stub.add_response("get_query_results", RUNNING, {"queryId": "q2"})
    logs_stub.add_response("stop_query", {"success": True}, {"queryId": "q2"})
    code, out, fake = run(aws, capsys, timeout=10)
    assert code == 1
    assert fake.sleeps == [1.0, 1.5, 2.25, 3.375, 5.0]  # growing pauses, capped
    assert table_rows(out)["ListSessionsFunction"] == ["-", "-", "-", "-", "-", "query did not finish within 10 s"]
    assert table_rows(out)["ListSegmentsFunction"][:5] == ["1200", "3.0", "387", "422", "499"]
    table = "\n".join(out.splitlines()[1:4])  # the header and the two rows
    assert table in DOCS.read_text(encoding="utf-8"), "docs/deployed-stack-checks.md: paste this again:\n" + table


def test_a_failed_query_is_reported(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, cfn_stub, logs_stub = aws
    cfn_stub.add_response("list_stack_resources", resources("GetSegmentFunction"), {"StackName": STACK})
    expect_query(logs_stub, "GetSegmentFunction", "q1")
    logs_stub.add_response("get_query_results", {"status": "Failed", "results": []}, {"queryId": "q1"})
    code, out, _ = run(aws, capsys)
    assert code == 1
    assert table_rows(out)["GetSegmentFunction"][5] == "query failed"


def test_a_stack_that_does_not_exist_exits_2(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, cfn_stub, _ = aws
    cfn_stub.add_client_error("list_stack_resources", "ValidationError", "Stack with id nope does not exist", 400)
    cfn, logs, _, _ = aws
    code = cold_starts.run("nope", cfn, logs, region=REGION, hours=24)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == f"make cold-starts: stack nope does not exist in {REGION} (check STACK= and REGION=).\n"


def test_without_a_region_it_says_how_to_give_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    assert cold_starts.main([STACK, "--hours", "6"]) == 2
    assert capsys.readouterr().err == "make cold-starts: no AWS region: pass REGION=<region> or set AWS_REGION.\n"


def test_the_docs_show_this_output(aws: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Seven functions: two batches of queries, every kind of row.
    _, _, cfn_stub, logs_stub = aws
    figures = {
        "DiscoveryFunction": row(
            invocations=400, coldStarts=8, initP50=301.2, initP90=340.9, initP99=377.0, jsonReports=400
        ),
        "ListSegmentsFunction": row(
            invocations=1200, coldStarts=36, initP50=387.4, initP90=421.5, initP99=498.7, jsonReports=1200
        ),
        "GetSegmentFunction": row(invocations=3, coldStarts=0, jsonReports=3),
        "ListSessionsFunction": row(
            invocations=50, coldStarts=5, initP50=410.0, initP90=455.2, initP99=470.9, jsonReports=0
        ),
        "QuickSummaryFunction": row(
            invocations=12, coldStarts=4, initP50=455.0, initP90=512.3, initP99=530.1, jsonReports=12
        ),
    }
    names = [*figures, "ExportNotifyFunction", "VisitProfileFunction"]
    cfn_stub.add_response("list_stack_resources", resources(*names), {"StackName": STACK})
    for number, name in enumerate(figures):
        expect_query(logs_stub, name, f"q{number}")
    for number, name in enumerate(figures):
        logs_stub.add_response("get_query_results", complete(figures[name]), {"queryId": f"q{number}"})
    expect_query(logs_stub, "ExportNotifyFunction", "q5")
    logs_stub.add_client_error("start_query", "ResourceNotFoundException", "Log group does not exist", 400)
    logs_stub.add_response("get_query_results", complete(scanned=0.0), {"queryId": "q5"})
    code, out, _ = run(aws, capsys)
    assert code == 0
    assert list(table_rows(out)) == [
        "QuickSummaryFunction",
        "ListSegmentsFunction",
        "ListSessionsFunction",
        "DiscoveryFunction",
        "GetSegmentFunction",
        "ExportNotifyFunction",
        "VisitProfileFunction",
    ]
    assert out.strip() in DOCS.read_text(encoding="utf-8"), "docs/deployed-stack-checks.md: paste this again:\n" + out
