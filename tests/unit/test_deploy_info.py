"""`make deploy`'s preflight and summary (scripts/deploy_info.py), against moto's STS and CloudFormation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts import deploy_info


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    from moto import mock_aws

    for key in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def test_targets_come_from_samconfig() -> None:
    assert deploy_info.target("default").stack_name == "fullstory-opal-tools"
    assert deploy_info.target("prod").stack_name == "fullstory-opal-tools-prod"
    with pytest.raises(deploy_info.DeployError, match=r"no environment 'staging'.*default, prod"):
        deploy_info.target("staging")


def test_a_region_in_samconfig_is_used(tmp_path: Path) -> None:
    config = tmp_path / "samconfig.toml"
    config.write_text('[dev.global.parameters]\nstack_name = "s"\nregion = "eu-central-1"\n')
    assert deploy_info.target("dev", config) == deploy_info.Target("dev", "s", "eu-central-1", None)


@pytest.mark.usefixtures("aws_env")
def test_preflight_names_account_region_and_stack() -> None:
    where = deploy_info.Target("default", "fullstory-opal-tools", "eu-west-1", None)
    said = deploy_info.preflight(where, deploy_info.session(where))
    assert said == "Deploying stack fullstory-opal-tools to account 123456789012 in eu-west-1 (samconfig: default)."


@pytest.mark.usefixtures("aws_env")
def test_preflight_without_a_region_says_how_to_set_one() -> None:
    where = deploy_info.Target("default", "fullstory-opal-tools", None, None)
    with pytest.raises(deploy_info.DeployError, match="No AWS region: set AWS_DEFAULT_REGION"):
        deploy_info.preflight(where, deploy_info.session(where))


def test_preflight_without_credentials_says_how_to_get_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role lookup either
    where = deploy_info.Target("default", "fullstory-opal-tools", "eu-west-1", None)
    with pytest.raises(deploy_info.DeployError, match="No AWS credentials"):
        deploy_info.preflight(where, deploy_info.session(where))


@pytest.mark.usefixtures("aws_env")
def test_next_steps_use_the_stacks_real_names() -> None:
    import boto3

    outputs = {
        "DiscoveryUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/discovery",
        "FullstoryApiKeySecretName": "my-stack/fullstory-api-key",
        "OpalBearerTokenSecretName": "my-stack/opal-bearer-token",
        "DashboardUrl": "https://console.example/dash",
    }
    template: dict[str, Any] = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name="eu-west-1").create_stack(
        StackName="my-stack", TemplateBody=json.dumps(template)
    )
    where = deploy_info.Target("default", "my-stack", "eu-west-1", None)
    text = deploy_info.next_steps(where, deploy_info.session(where))
    assert "--secret-id my-stack/fullstory-api-key --secret-string '<your Fullstory API key>'" in text
    assert "--secret-id my-stack/opal-bearer-token --query SecretString --output text" in text
    assert "Discovery URL https://abc.execute-api.eu-west-1.amazonaws.com/discovery" in text
    assert "Watch it: https://console.example/dash" in text


@pytest.mark.usefixtures("aws_env")
def test_main_reports_a_missing_stack_without_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert deploy_info.main(["outputs", "default"]) == 1
    assert "cannot read stack fullstory-opal-tools" in capsys.readouterr().err
