"""The monthly Activation budget: one counter per calendar month (UTC), moved by atomic updates.

A summary is counted before it is asked for; a count that would pass the budget is refused by
DynamoDB's condition, so concurrent calls can never spend more than the budget between them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .keys import month_key, next_month

MONTH_KEEP_S = 40 * 86_400  # a month's counter is cleaned up well after the month ended


@dataclass(frozen=True)
class BudgetState:
    limit: int  # 0: unlimited
    used: int
    resets_at: str  # ISO 8601, UTC: the first moment of the next month

    def as_dict(self) -> dict[str, Any]:
        """What AI answers carry: ``limit`` and ``remaining`` are null when the budget is unlimited."""
        return {
            "limit": self.limit or None,
            "used": self.used,
            "remaining": max(0, self.limit - self.used) if self.limit else None,
            "resetsAt": self.resets_at,
        }


class BudgetExhausted(Exception):
    """Spending one more Activation would pass the month's budget."""

    def __init__(self, state: BudgetState, retry_after_s: int) -> None:
        super().__init__(f"monthly Activation budget {state.limit} reached ({state.used} used)")
        self.state = state
        self.retry_after_s = retry_after_s


class ActivationBudget:
    def __init__(self, table: str, client: Any, limit: int, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self.limit = limit
        self._client = client
        self._clock = clock

    def _resets(self, now: float) -> tuple[str, float]:
        end = next_month(now)
        return end.isoformat().replace("+00:00", "Z"), end.timestamp()

    def state(self) -> BudgetState:
        now = self._clock()
        found = self._client.get_item(TableName=self.table, Key={"pk": {"S": month_key(now)}}, ConsistentRead=True)
        used = int((found.get("Item") or {}).get("used", {}).get("N", "0"))
        return BudgetState(self.limit, used, self._resets(now)[0])

    def spend(self) -> BudgetState:
        """Count one Activation (this month's count after it); ``BudgetExhausted`` when it would pass the budget."""
        now = self._clock()
        resets_at, end = self._resets(now)
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"pk": {"S": month_key(now)}},
            "UpdateExpression": "ADD used :one SET expiresAt = if_not_exists(expiresAt, :expires)",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":expires": {"N": str(int(end + MONTH_KEEP_S))}},
            "ReturnValues": "UPDATED_NEW",
        }
        if self.limit:
            request["ConditionExpression"] = "attribute_not_exists(used) OR used < :limit"
            request["ExpressionAttributeValues"][":limit"] = {"N": str(self.limit)}
        try:
            updated = self._client.update_item(**request)
        except self._client.exceptions.ConditionalCheckFailedException:
            state = self.state()
            raise BudgetExhausted(state, max(1, int(end - now))) from None
        return BudgetState(self.limit, int(updated["Attributes"]["used"]["N"]), resets_at)

    def refund(self) -> None:
        """Give back an Activation counted for a summary that was never asked for."""
        now = self._clock()
        # A new month may have begun meanwhile: its counter owes nothing.
        with contextlib.suppress(self._client.exceptions.ConditionalCheckFailedException):
            self._client.update_item(
                TableName=self.table,
                Key={"pk": {"S": month_key(now)}},
                UpdateExpression="ADD used :minus",
                ConditionExpression="used > :zero",
                ExpressionAttributeValues={":minus": {"N": "-1"}, ":zero": {"N": "0"}},
            )
