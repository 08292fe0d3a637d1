"""An OpenAPI 3.1 document of the tool endpoints, from the same specs as discovery.

For people and generic clients (Postman, API gateways, tests); Opal itself reads /discovery.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic.json_schema import models_json_schema

from .spec import ToolSpec

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "error_code": {"type": "string"},
        "retry_after": {"type": "integer", "description": "Seconds to wait before trying again (429)."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"parameter": {"type": "string"}, "problem": {"type": "string"}},
            },
        },
        "request_id": {"type": "string"},
    },
    "required": ["title", "status", "detail", "error_code"],
}
_PROBLEMS = {
    "400": "Invalid parameters: each bad parameter is named in `errors`.",
    "401": "Missing or wrong bearer token.",
    "403": "Not permitted: by the service the tool calls, or a feature turned off for this installation.",
    "404": "Not found: what the tool looked up, or the tool itself when it is not enabled.",
    "429": "Rate limited; see `retry_after`.",
    "502": "The service the tool calls failed, or refused the registry's credentials.",
    "503": "Not configured yet (e.g. no credentials in the secret), or a dependency is unavailable.",
    "504": "The service the tool calls did not answer in time.",
}


def _problem(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {"application/problem+json": {"schema": schema}}}


def _operation(spec: ToolSpec, parameters_ref: dict[str, Any]) -> dict[str, Any]:
    body_schema = {
        "type": "object",
        "properties": {"parameters": parameters_ref},
        "required": ["parameters"],
        "description": "Opal's call body; Opal's other keys (auth, environment, async_callback…) may be present.",
    }
    ok = "202" if spec.mode == "async" else "200"
    responses: dict[str, Any] = {
        ok: {
            "description": "Accepted; the result follows by callback." if ok == "202" else "The tool's answer.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **{status: _problem(text) for status, text in _PROBLEMS.items()},
    }
    return {
        "operationId": spec.name,
        "summary": spec.description.split(". ")[0].rstrip("."),
        "description": spec.description,
        "tags": [spec.group],
        "security": [{"opalBearer": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body_schema}}},
        "responses": responses,
    }


def openapi_document(specs: Iterable[ToolSpec], *, title: str, description: str, version: str) -> dict[str, Any]:
    tools = list(specs)
    refs, schemas = models_json_schema(
        [(spec.parameters, "validation") for spec in tools], ref_template="#/components/schemas/{model}"
    )
    paths: dict[str, Any] = {
        "/discovery": {
            "get": {
                "operationId": "discovery",
                "summary": "Opal tool manifest (public)",
                "responses": {"200": {"description": "The tools, in Opal's discovery format."}},
            }
        }
    }
    for spec in tools:
        paths[spec.endpoint] = {"post": _operation(spec, refs[(spec.parameters, "validation")])}
    components = {
        "schemas": {**schemas.get("$defs", {}), "Problem": PROBLEM_SCHEMA},
        "securitySchemes": {"opalBearer": {"type": "http", "scheme": "bearer"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": components,
    }
