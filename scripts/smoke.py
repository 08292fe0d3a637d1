"""`make smoke STACK=<name> [REGION=...]`: checks a deployed stack the way an operator would.

    python scripts/smoke.py STACK [--region REGION] [--timeout SECONDS]

It reads the stack's outputs and parameters (CloudFormation), the tools of the deployed version from
the stack's own template (its ``POST /tools/<name>`` routes), the two secrets (Secrets Manager), and
then calls the deployed API. One line per check, PASS, FAIL or SKIP with the reason:

  discovery      GET DiscoveryUrl answers 200 with JSON that lists ``functions``
  tools          discovery lists exactly the tools that EnabledTools and EnableAiAnalysis publish
  ai toggle      EnableAiAnalysis, and whether discovery agrees with it
  tool call      POST tools/fullstory_list_segments {"limit": 1} with the token from its secret: 200
  fullstory key  the key secret does not hold the placeholder, and Fullstory did not refuse the key
                 on that call (one cheap Fullstory call)
  mcp            POST /mcp ``initialize`` with the token answers, and ``tools/list`` at the revision it
                 agreed lists exactly the tools discovery should; a 404 means the deployed version
                 has no /mcp yet (SKIP)

Exit status: 0 when no check failed, 1 when one did, 2 when the checks could not run (no such stack,
no credentials, no region). It never prints a secret: the token shows only as its length and, for a
long one, its last four characters; the key not at all.

Standalone on purpose: it imports nothing from the layer, so a reorganised layer cannot break it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
PROBE_TOOL = "fullstory_list_segments"
AI_GROUP = "ai"
# EnabledTools' groups (a contract, like the tool names: DESIGN.md and the parameter's AllowedPattern).
# Which tools exist comes from the stack's template; a tool this table does not know is published only
# by `all` or by its own name, and never counts as an AI tool.
GROUPS: dict[str, frozenset[str]] = {
    "segments": frozenset({"fullstory_list_segments", "fullstory_get_segment"}),
    "exports": frozenset(
        {
            "fullstory_create_segment_export",
            "fullstory_get_operation_status",
            "fullstory_get_search_export_results",
            "fullstory_export_segment",
            "fullstory_get_export_status",
        }
    ),
    "sessions": frozenset({"fullstory_list_sessions"}),
    AI_GROUP: frozenset(
        {
            "fullstory_get_session_quick_summary",
            "fullstory_get_session_behavior_summary",
            "fullstory_get_session_support_summary",
            "fullstory_get_session_technical_summary",
            "fullstory_get_session_conversion_funnel_summary",
            "fullstory_get_session_user_intent_summary",
            "fullstory_get_custom_session_summary",
            "fullstory_get_cmp_error_detection",
            "fullstory_visit_profile",
        }
    ),
}
KEY_PLACEHOLDERS = ("REPLACE_ME", "CHANGE_ME")  # what the template's key secret holds until it is set
MCP_PROTOCOL_VERSION = "2025-06-18"

Outcome = Literal["PASS", "FAIL", "SKIP"]


class SmokeError(Exception):
    """The checks cannot run at all (exit 2)."""


@dataclass(frozen=True)
class Check:
    name: str
    outcome: Outcome
    reason: str

    def line(self) -> str:
        return f"{self.outcome}  {self.name:<13}  {self.reason}"


@dataclass
class Stack:
    name: str
    region: str
    status: str
    outputs: dict[str, str]
    parameters: dict[str, str]
    tools: list[str]
    tools_from: str


# ---------------------------------------------------------------- what the stack says


def _template_loader() -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):
        """Reads CloudFormation short tags (!Ref, !Sub, ...) as plain values: only the routes matter."""

    def any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        return None

    Loader.add_multi_constructor("!", any_tag)
    return Loader


def parse_template(body: str | dict[str, Any]) -> dict[str, Any]:
    """A template as CloudFormation hands it back: YAML text, or JSON that botocore already decoded."""
    loaded = body if isinstance(body, dict) else yaml.load(body, Loader=_template_loader())  # noqa: S506 - SafeLoader
    if not isinstance(loaded, dict):
        raise ValueError("not a CloudFormation template")
    return loaded


def tool_routes(template: dict[str, Any]) -> list[str]:
    """The tool names of the template's ``POST /tools/<name>`` routes, in template order."""
    names: list[str] = []
    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if not isinstance(event, dict) or event.get("Type") != "HttpApi":
                continue
            props = event.get("Properties") or {}
            path, method = str(props.get("Path", "")), str(props.get("Method", "")).upper()
            if method == "POST" and path.startswith("/tools/"):
                names.append(path.removeprefix("/tools/"))
    return list(dict.fromkeys(names))


