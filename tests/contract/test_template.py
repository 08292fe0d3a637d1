"""Contract tests for template.yaml.

Two views of the template are checked:

* the template as written (parsed with cfn-lint's YAML loader, which understands the short
  intrinsic tags such as !Ref/!Sub/!GetAtt), for what only exists before the SAM transform
  (layer build Metadata, Globals, Outputs, Parameters);
* the template after the SAM transform (samtranslator, the library `sam deploy` and
  CloudFormation use), for what is effective at deploy time: Globals merged into every
  function, the IAM roles that the policy templates expand to, the API stage.

Tool functions are found by their route (``POST /tools/<tool_name>``), so functions added
later following the same pattern are covered without editing this file.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"

LAYER_ID = "FullstoryLayer"
API_ID = "ToolsApi"
DISCOVERY_ID = "DiscoveryFunction"
SECRET_IDS = frozenset({"FullstoryApiKeySecret", "OpalBearerTokenSecret"})
REQUIRED_TOOLS = {
    "ListSegmentsFunction": "fullstory_list_segments",
    "GetSegmentFunction": "fullstory_get_segment",
    "ListSessionsFunction": "fullstory_list_sessions",
}
SECRET_ENV = {
    "FullstoryApiKeySecret": "FULLSTORY_API_KEY_SECRET_ID",
    "OpalBearerTokenSecret": "OPAL_BEARER_TOKEN_SECRET_ID",
}
# Every tool checks Opal's token; which functions read the Fullstory key is derived from their code
# (test_template_permissions.py).
TOOL_ENV = {
    "OPAL_BEARER_TOKEN_SECRET_ID": {"Ref": "OpalBearerTokenSecret"},
    "FULLSTORY_API_BASE_URL": {"Ref": "FullstoryApiBaseUrl"},
    "FULLSTORY_AI_ANALYSIS_ENABLED": {"Ref": "EnableAiAnalysis"},
}
ALLOWED_MANAGED_POLICIES = frozenset({"service-role/AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess"})
TOOL_PATH = re.compile(r"^/tools/([a-z0-9_]+)$")
SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def _plain(value: Any) -> Any:
    """cfn-lint's node types -> plain dicts/lists/strings."""
    return json.loads(json.dumps(value))


RAW: dict[str, Any] = _plain(cfn_yaml.load(str(TEMPLATE_PATH)))
RAW_RESOURCES: dict[str, Any] = RAW["Resources"]


def _resources_of_type(template: dict[str, Any], type_: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v.get("Type") == type_}


def _http_api_events(resource: dict[str, Any]) -> list[dict[str, Any]]:
    events = resource.get("Properties", {}).get("Events", {}) or {}
    return [e["Properties"] for e in events.values() if e.get("Type") == "HttpApi"]


def _tool_functions() -> dict[str, str]:
    """Logical id -> tool name for every function routed at POST /tools/<name>."""
    tools: dict[str, str] = {}
    for logical_id, resource in _resources_of_type(RAW, "AWS::Serverless::Function").items():
        for event in _http_api_events(resource):
            match = TOOL_PATH.match(str(event.get("Path", "")))
            if match:
                tools[logical_id] = match.group(1)
    return tools


TOOLS = _tool_functions()
FUNCTION_IDS = sorted(_resources_of_type(RAW, "AWS::Serverless::Function"))


class _NoManagedPolicies(ManagedPolicyLoader):
    """The template names no managed policies, so no IAM lookup is ever needed."""

    def __init__(self) -> None:
        pass

    def load(self) -> dict[str, str]:
        return {}


