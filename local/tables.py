"""template.yaml's DynamoDB tables in moto, made from their definitions (keys, billing, TTL)."""

from __future__ import annotations

import functools
import threading
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"


def table_name(logical_id: str) -> str:
    return f"local-{logical_id}"


_ITEM_OPERATIONS = ("put_item", "get_item", "update_item", "delete_item")
_atomic = threading.Lock()
_one_at_a_time = threading.RLock()


def make_item_operations_atomic() -> None:
    """DynamoDB applies each conditional write atomically; moto's in-process backend runs them on the
    callers' threads without a lock, so two concurrent ``ADD`` updates can both pass their condition.
    One lock around its item operations gives moto DynamoDB's guarantee (once per process)."""
    from moto.dynamodb.models import DynamoDBBackend

    with _atomic:
        if getattr(DynamoDBBackend, "_local_atomic", False):
            return
        for name in _ITEM_OPERATIONS:
            original = getattr(DynamoDBBackend, name)

            @functools.wraps(original)
            def serialised(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
                with _one_at_a_time:
                    return __original(self, *args, **kwargs)

            setattr(DynamoDBBackend, name, serialised)
        setattr(DynamoDBBackend, "_local_atomic", True)  # noqa: B010 - a mark on a class not ours


def create_tables(template: dict[str, Any], refs: dict[str, str]) -> dict[str, str]:
    """Creates each ``AWS::DynamoDB::Table`` in moto (which must be running); adds its Ref (the name)
    and ``.Arn`` to ``refs``. Returns logical id -> name."""
    import boto3

    make_item_operations_atomic()
    client = boto3.client("dynamodb", region_name=REGION)
    created: dict[str, str] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::DynamoDB::Table":
            continue
        props = resource.get("Properties") or {}
        name = table_name(logical_id)
        client.create_table(
            TableName=name,
            KeySchema=props["KeySchema"],
            AttributeDefinitions=props["AttributeDefinitions"],
            BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"),
        )
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
            )
        refs[logical_id] = name
        refs[f"{logical_id}.Arn"] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
        created[logical_id] = name
    return created
