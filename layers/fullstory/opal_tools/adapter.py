"""Turns an API Gateway HTTP API (v2) event into a validated tool call, and back.

A call goes through named steps: authenticate → enabled? → parse → validate → run → map errors →
record. Every path out is a JSON answer: 200 with the result (202 when an async tool's logic
returns ``Accepted``), or a problem body with the right status. Tracebacks go to the log (with
the request id), never to the caller. The logic gets its parameters and, by keyword, exactly what
its spec says it needs (``ToolSpec.needs``), each from a provider the deployment supplies.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

from platform_kit.observability import SERVICE, LambdaHandler, logger, metrics, with_lambda_logging
from platform_kit.secrets import SecretMalformed, SecretUnavailable, read_secret
from platform_kit.settings import TOKEN_SECRET_ENV

from .auth import BearerAuth
from .problems import Problem, bad_parameters, from_validation_error, internal_error, unauthorized
from .selection import ai_analysis_enabled, tool_enabled
from .spec import OPAL_CALL, ToolSpec
from .tool_call import Accepted, ToolCall, tool_call

# Gives a tool one of its needs: ``provider(use, context)`` calls ``use(value)`` and returns what it
# returns; it may call it again (after refreshing a credential, say) or wrap it (to map its errors).
Provider = Callable[[Callable[[Any], Any], Any], Any]
# The problem a tool's own error is for; None: not one it knows (an internal error).
ProblemOf = Callable[[Exception], Problem | None]

MAX_BODY_BYTES = 256 * 1024
# Below the smallest limit Python can be set to for int() of a string (640), and far above any real value.
MAX_INTEGER_DIGITS = 600
MAX_NESTING = 32  # Opal's envelope and our parameters are a few levels deep
# Opal's envelope keys, ignored when a caller sends parameters without the wrapper.
OPAL_ENVELOPE_KEYS = frozenset({"auth", "auth_credentials", "environment", "chat_metadata", "async_callback"})
# Opal's correlation headers -> log keys, so one conversation or workflow run can be followed in the logs.
OPAL_ID_HEADERS = {
    "x-opal-agent-execution-id": "opal_agent_execution_id",
    "x-opal-workflow-execution-id": "opal_workflow_execution_id",
}


def _load_token(force: bool) -> str:
    # Read through the secrets extension on every call (its cache is the only one); it offers no
    # way to skip that cache, so a forced read asks it again all the same.
    return read_secret(TOKEN_SECRET_ENV)


bearer_auth = BearerAuth(_load_token)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    content_type = "application/problem+json" if status >= 400 else "application/json"
    return {
        "statusCode": status,
        "headers": {"content-type": content_type, **(headers or {})},
        "body": json.dumps(body, default=str, ensure_ascii=False),
    }


def problem_response(problem: Problem, request_id: str | None) -> dict[str, Any]:
    headers: dict[str, str] = {}
    if problem.status == 401:
        headers["www-authenticate"] = "Bearer"
    if problem.retry_after is not None:
        headers["retry-after"] = str(problem.retry_after)
    return json_response(problem.status, problem.body(request_id), headers)


def _header(event: dict[str, Any], name: str) -> str | None:
    headers = event.get("headers") or {}
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def parse_body(event: dict[str, Any]) -> dict[str, Any]:
    """The tool's parameters: ``{"parameters": {...}}`` or, tolerated, a bare parameter object."""
    return parse_request(event)[0]


