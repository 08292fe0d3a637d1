"""Runs of the export workflow (Step Functions, Standard): start once per Opal tool call, read back.

A Standard workflow's execution name is unique for 90 days: the run for an Opal call is named
after its ``tool_call_id``, so when Opal sends the same call again StartExecution returns the run
that already exists (or says it exists) instead of starting a second export.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from platform_kit.aws import NotConfigured, sfn
from platform_kit.settings import STATE_MACHINE_ENV, settings

_NAME_OK = re.compile(r"[^A-Za-z0-9_-]+")
_EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
# The names execution_name gives, and an execution ARN: what no Fullstory id looks like.
_OUR_EXECUTION_ID = re.compile(
    r"(?:arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:execution:[A-Za-z0-9_-]+:)?"
    r"(?:manual-[0-9a-f]{32}|opal-(?:[A-Za-z0-9_-]{1,40}-)?[0-9a-f]{16})"
)
# States whose Lambda output is the job's progress, as the history shows it.
PROGRESS_STATES = ("CreateExport", "CheckExport")


def state_machine_arn() -> str:
    arn = settings().export_state_machine_arn
    if not arn:
        raise NotConfigured(f"{STATE_MACHINE_ENV} is not set")
    return arn


def execution_name(tool_call_id: str | None) -> str:
    """Deterministic for an Opal call (the idempotency key); random for a call without one."""
    if tool_call_id is None:
        return f"manual-{uuid.uuid4().hex}"
    readable = _NAME_OK.sub("-", tool_call_id).strip("-")[:40]
    digest = hashlib.sha256(tool_call_id.encode()).hexdigest()[:16]
    return f"opal-{readable}-{digest}" if readable else f"opal-{digest}"


def is_execution_id(text: str) -> bool:
    """Whether ``text`` is an executionId (or executionArn) fullstory_export_segment answers."""
    return _OUR_EXECUTION_ID.fullmatch(text.strip()) is not None


@dataclass(frozen=True)
class Started:
    arn: str
    name: str
    start_date: datetime | None
    already_existed: bool
    status: str = "RUNNING"


@dataclass(frozen=True)
class Progress:
    """The export's last known progress, as the task that read it answered, and when it answered."""

    job: dict[str, Any]
    at: datetime | None

    @property
    def next_check_at(self) -> datetime | None:
        """When the run's Wait ends and it asks Fullstory again (None before the first answer)."""
        wait = (self.job.get("poll") or {}).get("waitSeconds")
        if self.at is None or not isinstance(wait, int) or self.job.get("state") != "PENDING":
            return None
        return self.at + timedelta(seconds=wait)


@dataclass(frozen=True)
class ExportRuns:
    """The runs of the stack's export workflow, for the tools that start or read them."""

    state_machine_arn: str

    @classmethod
    def configured(cls) -> ExportRuns:
        return cls(state_machine_arn())

    def execution_arn(self, name: str) -> str:
        prefix, _, machine = self.state_machine_arn.partition(":stateMachine:")
        return f"{prefix}:execution:{machine}:{name}"

    def resolve(self, execution_id: str) -> str | None:
        """The ARN for an executionId (a name or an ARN of this workflow); None for anything else."""
        text = execution_id.strip()
        if text.startswith("arn:"):
            own_prefix = self.execution_arn("")
            name = text[len(own_prefix) :] if text.startswith(own_prefix) else ""
            return text if _EXECUTION_NAME.match(name) else None
        return self.execution_arn(text) if _EXECUTION_NAME.match(text) else None

    def start(self, execution_input: dict[str, Any], name: str) -> Started:
        """Starts the run, or finds the one this name already started (never a second run)."""
        client = sfn()
        # Same input text on a repeated call: StartExecution then returns the running execution.
        text = json.dumps(execution_input, sort_keys=True, separators=(",", ":"))
        try:
            started = client.start_execution(stateMachineArn=self.state_machine_arn, name=name, input=text)
        except client.exceptions.ExecutionAlreadyExists:
            # Finished already, or Opal resent the call with a different envelope: report that run.
            arn = self.execution_arn(name)
            found = client.describe_execution(executionArn=arn)
            return Started(arn, name, found.get("startDate"), already_existed=True, status=found["status"])
        return Started(started["executionArn"], name, started.get("startDate"), already_existed=False)

    def describe(self, arn: str) -> dict[str, Any] | None:
        client = sfn()
        try:
            return dict(client.describe_execution(executionArn=arn))
        except client.exceptions.ExecutionDoesNotExist:
            return None

    def latest_job(self, arn: str) -> Progress | None:
        """The export's last known progress (state, percent, step, polls), from the run's history."""
        history = sfn().get_execution_history(executionArn=arn, reverseOrder=True, maxResults=40)
        for event in history.get("events", []):
            details: Any = event.get("stateExitedEventDetails")
            if not isinstance(details, dict) or details.get("name") not in PROGRESS_STATES:
                continue
            try:
                output = json.loads(details.get("output") or "{}")
            except ValueError:
                return None
            job = output.get("job") if isinstance(output, dict) else None
            payload = job.get("Payload") if isinstance(job, dict) else None  # the task function's answer
            at = event.get("timestamp")
            return Progress(payload, at if isinstance(at, datetime) else None) if isinstance(payload, dict) else None
        return None
