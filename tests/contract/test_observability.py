"""Observability in template.yaml: alarms, the throttle metric filter, the dashboard, the alarm topic.

Alarms on the tools' own metrics are checked against what the adapter really emits: a tool call is
run through ``opal_tools.adapter`` and its EMF line (Powertools, stdout) read back, so an alarm
that names a dimension set or value the code does not produce fails here, not in production.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from fullstory_client.errors import UpstreamError
from opal_tools.spec import ToolSpec
from tests.conftest import context, tool_event
from tests.contract.conditions import deployed, evaluate_conditions, value_of
from tests.contract.test_template import RAW, RAW_RESOURCES
from tools.runtime import lambda_handler_for

STACK = {"Ref": "AWS::StackName"}
API = {"Ref": "ToolsApi"}
GLOBAL_ENV = RAW["Globals"]["Function"]["Environment"]["Variables"]
NAMESPACE = GLOBAL_ENV["POWERTOOLS_METRICS_NAMESPACE"]
ALARMS = {
    "ToolErrorRateAlarm",
    "ApiServerErrorRateAlarm",
    "ToolFunctionFailuresAlarm",
    "ApiThrottleAlarm",
    "ExportWorkflowFailuresAlarm",
}
MATH_FUNCTIONS = {"IF", "FILL"}


def _props(logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = RAW_RESOURCES[logical_id]["Properties"]
    return props


def _stats(alarm_id: str) -> dict[str, dict[str, Any]]:
    """Metric id -> {namespace, name, dimensions, stat, period} of an alarm (single metric or math)."""
    props = _props(alarm_id)
    if "Metrics" not in props:
        return {
            "metric": {
                "namespace": props["Namespace"],
                "name": props["MetricName"],
                "dimensions": {d["Name"]: d["Value"] for d in props["Dimensions"]},
                "stat": props["Statistic"],
                "period": props["Period"],
            }
        }
    found = {}
    for query in props["Metrics"]:
        if "MetricStat" in query:
            stat = query["MetricStat"]
            found[query["Id"]] = {
                "namespace": stat["Metric"]["Namespace"],
                "name": stat["Metric"]["MetricName"],
                "dimensions": {d["Name"]: d["Value"] for d in stat["Metric"]["Dimensions"]},
                "stat": stat["Stat"],
                "period": stat["Period"],
            }
    return found


def _expression(alarm_id: str) -> str:
    [returned] = [q for q in _props(alarm_id)["Metrics"] if q.get("ReturnData", True)]
    expression: str = returned["Expression"]
    return expression


@pytest.fixture
def emf(aws: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    """The EMF lines of two tool calls through the adapter: one answered 502, one refused with 401."""
    from pydantic import BaseModel

    class NoParams(BaseModel):
        pass

    def fullstory_down(params: BaseModel) -> Any:
        raise UpstreamError("Fullstory answered 503", status=503)

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("ENABLED_TOOLS", "all")
    spec = ToolSpec(
        name="observability_probe", description="probe", parameters=NoParams, group="sessions", run=fullstory_down
    )
    handler = lambda_handler_for(spec)
    capsys.readouterr()
    statuses = {}
    for name, token in (("5xx", "test-bearer-token-0123456789"), ("4xx", "wrong-token")):
        statuses[name] = handler(tool_event("observability_probe", {}, token=token), context())["statusCode"]
    assert statuses == {"5xx": 502, "4xx": 401}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert len(lines) == 2, "one EMF line per tool call"
    return {"5xx": lines[0], "4xx": lines[1]}


# ---------------------------------------------------------------------- the tools' own metrics


def test_metrics_namespace_and_service_are_what_the_alarms_use() -> None:
    # The adapter reads both from these variables; the service is the stack, so stacks stay apart.
    assert GLOBAL_ENV["POWERTOOLS_SERVICE_NAME"] == STACK
    assert NAMESPACE == "FullstoryOpalTools"


def test_every_tool_metric_an_alarm_reads_is_emitted_with_those_dimensions(emf: dict[str, dict[str, Any]]) -> None:
    line = emf["5xx"]
    [directive] = line["_aws"]["CloudWatchMetrics"]
    emitted_sets = [frozenset(dims) for dims in directive["Dimensions"]]
    metric_names = {m["Name"] for m in directive["Metrics"]}
    assert frozenset({"tool", "outcome", "service"}) in emitted_sets  # the per-tool, per-outcome detail
    assert metric_names == {"ToolCall", "Latency"}
    assert line["status_class"] == "5xx" and emf["4xx"]["status_class"] == "4xx"
    assert line["outcome"] == "fullstory_unavailable"
    read = [stat for alarm in ALARMS for stat in _stats(alarm).values() if stat["namespace"] == NAMESPACE]
    assert read, "the alarms read the tools' metrics"
    for stat in read:
        if stat["name"] == "ApiThrottled":  # from the access log (metric filter), checked below
            continue
        assert stat["name"] in metric_names
        assert frozenset(stat["dimensions"]) in emitted_sets, stat
        assert stat["dimensions"]["service"] == STACK
        for name, value in stat["dimensions"].items():
            if name != "service":
                assert value == line[name], f"{name}={value} is never emitted for a 5xx answer"


# ---------------------------------------------------------------------- alarms


@pytest.mark.parametrize("alarm_id", sorted(ALARMS))
def test_alarm_notifies_the_topic_and_is_well_formed(alarm_id: str) -> None:
    resource = RAW_RESOURCES[alarm_id]
    assert resource["Type"] == "AWS::CloudWatch::Alarm"
    props = resource["Properties"]
    assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert props["OKActions"] == [{"Ref": "AlarmTopic"}]
    assert props["TreatMissingData"] == "notBreaching"
    assert props["AlarmName"]["Fn::Sub"].startswith("${AWS::StackName}-")  # one set per stack
    if "Metrics" in props:
        stats = _stats(alarm_id)
        assert len(stats) <= 10, "an alarm's math takes at most 10 metrics"
        assert {s["period"] for s in stats.values()} == {300}
        used = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", _expression(alarm_id))) - MATH_FUNCTIONS
        assert used == set(stats), f"{alarm_id}: the expression must use exactly its metrics"


def test_tool_error_rate_is_5xx_answers_over_all_calls() -> None:
    stats = _stats("ToolErrorRateAlarm")
    assert stats["failed"]["dimensions"] == {"service": STACK, "status_class": "5xx"}
    assert stats["calls"]["dimensions"] == {"service": STACK}
    assert {s["name"] for s in stats.values()} == {"ToolCall"}
    assert {s["stat"] for s in stats.values()} == {"Sum"}
    assert _expression("ToolErrorRateAlarm") == "IF(calls >= 5, 100 * FILL(failed, 0) / calls, 0)"
    assert _props("ToolErrorRateAlarm")["Threshold"] == {"Ref": "AlarmErrorRatePercent"}


def test_api_5xx_rate_reads_the_http_api() -> None:
    stats = _stats("ApiServerErrorRateAlarm")
    assert {(s["namespace"], s["name"]) for s in stats.values()} == {
        ("AWS/ApiGateway", "5xx"),
        ("AWS/ApiGateway", "Count"),
    }
    assert all(s["dimensions"] == {"ApiId": API} for s in stats.values())


def test_tool_function_failures_are_api_5xx_no_handler_answered() -> None:
    stats = _stats("ToolFunctionFailuresAlarm")
    assert stats["api5xx"]["namespace"] == "AWS/ApiGateway" and stats["api5xx"]["name"] == "5xx"
    assert stats["api5xx"]["dimensions"] == {"ApiId": API}
    assert stats["answered5xx"] == {**_stats("ToolErrorRateAlarm")["failed"]}
    assert _expression("ToolFunctionFailuresAlarm") == "FILL(api5xx, 0) - FILL(answered5xx, 0)"


def test_export_workflow_failures_watch_the_export_state_machine() -> None:
    # Both are always deployed (tool selection is a runtime matter): no condition on either.
    assert "Condition" not in RAW_RESOURCES["ExportWorkflowFailuresAlarm"]
    assert "Condition" not in RAW_RESOURCES["ExportStateMachine"]
    stats = _stats("ExportWorkflowFailuresAlarm")
    assert {s["name"] for s in stats.values()} == {"ExecutionsFailed", "ExecutionsTimedOut"}
    for stat in stats.values():
        assert stat["namespace"] == "AWS/States"
        assert stat["dimensions"] == {"StateMachineArn": {"Ref": "ExportStateMachine"}}  # Ref is the ARN
    assert _props("ExportWorkflowFailuresAlarm")["Threshold"] == 1


# ---------------------------------------------------------------------- API throttling from the access log


def _access_log_format() -> str:
    settings = _props("ToolsApi")["AccessLogSettings"]["Fn::If"]
    assert settings[0] == "AccessLogsEnabled"
    fmt: str = settings[1]["Format"]["Fn::Sub"]
    return fmt


def _matches(pattern: str, line: dict[str, str]) -> bool:
    """CloudWatch Logs JSON filter patterns of the form { ($.a = "x") && ($.b != "y") }."""
    terms = re.findall(r'\(\$\.(\w+) (=|!=) "([^"]*)"\)', pattern)
    assert pattern.strip("{} ").count("&&") == len(terms) - 1, pattern
    return all((line.get(field) == value) == (op == "=") for field, op, value in terms)


def test_throttles_are_429s_the_gateway_answered_without_a_function() -> None:
    line = json.loads(_access_log_format().replace("${AWS::StackName}", "stack-1"))
    assert line["status"] == "$context.status"
    assert line["integrationStatus"] == "$context.integrationStatus"
    assert line["service"] == "stack-1"
    filter_ = RAW_RESOURCES["ApiThrottledMetricFilter"]
    assert filter_["Condition"] == "AccessLogsEnabled" == RAW_RESOURCES["ApiThrottleAlarm"]["Condition"]
    props = filter_["Properties"]
    assert props["LogGroupName"] == {"Ref": "ToolsApiAccessLogGroup"}
    pattern = props["FilterPattern"]
    assert _matches(pattern, {"status": "429", "integrationStatus": "-"})  # throttled by the HTTP API
    assert not _matches(pattern, {"status": "429", "integrationStatus": "200"})  # Fullstory's 429, passed on
    assert not _matches(pattern, {"status": "400", "integrationStatus": "-"})
    assert not _matches(pattern, {"status": "200", "integrationStatus": "200"})
    [transform] = props["MetricTransformations"]
    assert transform["Dimensions"] == [{"Key": "service", "Value": "$.service"}]
    alarm = _stats("ApiThrottleAlarm")["metric"]
    assert (alarm["namespace"], alarm["name"]) == (transform["MetricNamespace"], transform["MetricName"])
    assert alarm["dimensions"] == {"service": STACK}


# ---------------------------------------------------------------------- notifications


def test_alarm_topic_and_optional_email() -> None:
    assert RAW_RESOURCES["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    subscription = RAW_RESOURCES["AlarmEmailSubscription"]
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    assert RAW["Parameters"]["AlarmEmail"]["Default"] == ""
    refs = {name: str(spec.get("Default", "")) for name, spec in RAW["Parameters"].items()}
    assert evaluate_conditions(RAW, refs)[subscription["Condition"]] is False
    refs["AlarmEmail"] = "ops@example.com"
    assert evaluate_conditions(RAW, refs)[subscription["Condition"]] is True
    assert RAW["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}


# ---------------------------------------------------------------------- dashboard


def _dashboard(enabled_tools: str = "all") -> dict[str, Any]:
    refs = {name: str(spec.get("Default", "")) for name, spec in RAW["Parameters"].items()}
    refs["EnabledTools"] = enabled_tools
    body = deployed(RAW, refs)["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]
    names = {
        "AWS::StackName": "stack-1",
        "AWS::Region": "eu-west-1",
        "ToolsApi": "api123",
        "ExportStateMachine": "arn:aws:states:eu-west-1:1:stateMachine:x",
        **{f"{alarm}.Arn": f"arn:alarm:{alarm}" for alarm in ALARMS},
    }
    text = value_of(body, names)
    assert "${" not in text, "every ${...} of the dashboard is substituted"
    dashboard: dict[str, Any] = json.loads(text)
    return dashboard


def _widgets(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {w["properties"]["title"]: w["properties"] for w in dashboard["widgets"] if "title" in w["properties"]}


def test_dashboard_shows_tool_calls_by_outcome_latency_api_and_throttles() -> None:
    widgets = _widgets(_dashboard())
    by_outcome = json.dumps(widgets["Tool calls by outcome"]["metrics"])
    # Metrics Insights over the per-tool dimension set the adapter emits, for this stack only.
    assert f"FROM SCHEMA({NAMESPACE}, outcome, service, tool)" in by_outcome
    assert "WHERE service = 'stack-1' GROUP BY outcome" in by_outcome
    latency = widgets["Tool latency (ms)"]["metrics"]
    assert [(m[0], m[1], m[2], m[3], m[4]["stat"]) for m in latency] == [
        (NAMESPACE, "Latency", "service", "stack-1", "p50"),
        (NAMESPACE, "Latency", "service", "stack-1", "p99"),
    ]
    api = {(m[1], m[3]) for m in widgets["HTTP API responses"]["metrics"]}
    assert api == {("Count", "api123"), ("4xx", "api123"), ("5xx", "api123")}
    throttles = json.dumps(widgets["Throttles"]["metrics"])
    assert '"ApiThrottled", "service", "stack-1"' in throttles
    assert 'MetricName=\\"Throttles\\"' in throttles
    assert set(_widgets(_dashboard())) >= {"Lambda errors by function", "Alarms"}


def test_dashboard_shows_export_runs_whatever_the_selection() -> None:
    for enabled_tools in ("all", "segments"):
        runs = _widgets(_dashboard(enabled_tools))["Export workflow runs"]["metrics"]
        assert {m[1] for m in runs} >= {"ExecutionsStarted", "ExecutionsFailed", "ExecutionsTimedOut"}
        assert all(m[2:4] == ["StateMachineArn", "arn:aws:states:eu-west-1:1:stateMachine:x"] for m in runs)


def test_dashboard_is_per_stack_and_region_and_linked_from_the_outputs() -> None:
    assert _props("OperationsDashboard")["DashboardName"] == {"Fn::Sub": "${AWS::StackName}-${AWS::Region}"}
    assert "${OperationsDashboard}" in RAW["Outputs"]["DashboardUrl"]["Value"]["Fn::Sub"]
