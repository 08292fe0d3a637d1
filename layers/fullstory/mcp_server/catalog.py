"""tools/list: the registry's tools as MCP tool entries, from the same specs as Opal's discovery.

Descriptions, parameter names, types, enums, bounds and the required list are discovery's own
(``opal_tools.discovery.parameter_entries``), so the two surfaces cannot drift; the MCP entry adds
a title, JSON Schema defaults, annotations and, from 2025-06-18 on, the output schema.
"""

from __future__ import annotations

from typing import Any

from opal_tools.discovery import parameter_entries
from opal_tools.spec import ToolSpec

from .protocol import STRUCTURED_VERSIONS

# Every tool answers one JSON object (structuredContent); its keys differ by tool and by outcome
# (running, done, failed), so this is all that can be promised of every answer.
OUTPUT_SCHEMA: dict[str, Any] = {"type": "object"}


def title(spec: ToolSpec) -> str:
    """``fullstory_get_segment`` -> ``Fullstory: get segment``: what a client shows a person."""
    return "Fullstory: " + spec.name.removeprefix("fullstory_").replace("_", " ")


def _defaults(spec: ToolSpec) -> dict[str, Any]:
    properties = spec.parameters.model_json_schema(by_alias=True).get("properties", {})
    return {name: prop["default"] for name, prop in properties.items() if prop.get("default") is not None}


def input_schema(spec: ToolSpec) -> dict[str, Any]:
    """The parameters as one JSON Schema object; no other keys are accepted (the models forbid them)."""
    entries, defaults = parameter_entries(spec), _defaults(spec)
    properties = {entry["name"]: dict(entry["schema"]) for entry in entries}
    for name, default in defaults.items():
        if name in properties:
            properties[name]["default"] = default
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [entry["name"] for entry in entries if entry["required"]]
    if required:
        schema["required"] = required
    return schema


def tool_annotations(spec: ToolSpec) -> dict[str, Any]:
    """Hints for the client: reads are read-only and idempotent; the exports start work but destroy
    nothing and, called twice, start two exports. Every tool talks to Fullstory or AWS (open world)."""
    return {
        "title": title(spec),
        "readOnlyHint": spec.read_only,
        "destructiveHint": False,
        "idempotentHint": spec.read_only,
        "openWorldHint": True,
    }


def tool_entry(spec: ToolSpec, version: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": spec.name}
    if version in STRUCTURED_VERSIONS:
        entry["title"] = title(spec)
    entry |= {"description": spec.description, "inputSchema": input_schema(spec)}
    if version in STRUCTURED_VERSIONS:
        entry["outputSchema"] = OUTPUT_SCHEMA
    entry["annotations"] = tool_annotations(spec)
    return entry


_built: dict[tuple[str, bool], dict[str, Any]] = {}


def tool_entries(specs: list[ToolSpec], version: str) -> list[dict[str, Any]]:
    """The entries of ``specs`` at ``version``, each built once per process (by name: a spec is not hashable)."""
    structured = version in STRUCTURED_VERSIONS
    for spec in specs:
        if (spec.name, structured) not in _built:
            _built[spec.name, structured] = tool_entry(spec, version)
    return [_built[spec.name, structured] for spec in specs]
