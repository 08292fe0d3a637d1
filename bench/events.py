"""API Gateway HTTP API (payload 2.0) events for tool calls, as Opal's POSTs arrive in Lambda."""

from __future__ import annotations

import json
from typing import Any

from .services import BEARER


def tool_event(tool: str, parameters: dict[str, Any], *, request_id: str = "bench-request") -> dict[str, Any]:
    path = f"/tools/{tool}"
    return {
        "version": "2.0",
        "routeKey": f"POST {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "authorization": f"Bearer {BEARER}",
            "content-type": "application/json",
            "host": "bench.execute-api.us-east-1.amazonaws.com",
            "x-opal-thread-id": "bench-thread",
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "bench.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "bench",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "bench",
            },
            "requestId": request_id,
            "routeKey": f"POST {path}",
            "stage": "$default",
            "time": "26/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1795003200000,
        },
        "body": json.dumps({"parameters": parameters}),
        "isBase64Encoded": False,
    }