def _aws_error(exc: Exception) -> tuple[str, str]:
    response = getattr(exc, "response", None) or {}
    error = response.get("Error") or {}
    return str(error.get("Code", type(exc).__name__)), str(error.get("Message", exc))


def read_stack(cfn: Any, name: str, region: str) -> Stack:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        found = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except NoCredentialsError:
        raise SmokeError("No AWS credentials: run `aws configure` or `aws sso login`, or set AWS_PROFILE.") from None
    except ClientError as exc:
        code, message = _aws_error(exc)
        if code == "ValidationError" and "does not exist" in message:
            raise SmokeError(
                f"stack {name} does not exist in {region} (check STACK= and REGION=; "
                "`aws cloudformation list-stacks` lists the stacks there)."
            ) from None
        raise SmokeError(f"cannot read stack {name} in {region}: {code}: {message}") from None
    except BotoCoreError as exc:
        raise SmokeError(f"cannot read stack {name} in {region}: {exc}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in found.get("Parameters", [])}
    try:
        body = cfn.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
        tools, tools_from = tool_routes(parse_template(body)), "the stack's template"
    except (ClientError, BotoCoreError, ValueError, yaml.YAMLError) as exc:
        # Without cloudformation:GetTemplate, the checkout's template is the next best list.
        reason = "{}: {}".format(*_aws_error(exc)) if isinstance(exc, ClientError) else str(exc)
        tools = tool_routes(parse_template(TEMPLATE.read_text(encoding="utf-8")))
        tools_from = f"./template.yaml (the stack's template was not readable: {reason})"
    return Stack(name, region, str(found.get("StackStatus", "?")), outputs, parameters, tools, tools_from)


def enabled_tools(stack: Stack) -> str:
    return stack.parameters.get("EnabledTools", "all").strip() or "all"


def ai_enabled(stack: Stack) -> bool:
    return stack.parameters.get("EnableAiAnalysis", "true").strip().lower() != "false"


def selected(tools: Iterable[str], enabled: str) -> set[str]:
    """The tools an EnabledTools value names (by `all`, a group, or the tool's own name)."""
    tokens = {token.strip().lower() for token in enabled.split(",") if token.strip()} or {"all"}
    chosen = set()
    for tool in tools:
        groups = {group for group, members in GROUPS.items() if tool in members}
        if "all" in tokens or tool in tokens or groups & tokens:
            chosen.add(tool)
    return chosen


def published(stack: Stack) -> set[str]:
    chosen = selected(stack.tools, enabled_tools(stack))
    return chosen if ai_enabled(stack) else chosen - GROUPS[AI_GROUP]


@dataclass
class Secret:
    name: str
    value: str | None = None
    problem: str = ""  # why there is no value
    missing: bool = False  # the secret itself does not exist (a fault of the stack, not of the operator)


def read_secret(secrets: Any, name: str | None) -> Secret:
    from botocore.exceptions import BotoCoreError, ClientError

    if not name:
        return Secret("?", problem="the stack has no output naming it", missing=True)
    try:
        return Secret(name, secrets.get_secret_value(SecretId=name).get("SecretString"))
    except ClientError as exc:
        code, message = _aws_error(exc)
        return Secret(name, problem=f"{code}: {message}", missing=code == "ResourceNotFoundException")
    except BotoCoreError as exc:
        return Secret(name, problem=str(exc))


def describe_token(token: str) -> str:
    # Its tail identifies which token it is without giving away a usable part of a long one.
    tail = f", ending …{token[-4:]}" if len(token) >= 16 else ""
    return f"{len(token)} characters{tail}"


# ---------------------------------------------------------------- HTTP


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to report, not to follow: it would carry the bearer token elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int | None  # None: no HTTP answer
    body: bytes = b""
    content_type: str = ""
    error: str = ""
    elapsed_ms: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        text = self.body.decode("utf-8", "replace")
        if self.content_type.startswith("text/event-stream"):  # an MCP server may answer as SSE
            data = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
            text = data[0] if data else ""
        try:
            return json.loads(text)
        except ValueError:
            return None

    def said(self) -> str:
        """The answer in a few words ("answered 502 <problem title> (<code>)", "got no answer from ...")."""
        if self.status is None:
            return f"got {self.error}"
        if 200 <= self.status < 300:
            return f"answered {self.status}"
        body = self.json()
        if isinstance(body, dict) and body.get("title"):
            code = f" ({body['error_code']})" if body.get("error_code") else ""
            return f"answered {self.status} {body['title']}{code}"
        excerpt = " ".join(self.body.decode("utf-8", "replace").split())[:120]
        return f"answered {self.status} {excerpt}".rstrip()


def http(
    method: str,
    url: str,
    *,
    body: Any = None,
    token: str | None = None,
    timeout: float,
    extra_headers: dict[str, str] | None = None,
) -> Answer:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return Answer(None, error=f"not an http(s) URL: {url!r}")
    headers = {"Accept": "application/json, text/event-stream", "User-Agent": "fullstory-opal-tools-smoke"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    headers.update(extra_headers or {})
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - scheme checked
    opener = urllib.request.build_opener(_NoRedirects)
    started = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            raw, status, got = response.read(), response.status, response.headers
    except urllib.error.HTTPError as exc:
        raw, status, got = exc.read(), exc.code, exc.headers
    except (urllib.error.URLError, OSError) as exc:
        cause = getattr(exc, "reason", exc)
        return Answer(None, error=f"no answer from {parts.netloc}: {cause or type(exc).__name__}")
    elapsed = (time.monotonic() - started) * 1000
    return Answer(status, raw, got.get("Content-Type", ""), elapsed_ms=elapsed, headers=dict(got.items()))


def _tools_url(stack: Stack, path: str) -> str | None:
    base = stack.outputs.get("ToolsApiUrl")
    return f"{base.rstrip('/')}/{path}" if base else None


# ---------------------------------------------------------------- the checks


def check_discovery(stack: Stack, timeout: float) -> tuple[Check, list[dict[str, Any]] | None]:
    url = stack.outputs.get("DiscoveryUrl")
    if not url:
        return Check(
            "discovery", "FAIL", f"the stack has no DiscoveryUrl output (it has: {', '.join(stack.outputs)})"
        ), None
    answer = http("GET", url, timeout=timeout)
    if answer.status != 200:
        return Check("discovery", "FAIL", f"GET {url} {answer.said()}"), None
    document = answer.json()
    functions = document.get("functions") if isinstance(document, dict) else None
    if not isinstance(functions, list):
        return Check("discovery", "FAIL", f"GET {url} answered 200 but not a JSON document with `functions`"), None
    entries = [entry for entry in functions if isinstance(entry, dict)]
    return Check("discovery", "PASS", f"GET {url} answered 200 with {len(entries)} functions"), entries


def _names(entries: Iterable[dict[str, Any]]) -> set[str]:
    return {str(entry.get("name")) for entry in entries}


def _tools(count: int) -> str:
    return f"{count} tool" if count == 1 else f"{count} tools"


def _listing(names: Iterable[str], most: int = 5) -> str:
    ordered = sorted(names)
    more = f" and {len(ordered) - most} more" if len(ordered) > most else ""
    return ", ".join(ordered[:most]) + more


def check_tools(stack: Stack, entries: list[dict[str, Any]] | None) -> Check:
    if entries is None:
        return Check("tools", "SKIP", "no discovery document")
    listed, expected = _names(entries), published(stack)
    settings = f"EnabledTools={enabled_tools(stack)}, EnableAiAnalysis={str(ai_enabled(stack)).lower()}"
    # Opal calls each function's endpoint; only POST /tools/<name> is routed.
    misrouted = {str(e.get("name")) for e in entries if e.get("endpoint") != f"/tools/{e.get('name')}"}
    faults = []
    for word, tools in (("missing", expected - listed), ("unexpected", listed - expected)):
        # AI tools in the wrong place are the AI toggle's finding: named there, counted here.
        ai, other = tools & GROUPS[AI_GROUP], tools - GROUPS[AI_GROUP]
        said = [_listing(other)] if other else []
        said += [f"{_tools(len(ai)).replace('tool', 'AI tool')} (see ai toggle)"] if ai else []
        if said:
            faults.append(f"{word} {', '.join(said)}")
    if misrouted & expected:
        faults.append(f"endpoint not /tools/<name>: {_listing(misrouted & expected)}")
    if faults:
        expected_said = f"{len(expected)} expected of the {len(stack.tools)} deployed"
        return Check("tools", "FAIL", f"{'; '.join(faults)}; {expected_said} ({settings})")
    return Check(
        "tools",
        "PASS",
        f"discovery lists the {_tools(len(expected))} expected of the {len(stack.tools)} deployed ({settings})",
    )


def check_ai_toggle(stack: Stack, entries: list[dict[str, Any]] | None) -> Check:
    if "EnableAiAnalysis" not in stack.parameters:
        return Check("ai toggle", "SKIP", "the stack has no EnableAiAnalysis parameter")
    state = "on" if ai_enabled(stack) else "off"
    said = f"{state} (EnableAiAnalysis={stack.parameters['EnableAiAnalysis']})"
    if entries is None:
        return Check("ai toggle", "SKIP", f"{said}; no discovery document to compare with")
    listed_ai = _names(entries) & GROUPS[AI_GROUP]
    chosen_ai = selected(stack.tools, enabled_tools(stack)) & GROUPS[AI_GROUP]
    if state == "off":
        if listed_ai:
            return Check(
                "ai toggle", "FAIL", f"{said}, but discovery lists AI tools ({len(listed_ai)}): {_listing(listed_ai)}"
            )
        return Check("ai toggle", "PASS", f"{said}: discovery lists no AI tool")
    if not chosen_ai:
        if listed_ai:
            return Check(
                "ai toggle",
                "FAIL",
                f"{said}, but EnabledTools publishes no AI tool and discovery lists {_listing(listed_ai)}",
            )
        return Check(
            "ai toggle",
            "PASS",
            f"{said}; EnabledTools={enabled_tools(stack)} publishes no AI tool, and discovery lists none",
        )
    if listed_ai != chosen_ai:
        lists = f"{len(listed_ai & chosen_ai)} of the {len(chosen_ai)} AI tools"
        return Check(
            "ai toggle", "FAIL", f"{said}, but discovery lists {lists} (missing {_listing(chosen_ai - listed_ai)})"
        )
    return Check("ai toggle", "PASS", f"{said}: discovery lists the AI tools ({len(chosen_ai)})")


def _token_said(token: Secret) -> str:
    return f"token from {token.name}: {describe_token(token.value or '')}"


def check_tool_call(stack: Stack, token: Secret, timeout: float) -> tuple[Check, Answer | None]:
    if PROBE_TOOL not in published(stack):
        return Check("tool call", "SKIP", f"{PROBE_TOOL} is not published (EnabledTools={enabled_tools(stack)})"), None
    if token.value is None:
        outcome: Outcome = "FAIL" if token.missing else "SKIP"
        return Check("tool call", outcome, f"cannot read the token secret {token.name}: {token.problem}"), None
    url = _tools_url(stack, f"tools/{PROBE_TOOL}")
    if url is None:
        return Check("tool call", "FAIL", "the stack has no ToolsApiUrl output"), None
    answer = http("POST", url, body={"parameters": {"limit": 1}}, token=token.value, timeout=timeout)
    said = f"POST {url} {{limit: 1}} {answer.said()}"
    if answer.status == 200:
        return Check("tool call", "PASS", f"{said} in {answer.elapsed_ms:.0f} ms ({_token_said(token)})"), answer
    if answer.status == 401:
        return Check("tool call", "FAIL", f"{said}: the registry refused the {_token_said(token)}"), answer
    return Check("tool call", "FAIL", said), answer


def check_key(stack: Stack, key: Secret, call: Check, answer: Answer | None) -> Check:
    name = key.name
    if key.value is not None and (key.value.strip() in KEY_PLACEHOLDERS or not key.value.strip()):
        what = f"the placeholder {key.value.strip()}" if key.value.strip() else "empty"
        return Check(
            "fullstory key",
            "FAIL",
            f"the key is {what}: aws secretsmanager put-secret-value --region {stack.region} "
            f"--secret-id {name} --secret-string '<your Fullstory API key>'",
        )
    unread = f" (the key secret {name} is not readable here: {key.problem})" if key.value is None else ""
    if answer is None:
        return Check("fullstory key", "SKIP", f"could not tell: no tool call ({call.reason}){unread}")
    body = answer.json()
    code = str(body.get("error_code", "")) if isinstance(body, dict) else ""
    if answer.status == 200:
        return Check("fullstory key", "PASS", f"Fullstory accepted the key: {PROBE_TOOL} answered 200{unread}")
    if code in ("FULLSTORY_UNAUTHORIZED", "FULLSTORY_FORBIDDEN", "FULLSTORY_NOT_CONFIGURED") or answer.status == 403:
        detail = str(body.get("detail", "")) if isinstance(body, dict) else ""
        return Check("fullstory key", "FAIL", f"{PROBE_TOOL} {answer.said()}: {detail} (secret {name})".rstrip())
    if answer.status == 401:
        return Check("fullstory key", "SKIP", "could not tell: the registry refused the token before calling Fullstory")
    return Check("fullstory key", "SKIP", f"could not tell: {PROBE_TOOL} {answer.said()}{unread}")


def check_mcp(stack: Stack, token: Secret, timeout: float) -> Check:
    url = _tools_url(stack, "mcp")
    if url is None:
        return Check("mcp", "FAIL", "the stack has no ToolsApiUrl output")
    if token.value is None:
        return Check("mcp", "SKIP", f"cannot read the token secret {token.name}: {token.problem}")
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": MCP_PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "fullstory-opal-tools-smoke", "version": "1"},
        },
    }
    answer = http("POST", url, body=initialize, token=token.value, timeout=timeout)
    said = f"POST {url} initialize {answer.said()}"
    if answer.status == 404:
        return Check("mcp", "SKIP", f"POST {url} answered 404: /mcp is not deployed in this version")
    if answer.status != 200:
        refused = f": the registry refused the {_token_said(token)}" if answer.status == 401 else ""
        return Check("mcp", "FAIL", said + refused)
    reply = answer.json()
    result = reply.get("result") if isinstance(reply, dict) else None
    if not isinstance(result, dict) or "protocolVersion" not in result:
        error = reply.get("error") if isinstance(reply, dict) else None
        return Check(
            "mcp", "FAIL", f"POST {url} initialize answered 200 without an initialize result: {error or reply}"
        )
    server = result.get("serverInfo") or {}
    who = " ".join(str(server[k]) for k in ("name", "version") if server.get(k)) or "a server"
    agreed = f"POST {url} initialize answered 200: {who}, protocol {result['protocolVersion']}"
    listed, problem = _mcp_tools(url, token.value, str(result["protocolVersion"]), timeout)
    if listed is None:
        return Check("mcp", "FAIL", f"{agreed}; but tools/list {problem}")
    expected = published(stack)
    faults = [
        f"{word} {_listing(names)}"
        for word, names in (("missing", expected - listed), ("unexpected", listed - expected))
        if names
    ]
    if faults:
        return Check("mcp", "FAIL", f"{agreed}; tools/list: {'; '.join(faults)}")
    return Check("mcp", "PASS", f"{agreed}; tools/list lists the {_tools(len(expected))} discovery should")