def translate(parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """The template after the SAM transform (local code paths replaced by S3 URIs)."""
    template = copy.deepcopy(RAW)
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = "s3://bucket/key"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        translated: dict[str, Any] = transform(template, parameters or {}, _NoManagedPolicies())
        return translated


def _refs(expr: Any, bindings: dict[str, Any] | None = None) -> set[str]:
    """Logical ids / pseudo parameters an intrinsic expression refers to."""
    found: set[str] = set()
    if isinstance(expr, dict):
        if "Ref" in expr:
            found.add(str(expr["Ref"]))
        elif "Fn::GetAtt" in expr:
            target = expr["Fn::GetAtt"]
            found.add(str(target[0] if isinstance(target, list) else target.split(".")[0]))
        elif "Fn::Sub" in expr:
            sub = expr["Fn::Sub"]
            text, local = (sub[0], sub[1]) if isinstance(sub, list) else (sub, {})
            for name in SUB_VARIABLE.findall(text):
                if name in local:
                    found |= _refs(local[name])
                else:
                    found.add(name.split(".")[0])
        else:
            for value in expr.values():
                found |= _refs(value)
    elif isinstance(expr, list):
        for value in expr:
            found |= _refs(value)
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_statements(translated: dict[str, Any], function_id: str) -> list[Any]:
    role_ref = translated["Resources"][function_id]["Properties"]["Role"]
    role_id = role_ref["Fn::GetAtt"][0]
    role = translated["Resources"][role_id]["Properties"]
    statements: list[Any] = []
    for policy in role.get("Policies", []):
        statements.extend(_as_list(policy["PolicyDocument"]["Statement"]))
    return statements


def _managed_policies(translated: dict[str, Any], function_id: str) -> list[str]:
    role_ref = translated["Resources"][function_id]["Properties"]["Role"]
    role = translated["Resources"][role_ref["Fn::GetAtt"][0]]["Properties"]
    return [str(arn).split(":policy/", 1)[-1] for arn in role.get("ManagedPolicyArns", [])]


# ---------------------------------------------------------------------- inventory


def test_required_tool_functions_exist_with_their_routes() -> None:
    for logical_id, tool in REQUIRED_TOOLS.items():
        assert TOOLS.get(logical_id) == tool, f"{logical_id} must serve POST /tools/{tool}"
    assert DISCOVERY_ID in RAW_RESOURCES


def test_tool_names_are_unique() -> None:
    assert len(set(TOOLS.values())) == len(TOOLS)


@pytest.mark.parametrize("function_id", sorted(TOOLS))
def test_tool_function_code_and_route(function_id: str) -> None:
    tool = TOOLS[function_id]
    props = RAW_RESOURCES[function_id]["Properties"]
    assert props["CodeUri"].rstrip("/") == f"functions/{tool}"
    events = _http_api_events(RAW_RESOURCES[function_id])
    assert len(events) == 1, "one tool, one route"
    assert events[0]["Method"].upper() == "POST"
    assert events[0]["ApiId"] == {"Ref": API_ID}


def test_discovery_route_is_get_on_the_tools_api() -> None:
    props = RAW_RESOURCES[DISCOVERY_ID]["Properties"]
    assert props["CodeUri"].rstrip("/") == "functions/discovery"
    events = _http_api_events(RAW_RESOURCES[DISCOVERY_ID])
    assert {(e["Method"].upper(), e["Path"]) for e in events} >= {("GET", "/discovery")}
    assert all(e["ApiId"] == {"Ref": API_ID} for e in events)


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_no_route_ends_with_a_slash(function_id: str) -> None:
    # HTTP API cannot route "/x/"; SAM emits it anyway and the import fails or drops it.
    for event in _http_api_events(RAW_RESOURCES[function_id]):
        assert not str(event["Path"]).endswith("/"), event["Path"]


# ---------------------------------------------------------------------- runtime, arch, layer


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_is_python313_arm64_with_the_shared_layer(translated: dict[str, Any], function_id: str) -> None:
    props = translated["Resources"][function_id]["Properties"]
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == "app.lambda_handler"
    layer_ids = {
        logical_id
        for logical_id, resource in translated["Resources"].items()
        if resource["Type"] == "AWS::Lambda::LayerVersion" and logical_id.startswith(LAYER_ID)
    }
    assert len(layer_ids) == 1
    assert {"Ref": layer_ids.pop()} in props.get("Layers", [])


@pytest.mark.parametrize("function_id", [*sorted(TOOLS), DISCOVERY_ID])
def test_function_timeout_is_below_the_api_gateway_cap(translated: dict[str, Any], function_id: str) -> None:
    # Functions behind the API; the export workflow's tasks have their own limits (test_template_exports).
    assert translated["Resources"][function_id]["Properties"]["Timeout"] <= 25


def test_layer_builds_for_python313_arm64() -> None:
    layer = RAW_RESOURCES[LAYER_ID]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    # The layer's own Makefile builds it (arm64 wheels + bytecode); `make build` checks the result.
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Metadata"]["BuildArchitecture"] == "arm64"
    makefile = (ROOT / "layers" / "fullstory" / "Makefile").read_text()
    assert f"build-{LAYER_ID}:" in makefile
    assert "--platform manylinux2014_aarch64" in makefile and "--python-version 3.13" in makefile
    assert "--only-binary=:all:" in makefile  # never an sdist built for the host
    assert "--invalidation-mode unchecked-hash" in makefile
    props = layer["Properties"]
    assert props["CompatibleArchitectures"] == ["arm64"]
    assert props["CompatibleRuntimes"] == ["python3.13"]
    assert props["ContentUri"].rstrip("/") == "layers/fullstory"
    assert props["RetentionPolicy"] == "Delete"


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_function_has_a_log_group_with_retention(function_id: str) -> None:
    groups = [
        r["Properties"]
        for r in _resources_of_type(RAW, "AWS::Logs::LogGroup").values()
        if r["Properties"].get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{function_id}}}"}
    ]
    assert len(groups) == 1, f"{function_id} needs one /aws/lambda/<name> log group"
    assert "RetentionInDays" in groups[0]


