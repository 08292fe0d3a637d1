"""The summary cache and the Activation budget, with real DynamoDB calls (moto, the template's table)
and real HTTP to the simulator: each summary is paid for once, never past the budget, and a slow one
finishes in the worker and is answered from the cache."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from fullstory_client import FullstoryClient, FullstoryError
from local.fullstory_sim import FullstorySimulator
from opal_tools.problems import Problem
from platform_kit.settings import settings
from summary_store.budget import ActivationBudget, BudgetExhausted
from summary_store.table import DONE, FAILED, SummaryTable
from tests.summaries.conftest import ThreadWorker, lambda_context
from tools.summary_cache import CLAIM_S, Ready, Running, SummaryCache
from tools.summary_jobs import request_body
from tools.summary_profiles import CONFIGURATIONS, custom_configuration
from tools.summary_worker import make_summary

QUICK = CONFIGURATIONS["quick"]


def _dynamodb() -> Any:
    from platform_kit import aws

    return aws.dynamodb()


class Clock:
    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _cache(
    table_name: str, *, limit: int = 0, ttl_h: int = 168, clock: Callable[[], float] | None = None
) -> tuple[SummaryCache, ThreadWorker]:
    import time

    tick = clock or time.time
    table = SummaryTable(table_name, _dynamodb(), tick)
    budget = ActivationBudget(table_name, _dynamodb(), limit, tick)
    worker = ThreadWorker(table, ActivationBudget(table_name, _dynamodb(), 0, tick))  # as the worker has it
    return SummaryCache(table, budget, worker.launch, ttl_h * 3600, tick), worker


def _client(simulator: FullstorySimulator, seconds: float = 20.0) -> FullstoryClient:
    client = FullstoryClient(simulator.api_key, base_url=simulator.base_url, backoff_base=0.01)
    client.set_time_budget(seconds)
    return client


def _asked(simulator: FullstorySimulator, session_id: str) -> int:
    return sum(r.session_id == session_id for r in simulator.summary_requests.entries())


def test_a_repeated_summary_is_asked_of_fullstory_once(simulator: FullstorySimulator, table_name: str) -> None:
    cache, worker = _cache(table_name)
    session = simulator.data.sessions[40].id
    first = cache.summary(_client(simulator), session, QUICK)
    second = cache.summary(_client(simulator), session, QUICK)
    assert isinstance(first, Ready) and isinstance(second, Ready)
    assert (first.cached, second.cached) == (False, True)
    assert first.result == second.result and first.result["summary"]
    assert first.generated_at == second.generated_at and first.generated_at
    assert _asked(simulator, session) == 1 and len(worker.jobs) == 1
    assert cache.budget_state() == {
        "limit": None,
        "used": 1,
        "remaining": None,
        "resetsAt": cache.budget_state()["resetsAt"],
    }  # type: ignore[index]


def test_what_shapes_the_summary_is_in_the_key(simulator: FullstorySimulator, table_name: str) -> None:
    cache, _ = _cache(table_name)
    session = simulator.data.sessions[41].id
    for temperature in (0.2, 0.3, 0.2):
        assert isinstance(
            cache.summary(_client(simulator), session, custom_configuration("Be brief.", "Say it.", temperature)), Ready
        )
    assert _asked(simulator, session) == 2  # 0.2 again came from the cache


def test_two_identical_requests_at_once_pay_once(simulator: FullstorySimulator, table_name: str) -> None:
    cache, worker = _cache(table_name)
    session = simulator.data.sessions[42].id
    worker.release.clear()  # the worker's event waits until both calls have asked
    start = threading.Barrier(2)
    outcomes: list[Any] = []

    def ask() -> None:
        start.wait(10)
        outcomes.append(cache.summary(_client(simulator), session, QUICK))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    while len(worker.jobs) < 1:
        threading.Event().wait(0.01)
    threading.Event().wait(0.3)  # both are waiting on the one claim now
    worker.release.set()
    for thread in threads:
        thread.join(30)
    assert all(isinstance(o, Ready) for o in outcomes) and len(outcomes) == 2
    assert sorted(o.cached for o in outcomes) == [False, True]
    assert _asked(simulator, session) == 1 and len(worker.jobs) == 1
    assert cache.budget_state()["used"] == 1  # type: ignore[index]


def test_the_budget_counter_never_passes_the_budget_under_concurrent_spends(table_name: str) -> None:
    budget = ActivationBudget(table_name, _dynamodb(), limit=7)
    start = threading.Barrier(24)
    spent: list[int] = []
    refused: list[BudgetExhausted] = []

    def spend() -> None:
        start.wait(10)
        try:
            spent.append(budget.spend().used)
        except BudgetExhausted as exhausted:
            refused.append(exhausted)

    threads = [threading.Thread(target=spend) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(spent) == [1, 2, 3, 4, 5, 6, 7]
    assert len(refused) == 17 and all(r.state.used == 7 for r in refused)
    assert budget.state().used == 7


def test_a_budget_of_two_allows_two_summaries_refuses_a_third_and_still_serves_the_two(
    simulator: FullstorySimulator, table_name: str
) -> None:
    cache, worker = _cache(table_name, limit=2)
    a, b, c = (simulator.data.sessions[i].id for i in (43, 44, 45))
    for session in (a, b):
        assert isinstance(cache.summary(_client(simulator), session, QUICK), Ready)
    assert cache.budget_state()["remaining"] == 0  # type: ignore[index]
    for _ in range(2):  # refused again, not left claimed
        with pytest.raises(Problem) as refused:
            cache.summary(_client(simulator), c, QUICK)
        problem = refused.value
        assert (problem.status, problem.error_code) == (429, "ACTIVATION_BUDGET_EXHAUSTED")
        assert "may spend 2 " in problem.detail and "counted 2 this month" in problem.detail
        resets = cache.budget_state()["resetsAt"]  # type: ignore[index]
        assert f"resets at {resets}" in problem.detail and problem.retry_after and problem.retry_after > 0
    assert _asked(simulator, c) == 0 and len(worker.jobs) == 2
    for session in (a, b):
        again = cache.summary(_client(simulator), session, QUICK)
        assert isinstance(again, Ready) and again.cached
    assert cache.budget_state()["used"] == 2  # type: ignore[index]


def test_a_slow_summary_answers_running_then_the_cached_result_paid_once(
    simulator: FullstorySimulator, table_name: str
) -> None:
    cache, worker = _cache(table_name)
    session = simulator.data.sessions[46].id
    simulator.summary_latency_s = 2.0
    try:
        first = cache.summary(_client(simulator, seconds=0.6), session, QUICK)
        assert isinstance(first, Running) and first.retry_after_s >= 5
        again_soon = cache.summary(_client(simulator, seconds=0.3), session, QUICK)
        assert isinstance(again_soon, Running)  # still being made: waited for, not asked again
        worker.join()
    finally:
        simulator.summary_latency_s = 0.0
    later = cache.summary(_client(simulator), session, QUICK)
    assert isinstance(later, Ready) and later.cached and later.result["summary"]
    assert _asked(simulator, session) == 1 and worker.outcomes == ["done"]


def test_a_failed_summary_keeps_no_result_says_why_and_the_next_call_tries_again(
    simulator: FullstorySimulator, table_name: str
) -> None:
    cache, worker = _cache(table_name)
    session = simulator.data.sessions[47].id
    simulator.inject(r"/summary$", status=500, times=1, after_processing=True)
    with pytest.raises(Problem) as failed:
        cache.summary(_client(simulator), session, QUICK)
    assert failed.value.status == 502 and failed.value.error_code == "FULLSTORY_UNAVAILABLE"
    [job] = worker.jobs
    entry = cache.table.read(job.key)  # type: ignore[union-attr]
    assert entry is not None and entry.state == FAILED and entry.result is None
    retried = cache.summary(_client(simulator), session, QUICK)
    assert isinstance(retried, Ready) and not retried.cached
    assert _asked(simulator, session) == 2 and worker.outcomes == ["failed", "done"]


def test_a_second_delivery_of_the_worker_event_asks_nothing(simulator: FullstorySimulator, table_name: str) -> None:
    cache, worker = _cache(table_name)
    session = simulator.data.sessions[48].id
    assert isinstance(cache.summary(_client(simulator), session, QUICK), Ready)
    [job] = worker.jobs
    assert make_summary(job, cache.table, lambda_context(120)) == "skipped"  # type: ignore[arg-type]
    assert _asked(simulator, session) == 1
    entry = cache.table.read(job.key)  # type: ignore[union-attr]
    assert entry is not None and entry.state == DONE


def test_a_dead_workers_claim_lapses_and_the_next_call_makes_the_summary(
    simulator: FullstorySimulator, table_name: str
) -> None:
    clock = Clock()
    cache, worker = _cache(table_name, clock=clock)
    session = simulator.data.sessions[49].id
    lost: list[Any] = []
    cache.launch = lost.append  # the invocation was accepted, and the worker died before asking
    assert isinstance(cache.summary(_client(simulator, seconds=0.3), session, QUICK), Running)
    assert isinstance(cache.summary(_client(simulator, seconds=0.3), session, QUICK), Running)  # still claimed
    clock.now += CLAIM_S + 1
    cache.launch = worker.launch
    made = cache.summary(_client(simulator), session, QUICK)
    assert isinstance(made, Ready) and not made.cached and len(lost) == 1
    assert _asked(simulator, session) == 1


def test_with_caching_off_every_summary_is_asked_and_counted(simulator: FullstorySimulator, table_name: str) -> None:
    cache, worker = _cache(table_name, ttl_h=0)
    session = simulator.data.sessions[50].id
    for _ in range(2):
        made = cache.summary(_client(simulator), session, QUICK)
        assert isinstance(made, Ready) and not made.cached
    assert _asked(simulator, session) == 2 and worker.jobs == []
    assert cache.budget_state()["used"] == 2  # type: ignore[index]


def test_the_request_body_is_what_the_worker_sends(simulator: FullstorySimulator, table_name: str) -> None:
    cache, _ = _cache(table_name)
    session = simulator.data.sessions[51].id
    assert isinstance(cache.summary(_client(simulator), session, QUICK), Ready)
    assert simulator.summary_requests.last().body == request_body(QUICK, None)


def _emf(text: str, name: str) -> list[dict[str, Any]]:
    import json

    lines = [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]
    return [line for line in lines if name in line]


def test_each_activation_spent_emits_one_metric_and_the_months_count(
    simulator: FullstorySimulator, table_name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    cache, _ = _cache(table_name, limit=5)
    sessions = [simulator.data.sessions[i].id for i in (52, 53)]
    capsys.readouterr()
    for session in [*sessions, sessions[0]]:  # the last one is a cache hit: nothing spent
        assert isinstance(cache.summary(_client(simulator), session, QUICK), Ready)
    out = capsys.readouterr().out
    spent, counts = _emf(out, "ActivationSpent"), _emf(out, "ActivationsThisMonth")
    assert [line["ActivationSpent"] for line in spent] == [[1.0], [1.0]]
    assert [line["ActivationsThisMonth"] for line in counts] == [[1.0], [2.0]]
    namespace = settings().metrics_namespace  # the template's POWERTOOLS_METRICS_NAMESPACE
    assert all(line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == namespace for line in spent + counts)
    assert all(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]] for line in spent + counts)


def test_a_result_the_table_cannot_keep_is_a_failure_not_a_claim_left_running(
    simulator: FullstorySimulator, table_name: str
) -> None:
    import json

    cache, worker = _cache(table_name)
    session = simulator.data.sessions[54].id
    huge = json.dumps({"summary": "x" * 450_000})  # beyond DynamoDB's 400 KB item
    simulator.inject(r"/summary$", status=200, body=huge, times=1)
    with pytest.raises(Problem) as failed:
        cache.summary(_client(simulator), session, QUICK)
    assert failed.value.error_code == "SUMMARY_NOT_KEPT" and worker.outcomes == ["failed"]
    [job] = worker.jobs
    entry = cache.table.read(job.key)  # type: ignore[union-attr]
    assert entry is not None and entry.state == FAILED and entry.result is None


@pytest.mark.parametrize("ttl_h", [168, 0], ids=["through the worker", "caching off"])
def test_a_summary_fullstory_refuses_outright_gives_its_activation_back(
    simulator: FullstorySimulator, table_name: str, ttl_h: int
) -> None:
    cache, _ = _cache(table_name, limit=3, ttl_h=ttl_h)
    missing = "1234567890123456:9876543210987654"  # no such session: Fullstory answers 404
    for _ in range(4):  # more refusals than the budget: none of them spends it
        with pytest.raises(Problem) as refused:
            cache.summary(_client(simulator), missing, QUICK)
        assert refused.value.error_code == "SESSION_NOT_FOUND"
    assert cache.budget_state()["used"] == 0  # type: ignore[index]
    simulator.inject(r"/summary$", status=500, times=1, after_processing=True)  # may have been made: counted
    with pytest.raises((Problem, FullstoryError)):  # a problem from the worker; caching off: the error itself
        cache.summary(_client(simulator), simulator.data.sessions[55].id, QUICK)
    assert cache.budget_state()["used"] == 1  # type: ignore[index]


def test_a_session_that_may_still_be_recording_is_cached_briefly(
    simulator: FullstorySimulator, table_name: str
) -> None:
    import time

    cache, _ = _cache(table_name)
    lifetimes = {}
    for index, age_s in ((56, 10 * 60), (57, 3 * 86_400)):
        session = simulator.data.sessions[index].id
        started = cache.begin(_client(simulator), session, QUICK, started_at=time.time() - age_s)
        assert not isinstance(started, Ready)
        [done] = cache.wait([started], 20)
        assert isinstance(done, Ready)
        entry = cache.table.read(started.key)  # type: ignore[union-attr]
        assert entry is not None
        lifetimes[age_s] = entry.expires_at - time.time()
    assert 25 * 60 < lifetimes[10 * 60] <= 30 * 60  # started 10 minutes ago: may still be recording
    assert lifetimes[3 * 86_400] > 167 * 3600  # long over: the full SummaryCacheTtlHours