def _mcp_tools(url: str, token: str, version: str, timeout: float) -> tuple[set[str] | None, str]:
    """The tool names of ``tools/list`` at ``version`` (the header a client sends after initialize), or why not."""
    listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    answer = http(
        "POST", url, body=listing, token=token, timeout=timeout, extra_headers={"MCP-Protocol-Version": version}
    )
    reply = answer.json() if answer.status == 200 else None
    result = reply.get("result") if isinstance(reply, dict) else None
    tools = result.get("tools") if isinstance(result, dict) else None
    if not isinstance(tools, list):
        error = reply.get("error") if isinstance(reply, dict) else None
        return None, f"{answer.said()}" + (f": {error}" if error else "")
    return {str(tool.get("name")) for tool in tools if isinstance(tool, dict)}, ""


def smoke(stack: Stack, secrets: Any, timeout: float) -> list[Check]:
    discovery, entries = check_discovery(stack, timeout)
    token = read_secret(secrets, stack.outputs.get("OpalBearerTokenSecretName"))
    key = read_secret(secrets, stack.outputs.get("FullstoryApiKeySecretName"))
    call, answer = check_tool_call(stack, token, timeout)
    return [
        discovery,
        check_tools(stack, entries),
        check_ai_toggle(stack, entries),
        call,
        check_key(stack, key, call, answer),
        check_mcp(stack, token, timeout),
    ]