class _IntegerTooLong(ValueError):
    """An integer literal longer than ``MAX_INTEGER_DIGITS`` (Python refuses to convert huge ones)."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _IntegerTooLong
    return int(text)


def _too_deep(value: Any) -> bool:
    """Whether ``value`` nests objects/arrays deeper than ``MAX_NESTING`` (checked without recursion)."""
    level: list[Any] = [value]
    for _ in range(MAX_NESTING):
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, (dict, list))
        ]
        if not level:
            return False
    return True


def _body_problem(problem: str) -> Problem:
    return bad_parameters([{"parameter": "body", "problem": problem}])


_NOT_AN_OBJECT = 'must be a JSON object such as {"parameters": {...}}'


def _body_text(event: dict[str, Any]) -> str:
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        raise _body_problem(_NOT_AN_OBJECT)
    if event.get("isBase64Encoded") and raw:
        try:
            data = base64.b64decode(raw, validate=True)
        except ValueError:  # binascii.Error, and non-ASCII text
            raise _body_problem("is marked base64-encoded but is not valid base64") from None
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _body_problem("must be UTF-8 encoded JSON") from None
    return raw


def decode_body(event: dict[str, Any], not_json: str = _NOT_AN_OBJECT) -> Any:
    """The body's JSON value, None when it is empty; a 400/413 problem when it is not JSON we take
    (``not_json`` says what it must be instead)."""
    raw = _body_text(event)
    if len(raw.encode("utf-8", errors="replace")) > MAX_BODY_BYTES:
        raise Problem(
            413,
            "Request too large",
            f"The request body must be at most {MAX_BODY_BYTES} bytes.",
            "BODY_TOO_LARGE",
            errors=[{"parameter": "body", "problem": "too large"}],
        )
    if not raw.strip():
        return None
    try:
        body = json.loads(raw, parse_int=_bounded_int)
    except _IntegerTooLong:
        raise _body_problem(f"holds an integer with more than {MAX_INTEGER_DIGITS} digits") from None
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise _body_problem(not_json) from None
    if isinstance(body, (dict, list)) and _too_deep(body):
        raise _body_problem(f"nests objects or arrays more than {MAX_NESTING} levels deep")
    return body


def parse_request(event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(parameters, envelope)``: the envelope holds Opal's other top-level keys (async_callback, ...)."""
    body = decode_body(event)
    if body is None:
        return {}, {}
    if not isinstance(body, dict):
        raise _body_problem(_NOT_AN_OBJECT)
    envelope = {k: v for k, v in body.items() if k in OPAL_ENVELOPE_KEYS}
    if "parameters" in body:
        parameters = body["parameters"]
        if parameters is None:
            return {}, envelope
        if not isinstance(parameters, dict):
            raise bad_parameters([{"parameter": "parameters", "problem": "must be a JSON object of parameter values"}])
        return parameters, envelope
    return {k: v for k, v in body.items() if k not in OPAL_ENVELOPE_KEYS}, envelope


def validate(spec: ToolSpec, raw: dict[str, Any]) -> BaseModel:
    try:
        return spec.parameters.model_validate(raw)
    except ValidationError as exc:
        allowed = [f.alias or name for name, f in spec.parameters.model_fields.items()]
        raise from_validation_error(exc, allowed) from None
    except Exception:
        # A validator that raised something pydantic does not turn into a ValidationError (an
        # OverflowError, say) is still about the input: answer 400, and log it to be fixed.
        logger.exception("parameter validation crashed", extra={"tool": spec.name})
        raise bad_parameters(
            [
                {
                    "parameter": "parameters",
                    "problem": "a value could not be checked (out of range, e.g. a date beyond year 1-9999 "
                    "once converted to UTC); send values within ordinary ranges",
                }
            ]
        ) from None


# ---------------------------------------------------------------------- the steps of a tool call


def note_request(event: dict[str, Any], context: Any) -> tuple[str | None, str | None]:
    """The request id and Opal's thread id; Opal's correlation ids go into the log keys."""
    request_id = (event.get("requestContext") or {}).get("requestId") or getattr(context, "aws_request_id", None)
    thread_id = _header(event, "x-opal-thread-id")
    if thread_id:
        logger.thread_safe_append_keys(opal_thread_id=thread_id[:128])
    for header, key in OPAL_ID_HEADERS.items():
        value = _header(event, header)
        if value:
            logger.thread_safe_append_keys(**{key: value[:128]})
    return request_id, thread_id


def authenticate(event: dict[str, Any]) -> None:
    """The caller's bearer token against the registry's; a 401, or a 503 when the token store fails."""
    try:
        authorized = bearer_auth.is_authorized(_header(event, "authorization"))
    except SecretMalformed as exc:
        logger.error("bearer token secret unusable", extra={"reason": str(exc)})
        # Said before authentication: the environment variable, not the secret's name.
        raise Problem(
            503,
            "Registry not configured",
            f"The registry's bearer token secret (named by {exc.env_var}) holds no usable token; an "
            "administrator must store the token Opal sends in that secret.",
            "TOKEN_SECRET_INVALID",
        ) from None
    except SecretUnavailable:
        logger.error("bearer token secret unavailable")
        raise Problem(
            503,
            "Registry not ready",
            "The registry's token store is unavailable; try again later.",
            "TOKEN_STORE_UNAVAILABLE",
        ) from None
    if not authorized:
        raise unauthorized()


