"""`make smoke` (scripts/smoke.py): botocore stubs for CloudFormation and Secrets Manager, and a real HTTP
server on 127.0.0.1 playing the deployed registry (discovery, a tool endpoint that checks the bearer
token and the Fullstory key, /mcp), so that the stubbed stack outputs point at loopback."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from scripts import smoke

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_TEXT = (ROOT / "template.yaml").read_text(encoding="utf-8")
# The test's own reading of the template's tool routes (not the script's YAML walk).
TEMPLATE_TOOLS = re.findall(r"Method: POST, Path: /tools/(\w+)", TEMPLATE_TEXT)
STACK = "fullstory-opal-tools"
REGION = "eu-west-1"
TOKEN = "Zq3vR8kLm2Xp9TfW4bYc7NdH1sJg6AeK5uQo0iVrEtMy"  # 44 characters, as generated ones look
GOOD_KEY = "na1.fake-admin-key-for-tests"
TOKEN_SECRET = f"{STACK}/opal-bearer-token"
KEY_SECRET = f"{STACK}/fullstory-api-key"
AI_TOOLS = {name for name in TEMPLATE_TOOLS if "summary" in name} | {
    "fullstory_get_cmp_error_detection",
    "fullstory_visit_profile",
}


@dataclass
class FakeRegistry:
    """What the deployed API answers, as far as the smoke checks look: the real routes' behaviour."""

    tools: list[str]
    token: str = TOKEN
    key: str = GOOD_KEY  # what the stack's key secret holds
    mcp: bool = True
    mcp_tools: list[str] | None = None  # what /mcp's tools/list answers (None: the same as discovery)
    seen: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, str, Any]:
        self.seen.append((method, path, headers, body))
        problem = "application/problem+json"
        unauthorized = {"title": "Unauthorized", "status": 401, "error_code": "UNAUTHORIZED"}
        if method == "GET" and path == "/discovery":
            functions = [
                {"name": n, "endpoint": f"/tools/{n}", "http_method": "POST", "parameters": []} for n in self.tools
            ]
            return 200, "application/vnd.optimizely.opal.tools.discovery+json", {"functions": functions}
        if method == "POST" and path == "/mcp" and self.mcp:
            if headers.get("authorization") != f"Bearer {self.token}":
                return 401, problem, unauthorized
            if body["method"] == "tools/list":
                assert headers.get("mcp-protocol-version") == "2025-06-18"  # the revision initialize agreed
                names = self.tools if self.mcp_tools is None else self.mcp_tools
                listing = {"tools": [{"name": n, "inputSchema": {"type": "object"}} for n in names]}
                return 200, "application/json", {"jsonrpc": "2.0", "id": body["id"], "result": listing}
            assert body["method"] == "initialize"
            result = {
                "protocolVersion": body["params"]["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "fullstory-opal-tools", "version": "1.0.0"},
            }
            return 200, "application/json", {"jsonrpc": "2.0", "id": body["id"], "result": result}
        name = path.removeprefix("/tools/")
        if method != "POST" or not path.startswith("/tools/") or name not in TEMPLATE_TOOLS:
            return 404, "application/json", {"message": "Not Found"}  # API Gateway's own answer
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, problem, unauthorized
        if self.key in ("", "REPLACE_ME"):
            return 503, problem, {"title": "Fullstory is not configured", "error_code": "FULLSTORY_NOT_CONFIGURED"}
        if self.key != GOOD_KEY:
            detail = "The Fullstory API key configured for this tool registry is missing or invalid."
            title = "Fullstory rejected the API key"
            return 502, problem, {"title": title, "detail": detail, "error_code": "FULLSTORY_UNAUTHORIZED"}
        assert body == {"parameters": {"limit": 1}}
        return 200, "application/json", {"segments": [{"id": "everyone", "name": "Everyone"}], "count": 1}


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(registry: FakeRegistry) -> str:
        class Handler(BaseHTTPRequestHandler):
            def _reply(self, method: str) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, media_type, body = registry.answer(method, self.path, headers, json.loads(raw or b"null"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._reply("GET")

            def do_POST(self) -> None:
                self._reply("POST")

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _client(service: str) -> Any:
    session = boto3.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client(service)  # type: ignore[call-overload]  # the service is a variable here


@dataclass
class FakeStack:
    base_url: str
    parameters: dict[str, str] = field(default_factory=lambda: {"EnabledTools": "all", "EnableAiAnalysis": "true"})
    token: str = TOKEN
    key: str = GOOD_KEY
    template_readable: bool = True


def run(stack: FakeStack, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The script against the stubbed AWS side; every stubbed call must have happened, in order."""
    cfn, secrets = _client("cloudformation"), _client("secretsmanager")
    outputs = {
        "DiscoveryUrl": f"{stack.base_url}/discovery",
        "ToolsApiUrl": f"{stack.base_url}/",
        "OpalBearerTokenSecretName": TOKEN_SECRET,
        "FullstoryApiKeySecretName": KEY_SECRET,
    }
    described = {
        "StackName": STACK,
        "StackId": f"arn:aws:cloudformation:{REGION}:123456789012:stack/{STACK}/1",
        "CreationTime": datetime(2025, 1, 1, tzinfo=UTC),
        "StackStatus": "UPDATE_COMPLETE",
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in stack.parameters.items()],
        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
    }
    with Stubber(cfn) as cfn_stub, Stubber(secrets) as secrets_stub:
        cfn_stub.add_response("describe_stacks", {"Stacks": [described]}, {"StackName": STACK})
        where = {"StackName": STACK, "TemplateStage": "Original"}
        if stack.template_readable:
            cfn_stub.add_response("get_template", {"TemplateBody": TEMPLATE_TEXT}, where)
        else:
            cfn_stub.add_client_error("get_template", "AccessDenied", "not authorized", 403, expected_params=where)
        for name, value in ((TOKEN_SECRET, stack.token), (KEY_SECRET, stack.key)):
            arn = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:{name}-AbCdEf"
            secrets_stub.add_response(
                "get_secret_value", {"ARN": arn, "Name": name, "SecretString": value}, {"SecretId": name}
            )
        code = smoke.run(STACK, cfn, secrets, region=REGION, timeout=5)
        cfn_stub.assert_no_pending_responses()
        secrets_stub.assert_no_pending_responses()
    out, err = capsys.readouterr()
    for secret in (stack.token, stack.key, TOKEN, GOOD_KEY):
        if secret not in smoke.KEY_PLACEHOLDERS:  # a placeholder is no secret: naming it is the point
            assert secret not in out + err, "a secret was printed"
    return code, out, err


def lines(out: str) -> dict[str, str]:
    """Check name -> its line."""
    found = {}
    for line in out.splitlines():
        match = re.match(r"(PASS|FAIL|SKIP)  (\S+(?: \S+)?)\s{2,}", line)
        if match:
            found[match.group(2)] = line
    return found


def test_the_template_has_the_tools_the_checks_expect() -> None:
    # The script's group table against the template: every route belongs to a group, and the groups
    # are the ones EnabledTools allows.
    routes = smoke.tool_routes(smoke.parse_template(TEMPLATE_TEXT))
    assert sorted(routes) == sorted(TEMPLATE_TOOLS) and len(routes) == 17
    assert set(routes) == set().union(*smoke.GROUPS.values())
    pattern = re.search(r"EnabledTools:.*?AllowedPattern: \"\^\(all\|\(\(([a-z|]+)\|fullstory_", TEMPLATE_TEXT, re.S)
    assert pattern and set(pattern.group(1).split("|")) == set(smoke.GROUPS)
    assert smoke.GROUPS["ai"] == AI_TOOLS


def test_the_group_table_matches_the_layers_registry() -> None:
    # The script imports nothing from the layer (it must survive a reorganisation); the test checks
    # its copy of the groups against the layer's tool list wherever that lives now.
    for module in ("tools.registry", "catalog"):
        try:
            tools = importlib.import_module(module).TOOLS
            break
        except (ImportError, AttributeError):
            continue
    else:
        pytest.skip("no tool registry found in the layer")
    assert {group: {t.name for t in tools if t.group == group} for group in smoke.GROUPS} == smoke.GROUPS
    assert {t.name for t in tools if t.ai} == smoke.GROUPS["ai"]


def test_a_healthy_stack_passes_every_check(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    registry = FakeRegistry(TEMPLATE_TOOLS)
    code, out, _ = run(FakeStack(serve(registry)), capsys)
    assert code == 0, out
    checks = lines(out)
    assert list(checks) == ["discovery", "tools", "ai toggle", "tool call", "fullstory key", "mcp"]
    assert all(line.startswith("PASS") for line in checks.values()), out
    assert "with 17 functions" in checks["discovery"]
    assert "lists the 17 tools expected of the 17 deployed (EnabledTools=all, EnableAiAnalysis=true)" in checks["tools"]
    assert "discovery lists the AI tools (9)" in checks["ai toggle"]
    assert f"44 characters, ending …{TOKEN[-4:]}" in checks["tool call"]
    assert "fullstory-opal-tools 1.0.0, protocol 2025-06-18; tools/list lists the 17 tools" in checks["mcp"]
    assert out.startswith(f"Stack {STACK} ({REGION}, UPDATE_COMPLETE); tools from the stack's template\n")
    assert out.rstrip().endswith("6 passed, 0 failed, 0 skipped")
    # Discovery is public: no token went there; the tool call and /mcp carried it.
    sent = {(m, p): h.get("authorization") for m, p, h, _ in registry.seen}
    assert sent == {
        ("GET", "/discovery"): None,
        ("POST", "/tools/fullstory_list_segments"): f"Bearer {TOKEN}",
        ("POST", "/mcp"): f"Bearer {TOKEN}",
    }


def test_the_placeholder_key_is_named(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    url = serve(FakeRegistry(TEMPLATE_TOOLS, key="REPLACE_ME"))
    code, out, _ = run(FakeStack(url, key="REPLACE_ME"), capsys)
    assert code == 1
    checks = lines(out)
    assert checks["fullstory key"].startswith("FAIL  fullstory key  the key is the placeholder REPLACE_ME: ")
    assert f"aws secretsmanager put-secret-value --region {REGION} --secret-id {KEY_SECRET}" in checks["fullstory key"]
    assert "answered 503 Fullstory is not configured (FULLSTORY_NOT_CONFIGURED)" in checks["tool call"]
    assert checks["tool call"].startswith("FAIL")


def test_a_key_fullstory_refuses_fails(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    url = serve(FakeRegistry(TEMPLATE_TOOLS, key="na1.revoked"))
    code, out, _ = run(FakeStack(url, key="na1.revoked"), capsys)
    assert code == 1
    key = lines(out)["fullstory key"]
    assert key.startswith("FAIL") and "502 Fullstory rejected the API key (FULLSTORY_UNAUTHORIZED)" in key
    assert KEY_SECRET in key


def test_a_wrong_token_is_a_401(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    stale = "Old" + TOKEN[3:-4] + "WXYZ"
    code, out, _ = run(FakeStack(serve(FakeRegistry(TEMPLATE_TOOLS)), token=stale), capsys)
    assert code == 1
    checks = lines(out)
    assert checks["tool call"].startswith("FAIL") and "answered 401 Unauthorized (UNAUTHORIZED)" in checks["tool call"]
    assert f"the registry refused the token from {TOKEN_SECRET}: 44 characters, ending …WXYZ" in checks["tool call"]
    assert checks["fullstory key"].startswith("SKIP  fullstory key  could not tell: the registry refused the token")
    assert checks["mcp"].startswith("FAIL") and "answered 401" in checks["mcp"]
    assert checks["discovery"].startswith("PASS")


def test_a_tool_missing_from_discovery_fails(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    listed = [name for name in TEMPLATE_TOOLS if name != "fullstory_get_segment"]
    code, out, _ = run(FakeStack(serve(FakeRegistry(listed))), capsys)
    assert code == 1
    tools = lines(out)["tools"]
    assert tools.startswith("FAIL  tools          missing fullstory_get_segment; 17 expected of the 17 deployed (")


def test_ai_toggle_off_but_discovery_lists_ai_tools(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    stack = FakeStack(
        serve(FakeRegistry(TEMPLATE_TOOLS)), parameters={"EnabledTools": "all", "EnableAiAnalysis": "false"}
    )
    code, out, _ = run(stack, capsys)
    assert code == 1
    checks = lines(out)
    assert checks["ai toggle"].startswith(
        "FAIL  ai toggle      off (EnableAiAnalysis=false), but discovery lists AI tools (9):"
    )
    assert checks["tools"].startswith("FAIL  tools          unexpected 9 AI tools (see ai toggle); 8 expected")
    assert "8 expected of the 17 deployed" in checks["tools"]


def test_ai_toggle_on_but_discovery_lists_none(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    without_ai = [name for name in TEMPLATE_TOOLS if name not in AI_TOOLS]
    code, out, _ = run(FakeStack(serve(FakeRegistry(without_ai))), capsys)
    assert code == 1
    ai = lines(out)["ai toggle"]
    assert ai.startswith("FAIL  ai toggle      on (EnableAiAnalysis=true), but discovery lists 0 of the 9 AI tools")


def test_ai_off_and_discovery_agrees(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    without_ai = [name for name in TEMPLATE_TOOLS if name not in AI_TOOLS]
    stack = FakeStack(serve(FakeRegistry(without_ai)), parameters={"EnabledTools": "all", "EnableAiAnalysis": "false"})
    code, out, _ = run(stack, capsys)
    assert code == 0, out
    checks = lines(out)
    assert checks["ai toggle"] == "PASS  ai toggle      off (EnableAiAnalysis=false): discovery lists no AI tool"
    assert "lists the 8 tools expected of the 17 deployed" in checks["tools"]


def test_a_selection_without_the_probe_tool_skips_the_call(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    stack = FakeStack(
        serve(FakeRegistry(["fullstory_list_sessions"])),
        parameters={"EnabledTools": "sessions", "EnableAiAnalysis": "true"},
    )
    code, out, _ = run(stack, capsys)
    assert code == 0, out
    checks = lines(out)
    assert (
        "lists the 1 tool expected of the 17 deployed (EnabledTools=sessions, EnableAiAnalysis=true)" in checks["tools"]
    )
    assert (
        checks["tool call"] == "SKIP  tool call      fullstory_list_segments is not published (EnabledTools=sessions)"
    )
    assert checks["fullstory key"].startswith("SKIP  fullstory key  could not tell: no tool call")
    assert "EnabledTools=sessions publishes no AI tool, and discovery lists none" in checks["ai toggle"]


def test_mcp_listing_other_tools_than_discovery_should_fails(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    registry = FakeRegistry(TEMPLATE_TOOLS, mcp_tools=[*TEMPLATE_TOOLS[1:], "fullstory_not_a_tool"])
    code, out, _ = run(FakeStack(serve(registry)), capsys)
    assert code == 1
    mcp = lines(out)["mcp"]
    assert mcp.startswith("FAIL") and "tools/list: missing fullstory_list_segments" in mcp
    assert "unexpected fullstory_not_a_tool" in mcp
    assert [body["method"] for method, path, _, body in registry.seen if path == "/mcp"] == ["initialize", "tools/list"]


def test_mcp_404_is_a_skip(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    url = serve(FakeRegistry(TEMPLATE_TOOLS, mcp=False))
    code, out, _ = run(FakeStack(url), capsys)
    assert code == 0, out
    assert (
        lines(out)["mcp"] == f"SKIP  mcp            POST {url}/mcp answered 404: /mcp is not deployed in this version"
    )
    assert out.rstrip().endswith("5 passed, 0 failed, 1 skipped")


def test_an_unreachable_api_names_the_host(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as unused:  # a port nobody listens on once closed
        unused.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{unused.getsockname()[1]}"
    code, out, _ = run(FakeStack(f"http://{dead}"), capsys)
    assert code == 1
    checks = lines(out)
    assert checks["discovery"].startswith(
        f"FAIL  discovery      GET http://{dead}/discovery got no answer from {dead}: "
    )
    assert "Connection refused" in checks["discovery"]
    assert checks["tools"] == "SKIP  tools          no discovery document"
    assert checks["tool call"].startswith("FAIL") and f"got no answer from {dead}" in checks["tool call"]


def test_without_get_template_the_checkouts_template_is_used(serve: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(FakeStack(serve(FakeRegistry(TEMPLATE_TOOLS)), template_readable=False), capsys)
    assert code == 0, out
    assert "tools from ./template.yaml (the stack's template was not readable: AccessDenied: not authorized)" in out


def test_a_stack_that_does_not_exist_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    cfn, secrets = _client("cloudformation"), _client("secretsmanager")
    with Stubber(cfn) as stub:
        stub.add_client_error("describe_stacks", "ValidationError", "Stack with id nope does not exist", 400)
        code = smoke.run("nope", cfn, secrets, region=REGION)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"make smoke: stack nope does not exist in {REGION} (check STACK= and REGION=;")


def test_a_token_is_described_without_giving_it_away() -> None:
    assert smoke.describe_token(TOKEN) == f"44 characters, ending …{TOKEN[-4:]}"
    assert smoke.describe_token("short-token") == "11 characters"  # its tail would be a third of it


def test_json_templates_come_back_decoded() -> None:
    # CloudFormation returns a JSON template as a document (botocore decodes it), YAML as text.
    document = {"Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {
        "Tool": {"Type": "HttpApi", "Properties": {"Method": "post", "Path": "/tools/fullstory_list_segments"}},
        "Other": {"Type": "HttpApi", "Properties": {"Method": "GET", "Path": "/discovery"}},
    }}}}}  # fmt: skip
    assert smoke.tool_routes(smoke.parse_template(document)) == ["fullstory_list_segments"]


def test_without_a_region_it_says_how_to_give_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    assert smoke.main([STACK]) == 2
    assert capsys.readouterr().err == "make smoke: no AWS region: pass REGION=<region> or set AWS_REGION.\n"


def test_make_lists_both_targets_and_wants_a_stack(tmp_path: Path) -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make on this machine")

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([make, "-s", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)  # noqa: S603

    listed = call("help").stdout
    assert re.search(r"^make smoke +check a deployed stack: ", listed, re.M)
    assert re.search(r"^make cold-starts +a deployed stack's cold starts from CloudWatch", listed, re.M)
    venv = tmp_path / "venv"  # where make would build a virtualenv if the STACK check came too late
    for target in ("smoke", "cold-starts"):
        done = call(target, "STACK=", f"VENV={venv}")
        assert done.returncode == 2
        assert done.stderr.startswith(f"make {target}: name the stack: STACK=<stack name> [REGION=<region>]")
    assert not venv.exists()


def _steady(text: str) -> str:
    """The output without what changes from run to run: the loopback port and the call's duration."""
    return re.sub(r" in \d+ ms", " in <n> ms", re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", text))


@pytest.mark.parametrize(
    ("registry", "stack"),
    [
        ({}, {}),
        ({}, {"token": "Old" + TOKEN[3:-4] + "WXYZ"}),
        (
            {"key": "REPLACE_ME", "mcp": False},
            {"key": "REPLACE_ME", "parameters": {"EnabledTools": "all", "EnableAiAnalysis": "false"}},
        ),
    ],
    ids=["healthy", "wrong-token", "first-deploy"],
)
def test_the_docs_show_this_output(
    serve: Any, capsys: pytest.CaptureFixture[str], registry: dict[str, Any], stack: dict[str, Any]
) -> None:
    _, out, _ = run(FakeStack(serve(FakeRegistry(TEMPLATE_TOOLS, **registry)), **stack), capsys)
    docs = (ROOT / "docs" / "deployed-stack-checks.md").read_text(encoding="utf-8")
    assert _steady(out) in _steady(docs), "docs/deployed-stack-checks.md: paste this output again:\n" + out
