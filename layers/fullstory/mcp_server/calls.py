"""tools/call: the very steps of the Opal endpoint (``opal_tools.adapter``), answered as MCP results.

Only the called tool's module is imported (``tool_index``). A tool's failure is a result with
``isError: true`` whose text names the parameter or the cause, and whose structuredContent is the
problem body (its ``errors`` list too), so a model can correct its call; a tool this installation
does not publish is an unknown tool (Invalid params), as it is absent from tools/list.

MCP has no Opal callback: the export tool gets a call without one, starts the same workflow and
answers at once with its executionId and the instruction to follow it with fullstory_get_export_status.
"""

from __future__ import annotations

import importlib
import json
import time
from typing import Any

from opal_tools.adapter import ensure_enabled, map_error, outcome_of, record, run, validate, with_call
from opal_tools.problems import Problem
from opal_tools.selection import tool_enabled
from opal_tools.spec import ToolSpec
from opal_tools.tool_call import Accepted, ToolCall

from .messages import RpcError
from .protocol import INVALID_PARAMS, STRUCTURED_VERSIONS
from .tool_index import TOOL_MODULES


def tool_spec(name: str) -> ToolSpec | None:
    """The spec of the tool named ``name``, importing only its module; None for no such tool."""
    where = TOOL_MODULES.get(name)
    if where is None:
        return None
    spec: ToolSpec = getattr(importlib.import_module(where[0]), where[1])
    return spec


def _arguments(params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name, arguments = params.get("name"), params.get("arguments")
    if not isinstance(name, str) or not name:
        raise RpcError(INVALID_PARAMS, "params.name is required: the name of a tool from tools/list.")
    if arguments is not None and not isinstance(arguments, dict):
        raise RpcError(INVALID_PARAMS, "params.arguments must be an object of the tool's parameters.")
    return name, arguments or {}


def _text(value: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": json.dumps(value, default=str, ensure_ascii=False)}]


def success(answer: Any, version: str) -> dict[str, Any]:
    """The tool's JSON answer as text and, where the revision has it, as structuredContent."""
    body = answer if isinstance(answer, dict) else {"result": answer}
    result: dict[str, Any] = {"content": _text(body), "isError": False}
    if version in STRUCTURED_VERSIONS:
        result["structuredContent"] = body
    return result


def failure(problem: Problem, request_id: str | None, version: str) -> dict[str, Any]:
    text = f"{problem.title}: {problem.detail}"
    result: dict[str, Any] = {"content": [{"type": "text", "text": text}], "isError": True}
    if version in STRUCTURED_VERSIONS:
        result["structuredContent"] = problem.body(request_id)
    return result


def call_tool(params: dict[str, Any], context: Any, request_id: str | None, version: str) -> dict[str, Any]:
    name, arguments = _arguments(params)
    spec = tool_spec(name)
    if spec is None or not tool_enabled(spec):
        raise RpcError(INVALID_PARAMS, f"Unknown tool: {name}. Call tools/list for the tools this server offers.")
    from tools.runtime import PROVIDERS, problem_of  # the needs' providers: only a call pays for them

    started = time.perf_counter()
    try:
        ensure_enabled(spec)
        checked = validate(spec, arguments)
        answer = run(spec, checked, context, with_call(PROVIDERS, ToolCall(tool=spec.name, request_id=request_id)))
    except Exception as error:
        problem = map_error(error, problem_of)
        record(spec, problem.status, outcome_of(problem), started)
        return failure(problem, request_id, version)
    accepted = isinstance(answer, Accepted)
    record(spec, 202 if accepted else 200, "accepted" if accepted else "success", started)
    return success(answer.body if accepted else answer, version)
