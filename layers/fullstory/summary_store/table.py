"""Each cached summary's life in the table, moved on by conditional writes only.

An entry is ``pending`` once a call has claimed it (and paid for it), ``running`` once the worker
that makes it has started, then ``done`` (with the result) or ``failed`` (with the problem, and
nothing of a result). A claim lives ``claimUntil``: a worker that died leaves a claim that expires,
and the next call claims the entry again. ``expiresAt`` is the table's TTL attribute.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
FAILED_KEEP_S = 3600  # a failure is kept for a while to tell the calls waiting for it; then cleaned up
CLAIM_KEEP_S = 86_400  # an abandoned claim is cleaned up a day after it expired

Clock = Callable[[], float]


@dataclass(frozen=True)
class Entry:
    state: str
    claim_id: str
    claim_until: float
    expires_at: float
    claimed_at: float
    result: dict[str, Any] | None = None
    generated_at: str | None = None
    problem: dict[str, Any] | None = None

    def fresh(self, now: float) -> bool:
        """A result that may be served (DynamoDB deletes expired items late: up to days)."""
        return self.state == DONE and self.result is not None and self.expires_at > now

    def claimed(self, now: float) -> bool:
        """Someone is making it now: a live claim."""
        return self.state in (PENDING, RUNNING) and self.claim_until > now


def _number(item: dict[str, Any], name: str) -> float:
    return float(item[name]["N"]) if name in item else 0.0


def _json(item: dict[str, Any], name: str) -> dict[str, Any] | None:
    if name not in item:
        return None
    value = json.loads(item[name]["S"])
    return value if isinstance(value, dict) else None


def _entry(item: dict[str, Any]) -> Entry:
    return Entry(
        state=item.get("state", {}).get("S", ""),
        claim_id=item.get("claimId", {}).get("S", ""),
        claim_until=_number(item, "claimUntil"),
        expires_at=_number(item, "expiresAt"),
        claimed_at=_number(item, "claimedAt"),
        result=_json(item, "result"),
        generated_at=item.get("generatedAt", {}).get("S"),
        problem=_json(item, "problem"),
    )


def _n(value: float) -> dict[str, str]:
    return {"N": str(int(value))}


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class SummaryTable:
    """The summaries of the table ``name`` (a boto3 DynamoDB client's view of them)."""

    def __init__(self, name: str, client: Any, clock: Clock = time.time) -> None:
        self.name = name
        self._client = client
        self._clock = clock

    def _conditional(self, **request: Any) -> bool:
        try:
            self._client.update_item(TableName=self.name, **request)
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def read(self, key: str) -> Entry | None:
        """The entry as it is now (a strongly consistent read: a result written a moment ago is seen)."""
        found = self._client.get_item(TableName=self.name, Key={"pk": _s(key)}, ConsistentRead=True)
        item = found.get("Item")
        return _entry(item) if item else None

    def claim(self, key: str, claim_id: str, lifetime_s: float, session_id: str) -> bool:
        """Take the entry to make it: when there is none, or it failed, expired, or its claim lapsed.
        False: someone else holds a live claim, or a fresh result appeared meanwhile."""
        now = self._clock()
        until = now + lifetime_s
        try:
            self._client.put_item(
                TableName=self.name,
                Item={
                    "pk": _s(key),
                    "state": _s(PENDING),
                    "claimId": _s(claim_id),
                    "claimedAt": _n(now),
                    "claimUntil": _n(until),
                    "expiresAt": _n(until + CLAIM_KEEP_S),
                    "sessionId": _s(session_id),
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR #state = :failed "
                    "OR (#state = :done AND expiresAt <= :now) "
                    "OR (#state IN (:pending, :running) AND claimUntil <= :now)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":failed": _s(FAILED),
                    ":done": _s(DONE),
                    ":pending": _s(PENDING),
                    ":running": _s(RUNNING),
                    ":now": _n(now),
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def begin(self, key: str, claim_id: str, lifetime_s: float) -> bool:
        """The worker starts on its claim; False when the claim is no longer its own (a second
        delivery of the same invocation, or a claim that lapsed and was taken again)."""
        now = self._clock()
        return self._conditional(
            Key={"pk": _s(key)},
            UpdateExpression="SET #state = :running, claimUntil = :until",
            ConditionExpression="claimId = :claim AND #state = :pending AND claimUntil > :now",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":running": _s(RUNNING),
                ":pending": _s(PENDING),
                ":claim": _s(claim_id),
                ":until": _n(now + lifetime_s),
                ":now": _n(now),
            },
        )

    def finish(self, key: str, claim_id: str, result: dict[str, Any], ttl_s: float) -> bool:
        """The whole result, at once, by the claim's holder."""
        now = self._clock()
        return self._conditional(
            Key={"pk": _s(key)},
            UpdateExpression="SET #state = :done, #result = :result, generatedAt = :at, expiresAt = :expires "
            "REMOVE claimUntil",
            ConditionExpression="claimId = :claim",
            ExpressionAttributeNames={"#state": "state", "#result": "result"},
            ExpressionAttributeValues={
                ":done": _s(DONE),
                ":result": _s(json.dumps(result, ensure_ascii=False, separators=(",", ":"))),
                ":at": _s(iso(now)),
                ":expires": _n(now + ttl_s),
                ":claim": _s(claim_id),
            },
        )

    def fail(self, key: str, claim_id: str, problem: dict[str, Any]) -> bool:
        """No result, and why: the calls waiting for it say so; the next call claims it again."""
        now = self._clock()
        return self._conditional(
            Key={"pk": _s(key)},
            UpdateExpression="SET #state = :failed, problem = :problem, expiresAt = :expires REMOVE claimUntil",
            ConditionExpression="claimId = :claim",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":failed": _s(FAILED),
                ":problem": _s(json.dumps(problem, ensure_ascii=False)),
                ":expires": _n(now + FAILED_KEEP_S),
                ":claim": _s(claim_id),
            },
        )
