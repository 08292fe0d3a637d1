"""Peer (a): fullstory_list_segments written the usual way for a Python tool Lambda.

Powertools' APIGatewayHttpResolver routes the HTTP API event, a boto3 Secrets Manager client is
created at import, the parameters and Fullstory's answer are pydantic models, and the call to
Fullstory goes through `requests`. The same work as ours: bearer check against a secret, the API
key from a secret (both cached for the container), one GET /segments/v1, a small JSON answer.
"""

from __future__ import annotations

import hmac
import os
from datetime import datetime
from typing import Any

import boto3
import requests
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, UnauthorizedError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

logger = Logger()
metrics = Metrics()
app = APIGatewayHttpResolver()
secrets_client = boto3.client("secretsmanager")
BASE_URL = os.environ.get("FULLSTORY_API_BASE_URL", "https://api.fullstory.com").rstrip("/")
_secrets: dict[str, str] = {}


def get_secret(env_var: str) -> str:
    secret_id = os.environ[env_var]
    if secret_id not in _secrets:
        _secrets[secret_id] = secrets_client.get_secret_value(SecretId=secret_id)["SecretString"]
    return _secrets[secret_id]


class ListSegmentsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=100)
    paginationToken: str | None = None
    creator: str | None = None


class Segment(BaseModel):
    id: str
    name: str = ""
    creator: str | None = None
    created: datetime | None = None
    url: str | None = None


class SegmentPage(BaseModel):
    segments: list[Segment] = []
    nextPaginationToken: str | None = None


@app.post("/tools/fullstory_list_segments")
def list_segments() -> Response[Any] | dict[str, Any]:
    presented = (app.current_event.get_header_value("authorization") or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(presented.encode(), get_secret("OPAL_BEARER_TOKEN_SECRET_ID").encode()):
        raise UnauthorizedError("Unauthorized")
    body = app.current_event.json_body or {}
    try:
        params = ListSegmentsParams.model_validate(body.get("parameters", {}))
    except ValidationError as exc:
        raise BadRequestError(str(exc)) from None
    query: dict[str, Any] = {"limit": params.limit}
    if params.paginationToken:
        query["paginationToken"] = params.paginationToken
    if params.creator:
        query["creator"] = params.creator
    answer = requests.get(
        f"{BASE_URL}/segments/v1",
        params=query,
        headers={"Authorization": f"Basic {get_secret('FULLSTORY_API_KEY_SECRET_ID')}"},
        timeout=10,
    )
    answer.raise_for_status()
    page = SegmentPage.model_validate(answer.json())
    metrics.add_metric(name="ToolCall", unit=MetricUnit.Count, value=1)
    return {
        "segments": [s.model_dump(mode="json") for s in page.segments],
        "count": len(page.segments),
        "nextPaginationToken": page.nextPaginationToken,
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
