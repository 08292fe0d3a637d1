"""The summary cache against moto's DynamoDB (the template's own table definition) and the loopback
simulator; the worker's logic run on threads where Lambda would invoke it asynchronously."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from local.lambda_runtime import LambdaContext
from local.tables import create_tables
from local.template import load_template


@pytest.fixture
def table_name(aws: Any) -> Iterator[str]:
    """The template's SummaryTable in moto (inside the ``aws`` fixture's mock); its name."""
    from platform_kit import aws as clients

    clients.reset()
    refs: dict[str, str] = {}
    create_tables(load_template(), refs)
    yield refs["SummaryTable"]
    clients.reset()


def lambda_context(timeout_s: int, name: str = "test") -> LambdaContext:
    return LambdaContext(function_name=name, memory_limit_in_mb=512, timeout_s=timeout_s)


class ThreadWorker:
    """Lambda's asynchronous invocation of the summary worker, in-process: the worker's own logic
    (``make_summary``) on a thread of its own, with the worker's timeout, calling the simulator."""

    def __init__(self, table: Any, budget: Any = None) -> None:
        self.table, self.budget = table, budget
        self.threads: list[threading.Thread] = []
        self.outcomes: list[str] = []
        self.jobs: list[Any] = []
        self.release = threading.Event()  # cleared: events wait in the queue
        self.release.set()

    def launch(self, job: Any) -> None:
        self.jobs.append(job)
        thread = threading.Thread(target=self._run, args=(job,), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _run(self, job: Any) -> None:
        from tools.summary_worker import make_summary

        self.release.wait(60)
        context = lambda_context(120, "SummaryWorkerFunction")
        self.outcomes.append(make_summary(job, self.table, context, self.budget))

    def join(self) -> None:
        for thread in self.threads:
            thread.join(90)
