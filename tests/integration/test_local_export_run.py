"""A delivered export through `make run`'s server, as a newcomer sees it: it checks Fullstory soon
after (LOCAL_EXPORT_WAIT_SCALE), the status tool says when the next check comes and the run's
history agrees, moto's interpreter prints no internal error for a run without a callback, and the
answer's download link works locally."""

from __future__ import annotations

import gzip
import json
import logging
import math
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import pytest
import requests

from local.fullstory_sim import FullstorySimulator
from local.server import LOCAL_EXPORT_WAIT_SCALE, LocalToolServer
from local.workflows import REGION
from segment_exports.polling import MIN_WAIT_S
from tools.export_request import EXAMPLE_EXPORT

GUARD_S = 90  # not a speed check: a run waiting AWS's 60 s per check would still end; this one must


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


@dataclass
class Run:
    server: LocalToolServer
    started: dict[str, Any]
    answers: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    logged: list[str] = field(default_factory=list)


def _call(server: LocalToolServer, tool: str, parameters: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(
        f"{server.base_url}/tools/{tool}",
        json={"parameters": parameters},
        headers={"Authorization": f"Bearer {server.bearer_token}"},
        timeout=30,
    )
    assert answer.status_code in (200, 202), answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture(scope="module")
def run(simulator: FullstorySimulator) -> Iterator[Run]:
    records = _Records()
    moto_logger = logging.getLogger("moto")
    moto_logger.addHandler(records)
    try:
        with LocalToolServer(simulator=simulator, bearer_token="local-token") as server:
            done = Run(server, _call(server, "fullstory_export_segment", EXAMPLE_EXPORT))
            deadline = time.monotonic() + GUARD_S
            while time.monotonic() < deadline:
                answer = _call(server, "fullstory_get_export_status", {"executionId": done.started["executionId"]})
                done.answers.append(answer)
                if answer["status"] != "RUNNING":
                    break
                time.sleep(0.5)
            sfn = boto3.client("stepfunctions", region_name=REGION)
            done.history = sfn.get_execution_history(executionArn=done.started["executionArn"])["events"]
            done.logged = list(records.lines)
            yield done
    finally:
        moto_logger.removeHandler(records)


def test_the_local_export_is_delivered_after_short_waits(run: Run) -> None:
    assert run.answers[-1]["status"] == "SUCCEEDED", run.answers[-1]
    waits = [
        json.loads(event["stateExitedEventDetails"]["output"])["job"]["Payload"]["poll"]["waitSeconds"]
        for event in run.history
        if event.get("stateExitedEventDetails", {}).get("name") in ("CreateExport", "CheckExport")
    ]
    scaled = math.ceil(MIN_WAIT_S * float(LOCAL_EXPORT_WAIT_SCALE))
    assert waits and max(waits) <= scaled < MIN_WAIT_S


def test_the_status_tools_next_check_is_when_the_run_checks(run: Run) -> None:
    hinted = [a for a in run.answers if (a.get("progress") or {}).get("nextCheckAt")]
    assert hinted, run.answers
    first = hinted[0]
    due = datetime.fromisoformat(first["progress"]["nextCheckAt"])
    assert first["progress"]["nextCheckAt"] in first["next"] or "checking" in first["next"]
    # The CheckExport the run started after the Wait the hint describes.
    entered = [
        e["timestamp"]
        for e in run.history
        if e["type"] == "TaskStateEntered" and e["stateEnteredEventDetails"]["name"] == "CheckExport"
    ]
    assert entered, "the run never checked the export"
    # Not before the hint says; later only by what the loaded machine adds to moto's sleep.
    assert -1 <= (entered[0] - due).total_seconds() <= 10


def test_a_run_without_a_callback_logs_no_internal_error(run: Run) -> None:
    assert "callback" not in run.started
    assert not [line for line in run.logged if "NoSuchJsonPath" in line or "$.callback" in line], run.logged


def test_the_download_link_in_the_answer_works_locally(run: Run) -> None:
    result = run.answers[-1]["result"]
    link = result["downloadUrl"]
    assert link.startswith(f"{run.server.base_url}/__local/s3/")
    # urllib, as curl would: moto's mock of `requests` claims any URL that names an S3 host.
    with urllib.request.urlopen(link, timeout=30) as got:  # noqa: S310 - the local server
        assert got.status == 200
        content = got.read()
    rows = gzip.decompress(content).decode().splitlines()
    assert rows and json.loads(rows[0])
    assert len(content) == result["sizeBytes"]
