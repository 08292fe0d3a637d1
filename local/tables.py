"""template.yaml's DynamoDB tables in moto, made from their definitions (keys, billing, TTL)."""

from __future__ import annotations

from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"


def table_name(logical_id: str) -> str:
    return f"local-{logical_id}"


def create_tables(template: dict[str, Any], refs: dict[str, str]) -> dict[str, str]:
    """Creates each ``AWS::DynamoDB::Table`` in moto (which must be running); adds its Ref (the name)
    and ``.Arn`` to ``refs``. Returns logical id -> name."""
    import boto3

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
