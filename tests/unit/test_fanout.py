"""The deadline-aware fan-out: order, bounded concurrency, no late starts, errors per task, no thread left."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from opal_tools.fanout import NOT_STARTED, RUNNING, Done, Failed, Outcome, Task, fan_out

NAME = "fanout-test"


def _ours() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(f"{NAME}_")]


@pytest.fixture(autouse=True)
def _no_thread_left_behind() -> Iterator[None]:
    yield
    assert _ours() == []


def _values(outcomes: list[Outcome[int]]) -> list[int]:
    assert all(isinstance(o, Done) for o in outcomes), outcomes
    return [o.value for o in outcomes if isinstance(o, Done)]


def test_outcomes_come_in_input_order_whatever_order_the_tasks_finish_in() -> None:
    # Task i may only return once task i+1 has: they finish last-to-first.
    count = 6
    returned = [threading.Event() for _ in range(count + 1)]
    returned[count].set()

    def task(i: int) -> Task[int]:
        def run(budget: float | None) -> int:
            assert returned[i + 1].wait(10)
            returned[i].set()
            return i * 10

        return run

    outcomes = fan_out([task(i) for i in range(count)], within_s=20, max_concurrency=count, name=NAME)
    assert _values(outcomes) == [i * 10 for i in range(count)]


def test_concurrency_reaches_its_bound_and_never_exceeds_it() -> None:
    bound = 3
    lock = threading.Lock()
    active = peak = 0
    # Each task waits until `bound` tasks run at once: a pool that ran fewer would break the barrier
    # (and the tasks would fail); one that ran more would show a higher peak.
    together = threading.Barrier(bound, timeout=10)

    def run(budget: float | None) -> int:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        together.wait()
        with lock:
            active -= 1
        return 1

    outcomes = fan_out([run] * (bound * 4), within_s=30, max_concurrency=bound, name=NAME)
    assert _values(outcomes) == [1] * (bound * 4)
    assert peak == bound


def test_tasks_not_started_before_the_deadline_are_never_started() -> None:
    started: list[int] = []
    budgets: list[float | None] = []

    def task(i: int) -> Task[int]:
        def run(budget: float | None) -> int:
            started.append(i)
            budgets.append(budget)
            threading.Event().wait(budget)  # a task that uses all of its time, as a slow request does
            return i

        return run

    outcomes = fan_out([task(i) for i in range(4)], within_s=0.6, max_concurrency=1, min_start_s=0.1, name=NAME)
    assert started == [0]
    assert outcomes[1:] == [NOT_STARTED] * 3
    assert outcomes[0] == Done(0)  # it ended at the deadline, within the grace
    assert budgets[0] is not None and 0.1 <= budgets[0] <= 0.6


def test_nothing_starts_when_less_than_the_minimum_time_is_left() -> None:
    started: list[float | None] = []
    outcomes = fan_out([started.append] * 3, within_s=0.2, max_concurrency=3, min_start_s=0.5, name=NAME)
    assert outcomes == [NOT_STARTED] * 3 and started == []


def test_each_task_gets_the_time_it_may_still_use() -> None:
    # Sequential tasks: the second starts after the first, so with less time left.
    budgets: list[float | None] = []
    first_done = threading.Event()

    def first(budget: float | None) -> int:
        budgets.append(budget)
        first_done.set()
        return 0

    def second(budget: float | None) -> int:
        assert first_done.is_set()
        budgets.append(budget)
        return 1

    assert _values(fan_out([first, second], within_s=10, max_concurrency=1, name=NAME)) == [0, 1]
    assert budgets[0] is not None and budgets[1] is not None
    assert 10 >= budgets[0] >= budgets[1] > 9
    assert fan_out([budgets.append], within_s=None, max_concurrency=1, name=NAME) == [Done(None)]
    assert budgets[-1] is None  # no deadline: unbounded


def test_exceptions_are_kept_per_task() -> None:
    errors = {i: ValueError(f"task {i}") for i in (1, 3)}

    def task(i: int) -> Task[int]:
        def run(budget: float | None) -> int:
            if i in errors:
                raise errors[i]
            return i

        return run

    outcomes = fan_out([task(i) for i in range(5)], within_s=10, max_concurrency=2, name=NAME)
    assert outcomes == [Done(0), Failed(errors[1]), Done(2), Failed(errors[3]), Done(4)]
    assert all(o.error is errors[i] for i, o in enumerate(outcomes) if isinstance(o, Failed))


def test_no_worker_thread_is_alive_after_return() -> None:
    def run(budget: float | None) -> str:
        threading.Event().wait(budget)  # bounded by its budget, like a request with that timeout
        return "cut short"

    outcomes = fan_out([run] * 6, within_s=1.0, max_concurrency=4, min_start_s=0.2, grace_s=2.0, name=NAME)
    assert _ours() == []
    assert outcomes == [Done("cut short")] * 4 + [NOT_STARTED] * 2


def test_a_task_that_ignores_its_budget_is_left_behind_after_the_grace_and_its_result_dropped() -> None:
    release = threading.Event()
    watchdog = threading.Timer(20, release.set)  # the helper must have returned long before
    watchdog.start()
    finished = threading.Event()

    def stuck(budget: float | None) -> str:
        release.wait()
        finished.set()
        return "too late"

    def quick(budget: float | None) -> str:
        return "quick"

    runs: list[Callable[[float | None], str]] = [stuck, quick]
    outcomes = fan_out(runs, within_s=0.2, max_concurrency=2, grace_s=0.1, min_start_s=0.0, name=NAME)
    assert not release.is_set(), "fan_out waited for a task past its deadline and grace"
    assert outcomes == [RUNNING, Done("quick")]
    release.set()
    watchdog.cancel()
    assert finished.wait(10)
    for thread in _ours():
        thread.join(10)
    assert outcomes == [RUNNING, Done("quick")]  # the late result changed nothing returned
