"""Deployed, the workflow calls back and downloads only over https to public addresses: the local
server's loopback allowance is nowhere in the template, and the callback allow-list is the
template parameter CallbackAllowedHosts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from platform_kit.settings import ALLOW_LOOPBACK_ENV, ALLOWED_HOSTS_ENV
from tests.contract.test_template import FUNCTION_IDS, RAW, RAW_RESOURCES, ROOT

# A dict entry, an environ item assignment or a setenv of the name (or of the constant).
SETS = re.compile(
    rf"[\"']{ALLOW_LOOPBACK_ENV}[\"']\s*:|environ\[\s*(ALLOW_LOOPBACK_ENV|[\"']{ALLOW_LOOPBACK_ENV}[\"'])\s*\]\s*="
    rf"|setenv\(\s*(ALLOW_LOOPBACK_ENV|[\"']{ALLOW_LOOPBACK_ENV}[\"'])"
)
CALLBACK_FUNCTIONS = ("ExportSegmentFunction", "ExportNotifyFunction")  # check early, and when sending


def test_the_loopback_allowance_is_not_in_the_template() -> None:
    assert ALLOW_LOOPBACK_ENV not in (ROOT / "template.yaml").read_text()
    assert ALLOW_LOOPBACK_ENV not in str(RAW["Globals"])


@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_no_deployed_function_gets_the_loopback_allowance(translated: dict[str, Any], function_id: str) -> None:
    variables = translated["Resources"][function_id]["Properties"].get("Environment", {}).get("Variables", {})
    assert ALLOW_LOOPBACK_ENV not in variables


def test_only_the_local_server_sets_the_loopback_allowance() -> None:
    # Deployed code reads it (outbound.py) and never sets it; local/server.py is the one place that does.
    setters = []
    for pattern in ("layers/fullstory/**/*.py", "functions/**/*.py", "workflow/**/*.py", "local/**/*.py"):
        for path in ROOT.glob(pattern):
            text = path.read_text()
            if SETS.search(text):
                setters.append(path.relative_to(ROOT).as_posix())
    assert setters == ["local/server.py"]


def test_callback_allowed_hosts_parameter() -> None:
    parameter = RAW["Parameters"]["CallbackAllowedHosts"]
    assert parameter["Type"] == "String" and parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    for ok in ("", "opal.optimizely.com", "opal.optimizely.com,*.opal.example"):
        assert pattern.fullmatch(ok), ok
    for bad in ("https://opal.optimizely.com", "a.com, b.com", "a.com,", "a.com/path"):
        assert not pattern.fullmatch(bad), bad


@pytest.mark.parametrize("function_id", CALLBACK_FUNCTIONS)
def test_functions_that_check_callback_urls_get_the_allow_list(function_id: str) -> None:
    variables = RAW_RESOURCES[function_id]["Properties"]["Environment"]["Variables"]
    assert variables[ALLOWED_HOSTS_ENV] == {"Ref": "CallbackAllowedHosts"}


def test_callback_tokens_expire_within_a_day_if_a_run_never_removes_them() -> None:
    rules = RAW_RESOURCES["ExportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    [rule] = [r for r in rules if r.get("Prefix") == "callbacks/"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == 1


def test_readme_names_the_parameter() -> None:
    assert "CallbackAllowedHosts" in Path(ROOT / "README.md").read_text()