def run(stack_name: str, cfn: Any, secrets: Any, *, region: str, timeout: float = 30.0) -> int:
    try:
        stack = read_stack(cfn, stack_name, region)
    except SmokeError as exc:
        print(f"make smoke: {exc}", file=sys.stderr)
        return 2
    print(f"Stack {stack.name} ({stack.region}, {stack.status}); tools from {stack.tools_from}", flush=True)
    checks = smoke(stack, secrets, timeout)
    for check in checks:
        print(check.line(), flush=True)
    counts = {outcome: sum(c.outcome == outcome for c in checks) for outcome in ("PASS", "FAIL", "SKIP")}
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    return 1 if counts["FAIL"] else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/smoke.py", description="Check a deployed stack.")
    parser.add_argument("stack", help="the CloudFormation stack name")
    parser.add_argument("--region", default=None, help="AWS region (default: boto3's, e.g. AWS_REGION)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per HTTP request (default 30)")
    args = parser.parse_args(argv)
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.Session(region_name=args.region)
    except BotoCoreError as exc:
        print(f"make smoke: {exc}", file=sys.stderr)
        return 2
    if not session.region_name:
        print("make smoke: no AWS region: pass REGION=<region> or set AWS_REGION.", file=sys.stderr)
        return 2
    cfn, secrets = session.client("cloudformation"), session.client("secretsmanager")
    return run(args.stack, cfn, secrets, region=session.region_name, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