# ---------------------------------------------------------------------- IAM


def _secrets_read(translated: dict[str, Any], function_id: str) -> set[str]:
    """The stack's secrets a function may read; GetSecretValue on exactly those is all it may do with secrets."""
    secret_targets: set[str] = set()
    for statement in _role_statements(translated, function_id):
        actions = [str(a) for a in _as_list(statement["Action"])]
        resources = _as_list(statement["Resource"])
        assert "*" not in resources, statement
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement
        if any(a.lower().startswith("secretsmanager:") for a in actions):
            assert statement["Effect"] == "Allow"
            assert actions == ["secretsmanager:GetSecretValue"], statement
            for resource in resources:
                targets = _refs(resource)
                assert targets and targets <= SECRET_IDS, resource
                secret_targets |= targets
    return secret_targets


@pytest.mark.parametrize("function_id", sorted(TOOLS))
def test_tool_reads_the_token_and_only_the_stacks_secrets(translated: dict[str, Any], function_id: str) -> None:
    assert "OpalBearerTokenSecret" in _secrets_read(translated, function_id)


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_a_function_names_exactly_the_secrets_it_may_read(translated: dict[str, Any], function_id: str) -> None:
    # An id without the permission would be an AccessDenied at the first read; a permission without
    # the id, a grant nothing uses.
    variables = translated["Resources"][function_id]["Properties"].get("Environment", {}).get("Variables", {})
    named = {secret for secret, variable in SECRET_ENV.items() if variable in variables}
    for secret in named:
        assert variables[SECRET_ENV[secret]] == {"Ref": secret}
    assert named == _secrets_read(translated, function_id)


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_no_broad_managed_policies(translated: dict[str, Any], function_id: str) -> None:
    assert set(_managed_policies(translated, function_id)) <= ALLOWED_MANAGED_POLICIES


def test_discovery_has_no_secret_access(translated: dict[str, Any]) -> None:
    for statement in _role_statements(translated, DISCOVERY_ID):
        actions = [str(a).lower() for a in _as_list(statement["Action"])]
        assert not any(a.startswith("secretsmanager:") for a in actions), statement
        assert not _refs(statement["Resource"]) & SECRET_IDS, statement


# ---------------------------------------------------------------------- environment


@pytest.mark.parametrize("function_id", sorted(TOOLS))
def test_tool_environment(translated: dict[str, Any], function_id: str) -> None:
    variables = translated["Resources"][function_id]["Properties"]["Environment"]["Variables"]
    for name, value in TOOL_ENV.items():
        assert variables.get(name) == value, name


