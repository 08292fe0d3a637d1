"""samconfig.toml's environments deploy: every override names a template parameter and passes its
constraints, read the way `sam deploy` reads them (SAM CLI's own parameter-override parser)."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import pytest
from samcli.cli.types import CfnParameterOverridesType

from tests.contract.test_template import RAW, ROOT

CONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())
ENVIRONMENTS = [name for name, value in CONFIG.items() if isinstance(value, dict)]


def _overrides(env: str) -> dict[str, str]:
    raw = CONFIG[env]["deploy"]["parameters"]["parameter_overrides"]
    parsed: dict[str, str] = CfnParameterOverridesType().convert(tuple(raw), None, None)
    return parsed


def _violations(name: str, value: str, spec: dict[str, Any]) -> list[str]:
    problems = []
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        problems.append("not an allowed value")
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        problems.append("does not match AllowedPattern")
    if spec["Type"] == "Number":
        number = float(value)
        if "MinValue" in spec and number < float(spec["MinValue"]):
            problems.append("below MinValue")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            problems.append("above MaxValue")
    return [f"{name}={value!r}: {problem}" for problem in problems]


def test_there_are_default_and_prod_environments() -> None:
    assert {"default", "prod"} <= set(ENVIRONMENTS)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_override_is_a_valid_template_parameter(env: str) -> None:
    overrides = _overrides(env)
    parameters = RAW["Parameters"]
    assert set(overrides) <= set(parameters), set(overrides) - set(parameters)
    problems = [p for name, value in overrides.items() for p in _violations(name, value, parameters[name])]
    assert not problems
    # The operator-facing choices are spelled out, so that a deploy never depends on a previous one.
    assert {"EnabledTools", "EnableAiAnalysis", "FullstoryApiBaseUrl", "AlarmEmail"} <= set(overrides)


def test_the_validator_would_catch_a_bad_value() -> None:
    spec = RAW["Parameters"]["EnabledTools"]
    assert _violations("EnabledTools", "segments, ai", spec)
    assert _violations("AlarmErrorRatePercent", "0", RAW["Parameters"]["AlarmErrorRatePercent"])
    assert not _violations("AlarmEmail", "", RAW["Parameters"]["AlarmEmail"])


def test_sam_local_env_file_names_the_default_stacks_secrets() -> None:
    # events/env/default-stack.json: `sam local invoke --env-vars` against the deployed secrets.
    stack = CONFIG["default"]["global"]["parameters"]["stack_name"]
    env = json.loads((ROOT / "events" / "env" / "default-stack.json").read_text())["Parameters"]
    secrets = {
        RAW["Resources"][name]["Properties"]["Name"]["Fn::Sub"].replace("${AWS::StackName}", stack): name
        for name in ("FullstoryApiKeySecret", "OpalBearerTokenSecret")
    }
    # Each function declares only the secret ids it reads; sam local overrides those it declares.
    declared = [
        resource["Properties"].get("Environment", {}).get("Variables", {})
        for resource in RAW["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    ]
    for variable, secret_name in env.items():
        values = [variables[variable] for variables in declared if variable in variables]
        assert values and all(value == {"Ref": secrets[secret_name]} for value in values), variable
    assert len(env) == 2
