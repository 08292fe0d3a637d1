"""Peer (b): fullstory_list_segments served by Optimizely's Opal tools SDK (FastAPI) behind Mangum.

As the SDK's README shows it: a FastAPI app, a ToolsService with static-token auth (so the
bearer token is read from Secrets Manager at import, through a boto3 client), a pydantic
parameter model and an ``async def`` tool (plain ``def`` tools fail under the SDK). Fullstory is
called with httpx, which the SDK already depends on.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import httpx
from fastapi import FastAPI
from mangum import Mangum
from opal_tools_sdk import SdkConfig, ToolsService, tool
from pydantic import BaseModel, Field

secrets_client = boto3.client("secretsmanager")
BASE_URL = os.environ.get("FULLSTORY_API_BASE_URL", "https://api.fullstory.com").rstrip("/")


def get_secret(env_var: str) -> str:
    value: str = secrets_client.get_secret_value(SecretId=os.environ[env_var])["SecretString"]
    return value


app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
service = ToolsService(
    app,
    config=SdkConfig(auth_mode="static_token", bearer_token=get_secret("OPAL_BEARER_TOKEN_SECRET_ID")),
)
_api_key: list[str] = []


class ListSegmentsParams(BaseModel):
    limit: int = Field(20, ge=1, le=100, description="How many segments to return in this page.")
    paginationToken: str | None = Field(None, description="Token for the next page.")
    creator: str | None = Field(None, description="Only segments created by this email.")


@tool("fullstory_list_segments", "List the saved Fullstory segments, one page at a time.")
async def list_segments(parameters: ListSegmentsParams) -> dict[str, Any]:
    if not _api_key:
        _api_key.append(get_secret("FULLSTORY_API_KEY_SECRET_ID"))
    query: dict[str, Any] = {"limit": parameters.limit}
    if parameters.paginationToken:
        query["paginationToken"] = parameters.paginationToken
    if parameters.creator:
        query["creator"] = parameters.creator
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(
            f"{BASE_URL}/segments/v1", params=query, headers={"Authorization": f"Basic {_api_key[0]}"}
        )
    answer.raise_for_status()
    page = answer.json()
    segments = page.get("segments", [])
    return {"segments": segments, "count": len(segments), "nextPaginationToken": page.get("nextPaginationToken")}


lambda_handler = Mangum(app, lifespan="off")
