"""Opal discovery entries generated from the tool specs' pydantic models, and the discovery function.

``GET /discovery`` is the Opal manifest, ``GET /openapi.json`` the same tools as OpenAPI (both public).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from .selection import ai_analysis_enabled, is_selected, selection_from_env
from .spec import ToolSpec

_OPAL_TYPES = {"string", "integer", "number", "boolean", "array", "object"}
# The official SDK serves discovery as this once any tool uses a v2 feature (``mode: "async"``),
# and as plain JSON otherwise; it is JSON either way.
DISCOVERY_MEDIA_TYPE_V2 = "application/vnd.optimizely.opal.tools.discovery+json"
DISCOVERY_MEDIA_TYPE_V1 = "application/json"
_DROP_KEYS = {"title", "default", "description"}


def _resolve(schema: Any, defs: dict[str, Any]) -> Any:
    """Inline ``$ref``s so each parameter's schema stands alone."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            target = defs[schema["$ref"].rsplit("/", 1)[-1]]
            merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            return _resolve(merged, defs)
        return {k: _resolve(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_resolve(item, defs) for item in schema]
    return schema


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``X | None`` becomes X: optional-ness is carried by ``required``."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        concrete = [o for o in options if o.get("type") != "null"]
        if len(concrete) == 1:
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            return {**concrete[0], **rest}
    return schema


def _clean(schema: Any) -> Any:
    if isinstance(schema, dict):
        schema = _without_null(schema)
        # Opal's sync rejects nulls (a null description fails the whole registry).
        return {k: _clean(v) for k, v in schema.items() if k != "title" and v is not None}
    if isinstance(schema, list):
        return [_clean(item) for item in schema]
    return schema


def _limits_text(schema: dict[str, Any], default: Any) -> str:
    """Constraints in words, because a model reads the description first."""
    parts: list[str] = []
    if "enum" in schema:
        parts.append("One of: " + ", ".join(str(v) for v in schema["enum"]) + ".")
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        parts.append(f"From {low} to {high}.")
    elif low is not None:
        parts.append(f"At least {low}.")
    elif high is not None:
        parts.append(f"At most {high}.")
    if default is not None:
        parts.append(f"Default {default}.")
    return " ".join(parts)


def parameter_entries(spec: ToolSpec) -> list[dict[str, Any]]:
    raw = spec.parameters.model_json_schema(by_alias=True)
    defs = raw.get("$defs", {})
    required = set(raw.get("required", []))
    entries: list[dict[str, Any]] = []
    for name, prop in raw.get("properties", {}).items():
        resolved = _clean(_resolve(prop, defs))
        opal_type = resolved.get("type", "string")
        if opal_type not in _OPAL_TYPES:
            opal_type = "string"
        description = str(resolved.get("description") or name)
        limits = _limits_text(resolved, prop.get("default"))
        full_description = f"{description} {limits}".strip()
        schema = {k: v for k, v in resolved.items() if k not in _DROP_KEYS}
        schema["type"] = opal_type
        schema["description"] = full_description
        entries.append(
            {
                "name": name,
                "type": opal_type,
                "description": full_description,
                "required": name in required,
                "schema": schema,
            }
        )
    return entries


def function_entry(spec: ToolSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "parameters": parameter_entries(spec),
        "endpoint": spec.endpoint,
        "http_method": "POST",
        "auth_requirements": [],
    }
    if spec.mode == "async":
        entry["mode"] = "async"
        entry["timeout"] = spec.timeout_s
    return entry


def discovery_document(specs: Iterable[ToolSpec], *, instructions: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"functions": [function_entry(spec) for spec in specs]}
    if instructions:
        document["instructions"] = instructions
    return document


def discovery_media_type(specs: Iterable[ToolSpec]) -> str:
    """The Content-Type of a discovery document publishing ``specs``, as the official SDK chooses it."""
    return DISCOVERY_MEDIA_TYPE_V2 if any(spec.mode == "async" for spec in specs) else DISCOVERY_MEDIA_TYPE_V1


def published(tools: Iterable[ToolSpec], ai_enabled: bool, selection: frozenset[str]) -> list[ToolSpec]:
    """What this installation publishes: EnabledTools / ENABLED_TOOLS chooses; AI tools also need AI analysis on."""
    return [tool for tool in tools if (ai_enabled or not tool.ai) and is_selected(tool, selection)]


def discovery_handler(
    tools: Sequence[ToolSpec], *, instructions: str, title: str, version: str
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler of both public routes; each document is built once per selection."""

    @cache
    def manifest(ai_enabled: bool, selection: frozenset[str]) -> tuple[str, str]:
        shown = published(tools, ai_enabled, selection)
        return json.dumps(discovery_document(shown, instructions=instructions)), discovery_media_type(shown)

    @cache
    def openapi(ai_enabled: bool, selection: frozenset[str]) -> str:
        from .openapi import openapi_document  # only this route pays for it

        shown = published(tools, ai_enabled, selection)
        return json.dumps(openapi_document(shown, title=title, description=instructions, version=version))

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        chosen = (ai_analysis_enabled(), selection_from_env())
        if str(event.get("rawPath") or "").endswith("/openapi.json"):
            body, media_type = openapi(*chosen), "application/json"
        else:
            body, media_type = manifest(*chosen)
        return {
            "statusCode": 200,
            "headers": {"content-type": media_type, "cache-control": "max-age=60"},
            "body": body,
        }

    return handle