def test_parameters_behind_the_environment() -> None:
    params = RAW["Parameters"]
    assert params["FullstoryApiBaseUrl"]["Default"] == "https://api.fullstory.com"
    assert sorted(params["EnableAiAnalysis"]["AllowedValues"]) == ["false", "true"]
    assert params["EnableAiAnalysis"]["Default"] == "true"


def test_reserved_concurrency_zero_means_unreserved(translated: dict[str, Any]) -> None:
    assert str(RAW["Parameters"]["ToolReservedConcurrency"]["Default"]) == "0"
    for function_id in TOOLS:
        value = translated["Resources"][function_id]["Properties"].get("ReservedConcurrentExecutions")
        assert isinstance(value, dict) and "Fn::If" in value, value
        condition, when_true, when_false = value["Fn::If"]
        assert when_true == {"Ref": "ToolReservedConcurrency"}
        assert when_false == {"Ref": "AWS::NoValue"}
        assert RAW["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ToolReservedConcurrency"}, "0"]}]}


# ---------------------------------------------------------------------- secrets


def test_secrets() -> None:
    api_key = RAW_RESOURCES["FullstoryApiKeySecret"]
    assert api_key["Type"] == "AWS::SecretsManager::Secret"
    assert "SecretString" in api_key["Properties"]
    assert "put-secret-value" in json.dumps(api_key["Properties"]["Description"])
    token = RAW_RESOURCES["OpalBearerTokenSecret"]
    assert token["Type"] == "AWS::SecretsManager::Secret"
    generated = token["Properties"]["GenerateSecretString"]
    assert generated["PasswordLength"] >= 32
    assert generated["ExcludePunctuation"] is True


# ---------------------------------------------------------------------- HTTP API


def test_http_api_throttling_and_default_stage(translated: dict[str, Any]) -> None:
    api = RAW_RESOURCES[API_ID]
    assert api["Type"] == "AWS::Serverless::HttpApi"
    throttling = api["Properties"]["DefaultRouteSettings"]
    assert throttling["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert throttling["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    params = RAW["Parameters"]
    assert int(params["ApiThrottlingBurstLimit"]["Default"]) > 0
    assert int(params["ApiThrottlingRateLimit"]["Default"]) > 0

    stages = _resources_of_type(translated, "AWS::ApiGatewayV2::Stage")
    assert len(stages) == 1
    stage = next(iter(stages.values()))["Properties"]
    # Opal resolves tool endpoints relative to the discovery URL: no stage prefix.
    assert stage["StageName"] == "$default"
    assert stage["DefaultRouteSettings"] == throttling


# ---------------------------------------------------------------------- outputs


def test_outputs() -> None:
    outputs = RAW["Outputs"]
    discovery = outputs["DiscoveryUrl"]["Value"]["Fn::Sub"]
    assert discovery.startswith(f"https://${{{API_ID}}}.execute-api.")
    assert discovery.endswith("/discovery")
    assert "${AWS::URLSuffix}" in discovery
    assert "ToolsApiUrl" in outputs
    assert outputs["FullstoryApiKeySecretName"]["Value"] == RAW_RESOURCES["FullstoryApiKeySecret"]["Properties"]["Name"]
    assert outputs["OpalBearerTokenSecretName"]["Value"] == RAW_RESOURCES["OpalBearerTokenSecret"]["Properties"]["Name"]
    assert "get-secret-value" in outputs["OpalBearerTokenSecretName"]["Description"]
    assert any(output["Value"] == {"Ref": LAYER_ID} for output in outputs.values()), "layer ARN output"


def test_the_local_only_settings_are_never_deployed() -> None:
    # LOCAL_* change behaviour for the simulator and the in-process S3; a stack must not be able to set them.
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    for name in ("LOCAL_EXPORT_WAIT_SCALE", "LOCAL_S3_LINK_PREFIX", "LOCAL_ALLOW_LOOPBACK_URLS"):
        assert name not in text