def ensure_enabled(spec: ToolSpec) -> None:
    """404 for a tool this installation does not publish, 403 for an AI tool with AI analysis off.
    Only a caller with the token learns how this installation is configured."""
    if not tool_enabled(spec):
        raise Problem(
            404,
            "Tool not enabled",
            f"{spec.name} is not enabled in this installation (EnabledTools / ENABLED_TOOLS). "
            "Use the tools listed in discovery, or ask an administrator to enable it.",
            "TOOL_NOT_ENABLED",
        )
    if spec.ai and not ai_analysis_enabled():
        raise Problem(
            403,
            "AI analysis is disabled",
            "AI session analysis is turned off for this installation (EnableAiAnalysis=false). "
            "An administrator can turn it on.",
            "AI_ANALYSIS_DISABLED",
        )


def run(spec: ToolSpec, params: BaseModel, context: Any, providers: Mapping[str, Provider]) -> Any:
    """``spec.run(params, **needs)``: each need that the tool declares, from its provider."""
    keywords, given = spec.keywords, dict[str, Any]()

    def from_need(index: int) -> Any:
        if index == len(keywords):
            return spec.run(params, **given)

        def use(value: Any) -> Any:
            given[keywords[index]] = value
            return from_need(index + 1)

        return providers[keywords[index]](use, context)

    return from_need(0)


def answer(result: Any) -> tuple[dict[str, Any], str]:
    """The response and the outcome of what the logic returned: 202 for ``Accepted``, else 200."""
    if isinstance(result, Accepted):
        return json_response(202, result.body), "accepted"
    return json_response(200, result), "success"


def map_error(error: Exception, problem_of: ProblemOf) -> Problem:
    """Every failure as a problem: ours as they are, the tool's own errors as ``problem_of`` says, the
    rest (logged with its traceback) as a 500 that says nothing of it."""
    if isinstance(error, Problem):
        return error
    problem = problem_of(error)
    if problem is None:
        logger.exception("tool failed")
        return internal_error()
    return problem


# The outcome of a problem is its error code, but for the refusals of a malformed call.
_CLIENT_OUTCOMES = {
    "INVALID_PARAMETERS": "client_error",
    "BODY_TOO_LARGE": "client_error",
    "UNAUTHORIZED": "unauthorized",
}


def outcome_of(problem: Problem) -> str:
    return _CLIENT_OUTCOMES.get(problem.error_code, problem.error_code.lower())


def record(spec: ToolSpec, status: int, outcome: str, started: float) -> None:
    """One log line and one metric per call; ``status`` is the HTTP status the call answered (or stands for)."""
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.info(
        "tool call",
        extra={
            "tool": spec.name,
            "status": status,
            "outcome": outcome,
            "duration_ms": round(elapsed_ms, 1),
        },
    )
    metrics.clear_metrics()  # a disabled provider skips the flush, and with it the reset
    metrics.add_dimension(name="tool", value=spec.name)
    metrics.add_dimension(name="outcome", value=outcome)
    # Two aggregates the template's alarms and dashboard read without naming every tool (alarm
    # math takes at most 10 metrics): all calls, and the calls by HTTP status class.
    metrics.add_dimensions(service=SERVICE, status_class=f"{status // 100}xx")
    metrics.add_dimensions(service=SERVICE)
    metrics.add_metric(name="ToolCall", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
    metrics.flush_metrics()


def _given(value: Any) -> Provider:
    return lambda use, _context: use(value)


def with_call(providers: Mapping[str, Provider] | None, call: ToolCall) -> dict[str, Provider]:
    """The deployment's providers and the call itself (``OPAL_CALL``), as ``run`` takes them."""
    return {**(providers or {}), OPAL_CALL.keyword: _given(call)}


def _no_mapping(error: Exception) -> Problem | None:
    return None


def tool_handler(
    spec: ToolSpec, *, providers: Mapping[str, Provider] | None = None, problem_of: ProblemOf = _no_mapping
) -> LambdaHandler:
    """The Lambda handler for one tool. ``providers`` give its needs by keyword (the call is the
    adapter's own); ``problem_of`` turns the errors its logic raises into problems."""

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        request_id, thread_id = note_request(event, context)
        try:
            authenticate(event)
            ensure_enabled(spec)
            raw_params, envelope = parse_request(event)
            params = validate(spec, raw_params)
            call = tool_call(
                spec.name, envelope, is_async=spec.mode == "async", request_id=request_id, thread_id=thread_id
            )
            response, outcome = answer(run(spec, params, context, with_call(providers, call)))
        except Exception as error:
            problem = map_error(error, problem_of)
            response, outcome = problem_response(problem, request_id), outcome_of(problem)
        record(spec, response["statusCode"], outcome, started)
        return response

    return with_lambda_logging(handle)
