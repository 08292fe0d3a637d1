"""The summary cache, the Activation budget and the summary worker in template.yaml, and that the
code's bounds and lifetimes agree with the template's."""

from __future__ import annotations

from typing import Any

from platform_kit.settings import (
    DEFAULT_SUMMARY_CACHE_TTL_H,
    DEFAULT_VISIT_CONCURRENCY,
    MAX_SUMMARY_CACHE_TTL_H,
    MAX_VISIT_CONCURRENCY,
)
from tests.contract.test_template import RAW, RAW_RESOURCES
from tools.needs import SUMMARY_CACHE
from tools.registry import TOOLS
from tools.summary_cache import CLAIM_S
from tools.visit_profile import MAX_SESSIONS, VisitProfileParams

WORKER = RAW_RESOURCES["SummaryWorkerFunction"]["Properties"]


def test_the_table_is_on_demand_encrypted_and_expires_items() -> None:
    table = RAW_RESOURCES["SummaryTable"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST" and props["SSESpecification"] == {"SSEEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]


def test_the_parameters_and_their_bounds_are_the_codes() -> None:
    parameters = RAW["Parameters"]
    ttl, budget, concurrency = (
        parameters[name] for name in ("SummaryCacheTtlHours", "MonthlyActivationBudget", "VisitProfileConcurrency")
    )
    assert (ttl["Default"], ttl["MinValue"]) == (DEFAULT_SUMMARY_CACHE_TTL_H, 0)
    assert ttl["MaxValue"] == MAX_SUMMARY_CACHE_TTL_H
    assert (budget["Default"], budget["MinValue"]) == (0, 0) and "MaxValue" not in budget
    assert (concurrency["Default"], concurrency["MinValue"]) == (DEFAULT_VISIT_CONCURRENCY, 1)
    assert concurrency["MaxValue"] == MAX_VISIT_CONCURRENCY == MAX_SESSIONS
    assert VisitProfileParams.model_fields["limit"].metadata[-1].le == MAX_SESSIONS  # type: ignore[attr-defined]


def test_the_worker_is_not_retried_and_its_claim_outlives_it() -> None:
    assert WORKER["EventInvokeConfig"]["MaximumRetryAttempts"] == 0  # a retry would pay again
    assert WORKER["Timeout"] < CLAIM_S  # a live worker's claim never lapses
    assert not WORKER.get("Events")  # no route: only the AI tools invoke it
    assert set(WORKER["Environment"]["Variables"]) == {"FULLSTORY_API_KEY_SECRET_ID", "SUMMARY_TABLE"}


def _environment(logical_id: str) -> dict[str, Any]:
    variables: dict[str, Any] = RAW_RESOURCES[logical_id]["Properties"]["Environment"]["Variables"]
    return variables


def test_every_ai_tool_reaches_the_cache_the_budget_and_the_worker() -> None:
    from scripts.generate import logical_id

    ai = [spec for spec in TOOLS if spec.ai]
    assert ai and all(SUMMARY_CACHE in spec.needs for spec in ai)
    for spec in ai:
        variables = _environment(f"{logical_id(spec)}Function")
        assert variables["SUMMARY_TABLE"] == {"Ref": "SummaryTable"}
        assert variables["SUMMARY_WORKER_FUNCTION"] == {"Ref": "SummaryWorkerFunction"}
        assert variables["FULLSTORY_SUMMARY_CACHE_TTL_HOURS"] == {"Ref": "SummaryCacheTtlHours"}
        assert variables["FULLSTORY_ACTIVATION_BUDGET"] == {"Ref": "MonthlyActivationBudget"}
    others = [spec for spec in TOOLS if not spec.ai]
    assert all("SUMMARY_TABLE" not in _environment(f"{logical_id(spec)}Function") for spec in others)


def test_the_budget_alarm_fires_at_80_percent_of_the_months_count_only_with_a_budget() -> None:
    raw = RAW_RESOURCES["ActivationBudgetAlarm"]
    assert raw["Condition"] == "HasActivationBudget"
    budget_is_set = {"Fn::Not": [{"Fn::Equals": [{"Ref": "MonthlyActivationBudget"}, "0"]}]}
    assert RAW["Conditions"]["HasActivationBudget"] == budget_is_set
    props = raw["Properties"]
    spent, share = props["Metrics"]
    stat = spent["MetricStat"]
    assert (stat["Metric"]["MetricName"], stat["Metric"]["Namespace"], stat["Stat"]) == (
        "ActivationsThisMonth",
        "FullstoryOpalTools",
        "Maximum",
    )
    assert stat["Metric"]["Dimensions"] == [{"Name": "service", "Value": {"Ref": "AWS::StackName"}}]
    assert share["Expression"] == {"Fn::Sub": "100 * spent / ${MonthlyActivationBudget}"}
    assert (props["Threshold"], props["ComparisonOperator"]) == (80, "GreaterThanOrEqualToThreshold")
    assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
